"""The experiment-file schema of the growth model: [synthesis] and [numerics]."""
from __future__ import annotations

from dataclasses import dataclass

from sim.config import Invalid, section, spec

from kinetics.growth import materials as mat

AMBIENT = "ambient"


@dataclass(frozen=True)
class Synthesis:
    material: str = spec("MIL-125", doc="the framework: name or file stem of "
                         "inputs/materials/frameworks/*.toml (MIL-125, UiO-66, NH2-MIL-125)")
    precursor: str = spec("Ti(OBu)4", doc="the metal source: name or file stem of "
                          "inputs/materials/precursors/*.toml")
    metal_mmol: float = spec(1.2, unit="mmol", gt=0, le=100, doc="metal precursor amount")
    linker_mmol: float = spec(1.2, unit="mmol", gt=0, le=100,
                              doc="linker (dicarboxylic acid of the material) amount")
    modulator: str = spec("benzoic", doc="monocarboxylic acid modulator: name or file stem of "
                          "inputs/materials/modulators/*.toml")
    modulator_eq: float = spec(5.0, unit="eq per BDC", ge=0, le=100,
                               doc="modulator equivalents per terephthalic acid")
    water_vol_percent: float | str = spec(
        0.25, unit="vol % of DMF", ge=0, le=100,
        doc="water added, volume percent relative to DMF; or \"ambient\": no water added "
            "and the (unmeasured) ambient water content is the parameter "
            "ambient_water_vol_percent")
    dmf_mL: float = spec(15.0, unit="mL", gt=0, le=10000, doc="DMF volume")
    methanol_mL: float = spec(4.5, unit="mL", ge=0, le=10000, doc="methanol volume")
    temperature_C: float = spec(110.0, unit="°C", gt=-273.15, le=300, doc="reflux temperature")
    time_h: float = spec(6.0, unit="h", gt=0, le=200, doc="reaction time")

    def check(self):
        for key, kind in (("material", "frameworks"), ("precursor", "precursors"),
                          ("modulator", "modulators")):
            value = getattr(self, key)
            if not mat.known(kind, value):
                raise Invalid(key, value, "one of " + ", ".join(mat.available(kind)),
                              f"no such file in inputs/materials/{kind}/")
        fw, pre = mat.framework(self.material), mat.precursor(self.precursor)
        if fw.metal != pre.metal:
            raise Invalid("precursor", self.precursor,
                          f"a {fw.metal} precursor for {fw.name}: " + ", ".join(
                              n for n in mat.names("precursors")
                              if mat.precursor(n).metal == fw.metal),
                          f"{pre.name} is a {pre.metal} source")
        if isinstance(self.water_vol_percent, str) and self.water_vol_percent != AMBIENT:
            raise Invalid("water_vol_percent", self.water_vol_percent,
                          f'a number >= 0 and <= 100 (unit: vol % of DMF) or "{AMBIENT}"',
                          "not a known choice")
        if self.temperature_C < 20.0:
            raise Invalid("temperature_C", self.temperature_C, "20 to 300 °C",
                          "the rate parameters are for reflux conditions")

    @property
    def ambient_water(self) -> bool:
        return self.water_vol_percent == AMBIENT

    def water_percent(self, values) -> float:
        """The water content (vol % of DMF): the added amount, or the ambient-water
        parameter of ``values`` when the file says "ambient"."""
        if self.ambient_water:
            return float(values["ambient_water_vol_percent"])
        return float(self.water_vol_percent)


@dataclass(frozen=True)
class Numerics:
    max_classes: int = spec(1000, ge=10, le=100000, doc="particle classes kept")
    histogram_bins: int = spec(250, ge=10, le=5000, doc="log-spaced diameter bins")
    histogram_max_nm: float = spec(1e5, unit="nm", gt=10, le=1e7,
                                   doc="upper edge of the size grid (lower edge 1 nm); larger "
                                       "particles are counted in the last bin with a warning")
    output_points: int = spec(61, ge=2, le=10000, doc="times at which the state is stored")
    max_step_s: float = spec(600.0, unit="s", gt=0, le=3600, doc="largest time step")
    # defaults: diameter and dispersity within 0.7 % of runs with 4x smaller steps and
    # merge_ratio 1.01 on the reference experiments (README, growth: time-step error)
    step_change: float = spec(0.01, gt=0, le=0.5,
                              doc="largest relative change of the dissolved Ti per step")
    merge_ratio: float = spec(1.02, ge=1.0, le=10.0,
                              doc="new nuclei join the newest class while its radius is below "
                                  "merge_ratio x critical radius (1 = one class per step)")


@dataclass(frozen=True)
class GrowthConfig:
    synthesis: Synthesis = section(Synthesis, doc="what goes into the flask")
    numerics: Numerics = section(Numerics, doc="solver settings")
