"""Materials data of the growth model, read from ``inputs/materials/`` (never constants here).

- frameworks: ``inputs/materials/frameworks/<stem>.toml`` (+ the CIF it names): metal, node
  (metal atoms, oxo/hydroxo O, carboxylates), linker (pKa, linkers per node), metal-linker
  stability constant; the crystal volume per metal atom comes from the CIF.
- precursors: ``inputs/materials/precursors/<stem>.toml``: metal, ligand, Charton ν, water
  brought in, strong acid left per metal.
- modulators: ``inputs/materials/modulators/<stem>.toml``: pKa and size descriptors.
- solvents: ``inputs/materials/solvents.toml``: boiling points (domain warnings).

Every entry is found by its ``name``, one of its ``aliases`` or its file stem; an unknown
name raises :class:`KeyError` whose message lists the files available.  Only physical
constants live in this module.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from sim.paths import inputs_dir

R_GAS = 8.314462618          # J/(mol K)
K_B = 1.380649e-23           # J/K
N_A = 6.02214076e23          # 1/mol
T_REF_K = 383.15             # 110 °C, the reference temperature of the rate parameters


def materials_dir() -> Path:
    return inputs_dir() / "materials"


@dataclass(frozen=True)
class Framework:
    name: str
    file: Path
    metal: str
    cif: Path
    metal_per_node: int
    oxo_hydroxo_o_per_node: int
    hydroxo_per_node: int
    carboxylates_per_node: int
    linker_per_node: int
    linker_name: str
    pka_linker: tuple
    log_beta_metal_linker: float
    scherrer_peak_below_deg: float
    source: str

    @property
    def linker_per_metal(self) -> float:
        return self.linker_per_node / self.metal_per_node

    @property
    def water_per_metal(self) -> float:
        """H2O consumed per metal to build the node's oxo/hydroxo O (node formula)."""
        return self.oxo_hydroxo_o_per_node / self.metal_per_node

    @property
    def volume_per_metal_nm3(self) -> float:
        """Crystal volume per metal atom (nm³) from the CIF."""
        from structures.frameworks import metal_count_and_volume

        n, vol = metal_count_and_volume(self.cif)
        return vol / n

    @property
    def molar_volume_L_per_mol(self) -> float:
        """Crystal volume per mol of metal (L/mol), from the CIF."""
        return self.volume_per_metal_nm3 * 1e-24 * N_A

    @property
    def node_volume_nm3(self) -> float:
        return self.volume_per_metal_nm3 * self.metal_per_node

    @property
    def surface_carboxylates_per_nm2(self) -> float:
        """Carboxylate sites per nm² of crystal surface: the nodes of one layer,
        (node density)^(2/3), each with half of its carboxylates facing outward."""
        density = 1.0 / self.node_volume_nm3
        return density ** (2.0 / 3.0) * self.carboxylates_per_node / 2.0


@dataclass(frozen=True)
class Precursor:
    name: str
    file: Path
    metal: str
    ligand: str
    charton_nu: float
    water_per_metal: float
    acid_per_metal: float
    source: str


@dataclass(frozen=True)
class Modulator:
    name: str
    file: Path
    pka: float
    heavy_atoms: int
    aromatic: bool
    source: str


def _read(path: Path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _need(data: dict, key: str, path: Path, kind=None):
    if key not in data:
        raise ValueError(f"{path}: key '{key}' missing (materials data file)")
    v = data[key]
    if kind is float and not isinstance(v, (int, float)):
        raise ValueError(f"{path}: key '{key}' = {v!r} is not a number")
    return v


@lru_cache(maxsize=None)
def _index(kind: str) -> dict:
    """{lower-case name/alias/stem: path} of one kind of materials file."""
    out = {}
    for path in sorted((materials_dir() / kind).glob("*.toml")):
        data = _read(path)
        for key in [path.stem, data.get("name", path.stem), *data.get("aliases", [])]:
            out[str(key).lower()] = path
    return out


def available(kind: str) -> list[str]:
    """The names of the ``kind`` files (frameworks, precursors, modulators)."""
    seen = []
    for path in sorted((materials_dir() / kind).glob("*.toml")):
        name = _read(path).get("name", path.stem)
        seen.append(f"{name} ({kind}/{path.name})")
    return seen


def names(kind: str) -> tuple:
    return tuple(_read(p).get("name", p.stem)
                 for p in sorted((materials_dir() / kind).glob("*.toml")))


def _path(kind: str, name: str) -> Path:
    idx = _index(kind)
    key = str(name).lower()
    if key not in idx:
        raise KeyError(f"no {kind[:-1]} '{name}' in {materials_dir() / kind}; available: "
                       + ", ".join(available(kind)))
    return idx[key]


def known(kind: str, name: str) -> bool:
    return str(name).lower() in _index(kind)


@lru_cache(maxsize=None)
def framework(name: str) -> Framework:
    path = _path("frameworks", name)
    d = _read(path)
    node, linker = _need(d, "node", path), _need(d, "linker", path)
    oxo = int(_need(node, "oxo_hydroxo_o", path))
    formula = str(node.get("formula", ""))
    hydroxo = _hydroxo_count(formula)
    pka = tuple(float(x) for x in _need(linker, "pka", path))
    if len(pka) != 2:
        raise ValueError(f"{path}: linker.pka = {pka!r}; allowed: two values (dicarboxylic acid)")
    return Framework(
        name=str(d.get("name", path.stem)), file=path, metal=str(_need(d, "metal", path)),
        cif=path.parent / str(_need(d, "cif", path)),
        metal_per_node=int(_need(node, "metal_atoms", path)), oxo_hydroxo_o_per_node=oxo,
        hydroxo_per_node=hydroxo, carboxylates_per_node=int(_need(node, "carboxylates", path)),
        linker_per_node=int(_need(linker, "per_node", path)),
        linker_name=str(linker.get("name", "")), pka_linker=pka,
        log_beta_metal_linker=float(_need(linker, "log_beta_metal_linker", path, float)),
        scherrer_peak_below_deg=float(d.get("scherrer_peak_below_deg", 8.0)),
        source=str(d.get("source", "")))


def _hydroxo_count(formula: str) -> int:
    """Number of OH groups in a node formula like ``Zr6O4(OH)4`` (0 if none)."""
    import re

    m = re.search(r"\(OH\)(\d*)", formula)
    if not m:
        return 0
    return int(m.group(1) or 1)


@lru_cache(maxsize=None)
def precursor(name: str) -> Precursor:
    path = _path("precursors", name)
    d = _read(path)
    return Precursor(name=str(d.get("name", path.stem)), file=path,
                     metal=str(_need(d, "metal", path)), ligand=str(d.get("ligand", "")),
                     charton_nu=float(_need(d, "charton_nu", path, float)),
                     water_per_metal=float(d.get("water_per_metal", 0.0)),
                     acid_per_metal=float(d.get("acid_per_metal", 0.0)),
                     source=str(d.get("source", "")))


@lru_cache(maxsize=None)
def modulator(name: str) -> Modulator:
    path = _path("modulators", name)
    d = _read(path)
    return Modulator(name=str(d.get("name", path.stem)), file=path,
                     pka=float(_need(d, "pka", path, float)),
                     heavy_atoms=int(_need(d, "heavy_atoms_beyond_carboxylate", path)),
                     aromatic=bool(d.get("aromatic", False)), source=str(d.get("source", "")))


@lru_cache(maxsize=None)
def solvents() -> dict:
    return _read(materials_dir() / "solvents.toml")


def water_M_per_mL_of(name: str = "water") -> float:
    """mol of water per mL (density / molar mass from solvents.toml)."""
    w = solvents()[name]
    return w["density_g_mL"] / w["molar_mass_g_mol"]


def dmf_M(dmf_mL: float, volume_L: float) -> float:
    d = solvents()["DMF"]
    return dmf_mL * d["density_g_mL"] / d["molar_mass_g_mol"] / volume_L


def boiling_point_C(name: str) -> float:
    return float(solvents()[name]["boiling_point_C"])


def sphere_nodes(fw: Framework, diameter_nm: float) -> float:
    return math.pi / 6.0 * diameter_nm ** 3 / fw.node_volume_nm3
