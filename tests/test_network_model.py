"""The "network" model: .net and TOML inputs through the CLI, config errors,
validation rows (analytic always; BioNetGen's SSA when installed)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.config import ConfigError, load_experiment
from sim.store import read_result

NET = """begin parameters
    1 kb 20.0
    2 kd 1.0
    3 kon 0.01
end parameters
begin species
    1 X 5
    2 Y 3
    3 XY 0
end species
begin reactions
    1 0 1 kb
    2 1 0 kd
    3 1,2 3 kon
    4 3 1,2 kd
end reactions
begin groups
    1 Xtot 1,3
    2 Yfree 2
end groups
"""


@pytest.fixture
def netfile(tmp_path):
    p = tmp_path / "bd.net"
    p.write_text(NET)
    return p


def _toml(tmp_path, body):
    p = tmp_path / "exp.toml"
    p.write_text('model = "network"\nseed = 4\n' + body)
    return p


def test_load_net_file_defaults(netfile):
    from kinetics.network import MODEL
    exp = MODEL.load_file(netfile)
    assert exp.model == "network" and exp.name == "bd"
    assert exp.config.network.method == "auto" and exp.config.network.n_trajectories == 64
    assert "[network]" in exp.text


def test_toml_run_means_and_shapes(tmp_path, netfile):
    from kinetics.network import MODEL
    exp = load_experiment(_toml(tmp_path, '[network]\nfile = "bd.net"\nt_end_s = 30.0\n'
                                          'n_times = 7\nn_trajectories = 400\n'
                                          'observables = ["Xtot"]\nrecord_species = true\n'))
    res = MODEL.run(exp)
    assert res["observables/Xtot"].shape == (400, 7)
    assert res["species/3"].shape == (400, 7)
    assert "mean/Yfree" not in res.arrays
    # X total (free + bound) is a birth-death process with mean kb/kd = 20 at stationarity
    assert abs(res["mean/Xtot"][-1] - 20.0) < 4 * np.sqrt(20.0 / 400)
    assert res.solver["method"] == "rssa"   # auto on a small network


@pytest.mark.parametrize("body,key", [
    ('[network]\nfile = "bd.net"\nmethod = "tau"\n', "network.method"),
    ('[network]\nfile = "bd.net"\nn_times = 1\n', "network.n_times"),
    ('[network]\nfile = "bd.net"\nt_end = 3\n', "network.t_end"),
    ('[network]\nt_end_s = 3.0\n', "network.file"),
    ('', "network"),
])
def test_config_errors(tmp_path, netfile, body, key):
    with pytest.raises(ConfigError) as info:
        load_experiment(_toml(tmp_path, body))
    assert info.value.key == key


def test_missing_file_and_unknown_observable_fail_before_work(tmp_path, netfile):
    from kinetics.network import MODEL
    exp = load_experiment(_toml(tmp_path, '[network]\nfile = "nope.net"\n'))
    with pytest.raises(ConfigError, match="network.file"):
        MODEL.run(exp)
    exp = load_experiment(_toml(tmp_path, '[network]\nfile = "bd.net"\nobservables = ["Q"]\n'))
    with pytest.raises(ConfigError, match="unknown observable"):
        MODEL.run(exp)
    bad = tmp_path / "sat.net"
    bad.write_text(NET.replace("1 0 1 kb", "1 0 1 Sat(kb,kd)"))
    with pytest.raises(ConfigError, match="Sat"):
        MODEL.load_file(bad)


def test_cli_runs_net_file(tmp_path, netfile):
    out = tmp_path / "r.h5"
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(netfile), "-o", str(out)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    res, prov = read_result(out)
    assert out.with_suffix(".png").exists()
    assert res["mean/Xtot"].shape == (101,) and res["observables/Yfree"].shape == (64, 101)
    assert prov["model"] == "network"


def test_analytic_validation_rows_pass():
    from kinetics.network import analytic_rows
    rows = analytic_rows(quick=True)
    assert len(rows) == 9   # 3 rows per method
    assert all(r.passed for r in rows), [r for r in rows if not r.passed]


@pytest.mark.external
@pytest.mark.slow
def test_multistate_agrees_with_bionetgen_ssa():
    from sim.bionetgen import tools_available
    from kinetics.network import BENCHMARK_MODELS, bionetgen_rows
    if not tools_available() or not (BENCHMARK_MODELS / "multistate.net").exists():
        pytest.skip("BioNetGen or the benchmark models are not available")
    rows = bionetgen_rows("multistate", 10.0, quick=True, n_runs=120, n_ours=500)
    assert len(rows) == 72   # 24 rows per method
    failed = [r for r in rows if not r.passed]
    assert not failed, failed


@pytest.mark.parametrize("net_text,body,key,needle", [
    # a birth-death run to t = 1e12 would take ~5e13 events: refused before any work
    (None, 't_end_s = 1e12\n', "network.t_end_s", "work estimate"),
    # an exploding source A -> 2A passes the first-order estimate and hits the budget
    ("begin species\n 1 A 10\nend species\nbegin reactions\n 1 1 1,1 1.0\nend reactions\n"
     "begin groups\n 1 A 1\nend groups\n", 't_end_s = 30.0\nmax_events = 20000\n',
     "network.max_events", "budget"),
    # a rate constant times the counts overflows: infinite propensity
    ("begin species\n 1 A 1e15\n 2 B 1e15\nend species\nbegin reactions\n 1 1,2 2 1e300\n"
     "end reactions\n", '', "network.file", "overflow"),
])
def test_huge_work_refused_or_stopped_by_budget(tmp_path, netfile, net_text, body, key, needle):
    from kinetics.network import MODEL
    name = "bd.net"
    if net_text:
        name = "x.net"
        (tmp_path / name).write_text(net_text)
    exp = load_experiment(_toml(tmp_path, f'[network]\nfile = "{name}"\nn_trajectories = 4\n'
                                          + body))
    with pytest.raises(ConfigError, match=needle) as info:
        MODEL.run(exp)
    assert info.value.key == key


def test_ode_method_run(tmp_path, netfile):
    from kinetics.network import MODEL
    exp = load_experiment(_toml(tmp_path, '[network]\nfile = "bd.net"\nt_end_s = 30.0\n'
                                          'n_times = 4\nmethod = "ode"\n'))
    res = MODEL.run(exp)
    # rate equations at steady state: X = kb/kd = 20; XY/Y = kon X / kd = 0.2 with
    # Y + XY = 3, so XY = 0.5 and X + XY = 20.5
    assert res["observables/Xtot"].shape == (1, 4)
    assert res["mean/Xtot"][-1] == pytest.approx(20.5, rel=1e-6)
    assert res.solver["method"] == "ode"
