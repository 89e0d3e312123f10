"""Photocatalysis benchmark: the CdTe/Co reference run (1.0e-6 M catalyst, 30 h).

1. Stochastic kernel: a 30 h run of 10^5 QDs (10^4 with --quick) by the per-QD
   Gillespie kernel; reported as kernel events per second, and the mean H2 per QD
   against the master equation (in standard errors).
2. Deterministic solver: the ensemble master equation (:func:`kinetics.photocatalysis.
   master_equation.qd_h2_master`, sim.master TR-BDF2 per catalyst count, its default
   rtol 1e-8) against ``scipy.integrate.solve_ivp`` (BDF, rtol 1e-8, atol 1e-12) on the
   same stacked equations as a scipy user writes them (:func:`scipy_reference`): the
   linear chains as one sparse matrix (vectorised right-hand side) and the analytic
   sparse Jacobian; ratio of times in one run (wall and CPU) and the relative difference
   of the results.
3. Calibration path: observables of the fitted observations for 40 parameter sets drawn
   around the table values, by one batch call (:meth:`observables_batch`, the compiled
   closed-form kernel over all sets at once) against a loop of single-set calls;
   evaluations per second of both.

Every ratio: both sides timed by :func:`sim.bench.ab` (interleaved repeats of >= 1 s of
work, median of 5, wall and CPU).
"""
from __future__ import annotations

import numpy as np

from kinetics.photocatalysis import MODEL
from kinetics.photocatalysis.chemistry import monomer_fraction, qd_rates
from kinetics.photocatalysis.kernel import qd_h2_kmc
from kinetics.photocatalysis.master_equation import qd_h2_master, poisson_weights
from kinetics.photocatalysis.observables import reference
from sim.bench import ab, median_time, ratio_row
from sim.rng import stream_states


def scipy_reference(rates, t_out: np.ndarray, rtol: float = 1e-8) -> np.ndarray:
    """Mean H2 per QD at ``t_out`` by ``solve_ivp`` (BDF): for each catalyst count m the
    n1 master equation (birth-death chain), the damage chain and the cumulative H2
    dH2_m/dt = S_m(t)·F(t)·<n1>_m·k_e f_H/m (F: the fraction of QDs not yet aggregated,
    :func:`chemistry.monomer_fraction`), stacked into one system.  The linear part is one
    sparse matrix ``L`` (right-hand side ``L @ y`` plus the H2 rows), and the analytic
    sparse Jacobian is passed to the solver."""
    import scipy.sparse as sp
    from scipy.integrate import solve_ivp

    w = poisson_weights(rates.mean_catalysts, rates.k_e_by_m.size - 1)
    used = [m for m in range(1, w.size) if w[m] >= 1e-10]
    nc = rates.n_crit
    rows, cols, vals = [], [], []
    h_idx, qn_idx, nrow, ncol, nval, y0_idx, weights = [], [], [], [], [], [], []
    off = 0
    for b, m in enumerate(used):
        ke = rates.k_e_by_m[m]
        n = np.arange(m + 1.0)
        birth = (m - n) * ke / m
        death = n * (ke * rates.f_hydride / m + rates.k_decay)
        i = off + np.arange(m + 1)
        rows += [i, i[1:], i[:-1]]
        cols += [i, i[:-1], i[1:]]
        vals += [-(birth + death), birth[:-1], death[1:]]
        q = off + m + 1 + np.arange(nc + 1)
        kd = rates.k_dmg_by_m[m]
        rows += [q[:-1], q[1:]]
        cols += [q[:-1], q[:-1]]
        vals += [np.full(nc, -kd), np.full(nc, kd)]
        h_idx.append(off + m + 2 + nc)
        qn_idx.append(q[-1])
        nrow.append(np.full(m + 1, b))
        ncol.append(i)
        nval.append(n * ke * rates.f_hydride / m)
        y0_idx += [off, q[0]]
        weights.append(w[m])
        off += (m + 1) + (nc + 1) + 1
    L = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(off, off))
    N = sp.csr_matrix((np.concatenate(nval), (np.concatenate(nrow), np.concatenate(ncol))),
                      shape=(len(used), off))
    h_idx, qn_idx = np.array(h_idx), np.array(qn_idx)
    H = sp.csr_matrix((np.ones(len(used)), (h_idx, np.arange(len(used)))),
                      shape=(off, len(used)))
    y0 = np.zeros(off)
    y0[y0_idx] = 1.0

    def rhs(t, y):
        d = L @ y
        d[h_idx] += (1.0 - y[qn_idx]) * monomer_fraction(t, *rates.aggregation) * (N @ y)
        return d

    def jac(t, y):
        f = monomer_fraction(t, *rates.aggregation)
        alive = sp.diags(f * (1.0 - y[qn_idx]))
        dq = sp.csr_matrix((-f * (N @ y), (h_idx, qn_idx)), shape=(off, off))
        return (L + H @ (alive @ N) + dq).tocsc()

    sol = solve_ivp(rhs, (0.0, t_out[-1]), y0, method="BDF", t_eval=t_out, rtol=rtol,
                    atol=1e-12, jac=jac)
    return np.asarray(weights) @ sol.y[h_idx]


def run(quick: bool = False) -> dict:
    exp = reference("cdte_co_1e-6M")
    p = MODEL.parameters.values()
    rates = qd_rates(exp.config, p)
    t_out = np.linspace(0.0, exp.config.run.time_h * 3600.0, 31)
    rows = []
    notes = []

    # -- deterministic solvers (first: numba's parallel worker threads spinning after the
    #    Gillespie kernel would slow the sparse algebra inside solve_ivp)
    qd_h2_master(rates, t_out[:3])                                          # compile
    res = ab({"sim.master TR-BDF2 (numba)": lambda i: qd_h2_master(rates, t_out),
              "solve_ivp BDF, sparse NumPy RHS + analytic sparse Jacobian":
                  lambda i: scipy_reference(rates, t_out)})
    ours_name, ref_name = list(res)
    det = res[ours_name]["result"]["h2_per_qd"]
    ref = res[ref_name]["result"]
    rel = float(np.max(np.abs(det[1:] - ref[1:]) / ref[1:]))

    # -- stochastic kernel
    n_qd = 2_000 if quick else 100_000
    states = stream_states(exp.seed, 256)
    small = stream_states(exp.seed, 2)
    qd_h2_kmc(small, 4, rates.mean_catalysts, rates.k_e_by_m, rates.k_dmg_by_m,
              rates.k_decay, rates.f_hydride, rates.n_crit, t_out[:3])      # compile
    m_kmc, (s_sum, s_sq, _, ev) = median_time(
        lambda: qd_h2_kmc(states, n_qd, rates.mean_catalysts, rates.k_e_by_m,
                          rates.k_dmg_by_m, rates.k_decay, rates.f_hydride, rates.n_crit,
                          t_out), 5)
    t_kmc = m_kmc["wall_s"]
    mean = s_sum.sum(0)[-1] / n_qd
    se = np.sqrt(max(s_sq.sum(0)[-1] / n_qd - mean ** 2, 0.0) / (n_qd - 1))

    rows.append({"case": f"Gillespie, {n_qd} QDs, 30 h", "events": int(ev.sum()),
                 "wall_s": t_kmc, "cpu_s": m_kmc["cpu_s"], "repeats": 5,
                 "events_per_s": float(ev.sum() / t_kmc),
                 "mean_h2_per_qd": float(mean), "master_eq_h2_per_qd": float(det[-1]),
                 "difference_in_se": float((mean - det[-1]) / se)})
    rows.append(ratio_row("ensemble master equation, 30 h", res, ref_name, ours_name,
                          max_rel_difference=rel))
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
    res = ab({"observables_batch (one compiled call)": lambda i: MODEL.observables_batch(sets, ids),
              "loop of observables": lambda i: [MODEL.observables(d, ids) for d in sets]})
    b, lp = list(res)
    rows.append(ratio_row(f"observables of {len(ids)} fitted observations, {len(sets)} parameter sets",
                          res, lp, b, ours_evals_per_s=len(sets) / res[b]["wall_s"],
                          reference_evals_per_s=len(sets) / res[lp]["wall_s"],
                          identical=res[b]["result"] == res[lp]["result"]))
    notes.append(f"mean catalysts per QD {rates.mean_catalysts:.2f}, photons per QD per s "
                 f"{rates.k_abs_per_s:.2f}")
    return {"rows": rows, "notes": notes}


if __name__ == "__main__":
    import json
    from sim.bench import script_args
    a = script_args(__doc__)
    print(json.dumps(run(quick=a.quick), indent=2, default=float))
