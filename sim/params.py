"""One parameter table per model: value, unit, bounds, prior, source and kind.

Every number a model's mechanism uses and that is not a physical constant or an
experimental condition of the experiment file is a :class:`Parameter` in the
model's :class:`ParameterTable`:

``kind = "fixed"``        a value from the literature (``source`` is the citation) or an
                          assumption (``source`` starts with "assumed:" and says why);
``kind = "calibrated"``   a value inferred from the reference data by ``nanokin fit``;
                          carries a prior (distribution and width) and bounds;
``kind = "nuisance"``     an experimental input the paper did not report (light power,
                          concentration basis ...); carries its own prior, is sampled
                          with the calibrated ones and marginalised in every prediction.

A value chosen while looking at a validation row is ``calibrated`` or ``nuisance``,
never ``fixed``.  Fitted values live in ``inputs/fitted/<model>.json`` (posterior
summary) and ``inputs/fitted/<model>.h5`` (posterior samples); they are read when
used, never at import.  Any experiment file overrides any parameter by name in a
``[parameters]`` table (checked by :meth:`ParameterTable.check_overrides`).
Every shipped parameter declares finite ``bounds``, fixed ones included: the physical
range an override may take (a rate constant >= 0, a pKa on the pKa scale, a fraction
in 0..1), so a wrong sign or unit is refused at load (tests/test_config.py); a
parameter without bounds gets the limit of every number (|x| <= 1e12).

Priors are stated in the parameter's sampling coordinate ``z``: ``z = x`` for
``normal`` and ``uniform``, ``z = log10 x`` for ``lognormal`` and ``loguniform``.
The sampler works in ``z``; the log prior is the density of ``z``, truncated to the
bounds.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

__all__ = ["Prior", "Parameter", "ParameterTable", "KINDS", "DISTRIBUTIONS", "FitMissing"]

KINDS = ("fixed", "calibrated", "nuisance")
DISTRIBUTIONS = ("normal", "lognormal", "uniform", "loguniform")
_LOG = {"lognormal", "loguniform"}


class FitMissing(FileNotFoundError):
    """A model's fit file (named in the message) is missing or unreadable."""


@dataclass(frozen=True)
class Prior:
    """A prior distribution.

    ``normal``      mean ``center`` (default: the parameter's value), standard deviation ``width``
                    (in the parameter's unit);
    ``lognormal``   median ``center``, standard deviation ``width`` in decades (log10 units);
    ``uniform``     flat between the parameter's bounds;
    ``loguniform``  flat in log10 between the parameter's bounds.
    """

    dist: str
    width: float = math.nan
    center: float | None = None

    def __post_init__(self):
        if self.dist not in DISTRIBUTIONS:
            raise ValueError(f"prior distribution must be one of {DISTRIBUTIONS}, got {self.dist!r}")
        if self.dist in ("normal", "lognormal") and not (self.width > 0):
            raise ValueError(f"a {self.dist} prior needs a width > 0, got {self.width!r}")

    @property
    def log_scale(self) -> bool:
        return self.dist in _LOG

    def text(self, unit: str = "") -> str:
        if self.dist == "normal":
            return f"normal(sd {self.width:g} {unit})".replace(" )", ")")
        if self.dist == "lognormal":
            return f"lognormal(sd {self.width:g} decades)"
        return self.dist


@dataclass(frozen=True)
class Parameter:
    """A named number of a mechanism with its unit, kind, source and (for free ones) prior."""

    name: str
    value: float
    unit: str
    kind: str
    source: str
    doc: str = ""
    bounds: tuple[float, float] = (-math.inf, math.inf)
    prior: Prior | None = None

    def __post_init__(self):
        where = f"parameter '{self.name}'"
        if self.kind not in KINDS:
            raise ValueError(f"{where}: kind must be one of {KINDS}, got {self.kind!r}")
        if not self.source.strip():
            raise ValueError(f"{where}: a source is required (a citation, 'assumed: why', or "
                             "'calibrated: against what')")
        lo, hi = self.bounds
        if not (lo <= self.value <= hi):
            raise ValueError(f"{where}: value {self.value!r} outside its bounds {self.bounds}")
        if self.free:
            if self.prior is None:
                raise ValueError(f"{where}: a {self.kind} parameter needs a prior")
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise ValueError(f"{where}: a {self.kind} parameter needs finite bounds")
            if self.prior.log_scale and lo <= 0:
                raise ValueError(f"{where}: a {self.prior.dist} prior needs bounds > 0")

    @property
    def free(self) -> bool:
        return self.kind in ("calibrated", "nuisance")

    # --- sampling coordinate z
    def to_z(self, x: float) -> float:
        return math.log10(x) if self.prior is not None and self.prior.log_scale else float(x)

    def from_z(self, z: float) -> float:
        return 10.0 ** z if self.prior is not None and self.prior.log_scale else float(z)

    @property
    def z_bounds(self) -> tuple[float, float]:
        return self.to_z(self.bounds[0]), self.to_z(self.bounds[1])

    @property
    def z_center(self) -> float:
        c = self.prior.center if self.prior and self.prior.center is not None else self.value
        return self.to_z(c)

    @property
    def z_width(self) -> float:
        """Prior standard deviation in z (for uniform priors: that of the flat density)."""
        if self.prior.dist in ("normal", "lognormal"):
            return self.prior.width
        lo, hi = self.z_bounds
        return (hi - lo) / math.sqrt(12.0)

    def log_prior(self, z: float) -> float:
        """Log density of the prior in z (up to a constant), -inf outside the bounds."""
        lo, hi = self.z_bounds
        if not (lo <= z <= hi):
            return -math.inf
        if self.prior.dist in ("normal", "lognormal"):
            u = (z - self.z_center) / self.prior.width
            return -0.5 * u * u
        return 0.0

    def sample_prior_z(self, rng: np.random.Generator, n: int) -> np.ndarray:
        lo, hi = self.z_bounds
        if self.prior.dist in ("uniform", "loguniform"):
            return rng.uniform(lo, hi, n)
        out = np.empty(n)
        filled = 0
        while filled < n:  # truncated normal by rejection (bounds are several widths wide)
            z = rng.normal(self.z_center, self.prior.width, 4 * (n - filled) + 8)
            z = z[(z >= lo) & (z <= hi)][: n - filled]
            out[filled:filled + z.size] = z
            filled += z.size
        return out


class ParameterTable:
    """The parameters of one model, and the fit that calibrated them.

    ``fit_dir`` is where ``<model>.json`` / ``<model>.h5`` live (default:
    ``inputs/fitted``); the fit is read on first use.
    """

    def __init__(self, model: str, parameters: Iterable[Parameter], fit_dir: str | Path | None = None):
        self.model = model
        self._params: dict[str, Parameter] = {}
        for p in parameters:
            if p.name in self._params:
                raise ValueError(f"model '{model}': parameter '{p.name}' declared twice")
            self._params[p.name] = p
        self._fit_dir = Path(fit_dir) if fit_dir is not None else None
        self._fit_cache: tuple | None = None

    # --- table
    def __getitem__(self, name: str) -> Parameter:
        return self._params[name]

    def __contains__(self, name: str) -> bool:
        return name in self._params

    def __iter__(self):
        return iter(self._params.values())

    def __len__(self) -> int:
        return len(self._params)

    @property
    def names(self) -> list[str]:
        return list(self._params)

    def of_kind(self, *kinds: str) -> list[str]:
        return [p.name for p in self if p.kind in kinds]

    @property
    def free(self) -> list[str]:
        """Calibrated and nuisance parameters, in table order: the sampled ones."""
        return self.of_kind("calibrated", "nuisance")

    def defaults(self) -> dict[str, float]:
        """The table's own values (prior centres), ignoring any fit."""
        return {p.name: float(p.value) for p in self}

    # --- fit files
    @property
    def fit_dir(self) -> Path:
        if self._fit_dir is not None:
            return self._fit_dir
        from sim.paths import inputs_dir
        return inputs_dir() / "fitted"

    @property
    def fit_path(self) -> Path:
        return self.fit_dir / f"{self.model}.json"

    def fit_record(self) -> dict | None:
        """The recorded fit (``None`` when the model has no free parameters)."""
        if not self.free:
            return None
        path = self.fit_path
        if not path.exists():
            raise FitMissing(f"{path}: the fit of model '{self.model}' is missing; run "
                             f"`nanokin fit {self.model} --write` to make it")
        stamp = path.stat().st_mtime_ns
        if self._fit_cache is None or self._fit_cache[0] != (path, stamp):
            text = path.read_bytes()
            try:
                rec = json.loads(text)
            except ValueError as exc:
                raise FitMissing(f"{path}: not a readable fit file ({exc})") from None
            rec["_sha256"] = hashlib.sha256(text).hexdigest()
            self._fit_cache = ((path, stamp), rec)
        return self._fit_cache[1]

    def fitted_point(self) -> dict[str, float]:
        """The maximum-a-posteriori values of the free parameters recorded in the fit."""
        rec = self.fit_record()
        if rec is None:
            return {}
        out = {}
        for name in self.free:
            entry = rec.get("parameters", {}).get(name)
            if entry is None:
                raise FitMissing(f"{self.fit_path}: no value for parameter '{name}' (the fit is "
                                 f"older than the table); run `nanokin fit {self.model} --write`")
            out[name] = float(entry["map"])
        return out

    def values(self, overrides: Mapping[str, float] | None = None, *, use_fit: bool = True) -> dict[str, float]:
        """The complete parameter set: table values <- fitted point <- overrides."""
        vals = self.defaults()
        if use_fit:
            vals.update(self.fitted_point())
        if overrides:
            unknown = set(overrides) - set(vals)
            if unknown:
                raise KeyError(f"unknown parameter(s) {sorted(unknown)} of model '{self.model}'")
            vals.update({k: float(v) for k, v in overrides.items()})
        return vals

    def posterior_samples(self) -> tuple[list[str], np.ndarray]:
        """(names, samples[n, k]) of the recorded posterior, in physical units."""
        import h5py

        rec = self.fit_record()
        if rec is None:
            return [], np.empty((0, 0))
        path = self.fit_dir / rec["samples_file"]
        if not path.exists():
            raise FitMissing(f"{path}: posterior samples of model '{self.model}' are missing")
        with h5py.File(path, "r") as f:
            names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["names"][()]]
            samples = np.asarray(f["samples"][()], float)
        return names, samples

    def draws(self, n: int, seed: int = 0, overrides: Mapping[str, float] | None = None) -> list[dict[str, float]]:
        """``n`` complete parameter sets drawn from the posterior samples (seeded).

        Parameters named in ``overrides`` keep the overriding value in every draw.
        """
        if n <= 0:
            return []
        names, samples = self.posterior_samples()
        base = self.values(overrides)
        if samples.size == 0:
            return [dict(base) for _ in range(n)]
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED]))
        idx = rng.choice(samples.shape[0], size=n, replace=samples.shape[0] < n)
        out = []
        for i in idx:
            d = dict(base)
            for j, name in enumerate(names):
                if name in d and not (overrides and name in overrides):
                    d[name] = float(samples[i, j])
            out.append(d)
        return out

    def fit_provenance(self) -> dict:
        """What a result file records about the fit behind its parameter values."""
        try:
            rec = self.fit_record()
        except FitMissing as exc:
            return {"fit_file": str(self.fit_path), "fit_status": f"missing: {exc}"}
        if rec is None:
            return {"fit_file": "", "fit_status": "no free parameters"}
        prov = rec.get("provenance", {})
        return {"fit_file": str(self.fit_path), "fit_sha256": rec["_sha256"],
                "fit_commit": prov.get("commit", ""), "fit_seed": prov.get("seed", "")}

    # --- experiment-file overrides
    def check_overrides(self, table: Mapping, file=None) -> dict[str, float]:
        """Validate a ``[parameters]`` table; raise ConfigError naming the offending key."""
        from sim.config import DEFAULT_LIMIT, ConfigError

        if not isinstance(table, Mapping):
            raise ConfigError(file, "parameters", table, "a table of parameter = number",
                              "wrong type")
        out = {}
        for key, value in table.items():
            if key not in self._params:
                raise ConfigError(file, f"parameters.{key}", value,
                                  f"a parameter of model '{self.model}': {', '.join(self.names)}",
                                  "unknown parameter")
            p = self._params[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ConfigError(file, f"parameters.{key}", value,
                                  f"a finite number (unit: {p.unit or '1'})", "wrong type")
            lo, hi = p.bounds
            lo = lo if math.isfinite(lo) else -DEFAULT_LIMIT   # no bound of its own: the
            hi = hi if math.isfinite(hi) else DEFAULT_LIMIT    # default limit of every number
            if not (lo <= value <= hi):
                raise ConfigError(file, f"parameters.{key}", value,
                                  f"a number >= {lo:g} and <= {hi:g} (unit: {p.unit or '1'})",
                                  "out of range")
            out[key] = float(value)
        return out

    # --- text
    def describe(self) -> str:
        """The table as text, for ``nanokin params MODEL``."""
        try:
            fitted = self.fitted_point()
        except FitMissing:
            fitted = {}
        lines = [f"parameters of model '{self.model}' ({len(self)}: "
                 f"{len(self.of_kind('fixed'))} fixed, {len(self.of_kind('calibrated'))} calibrated, "
                 f"{len(self.of_kind('nuisance'))} nuisance)"]
        for p in self:
            val = f"{p.value:.6g}"
            if p.name in fitted:
                val += f" -> fit {fitted[p.name]:.6g}"
            lines.append(f"  {p.name}  [{p.kind}]  {val} {p.unit}")
            if p.free:
                lines.append(f"      prior {p.prior.text(p.unit)}, bounds {p.bounds[0]:g}..{p.bounds[1]:g}")
            if p.doc:
                lines.append(f"      {p.doc}")
            lines.append(f"      source: {p.source}")
        return "\n".join(lines)
