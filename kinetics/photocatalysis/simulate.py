"""One QD + catalyst run in chemist units (the ``qd_catalyst`` system of ``nanokin run``)."""
from __future__ import annotations

import math

import numpy as np

from sim.rng import stream_states

from .chemistry import langmuir_bound_M, poisson_weights, qd_rates
from .kernel import qd_h2_kmc
from .master_equation import qd_h2_master

__all__ = ["times_s", "kmc_work_estimate", "simulate_qd", "qd_quantum_efficiency", "stern_volmer_curve",
           "smoluchowski_per_M_s", "stern_volmer_static_dynamic"]


def times_s(cfg) -> np.ndarray:
    """The output times of a run (s)."""
    return np.linspace(0.0, cfg.run.time_h * 3600.0, cfg.run.n_times)


def kmc_work_estimate(rates, n_qd: int, t_end_s: float) -> float:
    """Expected work of the stochastic solver in events: n_qd x (1 + expected events per
    QD), an electron or damage event at k_e(m) + k_dmg(m) and at most one decay per
    electron, averaged over the Poisson catalyst counts (aggregation only shortens it)."""
    w = poisson_weights(rates.mean_catalysts, rates.k_e_by_m.size - 1)
    per_qd = float(w @ (2.0 * rates.k_e_by_m + rates.k_dmg_by_m)) * t_end_s
    return float(n_qd) * (1.0 + per_qd)


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
                                           r.n_crit, t, r.aggregation)
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


def smoluchowski_per_M_s(qd_radius_nm: float, values: dict, temperature_K: float = 298.15) -> float:
    """Diffusion-limited encounter rate constant QD + catalyst (M^-1 s^-1):
    k_D = 4 pi N_A (R_1 + R_2)(D_1 + D_2), D_i = k_B T / (6 pi eta R_i) (Stokes-Einstein)."""
    kb, na = 1.380649e-23, 6.02214076e23
    eta = values["water_viscosity_mPa_s"] * 1e-3
    r1 = (qd_radius_nm + values["qd_ligand_shell_nm"]) * 1e-9
    r2 = values["catalyst_radius_nm"] * 1e-9
    d = kb * temperature_K / (6 * math.pi * eta) * (1 / r1 + 1 / r2)
    return 4 * math.pi * na * (r1 + r2) * d * 1e3          # m^3 mol^-1 s^-1 -> M^-1 s^-1


def stern_volmer_static_dynamic(catalyst_M: np.ndarray, qd_M: float, qd_radius_nm: float,
                                values: dict) -> dict:
    """I0/I split into static (catalysts bound before excitation: Langmuir + Poisson) and
    dynamic (diffusional encounters of free catalyst within tau0) quenching:
    I0/I = (I0/I)_static x (1 + k_D tau0 [free catalyst])."""
    static = stern_volmer_curve(catalyst_M, qd_M, values)
    k_d = smoluchowski_per_M_s(qd_radius_nm, values)
    tau0 = values["qd_lifetime_ns"] * 1e-9
    free = np.array([c - langmuir_bound_M(float(c), values["binding_sites_per_qd"] * qd_M,
                                          values["langmuir_K_per_M"]) for c in catalyst_M])
    dynamic = 1.0 + k_d * tau0 * free
    return {"static": static, "dynamic": dynamic, "total": static * dynamic, "k_D": k_d,
            "free_M": free}
