"""The experiment-file schema of the growth model: [synthesis] and [numerics]."""
from __future__ import annotations

from dataclasses import dataclass

from sim.config import Invalid, section, spec

from kinetics.growth.materials import MODULATORS, PRECURSORS

AMBIENT = "ambient"


@dataclass(frozen=True)
class Synthesis:
    precursor: str = spec("Ti(OBu)4", choices=PRECURSORS, doc="Ti source")
    ti_mmol: float = spec(1.2, unit="mmol", gt=0, le=100, doc="Ti precursor amount")
    linker_mmol: float = spec(1.2, unit="mmol", gt=0, le=100,
                              doc="terephthalic acid (H2BDC) amount")
    modulator: str = spec("benzoic", choices=MODULATORS, doc="monocarboxylic acid modulator")
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
    max_classes: int = spec(400, ge=10, le=100000, doc="particle classes kept")
    histogram_bins: int = spec(200, ge=10, le=5000, doc="log-spaced diameter bins")
    output_points: int = spec(61, ge=2, le=10000, doc="times at which the state is stored")
    max_step_s: float = spec(600.0, unit="s", gt=0, le=3600, doc="largest time step")
    step_change: float = spec(0.02, gt=0, le=0.5,
                              doc="largest relative change of the dissolved Ti per step")
    merge_ratio: float = spec(1.05, ge=1.0, le=10.0,
                              doc="new nuclei join the newest class while its radius is below "
                                  "merge_ratio x critical radius (1 = one class per step)")


@dataclass(frozen=True)
class GrowthConfig:
    synthesis: Synthesis = section(Synthesis, doc="what goes into the flask")
    numerics: Numerics = section(Numerics, doc="solver settings")
