"""Experiment-file schema of the ligand-exchange model (sections and keys of the TOML).

Rate constants and every other mechanism number are not set here: they are parameters
of :data:`kinetics.ligand_exchange.parameters.PARAMETERS`, overridden by name in the
engine's top-level ``[parameters]`` table of an experiment file.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.config import Invalid, section, spec
from structures.ligands import DITHIOLS, MONOTHIOLS


@dataclass(frozen=True)
class ClusterSpec:
    centre: str = spec("Pt", choices=("Au", "Pt", "Pd"), doc="centre atom of the M13 core")
    initial_ligand: str = spec("PET", choices=tuple(MONOTHIOLS), doc="monothiolate on all 18 sites at t = 0")
    preformed_dithiol: str = spec("", choices=("",) + tuple(DITHIOLS),
                                  doc="dithiolate already bridging a C3 triple of core pairs "
                                      "(e.g. PDT for TBBT12PDT3)")
    preformed_bridges: int = spec(0, choices=(0, 3), doc="bridges of preformed_dithiol at t = 0 (0 or 3)")
    conc_mM: float | None = spec(None, gt=0.0, le=100.0, unit="mM",
                                 doc="cluster concentration; when omitted, the parameter "
                                     "cluster_conc_mM (a nuisance parameter: the concentration "
                                     "of a run whose paper does not state it)")
    structure_file: str = spec("", path=True, doc="optional xyz/cif/pdb file with the cluster (metals and S); "
                               "default: built from bond lengths")
    product_structure_file: str = spec("", path=True, doc="optional xyz/cif/pdb file of the bridged (rearranged) "
                                       "shell whose dithiolate bridges (C chains joining two S) give "
                                       "the bridged S-S distance; default: the shipped "
                                       "au24pt_pdt3_bridged.xyz")

    def check(self):
        if self.preformed_bridges and not self.preformed_dithiol:
            raise Invalid("preformed_dithiol", self.preformed_dithiol, "a dithiol name",
                          "preformed_bridges > 0 needs the dithiol")


@dataclass(frozen=True)
class Reagents:
    monothiol: str = spec("", choices=("",) + tuple(MONOTHIOLS), doc="added monothiol (free thiol)")
    monothiol_equiv: float = spec(0.0, ge=0.0, unit="per cluster", doc="equivalents of the monothiol per cluster")
    dithiol: str = spec("", choices=("",) + tuple(d for d in DITHIOLS if DITHIOLS[d].can_bridge),
                        doc="added dithiol HS-X-SH")
    dithiol_equiv: float = spec(0.0, ge=0.0, unit="per cluster", doc="equivalents of the dithiol per cluster")
    disulfide_fraction: float = spec(0.0, ge=0.0, le=0.5, unit="mol/mol",
                                     doc="(PDTH)2 disulfide impurity per dithiol")

    def check(self):
        if self.monothiol_equiv > 0 and not self.monothiol:
            raise Invalid("monothiol", self.monothiol, "a monothiol name", "equivalents given without a monothiol")
        if self.dithiol_equiv > 0 and not self.dithiol:
            raise Invalid("dithiol", self.dithiol, "a dithiol name", "equivalents given without a dithiol")


@dataclass(frozen=True)
class Conditions:
    temperature_C: float = spec(25.0, ge=-80.0, le=150.0, unit="°C", doc="reaction temperature")
    times_min: tuple[float, ...] = spec([0.0, 5.0, 20.0, 90.0, 300.0], ge=0.0, unit="min", min_len=1,
                                        doc="output times (increasing)")
    plot_times_min: tuple[float, ...] = spec([], ge=0.0, unit="min",
                                             doc="times shown in the composition plot (default: all)")
    ms_charge: int = spec(1, ge=1, le=6, doc="charge z of the simulated negative-ion mass spectrum (z-)")

    def check(self):
        t = self.times_min
        if any(b <= a for a, b in zip(t, t[1:])):
            raise Invalid("times_min", list(t), "strictly increasing times", "times not increasing")


@dataclass(frozen=True)
class Mechanism:
    rearrangement: bool = spec(True, doc="staple rearrangement after the first bridge (rule 3)")


@dataclass(frozen=True)
class Solver:
    n_clusters: int = spec(2000, ge=1, le=2_000_000, doc="clusters in the simulated population")
    max_events: int = spec(2_000_000_000, ge=1, doc="stop after this many events (output times not "
                           "reached are stored as missing, NaN, with a warning)")
    max_work_events: float = spec(1e10, gt=0.0, doc="refuse a run whose estimated number of events "
                                  "(initial propensity x simulated time) is larger; raise it to run anyway")
    bridge_pair_kinds: tuple[str, ...] = spec(["core-core"], choices=("core-core", "core-apex", "apex-apex"),
                                              doc="kinds of inter-staple S-S pairs a dithiol may bridge")
    max_pair_distance_A: float = spec(6.0, gt=3.0, le=10.0, unit="Å", doc="longest candidate bridge pair")


@dataclass(frozen=True)
class LigandExchangeConfig:
    cluster: ClusterSpec = section(ClusterSpec)
    reagents: Reagents = section(Reagents)
    conditions: Conditions = section(Conditions)
    mechanism: Mechanism = section(Mechanism)
    solver: Solver = section(Solver)

    def check(self):
        for key in ("structure_file", "product_structure_file"):
            f = getattr(self.cluster, key)
            if f:
                _check_structure(f"cluster.{key}", f, bridged=key == "product_structure_file")


def _check_structure(key: str, path: str, bridged: bool) -> None:
    """Read and classify a structure file at validation time (cheap), so a bad file is
    refused before any work, with the file, key and what is allowed."""
    from structures.clusters import ALLOWED_STRUCTURES, read_structure
    from structures.sites import bridged_pairs, classify_sites, frame_of

    try:
        atoms = read_structure(path)
        sites = classify_sites(frame_of(atoms))
        if sites.n_sites != 18 or int(sites.is_core.sum()) != 12:
            raise ValueError(f"{path}: {sites.n_sites} S sites ({int(sites.is_core.sum())} core); "
                             "an M25(SR)18 cluster has 18 (12 core, 6 apex)")
        if bridged and not bridged_pairs(atoms):
            raise ValueError(f"{path}: no dithiolate bridge (a C chain joining two S atoms)")
    except ValueError as exc:
        raise Invalid(key, path, ALLOWED_STRUCTURES, str(exc)) from None
