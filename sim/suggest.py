"""``nanokin suggest``: model-based design of the next experiments.

``nanokin suggest inputs/growth/ba_05eq.toml --vary synthesis.modulator_eq=0:20
--vary synthesis.water_vol_percent=0.1:2 --target mean_diameter_nm=18:22
--max dispersity=0.15 --batch 3``

1. The goal is checked first: every quantity named in ``--target NAME=LO:HI``,
   ``--max NAME=V``, ``--min NAME=V``, ``--maximize NAME`` or ``--minimize NAME`` must be
   one the model reports (else the list of available quantities, before any design
   simulation).
2. Posterior draws: ``--draws D`` complete parameter sets from the calibration's
   posterior samples (:meth:`sim.params.ParameterTable.draws`); the same draws serve
   every candidate (common random numbers), so candidates are compared on equal terms.
3. Coarse search: a seeded Latin hypercube of ``--points`` candidates over the ``--vary``
   ranges (the controllable keys); each candidate is simulated once per draw through
   :meth:`sim.model.Model.summaries` (``values_list``): its predictive distribution.
4. Acquisition:
   - window goals: the probability that the outcome lands in every window,
     ``P(success)`` = the fraction of draws inside. For ranking and refinement the
     window edges are softened by a probit of width ``--softness`` (default 2 %) of
     the window (a step function cannot be refined);
   - ``--maximize`` / ``--minimize``: expected improvement over the best value measured
     (``--observed``) or, without measurements, the best predicted median, times the
     probability of meeting the windows if any are given.
5. Local refinement: ``scipy.optimize.minimize`` (bounded Powell) of the acquisition in
   the unit cube of the ranges from the best candidates, ``--refine-evals`` evaluations
   each.
6. A batch of ``--batch q`` suggestions: greedy by acquisition, skipping candidates
   closer than ``--min-distance`` (in units of the ranges) to one already chosen.
7. Output: a ranked table (conditions, predicted median and 90 % interval of each goal
   quantity, P(success) or EI), the same as CSV, and a map of the acquisition over one
   or two varied keys with the suggestions marked.

``--observed measured.csv`` closes the loop: columns named like the ``--vary`` keys
(conditions; keys not given keep the experiment file's value) and quantity columns
(outcomes; an optional ``<quantity>_sd`` column gives the measurement's standard
deviation, default ``--observed-sd`` x value). The rows become observations beside the
model's reference observations; the free parameters are refitted (MAP by
:func:`sim.fit.find_map`, posterior by its Laplace approximation
:func:`sim.fit.laplace_draws`) and the design is made again with the refitted
draws. The ranking is a shortlist for the next experiment, not a claim beyond what the
model's validation supports.
"""
from __future__ import annotations

import csv
import dataclasses
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.special import ndtr

from sim.config import ConfigError, Experiment

__all__ = ["Goal", "Range", "parse_vary", "parse_goal", "available_quantities", "Design",
           "design", "read_observed", "recalibrate", "run_suggest_cli"]


# ----------------------------------------------------------------------------- inputs

@dataclass
class Range:
    key: str
    lo: float
    hi: float
    integer: bool = False

    def value(self, u: float):
        v = self.lo + float(u) * (self.hi - self.lo)
        return int(round(v)) if self.integer else float(v)

    def unit(self, v) -> float:
        return (float(v) - self.lo) / (self.hi - self.lo)


def parse_vary(items: list[str]) -> list[Range]:
    out = []
    for item in items:
        key, sep, rng = item.partition("=")
        lo_s, sep2, hi_s = rng.partition(":")
        try:
            if not (sep and sep2) or ":" in hi_s:
                raise ValueError
            lo, hi = float(lo_s), float(hi_s)
        except ValueError:
            raise ConfigError("--vary", item, item,
                              "KEY=LO:HI, e.g. synthesis.temperature_C=80:150",
                              "malformed range") from None
        if not hi > lo:
            raise ConfigError("--vary", key, item, "a range with HI > LO", "empty range")
        out.append(Range(key.strip(), lo, hi))
    keys = [r.key for r in out]
    if len(set(keys)) != len(keys):
        raise ConfigError("--vary", keys, keys, "each key once", "repeated key")
    return out


@dataclass
class Goal:
    """Windows every outcome must land in, and an optional quantity to push."""

    windows: dict = field(default_factory=dict)     # name -> (lo, hi)
    objective: str | None = None
    sign: float = 1.0                               # +1 maximize, -1 minimize

    @property
    def quantities(self) -> list[str]:
        q = list(self.windows)
        if self.objective and self.objective not in q:
            q.append(self.objective)
        return q

    def text(self) -> str:
        parts = []
        for q, (lo, hi) in self.windows.items():
            if math.isfinite(lo) and math.isfinite(hi):
                parts.append(f"{lo:g} <= {q} <= {hi:g}")
            elif math.isfinite(hi):
                parts.append(f"{q} <= {hi:g}")
            else:
                parts.append(f"{q} >= {lo:g}")
        if self.objective:
            parts.append(("maximize " if self.sign > 0 else "minimize ") + self.objective)
        return "; ".join(parts)


def _num(text, flag, item):
    try:
        return float(text)
    except ValueError:
        raise ConfigError(flag, item, item, f"{flag} NAME=NUMBER", "malformed goal") from None


def parse_goal(targets=(), maxes=(), mins=(), maximize=None, minimize=None) -> Goal:
    g = Goal()
    for item in targets:
        name, sep, rng = item.partition("=")
        lo_s, sep2, hi_s = rng.partition(":")
        if not sep or not sep2:
            raise ConfigError("--target", item, item, "NAME=LO:HI, e.g. mean_diameter_nm=18:22",
                              "malformed target window")
        lo, hi = _num(lo_s, "--target", item), _num(hi_s, "--target", item)
        if not hi > lo:
            raise ConfigError("--target", name, item, "a window with HI > LO", "empty window")
        g.windows[name.strip()] = (lo, hi)
    for item, flag in [(m, "--max") for m in maxes] + [(m, "--min") for m in mins]:
        name, sep, v = item.partition("=")
        if not sep:
            raise ConfigError(flag, item, item, f"{flag} NAME=VALUE", "malformed bound")
        lo, hi = g.windows.get(name.strip(), (-math.inf, math.inf))
        x = _num(v, flag, item)
        g.windows[name.strip()] = (lo, x) if flag == "--max" else (x, hi)
    if maximize and minimize:
        raise ConfigError("command line", "--maximize/--minimize", [maximize, minimize],
                          "one of the two", "two objectives")
    if maximize or minimize:
        g.objective = maximize or minimize
        g.sign = 1.0 if maximize else -1.0
    if not g.windows and not g.objective:
        raise ConfigError("command line", "--target", None,
                          "--target NAME=LO:HI, --max/--min NAME=V, or --maximize/--minimize NAME",
                          "no goal given")
    return g


def available_quantities(model, exp: Experiment) -> dict[str, str]:
    """The scalar quantities (name -> unit) the model reports for ``exp``: the model's
    declared ``summary_quantities`` if it has them, else those of one run of ``exp``."""
    declared = getattr(model, "summary_quantities", None)
    if declared:
        return dict(declared)
    s = model.summaries([exp])[0]
    return {k: s.units.get(k, "") for k in s.values}


def check_goal(goal: Goal, available: dict[str, str]) -> None:
    for q in goal.quantities:
        if q not in available:
            raise ConfigError("command line", "goal quantity", q, ", ".join(sorted(available)),
                              "unknown quantity")


# ----------------------------------------------------------------------------- predictive

def _experiment_at(exp: Experiment, point: dict, model) -> Experiment:
    from sim.sweep import _point_experiment

    e = _point_experiment(exp, point, 0, model)
    return dataclasses.replace(e, seed=exp.seed, name=exp.name)


def predictive(model, exp: Experiment, points: list[dict], draws: list[dict],
               quantities: list[str]) -> np.ndarray:
    """Outcomes (n_points, n_draws, n_quantities); NaN where a run fails. The same draws
    (and seed) for every point."""
    n, d = len(points), len(draws)
    out = np.full((n, d, len(quantities)), np.nan)
    exps, where = [], []
    for i, p in enumerate(points):
        try:
            e = _experiment_at(exp, p, model)
        except ConfigError:
            continue
        for j in range(d):
            exps.append(e)
            where.append((i, j))
    if not exps:
        return out
    vals = [draws[j] for _, j in where]
    res = model.summaries(exps, quantities=quantities, values_list=vals)
    for (i, j), s in zip(where, res):
        out[i, j] = [s.values.get(q, np.nan) for q in quantities]
    return out


def _window_prob(y: np.ndarray, goal: Goal, quantities, softness: float | None):
    """P(all windows) per point: plain fraction of draws (softness None) or probit-soft."""
    ok = np.ones(y.shape[:2])
    for q, (lo, hi) in goal.windows.items():
        v = y[:, :, quantities.index(q)]
        finite = np.isfinite(v)
        if softness is None:
            inside = finite & (v >= lo) & (v <= hi)
            ok = ok * inside
        else:
            scale = (hi - lo) if math.isfinite(hi - lo) else max(abs(lo if math.isfinite(lo) else hi), 1e-12)
            s = softness * scale
            p = np.ones_like(v)
            vv = np.where(finite, v, 0.0)
            if math.isfinite(lo):
                p = p * ndtr((vv - lo) / s)
            if math.isfinite(hi):
                p = p * ndtr((hi - vv) / s)
            ok = ok * np.where(finite, p, 0.0)
    return ok.mean(axis=1)


def acquisition(y: np.ndarray, goal: Goal, quantities, softness: float, best: float | None):
    """(score used for ranking, P(success) plain, expected improvement or None)."""
    p_soft = _window_prob(y, goal, quantities, softness)
    p = _window_prob(y, goal, quantities, None)
    if not goal.objective:
        return p_soft, p, None
    v = goal.sign * y[:, :, quantities.index(goal.objective)]
    if best is None:
        med = np.nanmedian(v, axis=1)
        best = float(np.nanmax(med)) if np.isfinite(med).any() else 0.0
    gain = np.where(np.isfinite(v), np.maximum(v - best, 0.0), 0.0)
    ei = gain.mean(axis=1)
    score = ei * (p_soft if goal.windows else 1.0)
    return score, p, ei


# ----------------------------------------------------------------------------- design

@dataclass
class Design:
    ranges: list[Range]
    goal: Goal
    quantities: list[str]
    units: dict
    points: list[dict]                 # every candidate simulated (coarse + refined)
    unit: np.ndarray                   # their coordinates in the unit cube
    outcomes: np.ndarray               # (n, draws, quantities)
    score: np.ndarray
    p_success: np.ndarray
    ei: np.ndarray | None
    chosen: list[int]                  # indices of the suggestions, best first
    n_draws: int
    simulations: int
    best: float | None = None

    def rows(self) -> list[dict]:
        out = []
        for rank, i in enumerate(self.chosen, 1):
            r = {"rank": rank}
            r.update(self.points[i])
            for k, q in enumerate(self.quantities):
                v = self.outcomes[i, :, k]
                v = v[np.isfinite(v)]
                lo, med, hi = (np.percentile(v, [5, 50, 95]) if v.size else (np.nan,) * 3)
                r[f"{q} median"], r[f"{q} 5%"], r[f"{q} 95%"] = med, lo, hi
            if self.goal.windows:
                r["P(success)"] = float(self.p_success[i])
            if self.ei is not None:
                r["expected improvement"] = float(self.ei[i])
            r["failed draws"] = int((~np.isfinite(self.outcomes[i]).all(axis=1)).sum())
            out.append(r)
        return out

    def header_unit(self, col: str) -> str:
        for q in self.quantities:
            if col.startswith(q + " ") or col == "expected improvement" and q == self.goal.objective:
                return self.units.get(q, "")
        return ""

    def table(self) -> str:
        rows = self.rows()
        if not rows:
            return "no suggestion (every candidate failed)"
        cols = list(rows[0])
        lines = [f"goal: {self.goal.text()}; {len(self.points)} candidates x {self.n_draws} "
                 f"posterior draws ({self.simulations} simulations)"]
        head = []
        for c in cols:
            u = self.header_unit(c)
            head.append(f"{c} ({u})" if u else c)
        widths = [max(len(h), 10) for h in head]
        lines.append("  ".join(h.rjust(w) for h, w in zip(head, widths)))
        for r in rows:
            cells = []
            for c, w in zip(cols, widths):
                v = r[c]
                cells.append((f"{v:.4g}" if isinstance(v, float) else str(v)).rjust(w))
            lines.append("  ".join(cells))
        lines.append("intervals: 5-95 % over the posterior draws (model uncertainty only, no "
                     "measurement noise); P(success): fraction of draws inside every window")
        zero = [str(r["rank"]) for r in rows if r.get("P(success)", 1.0) == 0.0]
        if zero:
            lines.append(f"rank {', '.join(zero)}: no posterior draw lands in the windows there; "
                         "ranked by the windows softened by the --softness margin (nearest misses)")
        return "\n".join(lines)

    def write_csv(self, path) -> Path:
        from sim.store import atomic_path

        rows = self.rows()
        path = Path(path)
        with atomic_path(path) as tmp:
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                cols = list(rows[0]) if rows else ["rank"]
                w.writerow([f"{c} ({self.header_unit(c)})" if self.header_unit(c) else c
                            for c in cols])
                for r in rows:
                    w.writerow([repr(float(r[c])) if isinstance(r[c], (float, np.floating))
                                else r[c] for c in cols])
        return path


def _choose(unit: np.ndarray, score: np.ndarray, q: int, min_distance: float) -> list[int]:
    order = [i for i in np.argsort(-score, kind="stable") if np.isfinite(score[i])]
    chosen: list[int] = []
    for i in order:
        if len(chosen) == q:
            break
        if all(np.linalg.norm(unit[i] - unit[j]) >= min_distance for j in chosen):
            chosen.append(int(i))
    return chosen


def design(model, exp: Experiment, ranges: list[Range], goal: Goal, *, draws: list[dict],
           points: int = 48, batch: int = 3, refine_evals: int = 10, refine_starts: int | None = None,
           min_distance: float = 0.1, softness: float = 0.02, best: float | None = None,
           seed: int | None = None, units: dict | None = None, log=None) -> Design:
    """The coarse search, refinement and batch choice described in the module docstring."""
    from scipy.optimize import minimize
    from scipy.stats import qmc

    from sim.model import get_model  # noqa: F401  (models are objects here)
    from sim.sweep import check_keys, key_type

    log = log or (lambda m: None)
    check_keys(exp, [r.key for r in ranges])
    for r in ranges:
        r.integer = key_type(model.config_class, r.key) is int
    quantities = goal.quantities
    seed = exp.seed if seed is None else seed
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5E6]))
    U = qmc.LatinHypercube(d=len(ranges), rng=rng).random(points)
    pts = [{r.key: r.value(u) for r, u in zip(ranges, row)} for row in U]
    log(f"coarse search: {points} candidates x {len(draws)} draws")
    Y = predictive(model, exp, pts, draws, quantities)
    sims = points * len(draws)
    score, p, ei = acquisition(Y, goal, quantities, softness, best)
    if best is None and goal.objective:   # fix the incumbent for the refinement
        v = goal.sign * np.nanmedian(Y[:, :, quantities.index(goal.objective)], axis=1)
        best = float(np.nanmax(v)) if np.isfinite(v).any() else 0.0
    unit, allY = [*U], [Y]
    n_starts = batch if refine_starts is None else refine_starts
    if refine_evals > 0 and n_starts > 0:
        starts = _choose(U, score, n_starts, min_distance)
        for s in starts:
            if not score[s] > 0:
                continue
            cache = {}

            def neg(u):
                u = np.clip(u, 0.0, 1.0)
                key = tuple(np.round(u, 9))
                if key not in cache:
                    pt = {r.key: r.value(x) for r, x in zip(ranges, u)}
                    y = predictive(model, exp, [pt], draws, quantities)
                    cache[key] = (pt, u.copy(), y)
                sc, _, _ = acquisition(cache[key][2], goal, quantities, softness, best)
                return -float(sc[0])

            minimize(neg, U[s], method="Powell", bounds=[(0.0, 1.0)] * len(ranges),
                     options={"maxfev": refine_evals, "xtol": 1e-3})
            for pt, u, y in cache.values():
                pts.append(pt)
                unit.append(u)
                allY.append(y)
            sims += len(cache) * len(draws)
        log(f"refinement: {sims - points * len(draws)} more simulations")
    unit = np.array(unit)
    Y = np.concatenate(allY, axis=0)
    score, p, ei = acquisition(Y, goal, quantities, softness, best)
    chosen = _choose(unit, score, batch, min_distance)
    return Design(ranges, goal, quantities, dict(units or {}), pts, unit, Y, score, p, ei,
                  chosen, len(draws), sims, best)


# ----------------------------------------------------------------------------- figure

def design_figure(d: Design, title: str = ""):
    """The acquisition over one or two varied keys, with the suggestions numbered."""
    from sim.plotting import figure

    from sim.sweep import key_unit  # noqa: F401

    fig, ax = figure(6.4, 4.6)
    r0 = d.ranges[0]
    x = np.array([p[r0.key] for p in d.points], float)
    what = "P(success)" if not d.goal.objective else (
        "EI x P(windows)" if d.goal.windows else "expected improvement")
    val = d.p_success if not d.goal.objective else d.score

    def lab(r):
        u = getattr(d, "_key_units", {}).get(r.key, "")
        return f"{r.key} ({u})" if u else r.key

    if len(d.ranges) >= 2:
        r1 = d.ranges[1]
        y = np.array([p[r1.key] for p in d.points], float)
        lim = dict(vmin=0.0, vmax=1.0) if not d.goal.objective else {}
        sc = ax.scatter(x, y, c=val, s=28, cmap="viridis", edgecolors="none", **lim)
        fig.colorbar(sc, ax=ax, label=what)
        for k, i in enumerate(d.chosen, 1):
            ax.plot(x[i], y[i], marker="*", ms=16, mfc="none", mec="crimson", mew=1.6, ls="none",
                    label="suggested" if k == 1 else None)
            ax.annotate(str(k), (x[i], y[i]), xytext=(6, 6), textcoords="offset points",
                        color="crimson", fontsize=10, weight="bold")
        ax.set_ylabel(lab(r1))
        ax.set_xlim(r0.lo, r0.hi)
        ax.set_ylim(r1.lo, r1.hi)
        if len(d.ranges) > 2:
            title += f" (projection on the first two of {len(d.ranges)} keys)"
    else:
        order = np.argsort(x)
        ax.plot(x[order], val[order], "o-", ms=3, label=what)
        for k, i in enumerate(d.chosen, 1):
            ax.plot(x[i], val[i], marker="*", ms=16, mfc="none", mec="crimson", mew=1.6, ls="none",
                    label="suggested" if k == 1 else None)
            ax.annotate(str(k), (x[i], val[i]), xytext=(6, 6), textcoords="offset points",
                        color="crimson", fontsize=10, weight="bold")
        ax.set_ylabel(what)
        ax.set_xlim(r0.lo, r0.hi)
    ax.set_xlabel(lab(r0))
    ax.legend(fontsize=8, loc="best")
    ax.set_title(title or d.goal.text(), fontsize=9)
    return fig


# ----------------------------------------------------------------------------- observed

def read_observed(path, ranges: list[Range], available: dict, default_sd_rel: float):
    """Rows of a measurement CSV -> [(conditions, {quantity: (value, sd)})]."""
    from sim.config import ConfigError as CE

    p = Path(path)
    if not p.exists():
        raise CE(p, None, str(p), "an existing CSV file", "file not found")
    with open(p, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise CE(p, None, "no rows", "a header and at least one measured row", "empty file")
    cols = list(rows[0])
    keys = [c for c in cols if "." in c]
    outs = [c for c in cols if c in available]
    unknown = [c for c in cols if c not in keys and c not in outs
               and not (c.endswith("_sd") and c[:-3] in outs)]
    if unknown:
        raise CE(p, unknown[0], unknown[0], "experiment keys (dotted, e.g. " +
                 (ranges[0].key if ranges else "synthesis.temperature_C") + "), quantities (" +
                 ", ".join(sorted(available)) + ") or <quantity>_sd", "unknown column")
    if not outs:
        raise CE(p, None, cols, "at least one quantity column: " + ", ".join(sorted(available)),
                 "no measured quantity")
    out = []
    for n, row in enumerate(rows, 2):
        cond = {}
        for k in keys:
            try:
                cond[k] = float(row[k])
            except ValueError:
                cond[k] = row[k]
        meas = {}
        for q in outs:
            if row[q].strip() == "":
                continue
            try:
                v = float(row[q])
                sd = float(row[f"{q}_sd"]) if row.get(f"{q}_sd", "").strip() else default_sd_rel * abs(v)
            except ValueError:
                raise CE(p, f"line {n}, {q}", row[q], "a number", "not a number") from None
            if not sd > 0:
                raise CE(p, f"line {n}, {q}_sd", sd, "a standard deviation > 0")
            meas[q] = (v, sd)
        out.append((cond, meas))
    return out


def recalibrate(model, exp: Experiment, measured, *, n_draws: int, seed: int, maxfev: int = 60,
                with_reference: bool = True, log=None) -> tuple[list[dict], dict]:
    """Refit the free parameters with the measured rows added to the model's observations.

    Returns (posterior draws, info). MAP by :func:`sim.fit.find_map` from the current
    fitted point, posterior by the Laplace approximation there."""
    from sim.fit import Problem, find_map, laplace_draws
    from sim.reference import Observation

    log = log or (lambda m: None)
    if model.parameters is None or not model.parameters.free:
        raise ConfigError("command line", "--observed", model.name,
                          "a model with calibrated parameters", "nothing to recalibrate")
    ref = []
    if with_reference:
        try:
            ref = [o for o in model.observations() if o.fit]
        except (FileNotFoundError, NotImplementedError):
            ref = []
    extra, exps = [], []
    for i, (cond, meas) in enumerate(measured):
        e = _experiment_at(exp, cond, model)
        exps.append(e)
        for q, (v, sd) in meas.items():
            extra.append((i, q, Observation(f"observed_{i}_{q}", f"observed row {i + 1}", q,
                                            "observed", "user measurement (--observed)",
                                            value=v, sd=sd, tolerance_rel=0.1)))
    quantities = sorted({q for _, q, _ in extra})

    class _Problem(Problem):
        def simulate(self, Z):
            Z = np.atleast_2d(Z)
            self.evaluations += Z.shape[0]
            vals = [self.values(z) for z in Z]
            ref_ids = [o.id for o in ref]
            sims = (model.observables_batch(vals, ref_ids, quick=self.quick) if ref_ids
                    else [{} for _ in vals])
            batch = [e for _ in vals for e in exps]
            vl = [v for v in vals for _ in exps]
            res = model.summaries(batch, quantities=quantities, values_list=vl)
            for k, s in enumerate(sims):
                for i, q, ob in extra:
                    s[ob.id] = res[k * len(exps) + i].values.get(q, math.nan)
            return sims

    problem = _Problem(model, ref + [ob for _, _, ob in extra])
    current = _current_values(model)
    z0 = np.array([p.to_z(current[p.name]) for p in problem._params])
    z0 = np.clip(z0, problem.lo, problem.hi)
    log(f"recalibrating {problem.ndim} free parameters on {len(ref)} reference and "
        f"{len(extra)} new observations ...")
    before = problem.log_posterior(z0)
    z_map, lp = find_map(problem, maxfev=maxfev, z0=z0)
    Z = laplace_draws(problem, z_map, n_draws, seed)
    draws = [problem.values(z) for z in Z]
    fixed = {k: v for k, v in current.items() if k not in problem.names}
    draws = [{**fixed, **d} for d in draws]
    info = {"log_posterior_before": before, "log_posterior_map": lp,
            "map": {n: problem.values(z_map)[n] for n in problem.names},
            "evaluations": problem.evaluations, "observations_added": len(extra)}
    return draws, info


def _current_values(model) -> dict:
    """The model's parameter set: table <- shipped fit (the table alone if it has no fit)."""
    from sim.params import FitMissing

    try:
        return model.parameters.values()
    except FitMissing:
        return model.parameters.defaults()


def posterior_draws(model, exp: Experiment, n: int, seed: int) -> list[dict]:
    """``n`` posterior draws (the experiment's own set when the model has nothing free or
    no fit: then the intervals show only the model's own randomness)."""
    from sim.params import FitMissing

    if model.parameters is None or not model.parameters.free:
        return [model.parameter_values(exp)]
    try:
        return model.parameters.draws(n, seed=seed, overrides=exp.parameters or None)
    except FitMissing:
        return [model.parameters.defaults()]


# ----------------------------------------------------------------------------- command line

def run_suggest_cli(args, load) -> int:
    from sim.model import get_model
    from sim.sweep import key_unit

    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    exp = load(args.config)
    model = get_model(exp.model)
    ranges = parse_vary(args.vary)
    if not ranges:
        raise ConfigError("command line", "--vary", None, "at least one --vary KEY=LO:HI",
                          "nothing to vary")
    goal = parse_goal(args.target, args.max, args.min, args.maximize, args.minimize)
    for opt, lo in (("points", 2), ("batch", 1), ("draws", 1)):
        if getattr(args, opt) < lo:
            raise ConfigError("command line", f"--{opt}", getattr(args, opt), f"a whole number >= {lo}")
    if not args.softness > 0:
        raise ConfigError("command line", "--softness", args.softness, "a number > 0")
    if args.refine_evals < 0:
        raise ConfigError("command line", "--refine-evals", args.refine_evals, "a whole number >= 0")
    from sim.sweep import check_keys
    check_keys(exp, [r.key for r in ranges])
    available = available_quantities(model, exp)
    check_goal(goal, available)
    draws = posterior_draws(model, exp, args.draws, exp.seed)
    best = None
    if args.observed:
        measured = read_observed(args.observed, ranges, available, args.observed_sd)
        draws, info = recalibrate(model, exp, measured, n_draws=args.draws, seed=exp.seed,
                                  maxfev=args.refit_evals, log=say)
        say(f"recalibrated: log posterior {info['log_posterior_before']:.3g} -> "
            f"{info['log_posterior_map']:.3g} ({info['evaluations']} evaluations)")
        if goal.objective:
            vals = [goal.sign * m[goal.objective][0] for _, m in measured if goal.objective in m]
            best = max(vals) if vals else None
    units = {q: available.get(q, "") for q in goal.quantities}
    d = design(model, exp, ranges, goal, draws=draws, points=args.points, batch=args.batch,
               refine_evals=args.refine_evals, min_distance=args.min_distance, best=best,
               softness=args.softness,
               units=units, log=say)
    d._key_units = {r.key: key_unit(model.config_class, r.key) for r in ranges}
    print(d.table())
    out = Path(args.output) if args.output else Path("results") / f"{exp.name}_suggest.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    d.write_csv(out)
    print(f"table:  {out}")
    if not args.no_plot:
        from sim.plotting import save

        for p in save(design_figure(d, f"{exp.name}: {goal.text()}"), out.with_suffix(".png")):
            print(f"figure: {p}")
    return 0
