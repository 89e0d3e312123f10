"""Simulated PXRD of a particle ensemble and its Scherrer size (as the experimenters measured)."""
from __future__ import annotations

import numpy as np

from kinetics.growth.simulation import Simulation


def scherrer_from_pattern(sim: Simulation, instrument_fwhm_deg: float = 0.0):
    """Simulated PXRD of the final ensemble and the Scherrer size from a Gaussian fit
    of the low-angle (101)/(110) reflection, as the experimenters analysed theirs.

    Returns ``(two_theta, intensity, peak_center, fitted_fwhm, scherrer_nm)``."""
    from kinetics.analysis import scherrer_fwhm_deg, scherrer_size_nm
    from structures.frameworks import ensemble_pattern, fit_gaussian_peak, mil125_peaks

    d = sim.diameters_nm
    if d.size == 0:
        return None
    pos, inten = mil125_peaks((4.0, 20.0))
    weights = sim.numbers_per_L * d ** 3        # diffracting volume per class
    x = np.linspace(4.0, 20.0, 3201)

    def fwhm(two_theta):
        return np.hypot([scherrer_fwhm_deg(float(di), two_theta) for di in d], instrument_fwhm_deg)

    y = ensemble_pattern(x, pos, inten, weights, fwhm)
    first = float(pos[np.argmax(inten)]) if pos.size else 6.8
    low = pos[pos < 8.0]
    center0 = float(low[0]) if low.size else first
    c, w, _ = fit_gaussian_peak(x, y, center0, half_window_deg=max(0.6, 3 * float(fwhm(center0).max())))
    size = scherrer_size_nm(w, c, instrument_fwhm_deg=instrument_fwhm_deg) \
        if w > instrument_fwhm_deg else float("nan")
    return x, y, c, w, size
