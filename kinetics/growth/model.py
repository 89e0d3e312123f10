"""The growth model object: config, parameter table, run, plot, observables and checks."""
from __future__ import annotations

from sim.model import Model

from kinetics.growth.config import GrowthConfig
from kinetics.growth.parameters import PARAMETERS


class GrowthModel(Model):
    name = "growth"
    config_class = GrowthConfig
    parameters = PARAMETERS
    # One posterior evaluation runs 17 syntheses.  The MAP search starts (optimiser start
    # only, not a prior) from the least-squares point in use at commit 8695f80 (its four
    # fitted values and the old fixed values of the parameters now free), where the runs
    # take 1e3-5e3 steps; at the prior centre they make ~7 nm particles and need ~6e4
    # steps each (about 15x the cost).  At ~7 evaluations/s on one core, 200 MAP
    # evaluations + 20 walkers x 100 steps (2158 evaluations) took 296 s of CPU; the
    # chain is then far shorter than 50 autocorrelation times (more --steps to converge).
    fit_settings = {"walkers": 20, "steps": 100, "map_maxfev": 200,
                    "map_start": {"base_M": 0.431, "log_k_cap": 2.43, "log_csat_ref_M": -4.50,
                                  "s_solubility_per_nu": 3.65, "log_nuc_prefactor": 28.0,
                                  "h_sol_J_mol": 60e3, "water_solubility_exponent": 1.0,
                                  "cap_ratio_alkyl": 0.25, "ambient_water_vol_percent": 0.5}}

    def run(self, experiment, progress=None):
        from kinetics.growth.export import result_of
        from kinetics.growth.simulation import simulate

        values = self.parameter_values(experiment)
        sim = simulate(experiment.config.synthesis, values, experiment.config.numerics)
        return self.stamp(result_of(experiment, sim), values)

    def plot(self, result, path) -> None:
        from kinetics.growth.plots import plot
        plot(result, path)

    def observables(self, values, ids, quick: bool = False) -> dict:
        return self.observables_batch([values], ids, quick=quick)[0]

    def observables_batch(self, values_list, ids, quick: bool = False) -> list[dict]:
        from kinetics.growth.observables import observables_batch
        return observables_batch(values_list, ids, quick=quick)

    def checks(self, quick: bool = False, progress=None) -> list:
        from kinetics.growth.checks import checks
        return checks(self.parameters.values())


MODEL = GrowthModel()
