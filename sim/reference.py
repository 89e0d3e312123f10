"""Reference data: observations with uncertainty and source, and the data rows built on them.

Each model has one observations file, ``inputs/data/<model>_observations.toml``::

    model = "growth"

    [[observation]]
    id = "ome_diameter"                 # unique; what the model's observables return
    experiment = "precursor_ome"        # reference experiment (file stem) or a label
    quantity = "mean diameter (SEM)"
    group = "precursor series"          # experimental series, left out together in CV
    unit = "nm"
    value = 42.0                        # kind = "value" (default): a measured number ...
    sd = 6.0                            # ... with its standard deviation (or sd_rel)
    tolerance_rel = 0.30                # the stated pass criterion (or tolerance_abs)
    source = "seed 000, Fig. 3b (SEM), 110 °C, 5 eq BA"

    [[observation]]
    id = "u_shape_low_end"
    kind = "range"                      # an interval, a bound, an ordering or a statement:
    min = 1.3                           # the simulated quantity must lie in [min, max]
    softness = 0.1                      # width of the probit likelihood at the edges
    measured = "size(0 eq) / size(minimum) >= 1.3"
    ...

A ``range`` observation covers intervals ("30-120 min"), one-sided bounds ("< 5 %")
and qualitative statements: the model returns a margin that is positive when the
statement holds (e.g. the smallest other size minus the benzoic size) and the
observation asks for ``min = 0``.  ``fit = false`` keeps an observation out of every
fit by declaration.

The likelihood of a value is normal with the stated ``sd``; that of a range is the
smooth probit ``Phi((s - min)/softness) * Phi((max - s)/softness)``, so the posterior is
well defined for ordinal and qualitative data.

A data row's ``role`` is computed from the fit record: ``calibration`` if its
observation entered the fit, ``held-out`` otherwise.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from scipy.special import log_ndtr

from sim.validation import Row, number

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Observation", "load_observations", "observations_file", "log_likelihood",
           "data_row", "data_rows", "INTERVAL"]

INTERVAL = (0.05, 0.95)   # the predictive interval reported beside every data row (90 %)

_KEYS = {"id", "experiment", "quantity", "group", "unit", "kind", "value", "sd", "sd_rel",
         "tolerance_rel", "tolerance_abs", "min", "max", "softness", "measured", "source",
         "fit", "note"}


@dataclass(frozen=True)
class Observation:
    """One measured fact with its uncertainty and source."""

    id: str
    experiment: str
    quantity: str
    group: str
    source: str
    kind: str = "value"               # "value" or "range"
    unit: str = ""
    value: float = math.nan           # value: the measured number
    sd: float = math.nan              # value: its standard deviation (likelihood)
    tolerance_rel: float = math.nan   # value: pass when |sim - value| <= tol_rel * |value|
    tolerance_abs: float = math.nan   # value: pass when |sim - value| <= tol_abs
    min: float = -math.inf            # range: pass when min <= sim <= max
    max: float = math.inf
    softness: float = math.nan        # range: probit width of the likelihood
    measured: str = ""                # how the measurement reads (range: required)
    fit: bool = True                  # False: never used in a fit (declared held-out)
    note: str = ""

    # --- comparisons
    def passes(self, sim: float) -> bool:
        if not math.isfinite(sim):
            return False
        if self.kind == "range":
            return self.min <= sim <= self.max
        return abs(sim - self.value) <= self.tolerance

    @property
    def tolerance(self) -> float:
        if math.isfinite(self.tolerance_abs):
            return self.tolerance_abs
        return self.tolerance_rel * abs(self.value)

    def log_likelihood(self, sim: float) -> float:
        if not math.isfinite(sim):
            return -math.inf
        if self.kind == "range":
            ll = 0.0
            if math.isfinite(self.min):
                ll += float(log_ndtr((sim - self.min) / self.softness))
            if math.isfinite(self.max):
                ll += float(log_ndtr((self.max - sim) / self.softness))
            return ll
        u = (sim - self.value) / self.sd
        return -0.5 * u * u

    def in_interval(self, lo: float, hi: float) -> bool:
        """Whether the measurement lies inside the predictive interval [lo, hi]."""
        if self.kind == "range":
            return bool(lo <= self.max and hi >= self.min)
        return bool(lo <= self.value <= hi)

    def measured_text(self) -> str:
        if self.measured:
            return self.measured
        return f"{self.value:.4g} ± {self.sd:.2g} {self.unit}".strip()

    def tolerance_text(self) -> str:
        if self.kind == "range":
            lo = "" if not math.isfinite(self.min) else f"{self.min:g}"
            hi = "" if not math.isfinite(self.max) else f"{self.max:g}"
            if lo and hi:
                return f"[{lo}, {hi}] {self.unit}".strip()
            return (f">= {lo}" if lo else f"<= {hi}") + (f" {self.unit}" if self.unit else "")
        if math.isfinite(self.tolerance_abs):
            return f"<= {self.tolerance_abs:g} {self.unit}".strip()
        return f"<= {100 * self.tolerance_rel:.0f} %"

    def deviation_text(self, sim: float) -> str:
        if not math.isfinite(sim):
            return "not computed"
        if self.kind == "range":
            if self.passes(sim):
                return "inside"
            edge = self.min if sim < self.min else self.max
            return f"{sim - edge:+.3g} {self.unit}".strip() + " outside"
        if math.isfinite(self.tolerance_abs) or self.value == 0:
            return f"{sim - self.value:+.3g} {self.unit}".strip()
        return f"{100 * (sim - self.value) / self.value:+.1f} %"


def observations_file(model: str) -> Path:
    from sim.paths import data_file
    return data_file(f"{model}_observations.toml")


def load_observations(model: str, path: str | Path | None = None) -> list[Observation]:
    """The observations of ``model``, checked; a clear error names file and key."""
    from sim.config import ConfigError

    path = Path(path) if path else observations_file(model)
    if not path.exists():
        raise ConfigError(path, None, str(path), f"the observations file of model '{model}'",
                          "file not found (is the package installed with its data?)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(path, None, str(exc), "a valid TOML document", "malformed TOML") from None
    if data.get("model") != model:
        raise ConfigError(path, "model", data.get("model"), f'"{model}"', "wrong model")
    out, seen = [], set()
    for i, entry in enumerate(data.get("observation", [])):
        key = f"observation[{i}]"
        unknown = set(entry) - _KEYS
        if unknown:
            raise ConfigError(path, f"{key}.{sorted(unknown)[0]}", entry[sorted(unknown)[0]],
                              ", ".join(sorted(_KEYS)), "unknown key")
        for req in ("id", "experiment", "quantity", "group", "source"):
            if not isinstance(entry.get(req), str) or not entry[req]:
                raise ConfigError(path, f"{key}.{req}", entry.get(req), "a non-empty text",
                                  "required key missing")
        if entry["id"] in seen:
            raise ConfigError(path, f"{key}.id", entry["id"], "a unique id", "duplicate id")
        seen.add(entry["id"])
        kw = dict(entry)
        kind = kw.get("kind", "value")
        if kind == "value":
            if "value" not in kw:
                raise ConfigError(path, f"{key}.value", None, "a number", "required key missing")
            if "sd_rel" in kw:
                kw["sd"] = kw.pop("sd_rel") * abs(kw["value"])
            if not (kw.get("sd", 0) > 0):
                raise ConfigError(path, f"{key}.sd", kw.get("sd"), "a number > 0 (or sd_rel)",
                                  "a value observation needs its uncertainty")
            if "tolerance_rel" not in kw and "tolerance_abs" not in kw:
                raise ConfigError(path, f"{key}.tolerance_rel", None,
                                  "tolerance_rel or tolerance_abs (the stated pass criterion)",
                                  "required key missing")
        elif kind == "range":
            if "min" not in kw and "max" not in kw:
                raise ConfigError(path, f"{key}.min", None, "min and/or max", "required key missing")
            if not (kw.get("softness", 0) > 0):
                raise ConfigError(path, f"{key}.softness", kw.get("softness"), "a number > 0",
                                  "a range observation needs the width of its likelihood")
            if not kw.get("measured"):
                raise ConfigError(path, f"{key}.measured", None, "a text saying what was observed",
                                  "required key missing")
        else:
            raise ConfigError(path, f"{key}.kind", kind, '"value" or "range"', "invalid value")
        kw["kind"] = kind
        out.append(Observation(**kw))
    if not out:
        raise ConfigError(path, "observation", None, "at least one [[observation]]", "empty file")
    return out


def _scalar(v) -> tuple[float, str | None]:
    """An observable value, optionally with the text to show: ``x`` or ``(x, text)``."""
    if isinstance(v, tuple):
        return float(v[0]), str(v[1])
    return float(v), None


def log_likelihood(observations: Sequence[Observation], simulated: Mapping[str, object]) -> float:
    """Sum of the observations' log likelihoods for one simulated set of observables."""
    total = 0.0
    for ob in observations:
        total += ob.log_likelihood(_scalar(simulated[ob.id])[0])
        if total == -math.inf:
            break
    return total


def data_row(model: str, ob: Observation, simulated, role: str,
             draws: np.ndarray | None = None) -> Row:
    """A validation row of kind ``data``: the point value, and (with draws) the median,
    the 90 % predictive interval and whether the measurement lies inside it."""
    sim, text = _scalar(simulated)
    row = Row(model=model, experiment=ob.experiment, quantity=ob.quantity,
              measured=ob.measured_text() if ob.kind == "range" else number(ob.value),
              simulated=text if text is not None else number(sim),
              deviation=ob.deviation_text(sim), tolerance=ob.tolerance_text(),
              passed=ob.passes(sim), kind="data", role=role, id=ob.id, group=ob.group,
              unit=ob.unit, source=ob.source)
    if draws is not None and len(draws):
        d = np.asarray(draws, float)
        finite = d[np.isfinite(d)]
        if finite.size:
            lo, med, hi = np.quantile(finite, [INTERVAL[0], 0.5, INTERVAL[1]])
            row.median, row.interval = float(med), (float(lo), float(hi))
            row.in_interval = bool(ob.in_interval(lo, hi))
        row.n_draws = int(d.size)
    return row


def data_rows(model: str, observations: Sequence[Observation], point: Mapping[str, object],
              used_in_fit: set[str], draws: Sequence[Mapping[str, object]] = ()) -> list[Row]:
    """Rows for every observation: point values from ``point``, intervals from ``draws``."""
    rows = []
    for ob in observations:
        samples = np.array([_scalar(d[ob.id])[0] for d in draws]) if draws else None
        role = "calibration" if ob.id in used_in_fit else "held-out"
        rows.append(data_row(model, ob, point[ob.id], role, samples))
    return rows
