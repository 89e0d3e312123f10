"""Parameter sweeps on a model's batched entry point, safe to interrupt and to resume.

``nanokin sweep inputs/growth/ba_05eq.toml --axis synthesis.modulator_eq=0:10:6
--axis synthesis.water_vol_percent=0,0.5,1 --quantity mean_diameter_nm`` runs the
experiment at every point of the grid through :meth:`sim.model.Model.summaries`
(the compiled batch path where a model has one) and stores the result as an
N-dimensional grid with the axes as coordinates.

Axes: ``KEY=LO:HI:N`` (N evenly spaced values), ``KEY=V1,V2,...`` (a list),
``KEY=LO:HI`` (a range, only with ``--lhs N``: a scrambled Latin hypercube of N points
over the ranges), or a ``[sweep]`` table in the experiment file::

    [sweep]
    quantities = ["mean_diameter_nm", "dispersity"]   # optional; default: all
    lhs = 200                                           # optional
    [sweep.axes]
    "synthesis.modulator_eq" = "0:10:6"
    "synthesis.water_vol_percent" = [0, 0.5, 1]

- Every point gets its own seed, ``SeedSequence(seed, spawn_key=(i,))``, so the numbers
  do not depend on the number of workers, batch boundaries or interruptions.
- A point that fails (a value out of a key's range, no crystals...) gets NaN for every
  quantity and the reason beside it; a quantity undefined for a point gets NaN and its
  reason. Every point has the same columns. One bad point never aborts the sweep.
- Finished batches go to ``<out>.parts/`` as they come; each part records the sweep's
  signature (a hash of the config text, seed, axes, design and quantities) and the
  indices of its points. A rerun of the same sweep (any ``--workers``) resumes from the
  finished points; parts of any other sweep are removed, never reused. ``<out>.lock``
  is held (``flock``) while a sweep writes, so two sweeps never write one output.
- Executors: in-process, local processes (``--workers N``) or a dask.distributed
  cluster (``--scheduler ADDRESS``).

The output (HDF5, readable by ``xarray.open_dataset(path, engine="h5netcdf")``): one
variable per quantity over the axis dimensions (grid) or over ``point`` (Latin
hypercube), with CF ``units``; ``<quantity>_reason`` and ``failure`` (text, '' where
fine); ``seed``; provenance in the file attributes; group ``/grid``: the axis values
of every point as flat columns over ``point``.
"""
from __future__ import annotations

import dataclasses
import errno
import fcntl
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from sim.config import ConfigError, Experiment
from sim.progress import progress
from sim.store import atomic_path, cf_units, now, provenance

__all__ = ["Axis", "Grid", "parse_axis", "parse_set", "sweep", "run_sweep_cli", "point_seed",
           "split_sweep_table", "SweepLocked", "sweep_figure", "cf_units", "key_unit"]


# ----------------------------------------------------------------------------- the design

@dataclass
class Axis:
    """One swept key: explicit ``values`` (grid or list), or a range ``lo``..``hi``."""

    key: str
    values: list | None = None
    lo: float | None = None
    hi: float | None = None
    integer: bool = False

    @property
    def is_range(self) -> bool:
        return self.values is None


@dataclass
class Grid:
    """The points of a sweep: the product of the axes' values, or ``lhs`` points of a
    Latin hypercube over them (seeded by ``lhs_seed``)."""

    keys: list[str]
    values: list[list] | None = None       # per axis; None entries are ranges (LHS only)
    lhs: int = 0
    lhs_seed: int = 0
    axes: list[Axis] = field(default_factory=list)
    _points: list | None = field(default=None, repr=False)

    def __post_init__(self):
        if not self.axes:
            self.axes = [Axis(k, list(v)) for k, v in zip(self.keys, self.values or [])]
        if self.values is None:
            self.values = [a.values for a in self.axes]

    @property
    def gridded(self) -> bool:
        return not self.lhs

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.values) if self.gridded else (self.lhs,)

    def __len__(self) -> int:
        return int(np.prod(self.shape)) if self.keys else 0

    def points(self) -> list[dict]:
        if self._points is None:
            if self.gridded:
                self._points = [dict(zip(self.keys, c)) for c in itertools.product(*self.values)]
            else:
                self._points = _latin(self.axes, self.lhs, self.lhs_seed)
        return self._points

    def describe(self) -> dict:
        """Everything that fixes the points (the sweep signature uses it)."""
        return {"axes": [{"key": a.key, "values": a.values, "lo": a.lo, "hi": a.hi,
                          "integer": a.integer} for a in self.axes],
                "lhs": self.lhs, "lhs_seed": self.lhs_seed if self.lhs else None}


def _latin(axes: list[Axis], n: int, seed: int) -> list[dict]:
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x1A7]))
    unit = qmc.LatinHypercube(d=len(axes), rng=rng).random(n)
    pts = []
    for row in unit:
        p = {}
        for a, u in zip(axes, row):
            if a.is_range:
                v = a.lo + u * (a.hi - a.lo)
                p[a.key] = int(round(v)) if a.integer else float(v)
            else:
                p[a.key] = a.values[min(len(a.values) - 1, int(u * len(a.values)))]
        pts.append(p)
    return pts


def _parse_value(text: str):
    t = text.strip()
    for conv in (int, float):
        try:
            return conv(t)
        except ValueError:
            pass
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    return t.strip("'\"")


_AXIS_HELP = "KEY=LO:HI:N (grid), KEY=V1,V2,... (list) or KEY=LO:HI (range, with --lhs)"


def parse_axis(item: str, source: str = "--axis") -> Axis:
    """``KEY=LO:HI:N`` | ``KEY=V1,V2,...`` | ``KEY=LO:HI`` -> :class:`Axis`."""
    if "=" not in item:
        raise ConfigError(source, item, item, _AXIS_HELP, "malformed sweep axis")
    key, _, spec_text = item.partition("=")
    return _axis_from(key.strip(), spec_text, source)


def _axis_from(key: str, spec_text, source) -> Axis:
    if isinstance(spec_text, (list, tuple)):
        if not spec_text:
            raise ConfigError(source, key, spec_text, "at least one value", "empty sweep axis")
        return Axis(key, list(spec_text))
    if isinstance(spec_text, (int, float)) and not isinstance(spec_text, bool):
        return Axis(key, [spec_text])
    text = str(spec_text).strip()
    if ":" in text and "," not in text:
        parts = text.split(":")
        try:
            lo, hi = float(parts[0]), float(parts[1])
            n = int(parts[2]) if len(parts) == 3 else None
            if len(parts) not in (2, 3):
                raise ValueError
        except ValueError:
            raise ConfigError(source, key, text, _AXIS_HELP, "malformed sweep axis") from None
        integer = all(re.fullmatch(r"\s*-?\d+\s*", s) for s in parts[:2])
        if n is None:
            if not hi > lo:
                raise ConfigError(source, key, text, "a range with HI > LO", "empty range")
            return Axis(key, None, lo, hi, False)   # whole numbers only for an int key
        if n < 1:
            raise ConfigError(source, key, text, "N >= 1 values", "empty sweep axis")
        vals = np.linspace(lo, hi, n)
        if integer and np.allclose(vals, np.round(vals)):
            values = [int(round(v)) for v in vals]
        else:
            values = [float(f"{v:.12g}") for v in vals]
        return Axis(key, values, lo, hi, integer)
    parsed = [_parse_value(v) for v in text.split(",") if v.strip()]
    if not parsed:
        raise ConfigError(source, key, text, "at least one value", "empty sweep axis")
    return Axis(key, parsed)


def parse_set(items: list[str], lhs: int = 0, lhs_seed: int = 0, source="--axis") -> Grid:
    """``["a.b=1,2", "c=0:1:3"]`` -> a grid over a.b and c (or ``lhs`` LHS points)."""
    axes = [parse_axis(it, source) for it in items]
    return _grid(axes, lhs, lhs_seed, source)


def _grid(axes: list[Axis], lhs: int, lhs_seed: int, source) -> Grid:
    keys = [a.key for a in axes]
    dup = [k for k, c in Counter(keys).items() if c > 1]
    if dup:
        raise ConfigError(source, dup[0], dup[0], "each key on one axis only", "repeated sweep axis")
    if lhs < 0:
        raise ConfigError(source, "lhs", lhs, "a whole number >= 1")
    if not lhs:
        ranges = [a.key for a in axes if a.is_range]
        if ranges:
            raise ConfigError(source, ranges[0], "LO:HI", "LO:HI:N on a grid, or --lhs N",
                              "a range without a number of points")
    return Grid(keys, [a.values for a in axes], lhs=lhs, lhs_seed=lhs_seed, axes=axes)


_SWEEP_HEADER = re.compile(r"^\s*\[\s*sweep(\.[^\]]*)?\s*\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")


def split_sweep_table(text: str) -> tuple[str, dict]:
    """The experiment text without its ``[sweep]`` tables, and those tables parsed."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return text, {}
    if "sweep" not in data:
        return text, {}
    kept, inside = [], False
    for line in text.splitlines(keepends=True):
        if _SWEEP_HEADER.match(line):
            inside = True
            continue
        if inside and _ANY_HEADER.match(line):
            inside = False
        if not inside:
            kept.append(line)
    return "".join(kept), data["sweep"]


def grid_from_table(table: dict, file, lhs_seed: int) -> tuple[Grid, list[str] | None]:
    """The grid and quantities of a ``[sweep]`` table."""
    allowed = {"axes", "lhs", "quantities"}
    for k in table:
        if k not in allowed:
            raise ConfigError(file, f"sweep.{k}", table[k], ", ".join(sorted(allowed)),
                              "unknown key in [sweep]")
    axes_t = table.get("axes", {})
    if not isinstance(axes_t, dict) or not axes_t:
        raise ConfigError(file, "sweep.axes", axes_t, 'a table KEY = "LO:HI:N" or [V1, V2]',
                          "no sweep axes")
    axes = [_axis_from(k, v, f"{file} [sweep.axes]") for k, v in axes_t.items()]
    lhs = table.get("lhs", 0)
    if isinstance(lhs, bool) or not isinstance(lhs, int) or lhs < 0:
        raise ConfigError(file, "sweep.lhs", lhs, "a whole number >= 1")
    q = table.get("quantities")
    if q is not None and (not isinstance(q, list) or not all(isinstance(s, str) for s in q)):
        raise ConfigError(file, "sweep.quantities", q, "a list of quantity names")
    return _grid(axes, lhs, lhs_seed, f"{file} [sweep]"), q


def point_seed(seed: int, index: int) -> int:
    """The seed of point ``index`` of a sweep rooted at ``seed`` (independent of batching)."""
    ss = np.random.SeedSequence(seed, spawn_key=(index,))
    return int(ss.generate_state(1, dtype=np.uint32)[0])


# ----------------------------------------------------------------------------- points

def _set_key(data: dict, key: str, value, exp: Experiment):
    node = data
    parts = key.split(".")
    for p in parts[:-1]:
        if not isinstance(node, dict) or p not in node:
            raise ConfigError(exp.path, key, value, "a key of the experiment's config",
                              "unknown sweep key")
        node = node[p]
    if not isinstance(node, dict) or parts[-1] not in node:
        raise ConfigError(exp.path, key, value, "a key of the experiment's config",
                          "unknown sweep key")
    node[parts[-1]] = value


def check_keys(exp: Experiment, keys) -> None:
    """Unknown keys stop the sweep before any work (a value is checked per point)."""
    from sim.config import to_dict

    data = to_dict(exp.config)
    for k in keys:
        _set_key(data, k, None, exp)


def _point_experiment(exp: Experiment, point: dict, index: int, model) -> Experiment:
    """The experiment at one point, re-validated through the model's config class."""
    from sim.config import build, to_dict

    data = to_dict(exp.config)
    for key, value in point.items():
        _set_key(data, key, value, exp)
    cfg = build(model.config_class, _drop_none(data), file=exp.path)
    return dataclasses.replace(exp, config=cfg, seed=point_seed(exp.seed, index),
                               name=f"{exp.name}#{index}")


def _drop_none(d):
    if isinstance(d, dict):
        return {k: _drop_none(v) for k, v in d.items() if v is not None}
    if isinstance(d, list):
        return [_drop_none(v) for v in d]
    return d


def _run_batch(model_name: str, exp: Experiment, items: list, quantities) -> list[tuple]:
    """Worker: the summaries of the points ``items`` = [(index, point), ...].

    Returns ``(index, values, units, reasons, failure)`` per point; never raises for
    one bad point (an invalid value or a failed run is that point's failure)."""
    from sim.model import PointSummary, get_model

    model = get_model(model_name)
    built, out = [], {}
    for i, point in items:
        try:
            built.append((i, _point_experiment(exp, point, i, model)))
        except ConfigError as e:
            out[i] = PointSummary.failed(f"invalid value: {e}", quantities or ())
    if built:
        try:
            res = model.summaries([e for _, e in built], quantities=quantities)
        except Exception:  # the batch path broke: one point at a time, failures kept apart
            res = []
            for _, e in built:
                try:
                    res.extend(model.summaries([e], quantities=quantities))
                except Exception as exc:
                    res.append(PointSummary.failed(f"{type(exc).__name__}: {exc}",
                                                   quantities or ()))
        for (i, _), s in zip(built, res):
            out[i] = s
    return [(i, dict(out[i].values), dict(out[i].units), dict(out[i].reasons), out[i].failure)
            for i, _ in items]


# ----------------------------------------------------------------------------- parts + lock

class SweepLocked(ConfigError):
    pass


class _Lock:
    """An exclusive ``flock`` on ``<out>.lock`` (released by the OS if the process dies)."""

    def __init__(self, out: Path):
        self.path = out.with_name(out.name + ".lock")
        self.fd = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self.fd)
            self.fd = None
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise SweepLocked(self.path, None, str(self.path.with_suffix("")),
                                  "one sweep at a time per output file (wait, or choose -o)",
                                  "another sweep is writing this output") from None
            raise
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{os.getpid()}\n".encode())
        return self

    def __exit__(self, *exc):
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        return False


def signature(exp: Experiment, grid: Grid, quantities) -> str:
    """The hash that identifies a sweep's parts: config, seed, model, design, quantities."""
    rec = {"model": exp.model, "config_text": exp.text, "seed": exp.seed,
           "parameters": exp.parameters, "grid": grid.describe(),
           "quantities": list(quantities) if quantities is not None else None}
    blob = json.dumps(rec, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def _write_part(path: Path, sig: str, rows: list[tuple]) -> None:
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["signature"] = sig
            f.create_dataset("index", data=np.array([r[0] for r in rows], dtype=np.int64))
            f.create_dataset("rows", data=json.dumps([r[1:] for r in rows]),
                             dtype=h5py.string_dtype())


def _read_part(path: Path):
    with h5py.File(path, "r") as f:
        sig = f.attrs.get("signature", "")
        idx = f["index"][()]
        raw = f["rows"][()]
    rows = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    return (sig.decode() if isinstance(sig, bytes) else sig), idx, rows


def _prepare_parts(parts: Path, sig: str, n: int, log) -> set[int]:
    """Indices already finished by this sweep; removes anything from another sweep."""
    parts.mkdir(parents=True, exist_ok=True)
    meta = parts / "sweep.json"
    done: set[int] = set()
    stale = 0
    for p in sorted(parts.iterdir()):
        if p.name == "sweep.json":
            continue
        if p.name.startswith(".") or not p.name.startswith(f"part_{sig[:16]}_"):
            p.unlink() if p.is_file() else shutil.rmtree(p)
            stale += 1
            continue
        try:
            s, idx, _ = _read_part(p)
        except (OSError, KeyError, ValueError):
            s, idx = "", []
        if s != sig or any(int(i) in done or not 0 <= int(i) < n for i in idx):
            p.unlink()
            stale += 1
            continue
        done.update(int(i) for i in idx)
    if stale:
        log(f"removed {stale} part file(s) of another or unfinished sweep from {parts}")
    meta.write_text(json.dumps({"signature": sig}))
    return done


# ----------------------------------------------------------------------------- run

@dataclass
class SweepReport:
    path: Path
    points: int
    failed: int
    reasons: Counter
    wall_s: float
    resumed: int
    figure: list = field(default_factory=list)

    def text(self) -> str:
        lines = [f"{self.points} points in {self.wall_s:.1f} s "
                 f"({self.points / max(self.wall_s, 1e-9):.1f} points/s"
                 + (f"; {self.resumed} from an earlier run" if self.resumed else "") + ")",
                 f"failed points: {self.failed}"]
        for reason, c in self.reasons.most_common(8):
            lines.append(f"  {c:6d} x {reason}")
        if len(self.reasons) > 8:
            lines.append(f"  ... {len(self.reasons) - 8} other reasons")
        lines.append(f"written: {self.path}")
        for p in self.figure:
            lines.append(f"figure:  {p}")
        return "\n".join(lines)


def sweep(exp: Experiment, grid: Grid, out: str | Path, *, quantities=None,
          batch_size: int | None = None, workers: int = 1, scheduler: str | None = None,
          show_progress=None, log=None, report: bool = False, executor=None):
    """Run ``exp`` at every point of ``grid`` into ``out``; returns the path (or the
    :class:`SweepReport` with ``report=True``). ``executor``: a running
    ``concurrent.futures`` executor to use instead of starting ``workers`` processes."""
    from sim.model import get_model

    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    model = get_model(exp.model)
    out = Path(out)
    if not grid.keys:
        raise ConfigError("command line", "--axis", None, "at least one sweep axis",
                          "nothing to sweep")
    check_keys(exp, grid.keys)
    for a in grid.axes:     # Latin-hypercube values of a whole-number key are rounded
        if a.is_range and key_type(model.config_class, a.key) is int:
            a.integer = True
    if quantities is not None:
        quantities = list(dict.fromkeys(quantities))
    points = grid.points()
    n = len(points)
    sig = signature(exp, grid, quantities)
    t0 = time.perf_counter()
    started = now()
    with _Lock(out):
        parts = out.with_name(out.name + ".parts")
        done = _prepare_parts(parts, sig, n, log)
        todo = [i for i in range(n) if i not in done]
        if batch_size is None:
            batch_size = max(1, min(256, math.ceil(len(todo) / max(1, 4 * workers))))
        batches = [todo[s:s + batch_size] for s in range(0, len(todo), batch_size)]
        bar = progress(total=n, desc=f"sweep {exp.name}", enabled=show_progress, unit="pt")
        bar.update(len(done))

        def finished(idx, rows):
            _write_part(parts / f"part_{sig[:16]}_{idx[0]:010d}.h5", sig, rows)
            bar.update(len(idx))

        def items(idx):
            return [(i, points[i]) for i in idx]

        if scheduler:
            try:
                from dask.distributed import Client, as_completed as dask_completed
            except ImportError:
                raise ConfigError("--scheduler", "scheduler", scheduler,
                                  "install the 'distributed' extra: pip install -e '.[distributed]'",
                                  "dask.distributed is not installed") from None
            client = Client(scheduler)
            try:
                futs = {client.submit(_run_batch, exp.model, exp, items(idx), quantities,
                                      pure=False): idx for idx in batches}
                for fut in dask_completed(futs):
                    finished(futs[fut], fut.result())
            finally:
                client.close()
        elif executor is not None:
            futs = {executor.submit(_run_batch, exp.model, exp, items(idx), quantities): idx
                    for idx in batches}
            for fut in as_completed(futs):
                finished(futs[fut], fut.result())
        elif workers > 1 and len(batches) > 1:
            import multiprocessing

            # spawn: a fork of a process whose numba kernels already run OpenMP threads dies
            ctx = multiprocessing.get_context("spawn")
            from sim.interrupt import terminate_pool, worker_init

            # workers ignore Ctrl-C and die with this process (even after SIGKILL)
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                       initializer=worker_init)
            try:
                futs = {pool.submit(_run_batch, exp.model, exp, items(idx), quantities): idx
                        for idx in batches}
                for fut in as_completed(futs):
                    finished(futs[fut], fut.result())
            except BaseException:
                terminate_pool(pool)     # do not wait for running batches; parts stay
                raise
            pool.shutdown(wait=True)
        else:
            for idx in batches:
                finished(idx, _run_batch(exp.model, exp, items(idx), quantities))
        bar.close()
        wall = time.perf_counter() - t0
        rep = _gather(out, parts, sig, exp, grid, points, quantities, started, wall, len(done))
        shutil.rmtree(parts)
    return rep if report else out


def _gather(out: Path, parts: Path, sig: str, exp, grid: Grid, points, quantities, started,
            wall, resumed) -> SweepReport:
    """Every point exactly once, the same columns for all, into one file (atomically)."""
    n = len(points)
    seen = np.zeros(n, dtype=bool)
    values: dict[str, np.ndarray] = {}
    reasons: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    failure = np.full(n, "", dtype=object)

    def column(name):
        if name not in values:
            values[name] = np.full(n, np.nan)
            reasons[name] = np.full(n, "", dtype=object)
        return values[name]

    for q in quantities or ():
        column(q)
    for p in sorted(parts.glob(f"part_{sig[:16]}_*.h5")):
        s, idx, rows = _read_part(p)
        if s != sig:
            continue
        for i, (vals, unit, why, fail) in zip(idx, rows):
            i = int(i)
            if seen[i]:
                raise RuntimeError(f"sweep point {i} stored twice in {parts}")
            seen[i] = True
            failure[i] = fail
            for k, v in vals.items():
                column(k)[i] = np.nan if v is None else v
            for k, u in unit.items():
                units.setdefault(k, u)
            for k, r in why.items():
                column(k)
                reasons[k][i] = r
    if not seen.all():
        raise RuntimeError(f"{int((~seen).sum())} sweep points missing from {parts}")
    for k, col in values.items():     # a column a point did not report: NaN with why
        miss = np.isnan(col) & (reasons[k] == "")
        reasons[k][miss] = np.where(failure[miss] != "", failure[miss], "not computed for this point")
    n_failed = int((failure != "").sum())
    why_count = Counter(failure[failure != ""])
    for k in values:
        for r in reasons[k][(failure == "") & (reasons[k] != "")]:
            why_count[f"{k}: {r}"] += 1
    extra = {"sweep_points": n, "sweep_failed": n_failed, "sweep_signature": sig,
             "sweep_design": json.dumps(grid.describe(), default=str),
             "sweep_wall_s": round(wall, 3), "sweep_resumed_points": resumed,
             "sweep_quantities": json.dumps(list(values))}
    prov = provenance(exp, started=started, extra=extra)
    _write_dataset(out, exp, grid, points, values, units, reasons, failure, prov)
    return SweepReport(out, n, n_failed, why_count, wall, resumed)


def _key_field(config_class, key: str):
    """(dataclass field, type) of a dotted config key, or (None, None)."""
    from dataclasses import fields, is_dataclass
    import typing

    cls = config_class
    parts = key.split(".")
    for i, p in enumerate(parts):
        if not is_dataclass(cls):
            return None, None
        f = {f.name: f for f in fields(cls)}.get(p)
        if f is None:
            return None, None
        tp = typing.get_type_hints(cls).get(p)
        if i == len(parts) - 1:
            return f, tp
        cls = tp
    return None, None


def key_unit(config_class, key: str) -> str:
    """The unit declared for a dotted config key ('' when none)."""
    f, _ = _key_field(config_class, key)
    return (f.metadata.get("unit") or "") if f is not None else ""


def key_type(config_class, key: str):
    """The declared type of a dotted config key (None when unknown)."""
    return _key_field(config_class, key)[1]


def _coord_array(vals):
    if all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in vals):
        return np.asarray(vals, dtype=float)
    return np.asarray([str(v) for v in vals], dtype=object)


def _write_dataset(out, exp, grid, points, values, units, reasons, failure, prov):
    import xarray as xr

    from sim.model import get_model

    model = get_model(exp.model)
    n = len(points)
    if grid.gridded:
        dims = tuple(grid.keys)
        shape = grid.shape
        coords = {k: (k, _coord_array(v)) for k, v in zip(grid.keys, grid.values)}
    else:
        dims, shape = ("point",), (n,)
        coords = {"point": ("point", np.arange(n))}
        coords.update({k: ("point", _coord_array([p[k] for p in points])) for k in grid.keys})
    ds = xr.Dataset(coords=coords)
    for k in grid.keys:
        u = key_unit(model.config_class, k)
        ds[k].attrs.update(units=cf_units(u), unit=u, long_name=k)
    for name, col in values.items():
        ds[name] = (dims, col.reshape(shape))
        ds[name].attrs.update(units=cf_units(units.get(name, "")), unit=units.get(name, ""),
                              ancillary_variables=f"{name}_reason")
        ds[f"{name}_reason"] = (dims, reasons[name].reshape(shape))     # object array of str
        ds[f"{name}_reason"].attrs["long_name"] = f"why {name} is missing ('' where defined)"
    ds["failure"] = (dims, failure.reshape(shape))
    ds["failure"].attrs["long_name"] = "why the point failed ('' where it ran)"
    ds["seed"] = (dims, np.array([point_seed(exp.seed, i) for i in range(n)],
                                 dtype=np.int64).reshape(shape))
    ds["seed"].attrs["long_name"] = "seed of the point: SeedSequence(seed, spawn_key=(i,))"
    ds.attrs.update({k: ("" if v is None else v) for k, v in prov.items()})
    flat = xr.Dataset(coords={"point": ("point", np.arange(n))})
    for k in grid.keys:
        flat[k] = ("point", _coord_array([p[k] for p in points]))
    with atomic_path(out) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf", mode="w")
        flat.to_netcdf(tmp, engine="h5netcdf", mode="a", group="grid")


# ----------------------------------------------------------------------------- figure

def sweep_figure(path: str | Path, quantity: str | None = None):
    """The swept ``quantity`` over one or two axes of a sweep file (a Figure); failed
    points are marked with crosses on the axis."""
    import xarray as xr

    from sim.plotting import figure

    with xr.open_dataset(path, engine="h5netcdf") as ds:
        ds = ds.load()
    qs = json.loads(ds.attrs.get("sweep_quantities", "[]")) or [
        v for v in ds.data_vars if not v.endswith("_reason") and v not in ("failure", "seed")]
    q = quantity or qs[0]
    if q not in ds:
        raise ConfigError(path, "quantity", q, ", ".join(qs), "not a quantity of this sweep")
    design = json.loads(ds.attrs.get("sweep_design", "{}"))
    keys = [a["key"] for a in design.get("axes", [])]
    unit = ds[q].attrs.get("unit", "")
    ylab = f"{q} ({unit})" if unit else q
    fig, ax = figure(6.4, 4.2)

    def label(k):
        u = ds[k].attrs.get("unit", "")
        return f"{k} ({u})" if u else k

    failed = ds["failure"].values != ""
    legend_title = None
    title = f"{ds.attrs.get('experiment', '')}: {q}"
    if "point" in ds[q].dims:      # Latin hypercube: scatter over the first axis
        x = ds[keys[0]].values
        y = ds[q].values
        if len(keys) > 1 and ds[keys[1]].dtype.kind == "f":
            sc = ax.scatter(x, y, c=ds[keys[1]].values, s=14, cmap="viridis")
            fig.colorbar(sc, ax=ax, label=label(keys[1]))
        else:
            ax.plot(x, y, "o", ms=4)
        bad = failed | ~np.isfinite(y)
    else:
        da = ds[q]
        others = keys[2:]
        if others:
            da = da.isel({k: 0 for k in others})
            failed = ds["failure"].isel({k: 0 for k in others}).values != ""
            title += " at " + ", ".join(f"{k} = {ds[k].values[0]}" for k in others)
        x = ds[keys[0]].values
        if len(keys) == 1:
            ax.plot(x, da.values, "-o", ms=4)
            bad = ~np.isfinite(da.values)
        elif ds[keys[1]].size <= 8:
            from matplotlib import colormaps
            cmap = colormaps["viridis"]
            m = ds[keys[1]].size
            for j, v in enumerate(ds[keys[1]].values):
                ax.plot(x, da.isel({keys[1]: j}).values, "-o", ms=4,
                        color=cmap(j / max(1, m - 1)), label=f"{v}")
            legend_title = label(keys[1])
            bad = ~np.isfinite(da.transpose(keys[0], keys[1]).values).all(axis=1)
        else:
            z = da.transpose(keys[1], keys[0]).values
            mesh = ax.pcolormesh(x, ds[keys[1]].values, z, shading="nearest", cmap="viridis")
            fig.colorbar(mesh, ax=ax, label=ylab)
            ax.set_ylabel(label(keys[1]))
            bad = None
        if len(keys) == 1 or ds[keys[1]].size <= 8:
            ax.set_ylabel(ylab)
    if bad is not None and np.any(bad) and ds[keys[0]].dtype.kind == "f":
        ax.plot(np.asarray(x)[np.asarray(bad)], np.full(int(np.sum(bad)), 0.03), "x",
                color="crimson", ms=8, transform=ax.get_xaxis_transform(), clip_on=False,
                label="no value (reason in the file)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(title=legend_title, fontsize=8)
    if "point" in ds[q].dims:
        ax.set_ylabel(ylab)
    ax.set_xlabel(label(keys[0]))
    n_fail = int((ds["failure"].values != "").sum())
    ax.set_title(title + (f"  ({n_fail} failed points)" if n_fail else ""), fontsize=10)
    return fig


# ----------------------------------------------------------------------------- command line

def load_sweep_experiment(path, load):
    """(experiment, ``[sweep]`` table) of a file that may hold a ``[sweep]`` table."""
    from sim.config import parse_experiment

    p = Path(path)
    if p.suffix.lower() == ".toml" and p.exists():
        text = p.read_text(encoding="utf-8")
        body, table = split_sweep_table(text)
        if table:
            exp = parse_experiment(body, file=p)
            return dataclasses.replace(exp, text=text), table
    return load(path), {}


def run_sweep_cli(args, load) -> int:
    exp, table = load_sweep_experiment(args.config, load)
    if args.workers < 1:
        raise ConfigError("command line", "--workers", args.workers, "a whole number >= 1")
    items = list(args.axis or []) + list(args.set or [])
    quantities = args.quantity or None
    if items:
        grid = parse_set(items, lhs=args.lhs or 0, lhs_seed=exp.seed)
    elif table:
        grid, q_table = grid_from_table(table, exp.path, exp.seed)
        if args.lhs:
            grid = _grid(grid.axes, args.lhs, exp.seed, f"{exp.path} [sweep]")
        quantities = quantities or q_table
    else:
        raise ConfigError("command line", "--axis", None,
                          "at least one --axis KEY=LO:HI:N or KEY=V1,V2,... (or a [sweep] "
                          "table in the experiment file)", "nothing to sweep")
    if args.batch_size is not None and args.batch_size < 1:
        raise ConfigError("command line", "--batch-size", args.batch_size, "a whole number >= 1")
    out = Path(args.output) if args.output else Path("results") / f"{exp.name}_sweep.h5"
    rep = sweep(exp, grid, out, quantities=quantities, workers=args.workers,
                scheduler=args.scheduler, batch_size=args.batch_size, report=True)
    if not args.no_plot:
        try:
            from sim.plotting import save

            fig = sweep_figure(out, args.plot)
            rep.figure = save(fig, out.with_suffix(".png"))
        except ConfigError:
            raise
        except Exception as exc:  # a figure failure must not lose the stored sweep
            print(f"warning: figure not written ({exc})", file=sys.stderr)
    print(rep.text())
    return 0
