"""Material and hole-quencher presets of the photodoping model (data files).

``inputs/photodoping/materials/<id>.toml``: a material's kind (``mil125`` node ladder or
``oxide`` conduction band), its data (band edge, effective mass, permittivity, density,
capacity), each as ``{value, source}``, and, for every material but the one the model's
table is calibrated on (``parameters_from_table = true``: MIL-125), the mechanism numbers
in ``[parameters]`` (all of :data:`MATERIAL_PARAMETERS`, none silently taken from another
material).

``inputs/photodoping/quenchers/<id>.toml``: neat concentration, the two-electron couple of
the quencher's oxidation product (E0 at pH 0 vs NHE, electrons, protons) and the hole
transfer rate constant per material id (a material not listed is refused).
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache

from sim.config import ConfigError
from sim.paths import model_inputs

#: mechanism numbers that belong to a material (a preset must give all of them)
MATERIAL_PARAMETERS = ("absorption_coefficient_per_cm", "bleach_max", "recombination_per_s",
                       "auger_per_s", "auger_exponent", "back_rate_constant_per_nm2_s",
                       "transfer_coefficient", "uncompensated_fraction")
MATERIAL_DATA = ("cb_edge_V_vs_NHE", "effective_mass", "dielectric_constant",
                 "density_g_cm3", "capacity_per_nm3")
KINDS = ("mil125", "oxide")


@dataclass(frozen=True)
class MaterialPreset:
    id: str
    name: str
    kind: str
    cb_edge_V_vs_NHE: float
    effective_mass: float
    dielectric_constant: float
    density_g_cm3: float
    capacity_per_nm3: float
    parameters_from_table: bool
    parameters: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)


@dataclass(frozen=True)
class QuencherPreset:
    id: str
    name: str
    neat_conc_M: float
    product: str
    couple_E0_V_vs_NHE: float
    electrons: int
    protons: int
    hole_transfer_per_M_s: dict
    sources: dict = field(default_factory=dict)


def _dir(kind: str):
    return model_inputs("photodoping") / kind


def available(kind: str) -> tuple[str, ...]:
    """Preset ids in ``inputs/photodoping/<kind>`` (kind: materials or quenchers)."""
    return tuple(sorted(p.stem for p in _dir(kind).glob("*.toml")))


def _load(kind: str, ident: str, key: str) -> tuple[dict, str]:
    path = _dir(kind) / f"{ident}.toml"
    if not ident or not path.is_file():
        raise ConfigError(None, key, ident, ", ".join(available(kind)),
                          f"no {kind[:-1]} preset of this name (inputs/photodoping/{kind}/)")
    with open(path, "rb") as fh:
        return tomllib.load(fh), str(path)


def _value(data, key, path, sources):
    entry = data.get(key)
    if isinstance(entry, dict):
        v = entry.get("value")
        src = entry.get("source", "")
    else:
        v, src = entry, ""
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or not src:
        raise ConfigError(path, key, v, "a finite number given as {value = ..., source = '...'}",
                          "missing or unsourced preset value")
    sources[key] = src
    return float(v)


@lru_cache(maxsize=None)
def material(ident: str) -> MaterialPreset:
    """The material preset ``ident`` (ConfigError naming the allowed ids if unknown)."""
    raw, path = _load("materials", ident, "material.preset")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ConfigError(path, "kind", kind, ", ".join(KINDS), "unknown material kind")
    sources: dict = {}
    data = {k: _value(raw.get("material", {}), k, path, sources) for k in MATERIAL_DATA}
    from_table = bool(raw.get("parameters_from_table", False))
    params = {}
    if not from_table:
        given = raw.get("parameters", {})
        missing = [k for k in MATERIAL_PARAMETERS if k not in given]
        if missing:
            raise ConfigError(path, "parameters", missing,
                              f"all of {', '.join(MATERIAL_PARAMETERS)}",
                              "a material preset gives every mechanism number of its own")
        params = {k: _value(given, k, path, sources) for k in MATERIAL_PARAMETERS}
    return MaterialPreset(ident, str(raw.get("name", ident)), kind, parameters_from_table=from_table,
                          parameters=params, sources=sources, **data)


@lru_cache(maxsize=None)
def quencher(ident: str) -> QuencherPreset:
    """The hole-quencher preset ``ident``."""
    raw, path = _load("quenchers", ident, "quencher.name")
    sources: dict = {}
    conc = _value(raw, "neat_conc_M", path, sources)
    e0 = _value(raw, "couple_E0_V_vs_NHE", path, sources)
    kq = {}
    for mat, entry in raw.get("hole_transfer_per_M_s", {}).items():
        s: dict = {}
        kq[mat] = _value({"k": entry}, "k", path, s)
        sources[f"hole_transfer_per_M_s.{mat}"] = s["k"]
    n_e, n_h = int(raw.get("electrons", 2)), int(raw.get("protons", 2))
    return QuencherPreset(ident, str(raw.get("name", ident)), conc, str(raw.get("product", "")),
                          e0, n_e, n_h, kq, sources)


def hole_transfer_per_M_s(material_id: str, quencher_id: str) -> float:
    """k_q of ``quencher_id`` on ``material_id``; refused when the preset does not list it."""
    q = quencher(quencher_id)
    if material_id not in q.hole_transfer_per_M_s:
        raise ConfigError(_dir("quenchers") / f"{quencher_id}.toml",
                          "hole_transfer_per_M_s", material_id,
                          ", ".join(sorted(q.hole_transfer_per_M_s)),
                          "no hole-transfer rate constant for this material")
    return q.hole_transfer_per_M_s[material_id]
