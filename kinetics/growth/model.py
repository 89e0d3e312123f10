"""The growth model object: config, parameter table, run, plot, observables and checks."""
from __future__ import annotations

from sim.model import Model

from kinetics.growth.config import GrowthConfig
from kinetics.growth.parameters import PARAMETERS


class GrowthModel(Model):
    name = "growth"
    config_class = GrowthConfig
    parameters = PARAMETERS
    # One posterior evaluation runs the 17 distinct syntheses of the fitted rows in one
    # parallel kernel call (~0.3-0.5 s).  The MAP search starts (optimiser start only, not a
    # prior) at the MAP of the previous 20 x 30 fit (log posterior -52.5), itself reached from
    # a search started at log_k_cap 4, log_csat_ref_M -5.3, k_dmf 2e-6.  A bounded Powell
    # search started in the growth regime (log_nuc_prefactor 26, log_csat_ref_M -5,
    # s_solubility_per_nu 2, log_k_cap 5, k_dmf 1e-5: sizes of 18-30 nm, log posterior -637)
    # climbed back to the nucleation-clamped regime of this MAP and stopped lower (-55.2), so
    # the start is not what keeps the fitted sizes small (growth_observations.toml, note of
    # precursor_ome_d).  75 steps: a longer chain than the previous 30 for the ESS.
    fit_settings = {"walkers": 20, "steps": 75, "map_maxfev": 150,
                    "map_start": {"k_dmf_hydrolysis_M_s": 1.4822764445229942e-07,
                                  "log_k_cap": 4.415036688733026,
                                  "contact_energy_J_mol": 1496.4898412155771,
                                  "log_nuc_prefactor": 33.79640144140973,
                                  "log_csat_ref_M": -5.734455682020131,
                                  "s_solubility_per_nu": 14.999387154764873,
                                  "h_sol_J_mol": 33489.00135802917,
                                  "water_solubility_exponent": 0.029028116798982352,
                                  "ambient_water_vol_percent": 0.22378355392865207}}

    def run(self, experiment, progress=None):
        from kinetics.growth.export import result_of
        from kinetics.growth.simulation import simulate

        values = self.parameter_values(experiment)
        sim = simulate(experiment.config.synthesis, values, experiment.config.numerics)
        return self.stamp(result_of(experiment, sim), values)

    def plot(self, result, path):
        from kinetics.growth.plots import plot
        return plot(result, path)

    def summaries(self, experiments, quantities=None, values_list=None) -> list:
        """One :class:`sim.model.PointSummary` per experiment from one call of the parallel
        sweep kernel (each experiment's own numerics, max_classes included); the simulated
        PXRD and Scherrer size only when a PXRD quantity is asked for."""
        from kinetics.growth.summaries import summaries
        return summaries(self, experiments, quantities, values_list)

    def report_figures(self, quick: bool = False) -> list:
        from kinetics.growth.figures import report_figures
        return report_figures(self, quick=quick)

    def observables(self, values, ids, quick: bool = False) -> dict:
        return self.observables_batch([values], ids, quick=quick)[0]

    def observables_batch(self, values_list, ids, quick: bool = False) -> list[dict]:
        from kinetics.growth.observables import observables_batch
        return observables_batch(values_list, ids, quick=quick)

    def checks(self, quick: bool = False, progress=None) -> list:
        from kinetics.growth.checks import checks
        return checks(self.parameters.values())


MODEL = GrowthModel()
