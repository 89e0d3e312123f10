"""From an experiment and a parameter set to the kernels, and back to chemist units.

``values`` is always a complete parameter set of :data:`kinetics.growth.parameters.PARAMETERS`
(a mapping name -> float, e.g. ``MODEL.parameter_values(experiment)``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from kinetics.growth import materials as mat
from kinetics.growth.config import Numerics, Synthesis
from kinetics.growth.kernel import (C_DISP, C_MEAN_D, C_TIO2, C_TIPART, I_A0, I_ACID, I_ANUC,
                                    I_B0, I_BNUC, I_CHANGE, I_CSAT, I_CSATG, I_DMF_H, I_DTMAX,
                                    I_INVD, I_KACT, I_KCAP, I_KCAPF, I_KDMF, I_KMS, I_KOX, I_KS,
                                    I_L0, I_LCAP, I_LPM, I_MERGE, I_NPAR, I_P0, I_TEND, I_VM,
                                    I_W0, I_WACT, NCOL, O_NCOL, sweep_kernel, synthesis_kernel)
from kinetics.growth.materials import K_B, R_GAS, T_REF_K
from kinetics.growth.parameters import NU_REF

__all__ = ["speciation_tableau", "kernel_inputs", "log_beta_carboxylate", "log_k_cap",
           "Simulation", "simulate", "output_times_h", "run_batch", "sweep_points",
           "histogram_edges"]


def log_beta_carboxylate(pka: float, values: Mapping[str, float]) -> float:
    """log10 β of metal + carboxylate from its pKa: a Brønsted-type linear free-energy
    relation through the benzoate reference (``log_beta_benzoate`` at the pKa of
    ``inputs/materials/modulators/benzoic.toml``, slope ``lfer_slope``)."""
    v = values
    return v["log_beta_benzoate"] + v["lfer_slope"] * (pka - mat.modulator("benzoic").pka)


def log_k_cap(mod: "mat.Modulator", values: Mapping[str, float], T: float = T_REF_K) -> float:
    """log10 of the surface capping constant of a modulator from its descriptors: basicity
    (the same LFER as its solution binding) and contact with the surface's neighbouring
    linkers (``contact_energy_J_mol`` per heavy atom beyond the carboxylate, relative to
    benzoate's six)."""
    v = values
    ref = mat.modulator("benzoic")
    return (v["log_k_cap"] + v["lfer_slope"] * (mod.pka - ref.pka)
            + v["contact_energy_J_mol"] * (mod.heavy_atoms - ref.heavy_atoms)
            / (R_GAS * T * math.log(10.0)))


def speciation_tableau(pka_mod: float, log_beta_mod: float, values: Mapping[str, float],
                       fw: "mat.Framework | None" = None, formate: bool = False):
    """(names, log10_k, stoich) for components [H+, BDC2-, A-, M, base] (+ F- with
    ``formate``: formic acid from DMF hydrolysis, its own pKa and metal binding).
    ``fw``: the framework whose linker pKa and metal-linker constant are used (default
    MIL-125)."""
    fw = fw or mat.framework("MIL-125")
    pka1, pka2 = fw.pka_linker
    nc = 6 if formate else 5
    z = [0] * nc

    def row(*idx):
        r = list(z)
        for i, k in idx:
            r[i] = k
        return r

    rows = [
        ("H+", row((0, 1)), 0.0),
        ("BDC2-", row((1, 1)), 0.0),
        ("A-", row((2, 1)), 0.0),
        ("M", row((3, 1)), 0.0),
        ("base", row((4, 1)), 0.0),
    ]
    if formate:
        rows.append(("F-", row((5, 1)), 0.0))
    rows += [
        ("HBDC-", row((0, 1), (1, 1)), pka2),
        ("H2BDC", row((0, 2), (1, 1)), pka1 + pka2),
        ("HA", row((0, 1), (2, 1)), pka_mod),
        ("M.BDC", row((1, 1), (3, 1)), fw.log_beta_metal_linker),
        ("M.A", row((2, 1), (3, 1)), log_beta_mod),
        ("baseH+", row((0, 1), (4, 1)), values["pka_base"]),
        ("OH-", row((0, -1)), -values["pkw"]),
    ]
    if formate:
        f = mat.modulator("formic")
        rows += [("HF", row((0, 1), (5, 1)), f.pka),
                 ("M.F", row((5, 1), (3, 1)), log_beta_carboxylate(f.pka, values))]
    names = [r[0] for r in rows]
    stoich = np.array([r[1] for r in rows], float)
    logk = np.array([r[2] for r in rows], float)
    return names, logk, stoich


def histogram_edges(numerics: Numerics) -> np.ndarray:
    """Diameter bin edges (nm): log-spaced from 1 nm to ``numerics.histogram_max_nm``."""
    return np.geomspace(1.0, numerics.histogram_max_nm, numerics.histogram_bins + 1)


def kernel_inputs(s: Synthesis, values: Mapping[str, float], numerics: Numerics | None = None):
    """Parameter vector and speciation arrays for the kernel, from chemist units and the
    material, precursor and modulator files the synthesis names."""
    v = values
    nm = numerics or Numerics()
    fw = mat.framework(s.material)
    pre = mat.precursor(s.precursor)
    mod = mat.modulator(s.modulator)
    volume_L = (s.dmf_mL + s.methanol_mL) * 1e-3
    T = s.temperature_C + 273.15
    arr = lambda e: math.exp(-e / R_GAS * (1.0 / T - 1.0 / T_REF_K))  # noqa: E731
    nu = pre.charton_nu
    ti0 = s.metal_mmol * 1e-3 / volume_L
    w0 = (s.water_percent(v) / 100.0 * s.dmf_mL * mat.water_M_per_mL_of() / volume_L
          + pre.water_per_metal * ti0)
    l0 = s.linker_mmol * 1e-3 / volume_L
    a0 = s.modulator_eq * l0
    kT = K_B * T
    gamma = v["gamma_J_m2"]
    vol = fw.node_volume_nm3 * 1e-27
    barrier = 16.0 * math.pi * gamma ** 3 * vol ** 2 / (3.0 * kT ** 3)
    lcap_nm = 2.0 * gamma * vol / kT * 1e9
    hydrolysis_ratio = max(w0 / ti0, 1e-6)
    csat = (10.0 ** v["log_csat_ref_M"]
            * math.exp(-v["h_sol_J_mol"] / R_GAS * (1 / T - 1 / T_REF_K))
            * math.exp(v["s_solubility_per_nu"] * (nu - NU_REF))
            * hydrolysis_ratio ** v["water_solubility_exponent"])
    par = np.zeros(I_NPAR)
    par[I_TEND] = s.time_h * 3600.0
    par[I_P0] = ti0
    par[I_W0] = w0
    par[I_L0] = l0
    par[I_A0] = a0
    par[I_B0] = 0.0
    par[I_KACT] = (v["k_act_M_s"] * arr(v["e_act_J_mol"])
                   * math.exp(v["s_release_per_nu"] * (nu - NU_REF)))
    par[I_WACT] = fw.water_per_metal
    par[I_KOX] = v["k_tio2_M2_s"] * arr(v["e_tio2_J_mol"])
    par[I_CSAT] = csat
    par[I_ANUC] = 10.0 ** v["log_nuc_prefactor"]
    par[I_BNUC] = barrier
    par[I_LCAP] = lcap_nm
    par[I_KS] = v["k_surface_nm_s"] * arr(v["e_growth_J_mol"])
    par[I_INVD] = 1.0 / (v["diffusion_nm2_s"] * T / T_REF_K)
    par[I_CSATG] = v["csat_growth_M"]
    par[I_KCAP] = 10.0 ** log_k_cap(mod, v, T)
    par[I_KCAPF] = 10.0 ** log_k_cap(mat.modulator("formic"), v, T)
    par[I_KMS] = 10.0 ** v["log_k_metal_surface"]
    par[I_DTMAX] = nm.max_step_s
    # new nuclei join the newest class while it is smaller than merge_ratio x r*
    par[I_MERGE] = nm.merge_ratio
    # largest relative change of the dissolved metal per step (step-size control)
    par[I_CHANGE] = nm.step_change
    par[I_LPM] = fw.linker_per_metal
    par[I_VM] = fw.molar_volume_L_per_mol
    par[I_ACID] = pre.acid_per_metal
    # DMF hydrolysis, pseudo-first order in water: k [DMF] (1 + K_H [H+])
    par[I_KDMF] = (v["k_dmf_hydrolysis_M_s"] * arr(v["e_dmf_hydrolysis_J_mol"])
                   * mat.dmf_M(s.dmf_mL, volume_L))
    par[I_DMF_H] = v["dmf_acid_catalysis_per_M"]
    _, logk, stoich = speciation_tableau(mod.pka, log_beta_carboxylate(mod.pka, v), v, fw,
                                         formate=True)
    return par, logk, stoich


@dataclass
class Simulation:
    """A finished synthesis in chemist units."""

    times_h: np.ndarray
    record: np.ndarray            # (n_out, NCOL)
    hist: np.ndarray              # (n_out, bins) particles per litre per bin
    edges_nm: np.ndarray          # diameter bin edges
    diameters_nm: np.ndarray      # final classes
    numbers_per_L: np.ndarray
    metal0_M: float
    steps: int
    material: str = "MIL-125"
    n_classes: int = 0

    @property
    def final(self):
        return self.record[-1]

    def at_hours(self, hours: float) -> np.ndarray:
        k = int(np.argmin(np.abs(self.times_h - hours)))
        return self.record[k]

    @property
    def mean_diameter_nm(self) -> float:
        return float(self.final[C_MEAN_D])

    @property
    def dispersity(self) -> float:
        return float(self.final[C_DISP])

    @property
    def crystal_yield(self) -> float:
        return float(self.final[C_TIPART] / self.metal0_M)

    @property
    def tio2_fraction(self) -> float:
        return float(self.final[C_TIO2] / self.metal0_M)


def output_times_h(s: Synthesis, numerics: Numerics) -> np.ndarray:
    return np.linspace(0.0, s.time_h, numerics.output_points)


def simulate(s: Synthesis, values: Mapping[str, float], numerics: Numerics | None = None,
             out_hours=None) -> Simulation:
    """Run one synthesis (``out_hours``: extra output times, h, merged in)."""
    numerics = numerics or Numerics()
    par, logk, stoich = kernel_inputs(s, values, numerics)
    times = output_times_h(s, numerics)
    if out_hours is not None:
        times = np.unique(np.concatenate([times, np.asarray(out_hours, float)]))
        times = times[times <= s.time_h + 1e-12]
    edges = histogram_edges(numerics)
    r = np.zeros(numerics.max_classes)
    n = np.zeros(numerics.max_classes)
    rec = np.zeros((times.size, NCOL))
    hist = np.zeros((times.size, numerics.histogram_bins))
    nc, steps = synthesis_kernel(par, logk, stoich, times * 3600.0, edges, r, n, rec, hist)
    keep = n[:nc] > 0
    return Simulation(times, rec, hist, edges, 2.0 * r[:nc][keep], n[:nc][keep], par[I_P0],
                      int(steps), mat.framework(s.material).name, int(nc))


def run_batch(runs: Sequence[tuple]) -> np.ndarray:
    """Final state (columns ``kinetics.growth.kernel.O_*``: mean diameter nm, dispersity,
    yield, TiO2 fraction, steps, modulator coverage, Σnr²/Σnr³, base, classes) of many runs.

    ``runs`` holds ``(synthesis, values, numerics)`` triples; they may differ in
    conditions and in parameters.  All run in one call of the parallel
    :func:`kinetics.growth.kernel.sweep_kernel` with the same output times as
    :func:`simulate`, so each row equals the corresponding single run."""
    n = len(runs)
    out = np.zeros((n, O_NCOL))
    if n == 0:
        return out
    built = [kernel_inputs(s, v, nm) for s, v, nm in runs]
    times = [output_times_h(s, nm) * 3600.0 for s, _, nm in runs]
    m = max(t.size for t in times)
    out_times = np.zeros((n, m))
    for i, t in enumerate(times):
        out_times[i, :t.size] = t
    sweep_kernel(np.array([b[0] for b in built]), np.array([b[1] for b in built]),
                 np.array([b[2] for b in built]), out_times,
                 np.array([t.size for t in times], np.int64),
                 np.array([nm.max_classes for _, _, nm in runs], np.int64), out)
    return out


def sweep_points(syntheses, values: Mapping[str, float], numerics: Numerics | None = None):
    """Mean diameter (nm), dispersity, yield, TiO2 fraction and steps for many conditions
    at one parameter set, run in parallel.  Returns an (n, 5) array."""
    nm = numerics or Numerics()
    return run_batch([(s, values, nm) for s in syntheses])
