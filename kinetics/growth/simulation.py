"""From an experiment and a parameter set to the kernels, and back to chemist units.

``values`` is always a complete parameter set of :data:`kinetics.growth.parameters.PARAMETERS`
(a mapping name -> float, e.g. ``MODEL.parameter_values(experiment)``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from kinetics.growth.config import Numerics, Synthesis
from kinetics.growth.kernel import (C_DISP, C_MEAN_D, C_TIO2, C_TIPART, I_A0, I_ANUC, I_B0,
                                    I_BNUC, I_CHANGE, I_CSAT, I_CSATG, I_DTMAX, I_INVD, I_KACT,
                                    I_KCAP, I_KMS, I_KOX, I_KS, I_L0, I_LCAP, I_MERGE, I_NPAR,
                                    I_P0, I_TEND, I_W0, I_WACT, NCOL, sweep_kernel,
                                    synthesis_kernel)
from kinetics.growth.materials import (CHARTON_NU, K_B, MODULATOR_CAP_CLASS, MODULATOR_LOG_BETA,
                                       MODULATOR_PKA, NU_REF, R_GAS, T_REF_K, WATER_M_PER_ML)

__all__ = ["speciation_tableau", "kernel_inputs", "cap_factor", "Simulation", "simulate",
           "output_times_h", "run_batch", "sweep_points"]


def speciation_tableau(pka_mod: float, log_beta_mod: float, values: Mapping[str, float]):
    """(names, log10_k, stoich) for components [H+, BDC2-, A-, M, base]."""
    v = values
    rows = [
        ("H+", [1, 0, 0, 0, 0], 0.0),
        ("BDC2-", [0, 1, 0, 0, 0], 0.0),
        ("A-", [0, 0, 1, 0, 0], 0.0),
        ("M", [0, 0, 0, 1, 0], 0.0),
        ("base", [0, 0, 0, 0, 1], 0.0),
        ("HBDC-", [1, 1, 0, 0, 0], v["pka2_bdc"]),
        ("H2BDC", [2, 1, 0, 0, 0], v["pka1_bdc"] + v["pka2_bdc"]),
        ("HA", [1, 0, 1, 0, 0], pka_mod),
        ("M.BDC", [0, 1, 0, 1, 0], v["log_beta_linker"]),
        ("M.A", [0, 0, 1, 1, 0], log_beta_mod),
        ("baseH+", [1, 0, 0, 0, 1], v["pka_base"]),
        ("OH-", [-1, 0, 0, 0, 0], -v["pkw"]),
    ]
    names = [r[0] for r in rows]
    stoich = np.array([r[1] for r in rows], float)
    logk = np.array([r[2] for r in rows], float)
    return names, logk, stoich


def cap_factor(modulator: str, values: Mapping[str, float]) -> float:
    """K_cap of ``modulator`` relative to the aryl-carboxylate class (benzoate)."""
    return 1.0 if MODULATOR_CAP_CLASS[modulator] == "aryl" else float(values["cap_ratio_alkyl"])


def kernel_inputs(s: Synthesis, values: Mapping[str, float], numerics: Numerics | None = None):
    """Parameter vector and speciation arrays for the kernel, from chemist units."""
    v = values
    nm = numerics or Numerics()
    volume_L = (s.dmf_mL + s.methanol_mL) * 1e-3
    T = s.temperature_C + 273.15
    arr = lambda e: math.exp(-e / R_GAS * (1.0 / T - 1.0 / T_REF_K))  # noqa: E731
    nu = CHARTON_NU[s.precursor]
    ti0 = s.ti_mmol * 1e-3 / volume_L
    w0 = s.water_percent(v) / 100.0 * s.dmf_mL * WATER_M_PER_ML / volume_L
    l0 = s.linker_mmol * 1e-3 / volume_L
    a0 = s.modulator_eq * l0
    kT = K_B * T
    gamma = v["gamma_J_m2"]
    vol = v["node_volume_nm3"] * 1e-27
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
    par[I_B0] = v["base_M"]
    par[I_KACT] = (v["k_act_M_s"] * arr(v["e_act_J_mol"])
                   * math.exp(v["s_release_per_nu"] * (nu - NU_REF)))
    par[I_WACT] = v["water_per_ti_activation"]
    par[I_KOX] = v["k_tio2_M2_s"] * arr(v["e_tio2_J_mol"])
    par[I_CSAT] = csat
    par[I_ANUC] = 10.0 ** v["log_nuc_prefactor"]
    par[I_BNUC] = barrier
    par[I_LCAP] = lcap_nm
    par[I_KS] = v["k_surface_nm_s"] * arr(v["e_growth_J_mol"])
    par[I_INVD] = 1.0 / (v["diffusion_nm2_s"] * T / T_REF_K)
    par[I_CSATG] = v["csat_growth_M"]
    par[I_KCAP] = 10.0 ** v["log_k_cap"] * cap_factor(s.modulator, v)
    par[I_KMS] = 10.0 ** v["log_k_metal_surface"]
    par[I_DTMAX] = nm.max_step_s
    # new nuclei join the newest class while it is smaller than merge_ratio x r*
    par[I_MERGE] = nm.merge_ratio
    # largest relative change of the dissolved Ti per step (step-size control)
    par[I_CHANGE] = nm.step_change
    _, logk, stoich = speciation_tableau(MODULATOR_PKA[s.modulator],
                                         MODULATOR_LOG_BETA[s.modulator], v)
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
    ti0_M: float
    steps: int

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
        return float(self.final[C_TIPART] / self.ti0_M)

    @property
    def tio2_fraction(self) -> float:
        return float(self.final[C_TIO2] / self.ti0_M)


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
    edges = np.geomspace(1.0, 2000.0, numerics.histogram_bins + 1)
    r = np.zeros(numerics.max_classes)
    n = np.zeros(numerics.max_classes)
    rec = np.zeros((times.size, NCOL))
    hist = np.zeros((times.size, numerics.histogram_bins))
    nc, steps = synthesis_kernel(par, logk, stoich, times * 3600.0, edges, r, n, rec, hist)
    keep = n[:nc] > 0
    return Simulation(times, rec, hist, edges, 2.0 * r[:nc][keep], n[:nc][keep], par[I_P0],
                      int(steps))


def run_batch(runs: Sequence[tuple]) -> np.ndarray:
    """Final (mean diameter nm, dispersity, yield, TiO2 fraction, steps) of many runs at once.

    ``runs`` holds ``(synthesis, values, numerics)`` triples; they may differ in
    conditions and in parameters.  All run in one call of the parallel
    :func:`kinetics.growth.kernel.sweep_kernel` with the same output times as
    :func:`simulate`, so each row equals the corresponding single run."""
    n = len(runs)
    out = np.zeros((n, 5))
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
