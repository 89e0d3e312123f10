"""Design benchmark: a virtual campaign to reach a MIL-125 size target.

The "lab" is the growth model run with one parameter set drawn from the calibration's
posterior samples and hidden from every strategy, plus measurement noise: the mean
diameter with a relative sd of 0.16 and the dispersity with an sd of 0.02 (the sd the
observation file assigns to measured MIL-125 means, ``precursor_ome_d``: the relative
SEM spread reported at the optimum, 4.0 / 25 nm, Fabrizio 2023 Chem. Sci. 14, 8946;
and the softness of its dispersity row). Target: a measured mean diameter in 18-22 nm
with a measured dispersity <= 0.15. Controllable keys: benzoic acid equivalents (0-20),
water (0.05-2 vol %) and temperature (80-150 C), from ``inputs/growth/ba_05eq.toml``.

Each campaign (one hidden parameter set, one noise stream) is run by every strategy,
one experiment at a time, until the target is measured or the budget is spent:

- **nanokin**: the model's predictive distribution over a fixed pool of candidate
  conditions (a seeded Latin hypercube), from ``--draws`` posterior draws; the next
  experiment is the unmeasured candidate with the highest probability of a measured
  success (window probability with the measurement noise folded in). After each
  measurement the draws are reweighted by the likelihood of all measurements so far
  (importance weights: the quick path of ``nanokin suggest --observed``, which refits
  instead; the refit costs ~10^3 model runs per round, too much for 20 campaigns here).
  The pool predictions are computed once and shared by all campaigns (no local
  refinement: the quick path).
- **random**: uniform random conditions in the box.
- **LHS**: a Latin hypercube of the budget's size (seeded per campaign), in order.
- **GP-EI (scikit-optimize)**: ``skopt.Optimizer`` (Gaussian process, expected
  improvement, 5 initial random points) minimising the distance to the target window,
  ``max(0, |d - 20| - 2) / 2 + max(0, dispersity - 0.15) / 0.05`` (0 inside); it knows
  nothing of the model. Skipped when scikit-optimize (the ``bench`` extra) is missing.

The dispersity bound 0.15 is, by the model, reachable only by luck of the measurement
noise (the calibrated model gives dispersities of ~0.17-0.25 where the mean diameter is
18-22 nm), so ``--disp-max 0.25`` (the pass bound of the optimum's dispersity row in the
observation file; measured 0.17) is the second target reported.

Reported: experiments needed (median, quartiles, fraction of campaigns that reached the
target within the budget; a campaign that did not is counted as budget + 1).
"""
from __future__ import annotations

#: not part of ``nanokin bench --quick`` (run with ``--only``)
IN_QUICK = False
WHY_NOT_QUICK = "a design-campaign study (experiments to target, seeded), minutes of growth runs; no timing ratio"

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.special import ndtr  # noqa: E402
from scipy.stats import qmc  # noqa: E402

from sim.config import load_experiment  # noqa: E402
from sim.model import get_model  # noqa: E402
from sim.paths import inputs_dir  # noqa: E402
from sim.suggest import Range, _experiment_at, predictive  # noqa: E402

KEYS = [Range("synthesis.modulator_eq", 0.0, 20.0),
        Range("synthesis.water_vol_percent", 0.05, 2.0),
        Range("synthesis.temperature_C", 80.0, 150.0)]
Q = ["mean_diameter_nm", "dispersity"]
D_LO, D_HI = 18.0, 22.0
DISP_MAX = 0.15          # the target of the issue; --disp-max changes it
SD_D_REL, SD_DISP = 0.16, 0.02


def success(y) -> bool:
    d, s = y
    return bool(np.isfinite(d) and np.isfinite(s) and D_LO <= d <= D_HI and s <= DISP_MAX)


def loss(y) -> float:
    d, s = y
    if not (np.isfinite(d) and np.isfinite(s)):
        return 10.0
    return max(0.0, abs(d - 20.0) - 2.0) / 2.0 + max(0.0, s - DISP_MAX) / 0.05


class Lab:
    """The hidden truth: one parameter set, noisy measurements, every run counted."""

    def __init__(self, model, exp, values, seed):
        self.model, self.exp, self.values = model, exp, values
        self.rng = np.random.default_rng(np.random.SeedSequence([seed, 0x1AB]))
        self.runs = 0

    def measure(self, point: dict):
        self.runs += 1
        e = _experiment_at(self.exp, point, self.model)
        s = self.model.summaries([e], quantities=Q, values_list=[self.values])[0]
        d, disp = (s.values.get(q, math.nan) for q in Q)
        return (d * (1 + SD_D_REL * self.rng.standard_normal()),
                disp + SD_DISP * self.rng.standard_normal())


def _point(u):
    return {r.key: r.value(x) for r, x in zip(KEYS, u)}


def campaign_nanokin(lab, pool_pts, pool_y, budget):
    """pool_y: (n_pool, n_draws, 2) predictions; returns experiments to success or None."""
    n_pool, n_draws, _ = pool_y.shape
    logw = np.zeros(n_draws)
    measured = set()
    mu_d, mu_s = pool_y[:, :, 0], pool_y[:, :, 1]
    ok = np.isfinite(mu_d) & np.isfinite(mu_s)
    sd_d = SD_D_REL * np.where(ok, mu_d, 1.0)
    p_d = np.where(ok, ndtr((D_HI - mu_d) / sd_d) - ndtr((D_LO - mu_d) / sd_d), 0.0)
    p_s = np.where(ok, ndtr((DISP_MAX - mu_s) / SD_DISP), 0.0)
    p_draw = p_d * p_s                                         # (pool, draws)
    for n in range(1, budget + 1):
        w = np.exp(logw - logw.max())
        w /= w.sum()
        p = p_draw @ w
        p[list(measured)] = -1.0
        c = int(np.argmax(p))
        measured.add(c)
        y = lab.measure(pool_pts[c])
        if success(y):
            return n
        if np.isfinite(y[0]) and np.isfinite(y[1]):
            ll = (-0.5 * ((y[0] - mu_d[c]) / sd_d[c]) ** 2 - np.log(sd_d[c])
                  - 0.5 * ((y[1] - mu_s[c]) / SD_DISP) ** 2)
            logw += np.where(ok[c], ll, -1e3)
        else:      # no particles measured: the draws that predicted particles lose weight
            logw += np.where(ok[c], -5.0, 0.0)
    return None


def campaign_points(lab, points, budget):
    for n, p in enumerate(points[:budget], 1):
        if success(lab.measure(p)):
            return n
    return None


def campaign_skopt(lab, budget, seed):
    from skopt import Optimizer

    opt = Optimizer([(r.lo, r.hi) for r in KEYS], base_estimator="GP", acq_func="EI",
                    n_initial_points=5, random_state=seed)
    for n in range(1, budget + 1):
        x = opt.ask()
        y = lab.measure({r.key: (int(round(v)) if r.integer else float(v))
                         for r, v in zip(KEYS, x)})
        if success(y):
            return n
        opt.tell(x, loss(y))
    return None


def run(quick: bool = False, campaigns: int | None = None, budget: int | None = None,
        pool: int | None = None, draws: int | None = None, disp_max: float | None = None,
        pool_cache: str | None = None, log=None) -> dict:
    global DISP_MAX
    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    if disp_max is not None:
        DISP_MAX = disp_max
    campaigns = campaigns or (3 if quick else 20)
    budget = budget or (6 if quick else 20)
    pool = pool or (24 if quick else 96)
    draws = draws or (4 if quick else 12)
    model = get_model("growth")
    exp = load_experiment(inputs_dir() / "growth" / "ba_05eq.toml")
    t0 = time.perf_counter()
    U = qmc.LatinHypercube(d=len(KEYS), rng=np.random.default_rng(
        np.random.SeedSequence([0, 0xB001]))).random(pool)
    pool_pts = [_point(u) for u in U]
    design_draws = model.parameters.draws(draws, seed=1)
    cache = Path(pool_cache) if pool_cache else None
    if cache is not None and cache.exists():
        pool_y = np.load(cache)
        assert pool_y.shape == (pool, draws, len(Q)), "pool cache of another size"
        log(f"pool predictions read from {cache}")
    else:
        pool_y = predictive(model, exp, pool_pts, design_draws, Q)
        if cache is not None:
            np.save(cache, pool_y)
    t_pool = time.perf_counter() - t0
    log(f"pool: {pool} candidates x {draws} draws in {t_pool:.0f} s")
    hidden = model.parameters.draws(campaigns, seed=1000)
    try:
        import skopt  # noqa: F401
        strategies = ["nanokin", "random", "LHS", "GP-EI (scikit-optimize)"]
    except ImportError:
        strategies = ["nanokin", "random", "LHS"]
    result = {s: [] for s in strategies}
    runs = {s: 0 for s in strategies}
    for k in range(campaigns):
        for si, s in enumerate(strategies):
            lab = Lab(model, exp, hidden[k], seed=1000 * k + 17)   # same noise for all
            rng = np.random.default_rng(np.random.SeedSequence([k, si, 0xCA]))
            if s == "nanokin":
                n = campaign_nanokin(lab, pool_pts, pool_y, budget)
            elif s == "random":
                n = campaign_points(lab, [_point(u) for u in rng.random((budget, len(KEYS)))],
                                    budget)
            elif s == "LHS":
                u = qmc.LatinHypercube(d=len(KEYS), rng=rng).random(budget)
                n = campaign_points(lab, [_point(x) for x in u], budget)
            else:
                n = campaign_skopt(lab, budget, seed=k)
            result[s].append(n)
            runs[s] += lab.runs
        log(f"campaign {k + 1}/{campaigns}: " +
            ", ".join(f"{s} {result[s][-1] or '>' + str(budget)}" for s in strategies))
    rows = []
    for s in strategies:
        vals = np.array([n if n is not None else budget + 1 for n in result[s]], float)
        q1, med, q3 = np.percentile(vals, [25, 50, 75])
        rows.append({"strategy": s, "campaigns": campaigns, "budget": budget,
                     "median_experiments": med, "q25": q1, "q75": q3,
                     "reached": float(np.mean([n is not None for n in result[s]])),
                     "lab_runs": runs[s], "per_campaign": result[s]})
    return {"benchmark": "design", "rows": rows, "pool": pool, "draws": draws,
            "pool_seconds": t_pool, "wall_s": time.perf_counter() - t0,
            "target": f"{D_LO:g} <= mean_diameter_nm <= {D_HI:g}, dispersity <= {DISP_MAX:g}"
                      " (measured, with noise)",
            "load_average_end": os.getloadavg()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--campaigns", type=int, default=20)
    ap.add_argument("--budget", type=int, default=20)
    ap.add_argument("--pool", type=int, default=96)
    ap.add_argument("--draws", type=int, default=12)
    ap.add_argument("--disp-max", type=float, default=0.15, help="dispersity bound of the target")
    ap.add_argument("--pool-cache", help="keep the pool predictions in this .npy file (they do "
                                         "not depend on the target)")
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    rec = run(campaigns=a.campaigns, budget=a.budget, pool=a.pool, draws=a.draws,
              disp_max=a.disp_max, pool_cache=a.pool_cache)
    print(f"target: {rec['target']}; pool {rec['pool']} x {rec['draws']} draws "
          f"({rec['pool_seconds']:.0f} s); total {rec['wall_s']:.0f} s")
    print("| strategy | campaigns | budget | median experiments | quartiles | reached | lab runs |")
    print("|---|---:|---:|---:|---|---:|---:|")
    for r in rec["rows"]:
        print(f"| {r['strategy']} | {r['campaigns']} | {r['budget']} | {r['median_experiments']:g} "
              f"| {r['q25']:g}-{r['q75']:g} | {100 * r['reached']:.0f} % | {r['lab_runs']} |")
    if a.json:
        Path(a.json).write_text(json.dumps(rec, indent=1, default=str))


if __name__ == "__main__":
    main()
