"""nanokin from Python and notebooks.

    >>> import sim
    >>> r = sim.run("inputs/growth/water_0p25.toml", modulator_eq=3)
    >>> r.summary["mean_diameter_nm"]          # a float that knows its unit
    24.05 nm
    >>> r.to_xarray()                            # arrays with dimensions and units
    >>> fig = r.plot()                           # a matplotlib Figure (backend untouched)

:func:`run` takes an experiment file (or an :class:`sim.config.Experiment`) and
overrides, checked exactly as the command line checks a file: every override is
written into the experiment's TOML text, which is validated again (unknown key, wrong
type, out-of-range value -> :class:`sim.config.ConfigError` before any work) and
stored as the result's provenance. An override is given as

- its key name, when it is unique in the model's schema: ``modulator_eq=3``;
- a section table: ``synthesis={"modulator_eq": 3, "water_vol_percent": 0.5}``;
- a dotted key: ``**{"synthesis.modulator_eq": 3}``;
- model parameters: ``parameters={"log_k_cap": 2.0}`` (the others keep their fitted
  values).
"""
from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from sim.config import ConfigError, Experiment, describe_schema

__all__ = ["run", "experiment", "Value", "RunResult"]


class Value(float):
    """A float with a unit (``Value(24.0, "nm")`` shows as ``24 nm``)."""

    unit: str

    def __new__(cls, value: float, unit: str = ""):
        obj = super().__new__(cls, value)
        obj.unit = unit
        return obj

    def __repr__(self) -> str:
        return f"{float(self):.4g} {self.unit}".strip()

    __str__ = __repr__


# ----------------------------------------------------------------------------- experiments

def _load(source) -> Experiment:
    if isinstance(source, Experiment):
        return source
    from sim.cli import _load as load_any

    return load_any(str(source))


def _schema_keys(model) -> list[str]:
    return [key for key, *_ in describe_schema(model.config_class)]


def _resolve(model, key: str, file) -> str:
    """The dotted schema key named by ``key`` (its full dotted form or a unique last part)."""
    keys = _schema_keys(model)
    if key in keys or key in ("name", "description", "seed"):
        return key
    hits = [k for k in keys if k.rsplit(".", 1)[-1] == key]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise ConfigError(file, key, key, "one of " + ", ".join(hits),
                          "ambiguous key: name it with its section")
    raise ConfigError(file, key, key, "a key of model '" + model.name + "': " + ", ".join(keys),
                      "unknown key")


def _set(data: dict, dotted: str, value) -> None:
    parts = dotted.split(".")
    node = data
    for p in parts[:-1]:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise ConfigError(None, dotted, value, "a key inside a table", "not a table")
    node[parts[-1]] = value


def experiment(source, **overrides) -> Experiment:
    """The experiment ``source`` (file path or Experiment) with ``overrides`` applied and
    checked like a file (see the module docstring)."""
    import tomli_w

    from sim.config import parse_experiment
    from sim.model import get_model

    exp = _load(source)
    if not overrides:
        return exp
    if not exp.text:
        raise ConfigError(exp.path, None, exp.name, "an experiment read from a TOML file",
                          "overrides need the experiment's TOML text")
    model = get_model(exp.model)
    data = tomllib.loads(exp.text)
    data.setdefault("name", exp.name)
    where = exp.path or "<overrides>"
    for key, value in overrides.items():
        if key == "parameters":
            if not isinstance(value, dict):
                raise ConfigError(where, "parameters", value, "a dict of parameter: number")
            data.setdefault("parameters", {}).update(value)
        elif isinstance(value, dict):
            for sub, v in value.items():
                _set(data, _resolve(model, f"{key}.{sub}", where), v)
        else:
            _set(data, _resolve(model, key, where), value)
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError) as exc:
        raise ConfigError(where, None, overrides, "numbers, text, booleans, lists and tables",
                          f"override not expressible in TOML ({exc})") from None
    new = parse_experiment(text, file=exp.path)
    if exp.path:  # relative file paths in the experiment still resolve against its folder
        import dataclasses
        new = dataclasses.replace(new, path=exp.path)
    return new


def run(source, *, seed: int | None = None, draws: int = 0, **overrides) -> "RunResult":
    """Run one experiment; returns a :class:`RunResult`.

    ``source``: a path to an experiment file (TOML, or a format a model reads) or an
    Experiment; ``seed``: overrides the experiment's seed; ``draws``: posterior draws for
    90 % predictive intervals of the summary values (0: point estimate only);
    ``overrides``: experiment-file keys and ``parameters`` (module docstring)."""
    import dataclasses

    from sim.model import get_model

    exp = experiment(source, **overrides)
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ConfigError("run()", "seed", seed, "a whole number >= 0")
        exp = dataclasses.replace(exp, seed=seed)
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 0:
        raise ConfigError("run()", "draws", draws, "a whole number >= 0")
    model = get_model(exp.model)
    result = model.run(exp)
    if draws and model.parameters is not None and model.parameters.free:
        from sim.uncertainty import summary_intervals
        result.uncertainty = summary_intervals(model, exp, result, draws)
    return RunResult(result, exp, model)


# ----------------------------------------------------------------------------- results

class RunResult:
    """One run: ``summary`` (final scalars with units), ``arrays``, ``parameters``,
    ``to_xarray()``, ``to_dataframe()``, ``plot()``, ``save(path)``."""

    def __init__(self, result, experiment: Experiment, model):
        self.result = result
        self.experiment = experiment
        self.model = model

    # --- values
    @property
    def summary(self) -> dict[str, Any]:
        """Final scalar values: name -> :class:`Value` (float with unit) or text."""
        out = {}
        for name, q in self.result.summary.items():
            v = q.values
            if isinstance(v, (str, bytes)):
                out[name] = v
            else:
                try:
                    out[name] = Value(float(v), q.unit)
                except (TypeError, ValueError):
                    out[name] = v
        return out

    @property
    def intervals(self) -> dict[str, tuple[Value, Value, Value]]:
        """name -> (5 %, 50 %, 95 %) over posterior draws (``run(..., draws=N)``)."""
        return {n: tuple(Value(float(x), q.unit) for x in q.values)
                for n, q in self.result.uncertainty.items()}

    @property
    def arrays(self) -> dict[str, Any]:
        """Time series and distributions: name -> numpy array (units in ``units``)."""
        return {n: q.values for n, q in self.result.arrays.items()}

    @property
    def units(self) -> dict[str, str]:
        return {**{n: q.unit for n, q in self.result.arrays.items()},
                **{n: q.unit for n, q in self.result.summary.items()}}

    @property
    def parameters(self) -> dict[str, float]:
        """The complete parameter set the run used."""
        return dict(self.result.parameters)

    def __getitem__(self, name: str):
        """An array by name, else a summary value (with unit)."""
        if name in self.result.arrays:
            return self.result.arrays[name].values
        s = self.summary
        if name in s:
            return s[name]
        raise KeyError(f"{name!r}: not an array or summary value of this run; arrays: "
                       f"{', '.join(self.result.arrays)}; summary: {', '.join(s)}")

    # --- conversions
    def to_dataframe(self):
        """The summary as a pandas DataFrame (value, unit, and 5/50/95 % when computed)."""
        import pandas as pd

        rows = []
        for name, v in self.summary.items():
            row = {"quantity": name, "value": v if isinstance(v, str) else float(v),
                   "unit": getattr(v, "unit", "")}
            if name in self.result.uncertainty:
                lo, med, hi = (float(x) for x in self.result.uncertainty[name].values)
                row.update({"q05": lo, "median": med, "q95": hi})
            rows.append(row)
        return pd.DataFrame(rows).set_index("quantity")

    def to_xarray(self):
        """Arrays and summary as an :class:`xarray.Dataset` with CF ``units`` attributes.

        Arrays of one group share a dimension along an axis of equal length; it is named
        after the first 1-D array of that group and length (a time axis first), which
        becomes its coordinate when it is monotonic (``time_h``, ``pxrd.two_theta_deg``).
        """
        import numpy as np
        import xarray as xr

        arrays = self.result.arrays
        axes: dict[tuple[str, int], str] = {}
        ordered = sorted(arrays.items(), key=lambda kv: not kv[0].rsplit("/", 1)[-1]
                         .startswith("time"))
        for name, q in ordered:
            v = np.asarray(q.values)
            if v.ndim == 1:
                group = name.rpartition("/")[0]
                axes.setdefault((group, v.size), name.replace("/", "."))
        data_vars, coords = {}, {}
        for name, q in arrays.items():
            v = np.asarray(q.values)
            var = name.replace("/", ".")
            group = name.rpartition("/")[0]
            dims = []
            for k, n in enumerate(v.shape):
                d = axes.get((group, n)) or axes.get(("", n)) or f"{var}_dim{k}"
                dims.append(d if d not in dims else f"{var}_dim{k}")
            attrs = {"units": q.unit, "long_name": q.doc or var}
            mono = v.ndim == 1 and v.size > 1 and (np.all(np.diff(v) > 0) or
                                                   np.all(np.diff(v) < 0))
            if dims == [var] and mono:
                coords[var] = (var, v, attrs)
            else:
                data_vars[var] = (tuple(dims), v, attrs)
        for name, q in self.result.summary.items():
            v = q.values
            if isinstance(v, (str, bytes)):
                continue
            data_vars[f"summary.{name}"] = ((), float(v), {"units": q.unit,
                                                           "long_name": q.doc or name})
        ds = xr.Dataset(data_vars, coords=coords)
        ds.attrs.update(model=self.experiment.model, experiment=self.experiment.name,
                        seed=self.experiment.seed)
        return ds

    # --- output
    def plot(self, path: str | Path | None = None):
        """The model's main figure (a matplotlib Figure; also saved when ``path`` is given).
        The caller's matplotlib backend is never changed."""
        import tempfile

        if path is None:
            with tempfile.TemporaryDirectory() as d:
                return self.model.plot(self.result, Path(d) / "plot.png")
        return self.model.plot(self.result, Path(path))

    def save(self, path: str | Path) -> Path:
        """Write the result (HDF5 with provenance and the parameter set) to ``path``."""
        from sim.store import write_result

        path = Path(path)
        write_result(path, self.result, self.experiment)
        return path

    # --- display
    def _lines(self) -> list[tuple[str, str, str]]:
        out = []
        for name, v in self.summary.items():
            text = v if isinstance(v, str) else (f"{float(v):.4g}" if math.isfinite(v) else "—")
            extra = ""
            if name in self.result.uncertainty:
                lo, med, hi = (float(x) for x in self.result.uncertainty[name].values)
                extra = f"{med:.4g} [{lo:.4g}, {hi:.4g}]"
            reason = (getattr(self.result, "reasons", {}) or {}).get(name, "")
            out.append((name, f"{text} {getattr(v, 'unit', '')}".strip(), extra or reason))
        return out

    def __repr__(self) -> str:
        head = f"<nanokin {self.experiment.model} run '{self.experiment.name}'>"
        body = [f"  {n:30s} {v:>16s}  {e}".rstrip() for n, v, e in self._lines()]
        return "\n".join([head, *body])

    def _repr_html_(self) -> str:
        import html

        rows = "".join(f"<tr><td>{html.escape(n)}</td><td>{html.escape(v)}</td>"
                       f"<td>{html.escape(e)}</td></tr>" for n, v, e in self._lines())
        return (f"<b>nanokin {html.escape(self.experiment.model)} run "
                f"'{html.escape(self.experiment.name)}'</b><table><tr><th>quantity</th>"
                f"<th>value</th><th>median [90 % interval] / note</th></tr>{rows}</table>")
