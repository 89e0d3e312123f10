"""Sweep benchmark: points per second of a growth sweep through ``nanokin sweep``'s engine.

One grid (benzoic acid equivalents x water, MIL-125 from ``inputs/growth/ba_05eq.toml``,
quantities ``mean_diameter_nm`` and ``dispersity``) is run four ways in one process run:

- **bare batch**: ``Model.summaries`` on all points at once, experiments built
  beforehand, in this process (the batched kernel alone);
- **sweep, 1 worker**: :func:`sim.sweep.sweep` in this process (point experiments
  built and validated, batches written as parts, gathered into the netCDF grid);
- **sweep, 2 workers (cold)**: the same with two local processes (spawned; the time
  includes their start and their loading of the compiled kernels from numba's cache);
- **sweep, 2 workers (warm)**: the same on a pool of two processes started and warmed up
  (one small sweep) before the timing: the cost per point once the workers run;
- **sweep, dask**: the same on a ``dask.distributed.LocalCluster`` with 2 worker
  processes x 1 thread, warmed up by one small sweep (skipped when dask.distributed is
  not installed).

Every process runs numba on one thread (``NUMBA_NUM_THREADS=1``), so "1 worker" is one
core and the parallel efficiency is rate(2 workers) / (2 x rate(1 worker)). Overhead per
point = (sweep 1 worker - bare) / bare, against one batch of all points and against the
batches of the size the sweep uses. Compilation is excluded (one warm-up
batch before the timed runs). ``python benchmarks/bench_sweep.py --points 10000`` is the
full 10 000-point case; ``--points`` sets a smaller grid for a shared machine.
"""
from __future__ import annotations

#: not part of ``nanokin bench --quick`` (run with ``--only``)
IN_QUICK = False
WHY_NOT_QUICK = "parallel efficiency of worker processes, which a shared 2-core machine cannot reproduce; no ratio of two tools"

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from sim.config import load_experiment  # noqa: E402
from sim.model import get_model  # noqa: E402
from sim.paths import inputs_dir  # noqa: E402
from sim.sweep import _point_experiment, parse_set, sweep  # noqa: E402

QUANTITIES = ["mean_diameter_nm", "dispersity"]


def _grid(n: int):
    a = max(1, int(round(math.sqrt(n))))
    b = max(1, int(math.ceil(n / a)))
    return parse_set([f"synthesis.modulator_eq=0:20:{a}",
                      f"synthesis.water_vol_percent=0.1:2:{b}"])


def run(quick: bool = False, points: int | None = None, dask: bool = True) -> dict:
    n = points or (64 if quick else 10_000)
    exp = load_experiment(inputs_dir() / "growth" / "ba_05eq.toml")
    model = get_model("growth")
    grid = _grid(n)
    pts = grid.points()
    n = len(pts)
    exps = [_point_experiment(exp, p, i, model) for i, p in enumerate(pts)]
    model.summaries(exps[:2], quantities=QUANTITIES)            # compile / load the kernels
    import xarray  # noqa: F401  (one-off import cost kept out of the sweep timings)
    rows = []
    t0 = time.perf_counter()
    bare = model.summaries(exps, quantities=QUANTITIES)
    t_bare = time.perf_counter() - t0
    rows.append({"case": "bare Model.summaries, one batch", "points": n, "workers": 1,
                 "wall_s": t_bare, "points_per_s": n / t_bare})
    size = max(1, min(256, math.ceil(n / 4)))     # the batch size sweep() picks for 1 worker
    t0 = time.perf_counter()
    for s in range(0, n, size):
        model.summaries(exps[s:s + size], quantities=QUANTITIES)
    t_chunks = time.perf_counter() - t0
    rows.append({"case": f"bare Model.summaries, batches of {size}", "points": n, "workers": 1,
                 "wall_s": t_chunks, "points_per_s": n / t_chunks})
    tmp = Path(tempfile.mkdtemp(prefix="nanokin_bench_sweep_"))
    ref = np.array([s.values["mean_diameter_nm"] for s in bare])
    try:
        def timed(case, workers, **kw):
            t0 = time.perf_counter()
            path = sweep(exp, grid, tmp / f"{case}.h5", quantities=QUANTITIES, workers=workers,
                         show_progress=False, log=lambda m: None, **kw)
            wall = time.perf_counter() - t0
            import xarray as xr
            with xr.open_dataset(path, engine="h5netcdf") as ds:
                got = ds["mean_diameter_nm"].values.ravel()
            same = bool(np.array_equal(np.isnan(got), np.isnan(ref))
                        and np.allclose(got[~np.isnan(got)], ref[~np.isnan(ref)], rtol=0, atol=0))
            rows.append({"case": case, "points": n, "workers": workers, "wall_s": wall,
                         "points_per_s": n / wall, "equal_to_bare": same})
            return wall

        t1 = timed("sweep, 1 worker", 1)
        t2 = timed("sweep, 2 local workers (cold: includes their start)", 2)
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        small = _grid(8)
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
            sweep(exp, small, tmp / "warm.h5", quantities=QUANTITIES, batch_size=2,
                  executor=pool, show_progress=False, log=lambda m: None)
            t2w = timed("sweep, 2 local workers (warm)", 2, executor=pool)
        t_dask = None
        if dask:
            try:
                from distributed import LocalCluster
            except ImportError:
                rows.append({"case": "sweep, dask LocalCluster", "skipped":
                             "dask.distributed not installed"})
            else:
                with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
                    sweep(exp, small, tmp / "warm_dask.h5", quantities=QUANTITIES, batch_size=2,
                          scheduler=cluster.scheduler_address, show_progress=False,
                          log=lambda m: None)
                    t_dask = timed("sweep, dask LocalCluster 2 x 1", 2,
                                   scheduler=cluster.scheduler_address)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    summary = {"overhead_per_point": (t1 - t_bare) / t_bare,
               "overhead_per_point_vs_same_batches": (t1 - t_chunks) / t_chunks,
               "ms_per_point_bare": 1e3 * t_bare / n,
               "speedup_2_workers_cold": t1 / t2, "parallel_efficiency_2_workers_cold": t1 / t2 / 2,
               "speedup_2_workers_warm": t1 / t2w, "parallel_efficiency_2_workers_warm": t1 / t2w / 2}
    if t_dask:
        summary["speedup_dask_2x1"] = t1 / t_dask
        summary["parallel_efficiency_dask"] = t1 / t_dask / 2
    load = os.getloadavg()
    return {"benchmark": "sweep", "points": n, "quantities": QUANTITIES, "rows": rows,
            "summary": summary, "numba_threads": os.environ.get("NUMBA_NUM_THREADS"),
            "cpus": os.cpu_count(), "load_average_end": load, "python": platform.python_version()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--json", help="write the record here")
    a = ap.parse_args(argv)
    print(f"load average at start: {os.getloadavg()}", file=sys.stderr)
    rec = run(points=a.points, dask=not a.no_dask)
    for r in rec["rows"]:
        print(json.dumps(r))
    print(json.dumps(rec["summary"], indent=1))
    print(f"load average at end: {rec['load_average_end']}")
    if a.json:
        Path(a.json).write_text(json.dumps(rec, indent=1, default=str))


if __name__ == "__main__":
    main()
