"""``nanokin export csv|netcdf FILE.h5``: result and sweep files in standard formats.

- A sweep file (written by :func:`sim.sweep.sweep`) -> CSV with one row per point: the
  axis columns first, then the summary quantities, each header ``name (unit)``, then
  ``failure`` and ``reasons`` (why a value is missing; empty where all is defined).
  -> netCDF-4: the same dataset (named dimensions = the axes, CF ``units``).
- A result file of one run (:func:`sim.store.write_result`) -> CSV with one row: the
  experiment name, the summary quantities and, where stored, their 5 % / 95 %
  posterior predictive bounds. -> netCDF-4: every group (data, summary, uncertainty,
  parameters ...) as a netCDF group, with the provenance in the root attributes.
"""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import h5py
import numpy as np

from sim.config import ConfigError

FORMATS = ("csv", "netcdf")

__all__ = ["FORMATS", "is_result_file", "is_sweep_file", "export_file", "sweep_table"]


def is_result_file(path) -> bool:
    p = Path(path)
    return p.suffix.lower() in (".h5", ".hdf5", ".nc") or (p.is_file() and h5py.is_hdf5(p))


def is_sweep_file(path) -> bool:
    with h5py.File(path, "r") as f:
        return "sweep_points" in f.attrs


def _head(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit and unit != "1" else name


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        return "" if math.isnan(v) else repr(float(v))
    if isinstance(v, (bytes, np.bytes_)):
        return v.decode()
    return str(v)


def sweep_table(path) -> tuple[list[str], list[list]]:
    """(header, rows) of a sweep file: one row per point, axes first."""
    import xarray as xr

    with xr.open_dataset(path, engine="h5netcdf") as ds:
        ds = ds.load()
    design = json.loads(ds.attrs.get("sweep_design", "{}"))
    keys = [a["key"] for a in design.get("axes", [])]
    quantities = json.loads(ds.attrs.get("sweep_quantities", "[]"))
    dims = list(ds["failure"].dims)
    flat = ds.stack(_row=dims) if len(dims) > 1 else ds
    rdim = "_row" if len(dims) > 1 else dims[0]
    n = flat.sizes[rdim]
    cols, header = [], []
    for k in keys:
        header.append(_head(k, ds[k].attrs.get("unit", "")))
        cols.append(np.broadcast_to(flat[k].values, (n,)))
    for q in quantities:
        header.append(_head(q, ds[q].attrs.get("unit", "")))
        cols.append(flat[q].values)
    header += ["failure", "reasons"]
    cols.append(flat["failure"].values)
    reasons = []
    for i in range(n):
        parts = [f"{q}: {flat[q + '_reason'].values[i]}" for q in quantities
                 if flat[q + "_reason"].values[i] and not flat["failure"].values[i]]
        reasons.append("; ".join(parts))
    cols.append(np.array(reasons, dtype=object))
    rows = [[_fmt(c[i]) for c in cols] for i in range(n)]
    return header, rows


def _result_table(path) -> tuple[list[str], list[list]]:
    from sim.store import read_result

    res, prov = read_result(path)
    header, row = ["experiment"], [str(prov.get("experiment", ""))]
    for name, q in res.summary.items():
        v = q.values
        if isinstance(v, str) or np.ndim(v) != 0:
            continue
        header.append(_head(name, q.unit))
        row.append(_fmt(float(v)))
        if name in res.uncertainty:
            lo, _, hi = np.asarray(res.uncertainty[name].values, float)
            header += [_head(f"{name} 5%", q.unit), _head(f"{name} 95%", q.unit)]
            row += [_fmt(lo), _fmt(hi)]
    return header, [row]


def export_file(fmt: str, path, out=None) -> Path:
    """Write ``path`` (a result or sweep HDF5 file) as ``fmt``; returns the file written."""
    p = Path(path)
    if fmt not in FORMATS:
        raise ConfigError("command line", "format", fmt, ", ".join(FORMATS),
                          "a result file exports only as these formats")
    if not p.exists():
        raise ConfigError(p, None, str(p), "an existing nanokin result or sweep file",
                          "file not found")
    if not h5py.is_hdf5(p):
        raise ConfigError(p, None, p.name, "an HDF5 file written by nanokin", "not an HDF5 file")
    out = Path(out) if out else p.with_suffix(".csv" if fmt == "csv" else ".nc")
    if out.resolve() == p.resolve():
        raise ConfigError("command line", "--output", str(out), "a file other than the input",
                          "would overwrite the input")
    sweep = is_sweep_file(p)
    out.parent.mkdir(parents=True, exist_ok=True)
    from sim.store import atomic_path

    if fmt == "csv":
        header, rows = sweep_table(p) if sweep else _result_table(p)
        with atomic_path(out) as tmp:
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(header)
                w.writerows(rows)
        return out
    import xarray as xr

    with atomic_path(out) as tmp:
        if sweep:
            with xr.open_dataset(p, engine="h5netcdf") as ds:
                ds.load().to_netcdf(tmp, engine="h5netcdf")
        else:
            with xr.open_datatree(p, engine="h5netcdf") as tree:
                tree.load().to_netcdf(tmp, engine="h5netcdf")
    return out
