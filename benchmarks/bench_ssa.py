"""SSA speed: nanokin's kernels against BioNetGen, NFsim, libroadrunner and GillesPy2.

For each benchmark network (multistate, multisite2, egfr_net, BCR, fceri_gamma2 from
``inputs/network``) every tool simulates trajectories from the same initial state to
the same end time T (``END_TIMES``; the same in ``--quick`` and full runs), in one run
on this machine:

* nanokin ``direct``, ``rssa`` and ``rssacr`` (:mod:`sim.ssa`), one thread;
* BioNetGen's SSA: ``run_network -p ssa`` on the ``.net`` file (the program BNG2.pl's
  ``simulate({method=>"ssa"})`` starts), events from its ``TOTAL STEPS`` line;
* NFsim on the rule-based ``.bngl`` (XML written by BNG2.pl), events from its
  "You just simulated N reactions" line;
* libroadrunner's ``gillespie`` integrator on SBML written by BNG2.pl from the ``.net``;
* GillesPy2's ``SSACSolver`` (C++) on the same reactions, when installed.

How a figure is made reproducible on a shared machine:

* one *repeat* of a tool is ``n`` trajectories to T (different seeds), with ``n``
  chosen from a first calibration trajectory so that a repeat lasts at least
  ``TARGET_S`` seconds (1 s) — every side does about a second of work;
* every tool gets the same number of repeats (``REPEATS`` = 5), run in interleaved
  rounds (each round runs one repeat of every tool of the network, the starting tool
  rotating), so all tools of a case see the same machine load; the figure is the
  median over them of (time - n * start-up) / events, for wall time and for CPU time
  (CPU: this process plus its finished child processes, which is what other jobs on
  the machine disturb least);
* start-up (process launch, reading the model, code generation/compilation; for
  nanokin: parsing, building the arrays and loading the compiled kernels) is the
  median of ``STARTUP_RUNS`` runs to T = 1e-9 and is reported separately;
* time budget: every peer process (start-up run, trajectory) gets ``BUDGET_S``
  seconds; a peer whose trajectory to T does not finish runs to T/20 instead (its row
  says so), and is skipped with "did not finish N events ... within X s" otherwise;
* ``--quick`` runs multistate, multisite2 and egfr_net (libroadrunner only up to 300
  reactions) with nanokin's ``rssa`` and ``rssacr`` (``direct`` is the slowest method on
  every network), without nanokin's start-up and the cold-start, memory, thread and
  ODE rows; the full run
  (``python benchmarks/bench_ssa.py --json FILE``) runs all five networks and those;
* ratios are formed from the medians, for wall and CPU time separately; the spread
  (max/min over the repeats) is reported beside each figure.

Tools that do not report their event count are divided by the mean event count of
nanokin's trajectories to the same T (the same Markov chain).  Peak memory (maximum
resident set) is measured for every external tool from its process and, for nanokin,
from a child Python process running one trajectory.  External tools run with their
address space capped below the memory available at the start (RLIMIT_AS), so a peer
that does not fit fails cleanly and is reported; a peer is not started when its
start-up run already needs more than half of the available memory.  A peer that is
not installed is skipped with a note.  ``ratio`` > 1 means nanokin is faster per event.

Run: ``python benchmarks/bench_ssa.py [--quick]`` or ``nanokin bench [--quick]``.
"""
from __future__ import annotations

import math
import os
import platform
import re
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.bench import timed  # noqa: E402
from sim.paths import benchmark_models_dir  # noqa: E402

MODELS_DIR = benchmark_models_dir()
# end time per network (model time units): ~0.3-3 s of work for the slowest peer.
# egfr_net runs to T = 5 (was 1): at T = 1 a peer process spent ~3.4 s (NFsim) starting
# up and only ~2 s simulating, so the variation of its start-up, subtracted as a
# median, moved NFsim's per-event figure by 64 % between two consecutive runs
END_TIMES = {"multistate": 200.0, "multisite2": 20.0, "egfr_net": 5.0, "BCR": 0.2,
             "fceri_gamma2": 50.0}
# published per-event figures of Catalyst's fastest method (Loman et al. 2023, PLOS
# Comput. Biol. 19: e1011530, median times divided by direct-method event counts;
# other hardware, orientation only) and the target of 2x that figure
CATALYST_NS = {"multistate": 65.0, "multisite2": 320.0, "egfr_net": 100.0,
               "fceri_gamma2": 1300.0}
REPEATS = 5
STARTUP_RUNS = 3
TARGET_S = (1.0, 1.0)          # seconds of work per repeat: full, quick
# seconds one peer process (start-up run, one trajectory) may take: full, quick
# 60 s: one NFsim trajectory of egfr_net to T = 5 takes ~27 s (4-5 s of it start-up); with
# 30 s it fell back to T/20 in one run, where start-up outweighed the simulation
BUDGET_S = (60.0, 60.0)
QUICK_MODELS = ["multistate", "multisite2", "egfr_net"]
# --quick: the two methods that are fastest on these networks (direct is slower on all
# five, RESULTS.md); nanokin's start-up (fresh processes) is measured in the full run
QUICK_METHODS = ("rssa", "rssacr")
DIRECT_MAX_REACTIONS = 30_000
ROADRUNNER_MAX_REACTIONS_QUICK = 300
# libroadrunner compiles the SBML model (12 s for egfr_net's 3 749 reactions) and
# GillesPy2 writes one expression per reaction (minutes on egfr_net): run only up to
ROADRUNNER_MAX_REACTIONS = 4000
GILLESPY2_MAX_REACTIONS = 300
TINY_T = 1e-9


def _med(xs):
    return float(statistics.median(xs))


def _spread(xs):
    xs = [x for x in xs if x > 0]
    return float(max(xs) / min(xs)) if xs else float("nan")


def _row(tool, startup, per_wall, per_cpu, events, events_from, n, peak_mb=None,
         status="ok"):
    """startup: (wall, cpu) medians; per_*: per-repeat ns/event lists."""
    return dict(tool=tool, startup_s=float(startup[0]), startup_cpu_s=float(startup[1]),
                trajectories_per_repeat=int(n), repeats=len(per_wall),
                events_per_trajectory=float(events), events_from=events_from,
                ns_per_event=_med(per_wall), cpu_ns_per_event=_med(per_cpu),
                spread_wall=_spread(per_wall), spread_cpu=_spread(per_cpu),
                peak_mb=peak_mb, status=status)


def _peak(*xs):
    """Largest known peak memory (NaN = a process too short to be read)."""
    xs = [x for x in xs if x is not None and x == x]
    return max(xs) if xs else float("nan")


def _n_for(seconds, target):
    return max(1, int(math.ceil(target / max(seconds, 1e-6))))


def _mem_limit():
    from sim.bionetgen import available_memory_bytes
    avail = available_memory_bytes()
    return int(0.9 * avail) if avail else None


# ----------------------------------------------------------------------------- nanokin

def nanokin_process(name, t_end, method, cold=False):
    """Wall time and peak resident memory of a fresh Python process that imports nanokin,
    parses the network, builds its arrays and runs one trajectory to ``t_end`` with
    ``method``: with ``t_end`` ~ 0 this is the start-up a user sees.  The kernels come
    from numba's on-disk cache, or, with ``cold``, are compiled into an empty cache
    directory (the first run after installation)."""
    from sim.bionetgen import run_process
    code = ("import numpy as np, numba; numba.set_num_threads(1)\n"
            "from sim.network import read_net\nfrom sim.ssa import simulate\n"
            f"c = read_net({str(MODELS_DIR / (name + '.net'))!r}).compile()\n"
            f"simulate(c, np.array([0.0, {t_end!r}]), 1, 1, {method!r})\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_NUM_THREADS="1")
    with tempfile.TemporaryDirectory(prefix="nk_cold_") as cache:
        if cold:
            env["NUMBA_CACHE_DIR"] = cache
        out = run_process([sys.executable, "-c", code], timeout=3600, cwd=str(ROOT), env=env)
    if out["returncode"] != 0:
        raise RuntimeError(out["stderr"][-400:])
    return out


def numba_floor_process():
    """The start-up every numba program pays, as the floor of nanokin's: a fresh Python
    process that imports numpy and numba and calls a one-line ``@njit(cache=True)``
    function whose compiled code is already in the on-disk cache (numba's first dispatch
    initialises its typing context and LLVM before it can load any cached kernel)."""
    from sim.bionetgen import run_process
    with tempfile.TemporaryDirectory(prefix="nk_floor_") as wd:
        (Path(wd) / "one_line.py").write_text(
            "from numba import njit\n\n@njit(cache=True)\ndef f(x):\n    return x + 1\n")
        code = "import numpy, numba\nimport one_line\none_line.f(1)\n"
        env = dict(os.environ, PYTHONPATH=wd, NUMBA_CACHE_DIR=str(Path(wd) / "cache"))
        run_process([sys.executable, "-c", code], timeout=600, cwd=wd, env=env)  # fill cache
        outs = [run_process([sys.executable, "-c", code], timeout=600, cwd=wd, env=env)
                for _ in range(STARTUP_RUNS)]
    return _med([o["wall_s"] for o in outs]), _med([o["cpu_s"] for o in outs])


class Side:
    """One tool of a network case: start-up measured, ``n`` trajectories per repeat
    chosen, ``rep(r)`` runs one repeat and returns (wall, cpu, events) with the
    per-trajectory start-up of a process peer already subtracted."""

    def __init__(self, tool, startup, n, rep, events_from, t_end, peak_mb=None,
                 status="ok"):
        self.tool, self.startup, self.n, self.rep = tool, startup, n, rep
        self.events_from, self.t_end, self.peak_mb, self.status = (events_from, t_end,
                                                                   peak_mb, status)
        self.per_w, self.per_c, self.events = [], [], []

    def row(self):
        short = sum(w <= 0 or c <= 0 for w, c in zip(self.per_w, self.per_c))
        if short:   # a repeat shorter than the median start-up it is corrected by: no figure
            return _row(self.tool, self.startup, [float("nan")], [float("nan")], 0,
                        self.events_from, 0, self.peak_mb,
                        status=f"not measured: in {short} of {len(self.per_w)} repeats the "
                               f"process time was below the median start-up "
                               f"({self.startup[0]:.2f} s), so start-up outweighs the simulation")
        if not self.per_w:
            return _row(self.tool, self.startup, [float("nan")], [float("nan")], 0,
                        self.events_from, 0, self.peak_mb, status=self.status)
        r = _row(self.tool, self.startup, self.per_w, self.per_c,
                 float(np.mean(self.events)), self.events_from, self.n, self.peak_mb,
                 self.status)
        r["tool_t_end"] = self.t_end
        return r


def measure(sides):
    """REPEATS rounds; in each every side runs one repeat, in an order that rotates from
    round to round, so that all tools of a case see the same machine load."""
    live = [sd for sd in sides if sd.rep is not None]
    for rep in range(REPEATS):
        k = rep % max(1, len(live))
        for sd in live[k:] + live[:k]:
            w, c, ev, n_traj = sd.rep(rep)
            sd.per_w.append(1e9 * w / ev)
            sd.per_c.append(1e9 * c / ev)
            sd.events.append(ev / n_traj)


def nanokin_sides(name, T, target, methods=("direct", "rssa", "rssacr"), startup=True):
    import numba

    from sim.network import read_net
    from sim.ssa import simulate

    path = MODELS_DIR / f"{name}.net"
    sides, events = [], []
    numba.set_num_threads(1)
    for method in methods:
        compiled = read_net(path).compile()
        simulate(compiled, np.array([0.0, TINY_T]), 1, 0, method)   # compile / load
        if startup:
            ups = [nanokin_process(name, TINY_T, method) for _ in range(STARTUP_RUNS)]
            up = (_med([u["wall_s"] for u in ups]), _med([u["cpu_s"] for u in ups]))
        else:
            up = (float("nan"), float("nan"))
        (w1, _), res = timed(simulate, compiled, np.array([0.0, T]), 1, 999, method)
        events.extend(res.events.tolist())
        n = _n_for(w1, target)

        def rep(r, compiled=compiled, n=n, method=method):
            (w, c), res = timed(simulate, compiled, np.array([0.0, T]), n, 1000 + 100 * r,
                                method)
            events.extend(res.events.tolist())
            return w, c, int(res.events.sum()), n
        sides.append(Side(f"nanokin {method}", up, n, rep, "own count", T))
    return sides, events


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
            (w, _), res = timed(simulate, compiled, np.linspace(0, T, 11), n_traj, 7, method)
            out[n] = (w, res)
    finally:
        numba.set_num_threads(before)
    same = all(np.array_equal(out[1][1].values, r.values) for _, r in out.values())
    return out, same


# ----------------------------------------------------------------------------- peers

class Budget(Exception):
    pass


def _process_side(tool, run_one, T, target, events_from, budget, ours_events=None):
    """A peer run as one process per trajectory: ``run_one(t_end, seed, timeout)``
    returns (stats dict with wall_s/cpu_s/peak_mb/returncode, events or None).  Every
    process gets ``budget`` seconds; a peer whose trajectory to T does not finish within
    it is run to T / 20 instead, and skipped when that does not finish either."""
    from sim.bionetgen import available_memory_bytes

    def call(t_end, seed):
        st, ev = run_one(t_end, seed, budget)
        if st.get("returncode", 0) != 0 or st["wall_s"] >= budget:
            raise Budget()
        return st, ev
    try:
        ups = [call(TINY_T, 1 + i) for i in range(STARTUP_RUNS)]
    except Budget:
        return Side(tool, (float("nan"), float("nan")), 0, None, events_from, T,
                    status=f"not run: its start-up (T = 1e-9) did not finish within {budget:g} s")
    startup = (_med([u[0]["wall_s"] for u in ups]), _med([u[0]["cpu_s"] for u in ups]))
    peak = [_peak(*(u[0]["peak_mb"] for u in ups))]
    avail = available_memory_bytes()
    if avail and peak[0] * 2**20 > 0.5 * avail:
        return Side(tool, startup, 0, None, events_from, T, peak[0],
                    status=f"not run: start-up alone needs {peak[0]:.0f} MB of "
                           f"{avail / 2**20:.0f} MB available")
    t_run, status = T, "ok"
    try:
        st, ev = call(T, 999)
    except Budget:
        t_run = T / 20
        try:
            st, ev = call(t_run, 999)
        except Budget:
            n_ev = f"{ours_events:,.0f} " if ours_events else ""
            return Side(tool, startup, 0, None, events_from, T, peak[0],
                        status=f"did not finish {n_ev}events (T = {T:g}) nor T = {t_run:g} "
                               f"within {budget:g} s")
        status = (f"T = {t_run:g} instead of {T:g}: a trajectory to T did not finish "
                  f"within {budget:g} s")
        if st["wall_s"] - startup[0] < startup[0]:
            status += (f"; its simulation ({st['wall_s'] - startup[0]:.2f} s) is shorter than "
                       f"its start-up ({startup[0]:.2f} s): an order of magnitude only")
    n = _n_for(st["wall_s"] - startup[0], target)
    peak[0] = _peak(peak[0], st["peak_mb"])

    def rep(r):
        wall = cpu = 0.0
        events = 0
        for k in range(n):
            st, ev = run_one(t_run, 1000 + 100 * r + k, 20 * budget)
            if st.get("returncode", 0) != 0:
                raise RuntimeError(f"{tool} failed (exit {st.get('returncode')})")
            wall += st["wall_s"] - startup[0]
            cpu += st["cpu_s"] - startup[1]
            peak[0] = _peak(peak[0], st["peak_mb"])
            events += ev if ev is not None else ours_events
        return wall, cpu, events, n
    side = Side(tool, startup, n, rep, events_from, t_run, None, status)
    side.peak_ref = peak
    return side


def bench_bionetgen(name, T, ours_events, target, wd, budget):
    from sim.network import run_network_ssa
    path = MODELS_DIR / f"{name}.net"
    limit = _mem_limit()

    def one(t_end, seed, timeout):
        st = {}
        try:
            _, _, steps, _ = run_network_ssa(path, t_end, 10, seed, workdir=wd, stats=st,
                                             memory_limit_bytes=limit, timeout=timeout)
        except RuntimeError:
            st.setdefault("returncode", 1)
            st.setdefault("wall_s", timeout)
            return st, None
        st["returncode"] = 0
        return st, steps
    return _process_side("BioNetGen run_network SSA", one, T, target, "TOTAL STEPS",
                         budget, ours_events)


def _bngl_without_actions(name):
    text = (MODELS_DIR / f"{name}.bngl").read_text()
    return re.sub(r"^\s*(simulate\w*|generate_network|writeXML|writeSBML|writeMfile|"
                  r"setConcentration|saveConcentrations|resetConcentrations|parameter_scan)"
                  r"\s*\(.*$", "", text, flags=re.M)


def bench_nfsim(name, T, ours_events, target, wd, budget):
    from sim.bionetgen import find_tools, run_bng2, run_process
    tools = find_tools()
    limit = _mem_limit()
    run_bng2(_bngl_without_actions(name) + "\nwriteXML()\n", workdir=wd, name=name)
    xml = Path(wd) / f"{name}.xml"

    def one(t_end, seed, timeout):
        cmd = [tools.nfsim, "-xml", xml, "-sim", repr(t_end), "-oSteps", "10",
               "-seed", str(seed), "-gml", "5000000", "-cb", "-o", Path(wd) / "nf.gdat"]
        out = run_process(cmd, timeout=timeout, memory_limit_bytes=limit)
        m = re.search(r"You just simulated (\d+) reactions", out["stdout"])
        if out["returncode"] == 0 and not m:
            out["returncode"] = 1
        return out, int(m.group(1)) if m else None
    return _process_side("NFsim (network-free, .bngl)", one, T, target, "NFsim report",
                         budget, ours_events)


def _sbml(name, wd):
    from sim.bionetgen import run_bng2
    net = MODELS_DIR / f"{name}.net"
    run_bng2(f'readFile({{file=>"{net}"}})\nwriteSBML()\n', workdir=wd, name=name)
    return Path(wd) / f"{name}_sbml.xml"


def _inprocess_side(tool, load, run_traj, T, ours_events, target):
    """A peer run inside this process: ``load()`` builds it once (start-up, timed
    STARTUP_RUNS times), ``run_traj(model, t_end, seed)`` runs one trajectory."""
    ups = [timed(load) for _ in range(STARTUP_RUNS)]
    model = ups[-1][1]
    startup = (_med([u[0][0] for u in ups]), _med([u[0][1] for u in ups]))
    tiny = [timed(run_traj, model, TINY_T, 1 + i)[0] for i in range(STARTUP_RUNS)]
    t0 = (_med([x[0] for x in tiny]), _med([x[1] for x in tiny]))
    (w1, _), _ = timed(run_traj, model, T, 999)
    n = _n_for(w1, target)

    def rep(r):
        wall = cpu = 0.0
        for k in range(n):
            (w, c), _ = timed(run_traj, model, T, 1000 + 100 * r + k)
            wall += w - t0[0]
            cpu += c - t0[1]
        return wall, cpu, n * ours_events, n
    return Side(tool, (startup[0] + t0[0], startup[1] + t0[1]), n, rep, "nanokin mean count", T)


def bench_roadrunner(name, T, ours_events, target, wd, budget):
    import roadrunner
    sbml = _sbml(name, wd)

    def load():
        rr = roadrunner.RoadRunner(str(sbml))
        rr.setIntegrator("gillespie")
        rr.getIntegrator().variable_step_size = False
        return rr

    def traj(rr, t_end, seed):
        rr.reset()
        rr.getIntegrator().seed = seed
        rr.simulate(0.0, t_end, 11)

    return _inprocess_side(f"libroadrunner {roadrunner.__version__} gillespie", load,
                           traj, T, ours_events, target)


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


def bench_gillespy2_cpp(net, T, ours_events, target):
    import gillespy2
    from gillespy2 import SSACSolver

    def load():
        model = _gillespy_model(net, T)
        solver = SSACSolver(model=model)
        model.run(solver=solver, t=TINY_T, seed=1)   # the C++ build happens here
        return model, solver

    def traj(ms, t_end, seed):
        ms[0].run(solver=ms[1], t=t_end, seed=seed)

    return _inprocess_side(f"GillesPy2 {gillespy2.__version__} SSACSolver (C++)", load,
                           traj, T, ours_events, target)


PEERS = [
    ("BioNetGen", "bionetgen", 10**9, lambda net, name, T, ev, tg, wd, b: bench_bionetgen(name, T, ev, tg, wd, b)),
    ("NFsim", "bionetgen", 10**9, lambda net, name, T, ev, tg, wd, b: bench_nfsim(name, T, ev, tg, wd, b)),
    ("libroadrunner", "roadrunner", ROADRUNNER_MAX_REACTIONS,
     lambda net, name, T, ev, tg, wd, b: bench_roadrunner(name, T, ev, tg, wd, b)),
    ("GillesPy2 C++", "gillespy2", GILLESPY2_MAX_REACTIONS,
     lambda net, name, T, ev, tg, wd, b: bench_gillespy2_cpp(net, T, ev, tg)),
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


def run(quick: bool = False, models=None, peers=None, memory: bool | None = None,
        ode: bool | None = None, budget: float | None = None,
        threads: bool | None = None, on_network=None) -> dict:
    """``quick``: the three smaller networks, no cold-start, memory, threads or ODE rows
    (they are in the full run); every ratio still from medians of REPEATS interleaved
    repeats of >= TARGET_S of work per side.  ``budget``: seconds one peer process may
    take (start-up, one trajectory); see :func:`_process_side`.  ``on_network(rec)`` is
    called with the record so far after every network (the command line writes it to
    ``--json`` then, so a stopped run keeps the networks it finished)."""
    import numba

    from sim.network import read_net
    memory = (not quick) if memory is None else memory
    ode = (not quick) if ode is None else ode
    threads = (not quick) if threads is None else threads
    budget = budget or BUDGET_S[int(quick)]
    rows, notes = [], [f"machine: {machine()}",
                       "load average at start (1, 5, 15 min): %.2f %.2f %.2f" % os.getloadavg()]
    target = TARGET_S[int(quick)]
    models = models or (QUICK_MODELS if quick else list(END_TIMES))
    rr_max = ROADRUNNER_MAX_REACTIONS_QUICK if quick else ROADRUNNER_MAX_REACTIONS
    threads_before = numba.get_num_threads()
    for name in models:
        if not (MODELS_DIR / f"{name}.net").exists():
            notes.append(f"{name}: model files not found in {MODELS_DIR}; skipped")
            continue
        T = END_TIMES[name]
        net = read_net(MODELS_DIR / f"{name}.net")
        methods = QUICK_METHODS if quick else ("direct", "rssa", "rssacr")
        if not quick and net.n_reactions > DIRECT_MAX_REACTIONS:
            methods = ("rssa", "rssacr")
            notes.append(f"{name}: nanokin direct not run ({net.n_reactions} reactions > "
                         f"{DIRECT_MAX_REACTIONS}: building its dependency table took 4-5 min "
                         "and 5 GB per fresh process on fceri_gamma2, and method 'auto' "
                         "never picks it there)")
        ours, evs = nanokin_sides(name, T, target, methods, startup=not quick)
        ev = float(np.mean(evs))
        case = list(ours)
        with tempfile.TemporaryDirectory(prefix="nk_bench_ssa_") as wd:
            for label, module, max_rx, fn in PEERS:
                if peers and label not in peers:
                    continue
                if not _installed(module):
                    notes.append(f"{name}: {label} not installed ({module}); skipped")
                    continue
                if label == "libroadrunner":
                    max_rx = rr_max
                if net.n_reactions > max_rx:
                    notes.append(f"{name}: {label} not run ({net.n_reactions} reactions > "
                                 f"{max_rx}: its model set-up alone takes minutes)")
                    continue
                try:
                    case.append(fn(net, name, T, ev, target, wd, budget))
                except Exception as exc:  # noqa: BLE001  a failing peer is reported, not fatal
                    msg = str(exc).strip().splitlines()
                    notes.append(f"{name}: {label} failed: {msg[-1] if msg else type(exc).__name__}")
            measure(case)
        numba.set_num_threads(threads_before)
        for sd in case:
            if getattr(sd, "peak_ref", None):
                sd.peak_mb = sd.peak_ref[0]
        if memory and name == "fceri_gamma2":
            for sd in ours:
                sd.peak_mb = nanokin_process(name, T, sd.tool.split()[-1])["peak_mb"]
        case_rows = [sd.row() for sd in case]
        ok = [r for r in case_rows[:len(ours)] if r["status"] == "ok"]
        best = min(ok, key=lambda r: r["ns_per_event"])
        best_cpu = min(ok, key=lambda r: r["cpu_ns_per_event"])
        for r in case_rows:
            rows.append(dict(network=name, t_end=T, species=net.n_species,
                             reactions=net.n_reactions, **r,
                             best_nanokin=best["tool"], best_nanokin_cpu=best_cpu["tool"],
                             ratio_peer_over_nanokin=r["ns_per_event"] / best["ns_per_event"],
                             cpu_ratio_peer_over_nanokin=r["cpu_ns_per_event"]
                             / best_cpu["cpu_ns_per_event"]))
        for key, label, b in (("ns_per_event", "wall", best), ("cpu_ns_per_event", "CPU", best_cpu)):
            faster = [r for r in case_rows if not r["tool"].startswith("nanokin")
                      and r["ns_per_event"] == r["ns_per_event"] and r[key] < b[key]]
            msg = f"{name} ({label} time): nanokin best = {b['tool']} {b[key]:.0f} ns/event"
            if name in CATALYST_NS:
                tgt = 2 * CATALYST_NS[name]
                met = b[key] <= tgt
                msg += (f"; target <= 2 x Catalyst's published {CATALYST_NS[name]:.0f} ns = "
                        f"{tgt:.0f} ns: {'met' if met else 'MISSED'}"
                        + ("" if met else f" by {b[key] - tgt:.0f} ns"))
            msg += ("; faster per event than every peer measured" if not faster else
                    "; SLOWER than " + ", ".join(r["tool"] for r in faster))
            notes.append(msg)
        print(f"  [{name} done, load {os.getloadavg()[0]:.1f}]", file=sys.stderr, flush=True)
        if on_network is not None:
            on_network({"rows": rows, "notes": notes + ["partial: stopped after " + name]})
    if memory:
        fw, fc = numba_floor_process()
        rows.append(dict(network="-", tool="numba floor: fresh process, one cached one-line "
                         "function", floor_startup_s=fw, floor_startup_cpu_s=fc))
        for method in ("direct", "rssa", "rssacr"):
            out = nanokin_process(models[0], TINY_T, method, cold=True)
            rows.append(dict(network=models[0], tool=f"nanokin {method} cold start",
                             cold_start_s=out["wall_s"], cold_start_cpu_s=out["cpu_s"]))
    if threads:
        name = "multisite2" if "multisite2" in models else models[0]
        if (MODELS_DIR / f"{name}.net").exists():
            T = END_TIMES[name] / (4 if quick else 1)
            out, same = bench_threads(name, T, 8, "rssa")
            w1, w2 = out[1][0], out[max(out)][0]
            rows.append(dict(network=name, t_end=T, tool="nanokin rssa ensemble of 8",
                             threads_1_wall_s=w1, threads_2_wall_s=w2, speedup=w1 / w2,
                             identical_results=same))
    if ode:
        r2, n2 = bench_ode(quick)
        rows += r2
        notes += n2
    notes.append("load average at end (1, 5, 15 min): %.2f %.2f %.2f" % os.getloadavg())
    return {"rows": rows, "notes": notes}


ODE_NETWORKS = {"multistate": 10.0, "multisite2": 10.0, "egfr_net": 10.0}
ODE_TOL = 1e-8


def bench_ode(quick: bool = False) -> tuple[list, list]:
    """Deterministic mode: nanokin's ``sim.ode`` (numba right-hand side and sparse
    Jacobian, scipy BDF) against libroadrunner's CVODE (SBML written by BNG2.pl) and
    BioNetGen's run_network CVODE, same tolerances (rtol = atol = 1e-8), 101 output
    times to t = 10; median of REPEATS integrations after a warm-up, wall and CPU;
    start-up (model load/compile) reported apart; agreement of the observables with
    BioNetGen as the largest relative difference (floor 1e-6 of each observable's
    maximum)."""
    from sim.bench import median_time
    from sim.network import read_net, run_network_ode
    from sim.ode import integrate
    rows, notes = [], []
    for name, T in ODE_NETWORKS.items():
        path = MODELS_DIR / f"{name}.net"
        if not path.exists():
            continue
        times = np.linspace(0.0, T, 101)
        compiled = read_net(path).compile()
        integrate(compiled, times[:3] * 1e-6, rtol=ODE_TOL, atol=ODE_TOL)   # compile/load
        m, sol = median_time(lambda: integrate(compiled, times, rtol=ODE_TOL, atol=ODE_TOL),
                             REPEATS)
        case = [dict(tool="nanokin ode (BDF, sparse Jacobian)", run_s=m["wall_s"],
                     cpu_s=m["cpu_s"], spread=_spread(m["walls"]), startup_s=float("nan"),
                     obs=sol.observables)]
        if _installed("bionetgen"):
            with tempfile.TemporaryDirectory(prefix="nk_bench_ode_") as wd:
                m, out = median_time(lambda: run_network_ode(path, T, 100, rtol=ODE_TOL,
                                                             atol=ODE_TOL, workdir=wd), REPEATS)
            case.append(dict(tool="BioNetGen run_network CVODE", run_s=m["wall_s"],
                             cpu_s=m["cpu_s"], spread=_spread(m["walls"]),
                             startup_s=float("nan"), obs=out[1][:, 1:]))
        if _installed("roadrunner"):
            import roadrunner
            with tempfile.TemporaryDirectory(prefix="nk_bench_rr_") as wd:
                sbml = _sbml(name, wd)

                def load():
                    rr = roadrunner.RoadRunner(str(sbml))
                    integ = rr.getIntegrator()
                    integ.relative_tolerance = ODE_TOL
                    integ.absolute_tolerance = ODE_TOL
                    return rr
                (t_load, _), rr = timed(load)

                def go():
                    rr.reset()
                    return rr.simulate(0.0, T, 101)
                go()
                m, res = median_time(go, REPEATS)
                cols = [c.strip("[]") for c in res.colnames[1:]]
                net = read_net(path)
                w = net.observable_matrix()
                x = np.column_stack([np.asarray(res[:, 1 + cols.index(f"S{i + 1}")])
                                     for i in range(net.n_species)])
            case.append(dict(tool=f"libroadrunner {roadrunner.__version__} CVODE",
                             run_s=m["wall_s"], cpu_s=m["cpu_s"], spread=_spread(m["walls"]),
                             startup_s=t_load, obs=x @ w.T))
        ref = next((c["obs"] for c in case if c["tool"].startswith("BioNetGen")), None)
        ours = case[0]
        for c in case:
            agree = float("nan")
            if ref is not None:
                floor = 1e-6 * np.abs(ref).max(axis=0)
                agree = float(np.max(np.abs(c["obs"] - ref) / np.maximum(np.abs(ref), floor)))
            rows.append(dict(network=name, t_end=T, tool=c["tool"], ode_run_s=c["run_s"],
                             ode_cpu_s=c["cpu_s"], ode_spread=c["spread"],
                             ode_startup_s=c["startup_s"], max_rel_diff_vs_bionetgen=agree,
                             ode_ratio=c["run_s"] / ours["run_s"],
                             ode_cpu_ratio=c["cpu_s"] / ours["cpu_s"]))
    return rows, notes


def markdown(rec: dict) -> str:
    """The rows of :func:`run` as a Markdown table (for RESULTS.md)."""
    lines = ["| network | T | tool | start-up s (wall, fresh process) | trajectories x repeats | events per "
             "trajectory | events from | ns/event wall (median) | ns/event CPU (median) | "
             "spread wall / CPU (max/min) | peer / nanokin best, wall | same, CPU | peak MB | "
             "status |",
             "|---|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rec["rows"]:
        if "ns_per_event" not in r:
            continue
        peak = "" if r.get("peak_mb") is None else f"{r['peak_mb']:,.0f}"
        lines.append(f"| {r['network']} | {r['t_end']:g} | {r['tool']} | {r['startup_s']:.3g} | "
                     f"{r['trajectories_per_repeat']} x {r['repeats']} | "
                     f"{r['events_per_trajectory']:,.0f} | {r['events_from']} | "
                     f"{r['ns_per_event']:,.0f} | {r['cpu_ns_per_event']:,.0f} | "
                     f"{r['spread_wall']:.2f} / {r['spread_cpu']:.2f} | "
                     f"{r['ratio_peer_over_nanokin']:.2f} | "
                     f"{r['cpu_ratio_peer_over_nanokin']:.2f} | {peak} | {r['status']} |")
    ode = [r for r in rec["rows"] if "ode_run_s" in r]
    if ode:
        lines += ["", "| network | tool (rtol = atol = 1e-8, 101 outputs) | run s wall (median) "
                  "| run s CPU | spread | start-up s | max rel. diff vs BioNetGen | "
                  "tool / nanokin, wall | same, CPU |", "|---|---|---:|---:|---:|---:|---:|"
                  "---:|---:|"]
        for r in ode:
            lines.append(f"| {r['network']} | {r['tool']} | {r['ode_run_s']:.3g} | "
                         f"{r['ode_cpu_s']:.3g} | {r['ode_spread']:.2f} | "
                         f"{r['ode_startup_s']:.3g} | {r['max_rel_diff_vs_bionetgen']:.1e} | "
                         f"{r['ode_ratio']:.2f} | {r['ode_cpu_ratio']:.2f} |")
    for r in [r for r in rec["rows"] if "floor_startup_s" in r]:
        lines.append("")
        lines.append(f"Start-up floor of any numba program ({r['tool']}): "
                     f"{r['floor_startup_s']:.2f} s wall ({r['floor_startup_cpu_s']:.2f} s CPU).")
    cold = [r for r in rec["rows"] if "cold_start_s" in r]
    if cold:
        lines.append("")
        lines.append("Cold start (fresh process, empty numba cache: the first run after "
                     "installation compiles the kernels of the method it uses): "
                     + "; ".join(f"{r['tool'].replace(' cold start', '')} "
                                 f"{r['cold_start_s']:.1f} s wall ({r['cold_start_cpu_s']:.1f} "
                                 "s CPU)" for r in cold) + f" ({cold[0]['network']}).")
    for r in [r for r in rec["rows"] if "speedup" in r]:
        lines.append("")
        lines.append(f"Ensemble of 8 trajectories ({r['network']}, T = {r['t_end']:g}, "
                     f"{r['tool']}): 1 thread {r['threads_1_wall_s']:.3f} s, 2 threads "
                     f"{r['threads_2_wall_s']:.3f} s, speed-up {r['speedup']:.2f}, identical "
                     f"results: {r['identical_results']}.")
    return "\n".join(lines)


def compare(a: dict, b: dict) -> list[tuple]:
    """(network, tool, ratio in a, ratio in b, change) for the wall and CPU ratios of two
    runs: the reproducibility check between consecutive runs."""
    keys = ("ratio_peer_over_nanokin", "cpu_ratio_peer_over_nanokin", "ode_ratio",
            "ode_cpu_ratio")
    key = {(r.get("network"), r.get("tool")): r for r in b["rows"]}
    out = []
    for r in a["rows"]:
        s = key.get((r.get("network"), r.get("tool")))
        if s is None:
            continue
        for k in keys:
            if k in r and k in s and r[k] == r[k] and s[k] == s[k]:
                out.append((r["network"], r["tool"], k, r[k], s[k], s[k] / r[k] - 1.0))
    return out


if __name__ == "__main__":
    import json

    from sim.bench import script_parser
    ap = script_parser(__doc__)
    ap.add_argument("--model", action="append", choices=list(END_TIMES))
    ap.add_argument("--peer", action="append", choices=[p[0] for p in PEERS])
    ap.add_argument("--json")
    ap.add_argument("--budget", type=float, help="seconds per peer process (default %g)"
                    % BUDGET_S[0])
    ap.add_argument("--compare", help="a JSON file of an earlier run: print ratio changes")
    a = ap.parse_args()

    from sim.store import provenance
    started = provenance(extra={"argv": sys.argv[1:]})

    def save(rec):
        if a.json:
            tmp = Path(a.json + ".tmp")
            tmp.write_text(json.dumps({**rec, "provenance": started}, indent=2, default=str))
            os.replace(tmp, a.json)
    rec = run(a.quick, a.model, a.peer, budget=a.budget, on_network=save)
    for row in rec["rows"]:
        print(", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in row.items()))
    for n in rec["notes"]:
        print("note:", n)
    save(rec)
    print()
    print(markdown(rec))
    if a.compare:
        old = json.loads(Path(a.compare).read_text())
        print()
        for net, tool, k, x, y, d in compare(old, rec):
            print(f"{net:13s} {tool:40s} {k:28s} {x:9.3g} -> {y:9.3g}  {100 * d:+.1f} %")
