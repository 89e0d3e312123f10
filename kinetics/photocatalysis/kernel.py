"""Compiled kernels of the QD + catalyst system.

Per QD with m catalysts: electrons arrive at k_e(m), a reduced catalyst Co(I) becomes
H2 when a second electron reaches it while protonated (fraction f_H) and decays at
k_decay; ligand damage events arrive at k_dmg(m) and the QD stops after n_crit of them.

* :func:`qd_h2_kmc` — Gillespie per QD (the stochastic solver; one xoshiro256** stream
  per batch of QDs).
* :func:`qd_h2_closed_form` — the mean H2 per QD from the exact solution of the
  master equation.  The number of reduced catalysts n1 is a birth–death chain with birth
  (m − n1) a and death n1 (c + k_decay), a = k_e/m, c = a f_H: m independent two-state
  catalysts, so ⟨n1⟩(t) = m p_ss (1 − e^{−λt}), p_ss = a/λ, λ = a + c + k_decay.  The
  damage count is a Poisson process absorbed at n_crit: survival S(t) = P(N(k_dmg t) <
  n_crit) (Erlang).  The two are independent while a QD is active, so
  H2_m(t) = ∫ S A r_m ds with r_m = c ⟨n1⟩ and A(t) the fraction of QDs not yet
  aggregated (photo-oxidation of the ligands + Smoluchowski coagulation,
  :func:`kinetics.photocatalysis.chemistry.monomer_fraction`), by the trapezoid rule on the caller's grid
  (the grid :func:`kinetics.photocatalysis.master_equation.dense_times` resolves the
  first seconds).  :mod:`kinetics.photocatalysis.master_equation` integrates the same
  chains numerically (TR-BDF2); a check compares the two.
* :func:`qd_h2_batch` — :func:`qd_h2_closed_form` for many parameter sets and runs at
  once (parallel over (set, run) pairs): the likelihood of ``nanokin fit``.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sim.rng import poisson, uniform

from .chemistry import (_KDEC, _KET, _NCRIT, _poisson_weights, aggregation_constants,
                        aggregation_time, m_cap, monomer_fraction, per_m_rates, qd_scalars)

__all__ = ["qd_h2_kmc", "erlang_survival", "qd_h2_closed_form", "qd_h2_batch"]


@njit(cache=True, parallel=True)
def qd_h2_kmc(states, n_qd, mean_m, k_e_by_m, k_dmg_by_m, k_decay, f_h, n_crit, times,
              agg=(0.0, 0.0, 0.0)):
    """Gillespie simulation of ``n_qd`` QDs; stream s handles QDs s, s+S, s+2S, ...

    Per QD: m ~ Poisson(mean_m) catalysts (capped at len(k_e_by_m) − 1), n1 reduced
    catalysts, damage count d.  Events: an electron to a random catalyst (rate
    k_e_by_m[m]; on a reduced one it makes H2 with probability f_h, else it is lost),
    decay of a reduced catalyst (n1·k_decay), ligand damage (k_dmg_by_m[m]; the QD stops
    at d = n_crit).  Aggregation ``agg`` = (k_ox, c0, ln W0): each QD joins an aggregate
    (and stops) at a time drawn from the ensemble's monomer fraction
    (:func:`~.chemistry.aggregation_time`; one uniform per QD after its catalyst count,
    drawn only when the chance of aggregating within the run is above 1e-12).
    Returns per stream (S, T) sums of H2 per QD and of its square, (S, T) counts of QDs
    still active, and (S,) event counts.
    """
    n_s = states.shape[0]
    n_t = times.size
    m_top = k_e_by_m.size - 1
    h2_sum = np.zeros((n_s, n_t))
    h2_sq = np.zeros((n_s, n_t))
    alive = np.zeros((n_s, n_t))
    events = np.zeros(n_s, dtype=np.int64)
    k_ox, c0, barrier = agg
    t_end = times[n_t - 1]
    agg_on = 1.0 - monomer_fraction(t_end, k_ox, c0, barrier) > 1e-12
    for s in prange(n_s):
        st = states[s].copy()
        for _ in range(s, n_qd, n_s):
            m = poisson(st, mean_m)
            if m > m_top:
                m = m_top
            ke = k_e_by_m[m]
            kd = k_dmg_by_m[m]
            t_agg = np.inf
            if agg_on:
                t_agg = aggregation_time(uniform(st), k_ox, c0, barrier, t_end)
            n1 = 0
            dmg = 0
            h2 = 0
            t = 0.0
            ti = 0
            live = True
            while ti < n_t:
                a = ke + kd + n1 * k_decay if live else 0.0
                t_next = t + (-np.log(uniform(st)) / a if a > 0.0 else np.inf)
                if live and t_agg < t_next:
                    # the QD aggregates before its next event (memoryless: the drawn
                    # waiting time is discarded with the QD)
                    while ti < n_t and times[ti] < t_agg:
                        h2_sum[s, ti] += h2
                        h2_sq[s, ti] += h2 * h2
                        alive[s, ti] += 1.0
                        ti += 1
                    live = False
                    t = t_agg
                    continue
                while ti < n_t and times[ti] < t_next:
                    h2_sum[s, ti] += h2
                    h2_sq[s, ti] += h2 * h2
                    if live:
                        alive[s, ti] += 1.0
                    ti += 1
                if ti >= n_t:
                    break
                t = t_next
                events[s] += 1
                r = uniform(st) * a
                if r < ke:
                    # r/ke is again uniform on (0, 1): it picks the catalyst, and where it
                    # falls inside the reduced ones, whether that one is protonated
                    x = (r / ke) * m
                    if x < n1:
                        if x / n1 < f_h:
                            h2 += 1
                            n1 -= 1
                    else:
                        n1 += 1
                elif r < ke + kd:
                    dmg += 1
                    if dmg >= n_crit:
                        live = False
                else:
                    n1 -= 1
    return h2_sum, h2_sq, alive, events


@njit(cache=True)
def erlang_survival(n, x):
    """P(N < n) for N ~ Poisson(x): survival of a QD after damage exposure x = k_dmg t."""
    if n <= 0:
        return 0.0
    if x <= 0.0:
        return 1.0
    if x < 700.0:
        term = math.exp(-x)
        total = term
        for k in range(1, n):
            term *= x / k
            total += term
        return min(total, 1.0)
    lx = math.log(x)
    total = 0.0
    for k in range(n):
        total += math.exp(k * lx - x - math.lgamma(k + 1.0))
    return min(total, 1.0)


@njit(cache=True)
def qd_h2_closed_form(weights, k_e_by_m, k_dmg_by_m, k_decay, f_h, n_crit, grid, out_idx,
                      agg=(0.0, 0.0, 0.0)):
    """Mean H2 per QD at ``grid[out_idx]`` (see the module docstring); ``grid`` starts at 0 s.

    ``agg`` = (k_ox, c0, ln W0): the H2 rate is multiplied by the fraction of QDs not yet
    aggregated (:func:`~.chemistry.monomer_fraction`, the same for every catalyst count).
    Catalyst counts with weight < 1e-10 are skipped (as in the master-equation solver).
    """
    out = np.zeros(out_idx.size)
    k_ox, c0, barrier = agg
    single = np.empty(grid.size)
    for i in range(grid.size):
        single[i] = monomer_fraction(grid[i], k_ox, c0, barrier)
    for m in range(1, weights.size):
        wm = weights[m]
        ke = k_e_by_m[m]
        if wm < 1e-10 or ke <= 0.0:
            continue
        a = ke / m
        c = a * f_h
        lam = a + c + k_decay
        scale = m * (a / lam) * c            # H2 rate per unit (1 − e^{−λt}) S(t)
        kd = k_dmg_by_m[m]
        # P(N >= n_crit) <= x^n/n! at the largest exposure: below 1e-18, S(t) = 1 to rounding
        x_max = kd * grid[grid.size - 1]
        no_damage = n_crit > 0 and (x_max <= 0.0 or
                                    n_crit * math.log(x_max) - math.lgamma(n_crit + 1.0) < -41.5)
        cum = 0.0
        r_prev = 0.0
        j = 0
        for i in range(grid.size):
            t = grid[i]
            r = scale * (-math.expm1(-lam * t)) * single[i]
            if not no_damage:
                r *= erlang_survival(n_crit, kd * t)
            if i > 0:
                cum += 0.5 * (r + r_prev) * (t - grid[i - 1])
            r_prev = r
            while j < out_idx.size and out_idx[j] == i:
                out[j] += wm * cum
                j += 1
    return out


@njit(cache=True, parallel=True)
def qd_h2_batch(pars, conds, grids, grid_len, out_idx, n_out):
    """H2 (mol) and absorbed photon flux (mol s⁻¹) for every parameter set and run.

    pars      (S, P) packed parameter vectors (:data:`~.chemistry.QD_PARAMETERS`)
    conds     (E, C) packed conditions (:func:`~.chemistry.conditions_vector`)
    grids     (E, G) quadrature grids (s), the first ``grid_len[e]`` entries used
    out_idx   (E, K) grid indices of the outputs, the first ``n_out[e]`` used
    Returns h2_mol (S, E, K) and absorbed_mol_s (S, E).
    """
    n_s = pars.shape[0]
    n_e = conds.shape[0]
    h2 = np.zeros((n_s, n_e, out_idx.shape[1]))
    absorbed = np.zeros((n_s, n_e))
    for job in prange(n_s * n_e):
        s = job // n_e
        e = job - s * n_e
        par = pars[s]
        (qd_M, n_qd_mol, m_bar, bound, k_abs, flux, ha, f_h, deliver, damage,
         k0) = qd_scalars(par, conds[e])
        m_max = m_cap(m_bar)
        k_e, k_d = per_m_rates(m_max, k_abs, par[_KET], k0, deliver, damage)
        w = _poisson_weights(m_bar, m_max)
        agg = aggregation_constants(par, conds[e], qd_M, k_abs)
        per_qd = qd_h2_closed_form(w, k_e, k_d, par[_KDEC], f_h, int(round(par[_NCRIT])),
                                   grids[e, :grid_len[e]], out_idx[e, :n_out[e]], agg)
        for j in range(n_out[e]):
            h2[s, e, j] = per_qd[j] * n_qd_mol
        absorbed[s, e] = flux
    return h2, absorbed
