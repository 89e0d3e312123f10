"""Numerical self-checks of the growth model (validation rows of kind ``check``).

They compare the model with itself or with exact limits, never with a measurement:
titanium conservation, particle inventory, histogram completeness, the batch kernel
against single runs, the kernel's sparse Newton speciation against the general solver,
and the no-water limit.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Mapping

import numpy as np

from sim.validation import check_row

from kinetics.growth.kernel import C_MSOL, C_PREC, C_TIO2, C_TIPART, _speciate
from kinetics.growth import materials as mat
from kinetics.growth.observables import reference_experiments, run_key
from kinetics.growth.simulation import run_batch, simulate, speciation_tableau

M = "growth"


def checks(values: Mapping[str, float], time_step: bool = True) -> list:
    exps = reference_experiments()
    rows = []
    cases = ["water_0p25", "water_2", "modulator_formic", "temperature_150C"]
    sims = {n: simulate(*_sv(exps[n], values)) for n in cases}

    # titanium balance at every output time
    worst = 0.0
    for sim in sims.values():
        rec = sim.record
        total = rec[:, C_PREC] + rec[:, C_MSOL] + rec[:, C_TIPART] + rec[:, C_TIO2]
        worst = max(worst, float(np.max(np.abs(total / sim.metal0_M - 1.0))))
    rows.append(check_row(M, ", ".join(cases), "Ti balance (precursor + solution + particles "
                          "+ TiO2) at every output time", "= Ti charged",
                          f"max rel. deviation {worst:.2g}", worst <= 1e-6, "<= 1e-6"))

    # particle inventory: Ti in the classes equals the Ti booked to particles
    sim = sims["water_0p25"]
    vm = mat.framework(sim.material).molar_volume_L_per_mol
    units = float(np.sum(sim.numbers_per_L * 4 / 3 * math.pi * (sim.diameters_nm / 2) ** 3
                         * 1e-24 / vm))
    dev = abs(units / sim.final[C_TIPART] - 1.0)
    rows.append(check_row(M, "water_0p25", "Ti in the particle classes / Ti booked to particles",
                          "1", f"1 {dev:+.2g}", dev <= 1e-9, "|deviation| <= 1e-9"))
    dev = abs(sim.hist[-1].sum() / sim.numbers_per_L.sum() - 1.0)
    rows.append(check_row(M, "water_0p25", "particles in the size histogram / particles in the "
                          "classes", "1", f"1 {dev:+.2g}", dev <= 1e-12, "|deviation| <= 1e-12"))

    # the batch path (calibration) equals the single runs
    batch = run_batch([_sv(exps[n], values) for n in cases])
    dev = 0.0
    for row, n in zip(batch, cases):
        s = sims[n]
        for a, b in ((row[0], s.mean_diameter_nm), (row[1], s.dispersity),
                     (row[2], s.crystal_yield), (row[3], s.tio2_fraction)):
            dev = max(dev, abs(a - b) / max(abs(b), 1e-300) if b else abs(a))
    rows.append(check_row(M, ", ".join(cases), "parallel batch kernel vs single runs "
                          "(diameter, dispersity, yield, TiO2)", "identical",
                          f"max rel. difference {dev:.2g}", dev <= 1e-12, "<= 1e-12"))

    # the kernel's warm-started sparse Newton equals the general speciation solver
    from sim.equilibria import solve_speciation
    worst = 0.0
    from kinetics.growth.simulation import log_beta_carboxylate
    for mod, eq, ti, base in (("benzoic", 5.0, 1e-3, 1e-3), ("formic", 0.0, 1e-10, 1e-6),
                              ("acetic", 10.0, 0.05, 0.05)):
        pka = mat.modulator(mod).pka
        _, logk, stoich = speciation_tableau(pka, log_beta_carboxylate(pka, values), values,
                                             formate=True)
        l0 = 0.0615
        totals = np.array([2 * l0 + eq * l0 + base, l0, max(eq * l0, 1e-14), ti, base, base])
        _, ref = solve_speciation(logk, stoich, totals)
        sp = _speciate(logk, stoich, totals, np.log(np.full(6, 1e-5)))
        worst = max(worst, float(np.max(np.abs(sp - ref) / np.maximum(np.abs(ref), 1e-300))))
    rows.append(check_row(M, "speciation tableau", "kernel Newton (sparse, warm start) vs "
                          "sim.equilibria.solve_speciation", "identical species",
                          f"max rel. difference {worst:.2g}", worst <= 1e-7, "<= 1e-7"))

    # time-step error of the validation sizes: default numerics against 4x smaller steps
    # and finer class merging (merge_ratio 1.01, more classes)
    if time_step:
        rows.append(time_step_row(values))

    # analytic limit: no water, no activation, no crystals and no TiO2
    s, nm = run_key(exps["water_0p25"], values)
    dry = simulate(replace(s, water_vol_percent=0.0), values, nm)
    ok = dry.crystal_yield == 0.0 and dry.tio2_fraction == 0.0 and dry.final[C_PREC] == dry.metal0_M
    rows.append(check_row(M, "water_0p25 without water", "yield, TiO2, precursor left",
                          "0, 0, all (nothing activates)",
                          f"{dry.crystal_yield:g}, {dry.tio2_fraction:g}, "
                          f"{dry.final[C_PREC] / dry.metal0_M:g} of Ti", ok, "exact"))
    return rows


def _sv(exp, values):
    s, nm = run_key(exp, values)
    return s, values, nm


TIME_STEP_CASES = ("water_0p25", "ba_00eq", "ba_05eq", "ba_10eq", "precursor_ome",
                   "precursor_oipr", "temperature_80C", "temperature_150C", "modulator_acetic",
                   "time_2h")


def time_step_errors(values, cases=TIME_STEP_CASES):
    """{case: (rel. error of the mean diameter, abs. error of the dispersity, rel. error of
    the yield)} of the default numerics against runs with step_change / 4, merge_ratio 1.01
    and 4000 classes (the dispersity, a ratio that can be ~0, is compared absolutely)."""
    exps = reference_experiments()
    runs, fine = [], []
    for n in cases:
        s, nm = run_key(exps[n], values)
        runs.append((s, values, nm))
        fine.append((s, values, replace(nm, step_change=nm.step_change / 4, merge_ratio=1.01,
                                        max_classes=4000)))
    out = run_batch(runs + fine)
    errs = {}
    for i, n in enumerate(cases):
        a, b = out[i], out[len(cases) + i]
        rel = [abs(a[j] / b[j] - 1.0) if b[j] else abs(a[j]) for j in (0, 2)]
        errs[n] = (rel[0], abs(a[1] - b[1]), rel[1])
    return errs


def time_step_row(values):
    errs = time_step_errors(values)
    worst = max(max(e) for e in errs.values())
    where = max(errs, key=lambda n: max(errs[n]))
    return check_row(M, ", ".join(errs), "time-step error of mean diameter and yield (relative) "
                     "and dispersity (absolute), default numerics vs step_change/4, "
                     "merge_ratio 1.01, 4000 classes", "< 1 % (dispersity < 0.01)",
                     f"max {100 * worst:.2g} % ({where})", worst < 0.01, "< 0.01")
