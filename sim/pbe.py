"""Population-balance kernels: classical nucleation and size-dependent growth (numba).

The size distribution is tracked as particle classes (method of characteristics,
one class per nucleation step, as in Kampmann–Wagner numerical models): class ``i``
holds ``n_per_L[i]`` particles per litre, all of radius ``r_nm[i]``.  Classes carry
no numerical diffusion, dissolve cleanly when Gibbs–Thomson makes them shrink below
``r_min_nm``, and conserve material exactly: every change of particle volume is
booked against the solution in the same step.

Conventions (plain floats, no units in the kernels beyond these):

- concentrations in mol/L; radii in nm; time in s;
- ``vm_L_per_mol``: crystal volume per mole of the counted unit (e.g. Ti), L/mol;
- a particle of radius r holds ``4/3 π r³ · 1e-24 / vm`` mol of units.

Growth law (mixed diffusion / surface-reaction control with a Gibbs–Thomson
solubility; Talapin et al., J. Phys. Chem. B 2001, 105, 12278)::

    dr/dt = vm · (c_bulk − c_sat·exp(l_c / r)) / (r / D + 1 / k_s)

``k_s`` is the effective surface rate constant (nm/s) – model code multiplies in the
fraction of free surface sites (1 − θ); ``D`` the diffusion coefficient (nm²/s);
``l_c`` the capillary length 2γv/(kT) (nm).  With c_eq held at its value at the start
of a step the equation integrates exactly: r²/(2D) + r/k_s = const + vm·Δc·t, so the
step is stable however small the particle.

Nucleation (classical nucleation theory): J = A exp(−B / ln² S) for S > 1, with
critical radius r* = l_c / ln S.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["cnt_rate", "critical_radius_nm", "units_per_particle", "grow_radius",
           "advance_classes", "add_nuclei", "particle_units", "log_histogram",
           "size_moments", "simulate_closed"]

_NM3_TO_L = 1e-24


@njit(cache=True)
def cnt_rate(supersaturation, prefactor, barrier):
    """Nucleation rate J = A exp(−B / ln² S) (units of A); zero for S <= 1."""
    if supersaturation <= 1.0:
        return 0.0
    ln_s = math.log(supersaturation)
    return prefactor * math.exp(-barrier / (ln_s * ln_s))


@njit(cache=True)
def critical_radius_nm(supersaturation, capillary_length_nm):
    """Critical nucleus radius r* = l_c / ln S (nm); inf for S <= 1."""
    if supersaturation <= 1.0:
        return np.inf
    return capillary_length_nm / math.log(supersaturation)


@njit(cache=True)
def units_per_particle(r_nm, vm_L_per_mol):
    """Moles of crystal units in one particle of radius ``r_nm``."""
    return 4.0 / 3.0 * math.pi * r_nm ** 3 * _NM3_TO_L / vm_L_per_mol


@njit(cache=True)
def grow_radius(r_nm, dt_s, c_bulk, c_eq, inv_diff_nm2_s, k_s_nm_s, vm_L_per_mol):
    """Exact radius after ``dt_s`` of mixed-control growth at fixed c_bulk and c_eq.

    Solves r²·invD/2 + r/k = r0²·invD/2 + r0/k + vm·(c_bulk − c_eq)·dt for r >= 0
    (``inv_diff_nm2_s`` = 1/D; 0 means reaction control only).  Returns 0 when the
    particle dissolves completely.
    """
    if k_s_nm_s <= 0.0:
        return r_nm
    rhs = 0.5 * inv_diff_nm2_s * r_nm * r_nm + r_nm / k_s_nm_s \
        + vm_L_per_mol * (c_bulk - c_eq) * dt_s
    if rhs <= 0.0:
        return 0.0
    a = 0.5 * inv_diff_nm2_s
    b = 1.0 / k_s_nm_s
    if a * rhs < 1e-12 * b * b:          # reaction-limited: linear in r
        return rhs / b
    # positive root of a r² + b r − rhs = 0, written to avoid cancellation
    return 2.0 * rhs / (b + math.sqrt(b * b + 4.0 * a * rhs))


@njit(cache=True)
def particle_units(r_nm, n_per_L, n_classes, vm_L_per_mol):
    """Moles per litre of crystal units held in the first ``n_classes`` classes."""
    tot = 0.0
    for i in range(n_classes):
        if n_per_L[i] > 0.0:
            tot += n_per_L[i] * units_per_particle(r_nm[i], vm_L_per_mol)
    return tot


@njit(cache=True)
def advance_classes(r_nm, n_per_L, n_classes, dt_s, c_bulk, c_sat, capillary_length_nm,
                    inv_diff_nm2_s, k_s_nm_s, vm_L_per_mol, r_min_nm):
    """Grow (or dissolve) every class for ``dt_s``; returns mol/L of units taken
    from solution (negative when particles dissolve).  Classes that shrink below
    ``r_min_nm`` dissolve entirely (their number is set to 0).

    Each class follows :func:`grow_radius` (its reference) with the step-invariant
    factors taken out of the loop, so a class costs one exp, one division and one
    square root; the units taken are N·(4/3 π r1³ − 4/3 π r0³)/vm, with the volume
    difference written as (r1 − r0)(r1² + r1 r0 + r0²)."""
    units_per_nm3 = 4.0 / 3.0 * math.pi * _NM3_TO_L / vm_L_per_mol
    grows = k_s_nm_s > 0.0
    a = 0.5 * inv_diff_nm2_s
    b = 1.0 / k_s_nm_s if grows else 0.0
    bb = b * b
    four_a = 4.0 * a
    linear_below = 1e-12 * b * b
    taken = 0.0
    for i in range(n_classes):
        n = n_per_L[i]
        if n <= 0.0:
            continue
        r0 = r_nm[i]
        r1 = r0
        if grows:
            c_eq = c_sat * math.exp(capillary_length_nm / r0)
            rhs = a * r0 * r0 + r0 * b + vm_L_per_mol * (c_bulk - c_eq) * dt_s
            if rhs <= 0.0:
                r1 = 0.0
            elif a * rhs < linear_below:
                r1 = rhs / b
            else:
                r1 = 2.0 * rhs / (b + math.sqrt(bb + four_a * rhs))
        if r1 < r_min_nm:
            taken -= n * units_per_nm3 * (r0 * r0 * r0)
            n_per_L[i] = 0.0
            r_nm[i] = 0.0
        else:
            taken += n * units_per_nm3 * ((r1 - r0) * (r1 * r1 + r1 * r0 + r0 * r0))
            r_nm[i] = r1
    return taken


@njit(cache=True)
def add_nuclei(r_nm, n_per_L, n_classes, new_per_L, r_new_nm, vm_L_per_mol, merge_ratio):
    """Add ``new_per_L`` nuclei of radius ``r_new_nm``.

    They join the newest class if its radius is below ``merge_ratio · r_new_nm`` (the
    merged radius keeps the total volume), otherwise they open a new class; when the
    arrays are full they always join the newest class.  Returns
    ``(n_classes, mol/L of units taken from solution)``.
    """
    if new_per_L <= 0.0:
        return n_classes, 0.0
    taken = new_per_L * units_per_particle(r_new_nm, vm_L_per_mol)
    last = n_classes - 1
    if last >= 0 and (r_nm[last] < merge_ratio * r_new_nm or n_classes == r_nm.size) \
            and n_per_L[last] > 0.0:
        n_old = n_per_L[last]
        vol = n_old * r_nm[last] ** 3 + new_per_L * r_new_nm ** 3
        n_per_L[last] = n_old + new_per_L
        r_nm[last] = (vol / n_per_L[last]) ** (1.0 / 3.0)
        return n_classes, taken
    if n_classes == r_nm.size:  # full and the newest class is empty: reuse it
        r_nm[last] = r_new_nm
        n_per_L[last] = new_per_L
        return n_classes, taken
    r_nm[n_classes] = r_new_nm
    n_per_L[n_classes] = new_per_L
    return n_classes + 1, taken


@njit(cache=True)
def size_moments(r_nm, n_per_L, n_classes):
    """(μ0, μ1, μ2, μ3) of the radius distribution: Σ N_i r_i^k."""
    m0 = 0.0
    m1 = 0.0
    m2 = 0.0
    m3 = 0.0
    for i in range(n_classes):
        n = n_per_L[i]
        if n > 0.0:
            r = r_nm[i]
            m0 += n
            m1 += n * r
            m2 += n * r * r
            m3 += n * r * r * r
    return m0, m1, m2, m3


@njit(cache=True)
def log_histogram(r_nm, n_per_L, n_classes, edges_nm, out):
    """Number per litre of particles per bin of radius (``edges_nm`` increasing,
    usually log-spaced); particles outside the edges go to the end bins."""
    nb = edges_nm.size - 1
    for j in range(nb):
        out[j] = 0.0
    lo = math.log(edges_nm[0])
    step = (math.log(edges_nm[nb]) - lo) / nb
    for i in range(n_classes):
        n = n_per_L[i]
        if n <= 0.0:
            continue
        k = int((math.log(r_nm[i]) - lo) / step)
        if k < 0:
            k = 0
        if k >= nb:
            k = nb - 1
        out[k] += n


@njit(cache=True)
def simulate_closed(c0, feed_M_s, t_end_s, dt_s, c_sat, prefactor, barrier,
                    capillary_length_nm, inv_diff_nm2_s, k_s_nm_s, vm_L_per_mol,
                    r_nucleus_nm, max_classes):
    """A closed nucleation–growth batch with a constant feed of solute.

    Solute ``c`` (mol/L) starts at ``c0`` and is fed at ``feed_M_s``; nuclei form at
    the CNT rate with S = c / c_sat, with radius ``r_nucleus_nm`` (or the critical
    radius when ``r_nucleus_nm`` <= 0); all classes grow by the mixed-control law.
    Used by tests (mass balance, moments, closed forms) and as the model's
    template.  Returns ``(r_nm, n_per_L, n_classes, c_final, fed_total)``.
    """
    r = np.zeros(max_classes)
    n = np.zeros(max_classes)
    nc = 0
    c = c0
    fed = 0.0
    t = 0.0
    while t < t_end_s - 1e-12:
        h = min(dt_s, t_end_s - t)
        c += feed_M_s * h
        fed += feed_M_s * h
        c -= advance_classes(r, n, nc, h, c, c_sat, capillary_length_nm, inv_diff_nm2_s,
                             k_s_nm_s, vm_L_per_mol, 0.05)
        s = c / c_sat
        j = cnt_rate(s, prefactor, barrier)
        if j > 0.0:
            rn = r_nucleus_nm if r_nucleus_nm > 0.0 else critical_radius_nm(s, capillary_length_nm)
            dn = j * h
            per = units_per_particle(rn, vm_L_per_mol)
            if dn * per > 0.5 * c:           # never take more than half the solute
                dn = 0.5 * c / per
            nc, took = add_nuclei(r, n, nc, dn, rn, vm_L_per_mol, 1.0)
            c -= took
        t += h
    return r, n, nc, c, fed
