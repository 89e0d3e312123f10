"""A finished synthesis as a :class:`sim.store.Result` (arrays, summary values, solver)."""
from __future__ import annotations

from kinetics.growth.kernel import (C_DISP, C_FREE_A, C_FREE_L, C_MEAN_D, C_MSOL, C_NPART, C_PH,
                                    C_PREC, C_S, C_THETA, C_TIO2, C_TIPART, C_WATER)
from kinetics.growth.pxrd import scherrer_from_pattern
from kinetics.growth.simulation import Simulation
from sim.store import Result


def result_of(exp, sim: Simulation, with_pxrd: bool = True) -> Result:
    """The result file contents of experiment ``exp`` simulated as ``sim``."""
    res = Result(model="growth")
    rec = sim.record
    res.add("time_h", sim.times_h, "h", "output times")
    res.add("precursor_M", rec[:, C_PREC], "mol/L", "unactivated Ti precursor")
    res.add("water_M", rec[:, C_WATER], "mol/L", "free water")
    res.add("ti_solution_M", rec[:, C_MSOL], "mol/L", "activated Ti in solution (all species)")
    res.add("ti_particles_M", rec[:, C_TIPART], "mol/L", "Ti in MIL-125 particles")
    res.add("ti_tio2_M", rec[:, C_TIO2], "mol/L", "Ti in amorphous TiO2")
    res.add("particles_per_L", rec[:, C_NPART], "1/L", "number of particles")
    res.add("mean_diameter_nm", rec[:, C_MEAN_D], "nm", "number-mean diameter")
    res.add("dispersity", rec[:, C_DISP], "", "std/mean of the diameter")
    res.add("pH_scale", rec[:, C_PH], "", "-log10 [H+] (aqueous-scale priors)")
    res.add("supersaturation", rec[:, C_S], "", "S of the metal-linker complex")
    res.add("capping_coverage", rec[:, C_THETA], "", "modulator surface coverage theta")
    res.add("bdc_free_M", rec[:, C_FREE_L], "mol/L", "free BDC2-")
    res.add("modulator_anion_M", rec[:, C_FREE_A], "mol/L", "free modulator anion")
    res.add("size_distribution/diameter_edges_nm", sim.edges_nm, "nm", "diameter bin edges")
    res.add("size_distribution/number_per_L", sim.hist, "1/L",
            "particles per litre per diameter bin, one row per output time")
    res.add("classes/diameter_nm", sim.diameters_nm, "nm", "final particle classes")
    res.add("classes/number_per_L", sim.numbers_per_L, "1/L", "particles per class")
    res.note("mean_diameter_nm", sim.mean_diameter_nm, "nm", "number-mean diameter (SEM-like)")
    res.note("dispersity", sim.dispersity, "", "std/mean of the diameter")
    scherrer = float("nan")
    if with_pxrd:
        pat = scherrer_from_pattern(sim)
        if pat is not None:
            x, y, c, w, scherrer = pat
            res.add("pxrd/two_theta_deg", x, "deg", "Cu Ka 2theta")
            res.add("pxrd/intensity", y, "", "simulated ensemble pattern (peak-normalised units)")
            res.note("pxrd_peak_fwhm_deg", w, "deg", f"Gaussian FWHM of the peak at {c:.2f} deg")
    res.note("scherrer_size_nm", scherrer, "nm", "Scherrer size from the simulated PXRD")
    res.note("yield", sim.crystal_yield, "", "fraction of Ti in MIL-125 particles")
    res.note("tio2_fraction", sim.tio2_fraction, "", "fraction of Ti in amorphous TiO2")
    res.solver.update({"kernel": "kinetics.growth.kernel.synthesis_kernel", "steps": sim.steps,
                       "max_classes": int(exp.config.numerics.max_classes),
                       "max_step_s": float(exp.config.numerics.max_step_s),
                       "step_change": float(exp.config.numerics.step_change),
                       "merge_ratio": float(exp.config.numerics.merge_ratio),
                       "speciation": "sim.equilibria.newton_sparse (Newton, log space, warm start extrapolated in time; fallback sim.equilibria._solve), tol 1e-10"})
    return res
