"""One QD + catalyst run in chemist units (the ``qd_catalyst`` system of ``nanokin run``)."""
from __future__ import annotations

import math

import numpy as np

from sim.rng import stream_states

from .chemistry import langmuir_bound_M, poisson_weights, qd_rates
from .kernel import qd_h2_kmc
from .master_equation import qd_h2_master

__all__ = ["times_s", "simulate_qd", "qd_quantum_efficiency", "stern_volmer_curve"]


def times_s(cfg) -> np.ndarray:
    """The output times of a run (s)."""
    return np.linspace(0.0, cfg.run.time_h * 3600.0, cfg.run.n_times)


def simulate_qd(cfg, values: dict, seed: int = 0, method: str | None = None,
                times: np.ndarray | None = None) -> dict:
    """Run the QD + catalyst system for one complete parameter set ``values``.

    ``method``: "deterministic" (master equation), "stochastic" (Gillespie per QD) or
    "both" (default: the config's).  Returns arrays in chemist units.
    """
    method = method or cfg.solver.method
    r = qd_rates(cfg, values)
    t = times_s(cfg) if times is None else np.asarray(times, float)
    out = {"rates": r, "time_s": t}
    if method in ("deterministic", "both"):
        det = qd_h2_master(r, t, cfg.solver.rtol)
        out["h2_per_qd"] = det["h2_per_qd"]
        out["active_fraction"] = det["active_fraction"]
    if method in ("stochastic", "both"):
        states = stream_states(seed, cfg.solver.n_streams)
        s_sum, s_sq, alive, ev = qd_h2_kmc(states, cfg.solver.n_qd, r.mean_catalysts,
                                           r.k_e_by_m, r.k_dmg_by_m, r.k_decay, r.f_hydride,
                                           r.n_crit, t)
        n = cfg.solver.n_qd
        mean = s_sum.sum(0) / n
        var = np.maximum(s_sq.sum(0) / n - mean ** 2, 0.0)
        out["h2_per_qd_kmc"] = mean
        out["h2_per_qd_kmc_se"] = np.sqrt(var / max(n - 1, 1))
        out["active_fraction_kmc"] = alive.sum(0) / n
        out["kmc_events"] = int(ev.sum())
        if method == "stochastic":
            out["h2_per_qd"] = mean
            out["active_fraction"] = out["active_fraction_kmc"]
    h2_mol = out["h2_per_qd"] * r.n_qd_mol
    out["h2_umol"] = h2_mol * 1e6
    out["ton"] = h2_mol / r.catalyst_mol if r.catalyst_mol > 0 else np.zeros_like(h2_mol)
    photons = r.absorbed_flux_mol_s * t
    with np.errstate(invalid="ignore", divide="ignore"):
        out["qe_cumulative"] = np.where(t > 0, 2.0 * h2_mol / photons, 0.0)
    return out


def qd_quantum_efficiency(cfg, values: dict, window_h: float | None = None) -> float:
    """Seed 001's QE: 2 × average H2 rate over the first ``window_h`` / absorbed photon flux."""
    w = min(cfg.run.qe_window_h, cfg.run.time_h) if window_h is None else window_h
    r = qd_rates(cfg, values)
    det = qd_h2_master(r, np.array([0.0, w * 3600.0]), cfg.solver.rtol)
    return float(2.0 * det["h2_per_qd"][-1] * r.n_qd_mol / (r.absorbed_flux_mol_s * w * 3600.0))


def stern_volmer_curve(catalyst_M: np.ndarray, qd_M: float, values: dict) -> np.ndarray:
    """Simulated I0/I for static quenching by Poisson-bound catalysts:
    I/I0 = Σ_m P(m) / (1 + m k_ET τ0), m̄ from Langmuir binding at each concentration."""
    out = np.empty(catalyst_M.size)
    kt = values["k_et_per_s"] * values["qd_lifetime_ns"] * 1e-9
    for i, c in enumerate(catalyst_M):
        bound = langmuir_bound_M(float(c), values["binding_sites_per_qd"] * qd_M,
                                 values["langmuir_K_per_M"])
        mb = bound / qd_M
        w = poisson_weights(mb, int(mb + 10 * math.sqrt(mb) + 12))
        out[i] = 1.0 / np.sum(w / (1.0 + np.arange(w.size) * kt))
    return out
