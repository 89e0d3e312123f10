"""Results in HDF5 (h5py): named arrays with units, and the provenance of the run.

Layout of a result file::

    /                       attrs: nanokin_version, model, experiment, seed, config_text,
                                   git_revision, host, started, finished, solver (JSON)
    /data/<name>            datasets; attrs: unit, doc  (names may contain '/' groups)
    /summary/<name>         scalar datasets; attrs: unit, doc, and for a value that is
                            undefined for the run (NaN) reason (Result.reasons)
    /uncertainty/<name>     [5 %, 50 %, 95 %] quantiles of a summary value over posterior
                            draws; attrs: unit, n_draws
    /parameters/<name>      every parameter value the run used; attrs: unit, kind, source
                            (the fit behind them: file attrs fit_file, fit_sha256, fit_commit)

Files are written to a temporary name beside the target (``.NAME.h5.tmpPID``) and
renamed on success, so a crash never leaves a half-written result under the real name;
leftovers of a crashed writer (its PID no longer running) are removed by the next write
of the same output.  While a result is computed and written its output is locked
(:class:`output_lock`, an advisory ``flock`` on ``.NAME.h5.lock`` that the operating
system releases when the holder dies): a second writer of the same output is refused
with a message naming the process that holds it.

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
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

import sim
from sim.config import ConfigError

__all__ = ["Quantity", "Result", "write_result", "read_result", "describe", "provenance",
           "atomic_path", "output_lock", "OutputBusy", "clean_leftovers", "check_output_path",
           "open_result", "describe_safely", "UnreadableResult",
           "git_revision", "now", "cf_units"]


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
    reasons: dict[str, str] = field(default_factory=dict)   # summary name -> why it is missing

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


class OutputBusy(ConfigError):
    """The output is being written by another process."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0
    return True


_held: dict[str, list] = {}   # lock path -> [fd, depth]: output_lock is reentrant per process


class output_lock:
    """Hold the output ``path`` for writing (context manager; reentrant in one process).

    An advisory lock (``fcntl.flock``) on ``.NAME.lock`` beside the output; the lock
    file holds the PID of the writer and is removed on release.  The operating system
    drops the lock when its holder dies, so a crash never leaves the output locked.
    Another process holding it: :class:`OutputBusy` (a ConfigError naming the PID)
    at once, or after ``wait`` seconds of retrying.  Without ``fcntl`` (Windows) the
    lock does nothing.
    """

    def __init__(self, path: str | Path, wait: float = 0.0):
        self.path = Path(path)
        self.lock = self.path.with_name(f".{self.path.name}.lock")
        self.wait = wait

    def __enter__(self) -> "output_lock":
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        key = str(self.lock.parent.resolve() / self.lock.name)
        if key in _held:
            _held[key][1] += 1
            self._key = key
            return self
        deadline = time.monotonic() + self.wait
        while True:
            fd = os.open(self.lock, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                try:
                    holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
                finally:
                    os.close(fd)
                if time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                raise OutputBusy(self.path, None, str(self.path),
                                 "an output no other run is writing (wait for that run to "
                                 "finish, or choose another output with -o)",
                                 f"being written by another nanokin process (PID {holder})"
                                 ) from None
            # the holder before us may have removed the file after we opened it: retry
            try:
                same = os.fstat(fd).st_ino == os.stat(self.lock).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            _held[key] = [fd, 1]
            self._key = key
            return self

    def __exit__(self, *exc):
        key = getattr(self, "_key", None)
        if key is None or key not in _held:
            return False
        _held[key][1] -= 1
        if _held[key][1] == 0:
            fd = _held.pop(key)[0]
            try:
                os.unlink(self.lock)
            except FileNotFoundError:
                pass
            os.close(fd)
        return False


def clean_leftovers(path: str | Path) -> list[Path]:
    """Remove ``.NAME.tmpPID`` files of ``path`` whose writer (PID) is no longer running;
    returns the paths removed."""
    path = Path(path)
    removed = []
    try:
        candidates = list(path.parent.glob(f".{glob_escape(path.name)}.tmp*"))
    except OSError:
        return removed
    prefix = f".{path.name}.tmp"
    for p in candidates:
        pid_text = p.name[len(prefix):]
        if not pid_text.isdigit():
            continue
        pid = int(pid_text)
        if pid != os.getpid() and _pid_alive(pid):
            continue
        try:
            p.unlink()
            removed.append(p)
        except OSError:
            pass
    return removed


def glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


def check_output_path(path: str | Path, inputs: tuple = ()) -> Path:
    """Refuse, before any work, an output that cannot be written: a directory, one of the
    run's own input files, a folder that cannot be created or written."""
    p = Path(path)
    allowed = "a writable result file path (e.g. results/NAME.h5)"
    if p.is_dir():
        raise ConfigError(p, None, str(p), allowed, "a directory, not a file")
    if p.exists() and not p.is_file():
        raise ConfigError(p, None, str(p), allowed, "not a regular file")
    for src in inputs:
        try:
            if p.exists() and Path(src).exists() and p.samefile(src):
                raise ConfigError(p, None, str(p), allowed + " other than the input file",
                                  "the output would replace the input")
        except OSError:
            pass
    parent = p.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(p, None, str(parent), allowed,
                          f"cannot create the folder ({exc.strerror})") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(p, None, str(parent), allowed, "the folder is not writable")
    return p


class atomic_path:
    """Context manager yielding a temporary path that is renamed to ``path`` on success.

    Holds :class:`output_lock` on ``path`` meanwhile and first removes leftovers of
    crashed writers (:func:`clean_leftovers`); ``removed`` lists them."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.tmp{os.getpid()}")
        self.removed: list[Path] = []

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = output_lock(self.path)
        self._lock.__enter__()
        self.removed = clean_leftovers(self.path)
        for p in self.removed:
            print(f"note: removed {p}, left by an interrupted write", file=sys.stderr)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                os.replace(self.tmp, self.path)
            else:
                try:
                    self.tmp.unlink()
                except FileNotFoundError:
                    pass
        finally:
            self._lock.__exit__(exc_type, exc, tb)
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
                if result.reasons.get(name):          # a missing (NaN) value says why
                    summ[name].attrs["reason"] = str(result.reasons[name])
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


def _leftover_hint(path: Path) -> str:
    name = path.name
    if name.startswith(".") and ".tmp" in name and name.rsplit(".tmp", 1)[1].isdigit():
        pid = int(name.rsplit(".tmp", 1)[1])
        state = "still running" if _pid_alive(pid) else "no longer running"
        return (f" (this is the unfinished file of a write by process {pid}, {state}; "
                "it is removed by the next write of the same output)")
    return ""


def open_result(path: str | Path) -> h5py.File:
    """``h5py.File(path, 'r')``, or a ConfigError saying why the file cannot be read
    (missing, a directory, empty, not HDF5, truncated or damaged)."""
    from sim.config import check_input_file

    allowed = "an HDF5 result file written by nanokin"
    p = check_input_file(path, allowed, max_bytes=1 << 62)
    hint = _leftover_hint(p)
    try:
        is_hdf5 = h5py.is_hdf5(p)
    except (OSError, ValueError):
        is_hdf5 = False
    if not is_hdf5:
        raise ConfigError(p, None, p.name, allowed, "not an HDF5 file" + hint)
    try:
        return h5py.File(p, "r")
    except (OSError, ValueError, RuntimeError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ConfigError(p, None, p.name, allowed,
                          f"truncated or damaged HDF5 file, cannot be opened ({reason})" + hint
                          ) from None


class UnreadableResult(OSError):
    """A result file that cannot be read; the message says why (an ``OSError``, as h5py's
    own errors are, so callers that handle those keep working)."""


def read_result(path: str | Path) -> tuple[Result, dict]:
    """Read a result file back: ``(Result, provenance dict)``; a file that cannot be read
    raises :class:`UnreadableResult` naming the file and why (see :func:`open_result`)."""
    path = Path(path)
    try:
        f = open_result(path)
    except ConfigError as exc:
        raise UnreadableResult(str(exc)) from None
    with f:
        try:
            prov = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
            arrays = _read_group(f["data"]) if "data" in f else {}
            summary = _read_group(f["summary"]) if "summary" in f else {}
            reasons = ({k: str(v.attrs["reason"]) for k, v in f["summary"].items()
                        if "reason" in v.attrs} if "summary" in f else {})
            uncertainty = _read_group(f["uncertainty"]) if "uncertainty" in f else {}
            parameters = ({k: float(v[()]) for k, v in f["parameters"].items()}
                          if "parameters" in f else {})
        except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
            raise UnreadableResult(
                f"{path}: damaged contents ({type(exc).__name__}: {str(exc)[:200]})"
                + _leftover_hint(path)) from None
    try:
        solver = json.loads(prov.get("solver", "{}") or "{}")
    except (TypeError, ValueError):
        solver = {}
    attrs = {k[len("result_"):]: v for k, v in prov.items() if k.startswith("result_")}
    res = Result(model=str(prov.get("model", "")), arrays=arrays, summary=summary, reasons=reasons,
                 solver=solver, attrs=attrs, parameters=parameters, uncertainty=uncertainty)
    return res, prov


def _fmt_value(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.6g}"
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return _fmt_value(v.item())
    return str(v)


#: ``nanokin info`` prints values of datasets/attributes with at most this many elements
#: (shapes otherwise) and lists at most MAX_LISTED objects: it never reads a whole dataset.
SMALL = 16
MAX_LISTED = 2000
_PROVENANCE_KEYS = ["model", "experiment", "seed", "nanokin_version", "git_revision", "host",
                    "platform", "python", "numpy", "numba", "scipy", "started", "finished",
                    "config_path"]


def _problem(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:120] if str(exc) else ""
    return f"(cannot read: {type(exc).__name__}{': ' + text if text else ''})"


def _attr(obj, name: str, small: int = SMALL, max_chars: int = 200_000):
    """One attribute of ``obj``, read only if small (shape/type text otherwise)."""
    try:
        aid = h5py.h5a.open(obj.id, name.encode())
        shape = aid.shape or ()
        n = int(np.prod(shape)) if shape else 1
        if n > small:
            return f"<array {shape} {aid.dtype}>"
        v = obj.attrs[name]
    except Exception as exc:  # any HDF5 oddity: say so, go on
        return _problem(exc)
    if isinstance(v, bytes):
        v = v.decode("utf-8", errors="replace")
    if isinstance(v, str) and len(v) > max_chars:
        v = v[:max_chars] + f"... ({len(v)} characters)"
    return v


def _text(v) -> str:
    from sim.config import _printable

    return _printable(_fmt_value(v)).replace("\n", " ")


def _dataset_line(name: str, ds, width: int = 32) -> str:
    """One dataset: its value if small, else shape and type; unit and doc."""
    try:
        shape, dtype = ds.shape, ds.dtype
    except Exception as exc:
        return f"  {name:{width}s} {_problem(exc)}"
    unit = _attr(ds, "unit") if "unit" in ds.attrs else ""
    doc = _attr(ds, "doc") if "doc" in ds.attrs else ""
    n = int(np.prod(shape)) if shape else 1
    if shape is None:
        shown = "(empty)"
    elif n <= SMALL and dtype.kind in "biufcSOUV":
        try:
            v = ds[()]
            if isinstance(v, bytes):
                v = v.decode("utf-8", errors="replace")
            if isinstance(v, np.ndarray) and v.dtype.kind in "SO":
                v = [x.decode("utf-8", errors="replace") if isinstance(x, bytes) else x
                     for x in v.ravel()]
            if isinstance(v, np.ndarray) and v.ndim and v.dtype.kind in "fiu" and v.size > 1:
                shown = np.array2string(v, precision=4, separator=", ", max_line_width=10_000)
            else:
                shown = _fmt_value(v)
        except Exception as exc:
            shown = _problem(exc)
    else:
        shown = f"{shape} {dtype}"
    if "reason" in ds.attrs:                      # a missing value and why
        shown = "missing"
        doc = f"{doc} (missing: {_attr(ds, 'reason')})"
    return f"  {name:{width}s} {_text(shown):>14s} {_text(unit):10s} {_text(doc)}"


def _walk(group, prefix: str = "", budget: list | None = None):
    """(path, object or problem text) of every object under ``group``; soft and external
    links are named, not followed; at most MAX_LISTED objects."""
    budget = budget if budget is not None else [MAX_LISTED]
    try:
        names = list(group.keys())
    except Exception as exc:
        yield prefix or "/", _problem(exc)
        return
    for name in names:
        if budget[0] <= 0:
            yield "...", f"more objects not listed (the first {MAX_LISTED} are shown)"
            return
        budget[0] -= 1
        path = f"{prefix}/{name}" if prefix else name
        try:
            link = group.get(name, getlink=True)
            if isinstance(link, h5py.SoftLink):
                yield path, f"link to {link.path}"
                continue
            if isinstance(link, h5py.ExternalLink):
                yield path, f"link to {link.filename}:{link.path} (not followed)"
                continue
            obj = group[name]
        except Exception as exc:
            yield path, _problem(exc)
            continue
        yield path, obj
        if isinstance(obj, h5py.Group):
            yield from _walk(obj, path, budget)


def describe(path: str | Path) -> str:
    """Human-readable provenance and contents of a result file (``nanokin info``).

    Reads lazily: values are shown only for small datasets and attributes (shape and
    type otherwise). Files written by other programs are listed as they are; what cannot
    be read is named. A file that cannot be opened raises ConfigError."""
    path = Path(path)
    lines = [f"nanokin result: {path}"]
    with open_result(path) as f:
        try:
            attr_names = list(f.attrs.keys())
        except Exception as exc:
            attr_names = []
            lines.append(f"  attributes {_problem(exc)}")
        prov = {k: _attr(f, k) for k in attr_names}
        ours = "nanokin_version" in prov
        if not ours:
            lines[0] = f"HDF5 file: {path}"
            lines.append("  not a nanokin result (no nanokin provenance attributes); "
                         "its contents as they are:")
        hint = _leftover_hint(path)
        if hint:
            lines.append("  note:" + hint)
        for k in _PROVENANCE_KEYS:
            if k in prov:
                lines.append(f"  {k:16s} {_text(prov[k])}")
        for k, v in prov.items():
            if k not in _PROVENANCE_KEYS and k not in ("config_text", "solver") \
                    and not k.startswith("result_"):
                lines.append(f"  {_text(k):16s} {_text(v)}")
        if isinstance(prov.get("solver"), str):
            try:
                solver = json.loads(prov["solver"] or "{}")
            except ValueError:
                solver = {"(unreadable)": prov["solver"][:200]}
            if isinstance(solver, dict) and solver:
                lines.append("  solver settings:")
                lines.extend(f"    {_text(k)} = {_text(v)}" for k, v in solver.items())
        listed = set()
        sections = (("summary", "summary:"), ("uncertainty", "posterior predictive "
                    "(5 %, 50 %, 95 % quantiles):"), ("parameters", "parameters used:"),
                    ("data", "datasets:"))
        for group_name, title in (sections if ours else ()):
            grp = f.get(group_name) if group_name in f else None
            if not isinstance(grp, h5py.Group):
                continue
            lines.append(title)
            for name, obj in _walk(grp):
                listed.add(f"{group_name}/{name}")
                if isinstance(obj, h5py.Dataset):
                    lines.append(_dataset_line(name, obj))
                elif isinstance(obj, str):
                    lines.append(f"  {_text(name):32s} {obj}")
        others = [(n, o) for n, o in _walk(f) if n not in listed
                  and not (ours and n in ("summary", "uncertainty", "parameters", "data"))
                  and not (ours and n.split("/")[0] in ("summary", "uncertainty", "parameters",
                                                          "data"))]
        if others:
            lines.append("contents:" if not ours else "other contents:")
            for name, obj in others:
                if isinstance(obj, h5py.Dataset):
                    lines.append(_dataset_line(name, obj))
                elif isinstance(obj, h5py.Group):
                    lines.append(f"  {_text(name)}/")
                else:
                    lines.append(f"  {_text(name):32s} {obj}")
        config = prov.get("config_text")
        if isinstance(config, str) and config:
            lines.append("config:")
            lines.extend("  | " + _printable_line(ln) for ln in config.rstrip().splitlines())
    return "\n".join(lines)


def _printable_line(text: str) -> str:
    from sim.config import _printable

    return _printable(text)


def describe_safely(path: str | Path, timeout_s: float = 300.0) -> str:
    """:func:`describe` in a forked child process (POSIX), so that a damaged file that
    crashes or hangs the HDF5 library ends in a ConfigError, not in a dead process."""
    import pickle
    import signal as _signal

    if not hasattr(os, "fork"):  # pragma: no cover - not POSIX
        return describe(path)
    from sim.config import check_input_file

    p = check_input_file(path, "an HDF5 result file written by nanokin", max_bytes=1 << 62)
    rfd, wfd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 0
        try:
            os.close(rfd)
            try:
                msg = ("ok", describe(p))
            except ConfigError as exc:
                msg = ("error", exc)
            except BaseException as exc:
                msg = ("crash", f"{type(exc).__name__}: {exc}")
            data = pickle.dumps(msg)
            view = memoryview(data)
            while view:
                view = view[os.write(wfd, view):]
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(wfd)
    chunks, deadline = [], time.monotonic() + timeout_s
    import select

    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, _signal.SIGKILL)
                os.waitpid(pid, 0)
                raise ConfigError(p, None, p.name, "an HDF5 result file written by nanokin",
                                  f"reading it took longer than {timeout_s:g} s (damaged file?)")
            ready, _, _ = select.select([rfd], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(rfd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    except BaseException:
        try:
            os.kill(pid, _signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
        raise
    finally:
        os.close(rfd)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) or not chunks:
        how = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
               else f"exit status {os.WEXITSTATUS(status)}")
        raise ConfigError(p, None, p.name, "an HDF5 result file written by nanokin",
                          f"damaged HDF5 file: the HDF5 library failed reading it ({how})"
                          + _leftover_hint(p))
    kind, payload = pickle.loads(b"".join(chunks))
    if kind == "ok":
        return payload
    if kind == "error":
        raise payload
    raise ConfigError(p, None, p.name, "an HDF5 result file written by nanokin",
                      f"damaged contents ({payload[:300]})" + _leftover_hint(p))
