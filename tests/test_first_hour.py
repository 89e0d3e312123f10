"""The first hour of a user: validate's report, exit status and table, the Python API,
`nanokin new`, the generated input reference."""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pytest

import sim
from sim import cli
from sim.config import ConfigError, parse_experiment
from sim.model import Model, available_models
from sim.plotting import ReportFigure, figure
from sim.validation import Row, format_table

ROOT = Path(__file__).resolve().parent.parent
GROWTH = ROOT / "inputs" / "growth" / "water_0p25.toml"


def _rows(data_pass=True, check_pass=True):
    return [
        Row("fake", "exp_a", "mean diameter of the particles at the end of the synthesis",
            42.0, 44.4, "+5.8 %", "<= 30 %", True, kind="data", role="calibration", unit="nm",
            median=43.0, interval=(40.0, 47.0), in_interval=True, n_draws=8),
        Row("fake", "exp_b", "mean diameter", 55.0, 99.0, "+80 %", "<= 30 %", data_pass,
            kind="data", role="held-out", unit="nm", median=98.0, interval=(90.0, 110.0),
            in_interval=False, n_draws=8),
        Row("fake", "exp_a", "mass balance", "= charged", "max rel. deviation 1.8e-15",
            "as expected", "<= 1e-6", check_pass),
    ]


class _Fake(Model):
    name = "fake"

    def __init__(self, rows):
        self._rows = rows

    def validate(self, quick=False, progress=None, draws=0, seed=0, step=None):
        return self._rows

    def report_figures(self, quick=False):
        fig, ax = figure()
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("time (h)")
        ax.set_ylabel("diameter (nm)")
        return [ReportFigure("a figure", fig, "a caption")]


def _validate(tmp_path, monkeypatch, rows, strict=False):
    import sim.model

    monkeypatch.setattr(sim.model, "get_model", lambda name: _Fake(rows))
    args = argparse.Namespace(only=["fake"], quick=True, json_path=str(tmp_path / "rows.json"),
                              draws=0, no_uncertainty=True, seed=0, cross_validate=False,
                              strict=strict, out=str(tmp_path / "results"), no_report=False)
    return cli.cmd_validate(args)


def test_validate_exit_status_follows_checks_and_strict(tmp_path, monkeypatch, capsys):
    assert _validate(tmp_path, monkeypatch, _rows(data_pass=False)) == 0
    assert _validate(tmp_path, monkeypatch, _rows(data_pass=False), strict=True) == 1
    assert _validate(tmp_path, monkeypatch, _rows(data_pass=True), strict=True) == 0
    assert _validate(tmp_path, monkeypatch, _rows(check_pass=False)) == 1


def test_validate_writes_report_with_figures_table_and_provenance(tmp_path, monkeypatch):
    assert _validate(tmp_path, monkeypatch, _rows(data_pass=False)) == 0
    page = (tmp_path / "results" / "report.html").read_text()
    # the model's figure, the status figure and the simulated-vs-measured figure
    assert page.count("<figure>") == 3
    assert page.count("data:image/png;base64,") == 3
    assert "a caption" in page and "FAIL" in page and "held-out" in page
    assert "nanokin_version" in page and "git_revision" in page
    assert "1 of 2 data rows pass" in page


def test_table_fits_120_columns_and_keeps_every_value():
    rows = _rows() * 3
    rows.append(Row("fake", "temperature_80C/110C/150C, time_2h, water_0p25_and_more",
                    "size order 80 < 110 < 150 C " * 3, "80 C < 110 C < 150 C (Fig. 2, SEM)",
                    "12.0 < 24.3 < 93.1 nm", "as measured", "strict order of all three sizes",
                    True))
    text = format_table(rows)
    assert max(len(line) for line in text.splitlines()) <= 120
    words = set(text.split())
    for r in rows:
        for value in (r.measured, r.simulated, r.deviation, r.tolerance):
            for w in str(value if not isinstance(value, float) else f"{value:.4g}").split():
                assert w in words or w in text.replace("\n", " "), w


# ----------------------------------------------------------------------------- Python API

@pytest.fixture(scope="module")
def growth_run():
    return sim.run(GROWTH, modulator_eq=3)


def test_api_summary_has_final_scalars_with_units(growth_run):
    d = growth_run.summary["mean_diameter_nm"]
    assert isinstance(d, float) and d.unit == "nm" and np.ndim(d) == 0
    assert "nm" in repr(d)
    assert np.ndim(growth_run["time_h"]) == 1          # arrays by name
    assert "mean_diameter_nm" in repr(growth_run)
    assert "<table>" in growth_run._repr_html_()
    df = growth_run.to_dataframe()
    assert df.loc["mean_diameter_nm", "unit"] == "nm"


def test_api_xarray_has_named_dimensions_and_units(growth_run):
    ds = growth_run.to_xarray()
    assert "time_h" in ds.dims
    assert not any(d.startswith("phony_dim") for d in ds.dims)
    assert ds["summary.mean_diameter_nm"].attrs["units"] == "nm"
    assert ds["precursor_M"].dims == ("time_h",)


def test_api_override_is_checked_like_a_file(growth_run):
    assert "modulator_eq = 3" in growth_run.experiment.text
    with pytest.raises(ConfigError, match="synthesis.modulator_eq"):
        sim.run(GROWTH, modulator_eq=-3)
    with pytest.raises(ConfigError, match="unknown key"):
        sim.run(GROWTH, modulatr_eq=3)
    with pytest.raises(ConfigError, match="parameters.no_such_parameter"):
        sim.experiment(GROWTH, parameters={"no_such_parameter": 1.0})


def test_api_one_parameter_override_keeps_the_others():
    from sim.model import get_model

    table = get_model("growth").parameters
    name = table.free[0].name if hasattr(table.free[0], "name") else table.free[0]
    full = table.values()
    lo, hi = table[name].bounds
    new_value = float(np.clip(full[name] * 0.9 if full[name] else 0.5 * (lo + hi), lo, hi))
    exp = sim.experiment(GROWTH, parameters={name: new_value})
    values = get_model("growth").parameter_values(exp)
    assert values[name] == pytest.approx(new_value)
    assert {k: v for k, v in values.items() if k != name} == \
        {k: v for k, v in full.items() if k != name}


def test_api_plot_returns_figure_and_keeps_the_backend(growth_run, tmp_path):
    import matplotlib

    before = matplotlib.get_backend()
    fig = growth_run.plot(tmp_path / "g.png")
    assert matplotlib.get_backend() == before
    if fig is not None:  # models return their Figure
        from matplotlib.figure import Figure
        assert isinstance(fig, Figure)


# ----------------------------------------------------------------------------- templates

@pytest.mark.parametrize("model", available_models())
def test_new_template_is_a_valid_experiment(model):
    from sim.template import template

    text = template(model)
    exp = parse_experiment(text, file=f"<nanokin new {model}>")
    assert exp.model == model
    # every key of the schema is documented in the template
    from sim.config import describe_schema
    for key, *_ in describe_schema(exp and __import__("sim.model").model.get_model(model)
                                   .config_class):
        assert re.search(rf"^#? ?{re.escape(key.rsplit('.', 1)[-1])} =", text, re.M), key


@pytest.mark.parametrize("model", ["growth", "network"])
def test_new_template_runs(model, tmp_path):
    out = tmp_path / "t.toml"
    assert cli.main(["new", model, "-o", str(out)]) == 0
    assert cli.main(["run", str(out), "--no-uncertainty", "--no-plot",
                     "-o", str(tmp_path / "t.h5")]) == 0
    assert cli.main(["new", model, "-o", str(out)]) == 2       # never replaces a file


def test_toy_model_is_not_listed_to_users(capsys):
    assert "toy" not in available_models()
    with pytest.raises(SystemExit):
        cli.main(["keys", "--help"])
    assert "toy" not in capsys.readouterr().out
    assert cli.main(["keys", "nonsense"]) == 2
    assert "growth" in capsys.readouterr().err


def test_inputs_reference_is_current():
    from sim.template import inputs_markdown

    assert (ROOT / "docs" / "inputs.md").read_text() == inputs_markdown(), \
        "docs/inputs.md is stale: regenerate with `python -m sim.template > docs/inputs.md`"


# ----------------------------------------------------------------------------- examples

EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(script, tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(script), str(tmp_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert list(tmp_path.glob("*.png")), "the example draws its figure"
    assert "nan" not in proc.stdout.lower().split()


def test_every_subcommand_help_has_an_example():
    parser = cli.make_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        assert "example" in p.format_help(), name
