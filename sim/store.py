"""Results in HDF5 (h5py): named arrays with units, and the provenance of the run.

Layout of a result file::

    /                       attrs: nanokin_version, model, experiment, seed, config_text,
                                   git_revision, host, started, finished, solver (JSON)
    /data/<name>            datasets; attrs: unit, doc  (names may contain '/' groups)
    /summary/<name>         scalar datasets; attrs: unit, doc
    /uncertainty/<name>     [5 %, 50 %, 95 %] quantiles of a summary value over posterior
                            draws; attrs: unit, n_draws
    /parameters/<name>      every parameter value the run used; attrs: unit, kind, source
                            (the fit behind them: file attrs fit_file, fit_sha256, fit_commit)

Files are written to a temporary name beside the target and renamed on success,
so a crash never leaves a half-written result under the real name.

Every group is also a netCDF-4 group: ``xarray.open_dataset(path, engine="h5netcdf",
group="data")`` (or ``"summary"``, ``"uncertainty"``, ``"parameters"``, ``"data/pxrd"``
...) gives named dimensions and CF ``units`` attributes ('1' for dimensionless).
Dimensions are HDF5 dimension scales: in each group the first 1-D array of a length
(in the order the model added them, e.g. ``time_h``) is the coordinate of every axis of
that length in the group and its subgroups; an axis without one gets a named dimension
``<array>_dim<i>``. ``nanokin export netcdf|csv`` writes the same content flat.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

import sim

__all__ = ["Quantity", "Result", "write_result", "read_result", "describe", "provenance",
           "atomic_path", "git_revision", "now", "cf_units"]


@dataclass
class Quantity:
    """An array or scalar with its unit and a one-line description."""

    values: Any
    unit: str = ""
    doc: str = ""


@dataclass
class Result:
    """What a model run returns: named arrays, scalar summary values, solver settings."""

    model: str
    arrays: dict[str, Quantity] = field(default_factory=dict)
    summary: dict[str, Quantity] = field(default_factory=dict)
    solver: dict[str, Any] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, float] = field(default_factory=dict)     # complete set used
    fit: dict[str, Any] = field(default_factory=dict)              # fit file, hash, commit
    parameter_info: dict[str, Any] = field(default_factory=dict)   # name -> sim.params.Parameter
    uncertainty: dict[str, Quantity] = field(default_factory=dict)  # name -> [q05, q50, q95]

    def add(self, name: str, values, unit: str = "", doc: str = "") -> None:
        self.arrays[name] = Quantity(np.asarray(values), unit, doc)

    def note(self, name: str, value, unit: str = "", doc: str = "") -> None:
        self.summary[name] = Quantity(value, unit, doc)

    def __getitem__(self, name: str):
        if name in self.arrays:
            return self.arrays[name].values
        return self.summary[name].values


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def source_state(exclude: tuple[str, ...] = ()) -> tuple[str, bool] | None:
    """(commit, clean) of the source tree, ignoring changes under ``exclude`` (paths
    relative to the top); ``None`` when it is not a git checkout or git is missing."""
    root = Path(sim.__file__).resolve().parent.parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, timeout=5)
        if rev.returncode != 0:
            return None
        paths = ["--", ".", *(f":(exclude){e}" for e in exclude)] if exclude else []
        st = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", *paths],
                            cwd=root, capture_output=True, text=True, timeout=5)
        return rev.stdout.strip(), not st.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def git_revision() -> str:
    """The git revision of the source tree, with '+dirty' if modified; '' when unknown."""
    state = source_state()
    if state is None:
        return ""
    return state[0] + ("" if state[1] else "+dirty")


def provenance(experiment=None, *, seed=None, solver=None, started=None, extra=None) -> dict:
    """The provenance record stored with every result (also used for JSON outputs)."""
    import numba
    import numpy
    import scipy

    rec = {
        "nanokin_version": sim.__version__,
        "git_revision": git_revision(),
        "host": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "scipy": scipy.__version__,
        "started": started or now(),
        "finished": now(),
    }
    if experiment is not None:
        rec.update(model=experiment.model, experiment=experiment.name,
                   config_path=experiment.path or "", config_text=experiment.text,
                   seed=experiment.seed)
    if seed is not None:
        rec["seed"] = seed
    if solver is not None:
        rec["solver"] = json.dumps(solver, default=str, sort_keys=True)
    if extra:
        rec.update(extra)
    return rec


class atomic_path:
    """Context manager yielding a temporary path that is renamed to ``path`` on success."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.tmp{os.getpid()}")

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            try:
                self.tmp.unlink()
            except FileNotFoundError:
                pass
        return False


def _write_quantity(group: h5py.Group, name: str, q: Quantity) -> None:
    values = q.values
    if isinstance(values, str):
        ds = group.create_dataset(name, data=values, dtype=h5py.string_dtype())
    else:
        arr = np.asarray(values)
        if arr.dtype.kind in "UO":
            ds = group.create_dataset(name, data=arr.astype(object), dtype=h5py.string_dtype())
        elif arr.ndim >= 1 and arr.size > 64:
            ds = group.create_dataset(name, data=arr, compression="gzip", compression_opts=4)
        else:
            ds = group.create_dataset(name, data=arr)
    ds.attrs["unit"] = q.unit
    ds.attrs["units"] = cf_units(q.unit)
    ds.attrs["doc"] = q.doc


NETCDF_DIM = "This is a netCDF dimension but not a netCDF variable."


def cf_units(unit: str) -> str:
    """The CF ``units`` attribute of a unit ('1' for a dimensionless quantity)."""
    return unit if unit else "1"


def _name_dimensions(root: h5py.Group, order) -> None:
    """Attach dimension scales to every array under ``root`` (see the module docstring).

    ``order``: dataset paths relative to ``root`` in the order they were added."""
    coords: dict[tuple[str, int], h5py.Dataset] = {}   # (group path, length) -> scale

    def visible(group_path: str, length: int):
        parts = group_path.split("/") if group_path else []
        for k in range(len(parts), -1, -1):
            hit = coords.get(("/".join(parts[:k]), length))
            if hit is not None:
                return hit
        return None

    items = [(name, root[name]) for name in order if name in root
             and isinstance(root[name], h5py.Dataset)]
    for name, ds in items:      # coordinates first: the first 1-D numeric array per length
        if ds.ndim != 1 or ds.dtype.kind not in "iuf":
            continue
        gpath = name.rpartition("/")[0]
        if visible(gpath, ds.shape[0]) is None:
            ds.make_scale(name.rpartition("/")[2])
            coords[(gpath, ds.shape[0])] = ds
    for name, ds in items:
        if ds.ndim == 0 or ds.is_scale:
            continue
        gpath, _, base = name.rpartition("/")
        for i, length in enumerate(ds.shape):
            scale = visible(gpath, length)
            if scale is None:
                group = root[gpath] if gpath else root
                scale = group.create_dataset(f"{base}_dim{i}", shape=(length,), dtype="f4")
                scale.make_scale(f"{NETCDF_DIM}{length:10d}")
                coords[(gpath, length)] = scale
            ds.dims[i].attach_scale(scale)


def _is_bare_dimension(obj) -> bool:
    name = obj.attrs.get("NAME", b"")
    name = name.decode() if isinstance(name, bytes) else str(name)
    return name.startswith(NETCDF_DIM)


def write_result(path: str | Path, result: Result, experiment=None, *, started=None,
                 extra: dict | None = None) -> Path:
    """Write ``result`` and its provenance to ``path`` atomically; returns the path."""
    path = Path(path)
    prov = provenance(experiment, solver=result.solver, started=started, extra=extra)
    prov["model"] = result.model
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            for k, v in prov.items():
                f.attrs[k] = v if v is not None else ""
            for k, v in result.attrs.items():
                f.attrs[f"result_{k}"] = v
            data = f.create_group("data")
            for name, q in result.arrays.items():
                _write_quantity(data, name, q)
            _name_dimensions(data, list(result.arrays))
            summ = f.create_group("summary")
            for name, q in result.summary.items():
                _write_quantity(summ, name, q)
            if result.uncertainty:
                unc = f.create_group("uncertainty")
                unc.attrs["quantiles"] = [0.05, 0.5, 0.95]
                qd = unc.create_dataset("quantile", data=np.array([0.05, 0.5, 0.95]))
                qd.attrs["units"] = "1"
                qd.make_scale("quantile")
                for name, q in result.uncertainty.items():
                    _write_quantity(unc, name, q)
                    if unc[name].ndim == 1 and unc[name].shape[0] == 3:
                        unc[name].dims[0].attach_scale(qd)
            if result.parameters:
                par = f.create_group("parameters")
                for name, value in result.parameters.items():
                    info = result.parameter_info.get(name)
                    ds = par.create_dataset(name, data=float(value))
                    ds.attrs["unit"] = getattr(info, "unit", "")
                    ds.attrs["units"] = cf_units(getattr(info, "unit", "") or "")
                    ds.attrs["kind"] = getattr(info, "kind", "")
                    ds.attrs["source"] = getattr(info, "source", "")
            for k, v in result.fit.items():
                f.attrs[k] = v if v is not None else ""
    return path


def _read_group(group: h5py.Group, prefix: str = "") -> dict[str, Quantity]:
    out: dict[str, Quantity] = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and not _is_bare_dimension(obj) and not (
                name == "quantile" and group.name == "/uncertainty"):
            val = obj[()]
            if isinstance(val, bytes):
                val = val.decode()
            elif isinstance(val, np.ndarray) and val.dtype.kind == "O":
                val = np.array([v.decode() if isinstance(v, bytes) else v for v in val.ravel()],
                               dtype=object).reshape(val.shape)
            out[name] = Quantity(val, str(obj.attrs.get("unit", "")), str(obj.attrs.get("doc", "")))

    group.visititems(visit)
    return out


def read_result(path: str | Path) -> tuple[Result, dict]:
    """Read a result file back: ``(Result, provenance dict)``."""
    with h5py.File(path, "r") as f:
        prov = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        arrays = _read_group(f["data"]) if "data" in f else {}
        summary = _read_group(f["summary"]) if "summary" in f else {}
        uncertainty = _read_group(f["uncertainty"]) if "uncertainty" in f else {}
        parameters = ({k: float(v[()]) for k, v in f["parameters"].items()}
                      if "parameters" in f else {})
    solver = json.loads(prov.get("solver", "{}") or "{}")
    attrs = {k[len("result_"):]: v for k, v in prov.items() if k.startswith("result_")}
    res = Result(model=str(prov.get("model", "")), arrays=arrays, summary=summary,
                 solver=solver, attrs=attrs, parameters=parameters, uncertainty=uncertainty)
    return res, prov


def _fmt_value(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.6g}"
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return _fmt_value(v.item())
    return str(v)


def describe(path: str | Path) -> str:
    """Human-readable provenance and contents of a result file (``nanokin info``)."""
    res, prov = read_result(path)
    lines = [f"nanokin result: {path}"]
    keys = ["model", "experiment", "seed", "nanokin_version", "git_revision", "host", "platform",
            "python", "numpy", "numba", "scipy", "started", "finished", "config_path"]
    for k in keys:
        if k in prov:
            lines.append(f"  {k:16s} {prov[k]}")
    for k, v in prov.items():
        if k not in keys and k not in ("config_text", "solver") and not k.startswith("result_"):
            lines.append(f"  {k:16s} {v}")
    if res.solver:
        lines.append("  solver settings:")
        for k, v in res.solver.items():
            lines.append(f"    {k} = {v}")
    if res.summary:
        lines.append("summary:")
        for name, q in res.summary.items():
            lines.append(f"  {name:32s} {_fmt_value(q.values):>14s} {q.unit:10s} {q.doc}")
    if res.uncertainty:
        lines.append("posterior predictive (median [5 %, 95 %]):")
        for name, q in res.uncertainty.items():
            lo, med, hi = np.asarray(q.values, float)
            lines.append(f"  {name:32s} {med:.4g} [{lo:.4g}, {hi:.4g}] {q.unit}")
    if res.parameters:
        lines.append(f"parameters used ({len(res.parameters)}):")
        for name, v in res.parameters.items():
            lines.append(f"  {name:32s} {v:>14.6g}")
    if res.arrays:
        lines.append("datasets:")
        for name, q in res.arrays.items():
            arr = np.asarray(q.values)
            lines.append(f"  {name:32s} {str(arr.shape):>14s} {q.unit:10s} {q.doc}")
    if prov.get("config_text"):
        lines.append("config:")
        lines.extend("  | " + ln for ln in str(prov["config_text"]).rstrip().splitlines())
    return "\n".join(lines)
