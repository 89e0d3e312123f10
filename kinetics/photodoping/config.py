"""The experiment-file schema of the photodoping model.

An experiment file states what was done (particles, sample, light, hole quencher,
output times, solver).  The numbers of the mechanism (redox ladder, absorption,
quenching, losses, back reaction, reference potential) are parameters of the model's
table (:mod:`kinetics.photodoping.parameters`); a file changes them in its top-level
``[parameters]`` table.  Two conditions the reference paper did not report are optional
here: without ``[light] power_mW`` the irradiance is the nuisance parameter
``irradiance_mW_cm2``, without ``[sample] mass_conc_ug_per_mL`` the concentration is
the nuisance parameter ``colloid_conc_ug_per_mL``.
"""
from __future__ import annotations

from dataclasses import dataclass

from sim.config import Invalid, section, spec


@dataclass(frozen=True)
class Material:
    kind: str = spec("mil125", choices=("mil125", "oxide"),
                     doc="acceptor model: MIL-125 Ti8 node ladder (parameters ladder_*), or an "
                         "oxide conduction band (the keys below)")
    name: str = spec("MIL-125(Ti)", doc="label used in outputs")
    pairs_compensated_by: str = spec("H+", doc="counter-ion label (documentation only)")
    # oxide conduction band (material data of the oxide branch; no reference row uses it)
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
    mass_conc_ug_per_mL: float | None = spec(
        None, unit="ug/mL", gt=0.0, le=1e5,
        doc="particle mass concentration; omit when not reported: the nuisance parameter "
            "colloid_conc_ug_per_mL is used")
    density_g_cm3: float = spec(0.82, unit="g/cm^3", gt=0.0, le=20.0,
                                doc="crystal density (MIL-125: 0.82 from the cell and "
                                    "formula; ZnO: 5.61)")
    path_length_cm: float = spec(1.0, unit="cm", gt=0.0, le=100.0, doc="optical path")
    solvent: str = spec("methanol", doc="solvent label")
    solvent_dielectric: float = spec(32.7, gt=1.0, le=200.0,
                                     doc="relative permittivity of the solvent (methanol 32.7)")
    temperature_K: float = spec(298.15, unit="K", gt=150.0, le=500.0, doc="temperature")


@dataclass(frozen=True)
class Light:
    wavelength_nm: float = spec(308.0, unit="nm", gt=150.0, le=2000.0, doc="excitation")
    power_mW: float | None = spec(
        None, unit="mW", ge=0.0, le=1e5,
        doc="optical power reaching the sample (0 = dark); omit when not reported: the "
            "irradiance is then the nuisance parameter irradiance_mW_cm2")
    area_cm2: float = spec(1.0, unit="cm^2", gt=0.0, le=1e4,
                           doc="illuminated area (used with power_mW)")


@dataclass(frozen=True)
class Quencher:
    name: str = spec("methanol", doc="hole quencher (its rate constant is the parameter "
                                     "hole_transfer_per_M_s)")
    conc_M: float = spec(24.7, unit="M", ge=0.0, le=100.0,
                         doc="quencher concentration (neat methanol 24.7 M)")


@dataclass(frozen=True)
class BackReaction:
    couple: str = spec("H+/H2", doc="couple that takes the stored electrons (label; its "
                                    "potential is the parameter couple_potential_V_vs_NHE)")
    reversible: bool = spec(False, doc="include the anodic branch (product present)")


@dataclass(frozen=True)
class Spectra:
    dd_centers_cm1: tuple[float, ...] = spec([16400.0, 20200.0], unit="cm^-1", gt=0.0,
                                             min_len=1, max_len=8,
                                             doc="Ti3+ d-d band centres (seed 000, Fig. 4)")
    dd_fwhm_cm1: tuple[float, ...] = spec([3000.0, 3500.0], unit="cm^-1", gt=0.0,
                                          min_len=1, max_len=8,
                                          doc="band widths (assumed; shown in the plot only)")
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
    back_reaction: BackReaction = section(BackReaction)
    spectra: Spectra = section(Spectra)
    output: Output = section(Output)
    solver: Solver = section(Solver)

    def check(self):
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
