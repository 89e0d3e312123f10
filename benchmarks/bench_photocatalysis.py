"""Photocatalysis benchmark: the CdTe/Co reference run (1.0e-6 M catalyst, 30 h).

1. Stochastic kernel: a 30 h run of 10^5 QDs (10^4 with --quick) by the per-QD
   Gillespie kernel; reported as kernel events per second, and the mean H2 per QD
   against the master equation (in standard errors).
2. Deterministic solver: the ensemble master equation (:func:`kinetics.photocatalysis.
   master_equation.qd_h2_master`, sim.master TR-BDF2 per catalyst count) against
   ``scipy.integrate.solve_ivp`` (BDF) on the same equations with a NumPy right-hand side
   (:func:`~kinetics.photocatalysis.master_equation.qd_h2_solve_ivp`); ratio of wall times
   in one run and the relative difference of the results.
3. Calibration path: observables of the fitted observations for 40 parameter sets drawn
   around the table values, by one batch call (:meth:`observables_batch`, the compiled
   closed-form kernel over all sets at once) against a loop of single-set calls;
   evaluations per second of both.
"""
from __future__ import annotations

import time

import numpy as np

from kinetics.photocatalysis import MODEL
from kinetics.photocatalysis.chemistry import qd_rates
from kinetics.photocatalysis.kernel import qd_h2_kmc
from kinetics.photocatalysis.master_equation import qd_h2_master, qd_h2_solve_ivp
from kinetics.photocatalysis.observables import reference
from sim.rng import stream_states


def run(quick: bool = False) -> dict:
    exp = reference("cdte_co_1e-6M")
    p = MODEL.parameters.values()
    rates = qd_rates(exp.config, p)
    t_out = np.linspace(0.0, exp.config.run.time_h * 3600.0, 31)
    rows = []
    notes = []

    # -- deterministic solvers (first: numba's parallel worker threads spinning after the
    #    Gillespie kernel would slow the BLAS calls inside solve_ivp)
    qd_h2_master(rates, t_out[:3])                                          # compile
    t0 = time.perf_counter()
    det = qd_h2_master(rates, t_out)["h2_per_qd"]
    t_det = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = qd_h2_solve_ivp(rates, t_out)
    t_ref = time.perf_counter() - t0
    rel = float(np.max(np.abs(det[1:] - ref[1:]) / ref[1:]))

    # -- stochastic kernel
    n_qd = 2_000 if quick else 100_000
    states = stream_states(exp.seed, 256)
    small = stream_states(exp.seed, 2)
    qd_h2_kmc(small, 4, rates.mean_catalysts, rates.k_e_by_m, rates.k_dmg_by_m,
              rates.k_decay, rates.f_hydride, rates.n_crit, t_out[:3])      # compile
    t0 = time.perf_counter()
    s_sum, s_sq, _, ev = qd_h2_kmc(states, n_qd, rates.mean_catalysts, rates.k_e_by_m,
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
    # -- calibration path: batch vs one set at a time (same parameter sets)
    table = MODEL.parameters
    ids = [o.id for o in MODEL.observations() if o.fit]
    rng = np.random.default_rng(7)
    sets = []
    for _ in range(40):
        d = dict(p)
        for name in table.free:
            par = table[name]
            lo, hi = par.z_bounds
            z = np.clip(par.to_z(p[name]) + 0.1 * par.z_width * rng.standard_normal(), lo, hi)
            d[name] = par.from_z(z)
        sets.append(d)
    MODEL.observables_batch(sets[:2], ids)                                     # compile
    t0 = time.perf_counter()
    MODEL.observables_batch(sets, ids)
    t_batch = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d in sets:
        MODEL.observables(d, ids)
    t_loop = time.perf_counter() - t0
    rows.append({"case": f"observables of {len(ids)} fitted observations, {len(sets)} parameter sets",
                 "ours": "observables_batch (one compiled call)", "reference": "loop of observables",
                 "ours_evals_per_s": len(sets) / t_batch, "reference_evals_per_s": len(sets) / t_loop,
                 "speedup": t_loop / t_batch})
    notes.append(f"mean catalysts per QD {rates.mean_catalysts:.2f}, photons per QD per s "
                 f"{rates.k_abs_per_s:.2f}")
    return {"rows": rows, "notes": notes}


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2, default=float))
