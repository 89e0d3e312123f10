"""A finished synthesis as a :class:`sim.store.Result` (arrays, summary values, solver,
undefined quantities with their reasons, out-of-domain warnings)."""
from __future__ import annotations

import math

import numpy as np

from kinetics.growth import materials as mat
from kinetics.growth.kernel import (C_BASE, C_DISP, C_FREE_A, C_FREE_L, C_MEAN_D, C_MSOL,
                                    C_NPART, C_PH, C_PREC, C_S, C_THETA, C_THETA_A, C_TIO2,
                                    C_TIPART, C_WATER)
from kinetics.growth.pxrd import scherrer_from_pattern
from kinetics.growth.simulation import Simulation
from sim.store import Result


YIELD_FLOOR = 0.01          # below 1 % of the metal in crystals a size is not a product size


def domain_warnings(synthesis, sim: Simulation) -> list[str]:
    """Out-of-domain statements: quantity, value and the domain, one string each."""
    out = []
    bp = mat.boiling_point_C("DMF")
    if synthesis.temperature_C > bp:
        out.append(f"temperature_C = {synthesis.temperature_C:g} °C is above the boiling point "
                   f"of DMF at ambient pressure ({bp:g} °C): the rates are for reflux at or "
                   f"below it (domain: <= {bp:g} °C)")
    y = sim.crystal_yield
    if y < YIELD_FLOOR and sim.diameters_nm.size:
        out.append(f"yield = {100 * y:.3g} % of the metal in crystals while a size of "
                   f"{sim.mean_diameter_nm:.3g} nm is reported: too little product for a size "
                   f"(domain: yield >= {100 * YIELD_FLOOR:g} %)")
    edge = float(sim.edges_nm[-1])
    if sim.diameters_nm.size and float(sim.diameters_nm.max()) > edge:
        out.append(f"largest particle diameter = {sim.diameters_nm.max():.4g} nm exceeds the "
                   f"size grid (histogram up to {edge:g} nm, numerics.histogram_max_nm): the "
                   f"histogram's last bin holds them (domain: <= {edge:g} nm)")
    return out


def modulator_per_linker(sim: Simulation, theta_a: float) -> float:
    """Modulator bound on the particle surfaces per linker in the particles (what acid
    digestion 1H NMR of the product would report): θ_A × surface carboxylate sites /
    linkers in the crystal volume."""
    fw = mat.framework(sim.material)
    d, n = sim.diameters_nm, sim.numbers_per_L
    vol = float(np.sum(n * d ** 3)) * math.pi / 6.0
    if vol <= 0:
        return float("nan")
    area = float(np.sum(n * d ** 2)) * math.pi
    linkers = vol / fw.node_volume_nm3 * fw.linker_per_node
    return theta_a * area * fw.surface_carboxylates_per_nm2 / linkers


def result_of(exp, sim: Simulation, with_pxrd: bool = True) -> Result:
    """The result file contents of experiment ``exp`` simulated as ``sim``."""
    res = Result(model="growth")
    reasons = {}
    fw = mat.framework(sim.material)
    rec = sim.record
    res.add("time_h", sim.times_h, "h", "output times")
    res.add("precursor_M", rec[:, C_PREC], "mol/L", "unactivated Ti precursor")
    res.add("water_M", rec[:, C_WATER], "mol/L", "free water")
    res.add("ti_solution_M", rec[:, C_MSOL], "mol/L", "activated Ti in solution (all species)")
    res.add("ti_particles_M", rec[:, C_TIPART], "mol/L", f"metal in {fw.name} particles")
    res.add("ti_tio2_M", rec[:, C_TIO2], "mol/L", "metal in the amorphous oxide side product")
    res.add("particles_per_L", rec[:, C_NPART], "1/L", "number of particles")
    res.add("mean_diameter_nm", rec[:, C_MEAN_D], "nm", "number-mean diameter")
    res.add("dispersity", rec[:, C_DISP], "", "std/mean of the diameter")
    res.add("pH_scale", rec[:, C_PH], "", "-log10 [H+] (aqueous-scale priors)")
    res.add("supersaturation", rec[:, C_S], "", "S of the metal-linker complex")
    res.add("capping_coverage", rec[:, C_THETA], "", "modulator surface coverage theta")
    res.add("bdc_free_M", rec[:, C_FREE_L], "mol/L", "free BDC2-")
    res.add("modulator_anion_M", rec[:, C_FREE_A], "mol/L", "free modulator anion")
    res.add("modulator_coverage", rec[:, C_THETA_A], "", "surface coverage by the modulator")
    res.add("dmf_base_M", rec[:, C_BASE], "mol/L",
            "dimethylamine (= formic acid) made by DMF hydrolysis")
    res.add("size_distribution/diameter_edges_nm", sim.edges_nm, "nm", "diameter bin edges")
    res.add("size_distribution/number_per_L", sim.hist, "1/L",
            "particles per litre per diameter bin, one row per output time")
    res.add("classes/diameter_nm", sim.diameters_nm, "nm", "final particle classes")
    res.add("classes/number_per_L", sim.numbers_per_L, "1/L", "particles per class")
    has_particles = sim.diameters_nm.size > 0
    mean = sim.mean_diameter_nm if has_particles else float("nan")
    disp = sim.dispersity if has_particles else float("nan")
    if not has_particles:
        reasons["mean_diameter_nm"] = reasons["dispersity"] = "no particles formed"
    res.note("mean_diameter_nm", mean, "nm", "number-mean diameter (SEM-like)")
    res.note("dispersity", disp, "", "std/mean of the diameter")
    scherrer = float("nan")
    if with_pxrd:
        pat = scherrer_from_pattern(sim)
        if pat is None:
            reasons["scherrer_size_nm"] = "no particles formed: no diffraction pattern"
        else:
            scherrer = pat.scherrer_nm
            if pat.reason:
                reasons["scherrer_size_nm"] = pat.reason
            res.add("pxrd/two_theta_deg", pat.two_theta, "deg", "Cu Ka 2theta")
            res.add("pxrd/intensity", pat.intensity, "",
                    f"simulated ensemble pattern of {fw.name} (reflections from {fw.cif.name})")
            res.note("pxrd_peak_fwhm_deg", pat.fwhm_deg, "deg",
                     f"Gaussian FWHM of the peak at {pat.center_deg:.2f} deg")
            if not math.isfinite(pat.fwhm_deg):
                reasons["pxrd_peak_fwhm_deg"] = pat.reason
    else:
        reasons["scherrer_size_nm"] = "PXRD not computed for this run"
    res.note("scherrer_size_nm", scherrer, "nm", "Scherrer size from the simulated PXRD")
    res.note("yield", sim.crystal_yield, "", f"fraction of the metal in {fw.name} particles")
    res.note("tio2_fraction", sim.tio2_fraction, "",
             "fraction of the metal in the amorphous oxide side product")
    theta_a = float(sim.final[C_THETA_A])
    content = modulator_per_linker(sim, theta_a) if has_particles else float("nan")
    if not has_particles:
        reasons["modulator_per_linker"] = "no particles formed"
    res.note("modulator_per_linker", content, "",
             "modulator bound on the particle surfaces per linker in the particles")
    res.note("dmf_base_M", float(sim.final[C_BASE]), "mol/L",
             "dimethylamine made by DMF hydrolysis by the end")
    warnings = domain_warnings(exp.config.synthesis, sim)
    if warnings:
        res.note("warnings", " | ".join(warnings), "", "out-of-domain warnings")
    res.attrs["warnings"] = list(warnings)
    res.reasons = reasons
    for name, why in reasons.items():
        if name in res.summary:
            q = res.summary[name]
            res.summary[name] = type(q)(q.values, q.unit, f"{q.doc}; undefined: {why}")
    res.attrs["material"] = fw.name
    res.solver.update({"kernel": "kinetics.growth.kernel.synthesis_kernel", "steps": sim.steps,
                       "max_classes": int(exp.config.numerics.max_classes),
                       "max_step_s": float(exp.config.numerics.max_step_s),
                       "step_change": float(exp.config.numerics.step_change),
                       "merge_ratio": float(exp.config.numerics.merge_ratio),
                       "speciation": "sim.equilibria.newton_sparse (Newton, log space, warm start extrapolated in time; fallback sim.equilibria._solve), tol 1e-10"})
    return res
