"""The photocatalysis model object: run an experiment, its reference observables and checks."""
from __future__ import annotations

import numpy as np

from kinetics import analysis
from sim.model import Model
from sim.store import Result

from .chemistry import MOLAR_MASS_G_MOL, cd_per_qd
from .checks import run_checks
from .config import PhotocatalysisConfig
from .observables import NAME, evaluate
from .parameters import TABLE
from .perovskite import perovskite_run
from .plots import plot_result
from .chemistry import qd_rates
from .simulate import (kmc_work_estimate, qd_quantum_efficiency, simulate_qd,
                       stern_volmer_static_dynamic)

__all__ = ["PhotocatalysisModel", "MODEL"]


class PhotocatalysisModel(Model):
    name = NAME
    config_class = PhotocatalysisConfig
    parameters = TABLE
    # 12 free parameters on long ridges (photon flux x particle concentration x k_int_decay are
    # not separately identified; the two aggregation parameters trade against each other):
    # 36 walkers x 1500 steps (~54 000 compiled evaluations at ~2.7 ms each, ~2.5 CPU-min)
    # keep the fit near 15 min on a machine shared by several fits (a third of a core);
    # more steps give a larger ESS. The MAP needs Powell restarts to climb the ridges
    fit_settings = {"walkers": 36, "steps": 1500, "quick": False, "map_maxfev": 1500,
                    "map_restarts": 8}

    # -- run
    def run(self, experiment, progress=None) -> Result:
        cfg = experiment.config
        p = self.parameter_values(experiment)
        if cfg.system == "perovskite_pt":
            return self.stamp(self._run_perovskite(cfg, p), p)
        if cfg.solver.method in ("stochastic", "both"):
            self._check_work(experiment, p)
        sim = simulate_qd(cfg, p, experiment.seed)
        r = sim["rates"]
        res = Result(model=self.name, solver={"system": cfg.system, "method": cfg.solver.method,
                                              "n_qd": cfg.solver.n_qd,
                                              "n_streams": cfg.solver.n_streams,
                                              "rtol": cfg.solver.rtol})
        t_h = sim["time_s"] / 3600.0
        res.add("time", t_h, "h", "irradiation time")
        res.add("h2", sim["h2_umol"], "umol", "H2 evolved")
        res.add("h2_per_qd", sim["h2_per_qd"], "molecules", "mean H2 per QD")
        res.add("ton", sim["ton"], "1", "TON vs catalyst")
        res.add("qe", sim["qe_cumulative"], "1", "cumulative quantum efficiency 2 n(H2)/n(photons)")
        res.add("active_fraction", sim["active_fraction"], "1", "QDs not yet aggregated")
        rate = np.gradient(sim["h2_umol"], t_h)
        res.add("rate", rate, "umol h^-1", "H2 evolution rate")
        if "h2_per_qd_kmc" in sim:
            res.add("h2_per_qd_kmc", sim["h2_per_qd_kmc"], "molecules", "stochastic mean H2 per QD")
            res.add("h2_per_qd_kmc_se", sim["h2_per_qd_kmc_se"], "molecules", "standard error")
            res.note("kmc_events", sim["kmc_events"], "1", "Gillespie events")
        # Stern-Volmer titration of this run's QDs (its particle concentration), catalyst
        # from 0 to 20 catalysts per QD: static (bound, Langmuir + Poisson) and dynamic
        # (Smoluchowski encounters of the free catalyst within tau0) quenching
        sv_qd_M = r.qd_M
        c_grid = np.linspace(0.0, 20.0 * sv_qd_M, 11)
        svd = stern_volmer_static_dynamic(c_grid, sv_qd_M, 0.5 * r.diameter_nm, p)
        res.add("stern_volmer/catalyst", c_grid, "M", "catalyst concentration")
        res.add("stern_volmer/I0_over_I", svd["total"], "1",
                f"simulated I0/I (static x dynamic), {sv_qd_M:.3g} M QDs")
        res.add("stern_volmer/I0_over_I_static", svd["static"], "1",
                "static part: catalysts bound before excitation (Langmuir, Poisson)")
        res.add("stern_volmer/I0_over_I_dynamic", svd["dynamic"], "1",
                "dynamic part: diffusional encounters of free catalyst within tau0")
        low = c_grid <= 4.0 * sv_qd_M
        sv = analysis.stern_volmer_intensity(c_grid[low], svd["total"][low], p["qd_lifetime_ns"])
        sv_dyn = analysis.stern_volmer_intensity(c_grid[low], svd["dynamic"][low],
                                                 p["qd_lifetime_ns"])
        res.note("stern_volmer_K", sv.K_SV_per_M, "M^-1",
                 "K_SV fitted to the simulated I0/I up to 4 catalysts per QD "
                 "(analysis.stern_volmer_intensity)")
        res.note("stern_volmer_K_dynamic", sv_dyn.K_SV_per_M, "M^-1",
                 "dynamic part alone: k_D tau0 x free fraction")
        res.note("stern_volmer_kq", sv.kq_per_M_s, "M^-1 s^-1", "apparent k_q = K_SV / tau0")
        res.note("diffusion_limit_kq", svd["k_D"], "M^-1 s^-1",
                 "Smoluchowski k_D of QD + catalyst (Stokes-Einstein radii)")
        regime = "static" if sv.kq_per_M_s > svd["k_D"] else "dynamic"
        res.attrs["stern_volmer_regime"] = regime
        if sv.kq_per_M_s > svd["k_D"]:
            res.attrs["warnings"] = (
                f"stern_volmer_kq = {sv.kq_per_M_s:.3g} M^-1 s^-1 exceeds the diffusion limit "
                f"k_D = {svd['k_D']:.3g} M^-1 s^-1 (domain of a dynamic quenching constant): "
                "the quenching is static (catalysts bound to the QD before excitation); "
                "K_SV/tau0 is not a bimolecular rate constant here")
        qd_mass_g = r.n_qd_mol * cd_per_qd(r.diameter_nm, cfg.quantum_dots.material) \
            * MOLAR_MASS_G_MOL[cfg.quantum_dots.material]
        res.add("h2_per_g", sim["h2_umol"] / qd_mass_g, "umol g^-1",
                "H2 per gram of QD cores (ligands not counted)")
        res.note("qd_diameter", r.diameter_nm, "nm", "Peng diameter")
        res.note("qd_conc", r.qd_M, "M", "QD particle concentration")
        res.note("mean_catalysts_per_qd", r.mean_catalysts, "1", "Poisson mean (Langmuir)")
        res.note("bound_fraction", r.bound_fraction, "1", "catalyst bound to QDs")
        res.note("HA_minus", r.hole_M, "M", "ascorbate monoanion at the set pH")
        res.note("hydride_fraction", r.f_hydride, "1", "protonated intermediate fraction")
        res.note("k_abs", r.k_abs_per_s, "s^-1", "photons absorbed per QD per second")
        res.note("ton_final", float(sim["ton"][-1]), "1", "TON at the end")
        res.note("h2_final", float(sim["h2_umol"][-1]), "umol", "H2 at the end")
        res.note("qe_window", qd_quantum_efficiency(cfg, p), "1",
                 f"QE over the first {min(cfg.run.qe_window_h, cfg.run.time_h):g} h")
        return self.stamp(res, p)

    def _check_work(self, experiment, p) -> None:
        """Refuse, before any work, a stochastic run whose estimated number of Gillespie
        events exceeds ``solver.max_events``."""
        from sim.config import ConfigError

        cfg = experiment.config
        r = qd_rates(cfg, p)
        t_end = cfg.run.time_h * 3600.0
        estimate = kmc_work_estimate(r, cfg.solver.n_qd, t_end)
        if estimate > cfg.solver.max_events:
            per_qd = estimate / cfg.solver.n_qd
            raise ConfigError(experiment.path, "solver.n_qd", cfg.solver.n_qd,
                              f"n_qd <= {int(cfg.solver.max_events // per_qd):,} for the budget "
                              f"solver.max_events = {cfg.solver.max_events:,} (or a larger "
                              "solver.max_events, or method = \"deterministic\")",
                              f"work estimate ~{estimate:.3g} Gillespie events "
                              f"(~{per_qd:.3g} per QD over {cfg.run.time_h:g} h)")

    def _run_perovskite(self, cfg, p) -> Result:
        pv = cfg.perovskite
        t_h = np.linspace(0.0, cfg.run.time_h, cfg.run.n_times)
        out = perovskite_run(pv, p, t_h)
        res = Result(model=self.name, solver={"system": cfg.system,
                                              "method": "closed form FW + trapezoid"})
        res.add("time", t_h, "h", "irradiation time")
        res.add("h2_per_g", out["h2_umol_g"], "umol g^-1", "H2 per gram of nanocrystals")
        res.add("h2", out["h2_umol_g"] * pv.mass_mg * 1e-3, "umol", "H2 evolved")
        res.add("rate", out["rate_umol_g_h"], "umol g^-1 h^-1", "H2 evolution rate")
        res.add("pt_fraction", out["pt_fraction"], "1", "Pt precursor reduced (Finke–Watzky)")
        _, cb = analysis.band_edges(pv.valence_band_V, pv.band_gap_eV)
        res.note("conduction_band", cb, "V vs NHE", "CB = VB − Eg")
        res.note("induction_time", out["induction_h"], "h", "extrapolated induction period")
        res.note("aqy", out["aqy"], "1", "apparent quantum yield with Pt formed")
        res.note("h2_per_g_final", float(out["h2_umol_g"][-1]), "umol g^-1", "H2 at the end")
        return res

    def plot(self, result, path=None):
        return plot_result(result, path)

    def report_figures(self, quick: bool = False) -> list:
        from .plots import report_figures
        return report_figures(self, quick)

    # -- reference observables and checks
    def observables(self, values: dict, ids, quick: bool = False) -> dict:
        return evaluate([values], ids)[0]

    def observables_batch(self, values_list, ids, quick: bool = False) -> list[dict]:
        # every QD run of every parameter set in one parallel compiled call
        return evaluate(list(values_list), ids)

    def checks(self, quick: bool = False, progress=None) -> list:
        return run_checks(self.parameters.values(), quick=quick)


MODEL = PhotocatalysisModel()
