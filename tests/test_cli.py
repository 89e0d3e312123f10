"""End-to-end command line on the toy model (fast), and the registry contract."""
import json
import subprocess
import sys
from pathlib import Path

import h5py
import pytest

from sim.cli import main
from sim.model import _BUILTIN, available_models

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path, text, name="exp.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_registry_matches_pyproject():
    import tomllib

    eps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["nanokin.models"]
    assert eps == _BUILTIN
    assert "toy" in available_models(include_hidden=True)
    assert "toy" not in available_models()


def test_run_writes_h5_and_png(tmp_path, capsys):
    cfg = write(tmp_path, 'model = "toy"\nseed = 1\n[conditions]\nn_molecules = 300\n')
    out = tmp_path / "res" / "toy.h5"
    assert main(["run", str(cfg), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "half_life" in text and str(out) in text
    assert out.exists() and out.with_suffix(".png").exists()
    with h5py.File(out) as f:
        assert f.attrs["seed"] == 1 and f["data/A"].attrs["unit"] == "molecules"
    assert main(["info", str(out)]) == 0
    assert "config:" in capsys.readouterr().out


@pytest.mark.parametrize("text,needle", [
    ('model = "toy"\n[conditions]\nn_molecules = -5\n', "conditions.n_molecules"),
    ('model = "toy"\n[conditons]\n', "conditons"),
    ('model = "toy"\n[solver]\nn_streams = 50\n[conditions]\nn_molecules = 10\n', "solver.n_streams"),
    ('model = "unknown_thing"\n', "unknown model"),
])
def test_bad_input_is_one_clear_line_and_no_output(tmp_path, capsys, text, needle):
    cfg = write(tmp_path, text)
    out = tmp_path / "never.h5"
    assert main(["run", str(cfg), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert needle in err and str(cfg) in err and "allowed:" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_and_wrong_files(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.toml")]) == 2
    assert "file not found" in capsys.readouterr().err
    bad = write(tmp_path, "not hdf5", "x.h5")
    assert main(["info", str(bad)]) == 2
    assert "not an HDF5 file" in capsys.readouterr().err
    other = write(tmp_path, "x", "model.xyz")
    assert main(["run", str(other)]) == 2
    assert "unknown file type" in capsys.readouterr().err


def test_export_unknown_format(tmp_path, capsys):
    cfg = write(tmp_path, 'model = "toy"\n')
    assert main(["export", "sbml", str(cfg)]) == 2
    assert "cannot export" in capsys.readouterr().err


def test_sweep_cli(tmp_path, capsys):
    cfg = write(tmp_path, 'model = "toy"\n[conditions]\nn_molecules = 100\n[solver]\nn_streams = 1\n')
    out = tmp_path / "sw.h5"
    assert main(["sweep", str(cfg), "--set", "conditions.t_end_s=1,2,3", "-o", str(out)]) == 0
    with h5py.File(out) as f:
        assert list(f["grid/conditions.t_end_s"][()]) == [1.0, 2.0, 3.0]
    assert main(["sweep", str(cfg), "-o", str(out)]) == 2


def test_console_script_installed():
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "validate" in proc.stdout


def test_validate_json_rows_have_exact_keys(tmp_path, monkeypatch, capsys):
    import sim.model as registry
    from sim.reference import Observation, data_row
    from sim.validation import check_row

    ob = Observation("size_e1", "e1", "size", "series", "synthetic", unit="nm", value=25.0,
                     sd=3.0, tolerance_rel=0.3)

    class Fake:
        parameters = None

        def validate(self, quick=False, progress=None, draws=0, seed=0):
            return [data_row("growth", ob, 27.0, "held-out", [26.0, 27.0, 28.0, 30.0]),
                    check_row("growth", "e2", "ordering", "a<b", "a>b", False, "same order")]

    monkeypatch.setattr(registry, "get_model", lambda name: Fake())
    out = tmp_path / "rows.json"
    assert main(["validate", "--only", "growth", "--json", str(out)]) == 1  # one row fails
    rows = json.loads(out.read_text())
    keys = {"experiment", "quantity", "measured", "simulated", "deviation", "tolerance", "pass",
            "model", "kind", "role", "id", "group", "unit", "source", "median", "interval",
            "in_interval", "n_draws"}
    assert [set(r) for r in rows] == [keys] * 2
    assert rows[0]["pass"] is True and rows[0]["kind"] == "data" and rows[0]["role"] == "held-out"
    assert rows[0]["in_interval"] is False and rows[0]["interval"][0] > 25.0
    assert rows[1]["kind"] == "check" and rows[1]["role"] is None and rows[1]["pass"] is False
    assert not any(r["role"] == "predicted" for r in rows)
    table = capsys.readouterr().out
    assert "FAIL" in table and "1 of 1 data rows pass" in table and "0 of 1 checks pass" in table


def test_keys_lists_units_and_defaults(capsys):
    assert main(["keys", "toy"]) == 0
    out = capsys.readouterr().out
    assert "conditions.rate_constant_per_s" in out and "s^-1" in out and "default 0.1" in out
    assert main(["keys", "no_such_model"]) == 2
