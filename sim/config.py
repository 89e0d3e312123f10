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

A dataclass may define ``check(self)``; it runs after the fields are built and
raises :class:`Invalid` for conditions that involve several keys (an impossible
ratio, say).  :func:`build` turns that into a :class:`ConfigError` with the file
and full key path.
"""
from __future__ import annotations

import dataclasses
import math
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
]


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
        where = f"{self.file}" + (f", key '{key}'" if key else "")
        what = problem or "invalid value"
        shown = _show(value)
        msg = f"{where}: {what}: got {shown}; allowed: {allowed}"
        super().__init__(msg)


class Invalid(Exception):
    """Raised by a dataclass ``check`` method: ``Invalid(key, value, allowed)``.

    ``key`` is relative to the dataclass (``build`` prefixes the section path).
    """

    def __init__(self, key: str, value: Any, allowed: str, problem: str | None = None):
        super().__init__(key, value, allowed, problem)
        self.key, self.value, self.allowed, self.problem = key, value, allowed, problem


def _show(value: Any) -> str:
    if value is MISSING:
        return "nothing (the key is missing)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def spec(default: Any = MISSING, *, unit: str | None = None, ge: float | None = None,
         gt: float | None = None, le: float | None = None, lt: float | None = None,
         choices: tuple | None = None, doc: str = "", min_len: int | None = None,
         max_len: int | None = None) -> Any:
    """A config key: default (omit for a required key), unit, bounds, choices, doc.

    Bounds apply to a number or to every element of a list.  ``min_len`` and
    ``max_len`` bound the length of a list.
    """
    meta = dict(unit=unit, ge=ge, gt=gt, le=le, lt=lt, choices=choices, doc=doc,
                min_len=min_len, max_len=max_len)
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


def _bounds_text(meta: dict) -> str:
    parts = []
    if meta.get("gt") is not None:
        parts.append(f"> {meta['gt']:g}")
    if meta.get("ge") is not None:
        parts.append(f">= {meta['ge']:g}")
    if meta.get("lt") is not None:
        parts.append(f"< {meta['lt']:g}")
    if meta.get("le") is not None:
        parts.append(f"<= {meta['le']:g}")
    return " and ".join(parts)


def _allowed_text(tp: Any, meta: dict) -> str:
    if meta.get("choices"):
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    text = _type_name(tp)
    b = _bounds_text(meta)
    if b:
        text += f" {b}"
    if meta.get("unit"):
        text += f" (unit: {meta['unit']})"
    if meta.get("min_len") is not None or meta.get("max_len") is not None:
        text += f", {meta.get('min_len') or 0} to {meta.get('max_len') or 'any number of'} items"
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
    if tp in (int, float):
        checks = (("ge", lambda v, b: v >= b), ("gt", lambda v, b: v > b),
                  ("le", lambda v, b: v <= b), ("lt", lambda v, b: v < b))
        for name, ok in checks:
            bound = meta.get(name)
            if bound is not None and not ok(value, bound):
                raise ConfigError(file, key, value, allowed, "out of range")
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(file, key, value, allowed, "not a known choice")
    return value


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
        if (meta.get("min_len") is not None and n < meta["min_len"]) or \
           (meta.get("max_len") is not None and n > meta["max_len"]):
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
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, None, str(exc), "a valid TOML document", "malformed TOML") from None
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
    name = data.get("name", Path(file).stem if file else "experiment")
    if not isinstance(name, str) or not name:
        raise ConfigError(file, "name", name, "a non-empty text string", "wrong type")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(file, "description", description, "a text string", "wrong type")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(file, "seed", seed, "a whole number >= 0", "invalid seed")
    parameters = _check_parameters(model, model_name, data.get("parameters", {}), file)
    body = {k: v for k, v in data.items() if k not in _COMMON}
    config = build(model.config_class, body, file=file)
    return Experiment(model=model_name, name=name, description=description, seed=seed,
                      config=config, path=str(file) if file else None, text=text,
                      parameters=parameters)


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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, None, str(path), "an existing TOML file", "file not found") from None
    except UnicodeDecodeError:
        raise ConfigError(path, None, "binary data", "UTF-8 TOML text", "unreadable file") from None
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
