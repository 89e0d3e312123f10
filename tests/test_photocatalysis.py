"""Photocatalytic H2 model: chemistry helpers, kernels against references and analytic
limits, stochastic vs deterministic agreement, config errors, end to end."""
import math

import numpy as np
import pytest
from scipy import stats
from scipy.integrate import solve_ivp

from kinetics import photocatalysis as pc
from sim.config import ConfigError, build, parse_experiment
from sim.rng import stream_states


def qd_config(**changes):
    data = {"system": "qd_catalyst"}
    for key, value in changes.items():
        sec, name = key.split("__")
        data.setdefault(sec, {})[name] = value
    return build(pc.PhotocatalysisConfig, data)


# ---- chemistry helpers

def test_ascorbate_speciation_matches_closed_form():
    for pH in (3.5, 4.17, 5.5, 6.5):
        got = pc.ascorbate_speciation(0.28, pH, 4.17, 11.57)
        h = 10.0 ** -pH
        k1, k2 = 10 ** -4.17, 10 ** -11.57
        d = h * h + k1 * h + k1 * k2
        assert got["HA-"] == pytest.approx(0.28 * k1 * h / d, rel=1e-8)
        assert got["H2A"] == pytest.approx(0.28 * h * h / d, rel=1e-8)
    assert pc.ascorbate_speciation(0.28, 4.17, 4.17, 11.57)["HA-"] == pytest.approx(0.14, rel=1e-4)


def test_langmuir_loading_matches_quadratic():
    c, s, K = 1e-5, 2e-5, 3e5
    free, bound = pc.langmuir_loading(c, s, K)
    # bound b solves K (c − b)(s − b) = b
    a2, a1, a0 = K, -(K * (c + s) + 1), K * c * s
    b = (-a1 - math.sqrt(a1 * a1 - 4 * a2 * a0)) / (2 * a2)
    assert bound == pytest.approx(b, rel=1e-8)
    assert free + bound == pytest.approx(c, rel=1e-10)
    assert pc.langmuir_loading(0.0, s, K) == (0.0, 0.0)


def test_cd_per_qd_and_poisson_weights():
    assert pc.cd_per_qd(2.7) == pytest.approx(151.4, abs=0.5)
    w = pc.poisson_weights(1.4, 30)
    assert w.sum() == pytest.approx(1.0)
    assert w[2] == pytest.approx(stats.poisson.pmf(2, 1.4))
    assert pc.poisson_weights(0.0, 5)[0] == 1.0


def test_rates_follow_mechanism():
    p = pc.parameters()
    lo = pc.qd_rates(qd_config(catalyst__conc_M=1e-6), p)
    hi = pc.qd_rates(qd_config(catalyst__conc_M=1e-5), p)
    assert hi.mean_catalysts > 5 * lo.mean_catalysts
    assert lo.k_e_by_m[0] == 0.0 and lo.k_dmg_by_m[0] == 0.0
    assert np.all(np.diff(lo.k_e_by_m) > 0)       # φ_ET(m) rises with m
    acid = pc.qd_rates(qd_config(solution__pH=3.5), p)
    base = pc.qd_rates(qd_config(solution__pH=6.5), p)
    assert acid.hole_M < base.hole_M and acid.f_hydride > base.f_hydride


# ---- kernels

def small_rates(k_lig=None):
    p = pc.parameters({"k_lig_per_s": k_lig} if k_lig is not None else None)
    cfg = qd_config(catalyst__conc_M=3e-6, run__time_h=0.2)
    return pc.qd_rates(cfg, p)


def test_kmc_kernel_equals_python_reference():
    r = small_rates(k_lig=5e4)          # strong damage: aggregation within the run
    times = np.linspace(0, 300.0, 7)
    states = stream_states(11, 3)
    s_sum, _, alive, _ = pc.qd_h2_kmc(states.copy(), 12, r.mean_catalysts, r.k_e_by_m,
                                      r.k_dmg_by_m, r.k_decay, r.f_hydride, 3, times)
    ref_sum, ref_alive = pc.qd_h2_kmc_reference(states.copy(), 12, r.mean_catalysts, r.k_e_by_m,
                                                r.k_dmg_by_m, r.k_decay, r.f_hydride, 3, times)
    np.testing.assert_array_equal(s_sum, ref_sum)
    np.testing.assert_array_equal(alive, ref_alive)
    assert alive[:, -1].sum() < alive[:, 0].sum()


def test_kmc_same_seed_same_numbers():
    r = small_rates()
    times = np.linspace(0, 200.0, 5)
    a = pc.qd_h2_kmc(stream_states(3, 8), 64, r.mean_catalysts, r.k_e_by_m, r.k_dmg_by_m,
                     r.k_decay, r.f_hydride, 20, times)
    b = pc.qd_h2_kmc(stream_states(3, 8), 64, r.mean_catalysts, r.k_e_by_m, r.k_dmg_by_m,
                     r.k_decay, r.f_hydride, 20, times)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_master_equation_matches_analytic_without_damage():
    r = small_rates(k_lig=0.0)
    t = np.linspace(0.0, 3600.0, 13)
    det = pc.qd_h2_master(r, t)
    ana = pc.qd_h2_analytic(r, t)
    np.testing.assert_allclose(det["h2_per_qd"], ana, rtol=2e-3, atol=1e-6)
    np.testing.assert_allclose(det["active_fraction"], 1.0, atol=1e-12)


def test_damage_survival_is_erlang():
    t = np.linspace(0, 1e4, 50)
    k = np.array([1e-3, 4e-3])
    s = pc.damage_survival(7, k, t)
    for i, kk in enumerate(k):
        np.testing.assert_allclose(s[i], stats.gamma.sf(t, 7, scale=1 / kk), atol=1e-6)


def test_stochastic_agrees_with_master_equation_with_damage():
    p = pc.parameters({"k_lig_per_s": 3e4})
    cfg = qd_config(catalyst__conc_M=3e-6, run__time_h=1.0, run__n_times=5,
                    solver__method="both", solver__n_qd=300, solver__n_streams=8)
    out = pc.simulate_qd(cfg, p, seed=5)
    assert out["active_fraction"][-1] < 0.9       # damage matters in this test
    z = (out["h2_per_qd_kmc"][1:] - out["h2_per_qd"][1:]) / out["h2_per_qd_kmc_se"][1:]
    assert np.all(np.abs(z) < 4.0)
    assert abs(out["active_fraction_kmc"][-1] - out["active_fraction"][-1]) < 0.1


# ---- perovskite

def test_finke_watzky_closed_form_matches_ode():
    k1, k2 = 0.02, 2.5
    sol = solve_ivp(lambda t, a: -k1 * a - k2 * a * (1 - a), (0, 10), [1.0], rtol=1e-10,
                    atol=1e-12, dense_output=True)
    t = np.linspace(0, 10, 21)
    np.testing.assert_allclose(pc.finke_watzky_fraction(t, k1, k2), 1 - sol.sol(t)[0], atol=1e-7)


def test_perovskite_trends():
    p = pc.parameters()
    rods = pc.Perovskite()
    cubes = pc.Perovskite(morphology="cubes", pl_lifetime_ns=79.9, valence_band_V=1.49,
                          band_gap_eV=2.36, br_vacancy_fraction=0.463)
    native = pc.Perovskite(morphology="cubes", ligand="native", pl_lifetime_ns=79.9,
                           valence_band_V=1.49, band_gap_eV=2.36, br_vacancy_fraction=0.463)
    e = {k: float(pc.perovskite_efficiency(v, p, 1.0)) for k, v in
         dict(rods=rods, cubes=cubes, native=native).items()}
    assert e["rods"] > e["cubes"] > e["native"]
    longer = pc.Perovskite(pl_lifetime_ns=250.0)
    assert float(pc.perovskite_efficiency(longer, p, 1.0)) > e["rods"]
    t = np.linspace(0, 18, 73)
    run = pc.perovskite_run(rods, p, t)
    assert run["h2_umol_g"][0] == 0 and np.all(np.diff(run["h2_umol_g"]) >= 0)
    assert 0 < run["induction_h"] < 18


def test_induction_time_of_a_shifted_line():
    t = np.linspace(0, 18, 181)
    assert pc.induction_time_h(t, np.maximum(0, 10 * (t - 2.0))) == pytest.approx(2.0)


def test_stern_volmer_curve_static_limit():
    p = pc.parameters()
    c = np.array([0.0, 1e-6, 5e-6])
    ratio = pc.stern_volmer_curve(c, 1e-6, p)
    assert ratio[0] == pytest.approx(1.0)
    assert np.all(np.diff(ratio) > 0)


# ---- config and end to end

def test_config_errors_name_key_and_allowed():
    with pytest.raises(ConfigError, match="absorbed_power_mW"):
        qd_config(light__source="monochromatic")
    with pytest.raises(ConfigError, match="n_streams"):
        qd_config(solver__n_qd=4, solver__n_streams=8)
    with pytest.raises(ConfigError, match="pH"):
        qd_config(solution__pH=14.5)
    with pytest.raises(ConfigError, match="unknown"):
        build(pc.PhotocatalysisConfig, {"parameters": {"k_nonsense": 1.0}})
    with pytest.raises(ConfigError, match="parameters.k_et_per_s"):
        build(pc.PhotocatalysisConfig, {"parameters": {"k_et_per_s": -1.0}})


def test_reference_inputs_load():
    for name in ("cdte_co_1e-6M", "cdte_co_1e-5M", "cdte_co_qe_400nm", "cdte_co_ph_scan",
                 "cdte_co_kmc", "cdte_co_1e-6M_70h", "cdte_co_h2a_scan", "cspbbr3_rods",
                 "cspbbr3_cubes", "cspbbr3_cubes_native", "cspbbr3_rods_native"):
        assert pc.reference(name).model == "photocatalysis"


def test_run_write_and_plot(tmp_path):
    from sim.store import read_result, write_result

    text = """model = "photocatalysis"
system = "qd_catalyst"
[catalyst]
conc_M = 1.0e-6
[run]
time_h = 2.0
n_times = 5
[solver]
method = "both"
n_qd = 64
n_streams = 4
"""
    exp = parse_experiment(text)
    res = pc.MODEL.run(exp)
    assert res["ton"][0] == 0 and res["ton"][-1] > 0
    write_result(tmp_path / "r.h5", res, exp)
    back = read_result(tmp_path / "r.h5")
    assert back is not None
    pc.MODEL.plot(res, tmp_path / "r.png")
    assert (tmp_path / "r.png").stat().st_size > 1000
    pv = parse_experiment('model = "photocatalysis"\nsystem = "perovskite_pt"\n'
                          '[run]\ntime_h = 18.0\nn_times = 19\n')
    res = pc.MODEL.run(pv)
    assert res["h2_per_g"][-1] > 0
    pc.MODEL.plot(res, tmp_path / "p.png")


def test_quick_validation_rows():
    rows = pc.MODEL.validate(quick=True)
    names = [r.quantity for r in rows]
    assert len(rows) == 12 and len(set((r.experiment, r.quantity) for r in rows)) == 12
    assert any("stochastic" in n for n in names)
    by = {r.quantity: r for r in rows}
    # the recorded fit must still reproduce its own data with this code
    for r in rows:
        if r.role == "fitted":
            assert r.passed, r
    # exactly the four numbers the fit used are labelled "fitted"; the rest are predictions
    fitted = {(r.experiment, r.quantity) for r in rows if r.role == "fitted"}
    assert fitted == {("cdte_co_1e-6M", "TON at 30 h (1.0e-6 M catalyst)"),
                      ("cdte_co_qe_400nm", "quantum efficiency at 400 nm, first 5 h"),
                      ("cspbbr3_rods", "H2 at 18 h (rods)"),
                      ("cspbbr3_rods", "apparent quantum yield")}
    for q in ("pH of highest H2 (grid 3.5-6.5)", "H2 rate falls after ~30 h",
              "induction period (rods)", "rods/cubes H2 at 18 h", "BF4- exchange gain (cubes)"):
        assert by[q].role == "predicted", q
    assert by["TON per catalyst: 1.0e-5 M vs 1.0e-6 M"].passed


def test_data_files_consistent():
    s1 = pc.table_s1()
    assert len(s1) == 21
    present = [r for r in s1 if r["ref"] == "present work"][0]
    measured = {r["quantity"]: r for r in pc.read_data("cdte_co_h2.csv")}
    assert float(present["ton_vs_catalyst"]) == float(measured["ton"]["value"]) == 14400
    assert float(present["qe"]) == float(measured["quantum_efficiency"]["value"])
    pv = {r["quantity"]: float(r["value"]) for r in pc.read_data("cspbbr3_h2.csv")}
    from kinetics.analysis import band_edges
    assert band_edges(pv["vb_V_cubes"], pv["gap_eV_cubes"])[1] == pytest.approx(pv["cb_V_cubes"])
    assert band_edges(pv["vb_V_rods"], pv["gap_eV_rods"])[1] == pytest.approx(pv["cb_V_rods"])
    rods = pc.reference("cspbbr3_rods").config.perovskite
    assert rods.pl_lifetime_ns == pv["pl_lifetime_ns_rods"]
    assert rods.br_vacancy_fraction == pv["pb_delta_fraction_rods"]


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=12, deadline=None)
@given(k_e=st.floats(0.05, 20.0), k_decay=st.floats(0.01, 50.0), f_h=st.floats(0.0, 1.0),
       m_bar=st.floats(0.0, 6.0))
def test_master_equation_property_no_damage(k_e, k_decay, f_h, m_bar):
    m_max = int(m_bar + 10 * math.sqrt(m_bar) + 12)
    m = np.arange(m_max + 1, dtype=float)
    rates = pc.QDRates(n_qd_mol=1e-9, qd_M=1e-7, diameter_nm=2.7, mean_catalysts=m_bar,
                       bound_fraction=1.0, k_abs_per_s=k_e, absorbed_flux_mol_s=1e-9,
                       hole_M=0.1, f_hydride=f_h, k_e_by_m=np.where(m > 0, k_e, 0.0),
                       k_dmg_by_m=np.zeros(m_max + 1), k_decay=k_decay, n_crit=5,
                       catalyst_mol=1e-9)
    t = np.linspace(0.0, 600.0, 7)
    det = pc.qd_h2_master(rates, t)["h2_per_qd"]
    ana = pc.qd_h2_analytic(rates, t)
    assert np.all(np.diff(det) >= -1e-12)
    np.testing.assert_allclose(det, ana, rtol=5e-3, atol=1e-6)


# ---- the fit: few parameters, priors documented

def test_fit_record_has_only_the_declared_parameters():
    import json

    from sim.paths import fitted_file

    rec = json.loads(fitted_file("photocatalysis").read_text())
    names = list(rec["parameters"])
    assert names == list(pc.FITTED_CDTE + pc.FITTED_PVK)
    assert len(names) <= 4
    assert len(rec["rows"]) == 4        # two measured numbers per fitted pair


def test_parameters_ignore_stale_fit_keys(monkeypatch):
    monkeypatch.setattr(pc, "load_fitted",
                        lambda name: {"pKa_hydride": 1.0, "pvk_alpha": 0.9,
                                      "xe_incident_flux_umol_h": 123.0})
    p = pc.parameters()
    assert p["pKa_hydride"] == pc.PARAMETERS["pKa_hydride"].value
    assert p["pvk_alpha"] == pc.PARAMETERS["pvk_alpha"].value
    assert p["xe_incident_flux_umol_h"] == 123.0
    assert pc.parameters({"pKa_hydride": 7.0})["pKa_hydride"] == 7.0


def test_parameter_sources_say_which_are_fitted():
    fitted = set(pc.FITTED_CDTE + pc.FITTED_PVK)
    for name, par in pc.PARAMETERS.items():
        assert par.source and par.unit and par.doc, name
        if name in fitted:
            assert par.source.startswith("fitted"), name
        else:
            assert not par.source.lower().startswith("fitted"), name


def test_rods_over_cubes_efficiency_linear_regime():
    """With little Pt (k_H << 1/tau) the efficiency ratio is
    (tau_r/tau_c) (v_r/v_c) exp(alpha (dG_r - dG_c)/kT): lifetimes, vacancies, band edges."""
    p = pc.parameters()
    rods = pc.reference("cspbbr3_rods").config.perovskite
    cubes = pc.reference("cspbbr3_cubes").config.perovskite
    x = 1e-6
    got = pc.perovskite_efficiency(rods, p, x) / pc.perovskite_efficiency(cubes, p, x)
    d_dg = (rods.band_gap_eV - rods.valence_band_V) - (cubes.band_gap_eV - cubes.valence_band_V)
    want = (rods.pl_lifetime_ns / cubes.pl_lifetime_ns
            * rods.br_vacancy_fraction / cubes.br_vacancy_fraction
            * math.exp(p["pvk_alpha"] * d_dg / (pc.K_B_EV * 298.15)))
    assert got == pytest.approx(want, rel=1e-5)
    # without a driving-force dependence only lifetimes and vacancies remain
    p0 = dict(p, pvk_alpha=0.0)
    got0 = pc.perovskite_efficiency(rods, p0, x) / pc.perovskite_efficiency(cubes, p0, x)
    assert got0 == pytest.approx(125.6 / 79.9 * 0.413 / 0.463, rel=1e-5)


def test_bf4_gain_is_free_surface_ratio_in_linear_regime():
    p = pc.parameters()
    bf4 = pc.reference("cspbbr3_cubes").config.perovskite
    native = pc.reference("cspbbr3_cubes_native").config.perovskite
    x = 1e-6
    ratio = pc.perovskite_efficiency(bf4, p, x) / pc.perovskite_efficiency(native, p, x)
    assert ratio == pytest.approx(1.0 / (1.0 - p["pvk_long_ligand_coverage"]), rel=1e-5)
