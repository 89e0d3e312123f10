"""Numba kernels of the growth model: one synthesis, and many in parallel.

The Python side (:mod:`kinetics.growth.simulation`) turns an experiment and a parameter
set into the vector ``par`` (indices ``I_*``) and the speciation tableau; the kernels
know nothing of units beyond mol/L, nm and s.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sim.equilibria import _solve, newton_sparse, species_concentrations, tableau_pattern
from sim.pbe import (add_nuclei, advance_classes, cnt_rate, log_histogram, size_moments,
                     units_per_particle)

from kinetics.growth.materials import BDC_PER_TI, VM_L_PER_MOL_TI

# indices of the parameter vector passed to the kernels
(I_TEND, I_P0, I_W0, I_L0, I_A0, I_B0, I_KACT, I_WACT, I_KOX, I_CSAT, I_ANUC, I_BNUC,
 I_LCAP, I_KS, I_INVD, I_CSATG, I_KCAP, I_KMS, I_DTMAX, I_MERGE, I_CHANGE, I_NPAR) = range(22)
N_LOGK = 12  # species rows of the speciation tableau


# columns of the per-output-time record
(C_T, C_PREC, C_WATER, C_MSOL, C_TIO2, C_TIPART, C_NPART, C_MEAN_D, C_DISP, C_PH, C_S,
 C_THETA, C_FREE_L, C_FREE_A, NCOL) = range(15)


@njit(cache=True, inline="always")
def _speciate_sparse(logk, stoich, pattern, totals, ln_c, s, res, jac, dy):
    """Solve the seesaw equilibria (warm start from ``ln_c``, updated in place) into ``s``
    with the sparse Newton of :func:`sim.equilibria.newton_sparse` (``pattern`` from
    :func:`sim.equilibria.tableau_pattern`; the same iterates as the dense
    :func:`sim.equilibria.newton_inplace`).  Falls back to :func:`sim.equilibria._solve`
    from a neutral start if the warm-started Newton does not converge."""
    rows, nrow, cols, ncol = pattern
    if newton_sparse(logk, stoich, rows, nrow, cols, ncol, totals, ln_c, s, res, jac, dy,
                     1e-10, 200) >= 0:
        return s
    start = np.full(totals.size, math.log(1e-7))
    y, ok, err = _solve(logk, stoich, totals, start, 1e-10, 1000)
    for j in range(ln_c.size):
        ln_c[j] = y[j]
    return species_concentrations(logk, stoich, y)


@njit(cache=True)
def _speciate(logk, stoich, totals, ln_c):
    """:func:`_speciate_sparse` with its own work arrays (for one-off calls and tests)."""
    n_s, n_c = stoich.shape
    return _speciate_sparse(logk, stoich, tableau_pattern(stoich), totals, ln_c, np.empty(n_s),
                            np.empty(n_c), np.empty((n_c, n_c)), np.empty(n_c))


@njit(cache=True)
def synthesis_kernel(par, logk, stoich, out_times, edges_nm, r_nm, n_per_L, record, hist):
    """One synthesis: activation, speciation, nucleation, capped growth, TiO2.

    ``record[k, :]`` receives the state at ``out_times[k]`` (columns C_*), ``hist[k, :]``
    the number of particles per litre per diameter bin (edges in nm); the final
    classes are left in ``r_nm`` (radius, nm) / ``n_per_L``.  Returns the number of
    classes used and the number of steps taken.
    """
    t_end = par[I_TEND]
    prec = par[I_P0]
    water = par[I_W0]
    l0 = par[I_L0]
    msol = 0.0
    tio2 = 0.0
    ti_part = 0.0
    nc = 0
    for i in range(r_nm.size):
        r_nm[i] = 0.0
        n_per_L[i] = 0.0
    h_total = 2.0 * l0 + par[I_A0]
    totals = np.empty(5)
    ln_c = np.empty(5)
    ln_c[0] = math.log(1e-4)
    ln_c[1] = math.log(1e-9)
    ln_c[2] = math.log(max(par[I_A0], 1e-12) * 0.01)
    ln_c[3] = math.log(1e-12)
    ln_c[4] = math.log(max(par[I_B0], 1e-12) * 1e-3)
    radii_edges = edges_nm * 0.5
    sp_work = np.empty(stoich.shape[0])
    res_work = np.empty(5)
    jac_work = np.empty((5, 5))
    dy_work = np.empty(5)
    pattern = tableau_pattern(stoich)
    t = 0.0
    dt = 1e-3
    k_out = 0
    steps = 0
    ln_prev = np.zeros(5)       # solutions at the two speciations before the last one
    ln_prev2 = np.zeros(5)
    h_prev2 = 0.0
    h_last = 0.0                # the last three steps
    h_prev = 0.0
    stepped = False
    while k_out < out_times.size:
        # ---- warm start: extrapolate ln c in time from the last three solutions
        # (quadratic; linear after the first step).  Newton then needs fewer
        # iterations and converges to the same tolerance.
        if stepped:
            # Lagrange through (−h1−h2−h3, y3), (−h1−h2, y2), (−h1, y1), evaluated at 0
            x1 = -h_last
            x2 = -h_last - h_prev
            x3 = x2 - h_prev2
            quad = h_prev2 > 0.0 and h_prev > 0.0
            ratio = min(h_last / h_prev, 2.0) if h_prev > 0.0 else 0.0
            for j in range(5):
                d = 0.0
                if quad:
                    y = (ln_c[j] * x2 * x3 / ((x1 - x2) * (x1 - x3))
                         + ln_prev[j] * x1 * x3 / ((x2 - x1) * (x2 - x3))
                         + ln_prev2[j] * x1 * x2 / ((x3 - x1) * (x3 - x2)))
                    d = y - ln_c[j]
                elif h_prev > 0.0:
                    d = ratio * (ln_c[j] - ln_prev[j])
                ln_prev2[j] = ln_prev[j]
                ln_prev[j] = ln_c[j]
                ln_c[j] += max(-1.0, min(1.0, d))
            stepped = False
        # ---- speciation at the current totals
        totals[0] = h_total
        totals[1] = max(l0 - BDC_PER_TI * ti_part, 1e-14)
        totals[2] = max(par[I_A0], 1e-14)
        totals[3] = max(msol, 1e-16)
        totals[4] = max(par[I_B0], 1e-14)
        sp = _speciate_sparse(logk, stoich, pattern, totals, ln_c, sp_work, res_work, jac_work,
                              dy_work)
        m_free = sp[3]
        supersat = sp[8] / par[I_CSAT]
        theta = par[I_KCAP] * sp[2] / (1.0 + par[I_KCAP] * sp[2] + par[I_KMS] * (m_free + sp[8]))
        # ---- record
        if t >= out_times[k_out] - 1e-9:
            m0, m1, m2, m3 = size_moments(r_nm, n_per_L, nc)
            record[k_out, C_T] = t
            record[k_out, C_PREC] = prec
            record[k_out, C_WATER] = water
            record[k_out, C_MSOL] = msol
            record[k_out, C_TIO2] = tio2
            record[k_out, C_TIPART] = ti_part
            record[k_out, C_NPART] = m0
            if m0 > 0.0:
                mean = m1 / m0
                var = max(m2 / m0 - mean * mean, 0.0)
                record[k_out, C_MEAN_D] = 2.0 * mean
                record[k_out, C_DISP] = math.sqrt(var) / mean
            else:
                record[k_out, C_MEAN_D] = 0.0
                record[k_out, C_DISP] = 0.0
            record[k_out, C_PH] = -math.log10(sp[0])
            record[k_out, C_S] = supersat
            record[k_out, C_THETA] = theta
            record[k_out, C_FREE_L] = sp[1]
            record[k_out, C_FREE_A] = sp[2]
            log_histogram(r_nm, n_per_L, nc, radii_edges, hist[k_out])
            k_out += 1
            continue
        # ---- step size
        h = min(dt, par[I_DTMAX], out_times[k_out] - t)
        if h <= 0.0:
            h = 1e-9
        steps += 1
        # activation (exact for fixed water over the step)
        k_w = par[I_KACT] * water
        released = prec * (1.0 - math.exp(-k_w * h))
        released = min(released, water / par[I_WACT]) if par[I_WACT] > 0 else released
        prec -= released
        water -= par[I_WACT] * released
        msol += released
        # amorphous TiO2 from activated Ti and excess water (2 H2O per Ti)
        d_ox = par[I_KOX] * msol * water * water * h
        d_ox = min(d_ox, 0.5 * msol, 0.25 * water)
        msol -= d_ox
        water -= 2.0 * d_ox
        tio2 += d_ox
        # growth of every class by metal not held by the modulator, on uncapped sites
        k_eff = par[I_KS] * (1.0 - theta)
        taken = advance_classes(r_nm, n_per_L, nc, h, m_free + sp[8], par[I_CSATG], par[I_LCAP],
                                par[I_INVD], k_eff, VM_L_PER_MOL_TI, 0.3)
        msol -= taken
        ti_part += taken
        # nucleation from the metal–linker complex
        j = cnt_rate(supersat, par[I_ANUC], par[I_BNUC])
        took = 0.0
        if j > 0.0:
            r_star = par[I_LCAP] / math.log(supersat)
            if r_star < 0.3:
                r_star = 0.3
            dn = j * h
            per = units_per_particle(r_star, VM_L_PER_MOL_TI)
            if dn * per > 0.5 * max(msol, 0.0):
                dn = 0.5 * max(msol, 0.0) / per
            nc, took = add_nuclei(r_nm, n_per_L, nc, dn, r_star, VM_L_PER_MOL_TI, par[I_MERGE])
            msol -= took
            ti_part += took
        if msol < 0.0:       # growth overshoot: tiny, booked back from the particles
            ti_part += msol
            msol = 0.0
        t += h
        h_prev2 = h_prev
        h_prev = h_last
        h_last = h
        stepped = True
        # adapt: keep the change of dissolved Ti per step moderate
        change = abs(taken) + took + released + d_ox
        ref = msol + 1e-4 * par[I_P0]
        grow = par[I_CHANGE] * ref / change if change > 0.0 else 1.3
        dt = h * min(1.3, max(0.5, grow))
        if steps > 200000:            # safety net; not reached by the reference runs
            dt = max(dt, t_end / 20000.0)
    return nc, steps



@njit(cache=True, parallel=True)
def sweep_kernel(pars, logks, stoichs, out_times, n_times, max_classes, out):
    """Many syntheses in parallel (one per row of ``pars``), no Python in the loop.

    Row ``i`` runs with output times ``out_times[i, :n_times[i]]`` (s; the step control
    stops at every output time, so the same times give the same numbers as
    :func:`kinetics.growth.simulation.simulate`) and ``max_classes[i]`` particle classes.
    ``out[i]`` = (mean diameter nm, dispersity, crystalline yield, TiO2 fraction, steps
    taken) at the last output time.  Rows may differ in parameters as well as in conditions: this is
    the batch path of the calibration."""
    n = pars.shape[0]
    for i in prange(n):
        m = n_times[i]
        times = out_times[i, :m].copy()
        edges = np.array([0.1, 1e4])
        r = np.zeros(max_classes[i])
        npl = np.zeros(max_classes[i])
        rec = np.zeros((m, NCOL))
        hist = np.zeros((m, 1))
        nc, steps = synthesis_kernel(pars[i], logks[i], stoichs[i], times, edges, r, npl, rec,
                                     hist)
        out[i, 4] = steps
        out[i, 0] = rec[m - 1, C_MEAN_D]
        out[i, 1] = rec[m - 1, C_DISP]
        out[i, 2] = rec[m - 1, C_TIPART] / pars[i, I_P0]
        out[i, 3] = rec[m - 1, C_TIO2] / pars[i, I_P0]
