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
from .system import cluster_conc_mM, simulate

ELECTRON_MASS = 5.48579909e-4  # g/mol


class LigandExchangeModel(Model):
    name = NAME
    config_class = LigandExchangeConfig
    parameters = PARAMETERS
    #: `nanokin fit ligand_exchange`: 12 free parameters -> 26 walkers (emcee's minimum 2k+2);
    #: quick ensembles (observables.QUICK_ENSEMBLES, ~0.4-0.7 s per evaluation on one core), so
    #: 60 + 26 x 20 evaluations take about 6 min: a short chain, far from 1000 effective samples
    #: (run more --steps for that).  The MAP search starts from the values in use before the
    #: calibration (START), not from the prior centres, where no PDT bridges
    fit_settings = {"walkers": 26, "steps": 20, "burn": 6, "quick": True, "map_maxfev": 60,
                    "map_start": START}
    #: the predictive intervals of `nanokin validate` come from the quick ensembles: the full
    #: 4000-cluster runs take ~100 s per parameter set
    interval_quick = True

    def __init__(self):
        self.exporters = {"bngl": lambda exp, out: write_bngl(exp, out)}

    # ---------------------------------------------------------------- run
    def run(self, experiment, progress=None) -> Result:
        cfg = experiment.config
        values = self.parameter_values(experiment)
        try:
            sysm, times_s, counts, links, conc, events = simulate(cfg, values, seed=experiment.seed)
        except ValueError as exc:
            from sim.config import ConfigError
            raise ConfigError(experiment.path, "cluster.structure_file", cfg.cluster.structure_file,
                              "an M25(SR)18 structure with 12 core and 6 apex S sites", str(exc)) from None
        obs = observe(sysm, times_s, counts, links, centre=cfg.cluster.centre)
        res = Result(model=self.name, solver={
            "method": "network-free direct-method SSA over a cluster population (binary sum trees)",
            "n_clusters": int(counts.shape[1]), "events": int(events), "rng": "xoshiro256** (sim.rng)",
            "cluster_conc_mM": cluster_conc_mM(cfg, values),
            "rearrangement": bool(cfg.mechanism.rearrangement),
            "bridge_pair_kinds": list(cfg.solver.bridge_pair_kinds)})
        times_min = times_s / 60.0
        res.add("time_min", times_min, "min", "output times")
        code = sysm.code_names()
        res.add("code_names", np.array(code, dtype=object), "", "ligand states per site, in column order")
        res.add("mean_sites", obs["mean_counts"], "sites per cluster", "mean sites per cluster in each state")
        res.add("sem_sites", obs["sem_counts"], "sites per cluster", "standard error of mean_sites")
        res.add("bridged_mean", obs["bridged"].mean(axis=1), "per cluster", "bridged dithiols per cluster")
        res.add("dangling_mean", obs["dangling"].mean(axis=1), "per cluster", "dangling dithiols per cluster")
        res.add("crosslinked_fraction", obs["crosslinked_fraction"], "1",
                "clusters with an inter-cluster link (insoluble)")
        res.add("soluble_fraction", 1.0 - obs["crosslinked_fraction"], "1", "clusters without a link")
        res.add("bridged_soluble_fraction", obs["bridged_soluble_fraction"], "1",
                "soluble clusters with at least one bridge")
        res.add("free_conc_M", conc, "M",
                "free reagent concentrations; columns: " + ", ".join(sysm.mono + sysm.di))
        all_labels = sorted({str(x) for pt in obs["per_time"] for x in pt["labels"]})
        frac = np.zeros((len(times_min), len(all_labels)))
        pos = {k: q for q, k in enumerate(all_labels)}
        mass = np.zeros(len(all_labels))
        for j, pt in enumerate(obs["per_time"]):
            for lab, f in fractions(pt["labels"]).items():
                frac[j, pos[lab]] = f
            for lab, m in zip(pt["labels"], pt["mass"]):
                mass[pos[str(lab)]] = m
        res.add("species", np.array(all_labels, dtype=object), "", "composition labels, e.g. PET2TBBT10PDT3 "
                "(PDTH: dangling, PDTx: cross-linked end)")
        res.add("species_fraction", frac, "1", "fraction of all clusters with each composition (time x species)")
        res.add("species_mass", mass, "g/mol", "average molar mass of each composition")
        z = cfg.conditions.ms_charge
        res.add("ms_mz", (mass + z * ELECTRON_MASS) / z, "m/z", f"negative-ion m/z at charge {z}-")
        sol = np.zeros_like(frac)
        for j, pt in enumerate(obs["per_time"]):
            for lab, f in fractions(pt["labels"], pt["soluble"]).items():
                sol[j, pos[lab]] = f
        res.add("ms_intensity", sol, "1", "simulated mass spectrum: soluble clusters of each composition")
        plot_t = cfg.conditions.plot_times_min or tuple(times_min[1:] if len(times_min) > 1 else times_min)
        idx = [int(np.argmin(np.abs(times_min - t))) for t in plot_t]
        res.add("plot_time_index", np.array(idx), "", "output times shown in the PNG")
        for j, t in enumerate(times_min):
            lead = all_labels[int(np.argmax(frac[j]))]
            res.note(f"leading_species_t{t:g}min", lead, "", f"most abundant composition at {t:g} min")
        last = len(times_min) - 1
        res.note("leading_fraction_end", float(frac[last].max()), "1",
                 f"fraction of the most abundant composition at {times_min[last]:g} min")
        res.note("bridged_per_cluster_end", float(obs["bridged"][last].mean()), "per cluster",
                 f"bridged dithiols per cluster at {times_min[last]:g} min")
        res.note("crosslinked_fraction_end", float(obs["crosslinked_fraction"][last]), "1",
                 f"clusters with an inter-cluster link at {times_min[last]:g} min")
        res.note("events", int(events), "", "simulated events")
        return self.stamp(res, values)

    def plot(self, result, path) -> None:
        plot_compositions(result, path)

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
