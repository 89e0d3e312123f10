"""The experiment-file schema of the photodoping model.

An experiment file states what was done (particles, sample, light, hole quencher,
output times, solver).  The numbers of the mechanism (redox ladder, absorption,
quenching, losses, back reaction) are parameters of the model's table
(:mod:`kinetics.photodoping.parameters`) for MIL-125, or of the named material preset
(``[material] preset``, :mod:`kinetics.photodoping.presets`) for any other material; a
file changes them in its top-level ``[parameters]`` table.  The hole quencher is a
preset too (``[quencher] name``): its concentration when neat, the couple of its
oxidation product and its hole-transfer rate constant per material.  A material,
quencher and solvent must be named: nothing is taken silently from another material.  Two conditions the reference paper did not report are optional
here: without ``[light] power_mW`` the irradiance is the nuisance parameter
``irradiance_mW_cm2``, without ``[sample] mass_conc_ug_per_mL`` the concentration is
the nuisance parameter ``colloid_conc_ug_per_mL``.
"""
from __future__ import annotations

from dataclasses import dataclass

from sim.config import Invalid, section, spec


@dataclass(frozen=True)
class Material:
    preset: str = spec(doc="material preset: a file inputs/photodoping/materials/<preset>.toml "
                           "(mil125, zno, tio2_anatase, in2o3); its band edge, effective mass, "
                           "permittivity, density and mechanism numbers are used")

    def check(self):
        from kinetics.photodoping.presets import available
        if self.preset not in available("materials"):
            raise Invalid("preset", self.preset, ", ".join(available("materials")),
                          "no material preset of this name")


@dataclass(frozen=True)
class Particles:
    diameter_nm: float = spec(25.0, unit="nm", ge=1.0, le=5000.0,
                              doc="diameter (mean diameter for a lognormal distribution)")
    distribution: str = spec("monodisperse", choices=("monodisperse", "lognormal", "file"),
                             doc="size distribution of the particles")
    dispersity: float = spec(0.17, ge=0.0, le=2.0,
                             doc="lognormal: std/mean of the diameter (0.17 in seed 000)")
    file: str = spec("", path=True, doc="file: CSV with a diameter_nm column and optional weight column, "
                             "or a growth-model result (.h5: classes/diameter_nm, "
                             "classes/number_per_L)")
    n_particles: int = spec(2000, ge=1, le=1_000_000, doc="particles simulated by kMC")
    n_size_classes: int = spec(24, ge=1, le=512,
                               doc="size classes (one rate table each) for a distribution")


@dataclass(frozen=True, kw_only=True)
class Sample:
    mass_conc_ug_per_mL: float | None = spec(
        None, unit="ug/mL", gt=0.0, le=1e5,
        doc="particle mass concentration; omit when not reported: the nuisance parameter "
            "colloid_conc_ug_per_mL is used")
    density_g_cm3: float | None = spec(None, unit="g/cm^3", gt=0.0, le=30.0,
                                       doc="particle density; omit to use the material "
                                           "preset's")
    path_length_cm: float = spec(1.0, unit="cm", gt=0.0, le=100.0, doc="optical path")
    solvent: str = spec(doc="solvent (names the Fc+/0 potential in "
                            "inputs/data/reference_electrodes.toml when reference_electrode "
                            "is Fc+/0)")
    reference_electrode: str = spec("NHE", doc="electrode the reported E_oc is referred to "
                                               "(NHE, SCE, Ag/AgCl, Fc+/0; data in "
                                               "inputs/data/reference_electrodes.toml)")
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
    name: str = spec(doc="hole quencher preset: inputs/photodoping/quenchers/<name>.toml "
                         "(methanol, ethanol, 2-propanol, triethylamine)")
    conc_M: float | None = spec(None, unit="M", ge=0.0, le=100.0,
                                doc="quencher concentration; omit for the neat liquid "
                                    "(the preset's neat_conc_M)")

    def check(self):
        from kinetics.photodoping.presets import available
        if self.name not in available("quenchers"):
            raise Invalid("name", self.name, ", ".join(available("quenchers")),
                          "no hole-quencher preset of this name")


@dataclass(frozen=True)
class BackReaction:
    reversible: bool = spec(False, doc="include the anodic branch (oxidation of the quencher "
                                       "by the particle in the dark)")


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
                               "coarse-grained (graded steps: 1 electron near empty and "
                               "full, ~eps n between)")
    rtol: float = spec(1e-6, gt=0.0, lt=1.0, doc="master equation relative tolerance")
    atol: float = spec(1e-11, gt=0.0, lt=1.0, doc="master equation absolute tolerance")


@dataclass(frozen=True, kw_only=True)
class PhotodopingConfig:
    material: Material = section(Material, required=True)
    particles: Particles = section(Particles)
    sample: Sample = section(Sample, required=True)
    light: Light = section(Light)
    quencher: Quencher = section(Quencher, required=True)
    back_reaction: BackReaction = section(BackReaction)
    spectra: Spectra = section(Spectra)
    output: Output = section(Output)
    solver: Solver = section(Solver)

    def check(self):
        if self.sample.reference_electrode == "Fc+/0" or \
                self.sample.reference_electrode not in ("NHE", "SCE", "Ag/AgCl"):
            from sim.config import ConfigError
            from kinetics.photophysics import reference_entry
            try:
                reference_entry(self.sample.reference_electrode, self.sample.solvent)
            except ConfigError as err:
                raise Invalid("sample." + ("solvent" if err.key == "solvent"
                                           else "reference_electrode"),
                              err.value, err.allowed, err.problem) from None
        p = self.particles
        if p.distribution == "file":
            if not p.file:
                raise Invalid("particles.file", p.file, "a CSV path with a diameter_nm column",
                              "distribution = 'file' needs a file")
            from kinetics.photodoping.rates import read_sizes
            read_sizes(p.file)          # the size file is checked before any work
        if p.distribution != "monodisperse" and self.solver.method == "master" \
                and p.n_size_classes > 64:
            raise Invalid("particles.n_size_classes", p.n_size_classes,
                          "<= 64 with the master equation (one chain per class)",
                          "too many chains")
