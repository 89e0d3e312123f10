"""Ligand-exchange benchmark: nanokin's network-free kernel against NFsim on the same model.

1. Same exported model, same simulated time, same number of clusters:
   - ours: :func:`kinetics.ligand_exchange.kernel.simulate_population` (numba, one core), timed
     after compilation;
   - peer: NFsim (from the ``bionetgen`` package) on the BNGL file written by
     :func:`kinetics.ligand_exchange.export.write_bngl`; NFsim's own event count and CPU time of
     its simulation loop (model loading excluded), and the wall time of the whole BNG2.pl
     call.
   Reported: events per second of both, and their ratio.
2. Throughput: the one-step synthesis [Au24Pt(PET)18]0 + TBBTH + PDTH2 (12:239:1)
   through 300 min on one core (``NUMBA_NUM_THREADS=1``), through :func:`simulate` (the
   chunked driver of production runs), measured at 10^3 and 10^4 clusters (quick: 2000;
   ``--full`` adds 10^5, the target size; ``--sizes 1000,10000,100000`` chooses).  Reported
   per size: events, CPU time (``time.process_time``) and wall time, ns per event of both, and
   the 10^5-cluster time the largest measured size implies (CPU ns/event x events per
   cluster x 10^5; a lower bound below 10^5, since the cost per event grows once the state
   outgrows the cache).  At the sizes up to ``--reference-upto`` (default 10^3) the same run
   goes through the sum-tree reference kernel (:func:`kernel.simulate_population_tree`, the
   layout the site-list kernel replaced) in the same process: the speed-up is that ratio.
   The machine is shared: CPU time is the number to compare, wall time shows the load.
3. Calibration throughput: evaluations per second of the reference observables of the fit
   (quick ensembles) for 13 parameter sets (half of the sampler's walkers), through the
   batched path (``observables_batch``: one parallel kernel call per experiment) and one
   parameter set at a time (``observables``).
All runs use the parameter set in use before the calibration (tests/data/
ligand_exchange_legacy_8695f80.json), so the numbers stay comparable with earlier runs.
Run with ``python benchmarks/bench_ligand_exchange.py [--quick | --full] [--sizes N,N,...]
[--reference-upto N] [--only-throughput]`` or ``nanokin bench``; ``--full`` measures the
10^5-cluster run itself (about 6-10 min of CPU on one core) instead of extrapolating.
"""
from __future__ import annotations

import dataclasses
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import kinetics.ligand_exchange as le
from sim.config import replace

_LEGACY = Path(__file__).resolve().parent.parent / "tests" / "data" / "ligand_exchange_legacy_8695f80.json"
#: (the legacy set's crosslinked_pair_distance_A is now structure data: the bridged product file)
VALUES = le.PARAMETERS.values({k: v for k, v in json.loads(_LEGACY.read_text())["rates"].items()
                               if k in le.PARAMETERS.names}, use_fit=False)


def _nanokin(exp, n, seed=1, values=VALUES):
    le.simulate(exp.config, values, seed=seed, n_clusters=min(n, 50), times_min=[0.0, 0.05])   # compile
    t0 = time.perf_counter()
    out = le.simulate(exp.config, values, seed=seed, n_clusters=n)
    return out[5], time.perf_counter() - t0


def _timed(exp, n, kernel, seed=1, values=VALUES) -> dict:
    """One run of ``exp`` with ``n`` clusters: through :func:`simulate` (``kernel="list"``) or a
    direct call of the sum-tree reference kernel (``"tree"``); events, CPU and wall seconds."""
    from kinetics.ligand_exchange.kernel import simulate_population_tree
    from kinetics.ligand_exchange.system import _initial_population, _times_s
    from sim.rng import stream_states

    def call(m, times_min=None):
        if kernel == "list":
            return le.simulate(exp.config, values, seed=seed, n_clusters=m, times_min=times_min)[5]
        sysm = le.build_system(exp.config, values, m)
        a, r = sysm.arrays, sysm.rates
        lig, partner, shell = _initial_population(sysm, m)
        return simulate_population_tree(
            lig, partner, shell, np.zeros(m, np.int64), -np.ones((m, 18), np.int64), sysm.conc0.copy(),
            sysm.dc_M, a["k_site"], a["leave"], a["nucleophile"], a["reagent_code"], a["product_code"],
            a["release_reagent"], sysm.n_mono, sysm.n_di, a["nbr_site"], a["nbr_pair"], a["pair_of"],
            a["fit_native"], a["fit_xl"], a["fit_other"], a["in_triple"], a["pair_triples"],
            r["k_close_per_s"], r["k_disulfide_M_s"], r["k_tde_M_s"], a["tde_nuc"], sysm.rearrange,
            _times_s(exp.config, times_min), stream_states(seed, 1)[0].copy(), 2**62, 0.0, np.zeros(2))[3]

    call(min(n, 50), [0.0, 0.05])                                    # compile
    w0, c0 = time.perf_counter(), time.process_time()
    ev = int(call(n))
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return dict(events=ev, cpu_s=round(cpu, 2), wall_s=round(wall, 2),
                ns_per_event_cpu=round(1e9 * cpu / ev, 1), ns_per_event_wall=round(1e9 * wall / ev, 1))


def _nfsim(exp, n, workdir, values=VALUES):
    from sim.bionetgen import run_bng2

    path = le.write_bngl(exp, Path(workdir) / "model.bngl", n_clusters=n, seed=1, values=values)
    t0 = time.perf_counter()
    wd = run_bng2(path.read_text(), workdir=Path(workdir) / "run", name="model", timeout=7200)
    wall = time.perf_counter() - t0
    log = (wd / "model.bng2.log").read_text()
    m = re.search(r"You just simulated (\d+) reactions in ([0-9.eE+-]+)s", log)
    if not m:
        raise RuntimeError("could not read NFsim's event count from the BNG2.pl log")
    return int(m.group(1)), float(m.group(2)), wall


def run(quick: bool = False, full: bool = False, sizes=None, reference_upto: int = 1000,
        only_throughput: bool = False) -> dict:
    rows, notes = [], []
    from sim.bionetgen import tools_available

    # ---- 1. head to head with NFsim
    cases = [] if only_throughput else [("tbbt18_pdt", 2.0, 200 if quick else 1000), ("pet18_tbbt_pdt", 5.0, 200 if quick else 1000)]
    for name, t_end, n in cases:
        exp = le.load_reference(name)
        cfg = replace(exp.config, **{"conditions.times_min": (0.0, t_end / 2, t_end)})
        exp = dataclasses.replace(exp, config=cfg)
        vals = dict(VALUES, k_disulfide_M_s=0.0)
        ev_ours, t_ours = _nanokin(exp, n, values=vals)
        row = dict(case=f"{name}, {n} clusters, {t_end:g} min", ours="nanokin simulate_population",
                   ours_events=ev_ours, ours_s=round(t_ours, 4),
                   ours_events_per_s=round(ev_ours / t_ours))
        if tools_available():
            with tempfile.TemporaryDirectory() as tmp:
                ev_nf, cpu_nf, wall_nf = _nfsim(exp, n, tmp, values=vals)
            row.update(peer="NFsim (bionetgen package)", peer_events=ev_nf, peer_loop_s=round(cpu_nf, 4),
                       peer_wall_s=round(wall_nf, 2), peer_events_per_s=round(ev_nf / cpu_nf),
                       ratio_events_per_s=round((ev_ours / t_ours) / (ev_nf / cpu_nf), 1),
                       ratio_wall=round(wall_nf / t_ours, 1))
        else:
            notes.append("BioNetGen/NFsim not available: NFsim side skipped")
        rows.append(row)
    if cases:
        notes.append("ratio_events_per_s = nanokin events/s over NFsim events/s of its simulation loop "
                     "(NFsim's model loading excluded); ratio_wall = NFsim whole BNG2.pl call over nanokin run")

    # ---- 2. throughput, 300 min of the one-step synthesis
    rows.extend(_throughput(sizes or ([2000] if quick else [1000, 10_000] + ([100_000] if full else [])),
                            reference_upto))
    notes.append("throughput target: 10^5 clusters through 300 min within 60 s on one core; "
                 "s_for_1e5_clusters_cpu / target_s is the remaining factor (measured at 10^5, else "
                 "implied by the largest size measured: a lower bound, since the cost per event "
                 "grows once the state outgrows the cache); reference = the sum-tree kernel "
                 "(simulate_population_tree) on the same run in the same process")
    # ---- 3. calibration throughput: batched vs one parameter set at a time
    if only_throughput:
        return dict(rows=rows, notes=notes)
    rows.append(_calibration_rate(13))
    notes.append("calibration: evaluations of the fit's reference observables (quick ensembles) per "
                 "second; batch = observables_batch (parameter sets in parallel numba threads), loop = "
                 "observables one set at a time; the sets are 5 %-of-prior-width perturbations of one point")
    return dict(rows=rows, notes=notes)


def _throughput(sizes, reference_upto: int) -> list:
    import numba

    n_target = 100_000
    exp = le.load_reference("pet18_tbbt_pdt")
    rows = []
    for n in sizes:
        row = dict(case=f"pet18_tbbt_pdt, 300 min, {n} clusters", ours="nanokin site-list kernel (simulate)",
                   threads=numba.get_num_threads(),
                   setting="exact kernel (every event simulated; the only solver setting)")
        m = _timed(exp, n, "list")
        row.update({f"ours_{k}": v for k, v in m.items()})
        per_cluster = m["events"] / n
        row.update(events_per_cluster=round(per_cluster),
                   s_for_1e5_clusters_cpu=round(m["cpu_s"] * n_target / n, 1) if n == n_target else
                   round(m["ns_per_event_cpu"] * 1e-9 * per_cluster * n_target, 1),
                   measured_or_implied="measured" if n == n_target else
                   "implied (ns/event at this size x events of 10^5 clusters)", target_s=60)
        if n <= reference_upto:
            ref = _timed(exp, n, "tree")
            row.update({f"reference_{k}": v for k, v in ref.items()})
            row.update(reference="sum-tree kernel (simulate_population_tree)",
                       speedup_cpu=round(ref["cpu_s"] / m["cpu_s"], 2),
                       speedup_wall=round(ref["wall_s"] / m["wall_s"], 2))
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def _calibration_rate(n_sets: int) -> dict:
    import numba

    ids = [o.id for o in le.MODEL.observations() if o.fit]
    rng = np.random.default_rng(0)
    sets = []
    for _ in range(n_sets):
        v = dict(VALUES)
        for k in le.PARAMETERS.free:
            p = le.PARAMETERS[k]
            z = p.to_z(v[k]) + 0.05 * p.z_width * rng.standard_normal()
            v[k] = float(np.clip(p.from_z(z), *p.bounds))
        sets.append(v)
    le.MODEL.observables_batch(sets[:2], ids, quick=True)          # compile
    t0 = time.perf_counter()
    batch = le.MODEL.observables_batch(sets, ids, quick=True)
    t_batch = time.perf_counter() - t0
    t0 = time.perf_counter()
    loop = [le.MODEL.observables(v, ids, quick=True) for v in sets]
    t_loop = time.perf_counter() - t0
    return dict(case=f"calibration likelihood, {len(ids)} observations, {n_sets} parameter sets",
                ours="observables_batch", threads=numba.get_num_threads(),
                batch_evals_per_s=round(n_sets / t_batch, 3), loop_evals_per_s=round(n_sets / t_loop, 3),
                ratio=round(t_loop / t_batch, 2), identical=batch == loop)


if __name__ == "__main__":
    import json

    def _opt(name, default=None):
        return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default

    sizes = _opt("--sizes")
    rec = run(quick="--quick" in sys.argv, full="--full" in sys.argv,
              sizes=[int(x) for x in sizes.split(",")] if sizes else None,
              reference_upto=int(_opt("--reference-upto", 1000)), only_throughput="--only-throughput" in sys.argv)
    print(json.dumps(rec, indent=2))
