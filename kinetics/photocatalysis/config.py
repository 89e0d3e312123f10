"""The experiment-file schema of the photocatalysis model (``nanokin keys photocatalysis``).

Mechanism parameters are not part of it: they live in the model's parameter table
(:mod:`kinetics.photocatalysis.parameters`) and an experiment overrides them in the
common top-level ``[parameters]`` table.
"""
from __future__ import annotations

from dataclasses import dataclass

from sim.config import Invalid, section, spec

__all__ = ["QuantumDots", "Catalyst", "Solution", "Light", "Perovskite", "Run", "Solver",
           "PhotocatalysisConfig", "LIGHT_SOURCES", "CONC_BASES"]

#: Light sources: how the photons a run absorbs are known.
LIGHT_SOURCES = ("xe_longpass_400", "xe_bandpass_400", "monochromatic")
#: How ``quantum_dots.conc_M`` counts the QDs.
CONC_BASES = ("cd", "particles", "unreported")


@dataclass(frozen=True)
class QuantumDots:
    material: str = spec("CdTe", choices=("CdTe", "CdSe", "CdS"), doc="QD material (Peng sizing)")
    first_exciton_nm: float = spec(514.7, gt=350.0, lt=800.0, unit="nm",
                                   doc="first absorption peak (514.7 nm -> D = 2.7 nm for CdTe)")
    conc_M: float = spec(1.0e-4, gt=0.0, le=0.1, unit="M", doc="QD concentration as stated")
    conc_basis: str = spec("cd", choices=CONC_BASES,
                           doc="'cd': conc_M counts Cd atoms (particles = conc_M / Cd per QD); "
                               "'particles': conc_M counts QDs; 'unreported': the paper does "
                               "not say (seed 001's '1.0e-4 M QDs'), the particle concentration "
                               "is the nuisance parameter qd_particle_conc_M and conc_M is "
                               "kept as the stated number only")


@dataclass(frozen=True)
class Catalyst:
    conc_M: float = spec(1.0e-6, ge=0.0, le=1e-2, unit="M", doc="total cobalt catalyst")


@dataclass(frozen=True)
class Solution:
    pH: float = spec(5.5, ge=1.0, le=10.0, doc="pH set with NaOH/HCl before irradiation")
    ascorbic_acid_M: float = spec(0.28, gt=0.0, le=2.0, unit="M", doc="total ascorbic acid H2A")
    volume_mL: float = spec(10.0, ge=1e-3, le=1e4, unit="mL",
                            doc="solution volume (>= 1 uL: per-QD photon rates divide by the "
                                "number of QDs in it)")
    path_length_cm: float = spec(1.0, gt=0.0, le=20.0, unit="cm", doc="optical path")


@dataclass(frozen=True)
class Light:
    source: str = spec("xe_longpass_400", choices=LIGHT_SOURCES,
                       doc="'xe_longpass_400': 300 W Xe with a >400 nm cut-off (incident flux in "
                           "the QD band: nuisance parameter xe_incident_flux_umol_h); "
                           "'xe_bandpass_400': 300 W Xe with a 400 nm band-pass filter, absorbed "
                           "power not reported (nuisance parameter xe_bandpass_absorbed_power_mW); "
                           "'monochromatic': light of known absorbed power (absorbed_power_mW)")
    wavelength_nm: float = spec(400.0, gt=200.0, lt=1100.0, unit="nm",
                                doc="wavelength of the monochromatic light or centre of the band-pass "
                                    "filter (the cut-off source is counted in photons and does "
                                    "not use it)")
    absorbed_power_mW: float = spec(0.0, ge=0.0, le=1e4, unit="mW",
                                    doc="absorbed power, monochromatic source only")


@dataclass(frozen=True)
class Perovskite:
    morphology: str = spec("rods", choices=("cubes", "rods"), doc="3D nanocubes or 1D nanorods")
    ligand: str = spec("BF4", choices=("BF4", "native"), doc="after BF4- exchange or as made")
    pl_lifetime_ns: float = spec(125.6, gt=0.0, le=1e5, unit="ns", doc="average PL lifetime")
    valence_band_V: float = spec(1.36, ge=-3.0, le=4.0, unit="V vs NHE", doc="VB-XPS position")
    band_gap_eV: float = spec(2.37, gt=0.5, le=5.0, unit="eV", doc="Tauc band gap")
    br_vacancy_fraction: float = spec(0.413, gt=0.0, le=1.0,
                                      doc="Pb(δ+) fraction from Pb 4f XPS (Br-vacancy sites)")
    mass_mg: float = spec(10.0, gt=0.0, le=1e5, unit="mg", doc="photocatalyst mass")
    aqy_absorbed_fraction: float = spec(1.0, gt=0.0, le=1.0,
                                        doc="fraction of incident photons absorbed in the AQY "
                                            "measurement")


@dataclass(frozen=True)
class Run:
    time_h: float = spec(30.0, gt=0.0, le=1000.0, unit="h", doc="irradiation time")
    n_times: int = spec(61, ge=3, le=100_000, doc="output times (evenly spaced, t = 0 included)")
    qe_window_h: float = spec(5.0, gt=0.0, unit="h",
                              doc="window for the average QE (seed 001: 5 h; capped at time_h)")


@dataclass(frozen=True)
class Solver:
    method: str = spec("deterministic", choices=("deterministic", "stochastic", "both"),
                       doc="qd_catalyst: master equation, per-QD Gillespie, or both")
    n_qd: int = spec(2000, ge=1, le=10_000_000, doc="QDs simulated stochastically")
    n_streams: int = spec(64, ge=1, le=65536, doc="random streams (QDs are split among them)")
    rtol: float = spec(1e-8, gt=0.0, lt=1e-2, doc="master-equation relative tolerance")
    max_events: int = spec(2_000_000_000, ge=1, le=10**15,
                           doc="work budget of the stochastic solver: a run whose estimated "
                               "number of Gillespie events (n_qd x (1 + expected events per "
                               "QD)) exceeds it is refused before it starts")


@dataclass(frozen=True)
class PhotocatalysisConfig:
    system: str = spec("qd_catalyst", choices=("qd_catalyst", "perovskite_pt"),
                       doc="which photocatalyst")
    quantum_dots: QuantumDots = section(QuantumDots)
    catalyst: Catalyst = section(Catalyst)
    solution: Solution = section(Solution)
    light: Light = section(Light)
    perovskite: Perovskite = section(Perovskite)
    run: Run = section(Run)
    solver: Solver = section(Solver)

    def check(self):
        if self.system == "qd_catalyst" and self.quantum_dots.material != "CdTe":
            raise Invalid("quantum_dots.material", self.quantum_dots.material,
                          "CdTe (the kinetic parameters of the QD + cobalt catalyst system are "
                          "sourced and calibrated for TGA-CdTe only, seed 001; CdSe and CdS "
                          "are kept for Peng sizing in kinetics.analysis)",
                          "no sourced charge-transfer, binding or deactivation parameters "
                          "for this QD material")
        if self.system == "qd_catalyst":
            if self.light.source == "monochromatic" and self.light.absorbed_power_mW <= 0:
                raise Invalid("light.absorbed_power_mW", self.light.absorbed_power_mW,
                              "> 0 for a monochromatic source", "no light")
            if self.solver.n_streams > self.solver.n_qd:
                raise Invalid("solver.n_streams", self.solver.n_streams,
                              f"at most solver.n_qd = {self.solver.n_qd}", "more streams than QDs")
