"""Metal–organic framework cells: densities, node counts (and simulated PXRD).

MIL-125(Ti), Ti8O8(OH)4(BDC)6: tetragonal, I4/mmm, a = 18.654 Å, c = 18.144 Å
(Dan-Hardi et al., J. Am. Chem. Soc. 2009, 131, 10857), two Ti8 nodes per
conventional (body-centred) cell.
"""
from __future__ import annotations

import math

import numpy as np

MIL125_A_ANGSTROM = 18.654
MIL125_C_ANGSTROM = 18.144
MIL125_NODES_PER_CELL = 2
MIL125_FORMULA = "Ti8O8(OH)4(C8H4O4)6"  # one Ti8 node with its six BDC linkers


def mil125_formula_mass_g_mol() -> float:
    """Molar mass of one formula unit Ti8O8(OH)4(BDC)6 (one Ti8 node), g/mol (pymatgen)."""
    from pymatgen.core import Composition

    return float(Composition(MIL125_FORMULA).weight)


def mil125_cell_volume_nm3(a_angstrom: float = MIL125_A_ANGSTROM,
                           c_angstrom: float = MIL125_C_ANGSTROM) -> float:
    """Volume of the conventional tetragonal cell, nm³."""
    return (a_angstrom / 10.0) ** 2 * (c_angstrom / 10.0)


def mil125_node_density_per_nm3() -> float:
    """Ti8 nodes per nm³ of crystal (2 per cell)."""
    return MIL125_NODES_PER_CELL / mil125_cell_volume_nm3()


def nodes_in_sphere(diameter_nm: float) -> float:
    """Ti8 nodes in a spherical MIL-125 particle of the given diameter (nm)."""
    return mil125_node_density_per_nm3() * math.pi / 6.0 * diameter_nm ** 3


# ----------------------------------------------------------------------------- structure and PXRD

# Asymmetric unit of MIL-125 in I4/mmm (fractional coordinates; hydrogens omitted,
# their X-ray scattering is negligible here).  Positions as in the MIL-125 model of
# Dan-Hardi et al. (JACS 2009, 131, 10857), taken from the P1 cell distributed as
# test/data/crystals/Ti-MIL-125.cif in SimonEnsemble/PoreMatMod.jl (a = 18.6543 Å,
# c = 18.1444 Å); the unique atoms below regenerate its 16 Ti, 72 O, 96 C.
MIL125_ASYMMETRIC_UNIT = (
    ("Ti", (0.2083, 0.0740, 0.5000)),
    ("O", (0.3111, 0.0580, 0.5000)),
    ("O", (0.1819, 0.0000, 0.4265)),
    ("O", (0.2259, 0.1442, 0.4268)),
    ("O", (0.1074, 0.1074, 0.5000)),
    ("C", (0.3507, 0.0000, 0.5000)),
    ("C", (0.4265, 0.0000, 0.5000)),
    ("C", (0.4632, 0.0705, 0.5000)),
    ("C", (0.1940, 0.1940, 0.4023)),
    ("C", (0.2225, 0.2225, 0.3209)),
    ("C", (0.2015, 0.2876, 0.2898)),
)


def mil125_structure():
    """The MIL-125 conventional cell as a pymatgen ``Structure`` (I4/mmm, no H)."""
    from pymatgen.core import Lattice, Structure

    lattice = Lattice.tetragonal(MIL125_A_ANGSTROM, MIL125_C_ANGSTROM)
    species = [a for a, _ in MIL125_ASYMMETRIC_UNIT]
    coords = [c for _, c in MIL125_ASYMMETRIC_UNIT]
    s = Structure.from_spacegroup("I4/mmm", lattice, species, coords, tol=0.01)
    s.merge_sites(tol=0.3, mode="delete")
    return s


_PEAKS_CACHE: dict = {}


def mil125_peaks(two_theta_range=(4.0, 30.0), wavelength: str = "CuKa"):
    """(two_theta_deg, relative_intensity) of the MIL-125 reflections from pymatgen's
    ``XRDCalculator`` (kinematic, Lorentz-polarisation corrected; reflections closer
    than its tolerance are merged, e.g. (110)/(101) at 6.7–6.8°)."""
    key = (tuple(two_theta_range), wavelength)
    if key not in _PEAKS_CACHE:
        from pymatgen.analysis.diffraction.xrd import XRDCalculator

        pat = XRDCalculator(wavelength=wavelength).get_pattern(
            mil125_structure(), two_theta_range=two_theta_range)
        _PEAKS_CACHE[key] = (np.asarray(pat.x, float), np.asarray(pat.y, float))
    return _PEAKS_CACHE[key]


def ensemble_pattern(two_theta_deg, peak_positions_deg, peak_intensities, class_weights,
                     class_fwhm_deg):
    """Powder pattern of an ensemble of crystallite classes.

    Every reflection is a Gaussian whose FWHM for class ``k`` is
    ``class_fwhm_deg(k, peak_position)`` – a callable returning an array over classes
    (the caller applies the Scherrer relation) – weighted by ``class_weights``
    (diffracting volume of each class).  Returns intensity on the ``two_theta_deg`` grid.
    """
    x = np.asarray(two_theta_deg, float)
    w = np.asarray(class_weights, float)
    w = w / w.sum()
    out = np.zeros_like(x)
    for pos, inten in zip(peak_positions_deg, peak_intensities):
        fwhm = np.asarray(class_fwhm_deg(pos), float)          # (n_classes,)
        sigma = fwhm / (2.0 * math.sqrt(2.0 * math.log(2.0)))
        g = np.exp(-0.5 * ((x[:, None] - pos) / sigma[None, :]) ** 2) / sigma[None, :]
        out += inten * (g * w[None, :]).sum(axis=1)
    return out


def fit_gaussian_peak(two_theta_deg, intensity, center_deg: float, half_window_deg: float = 0.6):
    """Least-squares Gaussian (plus constant background) to the peak near
    ``center_deg``; returns ``(center_deg, fwhm_deg, height)``."""
    from scipy.optimize import curve_fit

    x = np.asarray(two_theta_deg, float)
    y = np.asarray(intensity, float)
    m = np.abs(x - center_deg) <= half_window_deg
    xs, ys = x[m], y[m]

    def gauss(t, a, c, s, b):
        return a * np.exp(-0.5 * ((t - c) / s) ** 2) + b

    above = ys >= 0.5 * ys.max()
    width0 = max((xs[above].max() - xs[above].min()) / 2.355, 0.01) if above.any() else 0.1
    p0 = (ys.max() - ys.min(), xs[np.argmax(ys)], width0, ys.min())
    popt, _ = curve_fit(gauss, xs, ys, p0=p0, maxfev=5000)
    return float(popt[1]), float(2.0 * math.sqrt(2.0 * math.log(2.0)) * abs(popt[2])), float(popt[0])
