"""QD + catalyst chemistry: sizes, ascorbate speciation, catalyst binding, light absorption,
and the per-QD rate constants the kernels need.

The scalar part (:func:`qd_scalars`) is compiled so that the batch kernel of the
calibration (:mod:`kinetics.photocatalysis.kernel`) and a single run use the same code.
Inputs are packed in two float vectors: the mechanism parameters in the order of
:data:`QD_PARAMETERS`, and the experimental conditions in the order of :data:`CONDITIONS`
(:func:`conditions_vector`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from kinetics import analysis
from kinetics.photophysics import AVOGADRO, photon_energy_J

from .config import CONC_BASES, LIGHT_SOURCES

__all__ = ["CDTE_LATTICE_NM", "MOLAR_MASS_G_MOL", "cd_per_qd", "ha_minus_M", "langmuir_bound_M",
           "poisson_weights", "QD_PARAMETERS", "CONDITIONS", "parameters_vector",
           "conditions_vector", "qd_scalars", "QDRates", "qd_rates", "rates_from_scalars",
           "expint_e1", "aggregation_constants", "coagulation_integral", "monomer_fraction",
           "aggregation_time"]

CDTE_LATTICE_NM = {"CdTe": 0.6481, "CdSe": 0.6077, "CdS": 0.5832}  # zinc blende a
MOLAR_MASS_G_MOL = {"CdTe": 240.01, "CdSe": 191.37, "CdS": 144.48}  # per formula unit


def cd_per_qd(diameter_nm: float, material: str = "CdTe") -> float:
    """Cd atoms in a spherical zinc-blende QD: (π/6)D³ / (a³/4)."""
    a = CDTE_LATTICE_NM[material]
    return (math.pi / 6.0) * diameter_nm ** 3 / (a ** 3 / 4.0)


@njit(cache=True)
def ha_minus_M(total_M, pH, pKa1, pKa2):
    """Ascorbate monoanion HA- (M) at a set pH: total · K1[H+] / ([H+]² + K1[H+] + K1K2)."""
    h = 10.0 ** (-pH)
    k1 = 10.0 ** (-pKa1)
    k2 = 10.0 ** (-pKa2)
    return total_M * k1 * h / (h * h + k1 * h + k1 * k2)


@njit(cache=True)
def langmuir_bound_M(catalyst_M, sites_M, K_per_M):
    """Bound catalyst (M) for site + Co <-> site·Co with mass balance of both:
    the smaller root of K(c − b)(s − b) = b, in the cancellation-free form."""
    if catalyst_M <= 0.0 or sites_M <= 0.0:
        return 0.0
    b = K_per_M * (catalyst_M + sites_M) + 1.0
    disc = b * b - 4.0 * K_per_M * K_per_M * catalyst_M * sites_M
    return 2.0 * K_per_M * catalyst_M * sites_M / (b + math.sqrt(max(disc, 0.0)))


@njit(cache=True)
def _poisson_weights(mean, m_max):
    w = np.zeros(m_max + 1)
    if mean <= 0.0:
        w[0] = 1.0
        return w
    lm = math.log(mean)
    s = 0.0
    for m in range(m_max + 1):
        w[m] = math.exp(m * lm - mean - math.lgamma(m + 1.0))
        s += w[m]
    w[m_max] += max(0.0, 1.0 - s)
    return w


def poisson_weights(mean: float, m_max: int) -> np.ndarray:
    """P(m) for m = 0..m_max (the tail beyond m_max is folded into m_max)."""
    return _poisson_weights(float(mean), int(m_max))


# ----------------------------------------------------------------------------- packed inputs

#: Mechanism parameters of the QD system, in the order of the packed vector.
QD_PARAMETERS = ("qd_lifetime_ns", "k_et_per_s", "langmuir_K_per_M", "binding_sites_per_qd",
                 "k_hole_per_M_s", "k_bet_per_s", "k_lig_per_s", "n_ligand_crit",
                 "k_int_decay_per_s", "pKa_hydride", "pKa1_ascorbic", "pKa2_ascorbic",
                 "xe_incident_flux_umol_h", "xe_bandpass_absorbed_power_mW",
                 "epsilon_ratio_excitation", "qd_particle_conc_M",
                 "qd_ligand_oxidation_per_photon", "qd_thiolate_density_per_nm2",
                 "qd_barrier_kT", "water_viscosity_mPa_s")
(_TAU, _KET, _KL, _SITES, _KHOLE, _KBET, _KLIG, _NCRIT, _KDEC, _PKAH, _PKA1, _PKA2, _XEFLUX,
 _BPPOWER, _EPSR, _QDCONC, _POX, _LIGDENS, _BARRIER, _VISC) = range(len(QD_PARAMETERS))

#: Experimental conditions of a QD run, in the order of the packed vector.
CONDITIONS = ("conc_basis", "conc_M", "cd_per_qd", "eps_first_exciton_M_cm", "catalyst_M", "pH",
              "ascorbic_acid_M", "volume_L", "path_length_cm", "light_source", "photon_energy_J",
              "absorbed_power_mW", "diameter_nm")
(_BASIS, _CONC, _CDPER, _EPS1, _CAT, _PH, _H2A, _VOL, _PATH, _LIGHT, _EPHOT,
 _POWER, _DIAM) = range(len(CONDITIONS))


def parameters_vector(values: dict) -> np.ndarray:
    return np.array([float(values[k]) for k in QD_PARAMETERS])


def conditions_vector(cfg) -> np.ndarray:
    """The packed conditions of a ``qd_catalyst`` config (sizes from Peng's sizing curve)."""
    q, sol, light = cfg.quantum_dots, cfg.solution, cfg.light
    d_nm = analysis.peng_diameter_nm(q.first_exciton_nm, q.material)
    return np.array([
        float(CONC_BASES.index(q.conc_basis)), q.conc_M, cd_per_qd(d_nm, q.material),
        analysis.peng_extinction_M_cm(d_nm, q.material), cfg.catalyst.conc_M, sol.pH,
        sol.ascorbic_acid_M, sol.volume_mL * 1e-3, sol.path_length_cm,
        float(LIGHT_SOURCES.index(light.source)), photon_energy_J(light.wavelength_nm),
        light.absorbed_power_mW, d_nm])


_N_SCALARS = 11

K_BOLTZMANN_J_K = 1.380649e-23
TEMPERATURE_K = 298.15
_EULER_GAMMA = 0.5772156649015329


@njit(cache=True)
def expint_e1(x):
    """Exponential integral E1(x) = ∫_x^∞ e^{-u}/u du, x > 0 (series below 1, Lentz
    continued fraction above; Press et al., Numerical Recipes, 3rd ed., §6.3)."""
    if x <= 0.0:
        return math.inf
    if x > 740.0:
        return 0.0
    if x <= 1.0:
        s = 0.0
        term = 1.0
        for k in range(1, 80):
            term *= -x / k
            add = -term / k
            s += add
            if abs(add) < 1e-17 * abs(s):
                break
        return -_EULER_GAMMA - math.log(x) + s
    b = x + 1.0
    c = 1e300
    d = 1.0 / b
    h = d
    for i in range(1, 500):
        an = -float(i * i)
        b += 2.0
        d = 1.0 / (an * d + b)
        c = b + an / c
        de = c * d
        h *= de
        if abs(de - 1.0) < 1e-16:
            break
    return h * math.exp(-x)


@njit(cache=True)
def aggregation_constants(par, cond, qd_M, k_abs):
    """(k_ox s⁻¹, c0 s⁻¹, barrier ln W0) of the photo-oxidation + coagulation chain.

    Thiolate ligands are photo-oxidised (Aldana, Wang & Peng, JACS 2001, 123, 8844) at
    p_ox ligands per absorbed photon, first order in the intact ones: the intact fraction is
    θ = e^{-k_ox t}, k_ox = k_abs p_ox / n_lig, n_lig = density × π D².  Coagulation is
    Smoluchowski's (constant kernel K = 8 k_B T / (3 η), monomers n1 = N0/(1 + τ)²,
    dτ/dt = (K N0 / 2) / W) slowed by the stability ratio W = W0^{θ²} (Fuchs; Reerink &
    Overbeek: ln W ≈ V_max/kT with the double-layer barrier V_max ∝ ψ0² ∝ θ²)."""
    d = cond[_DIAM]
    n_lig = par[_LIGDENS] * math.pi * d * d
    k_ox = k_abs * par[_POX] / n_lig if n_lig > 0.0 else 0.0
    k_fast = 8.0 * K_BOLTZMANN_J_K * TEMPERATURE_K / (3.0 * par[_VISC] * 1e-3)   # m^3 s^-1
    n0 = qd_M * AVOGADRO * 1e3                                                      # m^-3
    return k_ox, 0.5 * k_fast * n0, par[_BARRIER]


@njit(cache=True)
def coagulation_integral(t, k_ox, barrier):
    """∫_0^t 1/W ds = ∫_0^t exp(−L e^{−2 k_ox s}) ds (s) with L = ln W0: the exact
    (E1(L e^{−2 k t}) − E1(L)) / (2k), its first-order form for 2kt < 1e-7."""
    if t <= 0.0:
        return 0.0
    if barrier <= 0.0:
        return t
    a = 2.0 * k_ox * t
    if a < 1e-7:
        if a * barrier < 1e-300:
            return t * math.exp(-barrier)
        return math.exp(-barrier) * math.expm1(a * barrier) * t / (a * barrier)
    return (expint_e1(barrier * math.exp(-a)) - expint_e1(barrier)) / (2.0 * k_ox)


@njit(cache=True)
def monomer_fraction(t, k_ox, c0, barrier):
    """Fraction of QDs still single (not aggregated) at t: 1/(1 + τ)², τ = c0 ∫ 1/W."""
    tau = c0 * coagulation_integral(t, k_ox, barrier)
    return 1.0 / ((1.0 + tau) * (1.0 + tau))


@njit(cache=True)
def aggregation_time(u, k_ox, c0, barrier, t_max):
    """The time at which a QD joins an aggregate, for a uniform u in (0, 1): the root of
    monomer_fraction(t) = u on [0, t_max] by bisection; inf when it lies beyond t_max."""
    if c0 <= 0.0:
        return math.inf
    target = (1.0 / math.sqrt(u) - 1.0) / c0
    if coagulation_integral(t_max, k_ox, barrier) < target:
        return math.inf
    lo = 0.0
    hi = t_max
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if coagulation_integral(mid, k_ox, barrier) < target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * t_max:
            break
    return hi


@njit(cache=True)
def qd_scalars(par, cond):
    """Per-QD quantities of one run: returns
    (qd_M, n_qd_mol, mean catalysts per QD, bound catalyst M, photons absorbed per QD per s,
    absorbed photon flux mol s⁻¹, [HA-] M, hydride fraction f_H, fraction of transferred
    electrons delivered, fraction causing ligand damage, 1/τ0 s⁻¹)."""
    basis = int(cond[_BASIS])
    if basis == 0:          # "cd"
        qd_M = cond[_CONC] / cond[_CDPER]
    elif basis == 1:        # "particles"
        qd_M = cond[_CONC]
    else:                   # "unreported": the nuisance parameter
        qd_M = par[_QDCONC]
    n_qd_mol = qd_M * cond[_VOL]
    bound = langmuir_bound_M(cond[_CAT], par[_SITES] * qd_M, par[_KL])
    m_bar = bound / qd_M
    light = int(cond[_LIGHT])
    if light == 2:          # "monochromatic": the stated absorbed power
        absorbed = cond[_POWER] * 1e-3 / cond[_EPHOT] / AVOGADRO
    elif light == 1:        # "xe_bandpass_400": the unreported absorbed power
        absorbed = par[_BPPOWER] * 1e-3 / cond[_EPHOT] / AVOGADRO
    else:                   # "xe_longpass_400": incident flux times the absorbed fraction
        eps = cond[_EPS1] * par[_EPSR]
        absorbed = par[_XEFLUX] * 1e-6 / 3600.0 * (1.0 - 10.0 ** (-(eps * qd_M * cond[_PATH])))
    k_abs = absorbed / n_qd_mol
    ha = ha_minus_M(cond[_H2A], cond[_PH], par[_PKA1], par[_PKA2])
    k_h = par[_KHOLE] * ha
    denom = k_h + par[_KBET] + par[_KLIG]
    deliver = (k_h + par[_KLIG]) / denom
    damage = par[_KLIG] / denom
    f_h = 1.0 / (1.0 + 10.0 ** (cond[_PH] - par[_PKAH]))
    return (qd_M, n_qd_mol, m_bar, bound, k_abs, absorbed, ha, f_h, deliver, damage,
            1e9 / par[_TAU])


@njit(cache=True)
def m_cap(m_bar):
    """Largest catalyst count kept (the Poisson tail beyond it is folded into it)."""
    return int(m_bar + 10.0 * math.sqrt(m_bar) + 12.0)


@njit(cache=True)
def per_m_rates(m_max, k_abs, k_et, k0, deliver, damage):
    """(electrons delivered per s, ligand damage events per s) of a QD with m catalysts:
    k_abs φ_ET(m) × (delivered | damage fraction), φ_ET(m) = m k_ET / (m k_ET + 1/τ0)."""
    k_e = np.zeros(m_max + 1)
    k_d = np.zeros(m_max + 1)
    for m in range(1, m_max + 1):
        phi = m * k_et / (m * k_et + k0)
        k_e[m] = k_abs * phi * deliver
        k_d[m] = k_abs * phi * damage
    return k_e, k_d


@dataclass
class QDRates:
    """Everything the QD kernels need, derived from the config and parameters."""

    n_qd_mol: float
    qd_M: float
    diameter_nm: float
    mean_catalysts: float
    bound_fraction: float
    k_abs_per_s: float
    absorbed_flux_mol_s: float
    hole_M: float
    f_hydride: float
    k_e_by_m: np.ndarray        # electrons delivered per s to a QD's m catalysts
    k_dmg_by_m: np.ndarray      # ligand damage events per s
    k_decay: float
    n_crit: int
    catalyst_mol: float
    k_ox: float = 0.0           # thiolate photo-oxidation, per s (intact fraction e^{-k_ox t})
    coag_c0: float = 0.0        # K N0 / 2, per s (fast-coagulation rate of the QD colloid)
    barrier_kT: float = 0.0     # ln W0 at full ligand coverage

    @property
    def aggregation(self) -> tuple:
        """(k_ox, c0, ln W0): the arguments of :func:`monomer_fraction`."""
        return (self.k_ox, self.coag_c0, self.barrier_kT)


def rates_from_scalars(par: np.ndarray, cond: np.ndarray, diameter_nm: float = float("nan")) -> QDRates:
    (qd_M, n_qd_mol, m_bar, bound, k_abs, absorbed, ha, f_h, deliver, damage,
     k0) = qd_scalars(par, cond)
    k_e, k_d = per_m_rates(m_cap(m_bar), k_abs, par[_KET], k0, deliver, damage)
    k_ox, c0, barrier = aggregation_constants(par, cond, qd_M, k_abs)
    cat = cond[_CAT]
    return QDRates(n_qd_mol=n_qd_mol, qd_M=qd_M, diameter_nm=diameter_nm, mean_catalysts=m_bar,
                   bound_fraction=bound / cat if cat else 0.0, k_abs_per_s=k_abs,
                   absorbed_flux_mol_s=absorbed, hole_M=ha, f_hydride=f_h, k_e_by_m=k_e,
                   k_dmg_by_m=k_d, k_decay=float(par[_KDEC]), n_crit=int(round(par[_NCRIT])),
                   catalyst_mol=cat * cond[_VOL], k_ox=float(k_ox), coag_c0=float(c0),
                   barrier_kT=float(barrier))


def qd_rates(cfg, values: dict) -> QDRates:
    """The rate constants of a ``qd_catalyst`` run for one complete parameter set."""
    q = cfg.quantum_dots
    return rates_from_scalars(parameters_vector(values), conditions_vector(cfg),
                              analysis.peng_diameter_nm(q.first_exciton_nm, q.material))
