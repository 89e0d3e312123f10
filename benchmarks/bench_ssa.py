"""SSA speed: nanokin's kernels against BioNetGen, NFsim, libroadrunner and GillesPy2.

For each benchmark network (multistate, multisite2, egfr_net from
``inputs/network``) every tool simulates one trajectory from the same
initial state to the same end time T, in one run on this machine:

* nanokin ``direct`` and ``rssa`` (:mod:`sim.ssa`), one thread, after a warm-up call;
* BioNetGen's SSA: ``run_network -p ssa`` on the ``.net`` file (the program BNG2.pl's
  ``simulate({method=>"ssa"})`` starts), events from its ``TOTAL STEPS`` line;
* NFsim on the rule-based ``.bngl`` (XML written by BNG2.pl), events from its
  "You just simulated N reactions" line;
* libroadrunner's ``gillespie`` integrator on SBML written by BNG2.pl from the ``.net``;
* GillesPy2's ``SSACSolver`` (C++) and ``NumPySSASolver`` on the same reactions.

Start-up (process launch, reading the model, code generation/compilation) is timed
separately with a near-zero end time and subtracted; ``ns_per_event`` is
(wall - start-up) / events and ``cpu_ns_per_event`` the same with CPU time (this
process plus its finished child processes), which is less sensitive to other jobs
sharing the machine.  Tools that do not report their event count are divided
by the event count of nanokin's direct method on the same run length (the same
Markov chain: the mean over the nanokin trajectories is used).  A peer that is not
installed is skipped with a note; a peer that exceeds its time budget is reported
with the lower bound it implies.  ``ratio_peer_over_nanokin`` > 1 means nanokin is
faster per event.

Run: ``python benchmarks/bench_ssa.py [--quick]`` or ``nanokin bench [--quick]``.
"""
from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.paths import benchmark_models_dir  # noqa: E402

MODELS_DIR = benchmark_models_dir()
# GillesPy2 writes (C++) or evaluates (NumPy) one propensity expression per reaction;
# on egfr_net (3 749 reactions) that set-up alone took minutes, so it is run only on
# networks up to this size (a one-off egfr_net measurement is in RESULTS.md)
GILLESPY2_MAX_REACTIONS = 300
# end times (model time units): full run, quick run
END_TIMES = {"multistate": (1000.0, 200.0), "multisite2": (100.0, 20.0), "egfr_net": (10.0, 2.0)}
TARGET_NS = {"multistate": 80.0, "egfr_net": 300.0}
NUMPY_BUDGET_S = (120, 30)     # GillesPy2 NumPy solver time budget: full, quick
TINY_T = 1e-9


def _cpu() -> float:
    """CPU seconds of this process (all threads) and of its finished child processes."""
    import resource
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + c.ru_utime + c.ru_stime


def _timed(fn, *args, **kw):
    """(np.array([wall_s, cpu_s]), result) of one call."""
    t0, c0 = time.perf_counter(), _cpu()
    out = fn(*args, **kw)
    return np.array([time.perf_counter() - t0, _cpu() - c0]), out


# ----------------------------------------------------------------------------- nanokin

def bench_nanokin(name, T, repeats):
    import numba

    from sim.network import read_net
    from sim.ssa import simulate

    path = MODELS_DIR / f"{name}.net"
    t_parse, net = _timed(read_net, path)
    t_comp, compiled = _timed(net.compile)
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    rows = {}
    try:
        for method in ("direct", "rssa"):
            t_warm, _ = _timed(simulate, compiled, np.array([0.0, TINY_T]), 1, 0, method)
            walls, events = [], []
            for rep in range(repeats):
                w, res = _timed(simulate, compiled, np.array([0.0, T]), 1, 1000 + rep, method)
                walls.append(w)
                events.append(int(res.events[0]))
            best = int(np.argmin([w[0] / e for w, e in zip(walls, events)]))
            start = t_parse + t_comp + t_warm
            rows[method] = _peer_row(f"nanokin {method}", walls[best] + start, start,
                                     events[best], "own count")
            rows[method]["mean_events"] = float(np.mean(events))
    finally:
        numba.set_num_threads(before)
    return net, rows


def bench_threads(name, T, n_traj, method):
    """Ensemble of n_traj trajectories with 1 and 2 threads (same seed -> same result)."""
    import numba

    from sim.network import read_net
    from sim.ssa import simulate

    compiled = read_net(MODELS_DIR / f"{name}.net").compile()
    before = numba.get_num_threads()
    out = {}
    try:
        for n in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(n)
            simulate(compiled, np.linspace(0, T / 100, 11), n_traj, 7, method)  # warm-up
            w, res = _timed(simulate, compiled, np.linspace(0, T, 11), n_traj, 7, method)
            out[n] = (w[0], res)
    finally:
        numba.set_num_threads(before)
    same = all(np.array_equal(out[1][1].values, r.values) for _, r in out.values())
    return out, same


# ----------------------------------------------------------------------------- peers

def _peer_row(tool, total, startup, events, events_from, status="ok"):
    """total, startup: np.array([wall_s, cpu_s]); the run is their difference."""
    run = total - startup
    if run[0] <= 0.0:
        status = "invalid: run not longer than the start-up run"
    per = 1e9 / events if events > 0 else float("nan")
    return dict(tool=tool, wall_s=float(total[0]), startup_s=float(startup[0]),
                run_s=float(run[0]), cpu_run_s=float(run[1]), events=int(events),
                events_from=events_from, ns_per_event=float(run[0] * per),
                cpu_ns_per_event=float(run[1] * per), status=status)


def bench_bionetgen(name, T, ours_events, repeats=1):
    from sim.network import run_network_ssa
    path = MODELS_DIR / f"{name}.net"
    with tempfile.TemporaryDirectory(prefix="nk_bench_rn_") as wd:
        starts = [_timed(run_network_ssa, path, TINY_T, 1, 1, workdir=wd)[0] for _ in range(3)]
        runs = []
        for i in range(repeats):
            tw, out = _timed(run_network_ssa, path, T, 10, 12345 + i, workdir=wd)
            runs.append((out[2], tw))
    steps, wall = min(runs, key=lambda sw: sw[1][0] / sw[0])
    start = min(starts, key=lambda x: x[0])
    return _peer_row("BioNetGen run_network SSA", wall, start, steps, "TOTAL STEPS")


def _bngl_without_actions(name):
    text = (MODELS_DIR / f"{name}.bngl").read_text()
    return re.sub(r"^\s*(simulate\w*|generate_network|writeXML|writeSBML|writeMfile|"
                  r"setConcentration|saveConcentrations|resetConcentrations|parameter_scan)"
                  r"\s*\(.*$", "", text, flags=re.M)


def bench_nfsim(name, T):
    from sim.bionetgen import find_tools, run_bng2
    tools = find_tools()
    with tempfile.TemporaryDirectory(prefix="nk_bench_nf_") as wd:
        run_bng2(_bngl_without_actions(name) + "\nwriteXML()\n", workdir=wd, name=name)
        xml = Path(wd) / f"{name}.xml"

        def go(t_end, seed):
            cmd = [str(tools.nfsim), "-xml", str(xml), "-sim", repr(t_end), "-oSteps", "10",
                   "-seed", str(seed), "-gml", "5000000", "-cb", "-o", str(Path(wd) / "nf.gdat")]
            wall, p = _timed(subprocess.run, cmd, capture_output=True, text=True, timeout=3600)
            if p.returncode != 0:
                raise RuntimeError(p.stdout[-400:] + p.stderr[-400:])
            m = re.search(r"You just simulated (\d+) reactions", p.stdout)
            return wall, int(m.group(1)) if m else -1

        start = min((go(TINY_T, 1)[0] for _ in range(3)), key=lambda x: x[0])
        wall, events = go(T, 12345)
    return _peer_row("NFsim (network-free, .bngl)", wall, start, events, "NFsim report")


def _sbml(name, wd):
    from sim.bionetgen import run_bng2
    net = MODELS_DIR / f"{name}.net"
    run_bng2(f'readFile({{file=>"{net}"}})\nwriteSBML()\n', workdir=wd, name=name)
    return Path(wd) / f"{name}_sbml.xml"


def bench_roadrunner(name, T, ours_events):
    import roadrunner
    with tempfile.TemporaryDirectory(prefix="nk_bench_rr_") as wd:
        sbml = _sbml(name, wd)
        def load():
            rr = roadrunner.RoadRunner(str(sbml))
            rr.setIntegrator("gillespie")
            integ = rr.getIntegrator()
            integ.variable_step_size = False
            integ.seed = 12345
            return rr
        t_load, rr = _timed(load)
        t_tiny, _ = _timed(rr.simulate, 0.0, TINY_T, 2)
        rr.reset()
        t_run, _ = _timed(rr.simulate, 0.0, T, 11)
    row = _peer_row(f"libroadrunner {roadrunner.__version__} gillespie", t_load + t_run,
                    t_load + t_tiny, ours_events, "nanokin direct count")
    return row


def _gillespy_model(net, T):
    import gillespy2
    m = gillespy2.Model(name="bench")
    species = [gillespy2.Species(name=f"S{i + 1}", initial_value=int(v), mode="discrete")
               for i, v in enumerate(net.initial)]
    m.add_species(species)
    params = [gillespy2.Parameter(name=f"k{r + 1}", expression=repr(float(c)))
              for r, c in enumerate(net.rate_constants)]
    m.add_parameter(params)
    rxns = []
    for r in range(net.n_reactions):
        rc, pr = {}, {}
        for s in net.reactants[r]:
            rc[species[s]] = rc.get(species[s], 0) + 1
        for s in net.products[r]:
            pr[species[s]] = pr.get(species[s], 0) + 1
        # GillesPy2's mass action: k X (X-1)/vol for 2X, k X Y/vol otherwise (vol = 1):
        # the .net convention, so the .net rate constant is passed unchanged
        rxns.append(gillespy2.Reaction(name=f"r{r + 1}", reactants=rc, products=pr,
                                       rate=params[r]))
    m.add_reaction(rxns)
    m.timespan(np.linspace(0, T, 11))
    return m


def bench_gillespy2_cpp(net, T, ours_events):
    import gillespy2
    from gillespy2 import SSACSolver
    def build():
        model = _gillespy_model(net, T)
        return model, SSACSolver(model=model)
    t_build, (model, solver) = _timed(build)
    t_tiny, _ = _timed(model.run, solver=solver, t=TINY_T, seed=1)
    t_run, _ = _timed(model.run, solver=solver, t=T, seed=12345)
    return _peer_row(f"GillesPy2 {gillespy2.__version__} SSACSolver (C++)", t_build + t_run,
                     t_build + t_tiny, ours_events, "nanokin direct count")


def bench_gillespy2_numpy(net, T, ours_events, budget_s):
    import gillespy2
    from gillespy2 import NumPySSASolver
    def build():
        model = _gillespy_model(net, T)
        return model, NumPySSASolver(model=model)
    t_build, (model, solver) = _timed(build)
    t_tiny, _ = _timed(model.run, solver=solver, t=TINY_T, seed=1)
    t_run, res = _timed(model.run, solver=solver, t=T, seed=12345, timeout=budget_s)
    tool = f"GillesPy2 {gillespy2.__version__} NumPySSASolver"
    timed_out = getattr(res, "status", "") == "TIMEOUT" or t_run[0] >= budget_s
    if timed_out:
        row = _peer_row(tool, t_build + t_run, t_build + t_tiny, ours_events,
                        "nanokin direct count", status=f"timeout after {budget_s} s "
                        "(ns_per_event is a lower bound)")
    else:
        row = _peer_row(tool, t_build + t_run, t_build + t_tiny, ours_events,
                        "nanokin direct count")
    return row


PEERS = [
    ("BioNetGen", "bionetgen", lambda net, name, T, ev, q: bench_bionetgen(name, T, ev, 2)),
    ("NFsim", "bionetgen", lambda net, name, T, ev, q: bench_nfsim(name, T)),
    ("libroadrunner", "roadrunner", lambda net, name, T, ev, q: bench_roadrunner(name, T, ev)),
    ("GillesPy2 C++", "gillespy2", lambda net, name, T, ev, q: bench_gillespy2_cpp(net, T, ev)),
    ("GillesPy2 NumPy", "gillespy2",
     lambda net, name, T, ev, q: bench_gillespy2_numpy(net, T, ev, NUMPY_BUDGET_S[int(q)])),
]


def _installed(module):
    if module == "bionetgen":
        from sim.bionetgen import tools_available
        return tools_available()
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numba
    return (f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, numba {numba.__version__}, numpy "
            f"{np.__version__}")


def run(quick: bool = False, models=None, peers=None) -> dict:
    rows, notes = [], [f"machine: {machine()}",
                       "load average at start (1, 5, 15 min): %.2f %.2f %.2f" % os.getloadavg()]
    repeats = 3
    models = models or list(END_TIMES)
    for name in models:
        if not (MODELS_DIR / f"{name}.net").exists():
            notes.append(f"{name}: model files not found in {MODELS_DIR}; skipped")
            continue
        T = END_TIMES[name][1 if quick else 0]
        net, ours = bench_nanokin(name, T, repeats)
        best = min(ours.values(), key=lambda r: r["ns_per_event"])
        ev = int(round(ours["direct"]["mean_events"]))
        case = []
        for r in ours.values():
            r.pop("mean_events", None)
            case.append(r)
        for label, module, fn in PEERS:
            if peers and label not in peers:
                continue
            if not _installed(module):
                notes.append(f"{name}: {label} not installed ({module}); skipped")
                continue
            if module == "gillespy2" and net.n_reactions > GILLESPY2_MAX_REACTIONS:
                notes.append(f"{name}: {label} skipped ({net.n_reactions} reactions > "
                             f"{GILLESPY2_MAX_REACTIONS}: its model set-up takes minutes)")
                continue
            try:
                case.append(fn(net, name, T, ev, quick))
            except Exception as exc:  # noqa: BLE001  a failing peer is reported, not fatal
                msg = str(exc).strip().splitlines()
                notes.append(f"{name}: {label} failed: {msg[-1] if msg else type(exc).__name__}")
        best_cpu = min(ours.values(), key=lambda r: r["cpu_ns_per_event"])
        for r in case:
            rows.append(dict(network=name, t_end=T, species=net.n_species,
                             reactions=net.n_reactions, **r,
                             ratio_peer_over_nanokin=r["ns_per_event"] / best["ns_per_event"],
                             cpu_ratio_peer_over_nanokin=r["cpu_ns_per_event"]
                             / best_cpu["cpu_ns_per_event"]))
        for key, label, b in (("ns_per_event", "wall", best), ("cpu_ns_per_event", "CPU", best_cpu)):
            slower = [r for r in case if not r["tool"].startswith("nanokin")
                      and r["status"] == "ok" and r[key] < b[key]]
            msg = f"{name} ({label} time): nanokin best = {b['tool']} {b[key]:.0f} ns/event"
            if name in TARGET_NS:
                tgt = TARGET_NS[name]
                ok = b[key] <= tgt
                msg += (f"; target <= {tgt:.0f} ns: {'met' if ok else 'MISSED'}"
                        + ("" if ok else f" by {b[key] - tgt:.0f} ns "
                           f"({100 * (b[key] / tgt - 1):.0f} %)"))
            msg += ("; faster per event than every peer measured" if not slower else
                    "; SLOWER than " + ", ".join(r["tool"] for r in slower))
            notes.append(msg)
    # parallel ensemble: thread-count independence and speed-up
    name = "multisite2" if "multisite2" in models else models[0]
    if (MODELS_DIR / f"{name}.net").exists():
        T = END_TIMES[name][1] / (4 if quick else 1)
        out, same = bench_threads(name, T, 8, "rssa")
        w1, w2 = out[1][0], out[max(out)][0]
        rows.append(dict(network=name, t_end=T, tool="nanokin rssa ensemble of 8",
                         threads_1_wall_s=w1, threads_2_wall_s=w2, speedup=w1 / w2,
                         identical_results=same))
    notes.append("load average at end (1, 5, 15 min): %.2f %.2f %.2f" % os.getloadavg())
    return {"rows": rows, "notes": notes}


def markdown(rec: dict) -> str:
    """The rows of :func:`run` as a Markdown table (for RESULTS.md)."""
    lines = ["| network | T | tool | start-up s (wall) | run s (wall) | events | events from "
             "| ns/event wall | ns/event CPU | peer / nanokin best, wall | same, CPU | status |",
             "|---|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---|"]
    for r in rec["rows"]:
        if "ns_per_event" not in r:
            continue
        lines.append(f"| {r['network']} | {r['t_end']:g} | {r['tool']} | {r['startup_s']:.3g} | "
                     f"{r['run_s']:.3g} | {r['events']:,} | {r['events_from']} | "
                     f"{r['ns_per_event']:,.0f} | {r['cpu_ns_per_event']:,.0f} | "
                     f"{r['ratio_peer_over_nanokin']:.2f} | "
                     f"{r['cpu_ratio_peer_over_nanokin']:.2f} | {r['status']} |")
    extra = [r for r in rec["rows"] if "speedup" in r]
    for r in extra:
        lines.append("")
        lines.append(f"Ensemble of 8 trajectories ({r['network']}, T = {r['t_end']:g}, "
                     f"{r['tool']}): 1 thread {r['threads_1_wall_s']:.3f} s, 2 threads "
                     f"{r['threads_2_wall_s']:.3f} s, speed-up {r['speedup']:.2f}, identical "
                     f"results: {r['identical_results']}.")
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse
    import json
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--model", action="append", choices=list(END_TIMES))
    ap.add_argument("--peer", action="append", choices=[p[0] for p in PEERS])
    ap.add_argument("--json")
    a = ap.parse_args()
    rec = run(a.quick, a.model, a.peer)
    for row in rec["rows"]:
        print(", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in row.items()))
    for n in rec["notes"]:
        print("note:", n)
    print()
    print(markdown(rec))
    if a.json:
        Path(a.json).write_text(json.dumps(rec, indent=2, default=str))
