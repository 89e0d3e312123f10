"""M25(SR)18 cluster builder: atom counts, bond lengths, symmetry, file round trips."""
import numpy as np
import pytest

from structures.clusters import StapleGeometry, build_m25, point_group, read_structure, symmetry_operations
from structures.sites import classify_sites


@pytest.mark.parametrize("centre", ["Au", "Pt", "Pd"])
def test_atom_counts(centre):
    atoms = build_m25(centre=centre)
    sym = atoms.get_chemical_symbols()
    assert len(atoms) == 43
    assert sym.count("S") == 18
    assert sum(s != "S" for s in sym) == 25
    assert sym[0] == centre and sym.count("Au") == (25 if centre == "Au" else 24)


def test_first_carbon_added_per_sulfur():
    atoms = build_m25(with_carbon=True)
    assert atoms.get_chemical_symbols().count("C") == 18
    pos = atoms.get_positions()
    s = [i for i, x in enumerate(atoms.get_chemical_symbols()) if x == "S"]
    c = [i for i, x in enumerate(atoms.get_chemical_symbols()) if x == "C"]
    d = np.linalg.norm(pos[s] - pos[c], axis=1)
    assert np.allclose(d, 1.83, atol=1e-9)
    # the carbon points outwards
    assert np.all(np.linalg.norm(pos[c], axis=1) > np.linalg.norm(pos[s], axis=1))


@pytest.mark.parametrize("geom", [StapleGeometry(), StapleGeometry(centre_surface_A=2.75, core_S_A=2.38,
                                                                   staple_S_A=2.30, S_M_S_deg=170.0,
                                                                   apex_M_S_M_deg=95.0)])
def test_bond_lengths_and_angles_match_inputs(geom):
    atoms = build_m25(geometry=geom)
    sites = classify_sites(atoms)
    pos = atoms.get_positions()
    centre = pos[sites.centre_atom]
    assert np.allclose(np.linalg.norm(pos[sites.core_metals] - centre, axis=1), geom.centre_surface_A, atol=1e-6)
    for k, a in enumerate(sites.s_atoms):
        d_core = np.linalg.norm(pos[sites.core_metals] - pos[a], axis=1)
        d_st = np.sort(np.linalg.norm(pos[sites.staple_metals] - pos[a], axis=1))
        if sites.site_class[k] == "core":
            assert d_core.min() == pytest.approx(geom.core_S_A, abs=1e-6)
            assert d_st[0] == pytest.approx(geom.staple_S_A, abs=1e-6)
        else:
            assert d_st[:2] == pytest.approx([geom.staple_S_A] * 2, abs=1e-6)
            nearest = np.argsort(np.linalg.norm(pos[sites.staple_metals] - pos[a], axis=1))[:2]
            m1, m2 = pos[sites.staple_metals[nearest]]
            u, v = m1 - pos[a], m2 - pos[a]
            ang = np.degrees(np.arccos(u @ v / np.linalg.norm(u) / np.linalg.norm(v)))
            assert ang == pytest.approx(geom.apex_M_S_M_deg, abs=1e-5)
    # nothing closer than a bond
    d = atoms.get_all_distances()
    np.fill_diagonal(d, 9.0)
    assert d.min() >= min(geom.staple_S_A, geom.core_S_A) - 1e-6


def test_point_group_is_th():
    atoms = build_m25()
    assert point_group(atoms) == "Th"
    ops = symmetry_operations(atoms)
    assert len(ops) == 24
    assert sum(np.linalg.det(o) < 0 for o in ops) == 12


def test_distorted_cluster_loses_symmetry():
    atoms = build_m25()
    atoms.positions[30] += [0.4, 0.0, 0.0]
    assert point_group(atoms) != "Th"


def test_impossible_geometry_is_refused():
    with pytest.raises(ValueError):
        build_m25(geometry=StapleGeometry(core_S_A=0.5))
    with pytest.raises(ValueError):
        build_m25(centre="Xx")


@pytest.mark.parametrize("fmt", ["xyz", "pdb", "cif"])
def test_read_back(tmp_path, fmt):
    from ase.io import write

    atoms = build_m25(with_carbon=True)
    path = tmp_path / f"cluster.{fmt}"
    if fmt == "cif":
        atoms.set_cell([30, 30, 30])
        atoms.center()
    write(str(path), atoms)
    back = read_structure(path)
    assert back.get_chemical_symbols() == atoms.get_chemical_symbols()
    assert np.allclose(back.get_all_distances(), atoms.get_all_distances(), atol=2e-3)
    only = read_structure(path, keep=("Au", "Pt", "S"))
    assert len(only) == 43
