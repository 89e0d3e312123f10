"""The ligand-exchange model object: run, plot, reference observables and self-checks."""
from __future__ import annotations

import numpy as np

from sim.model import Model
from sim.store import Result

from .config import LigandExchangeConfig
from .export import write_bngl
from .observables import NAME, fractions, observe, reference_values
from .parameters import PARAMETERS, START
from .plots import plot_compositions
from .system import build_system, cluster_conc_mM, estimate_events, simulate

ELECTRON_MASS = 5.48579909e-4  # g/mol


class LigandExchangeModel(Model):
    name = NAME
    config_class = LigandExchangeConfig
    parameters = PARAMETERS
    #: `nanokin fit ligand_exchange`: 12 free parameters -> 26 walkers (emcee's minimum 2k+2);
    #: quick ensembles (observables.QUICK_ENSEMBLES, ~0.4-0.7 s per evaluation on one core).
    #: The MAP search starts from the values in use before the calibration (START), not from
    #: the prior centres, where no PDT bridges.  Bounded Powell needs about 15 evaluations per
    #: line search, so one sweep over the 12 directions costs ~180 evaluations: with 60 (the
    #: first calibration) it moved only k_core_M_s, apex_factor and aliphatic_leaving and
    #: stopped at log posterior -1970; 300 evaluations and one restart (fresh directions) give
    #: every parameter at least one line search.  The likelihood is a deterministic function of
    #: the parameters (common random numbers: every reference experiment runs with its file's
    #: seed).  The emcee chain stays short (26 x 20), far from 1000 effective samples (run more
    #: --steps for that).
    fit_settings = {"walkers": 26, "steps": 20, "burn": 6, "quick": True, "map_maxfev": 300,
                    "map_restarts": 1, "map_start": START}
    #: the predictive intervals of `nanokin validate` come from the quick ensembles: the full
    #: 4000-cluster runs take ~100 s per parameter set
    interval_quick = True

    def __init__(self):
        self.exporters = {"bngl": lambda exp, out: write_bngl(exp, out)}

    # ---------------------------------------------------------------- run
    def run(self, experiment, progress=None) -> Result:
        import sys
        import warnings

        from sim.config import ConfigError

        cfg = experiment.config
        values = self.parameter_values(experiment)
        try:
            sysm = build_system(cfg, values)
        except ValueError as exc:
            raise ConfigError(experiment.path, "cluster.structure_file", cfg.cluster.structure_file,
                              "an M25(SR)18 structure with 12 core and 6 apex S sites and a C3 triple "
                              "of inter-staple pairs to bridge", str(exc)) from None
        t_end_s = 60.0 * float(cfg.conditions.times_min[-1])
        n = cfg.solver.n_clusters
        est = estimate_events(sysm, n, t_end_s)
        if not est <= cfg.solver.max_work_events:
            raise ConfigError(experiment.path, "solver.max_work_events", cfg.solver.max_work_events,
                              f"at least the estimated work, {est:.3g} events (about {est * 1e-6:.3g} s at "
                              "1 us per event), or a smaller n_clusters / last time / reagent excess",
                              f"the run of {n} clusters to {cfg.conditions.times_min[-1]:g} min needs about "
                              f"{est:.3g} events")
        bar = None
        if progress is None:
            progress = sys.stderr.isatty()
        if progress:
            from sim.progress import progress as _progress
            bar = _progress(total=round(t_end_s / 60.0, 6), desc=f"{experiment.name}: simulated time",
                            unit="min")

            def tick(t_s, bar=bar):
                bar.n = round(t_s / 60.0, 6)
                bar.refresh()
        reached: list = []
        try:
            sysm, times_s, counts, links, conc, events = simulate(
                cfg, values, seed=experiment.seed, progress=tick if bar is not None else None,
                reached=reached)
        finally:
            if bar is not None:
                bar.close()
        n_reached = reached[0]
        T = len(times_s)
        if n_reached < T:
            warnings.warn(f"{experiment.path}: solver.max_events = {cfg.solver.max_events} reached at "
                          f"{times_s[max(n_reached - 1, 0)] / 60.0:g} min; the output times "
                          f"{', '.join(f'{x / 60.0:g}' for x in times_s[n_reached:])} min were not "
                          "reached and are stored as missing (NaN)", RuntimeWarning, stacklevel=2)
        # only the reached output times are analysed; the others become NaN rows
        obs = observe(sysm, times_s[:n_reached], counts[:n_reached], links[:n_reached],
                      centre=cfg.cluster.centre)

        def pad(x):
            x = np.asarray(x, float)
            return np.concatenate([x, np.full((T - x.shape[0],) + x.shape[1:], np.nan)]) if x.shape[0] < T else x

        res = Result(model=self.name, solver={
            "method": "network-free direct-method SSA over a cluster population (binary sum trees)",
            "n_clusters": int(counts.shape[1]), "events": int(events), "rng": "xoshiro256** (sim.rng)",
            "cluster_conc_mM": cluster_conc_mM(cfg, values),
            "rearrangement": bool(cfg.mechanism.rearrangement),
            "bridge_pair_kinds": list(cfg.solver.bridge_pair_kinds), "centre": cfg.cluster.centre})
        times_min = times_s / 60.0
        res.add("time_min", times_min, "min", "output times")
        code = sysm.code_names()
        res.add("code_names", np.array(code, dtype=object), "", "ligand states per site, in column order")
        res.add("mean_sites", pad(obs["mean_counts"]), "sites per cluster", "mean sites per cluster in each state")
        res.add("sem_sites", pad(obs["sem_counts"]), "sites per cluster", "standard error of mean_sites")
        res.add("bridged_mean", pad(obs["bridged"].mean(axis=1)), "per cluster", "bridged dithiols per cluster")
        res.add("dangling_mean", pad(obs["dangling"].mean(axis=1)), "per cluster", "dangling dithiols per cluster")
        res.add("crosslinked_fraction", pad(obs["crosslinked_fraction"]), "1",
                "clusters with an inter-cluster link (insoluble)")
        res.add("soluble_fraction", 1.0 - pad(obs["crosslinked_fraction"]), "1", "clusters without a link")
        res.add("bridged_soluble_fraction", pad(obs["bridged_soluble_fraction"]), "1",
                "soluble clusters with at least one bridge")
        res.add("free_conc_M", pad(conc[:n_reached]), "M",
                "free reagent concentrations; columns: " + ", ".join(sysm.mono + sysm.di))
        all_labels = sorted({str(x) for pt in obs["per_time"] for x in pt["labels"]})
        frac = np.zeros((n_reached, len(all_labels)))
        pos = {k: q for q, k in enumerate(all_labels)}
        mass = np.zeros(len(all_labels))
        for j, pt in enumerate(obs["per_time"]):
            for lab, f in fractions(pt["labels"]).items():
                frac[j, pos[lab]] = f
            for lab, m in zip(pt["labels"], pt["mass"]):
                mass[pos[str(lab)]] = m
        res.add("species", np.array(all_labels, dtype=object), "", "composition labels, e.g. PET2TBBT10PDT3 "
                "(PDTH: dangling, PDTx: cross-linked end)")
        res.add("species_fraction", pad(frac), "1", "fraction of all clusters with each composition (time x species)")
        res.add("species_mass", mass, "g/mol", "average molar mass of each composition")
        z = cfg.conditions.ms_charge
        res.add("ms_mz", (mass + z * ELECTRON_MASS) / z, "m/z", f"negative-ion m/z at charge {z}-")
        sol = np.zeros_like(frac)
        for j, pt in enumerate(obs["per_time"]):
            for lab, f in fractions(pt["labels"], pt["soluble"]).items():
                sol[j, pos[lab]] = f
        frac = pad(frac)
        sol = pad(sol)
        res.add("ms_intensity", sol, "1", "simulated mass spectrum: soluble clusters of each composition")
        plot_t = cfg.conditions.plot_times_min or tuple(times_min[1:] if len(times_min) > 1 else times_min)
        idx = [int(np.argmin(np.abs(times_min - t))) for t in plot_t]
        res.add("plot_time_index", np.array(idx), "", "output times shown in the PNG")
        for j, t in enumerate(times_min):
            lead = all_labels[int(np.argmax(frac[j]))] if j < n_reached else "missing (not reached)"
            res.note(f"leading_species_t{t:g}min", lead, "", f"most abundant composition at {t:g} min")
        last = len(times_min) - 1
        res.note("leading_fraction_end", float(np.max(frac[last])), "1",
                 f"fraction of the most abundant composition at {times_min[last]:g} min")
        res.note("bridged_per_cluster_end", float(res["bridged_mean"][last]), "per cluster",
                 f"bridged dithiols per cluster at {times_min[last]:g} min")
        res.note("crosslinked_fraction_end", float(res["crosslinked_fraction"][last]), "1",
                 f"clusters with an inter-cluster link at {times_min[last]:g} min")
        res.note("output_times_reached", int(n_reached), "", f"of {T} output times (max_events)")
        res.note("events", int(events), "", "simulated events")
        return self.stamp(res, values)

    def plot(self, result, path):
        """The composition figure of a run (returned; PNG + SVG beside ``path``)."""
        return plot_compositions(result, path)

    def report_figures(self, quick: bool = False) -> list:
        from .report import report_figures
        return report_figures(self, quick=quick)

    # ---------------------------------------------------------------- reference data
    def observables(self, values: dict, ids, quick: bool = False) -> dict:
        return reference_values([values], list(ids), quick=quick)[0]

    def observables_batch(self, values_list, ids, quick: bool = False) -> list[dict]:
        """All parameter sets of a reference experiment in one parallel kernel call
        (:func:`kinetics.ligand_exchange.system.simulate_many`)."""
        values_list = list(values_list)
        if not values_list:
            return []
        return reference_values(values_list, list(ids), quick=quick)

    def checks(self, quick: bool = False, progress=None) -> list:
        from .checks import self_checks
        return self_checks(self, quick=quick, progress=progress)


MODEL = LigandExchangeModel()
