"""nanokin suggest on a model with an analytic answer (a posterior we set ourselves)."""
import csv
import math

import numpy as np
import pytest

from kinetics.toy import DecayModel
from sim.cli import main
from sim.config import ConfigError, parse_experiment
from sim.model import PointSummary
from sim.params import Parameter, ParameterTable, Prior
from sim.suggest import design, parse_goal, parse_vary, recalibrate

TOY = 'model = "toy"\nseed = 3\n[conditions]\nn_molecules = 500\nn_times = 5\n[solver]\nn_streams = 2\n'


class Analytic(DecayModel):
    """size = gain * 100 * k (nm); score = gain * (1 - (k - 0.3)^2); gain is calibrated."""

    parameters = ParameterTable("analytic_test", [Parameter(
        "gain", 1.0, "nm s", "calibrated", "assumed: a test parameter", bounds=(0.1, 10.0),
        prior=Prior("lognormal", 0.3))])

    def __init__(self):
        self.calls = 0

    def summaries(self, experiments, quantities=None, values_list=None):
        out = []
        for i, e in enumerate(experiments):
            self.calls += 1
            g = (values_list[i] if values_list else self.parameters.defaults())["gain"]
            k = e.config.conditions.rate_constant_per_s
            vals = {"size": g * 100 * k, "score": g * (1 - (k - 0.3) ** 2)}
            out.append(PointSummary({q: vals[q] for q in (quantities or vals)},
                                    {"size": "nm", "score": ""}))
        return out


@pytest.fixture(scope="module")
def exp():
    return parse_experiment(TOY, file="toy.toml")


def draws(*gains):
    return [{"gain": g} for g in gains]


def test_goal_parsing():
    g = parse_goal(["size=18:22"], ["spread=0.15"], [], None, None)
    assert g.windows == {"size": (18.0, 22.0), "spread": (-math.inf, 0.15)}
    for bad in (dict(targets=["size=20"]), dict(targets=["size=22:18"]), dict(),
                dict(maximize="a", minimize="b")):
        with pytest.raises(ConfigError):
            parse_goal(**{"targets": [], "maxes": [], "mins": [], **bad})
    with pytest.raises(ConfigError):
        parse_vary(["conditions.rate_constant_per_s=1:0.1"])


def test_window_probability_intervals_and_distinct_batch(exp):
    m = Analytic()
    goal = parse_goal(["size=18:22"])
    d = design(m, exp, parse_vary(["conditions.rate_constant_per_s=0.05:0.6"]), goal,
               draws=draws(0.95, 1.0, 1.05, 0.97, 1.03), points=24, batch=3, refine_evals=8,
               min_distance=0.1)
    rows = d.rows()
    best = rows[0]
    # all five draws land in 18-22 nm for k in [18/95, 22/105] = [0.189, 0.210]
    assert best["conditions.rate_constant_per_s"] == pytest.approx(0.2, abs=0.01)
    assert best["P(success)"] == 1.0
    assert best["size 5%"] <= best["size median"] <= best["size 95%"]
    assert best["size median"] == pytest.approx(20.0, abs=1.5)
    ks = [r["conditions.rate_constant_per_s"] for r in rows]
    assert len(ks) == 3 and min(np.diff(sorted(ks))) >= 0.1 * 0.55 - 1e-9  # no near-duplicates
    assert rows[0]["P(success)"] >= rows[1]["P(success)"] >= rows[2]["P(success)"]
    assert d.simulations == m.calls


def test_expected_improvement_finds_the_maximum_after_refinement(exp):
    m = Analytic()
    goal = parse_goal(maximize="score")
    d = design(m, exp, parse_vary(["conditions.rate_constant_per_s=0.01:1"]), goal,
               draws=draws(0.8, 1.0, 1.2), points=8, batch=1, refine_evals=20)
    assert d.rows()[0]["conditions.rate_constant_per_s"] == pytest.approx(0.3, abs=0.02)
    assert d.ei is not None and d.rows()[0]["expected improvement"] >= 0


def test_observed_measurements_recalibrate_the_posterior(exp):
    m = Analytic()
    measured = [({"conditions.rate_constant_per_s": k}, {"size": (2.0 * 100 * k, 1.0)})
                for k in (0.1, 0.2, 0.3)]
    new, info = recalibrate(m, exp, measured, n_draws=16, seed=0, maxfev=80, with_reference=False)
    gains = np.array([d["gain"] for d in new])
    assert info["map"]["gain"] == pytest.approx(2.0, rel=0.02)
    assert np.median(gains) == pytest.approx(2.0, rel=0.05) and gains.std() < 0.1
    # with the refitted posterior the suggestion moves to k = 20 nm / (2 x 100 nm s) = 0.1
    d = design(m, exp, parse_vary(["conditions.rate_constant_per_s=0.05:0.6"]),
               parse_goal(["size=18:22"]), draws=new, points=24, batch=1, refine_evals=8)
    assert d.rows()[0]["conditions.rate_constant_per_s"] == pytest.approx(0.1, abs=0.01)


def test_cli_table_csv_map_and_unknown_target(tmp_path, capsys, monkeypatch):
    cfg = tmp_path / "toy.toml"
    cfg.write_text(TOY)
    out = tmp_path / "sg.csv"
    assert main(["suggest", str(cfg), "--vary", "conditions.rate_constant_per_s=0.01:1",
                 "--target", "half_life=6:8", "--points", "16", "--batch", "2",
                 "--refine-evals", "4", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "P(success)" in text and "half_life median (s)" in text
    rows = list(csv.DictReader(open(out)))
    assert len(rows) == 2 and float(rows[0]["P(success)"]) == 1.0
    k = float(rows[0]["conditions.rate_constant_per_s"])
    assert 6 <= math.log(2) / k <= 8
    assert out.with_suffix(".png").exists()
    # an unknown quantity is refused with the list, before any design simulation
    from sim.model import get_model
    toy = get_model("toy")
    calls = []
    real = type(toy).summaries
    monkeypatch.setattr(type(toy), "summaries",
                        lambda self, e, **kw: calls.append(len(e)) or real(self, e, **kw))
    assert main(["suggest", str(cfg), "--vary", "conditions.rate_constant_per_s=0.1:1",
                 "--target", "nonexistent=1:2", "-o", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "unknown quantity" in err and "half_life" in err and "A_final" in err
    assert calls == [1]   # only the one run that lists the model's quantities
    assert not (tmp_path / "x.csv").exists()


def test_observed_csv_is_read_and_checked(tmp_path):
    from sim.suggest import read_observed

    ranges = parse_vary(["conditions.rate_constant_per_s=0.05:0.6"])
    avail = {"size": "nm", "score": ""}
    f = tmp_path / "m.csv"
    f.write_text("conditions.rate_constant_per_s,size,size_sd\n0.1,20.5,1.5\n0.2,41,\n")
    rows = read_observed(f, ranges, avail, 0.1)
    assert rows == [({"conditions.rate_constant_per_s": 0.1}, {"size": (20.5, 1.5)}),
                    ({"conditions.rate_constant_per_s": 0.2}, {"size": (41.0, pytest.approx(4.1))})]
    f.write_text("conditions.rate_constant_per_s,diameter\n0.1,20\n")
    with pytest.raises(ConfigError, match="unknown column"):
        read_observed(f, ranges, avail, 0.1)
    f.write_text("conditions.rate_constant_per_s,size\n0.1,big\n")
    with pytest.raises(ConfigError, match="not a number"):
        read_observed(f, ranges, avail, 0.1)
