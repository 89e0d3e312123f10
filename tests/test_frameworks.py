"""Framework cells from CIF files (MIL-125, UiO-66), simulated PXRD of a size-distributed
ensemble, Gaussian peak fits."""
import math

import numpy as np
import pytest

from structures import frameworks as fw

CU = 1.54184  # Å, weighted Cu Kα used by pymatgen's "CuKa"
A_MIL, C_MIL = 18.6543, 18.1444   # the cell of inputs/materials/frameworks/mil125.cif


@pytest.fixture(scope="module")
def structure():
    return fw.mil125_structure()


def test_cell_composition_and_symmetry(structure):
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    comp = structure.composition
    # 2 x Ti8O8(OH)4(BDC)6; the CIF carries the ring H, not the hydroxo H
    assert comp["Ti"] == 16 and comp["O"] == 72 and comp["C"] == 96
    assert structure.lattice.a == pytest.approx(A_MIL)
    assert structure.lattice.c == pytest.approx(C_MIL)
    heavy = structure.copy()
    heavy.remove_species(["H"])          # the CIF's H positions are idealised (P1)
    assert SpacegroupAnalyzer(heavy, symprec=0.05).get_space_group_symbol() == "I4/mmm"


def test_node_density_agrees_with_structure(structure):
    ti_per_nm3 = structure.composition["Ti"] / (structure.volume / 1000.0)
    assert ti_per_nm3 == pytest.approx(8 * fw.mil125_node_density_per_nm3(), rel=1e-3)


def test_peak_positions_follow_bragg_law():
    pos, inten = fw.mil125_peaks((4.0, 20.0))
    assert inten.max() == pytest.approx(100.0)
    d002 = C_MIL / 2
    d200 = A_MIL / 2
    for d in (d002, d200):
        expected = 2 * math.degrees(math.asin(CU / (2 * d)))
        assert np.min(np.abs(pos - expected)) < 0.02
    # the strongest low-angle line is the (101)/(110) pair near 6.7-6.8°
    assert 6.6 < pos[np.argmax(inten)] < 6.9


@pytest.mark.parametrize("fwhm", [0.1, 0.3, 0.8])
def test_gaussian_fit_recovers_single_class_width(fwhm):
    x = np.linspace(4, 12, 4001)
    y = fw.ensemble_pattern(x, [8.0], [1.0], [1.0], lambda pos: np.array([fwhm]))
    c, w, h = fw.fit_gaussian_peak(x, y, 8.0, half_window_deg=3 * fwhm)
    assert c == pytest.approx(8.0, abs=1e-6)
    assert w == pytest.approx(fwhm, rel=1e-4)


def test_scherrer_round_trip_through_pattern():
    """A monodisperse 25 nm ensemble gives back 25 nm through pattern, fit and Scherrer."""
    from kinetics.analysis import scherrer_fwhm_deg, scherrer_size_nm

    pos, inten = fw.mil125_peaks((4.0, 20.0))
    x = np.linspace(4, 20, 6401)
    y = fw.ensemble_pattern(x, pos, inten, [1.0],
                            lambda p: np.array([scherrer_fwhm_deg(25.0, p)]))
    # the (101)/(110) line is one merged reflection in pymatgen's list: fit it alone
    c0 = pos[np.argmax(inten)]
    c, w, _ = fw.fit_gaussian_peak(x, y, c0, half_window_deg=0.6)
    assert scherrer_size_nm(w, c) == pytest.approx(25.0, rel=0.02)


def test_mixture_width_lies_between_its_classes():
    x = np.linspace(4, 12, 4001)
    y = fw.ensemble_pattern(x, [8.0], [1.0], [1.0, 1.0], lambda p: np.array([0.2, 0.6]))
    _, w, _ = fw.fit_gaussian_peak(x, y, 8.0, half_window_deg=2.0)
    assert 0.2 < w < 0.6


def test_uio66_from_its_cif():
    """UiO-66: one Zr6 node per primitive fcc cell; (111) and (200) where Bragg puts them for
    the conventional cell a = sqrt(2) x the primitive edge."""
    s = fw.structure("uio66")
    assert s.composition["Zr"] == 6
    a = s.lattice.a * math.sqrt(2.0)
    assert 20.6 < a < 21.0
    pos, inten = fw.peaks("uio66", (4.0, 20.0))
    for hkl in ((1, 1, 1), (2, 0, 0)):
        d = a / math.sqrt(sum(i * i for i in hkl))
        assert np.min(np.abs(pos - 2 * math.degrees(math.asin(CU / (2 * d))))) < 0.02
    assert 7.2 < pos[np.argmax(inten)] < 7.4
