"""The reference experiments and the simulated quantity of every observation.

Observation ids (``inputs/data/photocatalysis_observations.toml``) and what the model
returns for them:

CdTe QDs + cobalt catalyst (seed 001), all QD runs by the compiled closed-form solution of
the master equation (:func:`kinetics.photocatalysis.kernel.qd_h2_batch`), many parameter
sets at once:

``ton_30h_1e-6M``        TON at 30 h, 1.0e-6 M catalyst
``ton_order_loading``    log10(TON(1.0e-6 M) / TON(1.0e-5 M)) (> 0: lower TON at the higher
                         loading), shown as "TON(1e-5) vs TON(1e-6)"
``qe_400nm``             quantum efficiency of the first 5 h, %
``ph_optimum``           log10(highest H2 at pH 5.0-6.0 / highest H2 at the other pH of the
                         grid 3.5-6.5) (>= 0: the grid optimum lies within 5.5 +- 0.5),
                         shown as the grid optimum
``rate_fall_30h``        min(r(20-25 h)/r(0-10 h) − 0.6, 0.5 − r(40-50 h)/r(0-10 h))
                         (>= 0: the rate holds until 25 h and halves by 40-50 h)

CsPbBr3 + Pt (seed 002), closed form: ``induction_rods``, ``induction_cubes`` (h),
``h2_18h_rods`` (umol g^-1), ``rods_over_cubes_18h``, ``aqy_rods`` (%), ``bf4_gain_cubes``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .chemistry import conditions_vector, parameters_vector
from .kernel import qd_h2_batch
from .master_equation import dense_times
from .perovskite import perovskite_run
from .simulate import times_s

__all__ = ["NAME", "PH_GRID", "reference", "read_data", "table_s1", "QDRun", "qd_runs",
           "QD_OBSERVABLES", "PVK_OBSERVABLES", "evaluate", "window_rate", "ph_scan_h2"]

NAME = "photocatalysis"
PH_GRID = np.arange(3.5, 6.51, 0.5)       # Fig. S6: pH 3.5 ... 6.5
PH_WINDOW = (5.0, 6.0)                    # "optimum 5.5": within 5.5 +- 0.5 on the grid
_MARGIN_CLIP = 10.0                       # decades: keeps log-ratio margins finite


@lru_cache(maxsize=None)
def reference(name: str):
    """A reference experiment from inputs/photocatalysis/<name>.toml."""
    from sim.config import load_experiment
    from sim.paths import model_inputs

    return load_experiment(model_inputs(NAME) / f"{name}.toml")


def read_data(name: str) -> list[dict]:
    """Rows of a CSV in inputs/data/ (lines starting with '#' are the source notes)."""
    import csv

    from sim.paths import data_file

    with open(data_file(name), newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def table_s1() -> list[dict]:
    """Seed 001 Table S1: the literature comparison set of QD/ZnS + molecular catalysts."""
    return read_data("cdte_table_s1.csv")


def _with(cfg, **changes):
    from sim.config import replace
    return replace(cfg, **changes)


# ----------------------------------------------------------------------------- QD runs

@dataclass(frozen=True)
class QDRun:
    """One QD run of the reference set: packed conditions, quadrature grid, outputs."""

    key: str
    cond: np.ndarray
    grid: np.ndarray
    out_idx: np.ndarray
    out_times_s: np.ndarray
    catalyst_mol: float


def _run(key: str, cfg, out_times_s: np.ndarray) -> QDRun:
    grid = dense_times(float(out_times_s[-1]), out_times_s)
    return QDRun(key, conditions_vector(cfg), grid, np.searchsorted(grid, out_times_s),
                 out_times_s, cfg.catalyst.conc_M * cfg.solution.volume_mL * 1e-3)


def _ph_key(x: float) -> str:
    return f"ph_{x:.1f}"


@lru_cache(maxsize=None)
def qd_runs() -> dict[str, QDRun]:
    """The QD runs the observations need (end points only where only the end is read)."""
    lo = reference("cdte_co_1e-6M").config
    hi = reference("cdte_co_1e-5M").config
    qe = reference("cdte_co_qe_400nm").config
    scan = reference("cdte_co_ph_scan").config
    long = reference("cdte_co_1e-6M_70h").config
    end = lambda c: np.array([0.0, c.run.time_h * 3600.0])  # noqa: E731
    window_h = min(qe.run.qe_window_h, qe.run.time_h)
    runs = [_run("ton_1e-6M", lo, end(lo)), _run("ton_1e-5M", hi, end(hi)),
            _run("qe", qe, np.array([0.0, window_h * 3600.0])),
            _run("long_70h", long, times_s(long))]
    for x in PH_GRID:
        c = _with(scan, **{"solution.pH": float(x)})
        runs.append(_run(_ph_key(x), c, end(c)))
    return {r.key: r for r in runs}


@lru_cache(maxsize=None)
def _packed(keys: tuple[str, ...]):
    runs = [qd_runs()[k] for k in keys]
    g = max(r.grid.size for r in runs)
    k = max(r.out_idx.size for r in runs)
    conds = np.array([r.cond for r in runs])
    grids = np.zeros((len(runs), g))
    idx = np.zeros((len(runs), k), dtype=np.int64)
    for i, r in enumerate(runs):
        grids[i, :r.grid.size] = r.grid
        idx[i, :r.out_idx.size] = r.out_idx
    glen = np.array([r.grid.size for r in runs], dtype=np.int64)
    nout = np.array([r.out_idx.size for r in runs], dtype=np.int64)
    return conds, grids, glen, idx, nout


def qd_batch(values_list, keys) -> list[dict[str, tuple[np.ndarray, float]]]:
    """{run key: (H2 mol at the run's outputs, absorbed photon flux mol s⁻¹)} per set."""
    keys = tuple(keys)
    conds, grids, glen, idx, nout = _packed(keys)
    pars = np.array([parameters_vector(v) for v in values_list])
    h2, absorbed = qd_h2_batch(pars, conds, grids, glen, idx, nout)
    return [{key: (h2[s, e, :nout[e]], float(absorbed[s, e])) for e, key in enumerate(keys)}
            for s in range(len(values_list))]


def _log_ratio(a: float, b: float) -> float:
    if not (a > 0.0 or b > 0.0):
        return math.nan
    v = math.log10(max(a, 1e-300) / max(b, 1e-300))
    return float(min(max(v, -_MARGIN_CLIP), _MARGIN_CLIP))


def window_rate(t_h, h2, lo, hi) -> float:
    """Average rate between lo and hi (h), from the cumulative curve."""
    a, b = np.interp([lo, hi], t_h, h2)
    return float((b - a) / (hi - lo))


def _ton(res, key):
    return float(res[key][0][-1]) / qd_runs()[key].catalyst_mol


def _obs_ton(res):
    return _ton(res, "ton_1e-6M")


def _obs_ton_order(res):
    lo, hi = _ton(res, "ton_1e-6M"), _ton(res, "ton_1e-5M")
    return _log_ratio(lo, hi), f"{hi:.0f} vs {lo:.0f}"


def _obs_qe(res):
    run = qd_runs()["qe"]
    h2, absorbed = res["qe"]
    return 100.0 * 2.0 * float(h2[-1]) / (absorbed * float(run.out_times_s[-1]))


def ph_scan_h2(res) -> np.ndarray:
    """H2 (mol) at the end of the pH-scan runs, on :data:`PH_GRID`."""
    return np.array([float(res[_ph_key(x)][0][-1]) for x in PH_GRID])


def _obs_ph(res):
    h2 = ph_scan_h2(res)
    best = float(PH_GRID[int(np.argmax(h2))])
    inside = (PH_GRID >= PH_WINDOW[0] - 1e-9) & (PH_GRID <= PH_WINDOW[1] + 1e-9)
    return _log_ratio(float(h2[inside].max()), float(h2[~inside].max())), f"optimum pH {best:.1f}"


def _obs_rate_fall(res):
    run = qd_runs()["long_70h"]
    t_h = run.out_times_s / 3600.0
    h2 = res["long_70h"][0]
    r0 = window_rate(t_h, h2, 0.0, 10.0)
    if not r0 > 0:
        return math.nan, "no H2"
    r_mid = window_rate(t_h, h2, 20.0, 25.0) / r0
    r_late = window_rate(t_h, h2, 40.0, 50.0) / r0
    return (min(r_mid - 0.6, 0.5 - r_late),
            f"rate(20-25 h)/rate(0-10 h) = {r_mid:.2f}; rate(40-50 h)/rate(0-10 h) = {r_late:.2f}")


#: observation id -> (QD runs it needs, function of {run key: (H2, flux)})
QD_OBSERVABLES = {
    "ton_30h_1e-6M": (("ton_1e-6M",), _obs_ton),
    "ton_order_loading": (("ton_1e-6M", "ton_1e-5M"), _obs_ton_order),
    "qe_400nm": (("qe",), _obs_qe),
    "ph_optimum": (tuple(_ph_key(x) for x in PH_GRID), _obs_ph),
    "rate_fall_30h": (("long_70h",), _obs_rate_fall),
}


# ----------------------------------------------------------------------------- perovskite

PVK_RUNS = {"rods": "cspbbr3_rods", "cubes": "cspbbr3_cubes", "cubes_native": "cspbbr3_cubes_native"}

#: observation id -> (perovskite runs it needs, function of {run: perovskite_run output})
PVK_OBSERVABLES = {
    "induction_rods": (("rods",), lambda r: r["rods"]["induction_h"]),
    "induction_cubes": (("cubes",), lambda r: r["cubes"]["induction_h"]),
    "h2_18h_rods": (("rods",), lambda r: float(r["rods"]["h2_umol_g"][-1])),
    "rods_over_cubes_18h": (("rods", "cubes"), lambda r: float(r["rods"]["h2_umol_g"][-1]
                                                              / r["cubes"]["h2_umol_g"][-1])),
    "aqy_rods": (("rods",), lambda r: 100.0 * r["rods"]["aqy"]),
    "bf4_gain_cubes": (("cubes", "cubes_native"), lambda r: float(r["cubes"]["h2_umol_g"][-1]
                                                                 / r["cubes_native"]["h2_umol_g"][-1])),
}


def _pvk_runs(values: dict, names) -> dict:
    out = {}
    for n in names:
        c = reference(PVK_RUNS[n]).config
        out[n] = perovskite_run(c.perovskite, values, np.linspace(0.0, c.run.time_h, c.run.n_times))
    return out


# ----------------------------------------------------------------------------- all

def evaluate(values_list, ids) -> list[dict]:
    """The simulated value of each observation ``id`` for every parameter set."""
    ids = list(ids)
    unknown = [i for i in ids if i not in QD_OBSERVABLES and i not in PVK_OBSERVABLES]
    if unknown:
        raise KeyError(f"model '{NAME}' has no observable {unknown[0]!r}; known: "
                       f"{', '.join(list(QD_OBSERVABLES) + list(PVK_OBSERVABLES))}")
    out = [dict() for _ in values_list]
    qd_ids = [i for i in ids if i in QD_OBSERVABLES]
    if qd_ids and len(values_list):
        keys = list(dict.fromkeys(k for i in qd_ids for k in QD_OBSERVABLES[i][0]))
        for o, res in zip(out, qd_batch(values_list, keys)):
            for i in qd_ids:
                o[i] = QD_OBSERVABLES[i][1](res)
    pvk_ids = [i for i in ids if i in PVK_OBSERVABLES]
    if pvk_ids:
        names = list(dict.fromkeys(n for i in pvk_ids for n in PVK_OBSERVABLES[i][0]))
        for o, v in zip(out, values_list):
            runs = _pvk_runs(v, names)
            for i in pvk_ids:
                o[i] = PVK_OBSERVABLES[i][1](runs)
    return out
