"""The chemist's quantities behind every observation of ``inputs/data/growth_observations.toml``.

Each observation id names the reference experiments it needs (``NEEDS``, file stems of
``inputs/growth/``) and a function of their simulated finals (``_OBSERVABLES``).  For a
batch of parameter sets, :func:`observables_batch` collects the distinct runs of every
set (identical syntheses, e.g. ``ba_05eq`` = ``modulator_benzoic`` = ``precursor_obu``
at one water content, run once), runs them all in one call of the parallel sweep kernel
and evaluates the observables.  The Scherrer observation needs the full size
distribution and a simulated PXRD pattern (~0.1 s per run): it is computed only when
asked for.

Orderings and qualitative statements return a margin that is >= 0 when the statement
holds (log ratios of sizes), with the text the old validation rows showed.
"""
from __future__ import annotations

import math
from dataclasses import replace
from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np

from kinetics.growth import materials as mat
from kinetics.growth.simulation import run_batch, simulate

__all__ = ["REFERENCE", "NEEDS", "reference_experiments", "observables_batch", "run_key"]

REFERENCE = {  # experiment file stems of each series
    "ba": ["ba_00eq", "ba_01eq", "ba_03eq", "ba_05eq", "ba_07eq", "ba_10eq"],
    "precursor": ["precursor_ome", "precursor_oet", "precursor_obu", "precursor_oipr",
                  "precursor_cp2ticl2"],
    "water": ["water_0", "water_0p25", "water_0p5", "water_1", "water_2"],
    "temperature": ["temperature_80C", "temperature_110C", "temperature_150C"],
    "time": ["time_2h", "time_46h"],
    "modulator": ["modulator_benzoic", "modulator_ptoluic", "modulator_acetic",
                  "modulator_formic"],
}
BA_EQ = [0, 1, 3, 5, 7, 10]
WATER = [0.0, 0.25, 0.5, 1.0, 2.0]
MODS = ["benzoic", "p-toluic", "acetic", "formic"]
D_FLOOR_NM = 1e-3     # sizes below this (no particles) count as this in log ratios

# columns of a run's final state (kinetics.growth.kernel.sweep_kernel)
from kinetics.growth.kernel import (O_BASE as BASE, O_D as D, O_DISP as DISP,  # noqa: E402
                                    O_R2R3 as R2R3, O_THETA_A as THETA_A, O_TIO2 as TIO2,
                                    O_YIELD as YIELD)

NEEDS = {
    "ba_minimum": REFERENCE["ba"],
    "ba_u_low": REFERENCE["ba"],
    "ba_u_high": REFERENCE["ba"],
    "precursor_ome_d": ["precursor_ome"],
    "precursor_oet_d": ["precursor_oet"],
    "precursor_trend": REFERENCE["precursor"],
    "water_smallest": REFERENCE["water"][1:],
    "water_none": ["water_0"],
    "optimum_d": ["water_0p25"],
    "optimum_dispersity": ["water_0p25"],
    "temperature_order": REFERENCE["temperature"],
    "time_2h_yield": ["time_2h"],
    "time_46h_growth": REFERENCE["time"],
    "modulator_smallest": REFERENCE["modulator"],
    "modulator_aryl_vs_alkyl": ["modulator_benzoic", "modulator_acetic", "modulator_formic"],
    "modulator_content": ["water_0p25"],
    "nh2_mil125_d": ["nh2_mil125_optimum"],
}
SCHERRER_IDS = {"modulator_smallest_scherrer": REFERENCE["modulator"]}


@lru_cache(maxsize=1)
def reference_experiments() -> dict:
    """The experiments of ``inputs/growth/`` by name (loaded once)."""
    from sim.config import load_experiment
    from sim.paths import model_inputs

    out = {}
    for path in sorted(model_inputs("growth").glob("*.toml")):
        exp = load_experiment(path)
        out[exp.name] = exp
    return out


def run_key(exp, values: Mapping[str, float]):
    """What decides a run: the synthesis (ambient water resolved) and the numerics."""
    s = exp.config.synthesis
    if s.ambient_water:
        s = replace(s, water_vol_percent=s.water_percent(values))
    return s, exp.config.numerics


def _ln_ratio(a: float, b: float) -> float:
    return math.log(max(a, D_FLOOR_NM) / max(b, D_FLOOR_NM))


# ----------------------------------------------------------------------------- observables
# each takes {experiment name: final state row} and returns x or (x, text)

def _ba_sizes(f):
    return [f[n][D] for n in REFERENCE["ba"]]


def _ba_minimum(f):
    d = _ba_sizes(f)
    k = int(np.argmin(d))
    inside = min(d[2:5])              # 3, 5, 7 eq
    outside = min(d[0], d[1], d[5])   # 0, 1, 10 eq
    return _ln_ratio(outside, inside), f"{BA_EQ[k]} eq ({d[k]:.3g} nm)"


def _ba_end(k_end):
    def f_(f):
        d = _ba_sizes(f)
        kmin = int(np.argmin(d))
        ratio = d[k_end] / d[kmin] if d[kmin] > 0 else float("nan")
        return ratio, f"{ratio:.3g} ({d[k_end]:.3g} / {d[kmin]:.3g} nm)"
    return f_


def _precursor_trend(f):
    names = REFERENCE["precursor"]
    exps = reference_experiments()
    nus = [mat.precursor(exps[n].config.synthesis.precursor).charton_nu for n in names]
    dp = [f[n][D] for n in names]
    order = np.argsort(nus)
    margin = min(_ln_ratio(dp[order[i + 1]], dp[order[i]]) for i in range(len(order) - 1))
    return margin, " < ".join(f"{dp[i]:.3g}" for i in order) + " nm"


def _water_smallest(f):
    wet = [f[n][D] for n in REFERENCE["water"][1:]]      # 0.25, 0.5, 1, 2 vol%
    kw = int(np.argmin(wet))
    margin = _ln_ratio(min(wet[1:]), wet[0])
    return margin, f"{WATER[kw + 1]:g} vol% ({wet[kw]:.3g} nm)"


def _yield_text(y):
    return y, f"{100 * y:.3g} %"


def _temperature_order(f):
    dT = [f[n][D] for n in REFERENCE["temperature"]]
    margin = min(_ln_ratio(dT[1], dT[0]), _ln_ratio(dT[2], dT[1]))
    return margin, " < ".join(f"{v:.3g}" for v in dT) + " nm"


def _time_growth(f):
    d2, d46 = f["time_2h"][D], f["time_46h"][D]
    g = d46 / d2 - 1.0 if d2 else float("inf")
    return g, f"{100 * g:+.3g} % ({d2:.3g} -> {d46:.3g} nm)"


def _modulator_margin(sizes, others):
    dm = [sizes[n] for n in REFERENCE["modulator"]]
    if not all(math.isfinite(x) for x in dm):
        return float("nan"), "undefined (" + ", ".join(f"{m} {v:.3g}" for m, v in zip(MODS, dm)) \
            + " nm; a Scherrer size is undefined: no particles or no fittable peak)"
    km = int(np.argmin(dm))
    margin = _ln_ratio(min(sizes[n] for n in others), dm[0])
    return margin, f"{MODS[km]} (" + ", ".join(f"{m} {v:.3g}" for m, v in zip(MODS, dm)) + " nm)"


def _modulator_smallest(f):
    return _modulator_margin({n: f[n][D] for n in REFERENCE["modulator"]},
                             REFERENCE["modulator"][1:])


def _modulator_aryl_alkyl(f):
    names = ("modulator_benzoic", "modulator_acetic", "modulator_formic")
    d = [f[n][D] for n in names]
    return _ln_ratio(min(d[1], d[2]), d[0]), \
        ", ".join(f"{m} {v:.3g}" for m, v in zip(("benzoic", "acetic", "formic"), d)) + " nm"


def modulator_content(f, name):
    """Modulator on the particle surfaces per linker in the particles (acid-digestion NMR):
    θ_A × surface carboxylate sites / linkers, surface/volume = 3 Σnr² / Σnr³."""
    fw = mat.framework(reference_experiments()[name].config.synthesis.material)
    row = f[name]
    return (row[THETA_A] * 3.0 * row[R2R3] * fw.surface_carboxylates_per_nm2
            * fw.node_volume_nm3 / fw.linker_per_node)


def _modulator_content(f):
    x = modulator_content(f, "water_0p25")
    return x, f"{x:.3g} per linker ({100 * f['water_0p25'][THETA_A]:.3g} % of surface sites)"


_OBSERVABLES = {
    "ba_minimum": _ba_minimum,
    "ba_u_low": _ba_end(0),
    "ba_u_high": _ba_end(5),
    "precursor_ome_d": lambda f: f["precursor_ome"][D],
    "precursor_oet_d": lambda f: f["precursor_oet"][D],
    "precursor_trend": _precursor_trend,
    "water_smallest": _water_smallest,
    "water_none": lambda f: _yield_text(f["water_0"][YIELD]),
    "optimum_d": lambda f: f["water_0p25"][D],
    "optimum_dispersity": lambda f: f["water_0p25"][DISP],
    "temperature_order": _temperature_order,
    "time_2h_yield": lambda f: _yield_text(f["time_2h"][YIELD]),
    "time_46h_growth": _time_growth,
    "modulator_smallest": _modulator_smallest,
    "modulator_aryl_vs_alkyl": _modulator_aryl_alkyl,
    "modulator_content": _modulator_content,
    "nh2_mil125_d": lambda f: f["nh2_mil125_optimum"][D],
}
assert set(_OBSERVABLES) == set(NEEDS)


def known_ids() -> list[str]:
    return list(NEEDS) + list(SCHERRER_IDS)


def scherrer_sizes(names, values: Mapping[str, float]) -> dict[str, float]:
    """Scherrer size (nm) from the simulated PXRD of each named reference experiment."""
    from kinetics.growth.pxrd import scherrer_from_pattern

    exps = reference_experiments()
    out, cache = {}, {}
    for n in names:
        key = run_key(exps[n], values)
        if key not in cache:
            s, nm = key
            pat = scherrer_from_pattern(simulate(s, values, nm))
            cache[key] = pat.scherrer_nm if pat is not None else float("nan")
        out[n] = cache[key]
    return out


def observables_batch(values_list: Sequence[Mapping[str, float]], ids,
                      quick: bool = False) -> list[dict]:
    """``[{id: x or (x, text)}]`` for every parameter set of ``values_list``.

    The kernel runs are deterministic, so ``quick`` changes nothing here."""
    ids = list(ids)
    unknown = [i for i in ids if i not in NEEDS and i not in SCHERRER_IDS]
    if unknown:
        raise KeyError(f"unknown growth observable(s) {unknown}; known: {known_ids()}")
    exps = reference_experiments()
    names = sorted({n for i in ids if i in NEEDS for n in NEEDS[i]})
    # distinct runs over all parameter sets, in one parallel kernel call
    runs, index, plan = [], {}, []
    for k, values in enumerate(values_list):
        rows = {}
        for n in names:
            s, nm = run_key(exps[n], values)
            key = (k, s, nm)
            if key not in index:
                index[key] = len(runs)
                runs.append((s, values, nm))
            rows[n] = index[key]
        plan.append(rows)
    finals = run_batch(runs)
    out = []
    for values, rows in zip(values_list, plan):
        f = {n: finals[j] for n, j in rows.items()}
        res = {i: _OBSERVABLES[i](f) for i in ids if i in NEEDS}
        for i in ids:
            if i in SCHERRER_IDS:
                sz = scherrer_sizes(SCHERRER_IDS[i], values)
                res[i] = _modulator_margin(sz, REFERENCE["modulator"][1:])
        out.append(res)
    return out
