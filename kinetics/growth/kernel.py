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
from sim.pbe import (add_nuclei, advance_classes, cnt_rate, log_histogram, particle_units,
                     size_moments, units_per_particle)

# indices of the parameter vector passed to the kernels (the material's numbers included:
# linker per metal, crystal volume per metal, acid left per metal by the precursor)
(I_TEND, I_P0, I_W0, I_L0, I_A0, I_B0, I_KACT, I_WACT, I_KOX, I_CSAT, I_ANUC, I_BNUC,
 I_LCAP, I_KS, I_INVD, I_CSATG, I_KCAP, I_KMS, I_DTMAX, I_MERGE, I_CHANGE, I_LPM, I_VM,
 I_ACID, I_KDMF, I_DMF_H, I_KCAPF, I_NPAR) = range(28)

# components and species of the speciation tableau (kinetics.growth.simulation)
N_COMP = 6            # H+, BDC2-, A-, M, base (dimethylamine), F- (formate from DMF)
S_H, S_L, S_A, S_M, S_B, S_F = range(6)
S_ML = 9              # the metal-linker complex M.BDC (growth unit of nucleation)
N_LOGK = 15           # species rows

# columns of the per-output-time record
(C_T, C_PREC, C_WATER, C_MSOL, C_TIO2, C_TIPART, C_NPART, C_MEAN_D, C_DISP, C_PH, C_S,
 C_THETA, C_FREE_L, C_FREE_A, C_BASE, C_THETA_A, NCOL) = range(17)


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
    base = par[I_B0]           # dimethylamine (and formic acid) from DMF hydrolysis, mol/L
    nco = stoich.shape[1]
    totals = np.empty(nco)
    ln_c = np.empty(nco)
    ln_c[S_H] = math.log(1e-4)
    ln_c[S_L] = math.log(1e-9)
    ln_c[S_A] = math.log(max(par[I_A0], 1e-12) * 0.01)
    ln_c[S_M] = math.log(1e-12)
    ln_c[S_B] = math.log(1e-15)
    ln_c[S_F] = math.log(1e-15)
    radii_edges = edges_nm * 0.5
    sp_work = np.empty(stoich.shape[0])
    res_work = np.empty(nco)
    jac_work = np.empty((nco, nco))
    dy_work = np.empty(nco)
    pattern = tableau_pattern(stoich)
    t = 0.0
    dt = 1e-3
    k_out = 0
    steps = 0
    ln_prev = np.zeros(nco)     # solutions at the two speciations before the last one
    ln_prev2 = np.zeros(nco)
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
            for j in range(nco):
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
        totals[S_H] = max(h_total, 1e-14)
        totals[S_L] = max(l0 - par[I_LPM] * ti_part, 1e-14)
        totals[S_A] = max(par[I_A0], 1e-14)
        totals[S_M] = max(msol, 1e-16)
        totals[S_B] = max(base, 1e-14)
        totals[S_F] = max(base, 1e-14)
        sp = _speciate_sparse(logk, stoich, pattern, totals, ln_c, sp_work, res_work, jac_work,
                              dy_work)
        m_free = sp[S_M]
        supersat = sp[S_ML] / par[I_CSAT]
        cap_a = par[I_KCAP] * sp[S_A]
        cap_f = par[I_KCAPF] * sp[S_F]
        denom = 1.0 + cap_a + cap_f + par[I_KMS] * (m_free + sp[S_ML])
        theta = (cap_a + cap_f) / denom
        theta_a = cap_a / denom
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
            record[k_out, C_FREE_L] = sp[S_L]
            record[k_out, C_FREE_A] = sp[S_A]
            record[k_out, C_BASE] = base
            record[k_out, C_THETA_A] = theta_a
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
        h_total += par[I_ACID] * released      # strong acid (HCl) left by the precursor
        # DMF + H2O -> dimethylamine + formic acid (acid catalysed), first order in water
        d_base = par[I_KDMF] * (1.0 + par[I_DMF_H] * sp[S_H]) * water * h
        d_base = min(d_base, 0.5 * water)
        water -= d_base
        base += d_base
        h_total += d_base                       # the proton of HCOOH
        # amorphous TiO2 from activated Ti and excess water (2 H2O per Ti)
        d_ox = par[I_KOX] * msol * water * water * h
        d_ox = min(d_ox, 0.5 * msol, 0.25 * water)
        msol -= d_ox
        water -= 2.0 * d_ox
        tio2 += d_ox
        # growth of every class by metal not held by the modulator, on uncapped sites
        k_eff = par[I_KS] * (1.0 - theta)
        taken = advance_classes(r_nm, n_per_L, nc, h, m_free + sp[S_ML], par[I_CSATG],
                                par[I_LCAP], par[I_INVD], k_eff, par[I_VM], 0.3)
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
            per = units_per_particle(r_star, par[I_VM])
            if dn * per > 0.5 * max(msol, 0.0):
                dn = 0.5 * max(msol, 0.0) / per
            nc, took = add_nuclei(r_nm, n_per_L, nc, dn, r_star, par[I_VM], par[I_MERGE])
            msol -= took
            ti_part += took
        if msol < 0.0:       # growth overshoot within the step: taken back from the
            # particles, every class shrunk by the same volume fraction
            tot = particle_units(r_nm, n_per_L, nc, par[I_VM])
            if tot > 0.0:
                f = max((tot + msol) / tot, 0.0) ** (1.0 / 3.0)
                for i in range(nc):
                    r_nm[i] *= f
            taken += msol
            ti_part += msol
            msol = 0.0
        # the linker's two protons leave the solution with each linker built into the
        # framework (taken up by the alkoxide as ROH, or left as HX: I_ACID above)
        h_total -= 2.0 * par[I_LPM] * (taken + took)
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
        if steps > 4000.0 / par[I_CHANGE]:   # safety net (2e5 steps at the default 0.02)
            dt = max(dt, t_end / 20000.0)
    return nc, steps



# columns of the sweep kernel's output rows
O_D, O_DISP, O_YIELD, O_TIO2, O_STEPS, O_THETA_A, O_R2R3, O_BASE, O_NCLASS, O_NCOL = range(10)


@njit(cache=True, parallel=True)
def sweep_kernel(pars, logks, stoichs, out_times, n_times, max_classes, out):
    """Many syntheses in parallel (one per row of ``pars``), no Python in the loop.

    Row ``i`` runs with output times ``out_times[i, :n_times[i]]`` (s; the step control
    stops at every output time, so the same times give the same numbers as
    :func:`kinetics.growth.simulation.simulate`) and ``max_classes[i]`` particle classes.
    ``out[i]`` = (mean diameter nm, dispersity, crystalline yield, TiO2 fraction, steps
    taken, modulator surface coverage, sum n r² / sum n r³ (1/nm), base generated M) at the
    last output time (columns ``O_*``).  Rows may differ in parameters as well as in conditions: this is
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
        out[i, 5] = rec[m - 1, C_THETA_A]
        m0, m1, m2, m3 = size_moments(r, npl, nc)
        out[i, 6] = m2 / m3 if m3 > 0.0 else 0.0
        out[i, 7] = rec[m - 1, C_BASE]
        out[i, 8] = nc
