"""``nanokin bench``: run the scripts in ``benchmarks/`` and collect their reports.

Each ``benchmarks/bench_<name>.py`` defines ``run(quick: bool) -> dict``: a JSON-able
record whose ``rows`` list holds one dict per measured case (names of both sides,
times, ratios).  Benchmarks measure ours against a reference or a peer tool in the
same run; no wall-clock limit is ever asserted.
"""
from __future__ import annotations

import importlib.util
import json
import numbers
import sys
import time
from pathlib import Path

from sim.paths import repo_root
from sim.store import atomic_path, provenance


def script_parser(doc: str):
    """The argument parser of a ``benchmarks/bench_*.py`` script: ``--help`` (the first
    line of the script's docstring, nothing run) and ``--quick``; a script adds its own
    options to it."""
    import argparse
    ap = argparse.ArgumentParser(description=doc.strip().splitlines()[0],
                                 epilog="Also run by `nanokin bench [--quick]`.")
    ap.add_argument("--quick", action="store_true",
                    help="the smaller cases that `nanokin bench --quick` runs")
    return ap


def script_args(doc: str, argv=None, positional: tuple[str, str, list] | None = None):
    """Parsed :func:`script_parser` arguments; ``positional`` = (name, help, choices) adds
    optional positional names restricted to ``choices``."""
    ap = script_parser(doc)
    if positional:
        name, text, choices = positional
        ap.add_argument(name, nargs="*", metavar=name.upper(),
                        help=f"{text}; one of {', '.join(choices)}")
    a = ap.parse_args(argv)
    if positional:
        bad = [x for x in getattr(a, name) if x not in choices]
        if bad:   # checked here: argparse rejects an empty nargs="*" list with choices (3.11)
            ap.error(f"unknown {name}: {', '.join(bad)} (allowed: {', '.join(choices)})")
    return a


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


def ab(sides: dict, repeats: int = 5, min_s: float = 1.0, warmup: bool = True) -> dict:
    """Time several sides of a comparison under the same machine load.

    ``sides`` maps a name to a callable ``fn(i)`` doing one unit of work (``i`` counts the
    calls, for seeds); when it returns an integer, that is the number of events it
    simulated and times are per event, else per call.
    After a warm-up call (``warmup``), a timed call of each side sets its count ``n`` of
    calls per repeat so that one repeat lasts at least ``min_s`` seconds; then ``repeats``
    rounds run every side once each, interleaved (the order rotates every round), so
    that both sides of a ratio see the same load.  Returns per side: ``n``, ``repeats``, ``wall_s``/``cpu_s`` (medians per
    unit of work: per call, or per event when ``fn`` returns counts), ``walls``/``cpus``
    (the per-repeat figures), ``spread_wall``/``spread_cpu`` (max/min) and ``result``
    (the last return value).  CPU time is this process (all threads) plus finished
    child processes (:func:`cpu_seconds`)."""
    import statistics
    names = list(sides)
    n = {}
    for k in names:
        if warmup:
            sides[k](0)                  # warm-up: compilation, caches, first imports
        (w, _), _ = timed(sides[k], 0)
        n[k] = max(1, int(-(-min_s // max(w, 1e-6))))
    per = {k: dict(walls=[], cpus=[], result=None) for k in names}
    calls = {k: 1 for k in names}
    for rep in range(max(1, repeats)):
        order = names[rep % len(names):] + names[:rep % len(names)]
        for k in order:
            units_done = 0
            t0, c0 = time.perf_counter(), cpu_seconds()
            for _ in range(n[k]):
                out = sides[k](calls[k])
                calls[k] += 1
                units_done += int(out) if isinstance(out, numbers.Integral) else 1
                per[k]["result"] = out
            w, c = time.perf_counter() - t0, cpu_seconds() - c0
            per[k]["walls"].append(w / units_done)
            per[k]["cpus"].append(c / units_done)
    res = {}
    for k in names:
        walls, cpus = per[k]["walls"], per[k]["cpus"]
        res[k] = dict(n=n[k], repeats=len(walls), wall_s=statistics.median(walls),
                      cpu_s=statistics.median(cpus), walls=walls, cpus=cpus,
                      spread_wall=max(walls) / min(walls) if min(walls) > 0 else float("nan"),
                      spread_cpu=max(cpus) / min(cpus) if min(cpus) > 0 else float("nan"),
                      result=per[k]["result"])
    return res


def ratio_row(case: str, res: dict, slow: str, fast: str, **extra) -> dict:
    """One JSON row of an :func:`ab` comparison: both sides' medians (wall and CPU, s per
    unit), repeats and spreads, and ``ratio_wall``/``ratio_cpu`` = slow / fast."""
    a, b = res[slow], res[fast]
    return dict(case=case, ours=fast, reference=slow,
                ours_s=b["wall_s"], ours_cpu_s=b["cpu_s"], ours_n=b["n"],
                reference_s=a["wall_s"], reference_cpu_s=a["cpu_s"], reference_n=a["n"],
                repeats=b["repeats"], spread_wall=max(a["spread_wall"], b["spread_wall"]),
                spread_cpu=max(a["spread_cpu"], b["spread_cpu"]),
                ratio_wall=a["wall_s"] / b["wall_s"], ratio_cpu=a["cpu_s"] / b["cpu_s"],
                **extra)


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
    t_all = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        mod = _load(found[name])
        if quick and not only and not getattr(mod, "IN_QUICK", True):
            print(f"== {name} == not in --quick: {getattr(mod, 'WHY_NOT_QUICK', '')} "
                  f"(run it with --only {name})")
            continue
        rec = mod.run(quick=quick)
        rec["total_wall_s"] = time.perf_counter() - t0
        records[name] = rec
        _print_rows(name, rec)
        if json_path:               # after every benchmark: a stopped run keeps what it measured
            with atomic_path(Path(json_path)) as tmp:
                tmp.write_text(json.dumps({"provenance": provenance(extra={"quick": quick}),
                                           "benchmarks": records,
                                           "total_wall_s": time.perf_counter() - t_all},
                                          indent=2, default=str))
    print(f"total {time.perf_counter() - t_all:.0f} s wall")
    if json_path:
        print(f"results written to {json_path}")
    return 0


RATIO_KEYS = ("ratio_wall", "ratio_cpu", "ratio_peer_over_nanokin", "cpu_ratio_peer_over_nanokin",
              "ode_ratio", "ode_cpu_ratio")


def ratios(record: dict) -> dict:
    """{(benchmark, case, key): value} for every ratio of a ``nanokin bench --json`` file."""
    out = {}
    for bench, rec in record["benchmarks"].items():
        for row in rec.get("rows", []):
            case = " / ".join(str(row[k]) for k in ("network", "case", "model", "tool") if k in row)
            for k, v in row.items():
                if not (k in RATIO_KEYS or k.startswith("ratio") or "_ratio" in k):
                    continue
                if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v:
                    out[(bench, case, k)] = float(v)
    return out


def compare_runs(a: dict, b: dict, tolerance: float = 0.2) -> list[tuple]:
    """(benchmark, case, key, ratio in a, ratio in b, relative change, within tolerance)
    for every ratio present in both runs (the reproducibility check of two runs)."""
    ra, rb = ratios(a), ratios(b)
    return [(*k, ra[k], rb[k], rb[k] / ra[k] - 1.0, abs(rb[k] / ra[k] - 1.0) <= tolerance)
            for k in ra if k in rb]


if __name__ == "__main__":
    # python -m sim.bench RUN1.json RUN2.json: ratio changes between two runs
    first, second = (json.loads(Path(x).read_text()) for x in sys.argv[1:3])
    rows = compare_runs(first, second)
    for bench, case, key, x, y, d, ok in rows:
        print(f"{bench:14s} {case[:58]:58s} {key:28s} {x:10.4g} {y:10.4g} {100 * d:+7.1f} % "
              f"{'ok' if ok else 'OUTSIDE +-20 %'}")
    print(f"{sum(r[-1] for r in rows)} of {len(rows)} ratios within +-20 %")
