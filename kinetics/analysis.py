"""The formulas experimentalists apply to measured data, each small, documented and
tested against the papers' own numbers.  Units are in the argument names."""
from __future__ import annotations

import math

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
