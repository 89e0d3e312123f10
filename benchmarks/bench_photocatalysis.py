"""Photocatalysis benchmark: the CdTe/Co reference run (1.0e-6 M catalyst, 30 h).

1. Stochastic kernel: a 30 h run of 10^5 QDs (10^4 with --quick) by the per-QD
   Gillespie kernel; reported as kernel events per second, and the mean H2 per QD
   against the master equation (in standard errors).
2. Deterministic solver: the ensemble master equation (:func:`kinetics.photocatalysis.
   qd_h2_master`, sim.master TR-BDF2 per catalyst count) against ``scipy.integrate.
   solve_ivp`` (BDF) on the same equations with a NumPy right-hand side; ratio of wall
   times in one run and the relative difference of the results.
"""
from __future__ import annotations

import time

import numpy as np
from scipy.integrate import solve_ivp

from kinetics import photocatalysis as pc
from sim.rng import stream_states


def numpy_reference(rates: pc.QDRates, t_out: np.ndarray, rtol: float = 1e-8) -> np.ndarray:
    """Mean H2 per QD from one stacked system: for each m the n1 master equation, the
    damage chain and the cumulative H2 (dH2_m/dt = S_m·⟨n1⟩·k_e f_H/m)."""
    w = pc.poisson_weights(rates.mean_catalysts, rates.k_e_by_m.size - 1)
    used = [m for m in range(1, w.size) if w[m] >= 1e-10]
    nc = rates.n_crit
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
            dy[o + m + 2 + nc] = (1.0 - q[-1]) * np.dot(b["n"], p) * b["c"]
        return dy

    sol = solve_ivp(rhs, (0.0, t_out[-1]), y0, method="BDF", t_eval=t_out, rtol=rtol,
                    atol=1e-12)
    h2 = np.zeros(t_out.size)
    for b in blocks:
        h2 += w[b["m"]] * sol.y[b["off"] + b["m"] + 2 + nc]
    return h2


def run(quick: bool = False) -> dict:
    exp = pc.reference("cdte_co_1e-6M")
    p = pc.parameters()
    rates = pc.qd_rates(exp.config, p)
    t_out = np.linspace(0.0, exp.config.run.time_h * 3600.0, 31)
    rows = []
    notes = []

    # -- deterministic solvers (first: numba's parallel worker threads spinning after the
    #    Gillespie kernel would slow the BLAS calls inside solve_ivp)
    pc.qd_h2_master(rates, t_out[:3])                                          # compile
    t0 = time.perf_counter()
    det = pc.qd_h2_master(rates, t_out)["h2_per_qd"]
    t_det = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = numpy_reference(rates, t_out)
    t_ref = time.perf_counter() - t0
    rel = float(np.max(np.abs(det[1:] - ref[1:]) / ref[1:]))

    # -- stochastic kernel
    n_qd = 2_000 if quick else 100_000
    states = stream_states(exp.seed, 256)
    small = stream_states(exp.seed, 2)
    pc.qd_h2_kmc(small, 4, rates.mean_catalysts, rates.k_e_by_m, rates.k_dmg_by_m,
                 rates.k_decay, rates.f_hydride, rates.n_crit, t_out[:3])   # compile
    t0 = time.perf_counter()
    s_sum, s_sq, _, ev = pc.qd_h2_kmc(states, n_qd, rates.mean_catalysts, rates.k_e_by_m,
                                      rates.k_dmg_by_m, rates.k_decay, rates.f_hydride,
                                      rates.n_crit, t_out)
    t_kmc = time.perf_counter() - t0
    mean = s_sum.sum(0)[-1] / n_qd
    se = np.sqrt(max(s_sq.sum(0)[-1] / n_qd - mean ** 2, 0.0) / (n_qd - 1))

    rows.append({"case": f"Gillespie, {n_qd} QDs, 30 h", "events": int(ev.sum()),
                 "wall_s": t_kmc, "events_per_s": float(ev.sum() / t_kmc),
                 "mean_h2_per_qd": float(mean), "master_eq_h2_per_qd": float(det[-1]),
                 "difference_in_se": float((mean - det[-1]) / se)})
    rows.append({"case": "ensemble master equation, 30 h", "ours": "sim.master TR-BDF2 (numba)",
                 "reference": "solve_ivp BDF, NumPy RHS", "ours_s": t_det, "reference_s": t_ref,
                 "speedup": t_ref / t_det, "max_rel_difference": rel})
    notes.append(f"mean catalysts per QD {rates.mean_catalysts:.2f}, photons per QD per s "
                 f"{rates.k_abs_per_s:.2f}")
    return {"rows": rows, "notes": notes}


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2, default=float))
