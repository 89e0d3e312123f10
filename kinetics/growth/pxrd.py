"""Simulated PXRD of a particle ensemble and its Scherrer size (as the experimenters measured).

The reflections come from the framework's CIF (:func:`structures.frameworks.peaks`); the
Scherrer size is the Gaussian FWHM of the strongest low-angle reflection (below the
material file's ``scherrer_peak_below_deg``), as Fabrizio et al. analysed theirs.  A fit that
fails or a pattern that cannot be fitted gives no size, with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kinetics.growth import materials as mat
from kinetics.growth.simulation import Simulation


@dataclass
class Pattern:
    two_theta: np.ndarray
    intensity: np.ndarray
    center_deg: float
    fwhm_deg: float
    scherrer_nm: float
    reason: str = ""          # why scherrer_nm is NaN ('' when it is defined)


def scherrer_from_pattern(sim: Simulation, instrument_fwhm_deg: float = 0.0):
    """The simulated PXRD of the final ensemble and its Scherrer size.

    Returns a :class:`Pattern` (``scherrer_nm`` NaN with ``reason`` when the peak fit
    fails), or ``None`` when there are no particles."""
    from kinetics.analysis import scherrer_fwhm_deg, scherrer_size_nm
    from structures.frameworks import ensemble_pattern, fit_gaussian_peak, peaks

    d = sim.diameters_nm
    if d.size == 0 or not np.any(sim.numbers_per_L > 0):
        return None
    fw = mat.framework(sim.material)
    pos, inten = peaks(fw.cif, (4.0, 20.0))
    weights = sim.numbers_per_L * d ** 3        # diffracting volume per class
    x = np.linspace(4.0, 20.0, 3201)

    def fwhm(two_theta):
        return np.hypot([scherrer_fwhm_deg(float(di), two_theta) for di in d], instrument_fwhm_deg)

    y = ensemble_pattern(x, pos, inten, weights, fwhm)
    low = pos < fw.scherrer_peak_below_deg
    if not low.any():
        return Pattern(x, y, float("nan"), float("nan"), float("nan"),
                       f"no reflection below {fw.scherrer_peak_below_deg} deg 2theta")
    center0 = float(pos[low][np.argmax(inten[low])])
    widest = float(np.max(fwhm(center0)))
    if widest > 4.0:
        return Pattern(x, y, center0, float("nan"), float("nan"),
                       f"peak at {center0:.2f} deg broader than 4 deg (crystallites of "
                       f"{d.min():.2g} nm): no separate reflection to fit")
    try:
        c, w, _ = fit_gaussian_peak(x, y, center0, half_window_deg=max(0.6, 3 * widest))
    except (RuntimeError, ValueError, FloatingPointError) as exc:
        return Pattern(x, y, center0, float("nan"), float("nan"),
                       f"Gaussian fit of the peak at {center0:.2f} deg failed ({exc})")
    if not np.isfinite(w) or w <= instrument_fwhm_deg:
        return Pattern(x, y, c, w, float("nan"),
                       f"fitted FWHM {w:.3g} deg not above the instrument width "
                       f"{instrument_fwhm_deg:g} deg")
    if w < 0.5 * (x[1] - x[0]):
        return Pattern(x, y, c, w, float("nan"),
                       f"peak at {c:.2f} deg narrower than the pattern grid "
                       f"({x[1] - x[0]:.3g} deg): crystallites too large for a Scherrer size")
    return Pattern(x, y, c, w, scherrer_size_nm(w, c, instrument_fwhm_deg=instrument_fwhm_deg))
