"""The formulas experimentalists apply to measured data, each small, documented and
tested against the papers' own numbers.  Units are in the argument names."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CU_KALPHA1_NM = 0.15406  # Cu Kα1 wavelength, nm


def scherrer_size_nm(fwhm_deg: float, two_theta_deg: float, wavelength_nm: float = CU_KALPHA1_NM,
                     shape_factor: float = 0.9, instrument_fwhm_deg: float = 0.0) -> float:
    """Crystallite size from a diffraction peak: τ = K λ / (β cos θ).

    ``fwhm_deg`` is the peak's full width at half maximum in degrees 2θ; an
    instrumental width is removed in quadrature for Gaussian peaks.  K = 0.9 for
    roughly spherical crystallites (Scherrer, 1918; Patterson, Phys. Rev. 1939, 56, 978).
    """
    if fwhm_deg <= instrument_fwhm_deg:
        raise ValueError(f"peak width {fwhm_deg} ° must exceed the instrumental width "
                         f"{instrument_fwhm_deg} °")
    beta = math.radians(math.sqrt(fwhm_deg ** 2 - instrument_fwhm_deg ** 2))
    theta = math.radians(two_theta_deg / 2.0)
    return shape_factor * wavelength_nm / (beta * math.cos(theta))


def scherrer_fwhm_deg(size_nm: float, two_theta_deg: float, wavelength_nm: float = CU_KALPHA1_NM,
                      shape_factor: float = 0.9) -> float:
    """Inverse of :func:`scherrer_size_nm`: the size-broadened FWHM (degrees 2θ)."""
    theta = math.radians(two_theta_deg / 2.0)
    return math.degrees(shape_factor * wavelength_nm / (size_nm * math.cos(theta)))


def dispersity(sizes, weights=None) -> float:
    """Dispersity as the seed papers report it: standard deviation / mean of the sizes
    (number-weighted; ``weights`` are counts per size when given)."""
    x = np.asarray(sizes, float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, float)
    if w.sum() <= 0:
        raise ValueError("dispersity needs at least one particle")
    mean = np.sum(w * x) / np.sum(w)
    var = np.sum(w * (x - mean) ** 2) / np.sum(w)
    return float(math.sqrt(var) / mean)


# ----------------------------------------------------------------------------- Peng sizing

#: Yu, Qu, Guo & Peng, Chem. Mater. 2003, 15, 2854: diameter (nm) as a polynomial in
#: the first-exciton absorption wavelength (nm), highest power first, and the molar
#: extinction coefficient at the first exciton, ε = A·D^p (L mol⁻¹ cm⁻¹).
PENG_SIZING = {
    "CdTe": dict(poly=(9.8127e-7, -1.7147e-3, 1.0064, -194.84), eps_A=10043.0, eps_p=2.12),
    "CdSe": dict(poly=(1.6122e-9, -2.6575e-6, 1.6242e-3, -0.4277, 41.57), eps_A=5857.0,
                 eps_p=2.65),
    "CdS": dict(poly=(-6.6521e-8, 1.9557e-4, -9.2352e-2, 13.29), eps_A=21536.0, eps_p=2.3),
}


def _peng(material: str) -> dict:
    try:
        return PENG_SIZING[material]
    except KeyError:
        known = ", ".join(PENG_SIZING)
        raise ValueError(f"unknown material {material!r}; known: {known}") from None


def peng_diameter_nm(first_exciton_nm: float, material: str = "CdTe") -> float:
    """Nanocrystal diameter (nm) from the first-exciton absorption peak (nm), Peng's
    empirical polynomials (Yu et al., Chem. Mater. 2003, 15, 2854)."""
    return float(np.polyval(_peng(material)["poly"], first_exciton_nm))


def peng_extinction_M_cm(diameter_nm: float, material: str = "CdTe") -> float:
    """Molar extinction coefficient at the first exciton, L mol⁻¹ cm⁻¹: ε = A·D^p
    (CdTe 10043·D^2.12, CdSe 5857·D^2.65, CdS 21536·D^2.3; Yu et al. 2003)."""
    p = _peng(material)
    return float(p["eps_A"] * diameter_nm ** p["eps_p"])


def peng_first_exciton_nm(diameter_nm: float, material: str = "CdTe",
                          lo_nm: float = 350.0, hi_nm: float = 800.0) -> float:
    """Inverse of :func:`peng_diameter_nm` on [lo_nm, hi_nm] (bisection; D rises with λ there)."""
    from scipy.optimize import brentq

    f = lambda lam: peng_diameter_nm(lam, material) - diameter_nm  # noqa: E731
    return float(brentq(f, lo_nm, hi_nm))


# ----------------------------------------------------------------------------- quenching

@dataclass(frozen=True)
class LinearFit:
    """A straight-line fit y = intercept + slope·x with standard errors."""

    slope: float
    slope_err: float
    intercept: float
    intercept_err: float
    r_squared: float


def linear_fit(x, y, fix_intercept: float | None = None) -> LinearFit:
    """Ordinary least squares with standard errors; ``fix_intercept`` pins the intercept
    (e.g. 1 for a Stern–Volmer plot that must pass through I0/I = 1 at [Q] = 0)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n = x.size
    if fix_intercept is not None:
        if n < 2:
            raise ValueError("need at least 2 points")
        yy = y - fix_intercept
        slope = float(np.sum(x * yy) / np.sum(x * x))
        res = yy - slope * x
        s2 = float(np.sum(res ** 2) / (n - 1))
        slope_err = math.sqrt(s2 / np.sum(x * x))
        intercept, intercept_err = float(fix_intercept), 0.0
    else:
        if n < 3:
            raise ValueError("need at least 3 points for a line with errors")
        xm, ym = x.mean(), y.mean()
        sxx = float(np.sum((x - xm) ** 2))
        slope = float(np.sum((x - xm) * (y - ym)) / sxx)
        intercept = float(ym - slope * xm)
        res = y - intercept - slope * x
        s2 = float(np.sum(res ** 2) / (n - 2))
        slope_err = math.sqrt(s2 / sxx)
        intercept_err = math.sqrt(s2 * (1.0 / n + xm ** 2 / sxx))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(res ** 2)) / ss_tot if ss_tot > 0 else 1.0
    return LinearFit(slope, slope_err, intercept, intercept_err, r2)


@dataclass(frozen=True)
class SternVolmerFit:
    """K_SV (M⁻¹) and the bimolecular quenching constant k_q = K_SV/τ0 (M⁻¹ s⁻¹)."""

    K_SV_per_M: float
    K_SV_err_per_M: float
    kq_per_M_s: float
    kq_err_per_M_s: float
    line: LinearFit


def stern_volmer_intensity(quencher_M, I0_over_I, tau0_ns: float,
                           fix_intercept: bool = True) -> SternVolmerFit:
    """Stern–Volmer, intensity form: I0/I = 1 + K_SV[Q] = 1 + k_q τ0 [Q].

    ``tau0_ns`` is the unquenched lifetime (20.8 ns for the TGA-CdTe QDs of seed 001)."""
    line = linear_fit(quencher_M, I0_over_I, 1.0 if fix_intercept else None)
    tau0_s = tau0_ns * 1e-9
    return SternVolmerFit(line.slope, line.slope_err, line.slope / tau0_s,
                          line.slope_err / tau0_s, line)


def stern_volmer_lifetime(quencher_M, tau_ns, tau0_ns: float,
                          fix_intercept: bool = True) -> SternVolmerFit:
    """Stern–Volmer, lifetime form: τ0/τ = 1 + k_q τ0 [Q] (dynamic quenching only; a
    static complex leaves τ unchanged, so intensity and lifetime slopes differ)."""
    ratio = tau0_ns / np.asarray(tau_ns, float)
    return stern_volmer_intensity(quencher_M, ratio, tau0_ns, fix_intercept)


def stern_volmer_ratio(quencher_M, K_SV_per_M: float, K_static_per_M: float = 0.0):
    """I0/I for dynamic (K_SV) and static (K_static) quenching: (1 + K_SV[Q])(1 + K_s[Q])."""
    q = np.asarray(quencher_M, float)
    return (1.0 + K_SV_per_M * q) * (1.0 + K_static_per_M * q)


@dataclass(frozen=True)
class LangmuirFit:
    """(ΔI/I0)_max and K_L (M⁻¹) with standard errors."""

    fraction_max: float
    fraction_max_err: float
    K_L_per_M: float
    K_L_err_per_M: float
    method: str


def langmuir_quenched_fraction(quencher_M, fraction_max: float, K_L_per_M: float):
    """ΔI/I0 = (ΔI/I0)_max K_L [Q] / (1 + K_L [Q])  (seed 001, ESI)."""
    q = np.asarray(quencher_M, float)
    return fraction_max * K_L_per_M * q / (1.0 + K_L_per_M * q)


def langmuir_fit_linear(quencher_M, quenched_fraction) -> LangmuirFit:
    """Double-reciprocal Langmuir fit, as in seed 001:
    I0/ΔI = 1/(f_max K_L [Q]) + 1/f_max.  Errors propagated from the line's errors
    (intercept and slope taken as independent)."""
    q = np.asarray(quencher_M, float)
    f = np.asarray(quenched_fraction, float)
    line = linear_fit(1.0 / q, 1.0 / f)
    fmax = 1.0 / line.intercept
    fmax_err = line.intercept_err / line.intercept ** 2
    K = line.intercept / line.slope
    K_err = K * math.hypot(line.intercept_err / line.intercept, line.slope_err / line.slope)
    return LangmuirFit(fmax, fmax_err, K, K_err, "linearised (double reciprocal)")


def langmuir_fit_nonlinear(quencher_M, quenched_fraction, sigma=None) -> LangmuirFit:
    """Non-linear least-squares Langmuir fit (scipy ``curve_fit``); errors from the
    covariance matrix.  Starts from the linearised fit."""
    from scipy.optimize import curve_fit

    q = np.asarray(quencher_M, float)
    f = np.asarray(quenched_fraction, float)
    start = langmuir_fit_linear(q, f)
    p0 = (start.fraction_max, max(start.K_L_per_M, 1e-12))
    popt, pcov = curve_fit(langmuir_quenched_fraction, q, f, p0=p0, sigma=sigma,
                           absolute_sigma=sigma is not None, bounds=(0, np.inf))
    err = np.sqrt(np.diag(pcov))
    return LangmuirFit(float(popt[0]), float(err[0]), float(popt[1]), float(err[1]),
                       "non-linear least squares")


# ----------------------------------------------------------------------------- H2 accounting

GAS_CONSTANT_J_MOL_K = 8.314462618

#: van der Waals constants of H2 as used in seed 001 (ESI, "Calculation of TON").
H2_VDW_A_CM6_PA_MOL2 = 24.7e9
H2_VDW_B_CM3_MOL = 26.6


def vdw_molar_volume_mL_per_mmol(temperature_K: float = 298.15, pressure_Pa: float = 101325.0,
                                 a_cm6_Pa_mol2: float = H2_VDW_A_CM6_PA_MOL2,
                                 b_cm3_mol: float = H2_VDW_B_CM3_MOL,
                                 gas_constant: float = 8.3145) -> float:
    """Molar volume from the van der Waals equation to first order in a and b:
    V_m = RT/p + b − a/(RT), in mL mmol⁻¹ (= L mol⁻¹).  With seed 001's values
    (R = 8.3145 J mol⁻¹ K⁻¹, 298.15 K, 101325 Pa, H2) this gives 24.48 mL mmol⁻¹."""
    RT = gas_constant * 1e6 * temperature_K        # cm³ Pa mol⁻¹
    vm_cm3 = RT / pressure_Pa + b_cm3_mol - a_cm6_Pa_mol2 / RT
    return vm_cm3 / 1000.0


def vdw_molar_volume_exact_mL_per_mmol(temperature_K: float = 298.15,
                                       pressure_Pa: float = 101325.0,
                                       a_cm6_Pa_mol2: float = H2_VDW_A_CM6_PA_MOL2,
                                       b_cm3_mol: float = H2_VDW_B_CM3_MOL,
                                       gas_constant: float = 8.3145) -> float:
    """The gas-phase root of (p + a/V²)(V − b) = RT, in mL mmol⁻¹ (Newton from RT/p)."""
    RT = gas_constant * 1e6 * temperature_K
    v = RT / pressure_Pa
    for _ in range(50):
        f = (pressure_Pa + a_cm6_Pa_mol2 / v ** 2) * (v - b_cm3_mol) - RT
        df = pressure_Pa + a_cm6_Pa_mol2 / v ** 2 - 2 * a_cm6_Pa_mol2 * (v - b_cm3_mol) / v ** 3
        step = f / df
        v -= step
        if abs(step) < 1e-12 * v:
            break
    return v / 1000.0


def h2_mmol_from_volume(volume_mL: float, molar_volume_mL_per_mmol: float | None = None) -> float:
    """Amount of H2 (mmol) in a gas volume (mL) at 25 °C and 1 atm (vdW molar volume)."""
    vm = vdw_molar_volume_mL_per_mmol() if molar_volume_mL_per_mmol is None \
        else molar_volume_mL_per_mmol
    return volume_mL / vm


def turnover_number(h2_mol, catalyst_mol: float):
    """TON = n(H2)/n(catalyst) (molecules of H2 per molecule of catalyst)."""
    if catalyst_mol <= 0:
        raise ValueError("catalyst amount must be positive")
    return np.asarray(h2_mol, float) / catalyst_mol


def turnover_number_from_volume(h2_volume_mL: float, catalyst_mol: float,
                                molar_volume_mL_per_mmol: float | None = None) -> float:
    """TON from a measured H2 gas volume (seed 001: TON = (V_H2/V_m)/n_cat)."""
    return float(turnover_number(h2_mmol_from_volume(h2_volume_mL, molar_volume_mL_per_mmol)
                                 * 1e-3, catalyst_mol))


def photon_flux_mol_s(power_W: float, wavelength_nm: float) -> float:
    """q_p in mol photons s⁻¹ (einstein s⁻¹) for monochromatic light: P λ/(h c N_A)."""
    from kinetics.photophysics import einstein_per_s

    return einstein_per_s(power_W, wavelength_nm)


def quantum_yield(h2_rate_mol_s: float, photon_flux_mol_per_s: float,
                  electrons_per_h2: int = 2) -> float:
    """φ = 2k/q_p: H2 rate (mol s⁻¹) times the electrons per H2 over the absorbed (or,
    for an apparent QY, incident) photon flux (mol s⁻¹).  Returned as a fraction."""
    if photon_flux_mol_per_s <= 0:
        raise ValueError("photon flux must be positive")
    return electrons_per_h2 * h2_rate_mol_s / photon_flux_mol_per_s


def quantum_yield_from_power(h2_mol: float, time_s: float, absorbed_power_W: float,
                             wavelength_nm: float, electrons_per_h2: int = 2) -> float:
    """Seed 001's procedure: average H2 rate k over ``time_s`` and the photon flux
    carried by the absorbed power (blank minus sample) at ``wavelength_nm``."""
    return quantum_yield(h2_mol / time_s, photon_flux_mol_s(absorbed_power_W, wavelength_nm),
                         electrons_per_h2)


# ----------------------------------------------------------------------------- bands, peaks

def band_edges(valence_band_V: float, band_gap_eV: float) -> tuple[float, float]:
    """(VB, CB) potentials in V vs the same reference: CB = VB − E_g (e.g. seed 002:
    VB +1.49 V vs NHE, E_g 2.36 eV -> CB −0.87 V)."""
    return float(valence_band_V), float(valence_band_V - band_gap_eV)


@dataclass(frozen=True)
class GaussianPeak:
    center: float
    fwhm: float
    height: float
    baseline: float
    center_err: float
    fwhm_err: float


FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


def _gauss(x, height, center, sigma, baseline):
    return baseline + height * np.exp(-0.5 * ((x - center) / sigma) ** 2)


def fit_gaussian_peak(x, y) -> GaussianPeak:
    """Least-squares Gaussian + constant baseline to one peak; FWHM = 2√(2 ln 2)·σ."""
    from scipy.optimize import curve_fit

    x = np.asarray(x, float)
    y = np.asarray(y, float)
    base0 = float(np.min(y))
    i = int(np.argmax(y))
    h0 = float(y[i] - base0)
    above = x[y - base0 >= 0.5 * h0]
    sig0 = max((above.max() - above.min()) / FWHM_PER_SIGMA, (x[1] - x[0]))
    popt, pcov = curve_fit(_gauss, x, y, p0=(h0, x[i], sig0, base0))
    err = np.sqrt(np.abs(np.diag(pcov)))
    return GaussianPeak(center=float(popt[1]), fwhm=float(abs(popt[2]) * FWHM_PER_SIGMA),
                        height=float(popt[0]), baseline=float(popt[3]),
                        center_err=float(err[1]), fwhm_err=float(err[2] * FWHM_PER_SIGMA))


def scherrer_size_from_peak_nm(two_theta_deg, intensity, wavelength_nm: float = CU_KALPHA1_NM,
                               shape_factor: float = 0.9,
                               instrument_fwhm_deg: float = 0.0) -> float:
    """Scherrer size from a measured peak: fit a Gaussian, take its FWHM and centre."""
    peak = fit_gaussian_peak(two_theta_deg, intensity)
    return scherrer_size_nm(peak.fwhm, peak.center, wavelength_nm, shape_factor,
                            instrument_fwhm_deg)
