"""Speciation solver (sim.equilibria) against analytic acid–base cases and scipy."""
import math

import numpy as np
import pytest
from scipy.optimize import brentq, root

from sim.equilibria import Speciation, _solve, solve_speciation, species_concentrations

KW = 1e-14


def test_monoprotic_acid_matches_quadratic():
    # 0.1 M acetic acid (pKa 4.76): charge balance [H+] = [A-] + [OH-]; with
    # [OH-] negligible, [H+]^2 + Ka [H+] - Ka C = 0.
    ka, c = 10 ** -4.76, 0.1
    sp = Speciation(["H+", "A-"])
    sp.add("OH-", {"H+": -1}, -14.0)
    sp.add("HA", {"H+": 1, "A-": 1}, 4.76)
    free, conc = sp.solve({"H+": c, "A-": c})
    h_exact = brentq(lambda h: h - ka * c / (ka + h) - KW / h, 1e-14, 1.0, xtol=1e-20, rtol=1e-14)
    assert free[0] == pytest.approx(h_exact, rel=1e-9)
    assert conc["HA"] + conc["A-"] == pytest.approx(c, rel=1e-10)


def test_monoprotic_dilute_limit_includes_water():
    # 1e-8 M strong-ish dilute acid: water autoprotolysis dominates, pH just below 7
    sp = Speciation(["H+", "A-"])
    sp.add("OH-", {"H+": -1}, -14.0)
    sp.add("HA", {"H+": 1, "A-": 1}, 1.0)
    free, _ = sp.solve({"H+": 1e-8, "A-": 1e-8})
    h = free[0]
    # charge balance: H = A- + OH-, with A- ~ C (fully dissociated)
    expected = (1e-8 + math.sqrt(1e-16 + 4 * KW)) / 2
    assert h == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("c", [1e-3, 0.05, 0.5])
def test_diprotic_terephthalic_acid_alpha_fractions(c):
    pka1, pka2 = 3.51, 4.82
    k1, k2 = 10 ** -pka1, 10 ** -pka2
    sp = Speciation(["H+", "L2-"])
    sp.add("OH-", {"H+": -1}, -14.0)
    sp.add("HL-", {"H+": 1, "L2-": 1}, pka2)
    sp.add("H2L", {"H+": 2, "L2-": 1}, pka1 + pka2)
    free, conc = sp.solve({"H+": 2 * c, "L2-": c})

    def alphas(h):
        d = h * h + k1 * h + k1 * k2
        return h * h / d, k1 * h / d, k1 * k2 / d

    def charge(h):
        a0, a1, a2 = alphas(h)
        return h - c * (a1 + 2 * a2) - KW / h

    h = brentq(charge, 1e-12, 2 * c, xtol=1e-22, rtol=1e-14)
    a0, a1, a2 = alphas(h)
    assert free[0] == pytest.approx(h, rel=1e-8)
    assert conc["H2L"] == pytest.approx(a0 * c, rel=1e-8)
    assert conc["HL-"] == pytest.approx(a1 * c, rel=1e-8)
    assert conc["L2-"] == pytest.approx(a2 * c, rel=1e-7)


def _random_system(rng, n_comp, n_extra):
    stoich = [np.eye(n_comp)]
    extra = rng.integers(0, 3, size=(n_extra, n_comp)).astype(float)
    extra[extra.sum(axis=1) == 0, 0] = 1.0
    stoich = np.vstack([np.eye(n_comp), extra])
    logk = np.concatenate([np.zeros(n_comp), rng.uniform(-2, 8, n_extra)])
    totals = 10 ** rng.uniform(-4, -1, n_comp)
    return logk, stoich, totals


@pytest.mark.parametrize("seed", range(8))
def test_random_systems_agree_with_scipy_root(seed):
    rng = np.random.default_rng(seed)
    logk, stoich, totals = _random_system(rng, 3, 4)
    free, species = solve_speciation(logk, stoich, totals)
    # mass balance holds
    assert np.allclose(stoich.T @ species, totals, rtol=1e-9, atol=0)

    # independent solution: scipy's hybrid root finder on the scaled mass balance in log space
    def f(y):
        s = 10 ** (logk + stoich @ y)
        return (stoich.T @ s - totals) / totals

    sol = root(f, np.log10(free) + 0.3, method="hybr", tol=1e-12)
    assert np.max(np.abs(f(sol.x))) < 1e-9      # scipy reached a solution of its own
    assert np.allclose(10 ** sol.x, free, rtol=1e-6)


def test_seesaw_tableau_kernel_matches_general_solver():
    """The growth kernel's warm-started numba speciation equals the Python wrapper."""
    from kinetics.growth.kernel import _speciate
    from kinetics.growth.parameters import PARAMETERS
    from kinetics.growth.simulation import speciation_tableau

    names, logk, stoich = speciation_tableau(4.20, 3.0, PARAMETERS.defaults())
    totals = np.array([2 * 0.06 + 0.3, 0.06, 0.3, 0.01, 0.2])
    free, species = solve_speciation(logk, stoich, totals)
    ln_c = np.log(np.full(5, 1e-5))
    sp = _speciate(logk, stoich, totals, ln_c)
    assert np.allclose(sp, species, rtol=1e-8)
    assert np.allclose(stoich.T @ sp, totals, rtol=1e-9)


def test_seesaw_acid_role_lowers_free_linker_and_raises_modulator_anion():
    """More modulator acid: less BDC2- (acid role) but more A- (ligand role)."""
    from kinetics.growth.parameters import PARAMETERS
    from kinetics.growth.simulation import speciation_tableau

    names, logk, stoich = speciation_tableau(4.20, 3.0, PARAMETERS.defaults())
    out = []
    for eq in (1.0, 5.0, 10.0):
        totals = np.array([2 * 0.06 + eq * 0.06, 0.06, eq * 0.06, 0.01, 0.2])
        _, s = solve_speciation(logk, stoich, totals)
        out.append((s[names.index("BDC2-")], s[names.index("A-")]))
    bdc = [o[0] for o in out]
    a = [o[1] for o in out]
    assert bdc[0] > bdc[1] > bdc[2]
    assert a[0] < a[1] < a[2]


def test_species_concentrations_reference():
    logk = np.array([0.0, 0.0, 3.0])
    stoich = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 2.0]])
    ln_c = np.log(np.array([1e-3, 2e-2]))
    s = species_concentrations(logk, stoich, ln_c)
    assert s[2] == pytest.approx(1e3 * 1e-3 * 4e-4, rel=1e-12)
    y, ok, err = _solve(logk, stoich, np.array([1e-2, 1e-2]), np.log(np.full(2, 1e-3)),
                        1e-12, 200)
    assert ok


@pytest.mark.parametrize("seed", range(6))
def test_inplace_newton_of_the_growth_kernel_matches_general_solver(seed):
    """The allocation-free Newton used at every growth step, on random seesaw totals."""
    from kinetics.growth.parameters import PARAMETERS
    from kinetics.growth.simulation import speciation_tableau
    from sim.equilibria import newton_inplace

    rng = np.random.default_rng(100 + seed)
    names, logk, stoich = speciation_tableau(float(rng.uniform(3.5, 5.0)),
                                             float(rng.uniform(1.0, 5.0)), PARAMETERS.defaults())
    l0, a0 = 10 ** rng.uniform(-3, -1), 10 ** rng.uniform(-3, 0)
    totals = np.array([2 * l0 + a0, l0, a0, 10 ** rng.uniform(-12, -1), 10 ** rng.uniform(-3, 0)])
    free, species = solve_speciation(logk, stoich, totals)
    y = np.log(free * np.exp(rng.uniform(-1, 1, 5)))        # a nearby warm start
    s = np.empty(len(names))
    ok = newton_inplace(logk, stoich, totals, y, s, np.empty(5), np.empty((5, 5)), np.empty(5),
                         1e-10, 200)
    assert ok
    assert np.allclose(s, species, rtol=1e-7)
