"""Thiol / dithiol library: formulas, masses, bond classes, strain model."""
import numpy as np
import pytest

from structures.ligands import (DITHIOLS, MONOTHIOLS, bridge_strain_kcal, cluster_formula, dithiol,
                                formula_mass, monothiol)


def test_bond_classes():
    assert {m.name for m in MONOTHIOLS.values() if m.bond_class == "aromatic"} == {"TBBT", "IPBT"}
    assert {m.name for m in MONOTHIOLS.values() if m.bond_class == "aliphatic"} == {"PET", "SC6H13", "SC12H25"}


def test_masses_from_formulas():
    assert formula_mass(MONOTHIOLS["PET"].thiolate) == pytest.approx(137.22, abs=0.02)
    assert formula_mass(MONOTHIOLS["TBBT"].thiolate) == pytest.approx(165.27, abs=0.02)
    assert formula_mass(DITHIOLS["PDT"].dithiolate) == pytest.approx(106.21, abs=0.02)
    # a dangling dithiol carries one H more than the bridged one
    for d in DITHIOLS.values():
        assert formula_mass(d.dangling) - formula_mass(d.dithiolate) == pytest.approx(1.008, abs=1e-3)


def test_cluster_formula_of_target_product():
    f = cluster_formula({"Au": 24, "Pt": 1}, {"TBBT": 12, "PDT": 3})
    m = formula_mass(f)
    expected = 24 * 196.96657 + 195.084 + 12 * 165.27 + 3 * 106.21
    assert m == pytest.approx(expected, abs=0.5)


def test_dithiol_spans_and_chain_lengths():
    spans = [DITHIOLS[k].span_max_A for k in ("EDT", "PDT", "BuDT", "HDT")]
    assert spans == sorted(spans)
    assert DITHIOLS["BDT"].flexibility == "rigid" and DITHIOLS["BDT"].span_min_A == DITHIOLS["BDT"].span_max_A
    assert DITHIOLS["PDT"].d_opt_A == pytest.approx(np.mean([4.443, 4.497, 4.497]), abs=0.01)


def test_strain_model():
    pdt = dithiol("PDT")
    assert bridge_strain_kcal(pdt, pdt.d_opt_A) == pytest.approx(pdt.E_min_kcal)
    d = np.linspace(4.0, 6.0, 9)
    e = bridge_strain_kcal(pdt, d)
    assert np.all(e >= pdt.E_min_kcal)
    assert np.all(np.isinf(bridge_strain_kcal(DITHIOLS["PDTH2_disulfide"], d)))


def test_unknown_names():
    with pytest.raises(KeyError, match="known"):
        monothiol("XYZ")
    with pytest.raises(KeyError):
        dithiol("XYZ")
