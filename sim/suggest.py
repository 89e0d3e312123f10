"""``nanokin suggest``: which conditions to try next for a wanted outcome.

Samples the ranges given with ``--vary KEY=LO:HI`` by a scrambled Latin hypercube
(``scipy.stats.qmc``; the sample is seeded from the experiment's seed), simulates every
point with the model (through :func:`sim.sweep.sweep`, so the points are stored with
provenance and the run can be resumed), and ranks them by

    score = sum_targets |value - target| / |target|  +  weight * sum_minimised value / median

A target is a summary quantity of the model (``mean_diameter=30``); ``--minimize``
names quantities to keep small (e.g. dispersity).  The ranking is a shortlist for
the next experiment, not a claim beyond what the model's validation supports.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
from scipy.stats import qmc

from sim.config import ConfigError
from sim.sweep import Grid, sweep


@dataclass
class Axis:
    key: str
    lo: float
    hi: float
    integer: bool


def parse_vary(items: list[str]) -> list[Axis]:
    axes = []
    for item in items:
        key, sep, rng = item.partition("=")
        lo_s, sep2, hi_s = rng.partition(":")
        try:
            if not (sep and sep2):
                raise ValueError
            lo, hi = float(lo_s), float(hi_s)
        except ValueError:
            raise ConfigError("--vary", item, item, "KEY=LO:HI, e.g. conditions.temperature_C=80:150",
                              "malformed range") from None
        if not hi > lo:
            raise ConfigError("--vary", key, item, "a range with HI > LO", "empty range")
        axes.append(Axis(key.strip(), lo, hi, lo_s.strip().lstrip("-").isdigit()
                         and hi_s.strip().lstrip("-").isdigit()))
    return axes


def parse_targets(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        key, sep, val = item.partition("=")
        try:
            out[key.strip()] = float(val)
        except ValueError:
            raise ConfigError("--target", item, item, "NAME=VALUE, e.g. mean_diameter=30",
                              "malformed target") from None
        if not sep:
            raise ConfigError("--target", item, item, "NAME=VALUE", "malformed target")
    return out


def latin_points(axes: list[Axis], n: int, seed: int) -> list[dict]:
    sampler = qmc.LatinHypercube(d=len(axes), rng=np.random.default_rng(seed))
    unit = sampler.random(n)
    pts = []
    for row in unit:
        p = {}
        for a, u in zip(axes, row):
            v = a.lo + u * (a.hi - a.lo)
            p[a.key] = int(round(v)) if a.integer else float(v)
        pts.append(p)
    return pts


class _ListGrid(Grid):
    """A grid given as an explicit list of points (sweep() only needs keys and points())."""

    def __init__(self, pts: list[dict]):
        keys = list(pts[0])
        super().__init__(keys, [[p[k] for p in pts] for k in keys])
        self._pts = pts

    def points(self):
        return self._pts


def rank(summary: dict[str, np.ndarray], targets: dict[str, float], minimize: list[str],
         weight: float = 0.5) -> np.ndarray:
    n = len(next(iter(summary.values())))
    score = np.zeros(n)
    for name, t in targets.items():
        score += np.abs(summary[name] - t) / (abs(t) if t else 1.0)
    for name in minimize:
        v = summary[name]
        med = np.nanmedian(np.abs(v)) or 1.0
        score += weight * v / med
    return np.where(np.isfinite(score), score, np.inf)


def run_suggest_cli(args, load) -> int:
    exp = load(args.config)
    axes = parse_vary(args.vary)
    targets = parse_targets(args.target)
    if not axes:
        raise ConfigError("command line", "--vary", None, "at least one --vary KEY=LO:HI",
                          "nothing to vary")
    if not targets and not args.minimize:
        raise ConfigError("command line", "--target", None,
                          "at least one --target NAME=VALUE or --minimize NAME", "no goal given")
    if args.points < 2:
        raise ConfigError("command line", "--points", args.points, "a whole number >= 2")
    pts = latin_points(axes, args.points, exp.seed)
    out = Path(args.output) if args.output else Path("results") / f"{exp.name}_suggest.h5"
    sweep(exp, _ListGrid(pts), out, workers=args.workers)
    with h5py.File(out) as f:
        summary = {k: f["summary"][k][()] for k in f["summary"]}
        units = {k: f["summary"][k].attrs.get("unit", "") for k in f["summary"]}
    for name in list(targets) + list(args.minimize):
        if name not in summary:
            raise ConfigError("command line", "--target/--minimize", name,
                              "one of " + ", ".join(sorted(summary)), "unknown summary quantity")
    score = rank(summary, targets, args.minimize)
    order = np.argsort(score)[: args.top]
    shown = list(targets) + [m for m in args.minimize if m not in targets]
    head = [a.key for a in axes] + [f"{s} / {units[s]}".rstrip(" /") for s in shown] + ["score"]
    print("  ".join(f"{h:>22s}" for h in head))
    for i in order:
        cells = [f"{pts[i][a.key]:>22.4g}" for a in axes]
        cells += [f"{summary[s][i]:>22.4g}" for s in shown]
        cells.append(f"{score[i]:>22.3g}")
        print("  ".join(cells))
    print(f"all {len(pts)} simulated points: {out}")
    return 0
