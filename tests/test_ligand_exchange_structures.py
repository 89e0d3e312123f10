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
    return {"ideal": "", "noisy": str(d / "noisy.xyz")}


def test_ideal_noisy_and_relaxed_structures_give_the_same_products(structures):
    """Ideal and noisy (0.05 Å on every atom) clusters: same classes, triples and products."""
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


# ---------------------------------------------------------------- runs in chunks, limits

def test_chunked_run_is_exact_on_the_binomial_limit(monkeypatch):
    """Many tiny chunks (each restarts the waiting time, memoryless) keep the analytic
    per-site conversion of PET -> TBBT with no back reaction."""
    from kinetics.ligand_exchange import system

    monkeypatch.setattr(system, "CHUNK_WALL_S", 1e-9)          # every chunk the minimum size (1000 events)
    monkeypatch.setattr(system, "FIRST_CHUNK_EVENTS", 1000)
    text = RUN.format(structure="", solver="").replace('initial_ligand = "TBBT"', 'initial_ligand = "PET"')
    text = text.replace('dithiol = "PDT"\ndithiol_equiv = 216\n', "").replace("times_min = [0, 5]", "times_min = [0, 3, 10]")
    text = text.replace("n_clusters = 300", "n_clusters = 2000")
    exp = parse_experiment(text)
    calls = []
    sysm, times_s, counts, links, conc, events = le.simulate(
        exp.config, dict(PRE_PORT, K_aryl_alkyl=1e12), seed=3, progress=calls.append)
    assert len(calls) >= 10                                  # it did run in many chunks
    r = sysm.rates
    c_tbbt = 4302 * 0.24e-3
    k_c = r["k_core_M_s"] * r["aliphatic_leaving"] * c_tbbt
    k_a = k_c * r["apex_factor"]
    tb = sysm.mono.index("TBBT")
    for j, t in enumerate(times_s):
        pc, pa = 1 - np.exp(-k_c * t), 1 - np.exp(-k_a * t)
        n = counts[j, :, tb].astype(float)
        var = 12 * pc * (1 - pc) + 6 * pa * (1 - pa)
        assert abs(n.mean() - (12 * pc + 6 * pa)) <= 4 * np.sqrt(max(var, 1e-12) / n.size) + 1e-12


def test_max_events_leaves_unreached_times_missing_and_warns():
    exp = parse_experiment(RUN.format(structure="", solver="max_events = 2000").replace(
        "times_min = [0, 5]", "times_min = [0, 0.001, 5, 10]"))
    with pytest.warns(RuntimeWarning, match="max_events"):
        res = le.MODEL.run(exp, progress=False)
    assert res["output_times_reached"] == 2
    assert np.all(np.isfinite(res["mean_sites"][:2])) and np.all(np.isnan(res["mean_sites"][2:]))
    assert np.all(np.isnan(res["species_fraction"][2:]))
    assert res["leading_species_t10min"].startswith("missing")


@pytest.mark.parametrize("change", [("times_min = [0, 5]\n[solver]\nn_clusters = 300",
                                     "times_min = [0, 3000]\n[solver]\nn_clusters = 2000000"),
                                    ("dithiol_equiv = 216", "dithiol_equiv = 1e11"),
                                    ("times_min = [0, 5]", "times_min = [0, 1e11]")])
def test_huge_runs_are_refused_with_an_estimate(change):
    # 1e300 is refused by the file check itself (every number has a physical limit);
    # values below that limit but far beyond the work budget are refused with an estimate
    if "1e11" in change[1]:
        with pytest.raises(ConfigError, match="out of range"):
            parse_experiment(RUN.format(structure="", solver="").replace(
                change[0], change[1].replace("1e11", "1e300")))
    exp = parse_experiment(RUN.format(structure="", solver="").replace(*change))
    with pytest.raises(ConfigError, match="solver.max_work_events") as err:
        le.MODEL.run(exp, progress=False)
    assert "estimated work" in str(err.value)


def test_work_estimate_is_the_right_order():
    exp = parse_experiment(RUN.format(structure="", solver=""))
    sysm = le.build_system(exp.config, PRE_PORT)
    est = le.system.estimate_events(sysm, 300, 300.0)
    *_, events = le.simulate(exp.config, PRE_PORT, seed=1)
    assert 0.03 < events / est < 30, (events, est)


def test_ctrl_c_stops_a_run_quickly_without_a_partial_file(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    cfg = tmp_path / "long.toml"
    # a run of ~30 s of CPU (10^5 clusters, 300 min), interrupted after 8 s
    cfg.write_text(RUN.format(structure="", solver="").replace("n_clusters = 300", "n_clusters = 100000")
                   .replace("times_min = [0, 5]", "times_min = [0, 300]"))
    out = tmp_path / "long.h5"
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "run", str(cfg), "-o", str(out), "--no-plot",
                             "--no-uncertainty"], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(8.0)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)        # a guard against a hang, not a speed limit
    assert proc.returncode == 130, err           # no segmentation fault (-11)
    assert "interrupted" in err
    assert not out.exists()                      # (the stop latency is measured in benchmarks/)
