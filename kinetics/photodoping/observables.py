"""What a chemist reads off a run, and the simulated value of every reference observation.

Chemist quantities: Ti3+ d-d absorbance, time to a fraction of the final charge, the
intermediate and final node charge states, the photostationary E_oc.

Reference observables (ids of ``inputs/data/photodoping_observations.toml``):

``eoc_plateau_{25,87,495}nm``   photostationary E_oc (V vs Fc+/0): detailed balance of the
                                chain (:mod:`kinetics.photodoping.kernel`), no integration
``eoc_drift_{25,87,495}nm``     E_oc change over the last 30 min of the 2.5 h run (mV):
                                master equation in time
``eoc_step_25_to_87nm``,        plateau differences (mV)
``eoc_step_87_to_495nm``
``eoc_order_with_size``         margin of "more cathodic for larger particles" (V)
``t90_insitu_25nm``             time to 90 % of the final charge (min), 25 ug/mL colloid
``charging_beyond_intermediate``  margin of "charging continues past the ~4-pair node
                                state": final pairs per node - (ladder break + 1/2)
"""
from __future__ import annotations

import math
from collections import OrderedDict
from functools import lru_cache

import numpy as np

from kinetics.photodoping.kernel import photostationary_batch
from kinetics.photodoping.parameters import mass_conc_ug_per_mL, reference_V_vs_NHE
from kinetics.photodoping.solve import (ensemble, simulate, stationary_only,
                                        stationary_potential_V)
from sim.config import load_experiment, replace
from sim.paths import model_inputs
from structures.frameworks import mil125_formula_mass_g_mol

NAME = "photodoping"

# ----------------------------------------------------------------------------- chemist quantities


def dd_spectrum(cfg, values, electrons_per_node: np.ndarray):
    """(wavenumbers cm^-1, absorbance (times, wavenumbers)) of Ti3+ d-d bands."""
    s = cfg.spectra
    nu = np.linspace(s.wavenumber_min_cm1, s.wavenumber_max_cm1, s.n_wavenumbers)
    shape = np.zeros_like(nu)
    for c, f, e in zip(s.dd_centers_cm1, s.dd_fwhm_cm1, s.dd_epsilon_M_cm):
        sd = f / (2 * math.sqrt(2 * math.log(2)))
        shape += e * np.exp(-0.5 * ((nu - c) / sd) ** 2)
    node_M = node_conc_M(cfg, values)
    ti3_M = np.asarray(electrons_per_node)[:, None] * node_M
    return nu, ti3_M * shape[None, :] * cfg.sample.path_length_cm


def node_conc_M(cfg, values) -> float:
    """Molar concentration of Ti8 nodes in the colloid (MIL-125)."""
    return mass_conc_ug_per_mL(cfg, values) * 1e-6 / mil125_formula_mass_g_mol() * 1000.0


def t_fraction(times, values, final, fraction=0.9) -> float:
    """First time (interpolated) at which values reach fraction*final; nan if never."""
    target = fraction * final
    above = np.nonzero(values >= target)[0]
    if above.size == 0:
        return float("nan")
    i = above[0]
    if i == 0:
        return float(times[0])
    t0, t1, v0, v1 = times[i - 1], times[i], values[i - 1], values[i]
    return float(t0 + (target - v0) * (t1 - t0) / (v1 - v0))


def intermediate_state(fractions: np.ndarray) -> tuple[int, int]:
    """(intermediate, final) node charge states over a run.

    The final state is the most populated node charge state at the end.  The
    intermediate is the spectrally purest state on the way: of the states other than
    0 and the final one, the one whose largest node fraction over the run is highest
    (a near-pure population gives a distinct spectrum with isosbestic points, as in
    seed 000 Fig. 3c).  Returns (-1, final) if no other state is ever populated.
    """
    final = int(np.argmax(fractions[-1]))
    peak = fractions.max(axis=0).copy()
    peak[0] = -1.0
    peak[final] = -1.0
    if peak.max() <= 0.0:
        return -1, final
    return int(np.argmax(peak)), final


def simulated_plateau(cfg, values, max_states: int = 600, drift_window_s: float | None = None):
    """Photostationary E_oc (V vs the file's [sample] reference_electrode).

    The plateau the potentiometer reads "at steady state under constant illumination"
    is the E_F of the photostationary charge (detailed balance of the chain).  With
    ``drift_window_s`` also returns how much the simulated E_oc still moves over the
    last ``drift_window_s`` of the illumination, E(t_end) - E(t_end - window) (V).
    Any material, size distribution or back reaction (the plain path).
    """
    fc = reference_V_vs_NHE(cfg)
    if not drift_window_s:
        traj = stationary_only(cfg, values, max_states)
        return stationary_potential_V(cfg, values, traj) - fc
    t_end = cfg.output.t_end_s
    times = np.array([0.0, max(0.0, t_end - drift_window_s), t_end])
    traj = simulate(cfg, values, 0, "master", max_states=max_states, times=times)
    e = ensemble(cfg, values, traj)["E_oc_V_vs_ref"]
    return stationary_potential_V(cfg, values, traj) - fc, float(e[-1] - e[1])


# ------------------------------------------------------------------------ reference experiments

PLATEAU_FILES = {25.0: "mil125_25nm_eoc.toml", 87.0: "mil125_87nm_eoc.toml",
                 495.0: "mil125_495nm_eoc.toml"}
INSITU_FILE = "mil125_25nm_insitu_absorption.toml"
DRIFT_WINDOW_S = 1800.0

PLATEAU_IDS = {"eoc_plateau_25nm": 25.0, "eoc_plateau_87nm": 87.0, "eoc_plateau_495nm": 495.0}
DRIFT_IDS = {"eoc_drift_25nm": 25.0, "eoc_drift_87nm": 87.0, "eoc_drift_495nm": 495.0}
STEP_IDS = {"eoc_step_25_to_87nm": (25.0, 87.0), "eoc_step_87_to_495nm": (87.0, 495.0)}
ORDER_ID = "eoc_order_with_size"
T90_ID = "t90_insitu_25nm"
BEYOND_ID = "charging_beyond_intermediate"
INSITU_IDS = (T90_ID, BEYOND_ID)
ALL_IDS = (*PLATEAU_IDS, *DRIFT_IDS, *STEP_IDS, ORDER_ID, *INSITU_IDS)


@lru_cache(maxsize=None)
def plateau_experiments():
    """{diameter: Experiment} of the three E_oc runs of seed 000."""
    return {d: load_experiment(model_inputs(NAME) / f) for d, f in PLATEAU_FILES.items()}


@lru_cache(maxsize=None)
def insitu_experiment():
    return load_experiment(model_inputs(NAME) / INSITU_FILE)


def plateau_states(quick: bool) -> int:
    return 600 if quick else 4000


def insitu_config(quick: bool):
    cfg = insitu_experiment().config
    if quick:
        cfg = replace(cfg, **{"particles.n_size_classes": 4, "solver.max_states": 800})
    return cfg


_INSITU_CACHE: OrderedDict = OrderedDict()


def insitu_run(values, quick: bool = False):
    """(config, trajectory, ensemble) of the in-situ absorption run (last few cached)."""
    key = (tuple(sorted((k, float(v)) for k, v in values.items())), bool(quick))
    if key in _INSITU_CACHE:
        _INSITU_CACHE.move_to_end(key)
        return _INSITU_CACHE[key]
    cfg = insitu_config(quick)
    traj = simulate(cfg, values, insitu_experiment().seed, "master")
    out = (cfg, traj, ensemble(cfg, values, traj))
    _INSITU_CACHE[key] = out
    while len(_INSITU_CACHE) > 4:
        _INSITU_CACHE.popitem(last=False)
    return out


def plateaus_batch(values_list, quick: bool = False) -> dict[float, np.ndarray]:
    """{diameter: E_oc plateau (V vs Fc+/0) per parameter set} of the three E_oc runs."""
    return {d: photostationary_batch(exp.config, values_list, plateau_states(quick))
            - reference_V_vs_NHE(exp.config) for d, exp in plateau_experiments().items()}


def reference_observables_batch(values_list, ids, quick: bool = False) -> list[dict]:
    """The simulated value of each requested observation id, for every parameter set."""
    ids = list(ids)
    unknown = [i for i in ids if i not in ALL_IDS]
    if unknown:
        raise KeyError(f"unknown observation id(s) {unknown} of model '{NAME}'")
    out = [dict() for _ in values_list]
    need_plateau = any(i in PLATEAU_IDS or i in STEP_IDS or i == ORDER_ID for i in ids)
    if need_plateau and values_list:
        plat = plateaus_batch(values_list, quick)
        for s, res in enumerate(out):
            e = {d: float(plat[d][s]) for d in plat}
            for i, d in PLATEAU_IDS.items():
                if i in ids:
                    res[i] = e[d]
            for i, (a, b) in STEP_IDS.items():
                if i in ids:
                    res[i] = 1000.0 * (e[b] - e[a])
            if ORDER_ID in ids:
                order = [e[d] for d in sorted(e)]
                margin = min(a - b for a, b in zip(order, order[1:]))
                res[ORDER_ID] = (margin, " > ".join(f"{v:.3f}" for v in order))
    for s, v in enumerate(values_list):
        res = out[s]
        for i, d in DRIFT_IDS.items():
            if i in ids:
                cfg = plateau_experiments()[d].config
                _, drift = simulated_plateau(cfg, v, plateau_states(quick), DRIFT_WINDOW_S)
                res[i] = 1000.0 * drift
        if any(i in ids for i in INSITU_IDS):
            _, traj, ens = insitu_run(v, quick)
            if T90_ID in ids:
                res[T90_ID] = t_fraction(traj.times_s, ens["electrons_per_particle"],
                                         ens["stationary_electrons_per_particle"]) / 60.0
            if BEYOND_ID in ids:
                # past the ~4-pair state of seed 000 (the ladder's break) by more than half
                # a pair per node at the end of the run
                _, fin = intermediate_state(ens["node_state_fractions"])
                brk = int(round(v["ladder_break_after_pairs"]))
                x_end = float(ens["electrons_per_node"][-1])
                res[BEYOND_ID] = (x_end - brk - 0.5, f"{x_end:.2f} pairs/node (dominant "
                                                     f"{fin}; ladder break after {brk})")
    return out


def eoc_curves(values, quick: bool = False, n_times: int = 61) -> dict:
    """{diameter: (time min, E_oc V vs the file's electrode)} of the three E_oc runs."""
    out = {}
    for d, exp in plateau_experiments().items():
        cfg = exp.config
        times = np.linspace(0.0, cfg.output.t_end_s, n_times)
        traj = simulate(cfg, values, exp.seed, "master", max_states=plateau_states(quick),
                        times=times)
        out[d] = (times / 60.0, np.asarray(ensemble(cfg, values, traj)["E_oc_V_vs_ref"]))
    return out
