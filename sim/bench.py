"""``nanokin bench``: run the scripts in ``benchmarks/`` and collect their reports.

Each ``benchmarks/bench_<name>.py`` defines ``run(quick: bool) -> dict``: a JSON-able
record whose ``rows`` list holds one dict per measured case (names of both sides,
times, ratios).  Benchmarks measure ours against a reference or a peer tool in the
same run; no wall-clock limit is ever asserted.
"""
from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

from sim.paths import repo_root
from sim.store import atomic_path, provenance


def best_time(fn, repeat: int = 3):
    """Run ``fn`` ``repeat`` times; return (best wall time in s, last result)."""
    best = float("inf")
    out = None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def cpu_seconds() -> float:
    """CPU seconds of this process (all threads) plus its finished child processes."""
    import resource
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + c.ru_utime + c.ru_stime


def timed(fn, *args, **kw):
    """((wall_s, cpu_s), result) of one call; CPU time includes finished children."""
    t0, c0 = time.perf_counter(), cpu_seconds()
    out = fn(*args, **kw)
    return (time.perf_counter() - t0, cpu_seconds() - c0), out


def median_time(fn, repeats: int = 5):
    """Run ``fn`` ``repeats`` times (>= 5 for a stable figure on a shared machine);
    returns (dict(wall_s, cpu_s medians, walls, cpus), last result).  The median, not the
    best: a best-of-n follows the quietest moment of the machine and drifts between runs."""
    import statistics
    walls, cpus, out = [], [], None
    for _ in range(max(1, repeats)):
        (w, c), out = timed(fn)
        walls.append(w)
        cpus.append(c)
    return dict(wall_s=statistics.median(walls), cpu_s=statistics.median(cpus),
                walls=walls, cpus=cpus), out


def discover() -> dict[str, Path]:
    bench_dir = repo_root() / "benchmarks"
    return {p.stem[len("bench_"):]: p for p in sorted(bench_dir.glob("bench_*.py"))}


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"nanokin_bench_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _print_rows(name: str, rec: dict) -> None:
    print(f"== {name} ==")
    for row in rec.get("rows", []):
        print("  " + ", ".join(f"{k}={_fmt(v)}" for k, v in row.items()))
    for line in rec.get("notes", []):
        print(f"  note: {line}")


def _fmt(v):
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def main(quick: bool = False, json_path: str | None = None, only=None) -> int:
    found = discover()
    if not found:
        print("no benchmarks found (benchmarks/ is part of the source tree)", file=sys.stderr)
        return 1
    names = only or list(found)
    unknown = [n for n in names if n not in found]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {', '.join(found)}", file=sys.stderr)
        return 2
    records = {}
    for name in names:
        t0 = time.perf_counter()
        rec = _load(found[name]).run(quick=quick)
        rec["total_wall_s"] = time.perf_counter() - t0
        records[name] = rec
        _print_rows(name, rec)
    if json_path:
        with atomic_path(Path(json_path)) as tmp:
            tmp.write_text(json.dumps({"provenance": provenance(extra={"quick": quick}),
                                       "benchmarks": records}, indent=2, default=str))
        print(f"results written to {json_path}")
    return 0
