"""Any mass-action reaction network from a BioNetGen ``.net`` file, simulated by SSA.

``nanokin run model.net`` runs the network with the defaults below; a TOML file
gives the settings explicitly::

    model = "network"
    seed = 7
    [network]
    file = "multistate.net"      # relative to this TOML file
    t_end_s = 10.0               # end time, in the model's time unit
    n_times = 101                # output times, evenly spaced from 0
    n_trajectories = 64
    method = "auto"              # "direct", "rssa", "rssacr" or "auto"
    max_events = 1000000000      # event budget per trajectory (work estimate and stop)
    observables = []             # group names to record (empty: all groups)
    record_species = false       # also record every species count

The result holds, for every observable, all trajectories and their mean and
standard deviation at each output time (HDF5), and a PNG of mean ± s.d. bands.
The kernels are in :mod:`sim.ssa`, the reader in :mod:`sim.network`.

``validate`` compares the kernels with exact results (first-order decay, the
birth–death stationary Poisson law) and, when the ``bionetgen`` package is
installed, with BioNetGen's own SSA (``run_network``) on the multistate and
multisite2 benchmark networks: ensemble means and variances of every observable
must agree within three standard errors of their difference.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.config import ConfigError, Experiment, Invalid, section, spec
from sim.model import Model
from sim.paths import benchmark_models_dir
from sim.store import Result
from sim.validation import Row

BENCHMARK_MODELS = benchmark_models_dir()

_MAX_OUTPUT_VALUES = 200_000_000


@dataclass(frozen=True)
class NetworkSection:
    file: str = spec(path=True, doc="BioNetGen .net file, SBML file (.xml/.sbml, mass action) or BNGL "
                          "model (.bngl, expanded by BNG2.pl); a path relative to the "
                          "experiment file")
    t_end_s: float = spec(10.0, gt=0.0, le=1e12, unit="model time unit (s for the benchmark "
                          "models)", doc="end time of every trajectory")
    n_times: int = spec(101, ge=2, le=1_000_000, doc="output times, evenly spaced, t = 0 included")
    n_trajectories: int = spec(64, ge=1, le=10_000_000, doc="independent SSA trajectories")
    method: str = spec("auto", choices=("auto", "direct", "rssa", "rssacr", "ode"),
                       doc="direct method, rejection-based SSA (rssa), RSSA with "
                           "composition-rejection (rssacr), auto (rssacr from "
                           "10 000 reactions, rssa below: the faster one in "
                           "benchmarks/RESULTS.md), or ode (deterministic rate equations; "
                           "n_trajectories is ignored)")
    observables: tuple[str, ...] = spec([], doc="group names to record; empty records all "
                                        "groups (or all species if the file has none)")
    record_species: bool = spec(False, doc="also record the count of every species")
    ode_rtol: float = spec(1e-8, gt=0.0, le=0.1, doc="method = ode: relative tolerance")
    ode_atol: float = spec(1e-8, gt=0.0, le=1e3, unit="molecules",
                           doc="method = ode: absolute tolerance")
    max_events: int = spec(1_000_000_000, ge=1, le=10**15,
                           doc="event budget per trajectory: a run whose estimated work "
                               "exceeds it is refused before it starts, and a trajectory "
                               "reaching it (a network whose propensity explodes) stops "
                               "the run with a message")


@dataclass(frozen=True)
class NetworkConfig:
    network: NetworkSection = section(NetworkSection, required=True,
                                      doc="the network file and the simulation settings")

    def check(self):
        n = self.network
        if n.n_trajectories * n.n_times * max(1, len(n.observables)) > _MAX_OUTPUT_VALUES:
            raise Invalid("network.n_trajectories", n.n_trajectories,
                          f"n_trajectories * n_times * observables <= {_MAX_OUTPUT_VALUES:.0e}",
                          "the output would not fit in memory")


def read_network(path) -> "ReactionNetwork":  # noqa: F821
    """A network from a BioNetGen ``.net`` file, an SBML file (``.xml``/``.sbml``,
    mass action only) or a rule-based BNGL model (``.bngl``, expanded by BNG2.pl);
    a :class:`ConfigError` naming the file (and line or reaction) on any problem."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xml", ".sbml"):
        from sim.sbml import read_sbml
        return read_sbml(path)
    if suffix == ".bngl":
        import tempfile

        from sim.bionetgen import ToolMissing, generate_network
        from sim.network import read_net
        from sim.config import read_input_text
        read_input_text(path, "a BNGL model file (UTF-8 text)")   # checked before BNG2.pl
        try:
            with tempfile.TemporaryDirectory(prefix="nanokin_bngl_") as wd:
                return read_net(generate_network(path, workdir=wd))
        except ToolMissing as exc:
            raise ConfigError(path, None, str(path), "BNG2.pl from the bionetgen package "
                              "(pip install bionetgen; BNG2.pl also needs perl, e.g. "
                              "apt-get install perl)", f"cannot expand the BNGL model: {exc}"
                              ) from None
        except RuntimeError as exc:
            raise ConfigError(path, None, str(path), "a BNGL model BNG2.pl can expand",
                              f"BNG2.pl failed: {exc}") from None
    from sim.network import read_net
    return read_net(path)


def _toml_text(path: Path, name: str) -> str:
    return (f'model = "network"\nname = "{name}"\nseed = 0\n\n[network]\n'
            f'file = "{path.as_posix()}"\n')


class NetworkModel(Model):
    name = "network"
    config_class = NetworkConfig
    file_suffixes = (".net", ".xml", ".sbml", ".bngl")

    @property
    def template_values(self) -> dict:
        """Values of required keys for `nanokin new network`: a shipped benchmark network."""
        from sim.paths import benchmark_models_dir
        return {"network.file": str(benchmark_models_dir() / "multistate.net")}

    def __init__(self):
        super().__init__()
        self.exporters = {"sbml": self._export_sbml, "bngl": self._export_bngl}

    def _export_sbml(self, experiment, out):
        from sim.sbml import write_sbml
        write_sbml(self._network(experiment), out)

    def _export_bngl(self, experiment, out):
        from sim.network import write_bngl
        try:
            write_bngl(self._network(experiment), out)
        except ValueError as exc:
            raise ConfigError(experiment.path, "network.file", experiment.config.network.file,
                              "observables with positive integer weights", str(exc)) from None

    # ------------------------------------------------------------------ input
    def load_file(self, path) -> Experiment:
        """An experiment with default settings for a ``.net`` file."""
        path = Path(path).resolve()
        read_network(path)   # a ConfigError names the file, line or reaction and the rule
        return Experiment(model=self.name, name=path.stem,
                          description=f"SSA ensemble of the BioNetGen network {path.name}",
                          seed=0, config=NetworkConfig(network=NetworkSection(file=str(path))),
                          path=str(path), text=_toml_text(path, path.stem))

    def _network(self, experiment):
        cfg = experiment.config.network
        p = Path(cfg.file)
        if not p.is_absolute() and experiment.path:
            p = Path(experiment.path).parent / p
        try:
            net = read_network(p)
        except ConfigError as exc:
            raise ConfigError(experiment.path, "network.file", cfg.file, exc.allowed,
                              str(exc)) from None
        unknown = [o for o in cfg.observables if o not in net.observables]
        if unknown:
            raise ConfigError(experiment.path, "network.observables", unknown[0],
                              "one of " + (", ".join(net.observables) or "(the file has no "
                                           "groups)"), "unknown observable")
        return net

    # ------------------------------------------------------------------ run
    def _check_work(self, experiment, net) -> None:
        """Refuse, before any work, a run whose first-order work estimate (total
        propensity at the initial state x t_end) exceeds the event budget, or whose
        initial propensity is not finite."""
        from sim.network import propensity_reference
        cfg = experiment.config.network
        with np.errstate(over="ignore", invalid="ignore"):
            a = propensity_reference(net, net.initial)
            a0 = float(np.sum(a))
        if not math.isfinite(a0):
            r = int(np.argmax(~np.isfinite(a)))
            raise ConfigError(experiment.path, "network.file", cfg.file,
                              "rate constants and counts whose propensities are finite",
                              f"the propensity of reaction {r + 1} is {a[r]} at the initial "
                              "state (rate constant x molecule counts overflow)")
        estimate = a0 * cfg.t_end_s
        if estimate > cfg.max_events:
            raise ConfigError(experiment.path, "network.t_end_s", cfg.t_end_s,
                              f"t_end_s <= {cfg.max_events / a0:.3g} for the budget "
                              f"network.max_events = {cfg.max_events:,} (or a larger "
                              "network.max_events)",
                              f"work estimate ~{estimate:.3g} events per trajectory (total "
                              f"propensity {a0:.3g} per time unit at the initial state x "
                              f"t_end_s), ~{estimate * cfg.n_trajectories:.3g} events for "
                              f"{cfg.n_trajectories} trajectories")

    def run(self, experiment, progress=None) -> Result:
        import time

        from sim.ssa import auto_method, simulate

        cfg = experiment.config.network
        net = self._network(experiment)
        weights = net.observable_matrix()
        names = list(net.observables)
        if cfg.observables:
            keep = [names.index(o) for o in cfg.observables]
            weights, names = weights[keep], [names[i] for i in keep]
        if cfg.record_species or not names:
            weights = np.vstack([weights, np.eye(net.n_species)]) if names else np.eye(net.n_species)
            names = names + [f"species/{i + 1}" for i in range(net.n_species)]
        compiled = net.compile().with_observables(weights)
        if cfg.method == "ode":
            return self._run_ode(experiment, net, compiled, names)
        self._check_work(experiment, net)
        method = cfg.method
        if method == "auto":
            method = auto_method(net.n_reactions)
        times = np.linspace(0.0, cfg.t_end_s, cfg.n_times)
        t0 = time.perf_counter()
        ens = simulate(compiled, times, cfg.n_trajectories, seed=experiment.seed, method=method,
                       max_events=cfg.max_events)
        wall = time.perf_counter() - t0
        if np.any(ens.stopped):
            i = int(np.argmax(ens.stopped))
            reached = times[~np.isnan(ens.values[i, :, 0])] if ens.values.shape[2] else times[:1]
            t_stop = float(reached[-1]) if reached.size else 0.0
            raise ConfigError(experiment.path, "network.max_events", cfg.max_events,
                              "an event budget the network reaches t_end_s within (or a "
                              "shorter network.t_end_s)",
                              f"trajectory {i} used up its budget of {cfg.max_events:,} events "
                              f"before t = {cfg.t_end_s:g} (last output time reached: "
                              f"{t_stop:g}; {int(np.sum(ens.stopped > 0))} of "
                              f"{cfg.n_trajectories} trajectories stopped): the propensities "
                              "grow faster than the budget allows; no result was written")

        res = Result(model=self.name, solver={
            "method": method, "n_trajectories": cfg.n_trajectories, "seed": experiment.seed,
            "rng": "xoshiro256** per trajectory (sim.rng)", "network_file": str(net.source),
            "propensity": "c * prod falling factorials (BioNetGen .net convention)"})
        res.add("time", times, "model time unit", "output times")
        for k, name in enumerate(names):
            vals = ens.values[:, :, k]
            label = name if name.startswith("species/") else f"observables/{name}"
            res.add(label, vals, "molecules", f"{name}: every trajectory (trajectory, time)")
            if not name.startswith("species/"):
                res.add(f"mean/{name}", vals.mean(axis=0), "molecules", f"ensemble mean of {name}")
                res.add(f"sd/{name}", vals.std(axis=0, ddof=1) if vals.shape[0] > 1
                        else np.zeros(vals.shape[1]), "molecules", f"ensemble s.d. of {name}")
        if cfg.record_species:
            res.add("species_names", np.array(net.species, dtype=object), "",
                    "species names, in the order of species/<index>")
        res.add("events", ens.events, "", "reaction events per trajectory")
        res.note("n_species", net.n_species, "", "species in the network")
        res.note("n_reactions", net.n_reactions, "", "reactions in the network")
        res.note("events_per_trajectory", float(ens.events.mean()), "", "mean reaction events")
        res.note("ns_per_event", float(1e9 * wall / max(ens.events.sum(), 1)), "ns",
                 "wall time per event, all threads together (compilation included on a first "
                 "run)")
        res.attrs["observable_names"] = [n for n in names if not n.startswith("species/")]
        return res

    def _run_ode(self, experiment, net, compiled, names) -> Result:
        """method = "ode": the deterministic mass-action rate equations (sim.ode)."""
        import time

        from sim.ode import integrate
        cfg = experiment.config.network
        times = np.linspace(0.0, cfg.t_end_s, cfg.n_times)
        t0 = time.perf_counter()
        try:
            sol = integrate(compiled, times, rtol=cfg.ode_rtol, atol=cfg.ode_atol)
        except RuntimeError as exc:
            raise ConfigError(experiment.path, "network.method", "ode",
                              "a network the stiff solver integrates to t_end_s (or the "
                              "stochastic methods)", str(exc)) from None
        wall = time.perf_counter() - t0
        res = Result(model=self.name, solver={
            "method": "ode", "integrator": "scipy BDF, sparse Jacobian (sim.ode)",
            "rtol": cfg.ode_rtol, "atol": cfg.ode_atol, "network_file": str(net.source),
            "rate_law": "c * prod x^m (deterministic mass action, .net rate constants)",
            **{k: v for k, v in sol.stats.items() if k not in ("rtol", "atol", "method")}})
        res.add("time", times, "model time unit", "output times")
        for k, name in enumerate(names):
            vals = sol.observables[None, :, k]
            label = name if name.startswith("species/") else f"observables/{name}"
            res.add(label, vals, "molecules", f"{name}: deterministic solution (1, time)")
            if not name.startswith("species/"):
                res.add(f"mean/{name}", vals[0], "molecules", f"{name} (rate equations)")
                res.add(f"sd/{name}", np.zeros(times.size), "molecules",
                        "zero: deterministic solution")
        res.note("n_species", net.n_species, "", "species in the network")
        res.note("n_reactions", net.n_reactions, "", "reactions in the network")
        res.note("ode_wall_s", wall, "s", "integration wall time (compilation included on a "
                 "first run)")
        res.attrs["observable_names"] = [n for n in names if not n.startswith("species/")]
        return res

    def plot(self, result, path):
        """Mean ± sd of up to 12 observables with five trajectories each (Figure, PNG + SVG)."""
        from sim.plotting import figure, save

        names = [k[len("mean/"):] for k in result.arrays if k.startswith("mean/")][:12]
        if not names:
            return None
        n = len(names)
        cols = min(3, n)
        rows = math.ceil(n / cols)
        fig, axes = figure(4.2 * cols, 3.0 * rows, ncols=cols, nrows=rows)
        axes = np.atleast_1d(axes).ravel()
        t = result["time"]
        t_unit = result.arrays["time"].unit or "model time unit"
        for ax, name in zip(axes, names):
            m, s = result[f"mean/{name}"], result[f"sd/{name}"]
            traj = result[f"observables/{name}"]
            for k, row in enumerate(traj[:5]):
                ax.plot(t, row, lw=0.6, alpha=0.5, color="0.5",
                        label="trajectories" if k == 0 else None)
            ax.fill_between(t, m - s, m + s, alpha=0.3, color="C0", label="mean ± sd")
            ax.plot(t, m, color="C0", lw=1.5)
            ax.set_title(name, fontsize=9)
            ax.set_xlabel(f"time ({t_unit})")
            ax.set_ylabel("count (molecules)")
        axes[0].legend(fontsize=7)
        for ax in axes[n:]:
            ax.axis("off")
        save(fig, path)
        return fig

    # ------------------------------------------------------------------ validation
    def validate(self, quick: bool = False, progress=None) -> list[Row]:
        rows = analytic_rows(quick)
        from sim.bionetgen import tools_available
        if tools_available() and BENCHMARK_MODELS.exists():
            rows += bionetgen_rows("multistate", 10.0, quick)
            rows += bionetgen_rows("multisite2", 2.0 if quick else 5.0, quick)
        return rows


# ----------------------------------------------------------------------------- validation

def _z_row(experiment, quantity, ref, ours, se, k=3.0) -> Row:
    dev = ours - ref
    z = dev / se if se > 0 else (0.0 if dev == 0 else math.inf)
    return Row("network", experiment, quantity, float(f"{ref:.6g}"), float(f"{ours:.6g}"),
               f"{dev:+.3g} ({z:+.2f} SE)", f"<= {k:g} SE ({k * se:.3g})",
               bool(abs(dev) <= k * se), kind="check")


def _var_se(x: np.ndarray) -> float:
    """Standard error of the sample variance of x (fourth-moment formula)."""
    n = x.size
    d = x - x.mean()
    m2 = np.mean(d**2)
    m4 = np.mean(d**4)
    return float(math.sqrt(max(m4 - m2**2 * (n - 3) / (n - 1), 0.0) / n))


def analytic_rows(quick: bool = False) -> list[Row]:
    """Exact laws: first-order decay (binomial) and birth–death (stationary Poisson)."""
    from sim.network import from_reactions
    from sim.ssa import METHODS, simulate

    n = 2000 if quick else 20000
    rows = []
    k, n0 = 0.2, 500
    decay = from_reactions(["A"], [n0], [(("A",), (), k)], observables={"A": ["A"]}).compile()
    t = math.log(2) / k
    p = 0.5
    for method in METHODS:
        res = simulate(decay, np.array([t]), n, seed=101, method=method)
        rows.append(_z_row("decay A->0, k=0.2/s, n0=500", f"mean A at t1/2 [{method}]", n0 * p,
                           float(res.mean[0, 0]), math.sqrt(n0 * p * (1 - p) / n)))
    kb, kd = 50.0, 1.0
    bd = from_reactions(["X"], [0], [((), ("X",), kb), (("X",), (), kd)],
                        observables={"X": ["X"]}).compile()
    lam = kb / kd
    for method in METHODS:
        res = simulate(bd, np.array([30.0]), n, seed=202, method=method)
        x = res.values[:, 0, 0]
        rows.append(_z_row("birth-death 0->X 50/s, X->0 1/s", f"stationary mean [{method}]",
                           lam, float(x.mean()), math.sqrt(lam / n)))
        rows.append(_z_row("birth-death 0->X 50/s, X->0 1/s", f"stationary variance [{method}]",
                           lam, float(x.var(ddof=1)), math.sqrt((lam + 2 * lam**2) / n)))
    return rows


def bionetgen_ensemble(net_path: Path, t_end: float, n_steps: int, n_runs: int,
                       seed0: int = 1) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``n_runs`` run_network SSA trajectories: (observable names, times, values[run, time, obs])."""
    import tempfile

    from sim.network import run_network_ssa

    out = []
    with tempfile.TemporaryDirectory(prefix="nanokin_bngens_") as wd:
        for i in range(n_runs):
            header, data, _, _ = run_network_ssa(net_path, t_end, n_steps, seed0 + i, workdir=wd)
            out.append(data[:, 1:])
    return header[1:], data[:, 0], np.array(out)


def bionetgen_rows(name: str, t_end: float, quick: bool, n_runs: int | None = None,
                   n_ours: int | None = None) -> list[Row]:
    """Means and variances of every observable at t_end/5, 3 t_end/5 and t_end: nanokin's SSA
    (both methods) against BioNetGen's run_network SSA, within 3 SE."""
    from sim.network import read_net
    from sim.ssa import METHODS, simulate

    path = BENCHMARK_MODELS / f"{name}.net"
    n_runs = n_runs or (150 if quick else 400)
    n_ours = n_ours or (600 if quick else 2000)
    obs, times, ref = bionetgen_ensemble(path, t_end, 5, n_runs)
    pick = [1, 3, 5]
    net = read_net(path)
    compiled = net.compile()
    rows = []
    for method in METHODS:
        ens = simulate(compiled, times, n_ours, seed=303, method=method)
        for j in pick:
            for o, oname in enumerate(obs):
                a, b = ref[:, j, o], ens.values[:, j, o]
                exp = f"{name} vs BioNetGen SSA ({n_runs} runs), t={times[j]:g} [{method}, {n_ours}]"
                se_m = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
                rows.append(_z_row(exp, f"mean {oname}", float(a.mean()), float(b.mean()), se_m))
                se_v = math.hypot(_var_se(a), _var_se(b))
                rows.append(_z_row(exp, f"variance {oname}", float(a.var(ddof=1)),
                                   float(b.var(ddof=1)), se_v))
    return rows


MODEL = NetworkModel()
