"""Fuzzing the inputs nanokin reads: every case must end in a clean result or a clean error.

A :class:`Case` is one file handed to one command:

``load``  the checks ``nanokin run`` does before any work (``sim.cli._load``: the
          experiment file and every file it names, or a model's own format)
``run``   ``nanokin run FILE -o OUT --no-plot --draws 0`` end to end
``info``  ``nanokin info FILE``

:func:`run_cases` executes cases one after another in a worker process (so that a hang or
a crash inside compiled code is caught too): each must finish within ``budget_s`` seconds
and end in

* ``ok``       — it loaded / ran / printed; for ``run``, every summary value that is not a
  finite number carries a non-empty ``reason`` attribute in the result file, or
* ``refused``  — a :class:`sim.config.ConfigError` whose message names the file and what is
  allowed (and a key or line when the case mutated one),

anything else (a traceback, a crash, a hang, a NaN without a reason) is a failure.

Corpora
-------
:func:`toml_cases` mutates keys, values and text of experiment files (the shipped ones in
``inputs/<model>/*.toml``); :func:`generic_cases` hands every accepted suffix an empty
file, a directory, binary bytes, non-UTF-8 text, ``/dev/null``, a FIFO and an oversized
file; :func:`result_cases` hands ``info`` truncated, corrupted, leftover and foreign HDF5
files.  A model adds mutations of its own file formats by putting a module in
``tests/fuzz_corpora/`` that defines ``CORPUS``, a list of ``(suffix, generator)``::

    def net_cases(rng, n, shipped):      # numpy Generator, number wanted, shipped files
        for i in range(n):
            yield Case(name=f"net-{i}", suffix=".net", content=b"...", command="load")

    CORPUS = [(".net", net_cases)]

:func:`load_corpora` imports those modules; ``tests/test_fuzz.py`` runs a few hundred
cases of every corpus, ``benchmarks/fuzz_long.py`` many more.
"""
from __future__ import annotations

import importlib.util
import io
import json
import math
import os
import select
import subprocess
import sys
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["Case", "Outcome", "toml_cases", "generic_cases", "result_cases", "run_cases",
           "load_corpora", "dumps_toml", "accepted_suffixes", "shipped_experiments"]

_TAG = "@@nanokin-fuzz@@ "


@dataclass
class Case:
    """One input handed to one command.

    ``content``: the file's bytes; ``kind``: ``file`` (write ``content``), ``directory``,
    ``devnull`` (a symlink to /dev/null), ``fifo`` or ``sparse`` (a file of ``size`` bytes
    of zeros); ``expect_key``: a refusal must name a key or line."""

    name: str
    suffix: str
    content: bytes = b""
    command: str = "load"
    kind: str = "file"
    size: int = 0
    expect_key: bool = False
    filename: str = ""          # default: case-<index><suffix>
    extra: dict = field(default_factory=dict)   # companion files: name -> bytes


@dataclass
class Outcome:
    case: Case
    status: str                  # ok | refused | traceback | hang | crash | nan | unclear
    message: str = ""
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return self.status in ("ok", "refused")


# ----------------------------------------------------------------------------- TOML text

def _toml_str(s: str) -> str:
    out = []
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_key(k: str) -> str:
    import re

    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else _toml_str(k)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def dumps_toml(data: dict) -> str:
    """TOML text of ``data`` (scalars first, then tables as [a.b] sections)."""
    lines: list[str] = []

    def table(d: dict, path: list[str]):
        scalars = {k: v for k, v in d.items() if not (isinstance(v, dict) and v)}
        subs = {k: v for k, v in d.items() if isinstance(v, dict) and v}
        if path and (scalars or not subs):
            lines.append("[" + ".".join(_toml_key(p) for p in path) + "]")
        for k, v in scalars.items():
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
        for k, v in subs.items():
            lines.append("")
            table(v, path + [k])

    table(data, [])
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- corpora

def shipped_experiments(inputs=None) -> list[Path]:
    """The reference experiment files, ``inputs/<model>/*.toml``."""
    from sim.paths import inputs_dir

    root = Path(inputs) if inputs else inputs_dir()
    return sorted(p for p in root.glob("*/*.toml") if p.parent.name not in ("data", "fitted"))


def accepted_suffixes() -> list[str]:
    """Every suffix ``nanokin run`` accepts: .toml and the models' own formats."""
    from sim.model import available_models, get_model

    out = {".toml"}
    for name in available_models():
        try:
            out.update(getattr(get_model(name), "file_suffixes", ()) or ())
        except Exception:  # a model that cannot be imported is not accepted either
            pass
    return sorted(out)


_NASTY = [0, -1, -0.0, 0.5, 1, 7, 1e-300, -1e-300, 1e300, -1e300, 1.5e12, 1e9, float("nan"),
          float("inf"), float("-inf"), 2**63 - 1, 2**63, 2**70, -(2**70), True, False, "",
          "text", "a\x00b", "../../x", "/abs/evil", "\x1b[31m", "é" * 3, "a" * 20_000, [], [1],
          [[1]], [1, "a"], {}, {"x": 1}, [float("nan")], [1e300] * 3]


def _leaves(d: dict, path=()):
    for k, v in d.items():
        yield path + (k,), v
        if isinstance(v, dict):
            yield from _leaves(v, path + (k,))


def _set(d: dict, path, value):
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value


def _delete(d: dict, path):
    for k in path[:-1]:
        d = d[k]
    del d[path[-1]]


def _copy(d):
    return json.loads(json.dumps(d, allow_nan=True))


def _mutate_value(rng, v):
    r = rng.random()
    if isinstance(v, (int, float)) and not isinstance(v, bool) and r < 0.4:
        factor = float(rng.choice([-1.0, 1e-30, 1e-6, 0.1, 10.0, 1e3, 1e6, 1e30, 1e300]))
        out = v * factor if math.isfinite(v * factor) else v
        return int(out) if isinstance(v, int) and abs(out) < 2**80 else out
    if isinstance(v, list) and v and r < 0.5:
        v = list(v)
        i = int(rng.integers(len(v)))
        v[i] = _NASTY[int(rng.integers(len(_NASTY)))]
        return v
    if isinstance(v, list) and r < 0.6:
        return [v[0] if v else 1.0] * int(rng.choice([0, 100_001]))
    return _NASTY[int(rng.integers(len(_NASTY)))]


def _same(body: str, data: dict) -> bool:
    import tomllib

    try:
        return json.dumps(tomllib.loads(body), sort_keys=True) == json.dumps(data, sort_keys=True)
    except Exception:
        return False


def _parameter_names(model: str) -> list[str]:
    from sim.model import get_model

    try:
        table = get_model(model).parameters
    except Exception:
        return []
    return list(table.names) if table is not None else []


def _deep(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def toml_cases(files, n: int, seed: int = 0):
    """``n`` mutations of the experiment files ``files`` (round robin), seeded."""
    import tomllib

    rng = np.random.default_rng(seed)
    docs = []
    for f in files:
        text = Path(f).read_text(encoding="utf-8")
        docs.append((Path(f), text, tomllib.loads(text)))
    ops = ["value", "value", "value", "value", "delete", "rename", "unknown", "table_to_scalar",
           "truncate", "bytes", "duplicate", "deep", "name", "parameter"]
    order = rng.permutation(len(docs)) if docs else []
    made, i = 0, -1
    while made < n and i < 20 * n:
        i += 1
        path, text, data = docs[order[i % len(docs)]]
        op = ops[int(rng.integers(len(ops)))]
        leaves = [(p, v) for p, v in _leaves(data) if p != ("model",)]
        label = f"{path.parent.name}/{path.name}"
        d = _copy(data)
        expect_key = op in ("value", "delete", "rename", "unknown", "table_to_scalar", "name")
        if op == "value" and leaves:
            p, v = leaves[int(rng.integers(len(leaves)))]
            new = _mutate_value(rng, v)
            _set(d, p, new)
            desc = f"{'.'.join(p)} = {_toml_value(new)[:40]}"
            body = dumps_toml(d)
        elif op == "delete" and leaves:
            p, _ = leaves[int(rng.integers(len(leaves)))]
            _delete(d, p)
            desc = f"delete {'.'.join(p)}"
            body = dumps_toml(d)
            expect_key = True
        elif op == "rename" and leaves:
            p, v = leaves[int(rng.integers(len(leaves)))]
            _delete(d, p)
            _set(d, p[:-1] + (p[-1] + "x",), v)
            desc = f"rename {'.'.join(p)}"
            body = dumps_toml(d)
        elif op == "unknown":
            tables = [()] + [p for p, v in _leaves(data) if isinstance(v, dict)]
            p = tables[int(rng.integers(len(tables)))]
            _set(d, p + ("bogus_key",), 1.0)
            desc = f"unknown key in [{'.'.join(p)}]"
            body = dumps_toml(d)
        elif op == "table_to_scalar":
            tables = [p for p, v in _leaves(data) if isinstance(v, dict)]
            if not tables:
                tables = [("name",)]
            p = tables[int(rng.integers(len(tables)))]
            _set(d, p, 5)
            desc = f"{'.'.join(p)} = 5"
            body = dumps_toml(d)
        elif op == "truncate":
            cut = int(rng.integers(0, max(1, len(text))))
            desc, body, expect_key = f"truncated at {cut}", text[:cut], False
        elif op == "bytes":
            raw = bytearray(text.encode())
            at = int(rng.integers(0, len(raw) + 1))
            raw[at:at] = rng.bytes(int(rng.integers(1, 6)))
            made += 1
            yield Case(f"{label}: random bytes at {at}", ".toml", bytes(raw))
            continue
        elif op == "duplicate":
            lines = text.splitlines()
            j = int(rng.integers(len(lines)))
            desc, expect_key = f"line {j + 1} duplicated", False
            body = "\n".join(lines[: j + 1] + lines[j:]) + "\n"
        elif op == "deep":
            depth = int(rng.choice([40, 1000, 100_000]))
            body = text + f"\nnested = {_deep(depth)}\n"
            desc, expect_key = f"array nested {depth} deep", False
        elif op == "parameter":
            names = _parameter_names(data.get("model"))
            key = str(rng.choice(names)) if names and rng.random() < 0.8 else "no_such_parameter"
            value = _NASTY[int(rng.integers(len(_NASTY)))]
            d.setdefault("parameters", {})[key] = value
            desc = f"parameters.{key} = {_toml_value(value)[:40]}"
            body = dumps_toml(d)
        else:  # name
            name = str(rng.choice(["../../x", "/abs/dir/evil", "a\x00b", ".hidden", "a b",
                                   "x" * 101, "ok_name-1.2"]))
            d["name"] = name
            desc = f"name = {name!r}"
            body = dumps_toml(d)
        if _same(body, data):
            continue            # a comment duplicated, a cut after the last key: no mutation
        made += 1
        yield Case(f"{label}: {desc}", ".toml", body.encode("utf-8", errors="surrogatepass"),
                   expect_key=expect_key)


def generic_cases(suffixes, commands=("load",)):
    """Files that are not what their suffix promises, for every suffix and command."""
    for suffix in suffixes:
        for command in commands:
            yield Case(f"{suffix} empty", suffix, b"", command)
            yield Case(f"{suffix} directory", suffix, command=command, kind="directory")
            yield Case(f"{suffix} binary", suffix, bytes(range(256)) * 8, command)
            yield Case(f"{suffix} not UTF-8", suffix, b"model = \"toy\"\n\xff\xfe\xfa\n", command)
            yield Case(f"{suffix} /dev/null", suffix, command=command, kind="devnull")
            yield Case(f"{suffix} FIFO", suffix, command=command, kind="fifo")
            yield Case(f"{suffix} 9 MB of zeros", suffix, command=command, kind="sparse",
                       size=9 * 1024 * 1024)


def result_cases(good: bytes, n_corrupt: int = 8, seed: int = 0):
    """Files handed to ``info``: truncations and corruptions of the result file ``good``
    (its bytes), a crash leftover, random bytes and HDF5 files of other programs."""
    rng = np.random.default_rng(seed)
    for frac in (0.0, 0.01, 0.1, 0.5, 0.9, 0.999):
        cut = max(1, int(len(good) * frac))
        yield Case(f"result truncated to {cut} bytes", ".h5", good[:cut], "info")
    for k in range(n_corrupt):
        raw = bytearray(good)
        for _ in range(int(rng.integers(1, 20))):
            at = int(rng.integers(0, len(raw)))
            raw[at] = int(rng.integers(0, 256))
        yield Case(f"result with random bytes changed ({k})", ".h5", bytes(raw), "info")
    yield Case("crash leftover", ".h5", good[: len(good) // 3], "info",
               filename=".result.h5.tmp999999")
    yield Case("random bytes", ".h5", rng.bytes(4096), "info")
    yield Case("text file", ".h5", b"hello\n", "info")
    for i, maker in enumerate(_FOREIGN):
        yield Case(f"other program's HDF5 ({maker.__doc__})", ".h5", command="info",
                   extra={"__h5__": maker.__name__.encode()})


def _foreign_plain(f):
    """plain arrays and attributes"""
    f.attrs["creator"] = "another program"
    f.create_dataset("temperature", data=np.arange(10.0))
    f.create_dataset("labels", data=np.array([b"a", b"b"]))


def _foreign_huge(f):
    """a huge declared dataset in a small file"""
    f.create_dataset("big", shape=(2 * 10**8,), dtype="f8", chunks=(10**6,), compression="gzip")
    f.create_group("data").create_dataset("x", shape=(10**5, 10**4), dtype="f4", chunks=True)
    f.attrs["nanokin_version"] = "0.0"
    f.attrs["solver"] = "{not json"


def _foreign_odd(f):
    """links, compound, empty and reference datasets"""
    import h5py

    f["soft"] = h5py.SoftLink("/nowhere")
    f["ext"] = h5py.ExternalLink("/etc/passwd", "/x")
    f.create_dataset("compound", data=np.zeros(3, dtype=[("a", "i4"), ("b", "f8")]))
    f.create_dataset("empty", data=h5py.Empty("f"))
    f.create_dataset("ref", data=f["compound"].ref, dtype=h5py.ref_dtype)
    f.attrs.create("array_attr", data=np.arange(5000))
    f.create_group("summary").create_dataset("v", data="text value")


def _foreign_deep(f):
    """groups nested 200 deep and 3000 objects"""
    g = f
    for i in range(200):
        g = g.create_group(f"g{i}")
    many = f.create_group("many")
    for i in range(3000):
        many.create_dataset(f"d{i}", data=i)


_FOREIGN = [_foreign_plain, _foreign_huge, _foreign_odd, _foreign_deep]


def load_corpora(directory) -> list[tuple[str, object]]:
    """``(suffix, generator)`` pairs from the ``CORPUS`` lists of the modules in
    ``directory`` (see the module doc)."""
    out = []
    for path in sorted(Path(directory).glob("*.py")):
        if path.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"_nanokin_fuzz_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out.extend(getattr(module, "CORPUS", []))
    return out


# ----------------------------------------------------------------------------- running

def _materialize(case: Case, folder: Path, index: int) -> Path:
    path = folder / (case.filename or f"case-{index}{case.suffix}")
    for name, data in case.extra.items():
        if name != "__h5__":
            (folder / name).write_bytes(data)
    if case.kind == "directory":
        path.mkdir()
    elif case.kind == "devnull":
        path.symlink_to(os.devnull)
    elif case.kind == "fifo":
        os.mkfifo(path)
    elif case.kind == "sparse":
        with open(path, "wb") as f:
            f.truncate(case.size)
    elif "__h5__" in case.extra:
        import h5py

        maker = {m.__name__: m for m in _FOREIGN}[case.extra["__h5__"].decode()]
        with h5py.File(path, "w") as f:
            maker(f)
    else:
        path.write_bytes(case.content)
    return path


def _nan_without_reason(out: Path) -> str:
    import h5py

    with h5py.File(out, "r") as f:
        if "summary" not in f:
            return ""
        for name, ds in f["summary"].items():
            if not isinstance(ds, h5py.Dataset) or ds.shape != () or ds.dtype.kind not in "fiu":
                continue
            v = float(ds[()])
            if not math.isfinite(v) and not str(ds.attrs.get("reason", "")).strip():
                return f"summary '{name}' = {v} without a reason attribute"
    return ""


def _execute(command: str, path: str, out: str) -> tuple[str, str]:
    """(status, message) of one case, in this process."""
    from sim.config import ConfigError

    buf_out, buf_err = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(buf_out), redirect_stderr(buf_err):
            if command == "load":
                from sim.cli import _load

                _load(path)
                return "ok", ""
            if command == "info":
                from sim.store import describe_safely

                describe_safely(path)
                return "ok", ""
            if command == "run":
                from sim.cli import main

                rc = main(["run", path, "-o", out, "--no-plot", "--draws", "0"])
                err = buf_err.getvalue()
                if rc == 2:
                    return "refused", err.strip().splitlines()[-1] if err.strip() else ""
                if rc != 0:
                    return "unclear", f"exit status {rc}: {err[-300:]}"
                why = _nan_without_reason(Path(out))
                return ("nan", why) if why else ("ok", "")
            raise ValueError(f"unknown command {command}")
    except ConfigError as exc:
        return "refused", json.dumps({"message": str(exc), "file": exc.file, "key": exc.key,
                                      "allowed": exc.allowed})
    except Exception:
        return "traceback", traceback.format_exc()[-2000:]


def _worker() -> None:  # pragma: no cover - runs in the worker process
    """Read JSON cases on stdin, answer one tagged JSON line each on stdout."""
    out = sys.stdout
    sys.stdout = io.StringIO()
    from sim.model import available_models, get_model

    for name in available_models():          # import every model before the clock runs
        try:
            get_model(name)
        except Exception:
            pass
    out.write(_TAG + json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        req = json.loads(line)
        t0 = time.perf_counter()
        status, message = _execute(req["command"], req["path"], req["out"])
        out.write(_TAG + json.dumps({"status": status, "message": message,
                                     "seconds": time.perf_counter() - t0}) + "\n")
        out.flush()


class _Worker:
    def __init__(self, cwd):
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
        env.setdefault("MPLBACKEND", "Agg")
        self.proc = subprocess.Popen([sys.executable, "-m", "sim.fuzz", "--worker"], cwd=cwd,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.buf = b""
        reply = self.read(300.0)
        if not reply or not reply.get("ready"):
            raise RuntimeError("fuzz worker did not start")

    def read(self, timeout: float):
        end = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                text = line.decode(errors="replace")
                if text.startswith(_TAG):
                    return json.loads(text[len(_TAG):])
            left = end - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return {"eof": True}
                self.buf += chunk

    def ask(self, req: dict, timeout: float):
        self.proc.stdin.write((json.dumps(req) + "\n").encode())
        self.proc.stdin.flush()
        return self.read(timeout)

    def stop(self):
        try:
            self.proc.kill()
            self.proc.wait(30)
        except OSError:
            pass


def _judge(case: Case, status: str, message: str, path: Path) -> tuple[str, str]:
    """Refusals must name the file (the case's file or a companion file it refers to), what
    is allowed and (when asked) a key or line."""
    if status != "refused":
        return status, message
    names = [path.name] + [n for n in case.extra if not n.startswith("__")]

    def names_a_file(text: str) -> bool:
        return str(path) in text or any(n in text for n in names)

    if case.command == "run":
        text = message
        named_file = names_a_file(text)
        if not named_file or "allowed:" not in text:
            return "unclear", "refusal without file or allowed: " + text
        return status, text
    info = json.loads(message)
    named_file = names_a_file(info["message"])
    if not named_file or not info["allowed"]:
        return "unclear", "refusal without file or allowed: " + info["message"]
    if case.expect_key and not info["key"]:
        return "unclear", "refusal without a key: " + info["message"]
    return status, info["message"]


def run_cases(cases, folder, budget_s: float = 10.0, log=None) -> list[Outcome]:
    """Run ``cases`` (files written under ``folder``) and return their outcomes."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    outcomes = []
    worker = None
    try:
        for i, case in enumerate(cases):
            sub = folder / f"c{i}"
            sub.mkdir()
            path = _materialize(case, sub, i)
            out = sub / "out" / "result.h5"
            if worker is None:
                worker = _Worker(sub)
            reply = worker.ask({"command": case.command, "path": str(path), "out": str(out)},
                               budget_s)
            if reply is None:
                worker.stop()
                worker = None
                outcomes.append(Outcome(case, "hang", f"no answer within {budget_s} s",
                                        budget_s))
            elif reply.get("eof"):
                code = worker.proc.wait(30)
                worker = None
                outcomes.append(Outcome(case, "crash", f"worker died (exit status {code})"))
            else:
                status, message = _judge(case, reply["status"], reply["message"], path)
                outcomes.append(Outcome(case, status, message, reply["seconds"]))
            if log:
                log(outcomes[-1])
    finally:
        if worker is not None:
            worker.stop()
    return outcomes


def summarize(outcomes) -> str:
    from collections import Counter

    counts = Counter(o.status for o in outcomes)
    lines = [f"{len(outcomes)} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))]
    for o in outcomes:
        if not o.clean:
            lines.append(f"  [{o.status}] {o.case.command} {o.case.name}: {o.message[-600:]}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["--worker"]:
        _worker()
