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
    # rigid 1,3-benzenedithiol: one span (S-H rotamers only)
    assert DITHIOLS["BDT"].flexibility == "rigid"
    assert DITHIOLS["BDT"].span_max_A - DITHIOLS["BDT"].span_min_A < 0.1


def test_strain_table():
    from structures.ligands import strain_table

    t = strain_table()
    grid = np.asarray(t["distance_A"])
    for name, d in DITHIOLS.items():
        if not d.can_bridge:
            continue
        e = np.asarray(t["dithiol"][name]["strain_kcal"])
        assert e.shape == grid.shape and e.min() >= 0.0
        if d.span_max_A < grid[-1]:       # free spans inside the grid (not HDT's, up to 9.4 A)
            assert e.min() == pytest.approx(0.0, abs=0.5), name
        # at the grid points the model returns the table, and it is never negative
        assert np.allclose(bridge_strain_kcal(d, grid), e)
        assert np.all(bridge_strain_kcal(d, [1.0, 9.0]) >= 0)
    # EDT (x = 2) cannot reach a 5 A pair without strain, PDT and BuDT can;
    # the rigid BDT only at its one span (5.5 A)
    e5 = {k: float(bridge_strain_kcal(DITHIOLS[k], 5.0)) for k in ("EDT", "PDT", "BuDT", "BDT")}
    assert e5["EDT"] > 10 and e5["PDT"] < 2 and e5["BuDT"] < 2 and e5["BDT"] > 5
    assert np.all(np.isinf(bridge_strain_kcal(DITHIOLS["PDTH2_disulfide"], grid)))


def test_strain_table_is_regenerated_by_its_script():
    pytest.importorskip("rdkit")
    from structures.tools import dithiol_strain

    row = dithiol_strain.compute("EDT")          # the cheapest molecule: same numbers as shipped
    from structures.ligands import strain_table
    assert row == {k: v for k, v in strain_table()["dithiol"]["EDT"].items()}


def test_unknown_names():
    with pytest.raises(KeyError, match="known"):
        monothiol("XYZ")
    with pytest.raises(KeyError):
        dithiol("XYZ")
