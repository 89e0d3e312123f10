"""Ligand exchange on structure files: ideal, noisy and relaxed structures give the same
products; bad or unbridgeable structure files are refused before any work."""
import numpy as np
import pytest

import kinetics.ligand_exchange as le
from sim.config import ConfigError, parse_experiment
from sim.paths import inputs_dir

from test_ligand_exchange import PRE_PORT

RUN = """
model = "ligand_exchange"
seed = 5
[cluster]
initial_ligand = "TBBT"
conc_mM = 0.24
{structure}
[reagents]
monothiol = "TBBT"
monothiol_equiv = 4302
dithiol = "PDT"
dithiol_equiv = 216
[conditions]
times_min = [0, 5]
[solver]
n_clusters = 300
{solver}
"""


def _run(structure="", solver=""):
    exp = parse_experiment(RUN.format(structure=structure, solver=solver))
    sysm, times_s, counts, links, conc, events = le.simulate(exp.config, PRE_PORT, seed=exp.seed)
    return sysm, le.snapshot(sysm, times_s, counts, links, events)


@pytest.fixture(scope="module")
def structures(tmp_path_factory):
    from ase.io import write
    from structures.clusters import build_m25

    d = tmp_path_factory.mktemp("structures")
    noisy = build_m25(with_carbon=True)
    noisy.positions += np.random.default_rng(np.random.SeedSequence(7)).normal(0.0, 0.05, noisy.positions.shape)
    write(str(d / "noisy.xyz"), noisy)
    return {"ideal": "", "noisy": str(d / "noisy.xyz"),
            "relaxed": str(inputs_dir() / "structures" / "au25_sch3_18_dft.cif")}


def test_ideal_noisy_and_relaxed_structures_give_the_same_products(structures):
    """Ideal and noisy (0.05 Å on every atom) clusters: same classes, triples and products.
    The DFT-relaxed Au25(SCH3)18 frame gives the same classes and triples, but its
    inter-staple terminal S-S pairs are 0.19 Å longer on average (5.18 vs 4.99 Å; the
    relaxation lengthens the Au-S bonds), so the PDT strain differs and its products are
    not asserted: the kinetics respond to the geometry of the structure they are given."""
    out = {}
    for name, path in structures.items():
        sysm, snap = _run(f'structure_file = "{path}"' if path else "")
        assert len(sysm.cand_pairs) == 24 and len(sysm.triples) == 24
        out[name] = (snap.leading(5.0), sysm.cand_distance_A[0])
    assert out["ideal"][0][0] == out["noisy"][0][0]
    # leading fractions agree within 4 standard errors of a difference of two fractions
    p = 0.5 * (out["noisy"][0][1] + out["ideal"][0][1])
    assert abs(out["noisy"][0][1] - out["ideal"][0][1]) < 4 * np.sqrt(2 * p * (1 - p) / 300)
    assert abs(out["noisy"][1] - out["ideal"][1]) < 0.05
    assert out["relaxed"][1] - out["ideal"][1] == pytest.approx(0.186, abs=0.005)


def test_structure_without_a_bridgeable_triple_is_refused_before_simulating():
    exp = parse_experiment(RUN.format(structure="", solver="max_pair_distance_A = 4.0"))
    with pytest.raises(ConfigError, match="no C3 triple"):
        le.MODEL.run(exp)


BAD = {
    "garbage.xyz": b"this is not a structure\nat all\n",
    "binary.cif": bytes(range(256)) * 4,
    "empty.xyz": b"",
    "truncated.xyz": b"43\ncut short\nAu 0 0 0\nAu 1 0 0\n",
    "water.xyz": b"3\nwater\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n",
}


@pytest.mark.parametrize("name", sorted(BAD) + ["/dev/null", "directory", "missing.xyz"])
def test_bad_structure_files_are_refused_naming_file_and_allowed(tmp_path, name):
    if name == "/dev/null":
        path = "/dev/null"
    elif name == "directory":
        path = str(tmp_path)
    elif name == "missing.xyz":
        path = str(tmp_path / name)
    else:
        path = str(tmp_path / name)
        (tmp_path / name).write_bytes(BAD[name])
    with pytest.raises(ConfigError) as err:
        parse_experiment(RUN.format(structure=f'structure_file = "{path}"', solver=""))
    text = str(err.value)
    assert "cluster.structure_file" in text and path in text and "M25(SR)18" in text


def test_product_structure_without_bridges_is_refused(tmp_path):
    from ase.io import write
    from structures.clusters import build_m25

    path = tmp_path / "no_bridges.xyz"
    write(str(path), build_m25(with_carbon=True))
    with pytest.raises(ConfigError, match="product_structure_file"):
        parse_experiment(RUN.format(structure=f'product_structure_file = "{path}"', solver=""))
