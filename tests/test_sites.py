"""S-site classification and the S-S site-pair table."""
import numpy as np
import pytest

from structures.clusters import build_m25, read_structure
from structures.sites import analyse, c3_triples, classify_sites, pair_table


@pytest.fixture(scope="module")
def built():
    atoms = build_m25()
    return atoms, analyse(atoms)


def test_12_core_6_apex_and_six_staples(built):
    _, (sites, pairs, perms) = built
    assert sites.n_sites == 18
    assert (sites.site_class == "core").sum() == 12 and (sites.site_class == "apex").sum() == 6
    assert len(sites.core_metals) == 12 and len(sites.staple_metals) == 12
    staples, n = np.unique(sites.staple, return_counts=True)
    assert len(staples) == 6 and np.all(n == 3)
    for st in staples:   # each staple: two core S and one apex S
        assert sorted(sites.site_class[sites.staple == st]) == ["apex", "core", "core"]


def test_classification_does_not_depend_on_atom_order():
    atoms = build_m25()
    perm = np.random.default_rng(1).permutation(len(atoms))
    shuffled = atoms[perm]
    a, b = classify_sites(atoms), classify_sites(shuffled)
    cls_a = dict(zip(map(tuple, np.round(a.positions, 6)), a.site_class))
    cls_b = dict(zip(map(tuple, np.round(b.positions, 6)), b.site_class))
    assert cls_a == cls_b


def test_pair_classes_of_ideal_cluster(built):
    _, (sites, pairs, perms) = built
    inter_core = (pairs.kind == "core-core") & ~pairs.same_staple
    # the 24 inter-staple terminal-terminal pairs form one symmetry class
    assert inter_core.sum() == 24
    assert len(np.unique(pairs.pair_class[inter_core])) == 1
    assert np.ptp(pairs.distance_A[inter_core]) < 1e-6
    # symmetry-equivalent pairs share a distance
    for c in np.unique(pairs.pair_class):
        assert np.ptp(pairs.distance_A[pairs.pair_class == c]) < 1e-6


def test_pair_graph_invariant_under_symmetry(built):
    _, (sites, pairs, perms) = built
    table = {(int(a), int(b)): (round(float(d), 6), int(c), bool(s))
             for a, b, d, c, s in zip(pairs.i, pairs.j, pairs.distance_A, pairs.pair_class, pairs.same_staple)}
    assert len(perms) == 24
    for perm in perms:
        assert sorted(perm) == list(range(18))
        for (a, b), val in table.items():
            key = tuple(sorted((int(perm[a]), int(perm[b]))))
            assert table[key] == val
            assert sites.site_class[perm[a]] == sites.site_class[a]


def test_c3_triples_are_site_disjoint(built):
    _, (sites, pairs, perms) = built
    sel = (pairs.kind == "core-core") & ~pairs.same_staple
    tri = c3_triples(sites, pairs, perms, select=sel)
    assert len(tri) > 0
    for t in tri:
        s = {int(x) for k in t for x in (pairs.i[k], pairs.j[k])}
        assert len(s) == 6 and all(sel[k] for k in t)


def test_bridge_fit_orders_dithiols(built):
    _, (sites, pairs, perms) = built
    inter = (pairs.kind == "core-core") & ~pairs.same_staple
    # on the ~5.0 A pairs PDT and butanedithiol fit, rigid BDT and short EDT are strained
    e = {k: pairs.strain_kcal[k][inter][0] for k in ("EDT", "PDT", "BuDT", "BDT")}
    assert max(e["PDT"], e["BuDT"]) < 1.0 < e["BDT"] < e["EDT"]
    assert np.all(pairs.fit("PDT") <= 1.0) and np.all(pairs.fit("PDTH2_disulfide") == 0.0)


@pytest.mark.parametrize("fmt", ["xyz", "pdb"])
def test_results_unchanged_when_read_back(tmp_path, built, fmt):
    from ase.io import write

    atoms, (sites, pairs, perms) = built
    path = tmp_path / f"c.{fmt}"
    write(str(path), build_m25(with_carbon=True))
    s2, p2, perms2 = analyse(read_structure(path))
    assert list(s2.site_class) == list(sites.site_class)
    assert list(s2.staple) == list(sites.staple)
    assert np.array_equal(p2.i, pairs.i) and np.array_equal(p2.j, pairs.j)
    assert np.allclose(p2.distance_A, pairs.distance_A, atol=2e-3)
    assert np.array_equal(p2.pair_class, pairs.pair_class)
    assert np.array_equal(p2.same_staple, pairs.same_staple)


def test_distance_classes_without_symmetry(built):
    _, (sites, pairs, perms) = built
    p2 = pair_table(sites)   # no operations: classes from kind, staple and distance
    assert len(np.unique(p2.pair_class)) == len(np.unique(pairs.pair_class))


def test_reference_structure_file_matches_builder(built):
    from sim.paths import inputs_dir

    atoms, (sites, pairs, perms) = built
    s2, p2, perms2 = analyse(read_structure(inputs_dir() / "structures" / "au24pt_sr18_ideal_th.xyz"))
    assert list(s2.site_class) == list(sites.site_class)
    assert np.allclose(p2.distance_A, pairs.distance_A, atol=1e-5)
    assert np.array_equal(p2.pair_class, pairs.pair_class) and len(perms2) == 24


# ---------------------------------------------------------------- classes from the bond graph

def _noisy(sd=0.05, seed=12):
    atoms = build_m25()
    atoms.positions += np.random.default_rng(np.random.SeedSequence(seed)).normal(0.0, sd, atoms.positions.shape)
    return atoms


def _distorted(tmp_dir):
    """The built cluster strained 3 % along x, 0.12 Å noise on every atom, rotated, and read
    back from an xyz file (point group C1; the pairs spread well beyond the noise test)."""
    from ase.io import write
    from scipy.spatial.transform import Rotation

    atoms = build_m25()
    rng = np.random.default_rng(np.random.SeedSequence(31))
    atoms.positions[:, 0] *= 1.03
    atoms.positions += rng.normal(0.0, 0.12, atoms.positions.shape)
    atoms.positions = Rotation.from_euler("xyz", [17.0, -40.0, 73.0], degrees=True).apply(
        atoms.positions)
    path = tmp_dir / "distorted.xyz"
    write(str(path), atoms)
    return read_structure(path)


def _class_structure(sites, pairs, perms):
    """Partition of the pairs into classes, told apart by kind, staple relation and size,
    plus the number of C3 triples among the inter-staple terminal pairs."""
    cand = (pairs.kind == "core-core") & ~pairs.same_staple
    sizes = sorted((str(pairs.kind[pairs.pair_class == c][0]), bool(pairs.same_staple[pairs.pair_class == c][0]),
                    int((pairs.pair_class == c).sum())) for c in np.unique(pairs.pair_class))
    return sizes, int(cand.sum()), len(c3_triples(sites, pairs, perms, select=cand))


def test_graph_symmetries_are_the_point_group_of_the_ideal_cluster(built):
    from structures.clusters import symmetry_operations
    from structures.sites import _site_permutations

    atoms, (sites, pairs, perms) = built
    ops = symmetry_operations(atoms)
    geo = {p.tobytes() for p in _site_permutations(sites, ops, atoms.get_center_of_mass())}
    assert geo == {p.tobytes() for p in perms} and len(geo) == 24


def test_noisy_cluster_gives_the_ideal_classes_and_triples(built):
    from structures.clusters import point_group

    atoms, (sites, pairs, perms) = built
    noisy = _noisy()
    assert point_group(noisy, tolerance=0.01) != "Th"      # no exact point group left
    s2, p2, perms2 = analyse(noisy)
    assert list(s2.site_class) == list(sites.site_class) and list(s2.staple) == list(sites.staple)
    assert np.array_equal(p2.i, pairs.i) and np.array_equal(p2.j, pairs.j)
    assert np.array_equal(p2.pair_class, pairs.pair_class)
    cand = (pairs.kind == "core-core") & ~pairs.same_staple
    assert c3_triples(s2, p2, perms2, select=cand) == c3_triples(sites, pairs, perms, select=cand)
    assert np.ptp(p2.distance_A[cand]) > 0.05                   # the pairs do differ ...
    assert np.ptp(p2.class_distance_A[cand]) == 0.0             # ... the class mean does not
    assert abs(p2.class_distance_A[cand][0] - pairs.class_distance_A[cand][0]) < 0.05


def test_distorted_structure_file_gives_the_ideal_classes(built, tmp_path):
    """A strained, noisy, rotated frame read from a file (point group C1)."""
    _, ideal = built
    atoms = _distorted(tmp_path)
    s2, p2, perms2 = analyse(atoms)
    assert (s2.site_class == "core").sum() == 12 and len(perms2) == 24
    assert _class_structure(s2, p2, perms2) == _class_structure(*ideal)
    cand = (p2.kind == "core-core") & ~p2.same_staple
    assert np.ptp(p2.distance_A[cand]) > 0.3 and len(np.unique(p2.pair_class[cand])) == 1


def test_bridges_of_the_product_structure():
    from sim.paths import inputs_dir
    from structures.sites import bridged_pairs

    atoms = read_structure(inputs_dir() / "structures" / "au24pt_pdt3_bridged.xyz")
    br = bridged_pairs(atoms)
    sites, pairs, perms = analyse(atoms)
    idx = pairs.index()
    d = sorted(round(float(pairs.distance_A[idx[b]]), 3) for b in br)
    assert d == [4.443, 4.497, 4.497]                                # Yoshikawa 2026, Fig. S13
    assert tuple(sorted(idx[b] for b in br)) in c3_triples(sites, pairs, perms)
    assert bridged_pairs(build_m25(with_carbon=True)) == []          # monothiolates bridge nothing


def test_product_file_is_regenerated_by_its_script():
    from structures.tools.build_bridged_product import main

    assert main(["--check"]) == 0
