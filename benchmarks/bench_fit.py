"""Calibration cost per model: batched model evaluations, and time to 1 000 effective samples.

For each calibrated model (growth, photodoping, photocatalysis, ligand_exchange):

1. **Evaluations per second**: the same ``n`` parameter sets, drawn from the prior with a
   fixed seed, evaluated (a) one at a time through ``model.observables`` (the
   one-at-a-time path) and (b) in one call of ``model.observables_batch`` (the path the
   sampler uses: half the walkers at once); the ratio (b)/(a) is measured in one run
   (:func:`sim.bench.ab`: interleaved repeats of >= 1 s of work, median of 5, wall and
   CPU; ratio_wall / ratio_cpu = loop time over batch time).
2. **Time to a posterior with 1 000 effective samples**: ``nanokin fit`` with the
   model's default settings; the wall time, the smallest effective sample size over the
   parameters (``walkers * kept steps / integrated autocorrelation time``) and, when that
   is below 1 000, the wall time extrapolated linearly to 1 000 (marked as such).

Run with ``nanokin bench --only fit`` or ``python benchmarks/bench_fit.py [MODEL ...]``;
``--quick`` measures (1) only, on fewer parameter sets.
"""
from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

MODELS = ("growth", "photodoping", "photocatalysis", "ligand_exchange")


def prior_sets(model, n: int, seed: int = 0) -> list[dict]:
    """``n`` complete parameter sets with the free parameters drawn from their priors."""
    table = model.parameters
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    base = table.defaults()
    cols = {name: table[name].sample_prior_z(rng, n) for name in table.free}
    return [{**base, **{k: table[k].from_z(float(z[i])) for k, z in cols.items()}}
            for i in range(n)]


def evaluation_rate(model, n: int, quick_model: bool) -> dict:
    ids = [o.id for o in model.observations() if o.fit]
    sets = prior_sets(model, n)
    from sim.bench import ab
    model.observables_batch(sets[:2], ids, quick=quick_model)        # compile / warm caches
    model.observables(sets[0], ids, quick=quick_model)
    res = ab({"loop": lambda i: [model.observables(v, ids, quick=quick_model) for v in sets],
              "batch": lambda i: model.observables_batch(sets, ids, quick=quick_model)},
             repeats=5, min_s=1.0, warmup=False)
    lp, b = res["loop"], res["batch"]
    return {"model": model.name, "parameter_sets": n, "observables": len(ids),
            "loop_s": lp["wall_s"], "loop_cpu_s": lp["cpu_s"], "batch_s": b["wall_s"],
            "batch_cpu_s": b["cpu_s"], "repeats": b["repeats"], "loop_n": lp["n"],
            "batch_n": b["n"], "spread_wall": max(lp["spread_wall"], b["spread_wall"]),
            "spread_cpu": max(lp["spread_cpu"], b["spread_cpu"]),
            "loop_evals_per_s": n / lp["wall_s"], "batch_evals_per_s": n / b["wall_s"],
            "ratio_wall": lp["wall_s"] / b["wall_s"], "ratio_cpu": lp["cpu_s"] / b["cpu_s"]}


def time_to_ess(model, target: float = 1000.0) -> dict:
    from sim.fit import calibrate

    t0 = time.perf_counter()
    fit = calibrate(model, seed=0)
    wall = time.perf_counter() - t0
    s = fit.record["sampler"]
    ess = s["ess_min"]
    return {"model": model.name, "walkers": s["walkers"], "steps": s["steps"],
            "evaluations": s["evaluations"], "wall_s": wall, "ess_min": ess,
            "acceptance": s["acceptance"],
            "time_to_1000_ess_s": wall if ess >= target else wall * target / max(ess, 1e-9),
            "extrapolated": bool(ess < target)}


def run(quick: bool = False, models=MODELS) -> dict:
    from sim.model import get_model

    rows, notes = [], [f"cores: {os.cpu_count()}; load average {os.getloadavg()}"]
    if quick and models == MODELS:
        # ligand_exchange's quick ensembles take many seconds per parameter set (its
        # batch/loop ratio is in bench_ligand_exchange); full runs include it
        models = tuple(m for m in models if m != "ligand_exchange")
        notes.append("--quick: ligand_exchange left out (seconds per parameter set; "
                     "bench_ligand_exchange measures its batch/loop ratio)")
    for name in models:
        model = get_model(name)
        quick_model = bool((getattr(model, "fit_settings", {}) or {}).get("quick", False))
        n = 4 if quick else 32
        rows.append({"case": "evaluations", **evaluation_rate(model, n, quick_model)})
        if not quick:
            rows.append({"case": "posterior", **time_to_ess(model)})
    notes.append("ratio_wall / ratio_cpu > 1: the batched path evaluates parameter sets faster "
                 "than one at a time; time_to_1000_ess_s is extrapolated linearly where the "
                 "default fit reaches fewer effective samples")
    return {"rows": rows, "notes": notes}


if __name__ == "__main__":
    from sim.bench import script_args
    a = script_args(__doc__, positional=("models", "models to time (default: all)", list(MODELS)))
    rec = run(quick=a.quick, models=tuple(a.models) or MODELS)
    print(json.dumps(rec, indent=2, default=float))
