"""Photocatalytic H2 model: chemistry helpers against plain references, kernels against
references and each other, stochastic vs deterministic agreement, the parameter table and
observations, config errors and [parameters] overrides, end to end."""
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, special, stats
from scipy.integrate import solve_ivp

from kinetics.photocatalysis import MODEL
from kinetics.photocatalysis import chemistry as chem
from kinetics.photocatalysis import observables as obs
from kinetics.photocatalysis.checks import run_checks
from kinetics.photocatalysis.config import Perovskite, PhotocatalysisConfig
from kinetics.photocatalysis.kernel import (erlang_survival, qd_h2_batch, qd_h2_closed_form,
                                            qd_h2_kmc)
from kinetics.photocatalysis.master_equation import damage_survival, dense_times, qd_h2_master
from kinetics.photocatalysis.parameters import CD_READING_PARTICLE_CONC_M, TABLE
from kinetics.photocatalysis.perovskite import (K_B_EV, finke_watzky_fraction,
                                                induction_time_h, perovskite_efficiency,
                                                perovskite_run)
from kinetics.photocatalysis.simulate import simulate_qd, stern_volmer_curve
from sim.config import ConfigError, build, parse_experiment
from sim.equilibria import Speciation
from sim.rng import stream_states

DATA = Path(__file__).parent / "data"


def table_values(**overrides):
    """The table's own values (no fit file involved), with overrides."""
    return TABLE.values(overrides, use_fit=False)


def qd_config(**changes):
    data = {"system": "qd_catalyst"}
    for key, value in changes.items():
        sec, name = key.split("__")
        data.setdefault(sec, {})[name] = value
    return build(PhotocatalysisConfig, data)


# ---- chemistry helpers against plain references (sim.equilibria, closed forms)

def test_ha_minus_matches_speciation_and_closed_form():
    for pH in (3.5, 4.17, 5.5, 6.5):
        got = chem.ha_minus_M(0.28, pH, 4.17, 11.57)
        sp = Speciation(["A2-"])
        sp.add("HA-", {"A2-": 1}, 11.57 - pH)
        sp.add("H2A", {"A2-": 1}, 4.17 + 11.57 - 2.0 * pH)
        _, conc = sp.solve({"A2-": 0.28})
        assert got == pytest.approx(conc["HA-"], rel=1e-9)
    assert chem.ha_minus_M(0.28, 4.17, 4.17, 11.57) == pytest.approx(0.14, rel=1e-4)


def test_langmuir_bound_matches_speciation_and_quadratic():
    for c, s, K in ((1e-5, 2e-5, 3e5), (1e-6, 1.3e-5, 1e6), (1e-5, 2e-3, 1e6), (1e-3, 1e-6, 1e9)):
        b = chem.langmuir_bound_M(c, s, K)
        sp = Speciation(["site", "Co"])
        sp.add("site-Co", {"site": 1, "Co": 1}, math.log10(K))
        _, conc = sp.solve({"site": s, "Co": c})
        assert b == pytest.approx(conc["site-Co"], rel=1e-8)
        assert K * (c - b) * (s - b) == pytest.approx(b, rel=1e-8)
    assert chem.langmuir_bound_M(0.0, 1e-5, 1e6) == 0.0


def test_cd_per_qd_and_poisson_weights():
    assert chem.cd_per_qd(2.7) == pytest.approx(151.4, abs=0.5)
    w = chem.poisson_weights(1.4, 30)
    assert w.sum() == pytest.approx(1.0)
    assert w[2] == pytest.approx(stats.poisson.pmf(2, 1.4))
    assert chem.poisson_weights(0.0, 5)[0] == 1.0


def test_rates_follow_mechanism():
    p = table_values()
    lo = chem.qd_rates(qd_config(catalyst__conc_M=1e-6), p)
    hi = chem.qd_rates(qd_config(catalyst__conc_M=1e-5), p)
    assert hi.mean_catalysts > 5 * lo.mean_catalysts
    assert lo.k_e_by_m[0] == 0.0 and lo.k_dmg_by_m[0] == 0.0
    assert np.all(np.diff(lo.k_e_by_m) > 0)       # φ_ET(m) rises with m
    acid = chem.qd_rates(qd_config(solution__pH=3.5), p)
    base = chem.qd_rates(qd_config(solution__pH=6.5), p)
    assert acid.hole_M < base.hole_M and acid.f_hydride > base.f_hydride


def test_concentration_bases():
    p = table_values()
    cd = chem.qd_rates(qd_config(quantum_dots__conc_basis="cd"), p)
    part = chem.qd_rates(qd_config(quantum_dots__conc_basis="particles"), p)
    unrep = chem.qd_rates(qd_config(quantum_dots__conc_basis="unreported"), p)
    assert part.qd_M == 1e-4
    assert cd.qd_M == unrep.qd_M == CD_READING_PARTICLE_CONC_M       # the table value
    moved = chem.qd_rates(qd_config(quantum_dots__conc_basis="unreported"),
                          table_values(qd_particle_conc_M=1e-5))
    assert moved.qd_M == 1e-5


def test_light_sources():
    p = table_values()
    mono = chem.qd_rates(qd_config(light__source="monochromatic", light__absorbed_power_mW=20.0), p)
    band = chem.qd_rates(qd_config(light__source="xe_bandpass_400"), p)
    assert band.absorbed_flux_mol_s == pytest.approx(mono.absorbed_flux_mol_s, rel=1e-15)
    double = chem.qd_rates(qd_config(light__source="xe_bandpass_400"),
                           table_values(xe_bandpass_absorbed_power_mW=40.0))
    assert double.absorbed_flux_mol_s == pytest.approx(2 * band.absorbed_flux_mol_s)


# ---- kernels

def qd_h2_kmc_reference(seed_states, n_qd, mean_m, k_e_by_m, k_dmg_by_m, k_decay, f_h, n_crit,
                        times, agg=(0.0, 0.0, 0.0)):
    """Plain-Python version of :func:`qd_h2_kmc` with the same stream use."""
    import sim.rng as rng

    u = lambda st: rng.uniform.py_func(st)  # noqa: E731
    n_s = seed_states.shape[0]
    n_t = len(times)
    h2_sum = np.zeros((n_s, n_t))
    alive = np.zeros((n_s, n_t))

    def pois(st, lam):
        if lam <= 0:
            return 0
        pk = math.exp(-lam)
        cdf = pk
        x = u(st)
        k = 0
        while x > cdf and k < 100000:
            k += 1
            pk *= lam / k
            cdf += pk
        return k

    for s in range(n_s):
        st = seed_states[s].copy()
        for _ in range(s, n_qd, n_s):
            m = min(pois(st, mean_m), len(k_e_by_m) - 1)
            ke, kd = k_e_by_m[m], k_dmg_by_m[m]
            t_agg = math.inf
            if 1.0 - chem.monomer_fraction(times[-1], *agg) > 1e-12:
                # the monomer fraction 1/(1 + tau)^2 = u: tau = c0 * integral of 1/W
                target = (1.0 / math.sqrt(u(st)) - 1.0) / agg[1]
                if chem.coagulation_integral(times[-1], agg[0], agg[2]) >= target:
                    t_agg = float(optimize.brentq(
                        lambda x: chem.coagulation_integral(x, agg[0], agg[2]) - target,
                        0.0, times[-1], xtol=1e-9))
            n1 = dmg = h2 = 0
            t, ti, live = 0.0, 0, True
            while ti < n_t:
                a = ke + kd + n1 * k_decay if live else 0.0
                t_next = t + (-math.log(u(st)) / a if a > 0 else math.inf)
                if live and t_agg < t_next:
                    while ti < n_t and times[ti] < t_agg:
                        h2_sum[s, ti] += h2
                        alive[s, ti] += 1
                        ti += 1
                    live, t = False, t_agg
                    continue
                while ti < n_t and times[ti] < t_next:
                    h2_sum[s, ti] += h2
                    alive[s, ti] += live
                    ti += 1
                if ti >= n_t:
                    break
                t = t_next
                r = u(st) * a
                if r < ke:
                    x = (r / ke) * m
                    if x < n1:
                        if x / n1 < f_h:
                            h2 += 1
                            n1 -= 1
                    else:
                        n1 += 1
                elif r < ke + kd:
                    dmg += 1
                    live = dmg < n_crit
                else:
                    n1 -= 1
    return h2_sum, alive


def small_rates(k_lig=None, catalyst_M=3e-6):
    p = table_values(**({"k_lig_per_s": k_lig} if k_lig is not None else {}))
    return chem.qd_rates(qd_config(catalyst__conc_M=catalyst_M, run__time_h=0.2), p)


def closed_form(rates, t):
    grid = dense_times(float(t[-1]), t)
    w = chem.poisson_weights(rates.mean_catalysts, rates.k_e_by_m.size - 1)
    return qd_h2_closed_form(w, rates.k_e_by_m, rates.k_dmg_by_m, rates.k_decay, rates.f_hydride,
                             rates.n_crit, grid, np.searchsorted(grid, t), rates.aggregation)


def test_kmc_kernel_equals_python_reference():
    r = small_rates(k_lig=5e4)          # strong damage: aggregation within the run
    times = np.linspace(0, 300.0, 7)
    states = stream_states(11, 3)
    s_sum, _, alive, _ = qd_h2_kmc(states.copy(), 12, r.mean_catalysts, r.k_e_by_m,
                                   r.k_dmg_by_m, r.k_decay, r.f_hydride, 3, times)
    ref_sum, ref_alive = qd_h2_kmc_reference(states.copy(), 12, r.mean_catalysts, r.k_e_by_m,
                                             r.k_dmg_by_m, r.k_decay, r.f_hydride, 3, times)
    np.testing.assert_array_equal(s_sum, ref_sum)
    np.testing.assert_array_equal(alive, ref_alive)
    assert alive[:, -1].sum() < alive[:, 0].sum()


def test_kmc_kernel_with_aggregation_equals_python_reference():
    """Aggregation within the run: each QD stops at the time drawn from the monomer fraction."""
    r = small_rates()
    times = np.linspace(0, 300.0, 7)
    agg = (1e-3, 5e-3, 2.0)            # about half of the QDs aggregate in 300 s
    states = stream_states(12, 3)
    s_sum, _, alive, _ = qd_h2_kmc(states.copy(), 40, r.mean_catalysts, r.k_e_by_m,
                                   r.k_dmg_by_m, r.k_decay, r.f_hydride, 20, times, agg)
    ref_sum, ref_alive = qd_h2_kmc_reference(states.copy(), 40, r.mean_catalysts, r.k_e_by_m,
                                             r.k_dmg_by_m, r.k_decay, r.f_hydride, 20, times,
                                             agg)
    np.testing.assert_allclose(s_sum, ref_sum)
    np.testing.assert_array_equal(alive, ref_alive)
    assert 0 < alive[:, -1].sum() < alive[:, 0].sum()


def test_aggregation_chain_against_references():
    """E1 against scipy; the coagulation integral against quadrature; the monomer fraction
    against Smoluchowski's constant-kernel ODE with the time-dependent stability ratio;
    the aggregation time inverts the monomer fraction."""
    from scipy.integrate import quad
    for x in (1e-9, 0.2, 1.0, 1.5, 7.0, 40.0, 300.0):
        assert chem.expint_e1(x) == pytest.approx(special.exp1(x), rel=1e-13)
    k, c0, L = 2e-5, 3e4, 30.0
    inv_w = lambda s: math.exp(-L * math.exp(-2 * k * s))  # noqa: E731
    for t in (1.0, 1e3, 5e4, 2e5):
        want = quad(inv_w, 0.0, t, epsabs=0, epsrel=1e-12, limit=200)[0]
        assert chem.coagulation_integral(t, k, L) == pytest.approx(want, rel=1e-9)
    assert chem.coagulation_integral(10.0, 0.0, L) == pytest.approx(10.0 * math.exp(-L))
    assert chem.coagulation_integral(10.0, 1e-12, L) == pytest.approx(10.0 * math.exp(-L),
                                                                         rel=1e-9)
    # Smoluchowski, constant kernel K: dN/dt = -K N^2 / (2W), dN1/dt = -K N1 N / W
    K, n0 = 2.0, 1.0
    c0s = 0.5 * K * n0 * 1e-4

    def rhs(t, y):
        w = 1.0 / inv_w(t)
        return [-0.5 * K * 1e-4 * y[0] ** 2 / w, -K * 1e-4 * y[1] * y[0] / w]
    t = np.array([0.0, 5e4, 1e5, 2e5])
    sol = solve_ivp(rhs, (0, t[-1]), [n0, n0], t_eval=t, rtol=1e-10, atol=1e-14, method="LSODA")
    got = [chem.monomer_fraction(x, k, c0s, L) for x in t]
    np.testing.assert_allclose(got, sol.y[1] / n0, rtol=1e-6)
    for u in (0.9, 0.5, 0.1):
        ta = chem.aggregation_time(u, k, c0s, L, 1e7)
        assert chem.monomer_fraction(ta, k, c0s, L) == pytest.approx(u, rel=1e-9)
    assert chem.aggregation_time(0.5, k, c0s, L, 10.0) == math.inf


def test_closed_form_and_master_equation_with_aggregation():
    import dataclasses
    r = dataclasses.replace(small_rates(catalyst_M=1e-6), k_ox=2e-4, coag_c0=1e3, barrier_kT=20.0)
    t = np.linspace(0.0, 3.0 * 3600.0, 13)
    det = qd_h2_master(r, t, rtol=1e-10)
    np.testing.assert_allclose(closed_form(r, t), det["h2_per_qd"], rtol=1e-6, atol=1e-12)
    single = det["single_fraction"]
    assert single[-1] < 0.5 < single[0] == 1.0
    np.testing.assert_allclose(det["active_fraction"], single, rtol=1e-12)


def test_kmc_same_seed_same_numbers():
    r = small_rates()
    times = np.linspace(0, 200.0, 5)
    a = qd_h2_kmc(stream_states(3, 8), 64, r.mean_catalysts, r.k_e_by_m, r.k_dmg_by_m,
                  r.k_decay, r.f_hydride, 20, times)
    b = qd_h2_kmc(stream_states(3, 8), 64, r.mean_catalysts, r.k_e_by_m, r.k_dmg_by_m,
                  r.k_decay, r.f_hydride, 20, times)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("k_lig", [0.0, 3e4])
def test_closed_form_equals_master_equation(k_lig):
    r = small_rates(k_lig=k_lig, catalyst_M=1e-6)
    t = np.linspace(0.0, 3600.0, 13)
    det = qd_h2_master(r, t, rtol=1e-10)
    np.testing.assert_allclose(closed_form(r, t), det["h2_per_qd"], rtol=1e-6, atol=1e-12)
    if k_lig:
        assert det["active_fraction"][-1] < 0.9      # damage matters in this case
    else:               # only aggregation (the same for every QD) removes QDs
        np.testing.assert_allclose(det["active_fraction"], det["single_fraction"], rtol=1e-12)


def test_damage_survival_is_erlang():
    t = np.linspace(0, 1e4, 50)
    k = np.array([1e-3, 4e-3])
    s = damage_survival(7, k, t)
    for i, kk in enumerate(k):
        np.testing.assert_allclose(s[i], stats.gamma.sf(t, 7, scale=1 / kk), atol=1e-6)
    for n in (1, 7, 20, 300):
        for x in (0.0, 1e-3, 2.0, 25.0, 290.0, 750.0, 2000.0):
            assert erlang_survival(n, x) == pytest.approx(stats.poisson.cdf(n - 1, x), rel=1e-10,
                                                          abs=1e-300)
    assert erlang_survival(0, 1.0) == 0.0


def test_batch_kernel_equals_single_runs():
    """qd_h2_batch over (sets x runs) = the closed form of each run's own rates."""
    runs = obs.qd_runs()
    keys = ["ton_1e-6M", "qe", "long_70h", "ph_3.5"]
    sets = [table_values(), table_values(k_int_decay_per_s=30.0, pKa_hydride=6.0,
                                         qd_particle_conc_M=2e-5)]
    conds, grids, glen, idx, nout = obs._packed(tuple(keys))
    pars = np.array([chem.parameters_vector(v) for v in sets])
    h2, absorbed = qd_h2_batch(pars, conds, grids, glen, idx, nout)
    for s, v in enumerate(sets):
        for e, key in enumerate(keys):
            run = runs[key]
            r = chem.rates_from_scalars(pars[s], run.cond)
            w = chem.poisson_weights(r.mean_catalysts, r.k_e_by_m.size - 1)
            want = qd_h2_closed_form(w, r.k_e_by_m, r.k_dmg_by_m, r.k_decay, r.f_hydride,
                                     r.n_crit, run.grid, run.out_idx,
                                     r.aggregation) * r.n_qd_mol
            np.testing.assert_allclose(h2[s, e, :nout[e]], want, rtol=1e-13)
            assert absorbed[s, e] == r.absorbed_flux_mol_s


def test_observables_batch_equals_loop():
    ids = [o.id for o in MODEL.observations()]
    sets = [table_values(), table_values(pvk_fw_k2_per_h=1.0, k_int_decay_per_s=0.1)]
    batch = MODEL.observables_batch(sets, ids)
    for v, b in zip(sets, batch):
        single = MODEL.observables(v, ids)
        assert set(single) == set(ids)
        for i in ids:
            x = single[i][0] if isinstance(single[i], tuple) else single[i]
            y = b[i][0] if isinstance(b[i], tuple) else b[i]
            assert x == pytest.approx(y, rel=1e-12), i


def test_stochastic_agrees_with_master_equation_with_damage():
    p = table_values(k_lig_per_s=3e4)
    cfg = qd_config(catalyst__conc_M=3e-6, run__time_h=1.0, run__n_times=5,
                    solver__method="both", solver__n_qd=300, solver__n_streams=8)
    out = simulate_qd(cfg, p, seed=5)
    assert out["active_fraction"][-1] < 0.9       # damage matters in this test
    z = (out["h2_per_qd_kmc"][1:] - out["h2_per_qd"][1:]) / out["h2_per_qd_kmc_se"][1:]
    assert np.all(np.abs(z) < 4.0)
    assert abs(out["active_fraction_kmc"][-1] - out["active_fraction"][-1]) < 0.1


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=12, deadline=None)
@given(k_e=st.floats(0.05, 20.0), k_decay=st.floats(0.01, 50.0), f_h=st.floats(0.0, 1.0),
       m_bar=st.floats(0.0, 6.0))
def test_master_equation_property_no_damage(k_e, k_decay, f_h, m_bar):
    m_max = int(m_bar + 10 * math.sqrt(m_bar) + 12)
    m = np.arange(m_max + 1, dtype=float)
    rates = chem.QDRates(n_qd_mol=1e-9, qd_M=1e-7, diameter_nm=2.7, mean_catalysts=m_bar,
                         bound_fraction=1.0, k_abs_per_s=k_e, absorbed_flux_mol_s=1e-9,
                         hole_M=0.1, f_hydride=f_h, k_e_by_m=np.where(m > 0, k_e, 0.0),
                         k_dmg_by_m=np.zeros(m_max + 1), k_decay=k_decay, n_crit=5,
                         catalyst_mol=1e-9)
    t = np.linspace(0.0, 600.0, 7)
    det = qd_h2_master(rates, t)["h2_per_qd"]
    assert np.all(np.diff(det) >= -1e-12)
    np.testing.assert_allclose(det, closed_form(rates, t), rtol=1e-5, atol=1e-9)
    # exact time integral of the two-state solution (no quadrature): the grid's trapezoid
    # rule is within 5e-3 of it
    w = chem.poisson_weights(m_bar, m_max)
    exact = np.zeros_like(t)
    for k in range(1, m_max + 1):
        a = k_e / k
        c = a * f_h
        lam = a + c + k_decay
        exact += w[k] * k * c * (a / lam) * (t - (1.0 - np.exp(-lam * t)) / lam)
    np.testing.assert_allclose(det, exact, rtol=5e-3, atol=1e-6)


# ---- perovskite

def test_finke_watzky_closed_form_matches_ode():
    k1, k2 = 0.02, 2.5
    sol = solve_ivp(lambda t, a: -k1 * a - k2 * a * (1 - a), (0, 10), [1.0], rtol=1e-10,
                    atol=1e-12, dense_output=True)
    t = np.linspace(0, 10, 21)
    np.testing.assert_allclose(finke_watzky_fraction(t, k1, k2), 1 - sol.sol(t)[0], atol=1e-7)


def test_perovskite_trends():
    p = table_values()
    rods = Perovskite()
    cubes = Perovskite(morphology="cubes", pl_lifetime_ns=79.9, valence_band_V=1.49,
                       band_gap_eV=2.36, br_vacancy_fraction=0.463)
    native = Perovskite(morphology="cubes", ligand="native", pl_lifetime_ns=79.9,
                        valence_band_V=1.49, band_gap_eV=2.36, br_vacancy_fraction=0.463)
    e = {k: float(perovskite_efficiency(v, p, 1.0)) for k, v in
         dict(rods=rods, cubes=cubes, native=native).items()}
    assert e["rods"] > e["cubes"] > e["native"]
    longer = Perovskite(pl_lifetime_ns=250.0)
    assert float(perovskite_efficiency(longer, p, 1.0)) > e["rods"]
    t = np.linspace(0, 18, 73)
    run = perovskite_run(rods, p, t)
    assert run["h2_umol_g"][0] == 0 and np.all(np.diff(run["h2_umol_g"]) >= 0)
    assert 0 < run["induction_h"] < 18


def test_induction_time_of_a_shifted_line():
    t = np.linspace(0, 18, 181)
    assert induction_time_h(t, np.maximum(0, 10 * (t - 2.0))) == pytest.approx(2.0)
    assert math.isnan(induction_time_h(t, np.zeros_like(t)))


def test_rods_over_cubes_efficiency_linear_regime():
    """With little Pt (k_H << 1/tau) the efficiency ratio is (tau_r/tau_c) (v_r/v_c) x the
    Marcus factor between the two driving forces: lifetimes, vacancies, band edges."""
    p = table_values()
    rods = obs.reference("cspbbr3_rods").config.perovskite
    cubes = obs.reference("cspbbr3_cubes").config.perovskite
    x = 1e-6
    got = perovskite_efficiency(rods, p, x) / perovskite_efficiency(cubes, p, x)
    d_dg = (rods.band_gap_eV - rods.valence_band_V) - (cubes.band_gap_eV - cubes.valence_band_V)
    lam, kt = p["pvk_reorganization_eV"], K_B_EV * 298.15
    g_r = -(rods.valence_band_V - rods.band_gap_eV)
    g_c = -(cubes.valence_band_V - cubes.band_gap_eV)
    assert g_r - g_c == pytest.approx(d_dg)
    want = (rods.pl_lifetime_ns / cubes.pl_lifetime_ns
            * rods.br_vacancy_fraction / cubes.br_vacancy_fraction
            * math.exp((-(lam - g_r) ** 2 + (lam - g_c) ** 2) / (4 * lam * kt)))
    assert got == pytest.approx(want, rel=1e-5)
    # activationless at the mean driving force: the lifetime x vacancy ratio is left
    p0 = dict(p, pvk_reorganization_eV=0.5 * (g_r + g_c))
    got0 = perovskite_efficiency(rods, p0, x) / perovskite_efficiency(cubes, p0, x)
    assert got0 == pytest.approx(125.6 / 79.9 * 0.413 / 0.463, rel=1e-5)
    # lambda -> infinity: the symmetric Butler-Volmer form exp(dDG / 2kT) (alpha = 1/2)
    pinf = dict(p, pvk_reorganization_eV=1e9)
    ginf = perovskite_efficiency(rods, pinf, x) / perovskite_efficiency(cubes, pinf, x)
    assert ginf == pytest.approx(125.6 / 79.9 * 0.413 / 0.463 * math.exp(0.5 * d_dg / kt),
                                 rel=1e-6)


def test_bf4_gain_is_free_surface_ratio_in_linear_regime():
    p = table_values()
    bf4 = obs.reference("cspbbr3_cubes").config.perovskite
    native = obs.reference("cspbbr3_cubes_native").config.perovskite
    x = 1e-6
    ratio = perovskite_efficiency(bf4, p, x) / perovskite_efficiency(native, p, x)
    assert ratio == pytest.approx(1.0 / (1.0 - p["pvk_long_ligand_coverage"]), rel=1e-5)


def test_stern_volmer_curve_static_limit():
    c = np.array([0.0, 1e-6, 5e-6])
    ratio = stern_volmer_curve(c, 1e-6, table_values())
    assert ratio[0] == pytest.approx(1.0)
    assert np.all(np.diff(ratio) > 0)


# ---- parameter table and observations

def test_parameter_table_declares_every_knob():
    assert len(TABLE.of_kind("calibrated")) == 6 and len(TABLE.of_kind("nuisance")) == 6
    for p in TABLE:
        assert p.unit and p.source and p.doc, p.name
        if p.kind == "calibrated":
            assert p.source.startswith("calibrated:"), p.name
        elif p.kind == "nuisance":
            assert p.source.startswith("nuisance:"), p.name
        else:
            assert not p.source.lower().startswith(("calibrated", "nuisance", "fitted")), p.name
    # the table holds exactly what the two mechanisms read: the packed QD vector and the
    # pvk_ names, each of which the perovskite mechanism needs
    pvk = [n for n in TABLE.names if n.startswith("pvk_")]
    stern_volmer = {"catalyst_radius_nm", "qd_ligand_shell_nm"}
    assert set(TABLE.names) == set(chem.QD_PARAMETERS) | set(pvk) | stern_volmer
    native = obs.reference("cspbbr3_cubes_native").config.perovskite
    for name in pvk:
        values = table_values()
        del values[name]
        with pytest.raises(KeyError):
            perovskite_run(native, values, np.linspace(0.0, 18.0, 5))


def test_observations_match_observables_and_roles():
    observations = MODEL.observations()
    ids = [o.id for o in observations]
    assert set(ids) == set(obs.QD_OBSERVABLES) | set(obs.PVK_OBSERVABLES)
    held = {o.id for o in observations if not o.fit}
    assert held == {"ton_order_loading", "induction_cubes", "rods_over_cubes_18h",
                    "bf4_gain_cubes"}
    by = {o.id: o for o in observations}
    # rows decided by one value name it
    assert "pKa_hydride" in by["ph_optimum"].note
    assert "qd_barrier_kT" in by["rate_fall_30h"].note
    assert "pvk_reorganization_eV" in by["rods_over_cubes_18h"].note
    assert "pvk_long_ligand_coverage" in by["bf4_gain_cubes"].note
    # the measured numbers agree with the CSVs kept beside them
    cdte = {r["quantity"]: float(r["value"]) for r in obs.read_data("cdte_co_h2.csv")
            if r["unit"] != "text"}
    assert by["ton_30h_1e-6M"].value == cdte["ton"]
    assert by["qe_400nm"].value == pytest.approx(100 * cdte["quantum_efficiency"])
    pv = {r["quantity"]: float(r["value"]) for r in obs.read_data("cspbbr3_h2.csv")}
    assert by["h2_18h_rods"].value == pv["h2_18h_rods"]
    assert by["bf4_gain_cubes"].value == pv["bf4_gain_cubes"]
    assert by["aqy_rods"].min == pytest.approx(50 * pv["aqy"])
    assert by["aqy_rods"].max == pytest.approx(200 * pv["aqy"])


def test_margins_pass_exactly_when_the_old_criteria_do():
    """The ordinal observables are margins >= 0 iff the statement holds."""
    v = table_values()
    res = obs.qd_batch([v, dict(v, pKa_hydride=7.0)], obs.QD_OBSERVABLES["ph_optimum"][0])
    for r in res:
        h2 = obs.ph_scan_h2(r)
        best = obs.PH_GRID[int(np.argmax(h2))]
        margin, text = obs._obs_ph(r)
        assert (margin >= 0) == (abs(best - 5.5) <= 0.5 + 1e-9)
        assert text == f"optimum pH {best:.1f}"
    assert obs._obs_ph(res[1])[0] > 0 > obs._obs_ph(res[0])[0]


# ---- config, [parameters] overrides, run

def test_config_errors_name_key_and_allowed():
    with pytest.raises(ConfigError, match="absorbed_power_mW"):
        qd_config(light__source="monochromatic")
    with pytest.raises(ConfigError, match="n_streams"):
        qd_config(solver__n_qd=4, solver__n_streams=8)
    with pytest.raises(ConfigError, match="pH"):
        qd_config(solution__pH=14.5)
    with pytest.raises(ConfigError, match="unknown key"):
        build(PhotocatalysisConfig, {"parameters": {"k_et_per_s": 1.0}})   # no private section


SHORT_QD = """model = "photocatalysis"
system = "qd_catalyst"
[catalyst]
conc_M = 1.0e-6
[run]
time_h = 2.0
n_times = 5
"""


def test_unknown_parameter_is_rejected_with_the_allowed_names():
    with pytest.raises(ConfigError) as err:
        parse_experiment(SHORT_QD + "[parameters]\nk_nonsense = 1.0\n")
    msg = str(err.value)
    assert "parameters.k_nonsense" in msg and "unknown parameter" in msg
    assert "pKa_hydride" in msg and "pvk_reorganization_eV" in msg
    with pytest.raises(ConfigError, match="out of range"):
        parse_experiment(SHORT_QD + "[parameters]\npKa_hydride = 30.0\n")


def test_parameters_override_changes_the_result_and_is_stamped(monkeypatch):
    base_values = table_values()
    monkeypatch.setattr(TABLE, "fitted_point", lambda: {})     # independent of the fit file
    base = MODEL.run(parse_experiment(SHORT_QD))
    changed = MODEL.run(parse_experiment(SHORT_QD + "[parameters]\nk_int_decay_per_s = 100.0\n"))
    assert changed["ton"][-1] < 0.5 * base["ton"][-1]
    assert base.parameters == base_values
    assert changed.parameters["k_int_decay_per_s"] == 100.0
    assert set(changed.parameters) == set(TABLE.names)
    assert "fit_file" in changed.fit
    pv = MODEL.run(parse_experiment('model = "photocatalysis"\nsystem = "perovskite_pt"\n'
                                    '[run]\ntime_h = 18.0\nn_times = 19\n'
                                    '[parameters]\npvk_fw_k2_per_h = 30.0\n'))
    assert pv.parameters["pvk_fw_k2_per_h"] == 30.0
    assert pv.summary["induction_time"].values < 1.0


def test_reference_inputs_load():
    for name in ("cdte_co_1e-6M", "cdte_co_1e-5M", "cdte_co_qe_400nm", "cdte_co_ph_scan",
                 "cdte_co_kmc", "cdte_co_1e-6M_70h", "cdte_co_h2a_scan", "cspbbr3_rods",
                 "cspbbr3_cubes", "cspbbr3_cubes_native", "cspbbr3_rods_native"):
        exp = obs.reference(name)
        assert exp.model == "photocatalysis" and exp.parameters == {}
        if exp.config.system == "qd_catalyst":
            assert exp.config.quantum_dots.conc_basis == "unreported"


def test_run_write_and_plot(tmp_path, monkeypatch):
    from sim.store import read_result, write_result

    monkeypatch.setattr(TABLE, "fitted_point", lambda: {})
    exp = parse_experiment(SHORT_QD + "[solver]\nmethod = \"both\"\nn_qd = 64\nn_streams = 4\n")
    res = MODEL.run(exp)
    assert res["ton"][0] == 0 and res["ton"][-1] > 0
    write_result(tmp_path / "r.h5", res, exp)
    back, prov = read_result(tmp_path / "r.h5")
    assert back.parameters == pytest.approx(res.parameters)
    assert "fit_file" in prov
    MODEL.plot(res, tmp_path / "r.png")
    assert (tmp_path / "r.png").stat().st_size > 1000
    pv = parse_experiment('model = "photocatalysis"\nsystem = "perovskite_pt"\n'
                          '[run]\ntime_h = 18.0\nn_times = 19\n')
    res = MODEL.run(pv)
    assert res["h2_per_g"][-1] > 0
    MODEL.plot(res, tmp_path / "p.png")


# ---- the same numbers as before the port (commit 8695f80)

def _legacy_values():
    legacy = json.loads((DATA / "legacy_fits_8695f80.json").read_text())["values"]["photocatalysis"]
    legacy.setdefault("pKa_hydride", 10.5)     # the table value then (the prior centre now moved)
    # the mechanism then: the CdS-nanorod damage budget, no aggregation, alpha = 1/2
    # (the Marcus factor at lambda -> infinity)
    legacy.update(k_lig_per_s=25.0, qd_ligand_oxidation_per_photon=0.0, qd_barrier_kT=120.0,
                  pvk_reorganization_eV=1e9)
    return table_values(**legacy)


def _old_rows():
    rows = json.loads((DATA / "validate_8695f80.json").read_text())
    return {(r["experiment"], r["quantity"]): r for r in rows if r["model"] == "photocatalysis"}


def test_same_numbers_as_before_the_port():
    """Table values + the legacy fitted values reproduce every old data row."""
    old = _old_rows()
    observations = {o.id: o for o in MODEL.observations()}
    sim = MODEL.observables(_legacy_values(), list(observations))
    assert len(sim) == len(old) - 1          # the stochastic row is a check now
    for oid, ob in observations.items():
        row = old[(ob.experiment, ob.quantity)]
        value = sim[oid]
        if isinstance(value, tuple):           # margins: the text is what the old row showed
            x, text = value
            if oid == "ph_optimum":
                assert text == f"optimum pH {row['simulated']}"
            else:
                assert text == row["simulated"], oid
        elif oid == "aqy_rods":
            assert row["simulated"] == f"{value:.3g} %"
            assert value == pytest.approx(0.04, rel=1e-6)
        else:
            assert value == pytest.approx(row["simulated"], rel=1e-6, abs=1e-6), oid
        assert ob.passes(value[0] if isinstance(value, tuple) else value) == row["pass"], oid


@pytest.mark.slow
def test_checks_pass_and_reproduce_the_old_stochastic_row():
    rows = run_checks(_legacy_values(), quick=False)
    assert all(r.kind == "check" and r.role is None for r in rows)
    failed = [r.quantity for r in rows if not r.passed]
    assert not failed, failed
    old = _old_rows()[("cdte_co_kmc", "mean H2 per QD at 10 h: stochastic (2000 QDs) vs master "
                       "equation")]
    kmc = rows[0]
    assert (kmc.measured, kmc.simulated, kmc.deviation) == (old["measured"], old["simulated"],
                                                            old["deviation"])


# ---- other QD materials, Stern-Volmer from binding + transfer, vanishing volume, figures

def test_cdse_and_cds_are_refused_with_the_reason():
    for mat in ("CdSe", "CdS"):
        with pytest.raises(ConfigError) as err:
            parse_experiment(SHORT_QD + f'[quantum_dots]\nmaterial = "{mat}"\n', file="q.toml")
        msg = str(err.value)
        assert "quantum_dots.material" in msg and "CdTe" in msg and "q.toml" in msg


def test_vanishing_volume_is_refused():
    with pytest.raises(ConfigError, match="solution.volume_mL"):
        parse_experiment(SHORT_QD + "[solution]\nvolume_mL = 1e-300\n")


def test_stern_volmer_follows_binding_and_transfer_and_flags_the_diffusion_limit(monkeypatch):
    from kinetics.photocatalysis.simulate import smoluchowski_per_M_s

    monkeypatch.setattr(TABLE, "fitted_point", lambda: {})
    runs = {k: MODEL.run(parse_experiment(SHORT_QD + f"[parameters]\n{k}\n"))
            for k in ("k_et_per_s = 2.0e8", "k_et_per_s = 2.0e9", "langmuir_K_per_M = 1.0e3")}
    ksv = {k: r.summary["stern_volmer_K"].values for k, r in runs.items()}
    assert ksv["k_et_per_s = 2.0e9"] > 1.5 * ksv["k_et_per_s = 2.0e8"]
    assert ksv["langmuir_K_per_M = 1.0e3"] < 0.5 * ksv["k_et_per_s = 2.0e8"]
    # static (bound) quenching: the apparent k_q exceeds the diffusion limit and is flagged
    r = runs["k_et_per_s = 2.0e8"]
    kd = r.summary["diffusion_limit_kq"].values
    assert 1e9 < kd < 1e11
    assert kd == pytest.approx(smoluchowski_per_M_s(0.5 * r.summary["qd_diameter"].values,
                                                    table_values()), rel=1e-12)
    assert r.summary["stern_volmer_kq"].values > kd
    assert r.attrs["stern_volmer_regime"] == "static"
    assert "diffusion limit" in r.attrs["warnings"]
    # weak binding: mostly dynamic, no flag
    w = runs["langmuir_K_per_M = 1.0e3"]
    if w.summary["stern_volmer_kq"].values <= w.summary["diffusion_limit_kq"].values:
        assert "warnings" not in w.attrs
    # the static and dynamic parts multiply to the total
    assert np.allclose(r["stern_volmer/I0_over_I_static"] * r["stern_volmer/I0_over_I_dynamic"],
                       r["stern_volmer/I0_over_I"])


def test_plots_are_figures_without_offsets_and_report_figures_quick(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from kinetics.photocatalysis.plots import plot_result
    monkeypatch.setattr(TABLE, "fitted_point", lambda: {})
    res = MODEL.run(parse_experiment(SHORT_QD))
    fig = plot_result(res, tmp_path / "r.png")
    assert isinstance(fig, Figure) and (tmp_path / "r.png").exists()
    assert (tmp_path / "r.svg").exists()
    for ax in fig.axes:
        assert ax.yaxis.get_major_formatter().get_offset() == ""
    figs = MODEL.report_figures(quick=True)
    assert len(figs) == 2 and all(isinstance(f.figure, Figure) for f in figs)
    for f in figs:
        assert f.title and f.caption
        labels = [t.get_text() for ax in f.figure.axes if ax.get_legend()
                  for t in ax.get_legend().get_texts()]
        assert any("measured" in x for x in labels)


def test_stochastic_work_estimate_is_refused_before_work(monkeypatch):
    """A stochastic run whose estimated events exceed solver.max_events is refused with the
    key, value and allowed range, before any Gillespie work; the estimate bounds the events
    a small run really takes."""
    monkeypatch.setattr(TABLE, "fitted_point", lambda: {})
    big = SHORT_QD + "[solver]\nmethod = \"stochastic\"\nn_qd = 10000000\nmax_events = 1000000\n"
    with pytest.raises(ConfigError) as err:
        MODEL.run(parse_experiment(big))
    e = err.value
    assert e.key == "solver.n_qd" and e.value == 10_000_000
    assert "solver.max_events" in e.allowed and "work estimate" in str(e)
    cfg = qd_config(catalyst__conc_M=1e-5, run__time_h=0.05, solver__method="stochastic",
                    solver__n_qd=200, solver__n_streams=4)
    from kinetics.photocatalysis.simulate import kmc_work_estimate
    p = table_values()
    out = simulate_qd(cfg, p, seed=3)
    est = kmc_work_estimate(chem.qd_rates(cfg, p), 200, 0.05 * 3600.0)
    assert out["kmc_events"] <= est < 3.0 * out["kmc_events"] + 200
