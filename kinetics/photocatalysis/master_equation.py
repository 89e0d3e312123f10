"""The QD ensemble's master equations, integrated numerically by :mod:`sim.master`.

For each catalyst count m: the number of reduced catalysts n1 is a birth–death chain
(birth (m − n1) k_e/m, death n1 (k_e f_H/m + k_decay)) integrated by
:func:`sim.master.evolve` (TR-BDF2); the ligand-damage count is a pure-birth chain
absorbing at n_crit (survival S_m, :func:`damage_survival`); the fraction of QDs not yet
aggregated A(t) is the same for all (:func:`~.chemistry.monomer_fraction`).  Damage and
aggregation do not depend on n1 and n1 does not depend on them while the QD is active, so
H2_m(t) = ∫ S_m A r_m dt with r_m = (k_e f_H/m)⟨n1⟩ (trapezoid on :func:`dense_times`).

:func:`qd_h2_solve_ivp` is a plain reference: the same equations stacked into one system
with a NumPy right-hand side for ``scipy.integrate.solve_ivp`` (BDF).

This is the deterministic solver of ``nanokin run`` (it takes any rate arrays); the
calibration uses the exact solution of the same chains
(:func:`kinetics.photocatalysis.kernel.qd_h2_closed_form`) on the same grid, and a
check compares the two.
"""
from __future__ import annotations

import numpy as np

from sim.master import evolve

from .chemistry import QDRates, monomer_fraction, poisson_weights

__all__ = ["dense_times", "damage_survival", "qd_h2_master", "qd_h2_solve_ivp"]


def dense_times(t_end_s: float, out_times: np.ndarray, n_log: int = 30) -> np.ndarray:
    """Output times plus a geometric grid resolving the first seconds (for quadrature)."""
    early = np.geomspace(1e-4, max(t_end_s, 1e-3), n_log)
    lin = np.linspace(0.0, t_end_s, 61)
    return np.unique(np.concatenate(([0.0], early, lin, out_times)))


def damage_survival(n_crit: int, k_dmg: np.ndarray, t_s: np.ndarray, rtol: float = 1e-10):
    """Survival S(t) = P(fewer than n_crit damage events) for each rate in ``k_dmg``.

    The damage count is a pure-birth chain absorbing at n_crit; with a constant rate k
    it depends on k·t only, so the chain is integrated once in dimensionless time
    (:func:`sim.master.evolve`) and read off at k·t for every rate.
    """
    k_dmg = np.asarray(k_dmg, float)
    tau_max = float(np.max(k_dmg) * t_s[-1]) if k_dmg.size else 0.0
    out = np.ones((k_dmg.size, t_s.size))
    if tau_max <= 0.0:
        return out
    tau = np.linspace(0.0, tau_max, 4001)
    birth = np.ones(n_crit + 1)
    birth[-1] = 0.0
    q0 = np.zeros(n_crit + 1)
    q0[0] = 1.0
    surv = 1.0 - evolve(birth, np.zeros(n_crit + 1), q0, tau, rtol=rtol, keep="full")["p"][:, -1]
    for i, k in enumerate(k_dmg):
        out[i] = np.interp(k * t_s, tau, surv)
    return out


def qd_h2_master(rates: QDRates, out_times_s: np.ndarray, rtol: float = 1e-8) -> dict:
    """Deterministic ensemble: mean H2 per QD, active fraction and the per-m curves."""
    t_end = float(out_times_s[-1])
    grid = dense_times(t_end, out_times_s)
    w = poisson_weights(rates.mean_catalysts, rates.k_e_by_m.size - 1)
    n_m = w.size
    h2_m = np.zeros((n_m, out_times_s.size))
    surv_m = np.ones((n_m, out_times_s.size))
    idx = np.searchsorted(grid, out_times_s)
    used = [m for m in range(1, n_m) if w[m] >= 1e-10]
    surv_all = damage_survival(rates.n_crit, rates.k_dmg_by_m[used], grid)
    single = np.array([monomer_fraction(x, *rates.aggregation) for x in grid])
    for i, m in enumerate(used):
        ke = rates.k_e_by_m[m]
        n = np.arange(m + 1, dtype=float)
        birth = (m - n) * ke / m
        death = n * (ke * rates.f_hydride / m + rates.k_decay)
        p0 = np.zeros(m + 1)
        p0[0] = 1.0
        mean_n1 = evolve(birth, death, p0, grid, rtol=rtol)["mean"]
        surv = surv_all[i]
        rate = surv * single * mean_n1 * ke * rates.f_hydride / m
        cum = np.concatenate(([0.0], np.cumsum(0.5 * (rate[1:] + rate[:-1]) * np.diff(grid))))
        h2_m[m] = cum[idx]
        surv_m[m] = surv[idx]
    return {"weights": w, "h2_by_m": h2_m, "survival_by_m": surv_m,
            "single_fraction": single[idx],
            "h2_per_qd": w @ h2_m, "active_fraction": (w @ surv_m) * single[idx]}


def qd_h2_solve_ivp(rates: QDRates, t_out: np.ndarray, rtol: float = 1e-8) -> np.ndarray:
    """Mean H2 per QD at ``t_out`` from one stacked system integrated by ``solve_ivp`` (BDF):
    for each m the n1 master equation, the damage chain and the cumulative H2
    (dH2_m/dt = S_m·⟨n1⟩·k_e f_H/m).  A reference for :func:`qd_h2_master`: the chains are
    the same, the cumulative H2 is integrated exactly instead of by the trapezoid rule."""
    from scipy.integrate import solve_ivp
    from scipy.sparse import lil_matrix

    w = poisson_weights(rates.mean_catalysts, rates.k_e_by_m.size - 1)
    used = [m for m in range(1, w.size) if w[m] >= 1e-10]
    nc = rates.n_crit
    agg = rates.aggregation

    def single(t):
        return monomer_fraction(t, *agg)
    blocks = []
    off = 0
    for m in used:
        ke = rates.k_e_by_m[m]
        n = np.arange(m + 1.0)
        blocks.append(dict(m=m, off=off, birth=(m - n) * ke / m,
                           death=n * (ke * rates.f_hydride / m + rates.k_decay),
                           kd=rates.k_dmg_by_m[m], c=ke * rates.f_hydride / m, n=n))
        off += (m + 1) + (nc + 1) + 1
    y0 = np.zeros(off)
    for b in blocks:
        y0[b["off"]] = 1.0
        y0[b["off"] + b["m"] + 1] = 1.0

    def rhs(t, y):
        dy = np.empty_like(y)
        for b in blocks:
            o, m = b["off"], b["m"]
            p = y[o:o + m + 1]
            d = -(b["birth"] + b["death"]) * p
            d[1:] += b["birth"][:-1] * p[:-1]
            d[:-1] += b["death"][1:] * p[1:]
            dy[o:o + m + 1] = d
            q = y[o + m + 1:o + m + 2 + nc]
            dq = -b["kd"] * q
            dq[-1] = 0.0
            dq[1:] += b["kd"] * q[:-1]
            dy[o + m + 1:o + m + 2 + nc] = dq
            dy[o + m + 2 + nc] = (1.0 - q[-1]) * np.dot(b["n"], p) * b["c"] * single(t)
        return dy

    pattern = lil_matrix((off, off))       # block-diagonal Jacobian: finite differences in groups
    for b in blocks:
        o, m = b["off"], b["m"]
        for i in range(m + 1):
            pattern[o + i, o + max(i - 1, 0):o + min(i + 2, m + 1)] = 1
        q = o + m + 1
        for i in range(nc + 1):
            pattern[q + i, q + max(i - 1, 0):q + i + 1] = 1
        pattern[q + nc + 1, o:o + m + 1] = 1
        pattern[q + nc + 1, q + nc] = 1
    sol = solve_ivp(rhs, (0.0, t_out[-1]), y0, method="BDF", t_eval=t_out, rtol=rtol,
                    atol=1e-12, jac_sparsity=pattern.tocsr())
    h2 = np.zeros(t_out.size)
    for b in blocks:
        h2 += w[b["m"]] * sol.y[b["off"] + b["m"] + 2 + nc]
    return h2
