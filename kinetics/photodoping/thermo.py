"""Fermi level vs stored charge: the MIL-125 node ladder and the oxide conduction band.

MIL-125: each node is a redox ladder with sequential potentials E_1 > E_2 > ... (V vs
NHE); at potential E a node holds k pairs with weight prod_{j<=k} exp[F(E_j - E)/RT],
and E_chem(x) solves <k>(E) = x.  Oxide: a parabolic conduction band,
x = n/V = N_c F_1/2(eta), E_chem = E_CB(R) - eta k_BT/e with the confinement shift
hbar^2 pi^2/(2 m* R^2).  The Fermi level for adding the n-th electron is
E_n = E_chem((n - 1/2)/units) - gamma e (n - 1/2)/C(R), C = 4 pi eps0 eps_r R.
"""
from __future__ import annotations

import math

import numpy as np

from kinetics.photodoping.parameters import ladder, material_of

FARADAY_C_MOL = 96485.33212
GAS_J_MOL_K = 8.314462618
ELEMENTARY_C = 1.602176634e-19
EPS0_F_M = 8.8541878128e-12
HBAR_J_S = 1.054571817e-34
ELECTRON_KG = 9.1093837015e-31
BOLTZMANN_J_K = 1.380649e-23


def thermal_voltage(temperature_K: float) -> float:
    return GAS_J_MOL_K * temperature_K / FARADAY_C_MOL


def ladder_weights(E_V, ladder_V, temperature_K):
    """Charge-state fractions of one node at potential(s) E (V): shape (..., K+1)."""
    E = np.asarray(E_V, dtype=float)[..., None]
    lad = np.asarray(ladder_V, dtype=float)
    vt = thermal_voltage(temperature_K)
    steps = (lad - E) / vt                       # log weight of adding pair j at E
    logw = np.concatenate([np.zeros(E.shape), np.cumsum(steps, axis=-1)], axis=-1)
    logw -= logw.max(axis=-1, keepdims=True)
    w = np.exp(logw)
    return w / w.sum(axis=-1, keepdims=True)


def ladder_mean_pairs(E_V, ladder_V, temperature_K):
    """Mean pairs per node <k> at potential E (V)."""
    w = ladder_weights(E_V, ladder_V, temperature_K)
    return w @ np.arange(w.shape[-1], dtype=float)


def ladder_potential(x, ladder_V, temperature_K):
    """E_chem (V vs NHE) at which <k> = x pairs per node (0 < x < K; bisection)."""
    x = np.asarray(x, dtype=float)
    lad = np.asarray(ladder_V, dtype=float)
    k = lad.size
    vt = thermal_voltage(temperature_K)
    xs = np.clip(x, 1e-300, k - 1e-12)
    hi = np.full(x.shape, lad.max() + 800.0 * vt)       # <k> ~ 0 here
    lo = np.full(x.shape, lad.min() - 800.0 * vt)       # <k> ~ K here
    upper = xs > 0.5 * k          # near full filling compare the empty levels K - <k>
    holes = k - np.arange(k + 1, dtype=float)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        w = ladder_weights(mid, lad, temperature_K)
        more = np.where(upper, w @ holes < k - xs, w @ np.arange(k + 1.0) > xs)
        lo = np.where(more, mid, lo)
        hi = np.where(more, hi, mid)
    return 0.5 * (lo + hi)


def fermi_half(eta):
    """Normalised Fermi-Dirac integral F_1/2(eta) (-> e^eta; -> 4 eta^3/2/(3 sqrt pi)), 0.4 %.

    Bednarczyk & Bednarczyk, Phys. Lett. A 64 (1978) 409.
    """
    eta = np.asarray(eta, dtype=float)
    v = eta ** 4 + 50.0 + 33.6 * eta * (1.0 - 0.68 * np.exp(-0.17 * (eta + 1.0) ** 2))
    return 1.0 / (np.exp(-eta) + 0.75 * math.sqrt(math.pi) * v ** (-0.375))


def cb_effective_density_per_nm3(effective_mass: float, temperature_K: float) -> float:
    """N_c = 2 (m* k_B T / 2 pi hbar^2)^{3/2}, nm^-3."""
    m = effective_mass * ELECTRON_KG
    return 2.0 * (m * BOLTZMANN_J_K * temperature_K / (2 * math.pi * HBAR_J_S ** 2)) ** 1.5 * 1e-27


def cb_confinement_V(effective_mass: float, radius_nm: float) -> float:
    """Particle-in-a-sphere shift of the conduction-band edge, hbar^2 pi^2/(2 m* R^2 e) (V)."""
    m = effective_mass * ELECTRON_KG
    return HBAR_J_S ** 2 * math.pi ** 2 / (2 * m * (radius_nm * 1e-9) ** 2) / ELEMENTARY_C


def cb_potential(density_per_nm3, cb_edge_V, effective_mass, temperature_K):
    """E_chem (V vs NHE) of a conduction band holding the given electron density."""
    n = np.asarray(density_per_nm3, dtype=float)
    nc = cb_effective_density_per_nm3(effective_mass, temperature_K)
    target = np.maximum(n / nc, 1e-300)
    lo = np.full(n.shape, -800.0)
    hi = np.full(n.shape, 800.0)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        more = fermi_half(mid) > target
        hi = np.where(more, mid, hi)
        lo = np.where(more, lo, mid)
    eta = 0.5 * (lo + hi)
    return cb_edge_V - thermal_voltage(temperature_K) * eta


def charging_capacitance_F(cfg, diameter_nm: float) -> float:
    """C = 4 pi eps0 eps_r R of a sphere in the solvent (F)."""
    return 4 * math.pi * EPS0_F_M * cfg.sample.solvent_dielectric * 0.5 * diameter_nm * 1e-9


def step_potential(cfg, values, n_electrons, diameter_nm: float, nodes: float):
    """E_F (V vs NHE) for adding the n-th electron.

    E_chem((n - 1/2)/units) - gamma e (n - 1/2)/C; ``values`` is the parameter set.
    """
    m, T = material_of(cfg), cfg.sample.temperature_K
    q = np.asarray(n_electrons, dtype=float) - 0.5
    radius = 0.5 * diameter_nm
    if m.kind == "mil125":
        e_chem = ladder_potential(q / nodes, ladder(values), T)
    else:
        edge = m.cb_edge_V_vs_NHE - cb_confinement_V(m.effective_mass, radius)
        e_chem = cb_potential(q / nodes, edge, m.effective_mass, T)
    gamma = values["uncompensated_fraction"]
    if gamma > 0.0:
        e_chem = e_chem - gamma * ELEMENTARY_C * q / charging_capacitance_F(cfg, diameter_nm)
    return e_chem
