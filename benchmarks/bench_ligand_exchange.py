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
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import kinetics.ligand_exchange as le
from sim.bench import ab
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


def _nfsim(exp, n, workdir, values=VALUES, seed=1, memory_limit_bytes=None):
    """One BNG2.pl run of the exported model (NFsim inside): (events, seconds of NFsim's
    simulation loop by its own report, process stats: wall_s, cpu_s, peak_mb of BNG2.pl
    and NFsim together)."""
    from sim.bionetgen import find_tools, run_process

    tools = find_tools()
    wd = Path(workdir) / f"run_{n}_{seed}"
    wd.mkdir(parents=True, exist_ok=True)
    path = le.write_bngl(exp, wd / "model.bngl", n_clusters=n, seed=seed, values=values)
    env = dict(os.environ, BNGPATH=str(tools.bng2.parent))
    out = run_process([tools.perl, tools.bng2, "--outdir", wd, path], cwd=wd, env=env,
                      timeout=7200, memory_limit_bytes=memory_limit_bytes)
    log = out["stdout"] + out["stderr"]
    m = re.search(r"You just simulated (\d+) reactions in ([0-9.eE+-]+)s", log)
    if out["returncode"] != 0 or not m:
        raise RuntimeError("NFsim run failed or its event count is missing: "
                           + "\n".join(log.splitlines()[-5:]))
    return int(m.group(1)), float(m.group(2)), out


def _nfsim_case(exp, n, vals, repeats=5):
    """NFsim on the exported model, after a memory check: a pilot with 20 clusters gives
    the peak memory per cluster (the export makes every free thiol an NFsim particle, so
    memory grows linearly with the clusters); the run is not started when the linear
    estimate exceeds half the available memory, and runs capped at 90 % of it."""
    from sim.bionetgen import available_memory_bytes

    avail = available_memory_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        pilot_n = min(20, n)
        _, _, pilot = _nfsim(exp, pilot_n, tmp, values=vals)
        need_mb = pilot["peak_mb"] * n / pilot_n
        if avail and need_mb * 2**20 > 0.5 * avail:
            return dict(peer="NFsim (bionetgen package)",
                        peer_status=f"not run: estimated {need_mb:.0f} MB (pilot {pilot_n} "
                                    f"clusters: {pilot['peak_mb']:.0f} MB) > half of "
                                    f"{avail / 2**20:.0f} MB available")
        limit = int(0.9 * avail) if avail else None
        runs = [_nfsim(exp, n, tmp, values=vals, seed=1 + k, memory_limit_bytes=limit)
                for k in range(repeats)]
    ev = [r[0] for r in runs]
    loop = [r[1] for r in runs]
    med = lambda xs: float(np.median(xs))  # noqa: E731
    return dict(peer="NFsim (bionetgen package)", peer_events=med(ev),
                peer_loop_s=med(loop), peer_ns_per_event=1e9 * med([l / e for l, e in zip(loop, ev)]),
                peer_wall_s=med([r[2]["wall_s"] for r in runs]),
                peer_cpu_s=med([r[2]["cpu_s"] for r in runs]),
                peer_loading_cpu_s=med([r[2]["cpu_s"] - r[1] for r in runs]),
                peer_peak_mb=max(r[2]["peak_mb"] for r in runs), peer_repeats=repeats,
                peer_status="ok")


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
        _nanokin(exp, n, values=vals)                                   # compile
        res = ab({"ours": lambda i: int(le.simulate(exp.config, vals, seed=1 + i,
                                                    n_clusters=n)[5])})["ours"]
        row = dict(case=f"{name}, {n} clusters, {t_end:g} min", ours="nanokin simulate_population",
                   ours_events=res["result"], ours_ns_per_event=1e9 * res["wall_s"],
                   ours_cpu_ns_per_event=1e9 * res["cpu_s"], ours_repeats=res["repeats"],
                   ours_runs_per_repeat=res["n"])
        if quick:
            if name == cases[0][0]:
                notes.append("--quick: the NFsim side is not run (each NFsim run of the "
                             "exported model loads for ~15 s CPU and needs ~3.7 GB at 200 "
                             "clusters; 5 repeats per case take minutes): run without --quick")
        elif tools_available():
            row.update(_nfsim_case(exp, n, vals))
            if row["peer_status"] == "ok":
                row.update(ratio_wall=row["peer_ns_per_event"] / row["ours_ns_per_event"],
                           ratio_cpu=row["peer_ns_per_event"] / row["ours_cpu_ns_per_event"])
        else:
            notes.append("BioNetGen/NFsim not available: NFsim side skipped")
        rows.append(row)
    if cases:
        notes.append("NFsim comparison: what is measured is the cost per event of the simulation "
                     "loop on the same exported model (every free thiol an NFsim particle); "
                     "NFsim's figure is its own report of the loop time over its event count "
                     "(model loading excluded, reported apart as peer_loading_cpu_s = process "
                     "CPU - loop); ours is the median over 5 repeats of >= 1 s of work "
                     "(sim.bench.ab), NFsim the median of 5 runs; ratio_wall / ratio_cpu = NFsim "
                     "ns/event over ours (wall / CPU); NFsim is started only when a 20-cluster "
                     "pilot's peak memory, scaled to the case, fits in half the available memory")

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

    from sim.bench import script_parser
    ap = script_parser(__doc__)
    ap.add_argument("--full", action="store_true", help="also the largest populations")
    ap.add_argument("--sizes", help="comma-separated population sizes (clusters), e.g. 1000,10000")
    ap.add_argument("--reference-upto", type=int, default=1000,
                    help="largest population also run with the sum-tree reference (default 1000)")
    ap.add_argument("--only-throughput", action="store_true",
                    help="only the kernel throughput rows")
    a = ap.parse_args()
    rec = run(quick=a.quick, full=a.full,
              sizes=[int(x) for x in a.sizes.split(",")] if a.sizes else None,
              reference_upto=a.reference_upto, only_throughput=a.only_throughput)
    print(json.dumps(rec, indent=2))
