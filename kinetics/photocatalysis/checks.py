"""Numerical self-checks of the photocatalysis model (validation rows of kind ``check``).

Solver agreement (stochastic vs master equation, closed form vs TR-BDF2, TR-BDF2 vs
``solve_ivp``, Finke–Watzky closed form vs ODE), an analytic limit (no catalyst, no H2)
and input echoes (Table S1 and the measured CsPbBr3 inputs against the reference files).
None of them is a prediction.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from kinetics import analysis
from sim.validation import check_row

from .chemistry import poisson_weights, qd_rates
from .kernel import qd_h2_closed_form
from .master_equation import dense_times, qd_h2_master, qd_h2_solve_ivp
from .observables import NAME, _with, read_data, reference, table_s1
from .perovskite import finke_watzky_fraction
from .simulate import simulate_qd

__all__ = ["run_checks"]

def _closed_form(rates, out_times):
    grid = dense_times(float(out_times[-1]), out_times)
    w = poisson_weights(rates.mean_catalysts, rates.k_e_by_m.size - 1)
    return qd_h2_closed_form(w, rates.k_e_by_m, rates.k_dmg_by_m, rates.k_decay,
                             rates.f_hydride, rates.n_crit, grid, np.searchsorted(grid, out_times),
                             rates.aggregation)


def _max_rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    sel = np.abs(b) > 0
    return float(np.max(np.abs(a[sel] - b[sel]) / np.abs(b[sel]))) if sel.any() else 0.0


def _stochastic_vs_master(values, quick):
    kmc = reference("cdte_co_kmc")
    cfg = kmc.config
    if quick:
        cfg = _with(cfg, **{"solver.n_qd": 400, "solver.n_streams": 16})
    both = simulate_qd(cfg, values, kmc.seed, method="both")
    det = float(both["h2_per_qd"][-1])
    sto = float(both["h2_per_qd_kmc"][-1])
    se = float(both["h2_per_qd_kmc_se"][-1])
    z = (sto - det) / se if se > 0 else math.inf
    return check_row(NAME, "cdte_co_kmc",
                     f"mean H2 per QD at {cfg.run.time_h:g} h: stochastic ({cfg.solver.n_qd} QDs) "
                     "vs master equation", f"{det:.1f} (master equation)", f"{sto:.1f} +/- {se:.1f}",
                     abs(z) <= 3.0, "|difference| <= 3 standard errors", deviation=f"{z:+.2f} SE")


def _closed_form_vs_master(values):
    rows = []
    lo = reference("cdte_co_1e-6M").config
    t = np.linspace(0.0, lo.run.time_h * 3600.0, 31)
    r = qd_rates(lo, values)
    rel = _max_rel(_closed_form(r, t), qd_h2_master(r, t, 1e-10)["h2_per_qd"])
    rows.append(check_row(NAME, "cdte_co_1e-6M", "mean H2 per QD, 30 h: closed form (likelihood "
                          "path) vs master equation (TR-BDF2)", "TR-BDF2, rtol 1e-10",
                          f"max relative difference {rel:.1e}", rel <= 1e-6, "<= 1e-6",
                          deviation=f"{rel:.1e}"))
    cfg, t, r = _damage_run(values)
    det = qd_h2_master(r, t, 1e-10)
    rel = _max_rel(_closed_form(r, t), det["h2_per_qd"])
    w = det["weights"][1:]
    active = float(w @ det["survival_by_m"][1:, -1] / w.sum())     # of the QDs with catalysts
    rows.append(check_row(NAME, "cdte_co_1e-6M", f"1 h with ligand damage ({100 * (1 - active):.0f} "
                          "% of the QDs with catalysts deactivated): closed form vs master equation", "TR-BDF2 (damage chain interpolated)",
                          f"max relative difference {rel:.1e}", rel <= 1e-6 and active < 0.9,
                          "<= 1e-6 (and damage matters)", deviation=f"{rel:.1e}"))
    return rows


def _damage_run(values):
    """1 h at 1.0e-6 M catalyst with the ligand-damage rate set so that a QD with many
    catalysts expects 1.2 n_crit damage events in the hour (about half of the QDs stop, at any
    parameter values); the m dependence of the damage rate (φ_ET) is kept."""
    cfg = reference("cdte_co_1e-6M").config
    t = np.linspace(0.0, 3600.0, 7)
    r = qd_rates(cfg, values)
    k_dmg = 1.2 * r.n_crit / t[-1] * r.k_e_by_m / r.k_e_by_m[-1]
    return cfg, t, dataclasses.replace(r, k_dmg_by_m=k_dmg)


def _master_vs_solve_ivp(values):
    cfg, t, r = _damage_run(values)
    rel = _max_rel(qd_h2_master(r, t, 1e-10)["h2_per_qd"], qd_h2_solve_ivp(r, t, 1e-10))
    return check_row(NAME, "cdte_co_1e-6M", "mean H2 per QD, 1 h with ligand damage: master "
                     "equation (TR-BDF2, H2 by the trapezoid rule on the output grid) vs scipy "
                     "solve_ivp (BDF, NumPy right-hand side, H2 integrated exactly)",
                     "solve_ivp, rtol 1e-10", f"max relative difference {rel:.1e}", rel <= 1e-4,
                     "<= 1e-4 (the quadrature error of the grid)", deviation=f"{rel:.1e}")


def _no_catalyst(values):
    cfg = _with(reference("cdte_co_1e-6M").config, **{"catalyst.conc_M": 0.0})
    t = np.array([0.0, 3600.0])
    r = qd_rates(cfg, values)
    h2 = float(_closed_form(r, t)[-1]) + float(qd_h2_master(r, t)["h2_per_qd"][-1])
    return check_row(NAME, "cdte_co_1e-6M", "no catalyst gives no H2 (both solvers)", "0",
                     f"{h2:g}", h2 == 0.0, "exactly 0")


def _finke_watzky(values):
    from scipy.integrate import solve_ivp

    k1, k2 = values["pvk_fw_k1_per_h"], values["pvk_fw_k2_per_h"]
    sol = solve_ivp(lambda t, a: -k1 * a - k2 * a * (1 - a), (0, 18.0), [1.0], rtol=1e-10,
                    atol=1e-12, dense_output=True)
    t = np.linspace(0, 18.0, 37)
    err = float(np.max(np.abs(finke_watzky_fraction(t, k1, k2) - (1 - sol.sol(t)[0]))))
    return check_row(NAME, "cspbbr3_rods", "Finke-Watzky Pt fraction: closed form vs ODE (solve_ivp)",
                     "solve_ivp, rtol 1e-10", f"max |difference| {err:.1e}", err <= 1e-6, "<= 1e-6",
                     deviation=f"{err:.1e}")


def _table_s1_echo():
    s1 = table_s1()
    present = [r for r in s1 if r["ref"] == "present work"]
    measured = {r["quantity"]: r for r in read_data("cdte_co_h2.csv")}
    ok = (len(s1) == 21 and len(present) == 1
          and float(present[0]["ton_vs_catalyst"]) == float(measured["ton"]["value"]) == 14400
          and float(present[0]["qe"]) == float(measured["quantum_efficiency"]["value"]))
    return check_row(NAME, "cdte_co_1e-6M", "Table S1 'present work' row = cdte_co_h2.csv (TON, QE)",
                     "TON 14400, QE 0.0532", f"{len(s1)} rows; present work TON "
                     f"{present[0]['ton_vs_catalyst'] if present else '?'}, QE "
                     f"{present[0]['qe'] if present else '?'}", ok, "identical (input echo)")


def _perovskite_inputs_echo():
    pv = {r["quantity"]: float(r["value"]) for r in read_data("cspbbr3_h2.csv")}
    ok = True
    for shape in ("cubes", "rods"):
        c = reference(f"cspbbr3_{shape}").config.perovskite
        ok &= c.pl_lifetime_ns == pv[f"pl_lifetime_ns_{shape}"]
        ok &= c.valence_band_V == pv[f"vb_V_{shape}"] and c.band_gap_eV == pv[f"gap_eV_{shape}"]
        ok &= c.br_vacancy_fraction == pv[f"pb_delta_fraction_{shape}"]
        ok &= abs(analysis.band_edges(c.valence_band_V, c.band_gap_eV)[1] - pv[f"cb_V_{shape}"]) < 1e-9
    return check_row(NAME, "cspbbr3_rods", "reference inputs = measured CsPbBr3 lifetimes, band edges "
                     "(CB = VB - Eg as printed), Pb(δ+) fractions (cspbbr3_h2.csv)",
                     "seed 002 values", "identical" if ok else "differ", ok,
                     "identical (input echo)")


def run_checks(values: dict, quick: bool = False) -> list:
    """All check rows for one complete parameter set."""
    rows = [_stochastic_vs_master(values, quick)]
    rows += _closed_form_vs_master(values)
    rows += [_master_vs_solve_ivp(values), _no_catalyst(values), _finke_watzky(values),
             _table_s1_echo(), _perovskite_inputs_echo()]
    return rows
