"""Bayesian calibration, posterior predictive intervals and cross-validation.

``nanokin fit MODEL`` (:func:`calibrate`):

1. the free parameters of the model's table (``calibrated`` and ``nuisance``) are
   sampled in their coordinate ``z`` (log10 for log-scale priors);
2. the log posterior is the table's log prior plus the log likelihood of the
   observations that enter the fit (:mod:`sim.reference`);
3. the maximum a posteriori point is found with bounded Powell from the prior centre, or
   from a model's ``fit_settings["map_start"]`` (a starting point only, not a prior)
   (derivative-free, so it copes with the kinks of ordinal likelihoods);
4. posterior samples come from ``emcee``'s affine-invariant ensemble sampler, its
   walkers started from the Laplace approximation at the MAP.  emcee is small, NumPy-only, needs no gradients
   (the models are compiled kernels without derivatives) and, with ``vectorize=True``,
   hands half the walkers at once to the model's batch path;
5. diagnostics: integrated autocorrelation time per parameter and the effective sample
   size ``walkers * kept steps / tau``, acceptance fraction;
6. output: ``OUT.json`` (posterior summary, observations used, MAP rows, diagnostics,
   provenance: commit, seed, clean tree, versions, no clock time, so the same commit and
   seed give the same file), ``OUT.h5`` (the samples), ``OUT_corner.png``.

The shipped fit is ``inputs/fitted/<model>.json``; it is replaced only with ``--write``.

Cross-validation (:func:`cross_validate`) leaves out one experimental series (an
observation ``group``) at a time, refits the rest (MAP and a Laplace approximation of
the posterior around it, a Gaussian in ``z`` from a finite-difference Hessian) and
predicts the series left out.
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from sim.params import ParameterTable
from sim.reference import Observation, data_rows, log_likelihood

__all__ = ["Problem", "calibrate", "validate_model", "cross_validate", "tree_state",
           "FitResult", "DEFAULT_SETTINGS"]

MAX_STORED_SAMPLES = 4000   # posterior samples kept in the fit's HDF5 file

DEFAULT_SETTINGS = {"walkers": 16, "steps": 400, "burn": None, "quick": False, "map_maxfev": 400,
                    "map_restarts": 0, "map_start": None}


def map_start(problem: "Problem", settings: dict):
    """Where the MAP search starts, in z: the prior centre, or the point a model declares in
    ``fit_settings["map_start"]`` (``{name: value}``; names not given stay at the prior
    centre).  Only the optimiser's starting point: the posterior does not depend on it."""
    start = settings.get("map_start")
    z0 = problem.z_center()
    if start:
        unknown = set(start) - set(problem.names)
        if unknown:
            raise KeyError(f"map_start names unknown free parameter(s) {sorted(unknown)}")
        for i, p in enumerate(problem._params):
            if p.name in start:
                z0[i] = min(max(p.to_z(float(start[p.name])), problem.lo[i]), problem.hi[i])
    return z0


# ----------------------------------------------------------------------------- problem

@dataclass
class Problem:
    """The posterior of one model's free parameters given a set of observations."""

    model: object
    observations: list[Observation]
    quick: bool = False
    evaluations: int = 0
    table: ParameterTable = field(init=False)
    names: list[str] = field(init=False)

    def __post_init__(self):
        self.table = self.model.parameters
        self.names = self.table.free
        self._params = [self.table[n] for n in self.names]
        self.ids = [o.id for o in self.observations]
        self.lo = np.array([p.z_bounds[0] for p in self._params])
        self.hi = np.array([p.z_bounds[1] for p in self._params])

    @property
    def ndim(self) -> int:
        return len(self.names)

    def z_center(self) -> np.ndarray:
        return np.array([p.z_center for p in self._params])

    def z_width(self) -> np.ndarray:
        return np.array([p.z_width for p in self._params])

    def values(self, z) -> dict[str, float]:
        """A complete parameter set with the free ones at ``z`` (others at table values)."""
        vals = self.table.defaults()
        for p, zi in zip(self._params, z):
            vals[p.name] = p.from_z(float(zi))
        return vals

    def log_prior(self, z) -> float:
        return float(sum(p.log_prior(float(zi)) for p, zi in zip(self._params, z)))

    def simulate(self, Z) -> list[dict]:
        Z = np.atleast_2d(Z)
        self.evaluations += Z.shape[0]
        return self.model.observables_batch([self.values(z) for z in Z], self.ids, quick=self.quick)

    def log_posterior_batch(self, Z) -> np.ndarray:
        Z = np.atleast_2d(np.asarray(Z, float))
        out = np.full(Z.shape[0], -np.inf)
        lp = np.array([self.log_prior(z) for z in Z])
        ok = np.isfinite(lp)
        if ok.any():
            sims = self.simulate(Z[ok])
            out[ok] = lp[ok] + np.array([log_likelihood(self.observations, s) for s in sims])
        return out

    def log_posterior(self, z) -> float:
        return float(self.log_posterior_batch(np.asarray(z)[None, :])[0])


# ----------------------------------------------------------------------------- MAP, Laplace

def find_map(problem: Problem, maxfev: int = 400, z0=None, restarts: int = 0) -> tuple[np.ndarray, float]:
    """Maximum a posteriori point by bounded Powell from ``z0`` (default: prior centre).

    ``restarts``: start Powell again from its result (fresh search directions) up to this
    many times while the log posterior still rises by more than 1e-3; this helps on
    posteriors with long, narrow ridges (unidentified combinations of parameters).
    """
    z, best = _powell(problem, maxfev, z0)
    for _ in range(max(0, int(restarts))):
        z_new, f_new = _powell(problem, maxfev, z)
        if f_new <= best + 1e-3:
            if f_new > best:
                z, best = z_new, f_new
            break
        z, best = z_new, f_new
    return z, best


def _powell(problem: Problem, maxfev: int, z0) -> tuple[np.ndarray, float]:
    from scipy.optimize import minimize

    z0 = problem.z_center() if z0 is None else np.asarray(z0, float)
    if problem.ndim == 0:
        return z0, problem.log_posterior(z0)
    big = 1e12

    def neg(z):
        v = problem.log_posterior(z)
        return -v if np.isfinite(v) else big

    sol = minimize(neg, z0, method="Powell", bounds=list(zip(problem.lo, problem.hi)),
                   options={"maxfev": maxfev, "xtol": 1e-3, "ftol": 1e-6})
    z = np.clip(sol.x, problem.lo, problem.hi)
    best = -neg(z)
    start = -neg(z0)
    if start > best:  # Powell never returns worse than its start; guard anyway
        z, best = z0, start
    return z, best


def laplace_covariance(problem: Problem, z_map: np.ndarray) -> np.ndarray:
    """Covariance in z of the Gaussian approximation at the MAP: the inverse Hessian.

    The Hessian is taken by central differences with steps of 5 % of each prior width;
    in units of the prior widths, directions the data do not constrain fall back to the
    prior variance and no direction is narrower than 1e-3 of the prior width.
    """
    k = problem.ndim
    h = 0.05 * problem.z_width()
    f0 = problem.log_posterior(z_map)
    pts, index = [], {}

    def at(delta):
        key = tuple(np.round(delta / h, 6))
        if key not in index:
            index[key] = len(pts)
            pts.append(np.clip(z_map + delta, problem.lo, problem.hi))
        return index[key]

    plan = {}
    for i in range(k):
        e_i = np.eye(k)[i] * h[i]
        plan[(i, i)] = (at(e_i), at(-e_i))
        for j in range(i + 1, k):
            e_j = np.eye(k)[j] * h[j]
            plan[(i, j)] = (at(e_i + e_j), at(e_i - e_j), at(-e_i + e_j), at(-e_i - e_j))
    vals = problem.log_posterior_batch(np.array(pts))
    vals = np.where(np.isfinite(vals), vals, f0 - 1e6)
    H = np.zeros((k, k))
    for (i, j), idx in plan.items():
        if i == j:
            H[i, i] = -(vals[idx[0]] - 2 * f0 + vals[idx[1]]) / h[i] ** 2
        else:
            H[i, j] = H[j, i] = -(vals[idx[0]] - vals[idx[1]] - vals[idx[2]] + vals[idx[3]]) / (4 * h[i] * h[j])
    # in units of each parameter's prior width (z carries units: decades, J/mol ...):
    # no direction wider than the prior, none narrower than 1e-3 of it, which keeps the
    # draws (and emcee's walker set) well conditioned where a kink or a failing neighbour
    # makes the curvature huge
    D = problem.z_width()
    w, V = np.linalg.eigh(H * np.outer(D, D))
    w = np.clip(w, 1.0, 1e6)
    return ((V / w) @ V.T) * np.outer(D, D)


def laplace_draws(problem: Problem, z_map: np.ndarray, n: int, seed: int,
                  cov: np.ndarray | None = None) -> np.ndarray:
    """``n`` draws of the Laplace approximation (:func:`laplace_covariance`) truncated to
    the bounds: draws outside are drawn again (up to 20 times, then mirrored into the
    bounds), so that the draws do not pile up on a bound."""
    k = problem.ndim
    if k == 0 or n <= 0:
        return np.empty((max(n, 0), k))
    if cov is None:
        cov = laplace_covariance(problem, z_map)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x1A9]))
    Z = rng.multivariate_normal(z_map, cov, size=n, method="eigh")
    for _ in range(20):
        out = np.any((Z < problem.lo) | (Z > problem.hi), axis=1)
        if not out.any():
            break
        Z[out] = rng.multivariate_normal(z_map, cov, size=int(out.sum()), method="eigh")
    return _reflect(Z, problem.lo, problem.hi)


def _reflect(Z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Points mirrored back into [lo, hi] (clipping would put many on the same bound,
    a degenerate walker set)."""
    Z = np.where(Z < lo, 2 * lo - Z, Z)
    Z = np.where(Z > hi, 2 * hi - Z, Z)
    return np.clip(Z, lo, hi)


def _finite_start(problem: Problem, z_map: np.ndarray, n: int, seed_seq) -> np.ndarray:
    """``n`` walker positions from the Laplace approximation, each with a finite log
    posterior (a walker started where the model fails, e.g. where no crystals form, would
    never move: emcee compares -inf with -inf).  Positions that fail are drawn again, up
    to 8 times, then put in a ball of 2 % of the prior width around the MAP."""
    seeds = seed_seq.generate_state(9, np.uint32)
    cov = laplace_covariance(problem, z_map)
    p0 = laplace_draws(problem, z_map, n, int(seeds[0]), cov)
    bad = ~np.isfinite(problem.log_posterior_batch(p0))
    for s in seeds[1:]:
        if not bad.any():
            return p0
        p0[bad] = laplace_draws(problem, z_map, int(bad.sum()), int(s), cov)
        bad[bad] = ~np.isfinite(problem.log_posterior_batch(p0[bad]))
    if bad.any():
        rng = np.random.default_rng(seed_seq)
        ball = z_map + 0.02 * problem.z_width() * rng.standard_normal((int(bad.sum()), problem.ndim))
        p0[bad] = _reflect(ball, problem.lo, problem.hi)
    return p0


# ----------------------------------------------------------------------------- provenance

def tree_state() -> dict:
    """Commit of the source tree and whether it is clean (fit outputs excluded)."""
    from sim.store import source_state

    state = source_state(exclude=("inputs/fitted",))
    if state is None:
        return {"commit": "unknown (not a git checkout or no git)", "tree_clean": None}
    return {"commit": state[0], "tree_clean": state[1]}


def _settings(model) -> dict:
    """The sampler settings: the defaults, updated by the model's ``fit_settings``."""
    return {**DEFAULT_SETTINGS, **(getattr(model, "fit_settings", {}) or {})}


def _versions() -> dict:
    import emcee
    import numba
    import scipy

    import sim
    return {"nanokin": sim.__version__, "python": ".".join(map(str, sys.version_info[:3])),
            "numpy": np.__version__, "scipy": scipy.__version__, "numba": numba.__version__,
            "emcee": emcee.__version__}


# ----------------------------------------------------------------------------- calibrate

@dataclass
class FitResult:
    model: str
    record: dict
    samples: np.ndarray
    names: list[str]
    units: list[str]

    def text(self) -> str:
        r = self.record
        d = r["sampler"]
        lines = [f"Bayesian calibration of model '{self.model}': {len(self.names)} free parameters, "
                 f"{len(r['observations_used'])} observations used, "
                 f"{len(r['observations_held_out'])} held out"]
        lines.append(f"  sampler emcee {d['walkers']} walkers x {d['steps']} steps (burn-in {d['burn']}), "
                     f"acceptance {d['acceptance']:.2f}, {d['evaluations']} model evaluations")
        lines.append("parameter                         MAP         median      [5 %, 95 %]          tau    ESS")
        for n, u in zip(self.names, self.units):
            p = r["parameters"][n]
            lines.append(f"  {n:30s} {p['map']:11.4g} {p['median']:11.4g}  [{p['q05']:.4g}, {p['q95']:.4g}] "
                         f"{u:10s} {p['tau']:6.1f} {p['ess']:6.0f}")
        lines.append(f"  smallest effective sample size {d['ess_min']:.0f}"
                     + ("" if d['ess_min'] >= 1000 else " (below 1000: run more --steps for a "
                        "converged posterior)"))
        if d["tau_reliable"] is False:
            lines.append("  warning: the chain is shorter than 50 autocorrelation times; "
                         "tau and ESS are rough estimates")
        lines.append("MAP rows (observation, measured, simulated, pass):")
        for row in r["map_rows"]:
            lines.append(f"  {row['id']:34s} {str(row['measured']):>28s} {str(row['simulated']):>14s} "
                         f"{'PASS' if row['pass'] else 'FAIL'}")
        st = r["provenance"]
        lines.append(f"commit {st['commit']}, tree clean: {st['tree_clean']}, seed {st['seed']}")
        return "\n".join(lines)


def _observations_for_fit(model, use: Sequence[str] | None = None,
                          exclude_groups: Sequence[str] = ()) -> tuple[list, list]:
    obs = model.observations()
    if use is not None:
        known = {o.id for o in obs}
        bad = [u for u in use if u not in known]
        if bad:
            from sim.config import ConfigError
            raise ConfigError("command line", "--use", bad[0], ", ".join(sorted(known)),
                              "unknown observation")
        chosen = [o for o in obs if o.id in set(use)]
    else:
        chosen = [o for o in obs if o.fit]
    chosen = [o for o in chosen if o.group not in set(exclude_groups)]
    held = [o for o in obs if o not in chosen]
    return chosen, held


def autocorrelation_time(chain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integrated autocorrelation time per parameter of ``chain`` (steps, walkers, k), and
    which walkers moved.  A walker that never moved after burn-in has no autocorrelation
    (emcee would divide by its zero variance and return NaN): tau comes from the walkers that
    moved; with fewer than two, tau is the chain length."""
    import emcee

    kept, n_walkers, k = chain.shape
    moving = (np.all(np.any(chain[1:] != chain[:-1], axis=0), axis=1) if kept > 1
              else np.zeros(n_walkers, bool))
    if moving.sum() >= 2:
        tau = emcee.autocorr.integrated_time(chain[:, moving, :], tol=0)
    else:
        tau = np.full(k, float(max(kept, 1)))
    return np.maximum(np.asarray(tau, float), 1.0), moving


def calibrate(model, *, seed: int = 0, walkers: int | None = None, steps: int | None = None,
              burn: int | None = None, quick: bool | None = None, use: Sequence[str] | None = None,
              progress: bool = False, log: Callable[[str], None] | None = None) -> FitResult:
    """MAP + emcee posterior of the model's free parameters (see the module docstring)."""
    import emcee

    settings = _settings(model)
    for k, v in (("walkers", walkers), ("steps", steps), ("burn", burn), ("quick", quick)):
        if v is not None:
            settings[k] = v
    table = model.parameters
    if table is None or not table.free:
        raise ValueError(f"model '{model.name}' has no calibrated or nuisance parameters to fit")
    state = tree_state()   # the code this fit runs, taken before any work
    used, held = _observations_for_fit(model, use)
    problem = Problem(model, used, quick=bool(settings["quick"]))
    say = log or (lambda s: None)
    k = problem.ndim
    n_walkers = max(int(settings["walkers"]), 2 * k + 2)
    n_walkers += n_walkers % 2
    n_steps = int(settings["steps"])
    n_burn = int(settings["burn"]) if settings["burn"] is not None else n_steps // 3
    if not 0 <= n_burn < n_steps:
        raise ValueError(f"burn-in ({n_burn}) must be >= 0 and smaller than steps ({n_steps})")

    say(f"{model.name}: MAP over {k} parameters from {len(used)} observations ...")
    z_map, lp_map = find_map(problem, maxfev=int(settings["map_maxfev"]),
                             z0=map_start(problem, settings),
                             restarts=int(settings["map_restarts"]))
    say(f"  MAP log posterior {lp_map:.4g} after {problem.evaluations} evaluations")

    ss = np.random.SeedSequence(seed)
    init_seed, mcmc_seed = ss.spawn(2)
    # The walkers start from the Laplace approximation at the MAP (finite-difference
    # curvature; directions the data leave open at most as wide as the prior), so a short
    # chain explores the posterior's width instead of slowly expanding from a point.
    p0 = _finite_start(problem, z_map, n_walkers, init_seed)
    say(f"  walkers started from the Laplace approximation ({problem.evaluations} evaluations so far)")
    sampler = emcee.EnsembleSampler(n_walkers, k, problem.log_posterior_batch, vectorize=True)
    sampler.random_state = np.random.RandomState(
        int(mcmc_seed.generate_state(1, np.uint32)[0])).get_state()
    say(f"  sampling: {n_walkers} walkers x {n_steps} steps ...")
    sampler.run_mcmc(p0, n_steps, progress=progress)
    chain = sampler.get_chain(discard=n_burn)            # (steps, walkers, k)
    logp = sampler.get_log_prob(discard=n_burn)
    flat_lp = logp.reshape(-1)
    kept = chain.shape[0]
    tau, moving = autocorrelation_time(chain)
    ess = max(int(moving.sum()), 1) * kept / tau
    # Stored samples: thinned by half the shortest autocorrelation time (nearly
    # independent draws) and to at most MAX_STORED_SAMPLES; diagnostics use the full chain.
    thin = max(1, int(np.min(tau) // 2)) if k else 1
    thin = max(thin, int(math.ceil(kept * n_walkers / MAX_STORED_SAMPLES)))
    thin_z = chain[::-1][::thin][::-1].reshape(-1, k)   # keep the last step of every walker
    samples = np.column_stack([[p.from_z(z) for z in thin_z[:, i]]
                               for i, p in enumerate(problem._params)]) if k else thin_z

    # rows at the MAP: what the fit does to each observation it used
    map_vals = problem.values(z_map)
    obs_all = used + held
    point = model.observables_batch([map_vals], [o.id for o in obs_all], quick=problem.quick)[0]
    rows = data_rows(model.name, obs_all, point, {o.id for o in used})
    map_rows = [{"id": o.id, "group": o.group, "role": r.role, "measured": r.measured,
                 "simulated": r.simulated, "pass": r.passed} for o, r in zip(obs_all, rows)]

    params = {}
    for i, p in enumerate(problem._params):
        q05, q50, q95 = np.quantile(samples[:, i], [0.05, 0.5, 0.95])
        params[p.name] = {"kind": p.kind, "unit": p.unit, "map": float(p.from_z(z_map[i])),
                          "median": float(q50), "q05": float(q05), "q95": float(q95),
                          "sd_z": float(np.std(thin_z[:, i])),
                          "prior": p.prior.text(p.unit), "bounds": list(p.bounds),
                          "tau": float(tau[i]), "ess": float(ess[i])}
    samples_bytes = np.ascontiguousarray(samples, dtype="<f8").tobytes()
    record = {
        "model": model.name,
        "format": "nanokin-posterior-1",
        "method": "MAP (bounded Powell) + emcee affine-invariant ensemble sampler",
        "parameters": params,
        "fixed_parameters": {p.name: p.value for p in table if not p.free},
        "observations_used": [o.id for o in used],
        "observations_held_out": [o.id for o in held],
        "log_posterior_map": float(lp_map),
        "map_rows": map_rows,
        "sampler": {"walkers": n_walkers, "steps": n_steps, "burn": n_burn, "thin": thin,
                    "quick_model": problem.quick, "evaluations": problem.evaluations,
                    "map_start": settings.get("map_start"),
                    "walker_start": "Laplace approximation at the MAP",
                    "walkers_stuck": int(n_walkers - moving.sum()),
                    "acceptance": float(np.mean(sampler.acceptance_fraction)),
                    "tau_reliable": bool(kept >= 50 * float(np.max(tau))) if k else True,
                    "ess_min": float(np.min(ess)) if k else 0.0,
                    "n_samples": int(samples.shape[0])},
        "samples_file": "",
        "samples_sha256": hashlib.sha256(samples_bytes).hexdigest(),
        "log_prob_max_sample": float(np.max(flat_lp)) if flat_lp.size else None,
        "provenance": {**state, "seed": int(seed), "versions": _versions()},
    }
    return FitResult(model.name, record, samples, list(problem.names), [p.unit for p in problem._params])


def save_fit(result: FitResult, json_path: str | Path) -> dict[str, Path]:
    """Write ``X.json``, ``X.h5`` (samples) and ``X_corner.png`` atomically."""
    import h5py

    from sim.store import atomic_path

    json_path = Path(json_path)
    h5_path = json_path.with_suffix(".h5")
    png_path = json_path.with_name(json_path.stem + "_corner.png")
    rec = dict(result.record)
    rec["samples_file"] = h5_path.name
    with atomic_path(h5_path) as tmp:
        with h5py.File(tmp, "w", track_order=True) as f:
            f.create_dataset("samples", data=result.samples, track_times=False)
            f.create_dataset("names", data=np.array(result.names, dtype=object),
                             dtype=h5py.string_dtype(), track_times=False)
            f.create_dataset("units", data=np.array(result.units, dtype=object),
                             dtype=h5py.string_dtype(), track_times=False)
            f.attrs["model"] = result.model
            f.attrs["samples_sha256"] = rec["samples_sha256"]
            f.attrs["provenance"] = json.dumps(rec["provenance"], sort_keys=True)
    with atomic_path(json_path) as tmp:
        tmp.write_text(json.dumps(rec, indent=2, sort_keys=False) + "\n")
    out = {"json": json_path, "samples": h5_path}
    if len(result.names) and result.samples.shape[0] > len(result.names) + 1:
        try:
            corner_plot(result, png_path)
            out["corner"] = png_path
        except Exception as exc:  # a plot failure must not lose the fit
            print(f"warning: corner plot not written ({exc})", file=sys.stderr)
    return out


def _wrap(name: str, width: int = 18) -> str:
    """A long parameter name over several lines, broken after underscores."""
    lines, line = [], ""
    for part in name.replace("_", "_\x00").split("\x00"):
        if line and len(line) + len(part) > width:
            lines.append(line)
            line = ""
        line += part
    return "\n".join(lines + [line])


def load_fit(json_path: str | Path) -> FitResult:
    """A saved fit back from ``X.json`` and its samples file."""
    import h5py

    json_path = Path(json_path)
    rec = json.loads(json_path.read_text())
    with h5py.File(json_path.with_name(rec["samples_file"]), "r") as f:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["names"][()]]
        units = [u.decode() if isinstance(u, bytes) else str(u) for u in f["units"][()]]
        samples = np.asarray(f["samples"][()], float)
    return FitResult(rec["model"], rec, samples, names, units)


def corner_plot(result: FitResult, path: Path):
    """Pairwise posterior of the free parameters (log-scale ones in log10)."""
    import corner
    from matplotlib.figure import Figure

    from sim.store import atomic_path

    table_log = [result.record["parameters"][n]["prior"].startswith(("lognormal", "loguniform"))
                 for n in result.names]
    data = np.column_stack([np.log10(result.samples[:, i]) if lg else result.samples[:, i]
                            for i, lg in enumerate(table_log)])
    labels = [_wrap(f"log10 {n}" if lg else n) + (f"\n/ {u}" if u and u != "1" else "")
              for n, u, lg in zip(result.names, result.units, table_log)]
    truths = [math.log10(result.record["parameters"][n]["map"]) if lg else result.record["parameters"][n]["map"]
              for n, lg in zip(result.names, table_log)]
    k = len(result.names)
    # titles (median and 90 % range above each histogram) overlap beyond ~5 parameters;
    # the dashed lines mark the same quantiles
    k_axes = len(result.names)
    fig = Figure(figsize=(2.0 * k_axes + 1.0, 2.0 * k_axes + 1.0))   # not attached to pyplot
    fig.subplots(k_axes, k_axes)
    fig = corner.corner(data, fig=fig, labels=labels, truths=truths, truth_color="tab:red",
                        quantiles=[0.05, 0.5, 0.95], show_titles=k <= 5, title_fmt=".3g",
                        max_n_ticks=3, label_kwargs={"fontsize": 9},
                        title_kwargs={"fontsize": 8})
    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            fmt = axis.get_major_formatter()
            if hasattr(fmt, "set_useOffset"):
                fmt.set_useOffset(False)
    fig.suptitle(f"{result.model}: posterior of the free parameters (red: MAP)", fontsize=10)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png", bbox_inches="tight")
    return fig


# ----------------------------------------------------------------------------- validate

def validate_model(model, *, quick: bool = False, draws: int = 0, seed: int = 0,
                   progress=None, step=None) -> list:
    """Data rows at the fitted point (+ intervals over ``draws`` posterior draws) and checks.

    ``step``: optional callable ``step(label)`` told when each stage starts (the fitted
    point, each chunk of posterior draws, the checks) and ``step(None)`` when it ends, for a
    progress display (see :func:`validation_stages` for their number)."""
    say = step or (lambda label: None)
    obs = model.observations()
    table = model.parameters
    rec = table.fit_record()
    used = set(rec.get("observations_used", [])) if rec else set()
    ids = [o.id for o in obs]
    say("fitted point")
    point = model.observables_batch([table.values()], ids, quick=quick)[0]
    say(None)
    sims = []
    if draws and table.free:
        sets = table.draws(draws, seed)
        q = quick or bool(getattr(model, "interval_quick", False))
        for a, b in _chunks(len(sets), draws):
            say(f"posterior draws {a + 1}-{b} of {len(sets)}")
            sims.extend(model.observables_batch(sets[a:b], ids, quick=q))
            say(None)
    rows = data_rows(model.name, obs, point, used, sims)
    say("checks")
    checks = list(model.checks(quick=quick, progress=progress))
    say(None)
    return rows + checks


def _chunks(n: int, draws: int) -> list[tuple[int, int]]:
    """Up to four chunks of at least two draws each (progress without losing batching)."""
    size = max(2, -(-draws // 4))
    return [(a, min(a + size, n)) for a in range(0, n, size)]


def validation_stages(model, draws: int) -> int:
    """How many ``step`` stages :func:`validate_model` reports for ``model``."""
    if getattr(model, "parameters", None) is None:
        return 1
    n = len(_chunks(draws, draws)) if draws and model.parameters.free else 0
    return 2 + n


# ----------------------------------------------------------------------------- cross-validation

def cross_validate(model, *, quick: bool = False, draws: int = 20, seed: int = 0,
                   maxfev: int | None = None, log: Callable[[str], None] | None = None) -> list:
    """Leave-one-group-out: refit without a series (MAP + Laplace) and predict it.

    Returns data rows, all with role ``held-out``: every observation is predicted by a
    fit that did not see its series.  A series with no observation in the fit is
    predicted by the fit on all observations (it was held out already).
    """
    settings = _settings(model)
    maxfev = int(maxfev or settings["map_maxfev"])
    # refits evaluate the model as `nanokin fit` does (the model's quick setting); the series
    # left out is predicted as asked (``quick``)
    fit_quick = bool(quick or settings["quick"])
    say = log or (lambda s: None)
    obs = model.observations()
    fit_obs = [o for o in obs if o.fit]
    groups = list(dict.fromkeys(o.group for o in obs))
    fitted_groups = {o.group for o in fit_obs}
    rows_by_id = {}
    full = None
    for gi, g in enumerate(groups):
        train = [o for o in fit_obs if o.group != g]
        target = [o for o in obs if o.group == g]
        if g not in fitted_groups:
            if full is None:
                full = _fit_and_draw(model, fit_obs, fit_quick, maxfev, draws, seed, settings)
            problem, z_map, Z = full
        else:
            say(f"  {model.name}: leaving out '{g}' ({len(target)} observations), "
                f"refitting on {len(train)} ...")
            problem, z_map, Z = _fit_and_draw(model, train, fit_quick, maxfev, draws, seed + gi + 1,
                                              settings)
        ids = [o.id for o in target]
        point = model.observables_batch([problem.values(z_map)], ids, quick=quick)[0]
        sims = model.observables_batch([problem.values(z) for z in Z], ids,
                                       quick=quick or bool(getattr(model, "interval_quick", False)))
        for r in data_rows(model.name, target, point, set(), sims):
            rows_by_id[r.id] = r
    return [rows_by_id[o.id] for o in obs]


def _fit_and_draw(model, train, quick, maxfev, draws, seed, settings=None):
    settings = settings or {}
    problem = Problem(model, train, quick=quick)
    z_map, _ = find_map(problem, maxfev=maxfev, z0=map_start(problem, settings),
                        restarts=int(settings.get("map_restarts", 0)))
    Z = laplace_draws(problem, z_map, draws, seed)
    return problem, z_map, Z
