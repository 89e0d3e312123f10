"""Compiled photostationary E_F for many parameter sets at once (the calibration path).

The photostationary state of a birth-death chain follows from detailed balance,
P(n+1)/P(n) = birth(n)/death(n+1) (:func:`sim.master.stationary`); the E_oc plateau is
the Fermi level at its mean charge.  Everything that does not depend on the sampled
parameters (the ladder potentials of every chain state, the geometric absorption cross
sections, the state grid) is tabulated once per particle size (:class:`Chain`), with the
ladder's first level at 0 V: moving the whole ladder by E_1 moves every E_F by E_1, so
the sampled ladder position enters the kernel as a shift; the
kernel :func:`stationary_potentials` then costs one pass over the states per parameter
set and size.  Its plain twin is ``rate_tables`` + ``sim.master.stationary`` +
``potential_at`` (compared in the tests).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numba import njit

from kinetics.photodoping.parameters import (couple_potential_V_vs_NHE, kq_total_per_s, ladder,
                                             mass_conc_ug_per_mL, material_of)
from kinetics.photodoping.rates import (chain_states, photon_flux_density, sample_absorbance,
                                        sites_for, sphere_absorbed_fraction)
from kinetics.photodoping.thermo import (ELEMENTARY_C, charging_capacitance_F, step_potential,
                                         thermal_voltage)
from sim.config import replace

# per-set scalars handed to the kernel, in this order
SET_KEYS = ("back_rate_constant_per_nm2_s", "transfer_coefficient", "auger_per_s",
            "auger_exponent", "kq_total_per_s", "recombination_per_s", "current_doubling",
            "couple_potential_V_vs_NHE (from the quencher preset and the parameters)",
            "ladder_first_V_vs_NHE (the ladder's position; the tables hold it at 0 V)")


@njit(cache=True)
def ladder_occupancy_scalar(E, lad, vt):
    """(<k>, K - <k>) at potential E (V) for the ladder ``lad`` (same algebra as
    thermo.ladder_mean_pairs); both summed directly, so the empty levels carry no
    cancellation near full filling."""
    k = lad.size
    logw = np.empty(k + 1)
    logw[0] = 0.0
    acc = 0.0
    for j in range(k):
        acc += (lad[j] - E) / vt
        logw[j + 1] = acc
    mx = logw.max()
    s = 0.0
    pairs = 0.0
    holes = 0.0
    for j in range(k + 1):
        w = math.exp(logw[j] - mx)
        s += w
        pairs += j * w
        holes += (k - j) * w
    return pairs / s, holes / s


@njit(cache=True)
def ladder_mean_pairs_scalar(E, lad, vt):
    """<k> at potential E (V) for the ladder ``lad``."""
    return ladder_occupancy_scalar(E, lad, vt)[0]


@njit(cache=True)
def ladder_potential_scalar(x, lad, vt):
    """E (V) at which <k> = x (bisection, as thermo.ladder_potential)."""
    k = lad.size
    xs = min(max(x, 1e-300), k - 1e-12)
    hi = lad.max() + 800.0 * vt
    lo = lad.min() - 800.0 * vt
    upper = xs > 0.5 * k                     # compare empty levels there (well conditioned)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if upper:
            more = ladder_occupancy_scalar(mid, lad, vt)[1] < k - xs
        else:
            more = ladder_mean_pairs_scalar(mid, lad, vt) > xs
        if more:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@njit(cache=True)
def stationary_potentials(log_xs, theta, e_death, n_states, grid, area_nm2, nodes, charge_V,
                          lad, vt, flux, sets):
    """Photostationary E_F (V vs NHE) for every parameter set and chain.

    log_xs, theta, e_death  (C, S) per chain state j: log of the geometric absorption cross
                        section pi R^2 Q(alpha(n) R) (cm^2), filling n/N_s, E for n-1 -> n (V)
    n_states            (C,) states of each chain
    grid                (C, S) electrons held in chain state j (graded grid, rates.chain_states)
    area_nm2, nodes     (C,) particle area and acceptor units
    charge_V            (C,) gamma e / C(R) (V per electron; 0 when compensated)
    lad, vt             node ladder with its first level at 0 V (V) and RT/F (V)
    flux                (N, C) photon flux density seen by each chain (cm^-2 s^-1)
    sets                (N, 9) the scalars named in SET_KEYS
    Returns (N, C): E_F at the stationary mean charge.

    log P(j+1)/P(j) = log birth(j) - log death(j+1) with
    birth(j) = beta Phi xs_j k_q/(k_q + k_rec + k_A theta_j^p) / L and
    death(j+1) = A k0 exp(-alpha (E_{j+1} - E_c)/vt) / L, L = n_{j+1} - n_j the step
    between the two states (it cancels in the ratio), taken in logs (no overflow).
    """
    n_sets = sets.shape[0]
    n_ch = log_xs.shape[0]
    out = np.empty((n_sets, n_ch))
    logs = np.empty(log_xs.shape[1])
    for s in range(n_sets):
        k0 = sets[s, 0]
        a = sets[s, 1]
        k_a = sets[s, 2]
        p = sets[s, 3]
        kq = sets[s, 4]
        k_rec = sets[s, 5]
        beta = sets[s, 6]
        e_c = sets[s, 7]
        shift = sets[s, 8]
        for c in range(n_ch):
            m = n_states[c]
            logs[0] = 0.0
            best = 0.0
            if kq <= 0.0 or beta * flux[s, c] <= 0.0:
                for j in range(1, m):
                    logs[j] = -math.inf
            else:
                # log birth - log death without the state-dependent parts
                const = math.log(beta * flux[s, c] * kq) - math.log(area_nm2[c] * k0)
                log_p = 0.0
                for j in range(m - 1):
                    t = theta[c, j]
                    tp = t * t if p == 2.0 else (t if p == 1.0 else t ** p)
                    denom = kq + k_rec + k_a * tp
                    x = -a * (e_death[c, j + 1] + shift - e_c) / vt
                    x = min(max(x, -700.0), 700.0)
                    log_p += const + log_xs[c, j] - math.log(denom) - x
                    logs[j + 1] = log_p
                    if log_p > best:
                        best = log_p
            tot = 0.0
            mean = 0.0
            for j in range(m):
                u = logs[j] - best
                if u > -745.0:                    # exp underflows to 0 below: skip the call
                    w = math.exp(u)
                    tot += w
                    mean += grid[c, j] * w
            # E_F at charge n: the (n+1)-th step potential (the last one's when full)
            q = min(mean / tot + 0.5, grid[c, m - 1] - 0.5)
            out[s, c] = (ladder_potential_scalar(q / nodes[c], lad, vt) + shift
                         - charge_V[c] * q)
    return out


@dataclass(frozen=True)
class Chain:
    """The parameter-independent tables of one particle size (MIL-125 ladder)."""

    diameter_nm: float
    n_states: int
    lump: int
    grid: np.ndarray
    nodes: float
    area_nm2: float
    charge_V: float
    log_xs: np.ndarray
    theta: np.ndarray
    e_death: np.ndarray


def _at_zero(values) -> dict:
    """The parameter set with the ladder's first level at 0 V (the tables' frame)."""
    return dict(values, ladder_first_V_vs_NHE=0.0)


def _chain_key(cfg, values, diameter_nm, max_states):
    return (float(diameter_nm), int(max_states), cfg.material.preset,
            tuple(ladder(_at_zero(values))),
            cfg.sample.temperature_K, cfg.sample.solvent_dielectric,
            values["uncompensated_fraction"], values["absorption_coefficient_per_cm"],
            values["bleach_max"])


@lru_cache(maxsize=64)
def _chain_cached(key, cfg, values_items):
    values = dict(values_items)
    diameter_nm, max_states = key[0], key[1]
    sites, nodes = sites_for(cfg, values, diameter_nm)
    lump, n = chain_states(sites, max_states)
    theta = n / sites
    r_cm = 0.5 * diameter_nm * 1e-7
    alpha = values["absorption_coefficient_per_cm"] * (1.0 - values["bleach_max"] * theta)
    xs = math.pi * r_cm ** 2 * sphere_absorbed_fraction(alpha * r_cm)
    e_death = step_potential(cfg, values, np.maximum(n, 1.0), diameter_nm, nodes)
    gamma = values["uncompensated_fraction"]
    charge = gamma * ELEMENTARY_C / charging_capacitance_F(cfg, diameter_nm) if gamma > 0 else 0.0
    with np.errstate(divide="ignore"):
        log_xs = np.log(xs)
    return Chain(diameter_nm, n.size, lump, n, nodes, math.pi * diameter_nm ** 2, charge,
                 log_xs, theta, e_death)


def chain(cfg, values, diameter_nm: float, max_states: int) -> Chain:
    if material_of(cfg).kind != "mil125" or cfg.back_reaction.reversible:
        raise ValueError("the compiled plateau path covers the MIL-125 ladder with an "
                         "irreversible back reaction; use solve.stationary_only otherwise")
    key = _chain_key(cfg, values, diameter_nm, max_states)
    values = _at_zero(values)
    # only the key's quantities enter the tables; pass the values that set them
    relevant = tuple(sorted((k, float(values[k])) for k in values if k.startswith("ladder_")
                            or k in ("uncompensated_fraction", "absorption_coefficient_per_cm",
                                     "bleach_max")))
    return _chain_cached(key, cfg, relevant)


def photostationary_batch(cfg, values_list, max_states: int) -> np.ndarray:
    """Photostationary E_F (V vs NHE) of a monodisperse experiment for many parameter sets.

    The tables are shared by sets with the same fixed parameters (the usual case in a fit);
    sets that differ in them are grouped.  Returns an array (N,).
    """
    if cfg.particles.distribution != "monodisperse":
        raise ValueError("the compiled plateau path covers monodisperse experiments")
    d = cfg.particles.diameter_nm
    out = np.empty(len(values_list))
    groups: dict = {}
    for i, v in enumerate(values_list):
        groups.setdefault(_chain_key(cfg, v, d, max_states), []).append(i)
    vt = thermal_voltage(cfg.sample.temperature_K)
    diam = np.full(cfg.particles.n_particles, d)
    for idx in groups.values():
        v0 = values_list[idx[0]]
        ch = chain(cfg, v0, d, max_states)
        lad = np.asarray(ladder(_at_zero(v0)), float)
        # the absorbance is proportional to the mass concentration: one evaluation per group
        unit = replace(cfg, **{"sample.mass_conc_ug_per_mL": 1.0})
        a_per_conc = sample_absorbance(unit, v0, diam)
        flux = np.empty((len(idx), 1))
        sets = np.empty((len(idx), len(SET_KEYS)))
        for r, i in enumerate(idx):
            v = values_list[i]
            flux[r, 0] = photon_flux_density(cfg, v, a_per_conc * mass_conc_ug_per_mL(cfg, v))
            kq = kq_total_per_s(cfg)
            sets[r] = [v["back_rate_constant_per_nm2_s"], v["transfer_coefficient"],
                       v["auger_per_s"], v["auger_exponent"], kq, v["recombination_per_s"],
                       v["current_doubling"], couple_potential_V_vs_NHE(cfg, v),
                       v["ladder_first_V_vs_NHE"]]
        e = stationary_potentials(ch.log_xs[None, :], ch.theta[None, :], ch.e_death[None, :],
                                  np.array([ch.n_states]), ch.grid[None, :],
                                  np.array([ch.area_nm2]), np.array([ch.nodes]),
                                  np.array([ch.charge_V]), lad, vt, flux, sets)
        out[idx] = e[:, 0]
    return out


__all__ = ["Chain", "chain", "photostationary_batch", "stationary_potentials",
           "ladder_potential_scalar", "ladder_mean_pairs_scalar", "SET_KEYS"]
