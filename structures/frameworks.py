"""Metal–organic framework cells from CIF files: densities, node counts and simulated PXRD.

The cells are data (``inputs/materials/frameworks/*.cif``, named by the framework files
next to them); nothing here holds coordinates.  MIL-125(Ti), Ti8O8(OH)4(BDC)6: tetragonal
I4/mmm, a = 18.654 Å, c = 18.144 Å (Dan-Hardi et al., J. Am. Chem. Soc. 2009, 131, 10857),
two Ti8 nodes per conventional cell; the functions named ``mil125_*`` read its file.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

MIL125_FORMULA = "Ti8O8(OH)4(C8H4O4)6"  # one Ti8 node with its six BDC linkers


def _materials_frameworks() -> Path:
    from sim.paths import inputs_dir

    return inputs_dir() / "materials" / "frameworks"


def cif_path(name: str) -> Path:
    """The CIF of a framework: a path, or a file stem of ``inputs/materials/frameworks``."""
    p = Path(name)
    if p.suffix == ".cif":
        return p
    return _materials_frameworks() / f"{name}.cif"


_STRUCTURES: dict = {}


def structure(cif) -> "object":
    """The cell of a CIF as a pymatgen ``Structure``, reduced to its primitive cell."""
    key = str(cif_path(str(cif)))
    if key not in _STRUCTURES:
        import warnings

        from pymatgen.core import Structure

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = Structure.from_file(key)
        _STRUCTURES[key] = s.get_primitive_structure(tolerance=0.1)
    return _STRUCTURES[key]


def metal_count_and_volume(cif) -> tuple:
    """(metal atoms per cell, cell volume nm³) of a CIF; the metal is the heaviest element."""
    s = structure(cif)
    metal = max(s.composition.elements, key=lambda e: e.Z)
    return float(s.composition[metal]), s.volume * 1e-3


_PEAKS_CACHE: dict = {}


def peaks(cif, two_theta_range=(4.0, 30.0), wavelength: str = "CuKa"):
    """(two_theta_deg, relative_intensity) of the reflections of a framework's CIF from
    pymatgen's ``XRDCalculator`` (kinematic, Lorentz-polarisation corrected; reflections
    closer than its tolerance are merged)."""
    key = (str(cif_path(str(cif))), tuple(two_theta_range), wavelength)
    if key not in _PEAKS_CACHE:
        from pymatgen.analysis.diffraction.xrd import XRDCalculator

        pat = XRDCalculator(wavelength=wavelength).get_pattern(
            structure(cif), two_theta_range=two_theta_range)
        _PEAKS_CACHE[key] = (np.asarray(pat.x, float), np.asarray(pat.y, float))
    return _PEAKS_CACHE[key]


# ----------------------------------------------------------------------------- MIL-125

def mil125_structure():
    """The MIL-125 cell (``inputs/materials/frameworks/mil125.cif``) as a pymatgen Structure."""
    return structure("mil125")


def mil125_peaks(two_theta_range=(4.0, 30.0), wavelength: str = "CuKa"):
    """Reflections of MIL-125 (see :func:`peaks`; e.g. (110)/(101) merged at 6.7–6.8°)."""
    return peaks("mil125", two_theta_range, wavelength)


def mil125_formula_mass_g_mol() -> float:
    """Molar mass of one formula unit Ti8O8(OH)4(BDC)6 (one Ti8 node), g/mol (pymatgen)."""
    from pymatgen.core import Composition

    return float(Composition(MIL125_FORMULA).weight)


def mil125_cell_volume_nm3() -> float:
    """Volume of the MIL-125 cell of the CIF, nm³."""
    return metal_count_and_volume("mil125")[1]


def mil125_node_density_per_nm3() -> float:
    """Ti8 nodes per nm³ of crystal (from the CIF: Ti atoms / 8 per cell volume)."""
    n, vol = metal_count_and_volume("mil125")
    return n / 8.0 / vol


def nodes_in_sphere(diameter_nm: float) -> float:
    """Ti8 nodes in a spherical MIL-125 particle of the given diameter (nm)."""
    return mil125_node_density_per_nm3() * math.pi / 6.0 * diameter_nm ** 3


# ----------------------------------------------------------------------------- patterns

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
