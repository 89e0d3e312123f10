"""The calibration engine (sim.params, sim.reference, sim.fit) on a model with an analytic posterior.

The test model has one calibrated rate constant k with a lognormal prior and observes
log10 k directly (a normal likelihood), so the posterior of z = log10 k is normal with
a closed-form mean and width; a second, nuisance parameter enters only a range
observation.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pytest

from sim.config import ConfigError, parse_experiment
from sim.fit import calibrate, cross_validate, find_map, Problem, laplace_draws, save_fit
from sim.model import Model
from sim.params import Parameter, ParameterTable, Prior
from sim.reference import load_observations
from sim.store import Result

OBS = '''
model = "linear"

[[observation]]
id = "log_k"
experiment = "series_a"
quantity = "log10 k"
group = "a"
value = 0.3
sd = 0.2
tolerance_abs = 0.5
source = "synthetic: analytic test case"

[[observation]]
id = "offset_positive"
experiment = "series_b"
quantity = "offset"
group = "b"
kind = "range"
min = 0.0
softness = 0.05
measured = "offset > 0"
source = "synthetic: analytic test case"

[[observation]]
id = "log_k_again"
experiment = "series_c"
quantity = "log10 k (second series)"
group = "c"
value = 0.25
sd = 0.5
tolerance_abs = 0.5
fit = false
source = "synthetic: analytic test case"
'''


@dataclass(frozen=True)
class NoConfig:
    pass


class Linear(Model):
    name = "linear"
    config_class = NoConfig
    fit_settings = {"walkers": 8, "steps": 60}

    def __init__(self, tmp_path):
        self.obs_path = tmp_path / "linear_observations.toml"
        self.obs_path.write_text(OBS)
        self.parameters = ParameterTable("linear", [
            Parameter("k_per_s", 1.0, "s^-1", "calibrated", "calibrated: test", bounds=(1e-3, 1e3),
                      prior=Prior("lognormal", 0.5)),
            Parameter("offset", 0.1, "1", "nuisance", "assumed: test nuisance", bounds=(-1.0, 1.0),
                      prior=Prior("normal", 0.3)),
            Parameter("scale", 2.0, "1", "fixed", "assumed: test constant"),
        ], fit_dir=tmp_path / "fitted")
        self.calls = 0

    def observations(self):
        return load_observations("linear", self.obs_path)

    def observables(self, values, ids, quick=False):
        self.calls += 1
        full = {"log_k": math.log10(values["k_per_s"]), "log_k_again": math.log10(values["k_per_s"]),
                "offset_positive": values["offset"]}
        return {i: full[i] for i in ids}

    def run(self, experiment, progress=None):
        v = self.parameter_values(experiment)
        res = Result(model=self.name)
        res.note("k_times_scale", v["k_per_s"] * v["scale"], "s^-1")
        return self.stamp(res, v)


@pytest.fixture
def model(tmp_path):
    return Linear(tmp_path)


def test_table_rejects_undeclared_knobs():
    with pytest.raises(ValueError, match="source"):
        Parameter("x", 1.0, "1", "fixed", "")
    with pytest.raises(ValueError, match="prior"):
        Parameter("x", 1.0, "1", "calibrated", "calibrated: y", bounds=(0, 2))
    with pytest.raises(ValueError, match="bounds"):
        Parameter("x", 5.0, "1", "fixed", "assumed: y", bounds=(0, 2))


def test_posterior_matches_the_conjugate_normal(model, tmp_path):
    fit = calibrate(model, seed=3, walkers=16, steps=1500, burn=300)
    i = fit.names.index("k_per_s")
    z = np.log10(fit.samples[:, i])
    # prior N(0, 0.5^2) in z, likelihood N(0.3, 0.2^2): posterior precision 4 + 25
    mean, sd = 0.3 * 25 / 29, 1 / math.sqrt(29)
    ess = fit.record["parameters"]["k_per_s"]["ess"]
    assert abs(z.mean() - mean) < 4 * sd / math.sqrt(ess)
    assert abs(z.std() - sd) / sd < 0.12
    # MAP of the product of the two Gaussians (offset's range likelihood is flat near 0.1)
    assert abs(math.log10(fit.record["parameters"]["k_per_s"]["map"]) - mean) < 0.01
    assert fit.record["observations_used"] == ["log_k", "offset_positive"]
    assert fit.record["observations_held_out"] == ["log_k_again"]


def test_same_seed_same_file_and_roles_from_the_fit(model, tmp_path):
    a = save_fit(calibrate(model, seed=1), tmp_path / "a.json")
    b = save_fit(calibrate(model, seed=1), tmp_path / "b.json")
    ja, jb = json.loads(a["json"].read_text()), json.loads(b["json"].read_text())
    ja.pop("samples_file"), jb.pop("samples_file")
    assert ja == jb
    c = calibrate(model, seed=2)
    assert c.record["samples_sha256"] != ja["samples_sha256"]
    assert set(ja["provenance"]) >= {"commit", "tree_clean", "seed"}
    # install as the model's fit: rows get roles from it, intervals from its samples
    (tmp_path / "fitted").mkdir()
    save_fit(calibrate(model, seed=1), tmp_path / "fitted" / "linear.json")
    rows = model.validate(draws=50, seed=0)
    roles = {r.id: r.role for r in rows}
    assert roles == {"log_k": "calibration", "offset_positive": "calibration",
                     "log_k_again": "held-out"}
    for r in rows:
        assert r.kind == "data" and r.interval is not None and r.interval[0] <= r.median <= r.interval[1]
    assert rows[0].in_interval is True  # 0.3 is within the posterior predictive of log10 k


def test_parameters_override_and_unknown_names_rejected(model, tmp_path):
    lookup = lambda name: model  # noqa: E731
    exp = parse_experiment('model = "linear"\n[parameters]\nk_per_s = 3.0\n', model_lookup=lookup)
    (tmp_path / "fitted").mkdir()
    save_fit(calibrate(model, seed=1), tmp_path / "fitted" / "linear.json")
    res = model.run(exp)
    assert res.summary["k_times_scale"].values == pytest.approx(6.0)
    assert res.parameters["k_per_s"] == 3.0 and res.fit["fit_sha256"]
    default = model.run(parse_experiment('model = "linear"\n', model_lookup=lookup))
    assert default.summary["k_times_scale"].values != pytest.approx(6.0)
    with pytest.raises(ConfigError, match="unknown parameter.*k_per_s, offset, scale"):
        parse_experiment('model = "linear"\n[parameters]\nk_per_h = 3.0\n', file="x.toml",
                         model_lookup=lookup)
    with pytest.raises(ConfigError, match="out of range"):
        parse_experiment('model = "linear"\n[parameters]\nk_per_s = 1e9\n', model_lookup=lookup)


def test_laplace_and_cross_validation(model):
    problem = Problem(model, model.observations()[:2])
    z, _ = find_map(problem)
    Z = laplace_draws(problem, z, 4000, seed=0)
    assert abs(Z[:, 0].std() - 1 / math.sqrt(29)) < 0.02
    rows = cross_validate(model, draws=3000, seed=0)
    assert [r.role for r in rows] == ["held-out"] * 3
    # leaving out series a, log10 k is predicted from the prior alone: N(0, 0.5)
    lo, hi = rows[0].interval
    assert abs(lo + 1.645 * 0.5) < 0.06 and abs(hi - 1.645 * 0.5) < 0.06


class _Rosenbrock:
    """A narrow curved ridge (duck-typed Problem): Powell stops short of its maximum at 0."""

    ndim = 4
    lo, hi = np.full(4, -5.0), np.full(4, 5.0)

    def z_center(self):
        return np.full(4, -1.5)

    def log_posterior(self, z):
        z = np.asarray(z)
        return -float(np.sum(100 * (z[1:] - z[:-1] ** 2) ** 2 + (1 - z[:-1]) ** 2))


def test_map_restarts_climb_a_ridge():
    ridge = _Rosenbrock()
    _, once = find_map(ridge, maxfev=200)
    z, restarted = find_map(ridge, maxfev=200, restarts=5)
    assert restarted > once + 1.0 and restarted > -0.1
    assert find_map(ridge, maxfev=200, restarts=0)[1] == once


def test_map_start_is_only_the_optimiser_start(model):
    """A declared MAP start moves where Powell begins, not where it ends."""
    from sim.fit import map_start

    problem = Problem(model, model.observations()[:2])
    assert np.array_equal(map_start(problem, {}), problem.z_center())
    z0 = map_start(problem, {"map_start": {"k_per_s": 10.0}})
    assert z0[problem.names.index("k_per_s")] == pytest.approx(1.0)
    assert z0[problem.names.index("offset")] == problem.z_center()[problem.names.index("offset")]
    with pytest.raises(KeyError, match="scale"):
        map_start(problem, {"map_start": {"scale": 1.0}})
    z_a, _ = find_map(problem, z0=problem.z_center())
    z_b, _ = find_map(problem, z0=z0)
    i = problem.names.index("k_per_s")
    assert abs(z_a[i] - z_b[i]) < 0.01


def test_bad_observation_files_are_named(tmp_path):
    p = tmp_path / "linear_observations.toml"
    p.write_text(OBS.replace("sd = 0.2\n", ""))
    with pytest.raises(ConfigError, match=r"observation\[0\]\.sd"):
        load_observations("linear", p)
    p.write_text(OBS.replace("softness = 0.05\n", ""))
    with pytest.raises(ConfigError, match="softness"):
        load_observations("linear", p)


def test_map_start_and_quick_refits_in_cross_validation(model):
    """fit_settings["map_start"] moves only the optimiser's starting point (recorded in the fit);
    cross-validation refits with the model's quick setting and predicts as asked."""
    from sim.fit import map_start

    problem = Problem(model, model.observations()[:2])
    z = map_start(problem, {"map_start": {"k_per_s": 100.0}})
    assert z[0] == pytest.approx(2.0) and z[1] == pytest.approx(problem.z_center()[1])
    assert map_start(problem, {"map_start": {"k_per_s": 1e9}})[0] == pytest.approx(3.0)  # clipped
    model.fit_settings = {"walkers": 8, "steps": 60, "map_start": {"k_per_s": 100.0}, "quick": True}
    fit = calibrate(model, seed=1)
    assert fit.record["sampler"]["map_start"] == {"k_per_s": 100.0}
    assert fit.record["sampler"]["quick_model"] is True
    assert abs(math.log10(fit.record["parameters"]["k_per_s"]["map"]) - 0.3 * 25 / 29) < 0.01
    seen = []
    orig = model.observables
    model.observables = lambda v, ids, quick=False: (seen.append(quick), orig(v, ids, quick))[1]
    cross_validate(model, draws=5, seed=0, quick=False)
    assert True in seen and False in seen       # refits quick, predictions full


def test_autocorrelation_time_ignores_stuck_walkers():
    from sim.fit import autocorrelation_time

    rng = np.random.default_rng(0)
    chain = rng.standard_normal((400, 6, 2))
    tau_all, moving = autocorrelation_time(chain)
    assert moving.all() and np.all(np.isfinite(tau_all))
    chain[:, 2, :] = 0.7                      # one walker never moved
    tau, moving = autocorrelation_time(chain)
    assert moving.tolist() == [True, True, False, True, True, True]
    assert np.all(np.isfinite(tau)) and np.all(tau < 3)
    tau, moving = autocorrelation_time(np.zeros((10, 4, 2)))
    assert not moving.any() and np.all(tau == 10)


def test_walkers_never_start_where_the_model_fails(model):
    """Where the model gives no number (e.g. no crystals form), the log posterior is -inf;
    no walker may start there, or it would never move."""
    from sim.fit import _finite_start

    orig = model.observables

    def failing(values, ids, quick=False):
        out = orig(values, ids, quick)
        if math.log10(values["k_per_s"]) > 0.25:
            out = {i: math.nan for i in out}
        return out

    model.observables = failing
    problem = Problem(model, model.observations()[:2])
    z_map, _ = find_map(problem)
    p0 = _finite_start(problem, z_map, 32, np.random.SeedSequence(4))
    assert p0.shape == (32, 2)
    assert np.all(np.isfinite(problem.log_posterior_batch(p0)))
    assert np.unique(p0[:, 0]).size == 32
