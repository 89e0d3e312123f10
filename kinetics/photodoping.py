"""Photodoping: photochemical accumulation of electrons on a nanoparticle under steady light.

A particle of diameter D holds N_s acceptor states: for MIL-125 the Ti8O8(OH)4 nodes
(at the crystal's node density, :mod:`structures.frameworks`) times the number of
H⁺–e⁻ pairs a node can store; for an oxide nanocrystal the conduction band up to a
capacity density.  The state of one particle is the number n of stored electrons
(charge-compensated by protons from the hole quencher).  Rates (s⁻¹ per particle):

absorption      k_abs(n) = Φ · π R² · Q(α(n) R)
                Φ photon flux density (cm⁻² s⁻¹, depth-averaged over the cuvette),
                Q(y) = 1 − [1 − e^{−2y}(1 + 2y)]/(2y²) the absorbed fraction of a
                sphere of absorption coefficient α (→ α·V when thin, → π R² when thick),
                α(n) = α₀ (1 − b_max θ): band-edge bleach growing with the filling
                θ = n/N_s.
charging yield  φ(n) = k_q[Q] / (k_q[Q] + k_rec + k_A θ^p)
                hole quenching against recombination and Auger-type losses that grow
                with the stored charge.  birth(n) = β k_abs(n) φ(n)  (β: current
                doubling by the quencher radical, taken as a rate factor).
back reaction   death(n) = A k₀ exp[−α_BV F (E_n − E_c)/RT]    (cathodic Butler–Volmer)
                A the particle area (nm²), k₀ the rate constant per nm² at the couple's
                potential E_c (H⁺/H₂ by default).  With ``reversible = true`` the anodic
                branch A k₀ exp[(1 − α_BV) F (E_{n+1} − E_c)/RT] adds to birth(n), so that
                in the dark the particle equilibrates with the couple (detailed balance).
Fermi level     E_n = E_chem((n − ½)/N_site) − γ e (n − ½)/C(R),  C = 4π ε₀ ε_r R.
                MIL-125: each node is a redox ladder with sequential potentials
                E_1 > E_2 > … (V vs NHE); at potential E a node holds k pairs with
                weight Π_{j≤k} exp[F(E_j − E)/RT], and E_chem(x) solves ⟨k⟩(E) = x.
                Oxide: a parabolic conduction band, x = n/V = N_c F_½(η),
                E_chem = E_CB(R) − η k_BT/e with the confinement shift ħ²π²/(2m*R²).

The probabilities P(n, t) follow a birth–death master equation, solved by the
implicit adaptive kernel of :mod:`sim.master`; the same rate tables drive a kinetic
Monte Carlo over particles (also from :mod:`sim.master`), which takes a size
distribution.  When N_s exceeds ``solver.max_states`` the chain is coarse-grained:
L = ⌈N_s / max_states⌉ electrons move per event with rates divided by L.  The drift
(hence the mean charge) is unchanged; the variance is L times too large, which for
N_s ≳ 10⁴ is far below anything measurable.  Tests check the reduced chain against
the exact one where both run.

Outputs: electrons per node and per nm³, E_F (= the open-circuit potential E_oc a
potentiometer reads, vs NHE and vs Fc⁺/⁰), band-edge bleach, Ti³⁺ d–d absorbance
(Gaussian bands), node charge-state fractions, and a plot of E_F(t) and n(t).

Fitted parameters (``nanokin fit photodoping`` -> inputs/fitted/photodoping.json): the
back-reaction rate constant k₀, its transfer coefficient α_BV and the Auger-type loss
k_A, fitted to the three photostationary E_oc of seed 000.  Everything else is a prior
named in the config classes below; the doping time, the intermediate node state and the
spectra are predictions.

Reference experiment: Fabrizio et al., Chem. Sci. 2023, 14, 8946 (seed 000): MIL-125
nanoparticles in methanol under a 308 nm LED; E_oc plateaus −0.89 / −0.95 / −0.97 V vs
Fc⁺/⁰ for 25 / 87 / 495 nm; doping complete at ~60 min; an intermediate state with
~4 H⁺–e⁻ pairs per node; Ti³⁺ d–d bands at 16 400 and 20 200 cm⁻¹.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kinetics.photophysics import photon_flux
from sim.config import Invalid, load_experiment, section, spec
from sim.fit import least_squares_fit, load_fitted
from sim.master import evolve, kmc_birth_death, stationary
from sim.model import Model
from sim.paths import data_file, model_inputs
from sim.rng import child_seeds, stream_states
from sim.store import Result
from structures.frameworks import mil125_formula_mass_g_mol, mil125_node_density_per_nm3

# ----------------------------------------------------------------------------- constants

FARADAY_C_MOL = 96485.33212
GAS_J_MOL_K = 8.314462618
ELEMENTARY_C = 1.602176634e-19
EPS0_F_M = 8.8541878128e-12
HBAR_J_S = 1.054571817e-34
ELECTRON_KG = 9.1093837015e-31
BOLTZMANN_J_K = 1.380649e-23
AVOGADRO = 6.02214076e23
MIL125_LEVELS = (-0.30, -0.32, -0.34, -0.36, -0.47, -0.49, -0.51, -0.53)

# Parameters fitted by `nanokin fit photodoping` (inputs/fitted/photodoping.json);
# the priors are used until a fit has been recorded.
_PRIOR = {"back_rate_constant_per_nm2_s": 1e-3, "transfer_coefficient": 0.4,
          "auger_per_s": 3.0e11}
# where each fitted parameter lives in the experiment config
FIT_KEYS = {"back_rate_constant_per_nm2_s": "back_reaction.rate_constant_per_nm2_s",
            "transfer_coefficient": "back_reaction.transfer_coefficient",
            "auger_per_s": "photophysics.auger_per_s"}
FIT_BOUNDS = {"back_rate_constant_per_nm2_s": (1e-12, 1e3), "transfer_coefficient": (0.1, 0.9),
              "auger_per_s": (1e8, 1e15)}
FIT_UNITS = {"back_rate_constant_per_nm2_s": "nm^-2 s^-1", "transfer_coefficient": "",
             "auger_per_s": "s^-1"}
_FIT = {**_PRIOR, **{k: v for k, v in load_fitted("photodoping").items() if k in _PRIOR}}
FIT_NAMES = tuple(_PRIOR)


# ----------------------------------------------------------------------------- config

@dataclass(frozen=True)
class Material:
    kind: str = spec("mil125", choices=("mil125", "oxide"),
                     doc="acceptor model: MIL-125 Ti8 node ladder, or an oxide conduction band")
    name: str = spec("MIL-125(Ti)", doc="label used in outputs")
    ladder_V_vs_NHE: tuple[float, ...] = spec(
        list(MIL125_LEVELS), unit="V vs NHE", ge=-3.0, le=3.0, min_len=1, max_len=64,
        doc="mil125: sequential H+-e- pair potentials of one node, most positive first. "
            "Prior: eight Ti per node; a 110 mV break after four pairs, placed where the "
            "DFT of seed 000 (Fig. 3c-d) assigns a distinct ~4-pair state, 20 mV steps "
            "otherwise (each H+-e- pair localises on one Ti, Fig. 5).  The intermediate-"
            "state validation row therefore tests whether the kinetics populates that "
            "state nearly purely, not where the break is")
    absorption_coefficient_per_cm: float = spec(
        3.0e4, unit="cm^-1", gt=0.0, le=1e7,
        doc="Napierian absorption coefficient of the undoped solid at the excitation "
            "wavelength (MIL-125 at 308 nm, prior: ~2.5e4 M^-1 cm^-1 per Ti8 node, six "
            "terephthalate LMCT chromophores, at 0.53 M nodes in the crystal)")
    bleach_max: float = spec(0.6, ge=0.0, le=1.0,
                             doc="fraction of the band-edge absorption bleached at full "
                                 "filling (prior; seed 000 Fig. 3c shows a partial bleach)")
    pairs_compensated_by: str = spec("H+", doc="counter-ion label (documentation only)")
    # oxide conduction band
    cb_edge_V_vs_NHE: float = spec(-0.30, unit="V vs NHE", ge=-3.0, le=3.0,
                                   doc="oxide: bulk conduction-band edge potential")
    effective_mass: float = spec(0.28, gt=0.01, le=5.0, unit="m_e",
                                 doc="oxide: electron effective mass")
    capacity_per_nm3: float = spec(1.0, gt=0.0, le=100.0, unit="nm^-3",
                                   doc="oxide: largest electron density represented")
    dielectric_constant: float = spec(8.5, gt=1.0, le=1000.0,
                                      doc="oxide: relative permittivity (documentation; "
                                          "confinement uses the effective mass only)")


@dataclass(frozen=True)
class Particles:
    diameter_nm: float = spec(25.0, unit="nm", ge=1.0, le=5000.0,
                              doc="diameter (mean diameter for a lognormal distribution)")
    distribution: str = spec("monodisperse", choices=("monodisperse", "lognormal", "file"),
                             doc="size distribution of the particles")
    dispersity: float = spec(0.17, ge=0.0, le=2.0,
                             doc="lognormal: std/mean of the diameter (0.17 in seed 000)")
    file: str = spec("", doc="file: CSV with a diameter_nm column and optional weight column, "
                             "or a growth-model result (.h5: classes/diameter_nm, "
                             "classes/number_per_L)")
    n_particles: int = spec(2000, ge=1, le=1_000_000, doc="particles simulated by kMC")
    n_size_classes: int = spec(24, ge=1, le=512,
                               doc="size classes (one rate table each) for a distribution")


@dataclass(frozen=True)
class Sample:
    mass_conc_ug_per_mL: float = spec(25.0, unit="ug/mL", gt=0.0, le=1e5,
                                      doc="particle mass concentration")
    density_g_cm3: float = spec(0.82, unit="g/cm^3", gt=0.0, le=20.0,
                                doc="crystal density (MIL-125: 0.82 from the cell and "
                                    "formula; ZnO: 5.61)")
    path_length_cm: float = spec(1.0, unit="cm", gt=0.0, le=100.0, doc="optical path")
    solvent: str = spec("methanol", doc="solvent label")
    solvent_dielectric: float = spec(32.7, gt=1.0, le=200.0,
                                     doc="relative permittivity of the solvent (methanol 32.7)")
    temperature_K: float = spec(298.15, unit="K", gt=150.0, le=500.0, doc="temperature")
    ferrocene_V_vs_NHE: float = spec(0.40, unit="V", ge=-1.0, le=2.0,
                                     doc="E(Fc+/0) vs NHE used to convert E_F (0.40 V, "
                                         "aqueous-scale value; solvent dependent)")


@dataclass(frozen=True)
class Light:
    wavelength_nm: float = spec(308.0, unit="nm", gt=150.0, le=2000.0, doc="excitation")
    power_mW: float = spec(20.0, unit="mW", ge=0.0, le=1e5,
                           doc="optical power reaching the sample (0 = dark)")
    area_cm2: float = spec(1.0, unit="cm^2", gt=0.0, le=1e4, doc="illuminated area")


@dataclass(frozen=True)
class Quencher:
    name: str = spec("methanol", doc="hole quencher")
    conc_M: float = spec(24.7, unit="M", ge=0.0, le=100.0, doc="quencher concentration "
                                                               "(neat methanol 24.7 M)")
    hole_transfer_per_M_s: float = spec(1.0e7, unit="M^-1 s^-1", ge=0.0, le=1e12,
                                        doc="hole-quenching rate constant k_q (order-of-magnitude "
                                            "prior; not measured for MIL-125)")
    current_doubling: float = spec(1.0, ge=1.0, le=2.0,
                                   doc="electrons injected per quenched hole (radical "
                                       "doubling), applied as a rate factor")


@dataclass(frozen=True)
class Photophysics:
    recombination_per_s: float = spec(1.0e11, unit="s^-1", ge=0.0, le=1e15,
                                      doc="electron-hole recombination rate k_rec (prior: "
                                          "picosecond-scale excited-state decay)")
    auger_per_s: float = spec(_FIT["auger_per_s"], unit="s^-1", ge=0.0, le=1e16,
                              doc="Auger-type loss rate at full filling k_A (MIL-125/MeOH: "
                                  "fitted to the E_oc plateaus of seed 000)")
    auger_exponent: float = spec(2.0, ge=0.0, le=4.0, doc="p in k_A θ^p")


@dataclass(frozen=True)
class BackReaction:
    couple: str = spec("H+/H2", doc="couple that takes the stored electrons")
    potential_V_vs_NHE: float = spec(-0.41, unit="V vs NHE", ge=-3.0, le=3.0,
                                     doc="equilibrium potential of the couple in the sample "
                                         "(H+/H2 at pH 7, 1 bar)")
    rate_constant_per_nm2_s: float = spec(
        _FIT["back_rate_constant_per_nm2_s"], unit="nm^-2 s^-1", gt=0.0, le=1e12,
        doc="k0: electrons per nm² per s at zero overpotential (MIL-125/MeOH: fitted to "
            "the E_oc plateaus of seed 000)")
    transfer_coefficient: float = spec(
        _FIT["transfer_coefficient"], gt=0.0, lt=1.0,
        doc="Butler-Volmer transfer coefficient (MIL-125/MeOH: fitted to the plateaus)")
    reversible: bool = spec(False, doc="include the anodic branch (product present)")


@dataclass(frozen=True)
class Electrostatics:
    uncompensated_fraction: float = spec(0.0, ge=0.0, le=1.0,
                                         doc="γ: fraction of stored charge not compensated "
                                             "by cations (0 for H+, Carroll et al. 2015)")


@dataclass(frozen=True)
class Spectra:
    dd_centers_cm1: tuple[float, ...] = spec([16400.0, 20200.0], unit="cm^-1", gt=0.0,
                                             min_len=1, max_len=8,
                                             doc="Ti3+ d-d band centres (seed 000, Fig. 4)")
    dd_fwhm_cm1: tuple[float, ...] = spec([3000.0, 3500.0], unit="cm^-1", gt=0.0,
                                          min_len=1, max_len=8, doc="band widths (prior)")
    dd_epsilon_M_cm: tuple[float, ...] = spec([2.5, 4.0], unit="M^-1 cm^-1", ge=0.0,
                                              min_len=1, max_len=8,
                                              doc="peak molar absorptivity per Ti3+ "
                                                  "(Ti(H2O)6 3+ is ~4 at 20 300 cm^-1)")
    wavenumber_min_cm1: float = spec(10000.0, unit="cm^-1", gt=0.0, doc="spectrum start")
    wavenumber_max_cm1: float = spec(28000.0, unit="cm^-1", gt=0.0, doc="spectrum end")
    n_wavenumbers: int = spec(181, ge=2, le=10000, doc="spectrum points")

    def check(self):
        n = len(self.dd_centers_cm1)
        if len(self.dd_fwhm_cm1) != n or len(self.dd_epsilon_M_cm) != n:
            raise Invalid("dd_fwhm_cm1", list(self.dd_fwhm_cm1),
                          f"{n} widths and {n} absorptivities, one per band centre",
                          "band lists differ in length")
        if self.wavenumber_max_cm1 <= self.wavenumber_min_cm1:
            raise Invalid("wavenumber_max_cm1", self.wavenumber_max_cm1,
                          f"> wavenumber_min_cm1 = {self.wavenumber_min_cm1}", "empty range")


@dataclass(frozen=True)
class Output:
    t_end_s: float = spec(9000.0, unit="s", gt=0.0, le=1e8, doc="illumination time")
    n_times: int = spec(181, ge=2, le=100000, doc="output times (evenly spaced, t=0 incl.)")


@dataclass(frozen=True)
class Solver:
    method: str = spec("master", choices=("master", "kmc", "both"),
                       doc="master equation, kinetic Monte Carlo over particles, or both")
    max_states: int = spec(4000, ge=10, le=10_000_000,
                           doc="above this many states per particle the chain is "
                               "coarse-grained (L electrons per step)")
    rtol: float = spec(1e-6, gt=0.0, lt=1.0, doc="master equation relative tolerance")
    atol: float = spec(1e-11, gt=0.0, lt=1.0, doc="master equation absolute tolerance")


@dataclass(frozen=True)
class PhotodopingConfig:
    material: Material = section(Material)
    particles: Particles = section(Particles)
    sample: Sample = section(Sample)
    light: Light = section(Light)
    quencher: Quencher = section(Quencher)
    photophysics: Photophysics = section(Photophysics)
    back_reaction: BackReaction = section(BackReaction)
    electrostatics: Electrostatics = section(Electrostatics)
    spectra: Spectra = section(Spectra)
    output: Output = section(Output)
    solver: Solver = section(Solver)

    def check(self):
        lad = self.material.ladder_V_vs_NHE
        if any(b > a for a, b in zip(lad, lad[1:])):
            raise Invalid("material.ladder_V_vs_NHE", list(lad),
                          "potentials in non-increasing order (each pair harder to add)",
                          "ladder not ordered")
        p = self.particles
        if p.distribution == "file":
            if not p.file:
                raise Invalid("particles.file", p.file, "a CSV path with a diameter_nm column",
                              "distribution = 'file' needs a file")
        if p.distribution != "monodisperse" and self.solver.method == "master" \
                and p.n_size_classes > 64:
            raise Invalid("particles.n_size_classes", p.n_size_classes,
                          "<= 64 with the master equation (one chain per class)",
                          "too many chains")


# ----------------------------------------------------------------------------- thermodynamics

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
    """Mean pairs per node ⟨k⟩ at potential E (V)."""
    w = ladder_weights(E_V, ladder_V, temperature_K)
    return w @ np.arange(w.shape[-1], dtype=float)


def ladder_potential(x, ladder_V, temperature_K):
    """E_chem (V vs NHE) at which ⟨k⟩ = x pairs per node (0 < x < K; bisection)."""
    x = np.asarray(x, dtype=float)
    lad = np.asarray(ladder_V, dtype=float)
    k = lad.size
    vt = thermal_voltage(temperature_K)
    xs = np.clip(x, 1e-300, k - 1e-12)
    hi = np.full(x.shape, lad.max() + 800.0 * vt)       # ⟨k⟩ ≈ 0 here
    lo = np.full(x.shape, lad.min() - 800.0 * vt)       # ⟨k⟩ ≈ K here
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        more = ladder_mean_pairs(mid, lad, temperature_K) > xs
        lo = np.where(more, mid, lo)
        hi = np.where(more, hi, mid)
    return 0.5 * (lo + hi)


def fermi_half(eta):
    """Normalised Fermi–Dirac integral F_½(η) (→ e^η; → 4η^{3/2}/(3√π)), within 0.4 %.

    Bednarczyk & Bednarczyk, Phys. Lett. A 64 (1978) 409.
    """
    eta = np.asarray(eta, dtype=float)
    v = eta ** 4 + 50.0 + 33.6 * eta * (1.0 - 0.68 * np.exp(-0.17 * (eta + 1.0) ** 2))
    return 1.0 / (np.exp(-eta) + 0.75 * math.sqrt(math.pi) * v ** (-0.375))


def cb_effective_density_per_nm3(effective_mass: float, temperature_K: float) -> float:
    """N_c = 2 (m* k_B T / 2πħ²)^{3/2}, nm⁻³."""
    m = effective_mass * ELECTRON_KG
    return 2.0 * (m * BOLTZMANN_J_K * temperature_K / (2 * math.pi * HBAR_J_S ** 2)) ** 1.5 * 1e-27


def cb_confinement_V(effective_mass: float, radius_nm: float) -> float:
    """Particle-in-a-sphere shift of the conduction-band edge, ħ²π²/(2 m* R² e) (V)."""
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


def sphere_absorbed_fraction(y):
    """Q(y): fraction of light hitting a sphere that it absorbs, y = α R (no refraction).

    Q = 1 − [1 − e^{−2y}(1 + 2y)]/(2y²); Q → 4y/3 for y → 0 (σ = α V) and Q → 1.
    """
    y = np.asarray(y, dtype=float)
    small = y < 1e-3
    ys = np.where(small, 1.0, y)
    big = 1.0 - (1.0 - np.exp(-2 * ys) * (1 + 2 * ys)) / (2 * ys ** 2)
    series = 4.0 * y / 3.0 - y ** 2 + 8.0 * y ** 3 / 15.0   # Taylor series near 0
    return np.where(small, series, big)


# ----------------------------------------------------------------------------- particles

@dataclass
class ParticleClass:
    """One particle size and its chain: n = L·j electrons, j = 0 … J."""

    diameter_nm: float
    sites: int            # N_s: electron capacity
    nodes: float          # acceptor units (Ti8 nodes; for an oxide, nm³ of volume)
    lump: int             # L
    birth: np.ndarray     # per chain state j (s⁻¹)
    death: np.ndarray
    potential_V: np.ndarray   # E_F at n = L·j (V vs NHE), for output
    volume_nm3: float


def sites_for(cfg: PhotodopingConfig, diameter_nm: float) -> tuple[int, float]:
    """(capacity N_s, acceptor units): MIL-125 nodes × ladder length, or oxide V·capacity."""
    volume = math.pi / 6.0 * diameter_nm ** 3
    if cfg.material.kind == "mil125":
        nodes = mil125_node_density_per_nm3() * volume
        return max(1, int(round(nodes * len(cfg.material.ladder_V_vs_NHE)))), nodes
    return max(1, int(round(volume * cfg.material.capacity_per_nm3))), volume


def step_potential(cfg: PhotodopingConfig, n_electrons, diameter_nm: float, nodes: float):
    """E_F (V vs NHE) for adding the n-th electron: E_chem((n − ½)/units) − γ e (n − ½)/C."""
    m, T = cfg.material, cfg.sample.temperature_K
    q = np.asarray(n_electrons, dtype=float) - 0.5
    radius = 0.5 * diameter_nm
    if m.kind == "mil125":
        e_chem = ladder_potential(q / nodes, m.ladder_V_vs_NHE, T)
    else:
        edge = m.cb_edge_V_vs_NHE - cb_confinement_V(m.effective_mass, radius)
        e_chem = cb_potential(q / nodes, edge, m.effective_mass, T)
    gamma = cfg.electrostatics.uncompensated_fraction
    if gamma > 0.0:
        cap = 4 * math.pi * EPS0_F_M * cfg.sample.solvent_dielectric * radius * 1e-9
        e_chem = e_chem - gamma * ELEMENTARY_C * q / cap
    return e_chem


def photon_flux_density(cfg: PhotodopingConfig, sample_absorbance: float = 0.0) -> float:
    """Photons cm⁻² s⁻¹ averaged over the optical path (inner-filter corrected)."""
    phi0 = photon_flux(cfg.light.power_mW * 1e-3, cfg.light.wavelength_nm) / cfg.light.area_cm2
    a = sample_absorbance
    if a <= 1e-9:
        return phi0
    return phi0 * (1.0 - 10.0 ** (-a)) / (a * math.log(10.0))


def rate_tables(cfg: PhotodopingConfig, diameter_nm: float, flux_cm2_s: float,
                max_states: int | None = None) -> ParticleClass:
    """Birth/death rates of one particle size on its (possibly coarse-grained) chain."""
    sites, nodes = sites_for(cfg, diameter_nm)
    max_states = max_states or cfg.solver.max_states
    lump = max(1, math.ceil(sites / max_states))
    j = np.arange(sites // lump + 1)
    n = (j * lump).astype(float)
    theta = n / sites
    radius_cm = 0.5 * diameter_nm * 1e-7
    area_nm2 = math.pi * diameter_nm ** 2
    m, ph, qn, br = cfg.material, cfg.photophysics, cfg.quencher, cfg.back_reaction
    alpha = m.absorption_coefficient_per_cm * (1.0 - m.bleach_max * theta)
    k_abs = flux_cm2_s * math.pi * radius_cm ** 2 * sphere_absorbed_fraction(alpha * radius_cm)
    kq = qn.hole_transfer_per_M_s * qn.conc_M
    denom = kq + ph.recombination_per_s + ph.auger_per_s * theta ** ph.auger_exponent
    yield_ = np.divide(kq, denom, out=np.zeros_like(theta), where=denom > 0)
    birth = qn.current_doubling * k_abs * yield_
    e_n = step_potential(cfg, np.maximum(n, 1.0), diameter_nm, nodes)   # E for n-1 -> n
    vt = thermal_voltage(cfg.sample.temperature_K)
    a = br.transfer_coefficient
    over = (e_n - br.potential_V_vs_NHE) / vt
    death = area_nm2 * br.rate_constant_per_nm2_s * np.exp(np.clip(-a * over, -700, 700))
    death[0] = 0.0
    if br.reversible:
        e_up = step_potential(cfg, n + lump, diameter_nm, nodes)      # E for n -> n+L
        over_up = (e_up - br.potential_V_vs_NHE) / vt
        birth = birth + area_nm2 * br.rate_constant_per_nm2_s * np.exp(
            np.clip((1 - a) * over_up, -700, 700))
    birth = birth / lump
    death = death / lump
    birth[-1] = 0.0
    e_out = step_potential(cfg, n + 1.0, diameter_nm, nodes)         # E at charge n
    return ParticleClass(diameter_nm, sites, nodes, lump, birth, death, e_out,
                         math.pi / 6.0 * diameter_nm ** 3)


def potential_at(cfg: PhotodopingConfig, pc: ParticleClass, mean_electrons):
    """E_F (V vs NHE) of a particle holding ``mean_electrons`` (interpolated, n ≥ 0)."""
    return step_potential(cfg, np.asarray(mean_electrons, float) + 1.0, pc.diameter_nm,
                          pc.nodes)


def size_sample(cfg: PhotodopingConfig, seed: int) -> np.ndarray:
    """Diameters (nm) of the simulated particles."""
    p = cfg.particles
    rng = np.random.default_rng(child_seeds(seed, 2)[1])
    if p.distribution == "monodisperse":
        return np.full(p.n_particles, p.diameter_nm)
    if p.distribution == "lognormal":
        s2 = math.log(1.0 + p.dispersity ** 2)
        mu = math.log(p.diameter_nm) - 0.5 * s2
        return rng.lognormal(mu, math.sqrt(s2), p.n_particles)
    data = _read_sizes(p.file)
    d, w = data
    return rng.choice(d, size=p.n_particles, p=w / w.sum())


def _read_sizes(path: str):
    """(diameters nm, weights) from a CSV (diameter_nm[, weight]) or a growth result (.h5)."""
    import csv

    from sim.config import ConfigError

    if path.endswith((".h5", ".hdf5")):
        from sim.store import read_result
        try:
            res, _ = read_result(path)
            d = np.asarray(res["classes/diameter_nm"], float)
            w = np.asarray(res["classes/number_per_L"], float)
        except (OSError, KeyError):
            raise ConfigError(path, "particles.file", path,
                              "a growth result with classes/diameter_nm and "
                              "classes/number_per_L", "unreadable size distribution") from None
        if d.size == 0 or np.any(d <= 0) or np.any(w < 0) or w.sum() <= 0:
            raise ConfigError(path, "particles.file", path, "positive diameters and numbers",
                              "bad size data")
        return d, w
    try:
        with open(path, newline="") as fh:
            rows = [r for r in csv.DictReader(
                line for line in fh if not line.lstrip().startswith("#"))]
    except FileNotFoundError:
        raise ConfigError(path, "particles.file", path, "an existing CSV file",
                          "file not found") from None
    if not rows or "diameter_nm" not in rows[0]:
        raise ConfigError(path, "particles.file", path, "a CSV with a diameter_nm column",
                          "no diameter_nm column")
    d = np.array([float(r["diameter_nm"]) for r in rows])
    w = np.array([float(r.get("weight") or 1.0) for r in rows])
    if np.any(d <= 0) or np.any(w < 0) or w.sum() <= 0:
        raise ConfigError(path, "particles.file", path, "positive diameters and weights",
                          "bad size data")
    return d, w


def size_classes(diameters: np.ndarray, n_classes: int):
    """(class diameters, class index per particle): log-spaced bins, geometric means."""
    d = np.asarray(diameters, float)
    if np.allclose(d, d[0]) or n_classes == 1:
        return np.array([float(np.exp(np.log(d).mean()))]), np.zeros(d.size, np.int64)
    edges = np.geomspace(d.min(), d.max() * (1 + 1e-12), n_classes + 1)
    idx = np.clip(np.searchsorted(edges, d, side="right") - 1, 0, n_classes - 1)
    used = np.unique(idx)
    remap = -np.ones(n_classes, np.int64)
    remap[used] = np.arange(used.size)
    reps = np.array([float(np.exp(np.log(d[idx == u]).mean())) for u in used])
    return reps, remap[idx].astype(np.int64)


def sample_absorbance(cfg: PhotodopingConfig, diameters: np.ndarray) -> float:
    """Decadic absorbance of the undoped colloid at the excitation wavelength."""
    d = np.asarray(diameters, float)
    mass_per_particle_g = cfg.sample.density_g_cm3 * math.pi / 6 * (d * 1e-7) ** 3
    conc_per_cm3 = cfg.sample.mass_conc_ug_per_mL * 1e-6 / mass_per_particle_g.mean()
    r_cm = 0.5 * d * 1e-7
    sigma = math.pi * r_cm ** 2 * sphere_absorbed_fraction(
        cfg.material.absorption_coefficient_per_cm * r_cm)
    return float(conc_per_cm3 * sigma.mean() * cfg.sample.path_length_cm / math.log(10.0))


# ----------------------------------------------------------------------------- simulation

@dataclass
class Trajectory:
    """What a simulation returns before it becomes a Result."""

    times_s: np.ndarray
    classes: list
    weights: np.ndarray            # particles per class (number fraction)
    mean_electrons: np.ndarray     # (classes, times) mean n per particle of each class
    var_electrons: np.ndarray      # (classes, times)
    sem_electrons: np.ndarray | None = None   # kMC standard error of the ensemble mean n
    method: str = "master"
    steps: int = 0
    events: int = 0
    stationary_mean: np.ndarray | None = None  # (classes,) stationary mean n


def simulate(cfg: PhotodopingConfig, seed: int = 0, method: str | None = None,
             max_states: int | None = None, times: np.ndarray | None = None) -> Trajectory:
    """Run the master equation or the kMC for the configured particles."""
    method = method or cfg.solver.method
    if times is None:
        times = np.linspace(0.0, cfg.output.t_end_s, cfg.output.n_times)
    diam = size_sample(cfg, seed)
    reps, idx = size_classes(diam, cfg.particles.n_size_classes
                             if cfg.particles.distribution != "monodisperse" else 1)
    counts = np.bincount(idx, minlength=reps.size).astype(float)
    flux = photon_flux_density(cfg, sample_absorbance(cfg, diam))
    classes = [rate_tables(cfg, d, flux, max_states) for d in reps]
    stat = np.array([float(np.dot(np.arange(pc.birth.size) * pc.lump,
                                  stationary(pc.birth, pc.death))) for pc in classes])
    if method == "master":
        means, vars_, steps = [], [], 0
        for pc in classes:
            p0 = np.zeros(pc.birth.size)
            p0[0] = 1.0
            out = evolve(pc.birth, pc.death, p0, times, rtol=cfg.solver.rtol,
                         atol=cfg.solver.atol)
            means.append(out["mean"] * pc.lump)
            vars_.append(out["var"] * pc.lump ** 2)
            steps += out["accepted_steps"]
        return Trajectory(times, classes, counts / counts.sum(), np.array(means),
                          np.array(vars_), None, "master", steps=steps, stationary_mean=stat)
    width = max(pc.birth.size for pc in classes)
    birth = np.zeros((len(classes), width))
    death = np.zeros((len(classes), width))
    for k, pc in enumerate(classes):
        birth[k, :pc.birth.size] = pc.birth
        death[k, :pc.death.size] = pc.death
    states = stream_states(child_seeds(seed, 2)[0], diam.size)
    n0 = np.zeros(diam.size, np.int64)
    j, events = kmc_birth_death(birth, death, idx, n0, times, states)
    lumps = np.array([pc.lump for pc in classes], float)
    n = j * lumps[idx][:, None]
    means = np.zeros((len(classes), times.size))
    vars_ = np.zeros_like(means)
    for k in range(len(classes)):
        sel = n[idx == k]
        means[k] = sel.mean(axis=0)
        vars_[k] = sel.var(axis=0)
    sem = n.std(axis=0, ddof=1) / math.sqrt(n.shape[0]) if n.shape[0] > 1 else None
    return Trajectory(times, classes, counts / counts.sum(), means, vars_, sem, "kmc",
                      events=int(events.sum()), stationary_mean=stat)


def ensemble(cfg: PhotodopingConfig, traj: Trajectory) -> dict:
    """Chemist-facing ensemble quantities from a trajectory (dict of arrays)."""
    w = traj.weights
    nodes = np.array([pc.nodes for pc in traj.classes])
    vols = np.array([pc.volume_nm3 for pc in traj.classes])
    sites = np.array([pc.sites for pc in traj.classes], float)
    total_n = w @ traj.mean_electrons                        # mean electrons per particle
    per_node = total_n / (w @ nodes)
    per_nm3 = total_n / (w @ vols)
    # E_oc: node-weighted mean of the particles' Fermi levels at their mean charge
    e_cls = np.array([potential_at(cfg, pc, traj.mean_electrons[k])
                      for k, pc in enumerate(traj.classes)])
    e_oc = (w * nodes) @ e_cls / (w @ nodes)
    theta = (w * sites) @ (traj.mean_electrons / sites[:, None]) / (w @ sites)
    out = {"electrons_per_particle": total_n, "electrons_per_node": per_node,
           "electrons_per_nm3": per_nm3, "E_F_V_vs_NHE": e_oc,
           "E_F_V_vs_Fc": e_oc - cfg.sample.ferrocene_V_vs_NHE, "filling": theta,
           "bleach_fraction": cfg.material.bleach_max * theta}
    stat_n = w @ traj.stationary_mean
    out["stationary_electrons_per_particle"] = stat_n
    if cfg.material.kind == "mil125":
        out["node_state_fractions"] = ladder_weights(e_oc, cfg.material.ladder_V_vs_NHE,
                                                     cfg.sample.temperature_K)
    return out


def dd_spectrum(cfg: PhotodopingConfig, electrons_per_node: np.ndarray):
    """(wavenumbers cm⁻¹, absorbance (times, wavenumbers)) of Ti³⁺ d–d bands."""
    s = cfg.spectra
    nu = np.linspace(s.wavenumber_min_cm1, s.wavenumber_max_cm1, s.n_wavenumbers)
    shape = np.zeros_like(nu)
    for c, f, e in zip(s.dd_centers_cm1, s.dd_fwhm_cm1, s.dd_epsilon_M_cm):
        sd = f / (2 * math.sqrt(2 * math.log(2)))
        shape += e * np.exp(-0.5 * ((nu - c) / sd) ** 2)
    node_M = node_conc_M(cfg)
    ti3_M = np.asarray(electrons_per_node)[:, None] * node_M
    return nu, ti3_M * shape[None, :] * cfg.sample.path_length_cm


def node_conc_M(cfg: PhotodopingConfig) -> float:
    """Molar concentration of Ti8 nodes in the colloid (MIL-125)."""
    return cfg.sample.mass_conc_ug_per_mL * 1e-6 / mil125_formula_mass_g_mol() * 1000.0


def t_fraction(times, values, final, fraction=0.9) -> float:
    """First time (interpolated) at which values reach fraction·final; nan if never."""
    target = fraction * final
    above = np.nonzero(values >= target)[0]
    if above.size == 0:
        return float("nan")
    i = above[0]
    if i == 0:
        return float(times[0])
    t0, t1, v0, v1 = times[i - 1], times[i], values[i - 1], values[i]
    return float(t0 + (target - v0) * (t1 - t0) / (v1 - v0))


def intermediate_state(fractions: np.ndarray) -> tuple[int, int]:
    """(intermediate, final) node charge states over a run.

    The final state is the most populated node charge state at the end.  The
    intermediate is the spectrally purest state on the way: of the states other than
    0 and the final one, the one whose largest node fraction over the run is highest
    (a near-pure population gives a distinct spectrum with isosbestic points, as in
    seed 000 Fig. 3c).  Returns (-1, final) if no other state is ever populated.
    """
    final = int(np.argmax(fractions[-1]))
    peak = fractions.max(axis=0).copy()
    peak[0] = -1.0
    peak[final] = -1.0
    if peak.max() <= 0.0:
        return -1, final
    return int(np.argmax(peak)), final


# ----------------------------------------------------------------------------- the model

class PhotodopingModel(Model):
    name = "photodoping"
    config_class = PhotodopingConfig

    def run(self, experiment, progress=None) -> Result:
        cfg = experiment.config
        methods = ["master", "kmc"] if cfg.solver.method == "both" else [cfg.solver.method]
        res = Result(model=self.name, solver={
            "method": cfg.solver.method, "max_states": cfg.solver.max_states,
            "rtol": cfg.solver.rtol, "atol": cfg.solver.atol,
            "integrator": "TR-BDF2, step doubling (sim.master)",
            "kmc": "Gillespie direct method, one xoshiro256** stream per particle"})
        main = None
        for method in methods:
            traj = simulate(cfg, experiment.seed, method)
            ens = ensemble(cfg, traj)
            prefix = "" if main is None else "kmc/"
            if main is None:
                main = (traj, ens)
            self._record(res, cfg, traj, ens, prefix)
        traj, ens = main
        t = traj.times_s
        res.add("time", t, "s", "illumination time")
        res.add("time_min", t / 60.0, "min", "illumination time")
        if cfg.material.kind == "mil125":
            nu, spec_ = dd_spectrum(cfg, ens["electrons_per_node"])
            res.add("dd_wavenumber", nu, "cm^-1", "wavenumber of the d-d spectrum")
            res.add("dd_absorbance", spec_, "absorbance",
                    "Ti3+ d-d absorbance (times x wavenumbers), Gaussian bands")
            res.add("node_state_fraction", ens["node_state_fractions"], "fraction",
                    "fraction of nodes holding k H+-e- pairs (times x k = 0..K)")
            inter, fin = intermediate_state(ens["node_state_fractions"])
            res.note("intermediate_pairs_per_node", inter, "pairs",
                     "purest node charge state on the way to the final one")
            res.note("intermediate_peak_fraction",
                     float(ens["node_state_fractions"][:, inter].max()) if inter >= 0 else 0.0,
                     "fraction", "largest fraction of nodes in the intermediate state")
            res.note("final_dominant_pairs_per_node", fin, "pairs", "dominant state at t_end")
        x = ens["electrons_per_particle"]
        final = ens["stationary_electrons_per_particle"]
        res.note("E_oc_final_V_vs_Fc", float(ens["E_F_V_vs_Fc"][-1]), "V", "E_F at t_end")
        nodes = np.array([pc.nodes for pc in traj.classes])
        e_stat = np.array([float(potential_at(cfg, pc, traj.stationary_mean[k]))
                           for k, pc in enumerate(traj.classes)])
        res.note("E_oc_photostationary_V_vs_Fc",
                 float((traj.weights * nodes) @ e_stat / (traj.weights @ nodes))
                 - cfg.sample.ferrocene_V_vs_NHE, "V", "E_F of the photostationary charge")
        if cfg.light.power_mW > 0.0:
            from sim.config import replace
            power = cfg.light.power_mW
            up, down = (simulated_plateau(replace(cfg, **{"light.power_mW": power * f}),
                                          max_states=cfg.solver.max_states)
                        for f in (10.0, 0.1))
            res.note("E_oc_shift_per_decade_light_mV", 1000.0 * (up - down) / 2.0, "mV",
                     "prediction: photostationary E_oc change per tenfold light power")
        res.note("E_oc_final_V_vs_NHE", float(ens["E_F_V_vs_NHE"][-1]), "V", "E_F at t_end")
        res.note("electrons_per_node_final", float(ens["electrons_per_node"][-1]), "e-/node",
                 "at t_end (per nm^3 for an oxide: see electrons_per_nm3_final)")
        res.note("electrons_per_nm3_final", float(ens["electrons_per_nm3"][-1]), "nm^-3",
                 "at t_end")
        res.note("electrons_per_particle_stationary", float(final), "e-",
                 "photostationary mean (detailed balance of the chain)")
        res.note("t90_s", t_fraction(t, x, final), "s",
                 "time to 90 % of the photostationary charge")
        res.note("sites_per_particle", int(traj.classes[0].sites), "e-",
                 "capacity of the (first) size class")
        res.note("coarse_graining", int(max(pc.lump for pc in traj.classes)), "e-/step",
                 "electrons per chain step (1 = exact)")
        res.solver["steps"] = traj.steps
        res.solver["kmc_events"] = traj.events
        return res

    @staticmethod
    def _record(res, cfg, traj, ens, prefix):
        res.add(prefix + "electrons_per_particle", ens["electrons_per_particle"], "e-",
                "mean stored electrons per particle")
        res.add(prefix + "electrons_per_node", ens["electrons_per_node"], "e-/node",
                "stored H+-e- pairs per acceptor unit (Ti8 node; nm^3 for an oxide)")
        res.add(prefix + "electrons_per_nm3", ens["electrons_per_nm3"], "nm^-3",
                "stored electrons per nm^3 of particle")
        res.add(prefix + "E_F_vs_NHE", ens["E_F_V_vs_NHE"], "V",
                "Fermi level = open-circuit potential E_oc, vs NHE")
        res.add(prefix + "E_F_vs_Fc", ens["E_F_V_vs_Fc"], "V", "E_oc vs Fc+/0")
        res.add(prefix + "bleach_fraction", ens["bleach_fraction"], "fraction",
                "bleached fraction of the band-edge absorption")
        if traj.sem_electrons is not None:
            res.add(prefix + "electrons_per_particle_sem", traj.sem_electrons, "e-",
                    "standard error of the kMC ensemble mean")
        res.add(prefix + "class_diameter", np.array([pc.diameter_nm for pc in traj.classes]),
                "nm", "diameter of each size class")
        res.add(prefix + "class_weight", traj.weights, "fraction", "number fraction per class")

    def plot(self, result, path) -> None:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        t = result["time_min"]
        has_dd = "dd_absorbance" in result.arrays
        fig, axes = plt.subplots(1, 3 if has_dd else 2, figsize=(13 if has_dd else 9, 3.6))
        axes[0].plot(t, result["E_F_vs_Fc"], "-", color="C3")
        axes[0].set_xlabel("illumination time / min")
        axes[0].set_ylabel("E_F = E_oc / V vs Fc+/0")
        per = "electrons_per_node" if has_dd else "electrons_per_nm3"
        label = "electrons per node" if has_dd else "electrons per nm³"
        axes[1].plot(t, result[per], "-", color="C0", label="master eq.")
        if "kmc/" + per in result.arrays:
            axes[1].plot(t, result["kmc/" + per], "--", color="C1", label="kMC")
            axes[1].legend()
        axes[1].set_xlabel("illumination time / min")
        axes[1].set_ylabel(label)
        if has_dd:
            spec_ = result["dd_absorbance"]
            nu = result["dd_wavenumber"]
            for i in np.linspace(0, len(t) - 1, 6).astype(int)[1:]:
                axes[2].plot(nu, spec_[i], label=f"{t[i]:.0f} min")
            axes[2].set_xlabel("wavenumber / cm⁻¹")
            axes[2].set_ylabel("Ti³⁺ d–d absorbance")
            axes[2].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)

    # ------------------------------------------------------------------ validate / fit
    def validate(self, quick: bool = False, progress=None) -> list:
        return validation_rows(quick)

    def fit(self, progress=None):
        return fit_plateaus()


# ----------------------------------------------------------------------------- fitting

PLATEAU_FILES = {25.0: "mil125_25nm_eoc.toml", 87.0: "mil125_87nm_eoc.toml",
                 495.0: "mil125_495nm_eoc.toml"}


def read_plateaus() -> list[dict]:
    """Measured E_oc plateaus from inputs/data/mil125_photodoping.csv."""
    import csv

    rows = []
    with open(data_file("mil125_photodoping.csv"), newline="") as fh:
        for r in csv.DictReader(line for line in fh if not line.lstrip().startswith("#")):
            if r["quantity"] == "E_oc_plateau":
                rows.append({"diameter_nm": float(r["diameter_nm"]), "value": float(r["value"]),
                             "unit": r["unit"], "source": r["source"]})
    return rows


def plateau_experiments():
    return {d: load_experiment(model_inputs("photodoping") / f) for d, f in PLATEAU_FILES.items()}


def simulated_plateau(cfg: PhotodopingConfig, max_states: int = 600,
                      drift_window_s: float | None = None):
    """Photostationary E_oc (V vs Fc) under the configured illumination.

    The plateau the potentiometer reads "at steady state under constant illumination"
    is the E_F of the photostationary charge (detailed balance of the chain).  With
    ``drift_window_s`` also returns how much the simulated E_oc still moves over the
    last ``drift_window_s`` of the illumination, E(t_end) − E(t_end − window) (V).
    """
    t_end = cfg.output.t_end_s
    t_mid = max(0.0, t_end - (drift_window_s or 0.0))
    times = np.array([0.0, t_mid, t_end]) if drift_window_s else np.array([0.0])
    if drift_window_s:
        traj = simulate(cfg, 0, "master", max_states=max_states, times=times)
    else:
        traj = stationary_only(cfg, max_states)
    w = traj.weights
    nodes = np.array([pc.nodes for pc in traj.classes])
    e_stat = np.array([float(potential_at(cfg, pc, traj.stationary_mean[k]))
                       for k, pc in enumerate(traj.classes)])
    e_plateau = float((w * nodes) @ e_stat / (w @ nodes)) - cfg.sample.ferrocene_V_vs_NHE
    if not drift_window_s:
        return e_plateau
    e = ensemble(cfg, traj)["E_F_V_vs_Fc"]
    return e_plateau, float(e[-1] - e[1])


def stationary_only(cfg: PhotodopingConfig, max_states: int = 600) -> Trajectory:
    """The rate tables and photostationary means, without integrating in time."""
    diam = size_sample(cfg, 0)
    reps, idx = size_classes(diam, cfg.particles.n_size_classes
                             if cfg.particles.distribution != "monodisperse" else 1)
    counts = np.bincount(idx, minlength=reps.size).astype(float)
    flux = photon_flux_density(cfg, sample_absorbance(cfg, diam))
    classes = [rate_tables(cfg, d, flux, max_states) for d in reps]
    stat = np.array([float(np.dot(np.arange(pc.birth.size) * pc.lump,
                                  stationary(pc.birth, pc.death))) for pc in classes])
    zeros = np.zeros((len(classes), 1))
    return Trajectory(np.array([0.0]), classes, counts / counts.sum(), zeros, zeros,
                      stationary_mean=stat)


def with_params(cfg: PhotodopingConfig, params: dict) -> PhotodopingConfig:
    from sim.config import replace
    return replace(cfg, **{FIT_KEYS[k]: float(v) for k, v in params.items()})


def fit_plateaus():
    """Fit k0, α_BV and the Auger loss rate k_A to the three photostationary E_oc."""
    data = read_plateaus()
    exps = plateau_experiments()
    names = list(FIT_NAMES)

    def sim_all(x):
        params = dict(zip(names, x))
        return [simulated_plateau(with_params(exps[r["diameter_nm"]].config, params))
                for r in data]

    def residuals(x):
        return (np.array(sim_all(x)) - np.array([r["value"] for r in data])) / 0.010

    def evaluate(x):
        sims = sim_all(x)
        return [{"label": f"E_oc plateau {r['diameter_nm']:g} nm (V vs Fc+/0)",
                 "measured": r["value"], "simulated": s, "residual": s - r["value"],
                 "source": r["source"]} for r, s in zip(data, sims)]

    x0 = [_PRIOR[n] for n in names]
    bounds = [FIT_BOUNDS[n] for n in names]
    report = least_squares_fit("photodoping", residuals, names, x0, bounds,
                               [FIT_UNITS[n] for n in names], evaluate,
                               data_source="inputs/data/mil125_photodoping.csv "
                                           "(Fabrizio et al., Chem. Sci. 2023, 14, 8946)",
                               x_scale=1.0, diff_step=1e-3)
    return report


MODEL = PhotodopingModel()


# ----------------------------------------------------------------------------- validation

def _small_case(cfg: PhotodopingConfig, diameter_nm: float = 8.0, t_end_s: float = 600.0,
                n_times: int = 6) -> PhotodopingConfig:
    """A small MIL-125 particle whose exact chain (a few hundred states) every solver runs."""
    from sim.config import replace
    return replace(cfg, **{"particles.diameter_nm": diameter_nm,
                           "particles.distribution": "monodisperse",
                           "output.t_end_s": t_end_s, "output.n_times": n_times,
                           "solver.max_states": 10_000_000})


def bdf_reference(pc: ParticleClass, times: np.ndarray, rtol=1e-10, atol=1e-14):
    """Mean charge from scipy.integrate.solve_ivp (BDF) on the same chain (NumPy RHS)."""
    from scipy.integrate import solve_ivp

    from sim.master import generator_matrix, rhs_numpy

    p0 = np.zeros(pc.birth.size)
    p0[0] = 1.0
    jac = generator_matrix(pc.birth, pc.death)
    sol = solve_ivp(rhs_numpy, (times[0], times[-1]), p0, method="BDF", t_eval=times,
                    args=(pc.birth, pc.death), jac=jac, rtol=rtol, atol=atol)
    n = np.arange(pc.birth.size) * pc.lump
    return (n @ sol.y) / sol.y.sum(axis=0)


def validation_rows(quick: bool = False) -> list:
    """Reference rows for `nanokin validate` (seed 000 and the solver cross-checks)."""
    from sim.config import replace
    from sim.validation import absolute_row, check_row, range_row

    name = "photodoping"
    rows = []
    # 1. E_oc plateaus (the three fitted numbers) and their order
    data = {r["diameter_nm"]: r for r in read_plateaus()}
    exps = plateau_experiments()
    sims = {}
    for d, exp in exps.items():
        sims[d], drift = simulated_plateau(exp.config, max_states=600 if quick else 4000,
                                           drift_window_s=1800.0)
        rows.append(absolute_row(name, exp.name, "photostationary E_oc (V vs Fc+/0)",
                                 data[d]["value"], sims[d], 0.030, unit="V", role="fitted"))
        rows.append(range_row(name, exp.name, "E_oc drift over the last 30 min (mV)",
                              "steady state (text)", 1000.0 * drift, -10.0, 10.0, unit="mV"))
    order = [sims[d] for d in sorted(sims)]
    ok = all(b < a for a, b in zip(order, order[1:]))
    rows.append(check_row(name, "mil125_eoc_vs_size", "E_oc more cathodic for larger particles",
                          "-0.89 > -0.95 > -0.97 V", " > ".join(f"{v:.3f}" for v in order), ok,
                          "strictly decreasing with size", role="fitted"))
    # 2. in-situ absorption run: doping time and intermediate state
    insitu = load_experiment(model_inputs(name) / "mil125_25nm_insitu_absorption.toml")
    cfg = insitu.config
    if quick:
        cfg = replace(cfg, **{"particles.n_size_classes": 4, "solver.max_states": 800})
    traj = simulate(cfg, insitu.seed, "master")
    ens = ensemble(cfg, traj)
    t90 = t_fraction(traj.times_s, ens["electrons_per_particle"],
                     ens["stationary_electrons_per_particle"]) / 60.0
    rows.append(range_row(name, insitu.name, "time to 90 % of final charge (min)",
                          "complete at ~60 min", t90, 30.0, 120.0, unit="min"))
    inter, fin = intermediate_state(ens["node_state_fractions"])
    rows.append(range_row(name, insitu.name, "intermediate node state (H+-e- pairs per node)",
                          "~4 (DFT + spectra)", inter, 3.0, 5.0, unit="pairs"))
    x_end = float(ens["electrons_per_node"][-1])
    rows.append(check_row(name, insitu.name, "saturates above the intermediate state",
                          "final state beyond ~4 pairs", f"{x_end:.2f} pairs/node (dominant {fin})",
                          x_end > inter + 0.5 and fin > inter, "final > intermediate + 0.5"))
    # 3. master equation vs kinetic Monte Carlo at five times
    small = _small_case(exps[25.0].config, t_end_s=1800.0, n_times=6)
    small = replace(small, **{"particles.n_particles": 2000 if quick else 8000})
    me = simulate(small, 7, "master")
    mc = simulate(small, 7, "kmc")
    for k in range(1, 6):
        z = (mc.mean_electrons[0, k] - me.mean_electrons[0, k]) / mc.sem_electrons[k]
        rows.append(check_row(name, "mil125_8nm_solvers",
                              f"mean charge at t = {me.times_s[k]:.0f} s",
                              f"master eq. {me.mean_electrons[0, k]:.3f} e-",
                              f"kMC {mc.mean_electrons[0, k]:.3f} ± {mc.sem_electrons[k]:.3f} e-",
                              abs(z) <= 3.0, "|z| <= 3 standard errors",
                              deviation=f"z = {z:+.2f}"))
    # 4. master equation vs solve_ivp (BDF)
    tight = replace(small, **{"solver.rtol": 1e-9, "solver.atol": 1e-15})
    me_t = simulate(tight, 7, "master")
    ref = bdf_reference(me_t.classes[0], me_t.times_s)
    ours = me_t.mean_electrons[0]
    rel = float(np.max(np.abs(ours[1:] - ref[1:]) / np.abs(ref[1:])))
    rows.append(check_row(name, "mil125_8nm_solvers", "master eq. vs solve_ivp BDF (mean charge)",
                          "scipy BDF, rtol 1e-10", f"max rel. diff {rel:.2e}", rel <= 1e-6,
                          "<= 1e-6 relative", deviation=f"{rel:.2e}"))
    # 5. reduced (coarse-grained) chain vs the exact one, 25 nm
    base = replace(exps[25.0].config, **{"output.n_times": 31})
    exact = simulate(replace(base, **{"solver.max_states": 10_000_000}), 0, "master")
    coarse = simulate(replace(base, **{"solver.max_states": 500}), 0, "master")
    a, b = exact.mean_electrons[0, 1:], coarse.mean_electrons[0, 1:]
    rel_c = float(np.max(np.abs(b - a) / a))
    rows.append(check_row(name, "mil125_25nm_eoc", "coarse-grained (L = "
                          f"{coarse.classes[0].lump}) vs exact master eq. (mean charge)",
                          f"exact, {exact.classes[0].sites} states",
                          f"max rel. diff {rel_c:.2e}", rel_c <= 5e-3, "<= 0.5 % relative",
                          deviation=f"{rel_c:.2e}"))
    # 6. limits: no light, no quencher, dark equilibrium with the couple
    for label, key, val in (("no light", "light.power_mW", 0.0),
                            ("no quencher", "quencher.conc_M", 0.0)):
        tr = simulate(replace(small, **{key: val}), 7, "master")
        nmax = float(np.max(np.abs(tr.mean_electrons)))
        rows.append(check_row(name, "mil125_8nm_limits", f"{label}: stored charge",
                              "0 e-", f"{nmax:.3g} e-", nmax == 0.0, "exactly 0"))
    dark = replace(small, **{"light.power_mW": 0.0, "back_reaction.reversible": True,
                             "output.t_end_s": 1e6})
    tr = simulate(dark, 7, "master")
    pc = tr.classes[0]
    p_eq = stationary(pc.birth, pc.death)
    p0 = np.zeros(pc.birth.size)
    p0[0] = 1.0
    long = evolve(pc.birth, pc.death, p0, np.array([0.0, 1e7]), rtol=1e-8, atol=1e-14)
    dev = float(np.max(np.abs(long["p_final"] - p_eq)))
    rows.append(check_row(name, "mil125_8nm_limits",
                          "dark, reversible couple: long-time P(n) vs detailed balance",
                          "Boltzmann P(n) of the chain", f"max |dP| {dev:.1e}", dev <= 1e-6,
                          "<= 1e-6"))
    n = np.arange(pc.birth.size)
    e_mean = float(p_eq @ step_potential(dark, n + 1.0, pc.diameter_nm, pc.nodes))
    rows.append(absolute_row(name, "mil125_8nm_limits",
                             "dark equilibrium: <E_F> vs couple (V vs NHE)",
                             dark.back_reaction.potential_V_vs_NHE, e_mean, 0.005, unit="V"))
    return rows
