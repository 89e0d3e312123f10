"""The photodoping Model: run an experiment, and the reference observables and checks."""
from __future__ import annotations

import numpy as np

from kinetics.photodoping import checks as _checks
from kinetics.photodoping.config import PhotodopingConfig
from kinetics.photodoping.observables import (dd_spectrum, intermediate_state,
                                              reference_observables_batch, simulated_plateau,
                                              t_fraction)
from kinetics.photodoping.parameters import (TABLE, couple_potential_V_vs_NHE, irradiance_mW_cm2,
                                             mass_conc_ug_per_mL, material_of, quencher_of,
                                             reference_unit, reference_V_vs_NHE)
from kinetics.photodoping.plots import plot as _plot
from kinetics.photodoping.solve import ensemble, simulate, stationary_potential_V
from sim.model import Model
from sim.store import Result


class PhotodopingModel(Model):
    name = "photodoping"
    config_class = PhotodopingConfig
    parameters = TABLE
    # The likelihood needs only the three photostationary plateaus (compiled detailed balance,
    # ~0.5 ms a parameter set on one core).  The Auger rate is prior-dominated with a curved
    # tail against k0 (integrated autocorrelation ~200 steps), hence the long chains.
    fit_settings = {"walkers": 24, "steps": 15000, "quick": False}

    def parameter_values(self, experiment) -> dict[str, float]:
        """table <- fit, then the material preset's own numbers (every material but the one
        the table is calibrated on), then the file's [parameters]."""
        cfg = experiment.config
        values = self.parameters.values({})
        mat = material_of(cfg)
        if not mat.parameters_from_table:
            values.update(mat.parameters)
        values.update(getattr(experiment, "parameters", None) or {})
        return values

    def run(self, experiment, progress=None) -> Result:
        cfg = experiment.config
        values = self.parameter_values(experiment)
        methods = ["master", "kmc"] if cfg.solver.method == "both" else [cfg.solver.method]
        res = Result(model=self.name, solver={
            "method": cfg.solver.method, "max_states": cfg.solver.max_states,
            "rtol": cfg.solver.rtol, "atol": cfg.solver.atol,
            "integrator": "TR-BDF2, step doubling (sim.master)",
            "kmc": "Gillespie direct method, one xoshiro256** stream per particle"})
        main = None
        for method in methods:
            traj = simulate(cfg, values, experiment.seed, method)
            ens = ensemble(cfg, values, traj)
            prefix = "" if main is None else "kmc/"
            if main is None:
                main = (traj, ens)
            self._record(res, traj, ens, prefix, reference_unit(cfg))
        traj, ens = main
        t = traj.times_s
        res.add("time", t, "s", "illumination time")
        res.add("time_min", t / 60.0, "min", "illumination time")
        if material_of(cfg).kind == "mil125":
            nu, spec_ = dd_spectrum(cfg, values, ens["electrons_per_node"])
            res.add("dd_wavenumber", nu, "cm^-1", "wavenumber of the d-d spectrum")
            res.add("dd_absorbance", spec_, "absorbance",
                    "Ti3+ d-d absorbance (times x wavenumbers), Gaussian bands")
            res.add("node_state_fraction", ens["node_state_fractions"], "fraction",
                    "fraction of nodes holding k H+-e- pairs (times x k = 0..K)")
            inter, fin = intermediate_state(ens["node_state_fractions"])
            res.note("intermediate_pairs_per_node", inter, "pairs",
                     "purest node charge state on the way to the final one (set by the "
                     "ladder input: parameters ladder_*)")
            res.note("intermediate_peak_fraction",
                     float(ens["node_state_fractions"][:, inter].max()) if inter >= 0 else 0.0,
                     "fraction", "largest fraction of nodes in the intermediate state")
            res.note("final_dominant_pairs_per_node", fin, "pairs", "dominant state at t_end")
        x = ens["electrons_per_particle"]
        final = ens["stationary_electrons_per_particle"]
        ref, fc = cfg.sample.reference_electrode, reference_V_vs_NHE(cfg)
        unit = reference_unit(cfg)
        res.note("E_oc_final", float(ens["E_oc_V_vs_ref"][-1]), unit,
                 f"E_F at t_end, vs {ref} ({fc:+.3f} V vs NHE in {cfg.sample.solvent}, "
                 "inputs/data/reference_electrodes.toml)")
        res.note("E_oc_photostationary", stationary_potential_V(cfg, values, traj) - fc,
                 unit, f"E_F of the photostationary charge, vs {ref}")
        res.note("back_reaction_couple_potential",
                 couple_potential_V_vs_NHE(cfg, values), "V vs NHE",
                 f"{quencher_of(cfg).product}/{cfg.quencher.name} couple (pins E_F)")
        irr = irradiance_mW_cm2(cfg, values)
        res.note("irradiance_mW_cm2", irr, "mW cm^-2",
                 "from [light] power_mW / area_cm2" if cfg.light.power_mW is not None else
                 "not stated in the file: nuisance parameter irradiance_mW_cm2")
        res.note("colloid_conc_ug_per_mL", mass_conc_ug_per_mL(cfg, values), "ug/mL",
                 "from [sample] mass_conc_ug_per_mL" if cfg.sample.mass_conc_ug_per_mL is not None
                 else "not stated in the file: nuisance parameter colloid_conc_ug_per_mL")
        if irr > 0.0:
            from sim.config import replace
            up, down = (simulated_plateau(replace(cfg, **{"light.power_mW": irr * f,
                                                          "light.area_cm2": 1.0}),
                                          values, max_states=cfg.solver.max_states)
                        for f in (10.0, 0.1))
            res.note("E_oc_shift_per_decade_light", 1000.0 * (up - down) / 2.0, "mV",
                     "prediction: photostationary E_oc change per tenfold light power")
        res.note("E_F_final", float(ens["E_F_V_vs_NHE"][-1]), "V vs NHE", "E_F at t_end")
        res.note("electrons_per_node_final", float(ens["electrons_per_node"][-1]), "e-/node",
                 "at t_end (per nm^3 for an oxide: see electrons_per_nm3_final)")
        res.note("electrons_per_nm3_final", float(ens["electrons_per_nm3"][-1]), "nm^-3",
                 "at t_end")
        res.note("electrons_per_particle_stationary", float(final), "e-",
                 "photostationary mean (detailed balance of the chain)")
        t90 = t_fraction(t, x, final)
        res.note("t90_s", t90, "s", "time to 90 % of the photostationary charge")
        if not np.isfinite(t90) or not final > 0.0:
            res.note("t90_s", float("nan"), "s", "time to 90 % of the photostationary charge")
            reasons = dict(getattr(res, "reasons", None) or {})
            reasons["t90_s"] = (
                "undefined: no photostationary charge (no light, no quencher or no absorption)"
                if not final > 0.0 else
                f"undefined: the charge stays below 90 % of the photostationary "
                f"{final:.3g} e- per particle until t_end = {t[-1]:g} s")
            res.reasons = reasons
        res.note("sites_per_particle", int(traj.classes[0].sites), "e-",
                 "capacity of the (first) size class")
        res.note("coarse_graining", int(max(pc.lump for pc in traj.classes)), "e-/step",
                 "electrons per chain step (1 = exact)")
        res.solver["steps"] = traj.steps
        res.solver["kmc_events"] = traj.events
        return self.stamp(res, values)

    @staticmethod
    def _record(res, traj, ens, prefix, unit):
        res.add(prefix + "electrons_per_particle", ens["electrons_per_particle"], "e-",
                "mean stored electrons per particle")
        res.add(prefix + "electrons_per_node", ens["electrons_per_node"], "e-/node",
                "stored H+-e- pairs per acceptor unit (Ti8 node; nm^3 for an oxide)")
        res.add(prefix + "electrons_per_nm3", ens["electrons_per_nm3"], "nm^-3",
                "stored electrons per nm^3 of particle")
        res.add(prefix + "E_F_vs_NHE", ens["E_F_V_vs_NHE"], "V vs NHE",
                "Fermi level = open-circuit potential E_oc, vs NHE")
        res.add(prefix + "E_oc", ens["E_oc_V_vs_ref"], unit,
                "E_oc vs the experiment's reference electrode")
        res.add(prefix + "bleach_fraction", ens["bleach_fraction"], "fraction",
                "bleached fraction of the band-edge absorption")
        if traj.sem_electrons is not None:
            res.add(prefix + "electrons_per_particle_sem", traj.sem_electrons, "e-",
                    "standard error of the kMC ensemble mean")
        res.add(prefix + "class_diameter", np.array([pc.diameter_nm for pc in traj.classes]),
                "nm", "diameter of each size class")
        res.add(prefix + "class_weight", traj.weights, "fraction", "number fraction per class")

    def plot(self, result, path=None):
        return _plot(result, path)

    def report_figures(self, quick: bool = False) -> list:
        """E_oc vs time of the three MIL-125 sizes of seed 000 with the measured plateaus
        (MAP line; 90 % band over posterior draws unless ``quick``)."""
        from kinetics.photodoping.observables import eoc_curves
        from kinetics.photodoping.plots import eoc_vs_time_figure
        from sim.plotting import ReportFigure

        n_draws = 0 if quick else 8
        values = [self.parameters.values()] + self.parameters.draws(n_draws, seed=0)
        runs = [eoc_curves(v, quick) for v in values]
        curves = {d: runs[0][d] for d in runs[0]}
        bands = ({d: (runs[0][d][0], np.array([r[d][1] for r in runs[1:]])) for d in runs[0]}
                 if n_draws else None)
        measured = {o.experiment: o.value for o in self.observations()
                    if o.id.startswith("eoc_plateau_")}
        from kinetics.photodoping.observables import PLATEAU_FILES
        meas = {d: measured[f[:-5]] for d, f in PLATEAU_FILES.items() if f[:-5] in measured}
        fig = eoc_vs_time_figure(curves, meas, "V vs Fc+/0", bands)
        return [ReportFigure(
            "MIL-125 photodoping: E_oc vs time for 25, 87 and 495 nm particles", fig,
            "Neat methanol, 308 nm LED (seed 000, Fig. 3a and text). Open circles: the "
            "measured photostationary plateaus (-0.89, -0.95, -0.97 V vs Fc+/0; Fc+/0 taken "
            "at +0.63 V vs NHE, inputs/data/reference_electrodes.toml). Lines: master "
            "equation at the MAP" + (f"; bands: 90 % over {n_draws} posterior draws."
                                     if n_draws else " (quick: no band)."))]

    # ------------------------------------------------------------------ calibration interface
    def observables(self, values, ids, quick: bool = False) -> dict:
        return reference_observables_batch([values], ids, quick)[0]

    def observables_batch(self, values_list, ids, quick: bool = False) -> list[dict]:
        return reference_observables_batch(list(values_list), ids, quick)

    def checks(self, quick: bool = False, progress=None, values=None) -> list:
        """Self-checks at ``values`` (default: the table with the recorded fit)."""
        return _checks.all_checks(values if values is not None else self.parameters.values(),
                                  quick, progress)


MODEL = PhotodopingModel()
