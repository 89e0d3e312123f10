"""The experimentalists' formulas against the papers' own numbers and exact limits."""

import numpy as np
import pytest

from kinetics import analysis as an


# ---- Peng sizing (Yu, Qu, Guo, Peng, Chem. Mater. 2003; seed 001 ESI)

def test_peng_cdte_seed001_size_and_extinction():
    lam = an.peng_first_exciton_nm(2.7, "CdTe")
    assert 500 < lam < 530                      # green-emitting TGA-CdTe
    assert an.peng_diameter_nm(lam) == pytest.approx(2.7, abs=1e-9)
    eps = an.peng_extinction_M_cm(2.72, "CdTe")
    # the formula gives 8.4e4 at D ≈ 2.7 nm; seed 001 prints 8.4e5, a factor of ten
    # above its own formula (a misprinted exponent)
    assert eps == pytest.approx(8.4e4, rel=0.01)
    assert 8.4e5 / an.peng_extinction_M_cm(2.7) == pytest.approx(10.2, rel=0.02)


def test_peng_cdse_cds_known_points():
    assert an.peng_diameter_nm(550, "CdSe") == pytest.approx(3.04, abs=0.01)
    assert an.peng_extinction_M_cm(3.0, "CdSe") == pytest.approx(5857 * 3.0 ** 2.65)
    assert an.peng_extinction_M_cm(4.0, "CdS") == pytest.approx(21536 * 4.0 ** 2.3)
    assert an.peng_diameter_nm(420, "CdS") == pytest.approx(4.07, abs=0.01)
    with pytest.raises(ValueError):
        an.peng_diameter_nm(500, "PbS")


# ---- Stern–Volmer

def test_stern_volmer_recovers_constant_and_kq():
    q = np.array([0, 2, 4, 6, 8, 10]) * 1e-6
    K = 5.0e4
    ratio = 1 + K * q + np.array([0, 1, -1, 2, -2, 1]) * 1e-3
    fit = an.stern_volmer_intensity(q, ratio, tau0_ns=20.8)
    assert fit.K_SV_per_M == pytest.approx(K, rel=0.02)
    assert fit.kq_per_M_s == pytest.approx(fit.K_SV_per_M / 20.8e-9)
    assert 0 < fit.K_SV_err_per_M < 0.02 * K
    exact = an.stern_volmer_intensity(q, 1 + K * q, tau0_ns=20.8)
    assert exact.K_SV_err_per_M == pytest.approx(0, abs=1e-6)


def test_stern_volmer_lifetime_form_and_static():
    q = np.linspace(0, 1e-4, 6)
    tau = 20.8 / (1 + 1e4 * q)
    fit = an.stern_volmer_lifetime(q, tau, 20.8)
    assert fit.K_SV_per_M == pytest.approx(1e4, rel=1e-9)
    assert an.stern_volmer_ratio(1e-4, 1e4, 1e4) == pytest.approx(4.0)


# ---- Langmuir

def test_langmuir_linear_and_nonlinear_agree_on_exact_data():
    q = np.array([0.5, 1, 2, 4, 8, 16]) * 1e-6
    f = an.langmuir_quenched_fraction(q, 0.8, 3e5)
    lin = an.langmuir_fit_linear(q, f)
    non = an.langmuir_fit_nonlinear(q, f)
    for fit in (lin, non):
        assert fit.fraction_max == pytest.approx(0.8, rel=1e-6)
        assert fit.K_L_per_M == pytest.approx(3e5, rel=1e-6)


def test_langmuir_uncertainty_grows_with_noise():
    rng = np.random.default_rng(1)
    q = np.geomspace(5e-7, 2e-5, 8)
    f = an.langmuir_quenched_fraction(q, 0.7, 2e5)
    noisy = f * (1 + 0.03 * rng.standard_normal(q.size))
    fit = an.langmuir_fit_nonlinear(q, noisy)
    assert abs(fit.K_L_per_M - 2e5) < 4 * fit.K_L_err_per_M
    assert fit.K_L_err_per_M > 0


# ---- H2 accounting (seed 001 ESI)

def test_vdw_molar_volume_seed001():
    vm = an.vdw_molar_volume_mL_per_mmol()
    assert round(vm, 2) == 24.48
    # the first-order form agrees with the exact cubic root to < 1e-5 relative
    assert an.vdw_molar_volume_exact_mL_per_mmol() == pytest.approx(vm, rel=1e-5)
    # ideal-gas limit when a = b = 0
    assert an.vdw_molar_volume_mL_per_mmol(a_cm6_Pa_mol2=0, b_cm3_mol=0) == \
        pytest.approx(8.3145 * 298.15 / 101325 * 1000, rel=1e-12)


def test_ton_from_volume():
    # 10 mL of 1e-6 M catalyst = 1e-8 mol; TON 14400 means 1.44e-4 mol H2 = 3.525 mL
    v = 14400 * 1e-8 * 1e3 * an.vdw_molar_volume_mL_per_mmol()
    assert v == pytest.approx(3.525, abs=1e-3)
    assert an.turnover_number_from_volume(v, 1e-8) == pytest.approx(14400)
    with pytest.raises(ValueError):
        an.turnover_number(1.0, 0.0)


def test_quantum_yield_two_photons_per_h2():
    # 1 mW at 400 nm is 3.344e-9 einstein/s
    q = an.photon_flux_mol_s(1e-3, 400.0)
    assert q == pytest.approx(1e-3 * 400e-9 / (6.62607015e-34 * 2.99792458e8) / 6.02214076e23)
    h2_rate = 0.0532 * q / 2
    assert an.quantum_yield(h2_rate, q) == pytest.approx(0.0532)
    assert an.quantum_yield_from_power(h2_rate * 3600, 3600, 1e-3, 400) == pytest.approx(0.0532)


def test_band_edges_seed002():
    assert an.band_edges(1.49, 2.36)[1] == pytest.approx(-0.87)
    assert an.band_edges(1.36, 2.37)[1] == pytest.approx(-1.01)


# ---- Scherrer from a Gaussian peak, dispersity

def test_scherrer_from_gaussian_peak_roundtrip():
    fwhm = an.scherrer_fwhm_deg(25.0, 6.8)
    x = np.linspace(5.5, 8.1, 400)
    sigma = fwhm / an.FWHM_PER_SIGMA
    y = 10 + 500 * np.exp(-0.5 * ((x - 6.8) / sigma) ** 2)
    peak = an.fit_gaussian_peak(x, y)
    assert peak.fwhm == pytest.approx(fwhm, rel=1e-6)
    assert an.scherrer_size_from_peak_nm(x, y) == pytest.approx(25.0, rel=1e-5)


def test_dispersity_seed000_style():
    assert an.dispersity([1, 1, 1]) == 0.0
    assert an.dispersity([20, 30]) == pytest.approx(5 / 25)
    assert an.dispersity([20, 30], [1, 1]) == pytest.approx(0.2)
