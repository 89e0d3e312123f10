"""Population-balance kernels (sim.pbe): references, conservation, moments, closed forms."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from sim.pbe import (add_nuclei, advance_classes, cnt_rate, critical_radius_nm, grow_radius,
                     log_histogram, particle_units, simulate_closed, size_moments,
                     units_per_particle)

VM = 0.2376          # L/mol, MIL-125 per Ti
NM3_L = 1e-24


def test_cnt_rate_and_critical_radius_reference():
    for s in (1.5, 10.0, 1e3):
        assert cnt_rate(s, 1e20, 50.0) == pytest.approx(1e20 * math.exp(-50.0 / math.log(s) ** 2))
        assert critical_radius_nm(s, 2.0) == pytest.approx(2.0 / math.log(s))
    assert cnt_rate(1.0, 1e20, 50.0) == 0.0
    assert cnt_rate(0.5, 1e20, 50.0) == 0.0
    assert math.isinf(critical_radius_nm(0.9, 2.0))


def test_units_per_particle_reference():
    r = 12.5
    assert units_per_particle(r, VM) == pytest.approx(4 / 3 * math.pi * r ** 3 * NM3_L / VM)


def test_single_burst_constant_growth_closed_form():
    """One burst of N0 nuclei at r0, constant supersaturation, reaction control,
    no Gibbs–Thomson: r(t) = r0 + vm k (c - c_sat) t exactly, whatever the steps."""
    r = np.array([1.0, 0.0])
    n = np.array([1e15, 0.0])
    k, c, csat = 5.0, 0.02, 1e-4
    g = VM * k * (c - csat)
    t = 0.0
    taken = 0.0
    for dt in (0.1, 3.0, 0.7, 10.0, 25.0):
        taken += advance_classes(r, n, 1, dt, c, csat, 0.0, 0.0, k, VM, 0.05)
        t += dt
        assert r[0] == pytest.approx(1.0 + g * t, rel=1e-13)
    # the solute booked equals the volume grown
    expected = 1e15 * (units_per_particle(1.0 + g * t, VM) - units_per_particle(1.0, VM))
    assert taken == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("inv_d,k", [(0.0, 5.0), (1e-9, 40.0), (1e-3, 2.0), (0.05, 0.5)])
def test_advance_classes_matches_grow_radius_reference(inv_d, k):
    """The loop over classes (invariants hoisted) against the per-class reference:
    grow_radius with c_eq = c_sat exp(l_c / r0) and the change of
    units_per_particle, including a class that dissolves and an empty one."""
    lc, csat, c, dt = 0.8, 1e-4, 3e-4, 7.0
    r0 = np.array([0.3, 0.5, 1.0, 4.0, 30.0, 250.0, 2.0])
    n0 = np.array([1e16, 1e15, 1e15, 1e14, 1e12, 1e9, 0.0])
    r, n = r0.copy(), n0.copy()
    taken = advance_classes(r, n, r0.size, dt, c, csat, lc, inv_d, k, VM, 0.35)
    expected = 0.0
    for i in range(r0.size):
        if n0[i] <= 0.0:
            assert r[i] == r0[i] and n[i] == 0.0
            continue
        r1 = grow_radius(r0[i], dt, c, csat * math.exp(lc / r0[i]), inv_d, k, VM)
        if r1 < 0.35:
            assert n[i] == 0.0 and r[i] == 0.0
            expected -= n0[i] * units_per_particle(r0[i], VM)
        else:
            assert r[i] == pytest.approx(r1, rel=1e-14)
            expected += n0[i] * (units_per_particle(r1, VM) - units_per_particle(r0[i], VM))
    assert n[0] == 0.0                     # the smallest class dissolved
    assert taken == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("inv_d", [0.0, 1e-3, 0.05])
def test_grow_radius_matches_ode_reference(inv_d):
    """Exact mixed-control step vs scipy on dr/dt = vm Δc / (r/D + 1/k) (fixed c_eq)."""
    k, dc, r0, t_end = 2.0, 0.01, 0.8, 400.0

    def rhs(t, y):
        return [VM * dc / (y[0] * inv_d + 1.0 / k)]

    ref = solve_ivp(rhs, (0, t_end), [r0], rtol=1e-11, atol=1e-12).y[0, -1]
    assert grow_radius(r0, t_end, dc + 1e-4, 1e-4, inv_d, k, VM) == pytest.approx(ref, rel=1e-7)


def test_gibbs_thomson_growth_converges_to_ode():
    """Steps of advance_classes with c_eq = c_sat exp(l_c / r) converge to the ODE."""
    k, c, csat, lc, inv_d = 1.0, 2e-3, 1e-3, 1.5, 0.01

    def rhs(t, y):
        return [VM * (c - csat * math.exp(lc / y[0])) / (y[0] * inv_d + 1.0 / k)]

    ref = solve_ivp(rhs, (0, 2000.0), [3.0], rtol=1e-11, atol=1e-12).y[0, -1]
    r = np.array([3.0])
    n = np.array([1.0])
    for _ in range(20000):
        advance_classes(r, n, 1, 0.1, c, csat, lc, inv_d, k, VM, 0.05)
    assert r[0] == pytest.approx(ref, rel=1e-4)


def test_dissolving_class_returns_its_material():
    r = np.array([0.6, 5.0])
    n = np.array([1e16, 1e14])
    before = particle_units(r, n, 2, VM)
    # undersaturated: the small class dissolves below r_min, the big one shrinks
    taken = advance_classes(r, n, 2, 50.0, 1e-6, 1e-4, 3.0, 0.0, 1.0, VM, 0.5)
    assert n[0] == 0.0 and r[1] < 5.0
    assert before - particle_units(r, n, 2, VM) == pytest.approx(-taken, rel=1e-12)


def test_add_nuclei_merges_conserving_volume_and_opens_classes():
    r = np.zeros(3)
    n = np.zeros(3)
    nc, took = add_nuclei(r, n, 0, 1e15, 1.0, VM, 1.5)
    assert nc == 1 and took == pytest.approx(1e15 * units_per_particle(1.0, VM))
    nc, _ = add_nuclei(r, n, nc, 1e15, 0.8, VM, 1.5)       # 1.0 < 1.5*0.8: merge
    assert nc == 1 and n[0] == 2e15
    assert r[0] ** 3 == pytest.approx((1.0 + 0.8 ** 3) / 2)
    r[0] = 4.0                                             # class has grown: new class
    nc, _ = add_nuclei(r, n, nc, 1e14, 0.8, VM, 1.5)
    nc, _ = add_nuclei(r, n, nc, 1e14, 0.8, VM, 1.0)
    assert nc == 3
    total = particle_units(r, n, 3, VM)
    nc, took = add_nuclei(r, n, nc, 5e13, 0.7, VM, 1.0)    # full: joins the newest
    assert nc == 3
    assert particle_units(r, n, 3, VM) == pytest.approx(total + took, rel=1e-12)


def test_log_histogram_matches_numpy():
    rng = np.random.default_rng(3)
    r = 10 ** rng.uniform(0.1, 1.9, 200)
    n = rng.uniform(0, 1e15, 200)
    edges = np.geomspace(1.0, 100.0, 41)
    out = np.zeros(40)
    log_histogram(r, n, 200, edges, out)
    ref, _ = np.histogram(r, bins=edges, weights=n)
    assert np.allclose(out, ref, rtol=1e-12)


@pytest.mark.parametrize("lc,rn", [(0.0, 0.8), (1.2, 0.0)])
def test_closed_batch_conserves_mass(lc, rn):
    """Solute + material in particles = initial + fed, to round-off, with nucleation,
    growth, Gibbs–Thomson shrinkage and dissolution all active."""
    c0, feed = 0.01, 2e-5
    r, n, nc, c, fed = simulate_closed(c0, feed, 600.0, 0.5, 1e-4, 1e22, 60.0, lc, 1e-4,
                                       3.0, VM, rn, 300)
    assert nc > 5
    total = c + particle_units(r, n, nc, VM)
    assert total == pytest.approx(c0 + fed, rel=1e-9)


def _moments_reference(c0, t_end, csat, a, b, k, rn):
    """Method of moments for size-independent growth G = vm k (c - c_sat) with CNT
    nucleation of radius-rn nuclei (closes exactly)."""
    per_r3 = 4.0 / 3.0 * math.pi * NM3_L / VM

    def rhs(t, y):
        m0, m1, m2, m3, c = y
        s = c / csat
        j = a * math.exp(-b / math.log(s) ** 2) if s > 1 else 0.0
        g = VM * k * (c - csat)
        dm3 = 3 * g * m2 + j * rn ** 3
        return [j, g * m0 + j * rn, 2 * g * m1 + j * rn ** 2, dm3, -per_r3 * dm3]

    return solve_ivp(rhs, (0, t_end), [0, 0, 0, 0, c0], method="LSODA", rtol=1e-10,
                     atol=[1e-3, 1e-3, 1e-3, 1e-3, 1e-16]).y[:, -1]


def test_classes_agree_with_method_of_moments():
    c0, t_end, csat, a, b, k, rn = 0.01, 400.0, 1e-4, 1e19, 80.0, 2.0, 1.0
    m0, m1, m2, m3, c = _moments_reference(c0, t_end, csat, a, b, k, rn)
    r, n, nc, c_cls, _ = simulate_closed(c0, 0.0, t_end, 0.02, csat, a, b, 0.0, 0.0, k, VM,
                                         rn, 30000)
    mom = size_moments(r, n, nc)
    assert c < 0.5 * c0                      # a case where supersaturation really falls
    for got, ref in zip(mom, (m0, m1, m2, m3)):
        assert got == pytest.approx(ref, rel=0.01)
    assert c_cls == pytest.approx(c, rel=0.02)
