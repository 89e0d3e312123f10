"""TOML experiment files -> validated, typed objects.

An experiment file looks like::

    model = "growth"             # which model runs it (required)
    name = "ba_5eq"              # defaults to the file name
    description = "..."
    seed = 12345                 # root of every random stream (default 0)

    [conditions]                 # sections and keys defined by the model
    temperature_C = 110.0

A model describes its keys with frozen dataclasses whose fields are made with
:func:`spec` (a scalar or list key with unit, bounds, choices) or :func:`section`
(a nested table).  :func:`build` checks a TOML table against such a class and
returns an instance, or raises :class:`ConfigError` naming the file, the key, the
offending value and what is allowed, before any simulation work starts.

Limits that hold for every key unless its spec sets its own: numbers within
|x| <= DEFAULT_LIMIT (1e12, in the key's unit; ``le=math.inf`` lifts it), lists of at
most DEFAULT_MAX_LEN items, text without control characters.  The experiment ``name``
is a safe file name (NAME_PATTERN), the seed a whole number 0..2**63-1, and the file a
regular UTF-8 file of at most 8 MB nested at most 32 levels (:func:`read_input_text`,
:func:`check_input_file`, which loaders of other user files use too).

A dataclass may define ``check(self)``; it runs after the fields are built and
raises :class:`Invalid` for conditions that involve several keys (an impossible
ratio, say).  :func:`build` turns that into a :class:`ConfigError` with the file
and full key path.
"""
from __future__ import annotations

import dataclasses
import math
import os
import re
import reprlib
import stat
import sys
import types
import typing
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "ConfigError",
    "Invalid",
    "spec",
    "section",
    "build",
    "Experiment",
    "parse_experiment",
    "load_experiment",
    "describe_schema",
    "check_seed",
    "check_input_file",
    "read_input_text",
    "safe_name",
    "DEFAULT_LIMIT",
    "MAX_SEED",
]

#: Largest magnitude a number in an experiment file may have when its key sets no bound
#: of its own (amounts, rates, times, counts ...): larger values are refused.  A key that
#: really needs more states its own ``le``/``lt`` (``le=math.inf`` lifts the limit).
DEFAULT_LIMIT = 1e12
#: Longest list a key accepts unless it sets ``max_len`` itself.
DEFAULT_MAX_LEN = 100_000
#: Seeds are whole numbers 0 <= seed <= MAX_SEED: they must fit a signed 64-bit integer,
#: the type result files store them in (numpy's SeedSequence accepts any of them).
MAX_SEED = 2**63 - 1   # == sim.rng.MAX_SEED
#: Largest experiment file read (bytes); TOML experiment files are a few kB.
MAX_FILE_BYTES = 8 * 1024 * 1024
#: Deepest nesting of tables and arrays accepted in an experiment file.
MAX_DEPTH = 32
#: Experiment names (they name output files): letters, digits, '.', '_', '-'; no leading
#: '.' or '-'; at most 100 characters.
NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")
NAME_ALLOWED = ("1 to 100 letters, digits, '.', '_' or '-', not starting with '.' or '-' "
                "(the name becomes a file name)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class ConfigError(ValueError):
    """A problem with an experiment file, stated for a user.

    Attributes ``file``, ``key``, ``value`` and ``allowed`` hold the parts of the
    message so that programs can inspect them.
    """

    def __init__(self, file: str | Path | None, key: str | None, value: Any, allowed: str,
                 problem: str | None = None):
        self.file = str(file) if file is not None else "<string>"
        self.key = key
        self.value = value
        self.allowed = allowed
        self.problem = problem
        where = _printable(self.file) + (f", key '{_printable(key)}'" if key else "")
        what = problem or "invalid value"
        shown = _show(value)
        msg = f"{where}: {what}: got {shown}; allowed: {allowed}"
        super().__init__(msg)

    def __reduce__(self):  # picklable (errors cross process boundaries in sweeps)
        return (type(self), (self.file, self.key, self.value, self.allowed, self.problem))


class Invalid(Exception):
    """Raised by a dataclass ``check`` method: ``Invalid(key, value, allowed)``.

    ``key`` is relative to the dataclass (``build`` prefixes the section path).
    """

    def __init__(self, key: str, value: Any, allowed: str, problem: str | None = None):
        super().__init__(key, value, allowed, problem)
        self.key, self.value, self.allowed, self.problem = key, value, allowed, problem


def _printable(text: str) -> str:
    """``text`` with control characters escaped (they never reach a terminal raw)."""
    text = str(text)
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text) if _CONTROL.search(text) else text


_repr = reprlib.Repr()
_repr.maxlevel = 3
_repr.maxstring = 200   # file paths are shown whole
_repr.maxother = 60


def _show(value: Any) -> str:
    if value is MISSING:
        return "nothing (the key is missing)"
    try:
        text = _repr.repr(value)
    except (RecursionError, ValueError):  # pragma: no cover - defensive
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 240 else text[:237] + "..."


def spec(default: Any = MISSING, *, unit: str | None = None, ge: float | None = None,
         gt: float | None = None, le: float | None = None, lt: float | None = None,
         choices: tuple | None = None, doc: str = "", min_len: int | None = None,
         max_len: int | None = None, path: bool = False) -> Any:
    """A config key: default (omit for a required key), unit, bounds, choices, doc.

    Bounds apply to a number or to every element of a list.  ``min_len`` and
    ``max_len`` bound the length of a list.  ``path=True``: the key names a file; a
    relative path is read relative to the experiment file's folder (whatever the
    current directory).
    """
    meta = dict(unit=unit, ge=ge, gt=gt, le=le, lt=lt, choices=choices, doc=doc,
                min_len=min_len, max_len=max_len, path=path)
    if isinstance(default, (list, dict)):
        frozen = tuple(default) if isinstance(default, list) else dict(default)
        return field(default_factory=lambda: frozen, metadata=meta)
    return field(default=default, metadata=meta)


def section(cls: type, doc: str = "", required: bool = False) -> Any:
    """A nested TOML table described by dataclass ``cls`` (all defaults unless required)."""
    meta = dict(doc=doc, section=True)
    if required:
        return field(metadata=meta)
    return field(default_factory=cls, metadata=meta)


# ----------------------------------------------------------------------------- types

def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if tp is float:
        return "a number"
    if tp is int:
        return "a whole number"
    if tp is bool:
        return "true or false"
    if tp is str:
        return "a text string"
    if origin in (tuple, list):
        args = typing.get_args(tp)
        return f"a list of {_type_name(args[0])}s".replace("a ", "", 1) if args else "a list"
    if origin is dict:
        return "a table"
    if is_dataclass(tp):
        return "a table"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp) if a is not type(None))
    return str(tp)


def _is_numeric(tp: Any) -> bool:
    if tp in (int, float):
        return True
    origin = typing.get_origin(tp)
    if origin in (tuple, list, typing.Union, types.UnionType):
        return any(_is_numeric(a) for a in typing.get_args(tp) if a is not Ellipsis)
    return False


def _limited(meta: dict) -> dict:
    """``meta`` with the default limits filled in where a key sets no bound on a side."""
    m = dict(meta)
    if m.get("le") is None and m.get("lt") is None:
        m["le"] = DEFAULT_LIMIT
    if m.get("ge") is None and m.get("gt") is None:
        m["ge"] = -DEFAULT_LIMIT
    return m


def _bounds_text(meta: dict) -> str:
    parts = []
    for name, sign in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        b = meta.get(name)
        if b is not None and math.isfinite(b):
            parts.append(f"{sign} {b:g}")
    return " and ".join(parts)


def _allowed_text(tp: Any, meta: dict) -> str:
    if meta.get("choices"):
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    text = _type_name(tp)
    b = _bounds_text(_limited(meta) if _is_numeric(tp) else meta)
    if b:
        text += f" {b}"
    if meta.get("unit"):
        text += f" (unit: {meta['unit']})"
    if typing.get_origin(tp) in (tuple, list):
        text += f", {meta.get('min_len') or 0} to {meta.get('max_len') or DEFAULT_MAX_LEN} items"
    return text


def _check_scalar(tp: Any, value: Any, meta: dict, file, key) -> Any:
    allowed = _allowed_text(tp, meta)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(file, key, value, allowed, "wrong type")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(file, key, value, allowed, "wrong type")
    elif tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(file, key, value, allowed, "wrong type")
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(file, key, value, allowed, "not a finite number")
    elif tp is str:
        if not isinstance(value, str):
            raise ConfigError(file, key, value, allowed, "wrong type")
        _check_text(value, file, key, allowed)
    if tp in (int, float):
        limits = _limited(meta)
        checks = (("ge", lambda v, b: v >= b), ("gt", lambda v, b: v > b),
                  ("le", lambda v, b: v <= b), ("lt", lambda v, b: v < b))
        for name, ok in checks:
            bound = limits.get(name)
            if bound is not None and not ok(value, bound):
                raise ConfigError(file, key, value, allowed, "out of range")
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(file, key, value, allowed, "not a known choice")
    return value


def _check_text(value: str, file, key, allowed: str, max_chars: int = 10_000) -> None:
    """Text keys hold no control characters (NUL, escape ...) and at most ``max_chars``."""
    m = _CONTROL.search(value)
    if m:
        raise ConfigError(file, key, value, allowed + ", without control characters",
                          f"control character U+{ord(m.group()):04X} at position {m.start()}")
    if len(value) > max_chars:
        raise ConfigError(file, key, value, f"{allowed} of at most {max_chars} characters",
                          "text too long")


def _convert(tp: Any, value: Any, meta: dict, file, key) -> Any:
    origin = typing.get_origin(tp)
    if is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(file, key, value, "a table [" + key + "]", "wrong type")
        return build(tp, value, file=file, prefix=key)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        errors = []
        for a in args:
            try:
                return _convert(a, value, meta, file, key)
            except ConfigError as exc:
                errors.append(exc)
        raise errors[0]
    if origin in (tuple, list):
        args = typing.get_args(tp)
        elem = args[0] if args else Any
        if not isinstance(value, list):
            raise ConfigError(file, key, value, _allowed_text(tp, meta), "wrong type")
        n = len(value)
        max_len = meta.get("max_len") if meta.get("max_len") is not None else DEFAULT_MAX_LEN
        if (meta.get("min_len") is not None and n < meta["min_len"]) or n > max_len:
            raise ConfigError(file, key, value, _allowed_text(tp, meta), "wrong number of items")
        out = []
        for i, v in enumerate(value):
            sub = f"{key}[{i}]"
            if is_dataclass(elem):
                if not isinstance(v, dict):
                    raise ConfigError(file, sub, v, "a table", "wrong type")
                out.append(build(elem, v, file=file, prefix=sub))
            else:
                elem_meta = {k: meta.get(k) for k in ("ge", "gt", "le", "lt", "choices", "unit")}
                out.append(_check_scalar(elem, v, elem_meta, file, sub))
        return tuple(out)
    if origin is dict:
        kt, vt = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(file, key, value, _allowed_text(tp, meta), "wrong type")
        out = {}
        choices = meta.get("choices")
        vmeta = {k: meta.get(k) for k in ("ge", "gt", "le", "lt", "unit")}
        for k, v in value.items():
            _check_text(k, file, f"{key}.{k}", "a name")
            if choices and k not in choices:
                raise ConfigError(file, f"{key}.{k}", k,
                                  "one of " + ", ".join(repr(c) for c in choices),
                                  "unknown name")
            out[k] = _convert(vt, v, vmeta, file, f"{key}.{k}")
        return out
    return _check_scalar(tp, value, meta, file, key)


def build(cls: type, data: dict, *, file: str | Path | None = None, prefix: str = "") -> Any:
    """Build dataclass ``cls`` from TOML table ``data``, checking every key."""
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls) if f.init}
    for k, v in data.items():
        if k not in known:
            path = f"{prefix}.{k}" if prefix else k
            raise ConfigError(file, path, v, "one of " + ", ".join(sorted(known)),
                              "unknown key" + (f" in [{prefix}]" if prefix else ""))
    kwargs = {}
    for name, f in known.items():
        path = f"{prefix}.{name}" if prefix else name
        if name in data:
            kwargs[name] = _convert(hints[name], data[name], dict(f.metadata), file, path)
            if f.metadata.get("path"):
                kwargs[name] = _relative_to_file(kwargs[name], file)
        elif f.default is MISSING and f.default_factory is MISSING:
            raise ConfigError(file, path, MISSING, _allowed_text(hints[name], dict(f.metadata)),
                              "required key missing")
    obj = cls(**kwargs)
    check = getattr(obj, "check", None)
    if callable(check):
        try:
            check()
        except Invalid as exc:
            key = f"{prefix}.{exc.key}" if prefix else exc.key
            raise ConfigError(file, key, exc.value, exc.allowed, exc.problem) from None
    return obj


def _relative_to_file(value, file):
    """A relative file path in an experiment file, made relative to that file's folder."""
    if not isinstance(value, str) or not value or file is None:
        return value
    p = Path(value).expanduser()
    if p.is_absolute():
        return str(p)
    try:
        base = Path(file)
        if not base.is_file():
            return value
    except (OSError, ValueError):
        return value
    return os.path.normpath(str(base.resolve().parent / p))


def to_dict(obj: Any) -> Any:
    """A built config back to plain Python data (for provenance and TOML export)."""
    if is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, tuple):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


def describe_schema(cls: type, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """Rows (key, allowed, default, doc) documenting a config class, for README/--help."""
    rows = []
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        path = f"{prefix}.{f.name}" if prefix else f.name
        meta = dict(f.metadata)
        tp = hints[f.name]
        if is_dataclass(tp):
            rows.extend(describe_schema(tp, path))
            continue
        if f.default is not MISSING:
            default = repr(f.default)
        elif f.default_factory is not MISSING:
            default = repr(f.default_factory())
        else:
            default = "(required)"
        rows.append((path, _allowed_text(tp, meta), default, meta.get("doc", "")))
    return rows


# ----------------------------------------------------------------------------- experiments

@dataclass(frozen=True)
class Experiment:
    """A validated experiment: common keys plus the model's typed config."""

    model: str
    name: str
    description: str
    seed: int
    config: Any
    path: str | None
    text: str
    parameters: dict = field(default_factory=dict)   # [parameters] overrides, checked


_COMMON = ("model", "name", "description", "seed", "parameters")


def parse_experiment(text: str, *, file: str | Path | None = None,
                     model_lookup=None) -> Experiment:
    """Parse TOML text into an :class:`Experiment`.

    ``model_lookup(name)`` returns the model object (with ``config_class``); by
    default the registry in :mod:`sim.model` is used.
    """
    if len(text) > MAX_FILE_BYTES:
        raise ConfigError(file, None, f"{len(text)} characters", f"at most {MAX_FILE_BYTES} "
                          "characters (experiment files are a few kB)", "file too large")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, None, str(exc), "a valid TOML document", "malformed TOML") from None
    except (RecursionError, MemoryError):
        raise ConfigError(file, None, "arrays or tables nested too deeply to read",
                          f"tables and arrays nested at most {MAX_DEPTH} levels",
                          "malformed TOML") from None
    _check_depth(data, file)
    if model_lookup is None:
        from sim.model import get_model as model_lookup, available_models
    else:
        available_models = None
    if "model" not in data:
        raise ConfigError(file, "model", MISSING, "the name of a model, e.g. model = \"growth\"",
                          "required key missing")
    model_name = data["model"]
    try:
        model = model_lookup(model_name) if isinstance(model_name, str) else None
    except KeyError:
        model = None
    if model is None:
        names = ", ".join(available_models()) if available_models else "a registered model"
        raise ConfigError(file, "model", model_name, names, "unknown model")
    if "name" in data:
        name = data["name"]
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise ConfigError(file, "name", name, NAME_ALLOWED,
                              "wrong type" if not isinstance(name, str) else "not a safe name")
    else:
        name = safe_name(Path(file).stem if file else "experiment")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(file, "description", description, "a text string", "wrong type")
    _check_text(description, file, "description", "a text string")
    seed = check_seed(data.get("seed", 0), file, "seed")
    parameters = _check_parameters(model, model_name, data.get("parameters", {}), file)
    body = {k: v for k, v in data.items() if k not in _COMMON}
    config = build(model.config_class, body, file=file)
    return Experiment(model=model_name, name=name, description=description, seed=seed,
                      config=config, path=str(file) if file else None, text=text,
                      parameters=parameters)


def _check_depth(data: Any, file) -> None:
    """Refuse tables/arrays nested deeper than MAX_DEPTH (checked without recursion)."""
    stack = [(data, 0, "")]
    while stack:
        obj, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            raise ConfigError(file, path or None, "a deeper structure",
                              f"tables and arrays nested at most {MAX_DEPTH} levels",
                              "nested too deeply")
        if isinstance(obj, dict):
            stack.extend((v, depth + 1, f"{path}.{k}" if path else str(k)) for k, v in obj.items())
        elif isinstance(obj, list):
            stack.extend((v, depth + 1, f"{path}[{i}]") for i, v in enumerate(obj))


def check_seed(value: Any, file: str | Path | None = "command line", key: str = "seed") -> int:
    """A seed: a whole number 0 <= seed <= MAX_SEED (2**63 - 1), else ConfigError."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise ConfigError(file, key, value, f"a whole number from 0 to 2**63 - 1 = {MAX_SEED}",
                          "invalid seed")
    return value


def safe_name(text: str) -> str:
    """``text`` made into a safe experiment name (unsafe characters -> '_')."""
    slug = re.sub(r"[^A-Za-z0-9._-]", "_", text)[:100].lstrip(".-")
    return slug or "experiment"


def check_input_file(path: str | Path, allowed: str = "an existing input file",
                     max_bytes: int = MAX_FILE_BYTES, empty_ok: bool = False) -> Path:
    """``path`` if it is a readable, regular, non-empty file of at most ``max_bytes``;
    else ConfigError naming it (a directory, a device like /dev/null, a pipe, ...).

    Every loader of a user-supplied file (experiment, network, structure, CSV) calls
    this before reading so that these cases end in the same clear message."""
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise ConfigError(p, None, str(p), allowed, "file not found") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(p, None, str(p), allowed, f"cannot open ({exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ConfigError(p, None, str(p), allowed, "a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(p, None, str(p), allowed, "not a regular file (a device or pipe)")
    if st.st_size == 0 and not empty_ok:
        raise ConfigError(p, None, "an empty file", allowed, "empty file")
    if st.st_size > max_bytes:
        raise ConfigError(p, None, f"{st.st_size} bytes", f"{allowed} of at most {max_bytes} "
                          "bytes", "file too large")
    if not os.access(p, os.R_OK):
        raise ConfigError(p, None, str(p), allowed, "no permission to read")
    return p


def read_input_text(path: str | Path, allowed: str = "a UTF-8 text file",
                    max_bytes: int = MAX_FILE_BYTES, empty_ok: bool = False) -> str:
    """The text of a user-supplied file after :func:`check_input_file`; bytes that are
    not UTF-8 give a ConfigError with their offset (and line)."""
    p = check_input_file(path, allowed, max_bytes, empty_ok)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(p, None, str(p), allowed, f"cannot read ({exc.strerror})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(p, f"line {line}", f"byte 0x{raw[exc.start]:02x} at offset {exc.start}",
                          allowed + " (UTF-8)", "not UTF-8 text") from None


def _check_parameters(model, model_name: str, table, file) -> dict:
    """The ``[parameters]`` table: any parameter of the model's table, by name, in bounds."""
    params = getattr(model, "parameters", None)
    if params is None:
        if table:
            raise ConfigError(file, "parameters", table,
                              f"nothing: model '{model_name}' has no parameter table",
                              "unknown section")
        return {}
    return params.check_overrides(table, file)


def load_experiment(path: str | Path, model_lookup=None) -> Experiment:
    """Read and validate an experiment file."""
    path = Path(path)
    text = read_input_text(path, "a TOML experiment file")
    return parse_experiment(text, file=path, model_lookup=model_lookup)


def replace(obj: Any, **changes) -> Any:
    """``dataclasses.replace`` that also accepts dotted keys: ``replace(cfg, **{"a.b": 1})``."""
    direct = {k: v for k, v in changes.items() if "." not in k}
    nested: dict[str, dict] = {}
    for k, v in changes.items():
        if "." in k:
            head, rest = k.split(".", 1)
            nested.setdefault(head, {})[rest] = v
    for head, sub in nested.items():
        direct[head] = replace(getattr(obj, head), **sub)
    return dataclasses.replace(obj, **direct)
