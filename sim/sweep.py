"""Parameter sweeps: a grid of config values, run in batches, safe to interrupt.

``nanokin sweep inputs/growth/ba_5eq.toml --set conditions.modulator_eq=0,2,5,10
--set conditions.water_vol_percent=0.25,1`` runs the experiment at every grid point.

- Every point gets its own seed, ``SeedSequence(seed, spawn_key=(i,))``, so the
  numbers do not depend on the number of workers or on batch boundaries.
- Points run in batches (a task is a batch); executors: in-process, local processes
  (``--workers N``) or a dask.distributed cluster (``--scheduler ADDRESS``).
- Each finished batch is written atomically to ``<out>.parts/batch_XXXXX.h5``; a
  restarted sweep skips the batches already there.  When every batch is done they
  are gathered atomically into ``<out>`` (one table: the swept values plus every
  summary quantity of the model, with units) and the parts are removed.
"""
from __future__ import annotations

import dataclasses
import itertools
import json
import math
import shutil
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from sim.config import ConfigError, Experiment, replace
from sim.progress import progress
from sim.store import atomic_path, now, provenance

__all__ = ["Grid", "parse_set", "sweep", "run_sweep_cli", "point_seed"]


@dataclass
class Grid:
    keys: list[str]
    values: list[list]

    def points(self) -> list[dict]:
        return [dict(zip(self.keys, combo)) for combo in itertools.product(*self.values)]


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


def parse_set(items: list[str]) -> Grid:
    """``["a.b=1,2", "c=x,y"]`` -> a grid over a.b and c."""
    keys, values = [], []
    for item in items:
        if "=" not in item:
            raise ConfigError("--set", item, item, "KEY=V1,V2,... (e.g. conditions.temperature_C=80,110)",
                              "malformed sweep axis")
        key, _, vals = item.partition("=")
        parsed = [_parse_value(v) for v in vals.split(",") if v.strip()]
        if not parsed:
            raise ConfigError("--set", key, vals, "at least one value", "empty sweep axis")
        keys.append(key.strip())
        values.append(parsed)
    return Grid(keys, values)


def point_seed(seed: int, index: int) -> int:
    """The seed of point ``index`` of a sweep rooted at ``seed`` (independent of batching)."""
    ss = np.random.SeedSequence(seed, spawn_key=(index,))
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def _point_experiment(exp: Experiment, point: dict, index: int, model) -> Experiment:
    """The experiment at one grid point, re-validated through the model's config class."""
    from sim.config import build, to_dict

    data = to_dict(exp.config)
    for key, value in point.items():
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
    cfg = build(model.config_class, _drop_none(data), file=f"{exp.path} (sweep point {index})")
    return dataclasses.replace(exp, config=cfg, seed=point_seed(exp.seed, index),
                               name=f"{exp.name}#{index}")


def _drop_none(d):
    if isinstance(d, dict):
        return {k: _drop_none(v) for k, v in d.items() if v is not None}
    if isinstance(d, list):
        return [_drop_none(v) for v in d]
    return d


def _run_batch(model_name: str, experiments: list[Experiment]) -> list[dict]:
    """Worker: run a batch of points, return their summary values (with units)."""
    from sim.model import get_model

    model = get_model(model_name)
    batch_runner = getattr(model, "run_summaries", None)
    if callable(batch_runner):
        return batch_runner(experiments)
    out = []
    for exp in experiments:
        res = model.run(exp)
        out.append({k: (float(np.asarray(q.values)) if np.ndim(q.values) == 0
                        and not isinstance(q.values, str) else str(q.values), q.unit)
                    for k, q in res.summary.items()})
    return out


def _write_part(path: Path, indices: list[int], summaries: list[dict]) -> None:
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.create_dataset("index", data=np.array(indices, dtype=np.int64))
            f.attrs["summaries"] = json.dumps(summaries)


def sweep(exp: Experiment, grid: Grid, out: str | Path, *, batch_size: int | None = None,
          workers: int = 1, scheduler: str | None = None, show_progress=None) -> Path:
    """Run ``exp`` at every point of ``grid``; returns the gathered result file."""
    from sim.model import get_model

    model = get_model(exp.model)
    out = Path(out)
    points = grid.points()
    exps = [_point_experiment(exp, p, i, model) for i, p in enumerate(points)]  # validate all first
    n = len(exps)
    if batch_size is None:
        batch_size = max(1, min(64, math.ceil(n / max(1, 4 * workers))))
    batches = [list(range(s, min(n, s + batch_size))) for s in range(0, n, batch_size)]
    parts = out.with_name(out.name + ".parts")
    parts.mkdir(parents=True, exist_ok=True)
    meta = parts / "sweep.json"
    signature = {"config_text": exp.text, "grid": {k: v for k, v in zip(grid.keys, grid.values)},
                 "batch_size": batch_size, "seed": exp.seed}
    if meta.exists() and json.loads(meta.read_text()) != signature:
        raise ConfigError(out, None, str(parts), "an empty parts folder or one from the same sweep",
                          "a different sweep's unfinished parts are in the way")
    meta.write_text(json.dumps(signature, default=str))
    todo = [(b, idx) for b, idx in enumerate(batches)
            if not (parts / f"batch_{b:05d}.h5").exists()]
    started = now()
    bar = progress(total=len(batches), desc=f"sweep {exp.name}", enabled=show_progress,
                   unit="batch")
    bar.update(len(batches) - len(todo))

    def done(b, idx, summaries):
        _write_part(parts / f"batch_{b:05d}.h5", idx, summaries)
        bar.update(1)

    if scheduler:
        try:
            from dask.distributed import Client, as_completed as dask_completed
        except ImportError:
            raise ConfigError("--scheduler", "scheduler", scheduler,
                              "install the 'distributed' extra: pip install -e '.[distributed]'",
                              "dask.distributed is not installed") from None
        client = Client(scheduler)
        futs = {client.submit(_run_batch, exp.model, [exps[i] for i in idx], pure=False): (b, idx)
                for b, idx in todo}
        for fut in dask_completed(futs):
            b, idx = futs[fut]
            done(b, idx, fut.result())
        client.close()
    elif workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futs = {pool.submit(_run_batch, exp.model, [exps[i] for i in idx]): (b, idx)
                    for b, idx in todo}
            for fut in as_completed(futs):
                b, idx = futs[fut]
                done(b, idx, fut.result())
    else:
        for b, idx in todo:
            done(b, idx, _run_batch(exp.model, [exps[i] for i in idx]))
    bar.close()
    _gather(out, parts, exp, grid, points, len(batches), started)
    shutil.rmtree(parts)
    return out


def _gather(out: Path, parts: Path, exp: Experiment, grid: Grid, points, n_batches, started):
    n = len(points)
    summaries: list[dict | None] = [None] * n
    for b in range(n_batches):
        with h5py.File(parts / f"batch_{b:05d}.h5", "r") as f:
            idx = f["index"][()]
            rows = json.loads(f.attrs["summaries"])
        for i, row in zip(idx, rows):
            summaries[int(i)] = row
    names = list(summaries[0].keys()) if n else []
    with atomic_path(out) as tmp:
        with h5py.File(tmp, "w") as f:
            for k, v in provenance(exp, started=started, extra={"sweep_points": n}).items():
                f.attrs[k] = v
            g = f.create_group("grid")
            for key, vals in zip(grid.keys, grid.values):
                col = [p[key] for p in points]
                data = np.array(col, dtype=object if isinstance(col[0], str) else float)
                if data.dtype == object:
                    g.create_dataset(key, data=data.astype(object), dtype=h5py.string_dtype())
                else:
                    g.create_dataset(key, data=data)
            g.create_dataset("seed", data=np.array([point_seed(exp.seed, i) for i in range(n)]))
            s = f.create_group("summary")
            for name in names:
                vals = [row[name][0] for row in summaries]
                unit = summaries[0][name][1]
                if all(isinstance(v, (int, float)) for v in vals):
                    ds = s.create_dataset(name, data=np.array(vals, float))
                else:
                    ds = s.create_dataset(name, data=np.array([str(v) for v in vals], dtype=object),
                                          dtype=h5py.string_dtype())
                ds.attrs["unit"] = unit


def run_sweep_cli(args, load) -> int:
    exp = load(args.config)
    grid = parse_set(args.set)
    if not grid.keys:
        raise ConfigError("command line", "--set", None, "at least one --set KEY=V1,V2,...",
                          "nothing to sweep")
    if args.workers < 1:
        raise ConfigError("command line", "--workers", args.workers, "a whole number >= 1")
    out = Path(args.output) if args.output else Path("results") / f"{exp.name}_sweep.h5"
    path = sweep(exp, grid, out, workers=args.workers, scheduler=args.scheduler)
    print(f"{len(grid.points())} points written to {path}")
    return 0
