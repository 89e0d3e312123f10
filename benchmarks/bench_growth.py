"""Growth benchmark: one MIL-125 synthesis (6 h) and a modulator x water sweep.

(The reference below carries the same mechanism as the kernel: DMF hydrolysis to base and
formate, precursor acid, linker protons leaving with the framework, material data from
``inputs/materials``.)

1. One full synthesis of the reference experiment ``inputs/growth/ba_05eq.toml``
   (Fabrizio 2023 Fig. 1a: Ti(OBu)4, 5 eq benzoic acid, 110 °C, 6 h), both sides at
   converged settings:
   - ours: :func:`kinetics.growth.simulation.simulate` with the project's default
     :class:`~kinetics.growth.config.Numerics` (the settings every model run uses; the
     diameter and dispersity move by < 4 % with 4x smaller steps and merge_ratio 1.005,
     a row reports both);
   - reference: the same rate laws and equilibria as an ODE system in NumPy (right-hand
     side vectorised over the size classes), integrated by ``scipy.integrate.solve_ivp``
     (explicit RK45, rtol 1e-4, no Jacobian used; the implicit LSODA/BDF stall on the
     nucleation switch-on and the clipped concentrations) – 200 birth-time classes
     (nuclei born in window k join class k; state N_k and N_k r_k³), speciation by
     :func:`sim.equilibria.solve_speciation` at every right-hand-side call.
   Both timed by :func:`sim.bench.ab` (interleaved repeats, >= 1 s of work per repeat,
   median of 5, wall and CPU); reported with the mean diameter, dispersity and yield of
   both sides.
2. Points per second for a modulator-equivalents x water grid run by
   :func:`kinetics.growth.simulation.sweep_points` (numba ``prange`` over conditions);
   median of 5.

Both use the parameter set in use (table values <- the recorded fit).
"""
from __future__ import annotations

import math
import os

import numpy as np
from scipy.integrate import solve_ivp

from kinetics.growth import MODEL
from kinetics.growth import kernel as gk
from kinetics.growth import simulation as gs
from kinetics.growth.config import Numerics, Synthesis
from sim.equilibria import solve_speciation
from sim.pbe import units_per_particle
from sim.bench import ab, median_time, ratio_row
from sim.config import load_experiment
from sim.paths import inputs_dir

OPTIMUM = Synthesis(precursor="Ti(OMe)4", water_vol_percent=0.25, modulator_eq=5.0,
                      temperature_C=110.0, time_h=6.0)


def numpy_reference(s: Synthesis, values: dict, n_classes: int = 200, method="RK45",
                    rtol: float = 1e-4):
    """The model's equations as one ODE system for ``solve_ivp``.

    State: precursor, water, dissolved metal, oxide, metal in particles, DMF-derived base,
    total protons, then N_k and Q_k = N_k r_k³ for ``n_classes`` birth windows (log-spaced
    from 1 s to the end).
    Returns (mean diameter nm, crystalline yield, number of RHS calls, classes occupied,
    dispersity = standard deviation / mean of the number-weighted radius)."""
    par, logk, stoich = gs.kernel_inputs(s, values)
    t_end = par[gk.I_TEND]
    edges = np.concatenate([[0.0], np.geomspace(1.0, t_end, n_classes)])
    vm = par[gk.I_VM]
    lpm = par[gk.I_LPM]
    ns = 7
    guess = [None]
    calls = [0]

    def rhs(t, y):
        calls[0] += 1
        prec, water, msol, tio2, tipart, base = np.maximum(y[:6], 0.0)
        htot = y[6]
        n = np.maximum(y[ns:ns + n_classes], 0.0)
        q = np.maximum(y[ns + n_classes:], 0.0)
        totals = np.array([max(htot, 1e-14), max(par[gk.I_L0] - lpm * tipart, 1e-14),
                           max(par[gk.I_A0], 1e-14), max(msol, 1e-16), max(base, 1e-14),
                           max(base, 1e-14)])
        free, sp = solve_speciation(logk, stoich, totals, guess[0], tol=1e-10)
        guess[0] = free
        m_grow = sp[gk.S_M] + sp[gk.S_ML]
        supersat = sp[gk.S_ML] / par[gk.I_CSAT]
        cap = par[gk.I_KCAP] * sp[gk.S_A] + par[gk.I_KCAPF] * sp[gk.S_F]
        theta = cap / (1 + cap + par[gk.I_KMS] * m_grow)
        k_eff = par[gk.I_KS] * (1 - theta)
        release = par[gk.I_KACT] * prec * water
        if water <= 0.0:
            release = 0.0
        ox = par[gk.I_KOX] * msol * water * water
        d_base = par[gk.I_KDMF] * (1.0 + par[gk.I_DMF_H] * sp[gk.S_H]) * water
        # growth of every class (mixed control, Gibbs–Thomson)
        r = np.where(n > 0, np.cbrt(np.maximum(q / np.where(n > 0, n, 1.0), 0.027)), 1.0)
        c_eq = par[gk.I_CSATG] * np.exp(par[gk.I_LCAP] / r)
        drdt = vm * (m_grow - c_eq) / (r * par[gk.I_INVD] + 1.0 / k_eff)
        dq = np.where(n > 0, 3.0 * n * r * r * drdt, 0.0)
        # nucleation into the class of the current birth window
        j = 0.0
        rstar = 0.3
        if supersat > 1.0:
            ln_s = math.log(supersat)
            j = par[gk.I_ANUC] * math.exp(-par[gk.I_BNUC] / ln_s ** 2)
            rstar = max(par[gk.I_LCAP] / ln_s, 0.3)
        k = min(int(np.searchsorted(edges, t, side="right")) - 1, n_classes - 1)
        dn = np.zeros(n_classes)
        dn[k] = j
        dq[k] += j * rstar ** 3
        to_particles = 4.0 / 3.0 * math.pi * 1e-24 / vm * dq.sum()
        d = np.empty_like(y)
        d[0] = -release
        d[1] = -par[gk.I_WACT] * release - 2.0 * ox - d_base
        d[2] = release - ox - to_particles
        d[3] = ox
        d[4] = to_particles
        d[5] = d_base
        d[6] = par[gk.I_ACID] * release + d_base - 2.0 * lpm * to_particles
        d[ns:ns + n_classes] = dn
        d[ns + n_classes:] = dq
        return d

    y0 = np.zeros(ns + 2 * n_classes)
    y0[0] = par[gk.I_P0]
    y0[1] = par[gk.I_W0]
    y0[6] = 2.0 * par[gk.I_L0] + par[gk.I_A0]
    sol = solve_ivp(rhs, (0.0, t_end), y0, method=method, rtol=rtol, atol=1e-9 * par[gk.I_P0],
                    max_step=float(par[gk.I_DTMAX]) * 4)
    y = sol.y[:, -1]
    n = np.maximum(y[ns:ns + n_classes], 0.0)
    q = np.maximum(y[ns + n_classes:], 0.0)
    keep = n > 0
    r = np.cbrt(q[keep] / n[keep])
    mean_d, disp = 0.0, 0.0
    if keep.any():
        w = n[keep] / n[keep].sum()
        mean_r = float(np.sum(w * r))
        mean_d = 2.0 * mean_r
        disp = float(np.sqrt(max(np.sum(w * r * r) - mean_r ** 2, 0.0)) / mean_r)
    return mean_d, float(y[4] / par[gk.I_P0]), calls[0], int(keep.sum()), disp


def run(quick: bool = False) -> dict:
    p = MODEL.parameters.values()
    exp = load_experiment(inputs_dir() / "growth" / "ba_05eq.toml")
    syn = exp.config.synthesis
    numerics = Numerics()                                   # the project's defaults
    fine = Numerics(step_change=numerics.step_change / 4, merge_ratio=1.005,
                    max_classes=4 * numerics.max_classes)
    gs.simulate(syn, p, numerics)                           # compile
    res = ab({"numba synthesis_kernel (default Numerics)": lambda i: gs.simulate(syn, p, numerics),
              "NumPy RHS + scipy solve_ivp (RK45), 200 classes":
                  lambda i: numpy_reference(syn, p)}, repeats=5, min_s=1.0)
    ours_name, ref_name = list(res)
    sim = res[ours_name]["result"]
    ref = res[ref_name]["result"]
    conv = gs.simulate(syn, p, fine)
    rows = [ratio_row(f"one synthesis, {exp.name} (6 h), default settings", res, ref_name,
                      ours_name,
                      ours_classes=int(sim.diameters_nm.size), reference_classes=ref[3],
                      ours_steps=sim.steps, reference_rhs_calls=ref[2],
                      ours_mean_diameter_nm=sim.mean_diameter_nm,
                      reference_mean_diameter_nm=ref[0],
                      ours_dispersity=sim.dispersity, reference_dispersity=ref[4],
                      ours_yield=sim.crystal_yield, reference_yield=ref[1],
                      fine_settings_mean_diameter_nm=conv.mean_diameter_nm,
                      fine_settings_dispersity=conv.dispersity)]
    # sweep: modulator eq x water
    n_eq, n_w = (10, 10) if quick else (40, 25)
    grid = [Synthesis(precursor="Ti(OMe)4", modulator_eq=float(e), water_vol_percent=float(w))
            for e in np.linspace(0.0, 10.0, n_eq) for w in np.linspace(0.1, 2.0, n_w)]
    gs.sweep_points(grid[:4], p)                             # compile the parallel kernel
    m, out = median_time(lambda: gs.sweep_points(grid, p), 5)
    from numba import get_num_threads

    rows.append({"case": f"sweep {len(grid)} points (modulator eq x water)",
                 "ours": "numba prange kinetics.growth.kernel.sweep_kernel", "threads": get_num_threads(),
                 "cpus": os.cpu_count(), "wall_s": m["wall_s"], "cpu_s": m["cpu_s"],
                 "points_per_s": len(grid) / m["wall_s"],
                 "smallest_mean_diameter_nm": float(np.nanmin(out[:, 0])),
                 "largest_mean_diameter_nm": float(np.nanmax(out[:, 0]))})
    r = rows[0]
    notes = ["synthesis: both sides timed by sim.bench.ab (interleaved repeats, >= 1 s of work "
             "per repeat, median of 5); ratio = reference / ours, wall and CPU",
             f"agreement: mean diameter {r['ours_mean_diameter_nm']:.4g} vs "
             f"{r['reference_mean_diameter_nm']:.4g} nm, dispersity {r['ours_dispersity']:.3g} vs "
             f"{r['reference_dispersity']:.3g}, yield {r['ours_yield']:.4g} vs "
             f"{r['reference_yield']:.4g}; ours with 4x smaller steps and merge_ratio 1.005: "
             f"{r['fine_settings_mean_diameter_nm']:.4g} nm, dispersity "
             f"{r['fine_settings_dispersity']:.3g}",
             "the reference puts nuclei into 200 fixed birth-time classes, ours merges nuclei "
             "born within merge_ratio of the newest class; the dispersities differ by that "
             "discretisation"]
    return {"rows": rows, "notes": notes}


if __name__ == "__main__":
    import json

    from sim.bench import script_args
    a = script_args(__doc__)
    print(json.dumps(run(quick=a.quick), indent=2, default=float))
