import h5py
import numpy as np
import pytest

import sim.sweep as sweep_mod
from sim.config import ConfigError, parse_experiment
from sim.sweep import parse_set, point_seed, sweep

TOY = 'model = "toy"\nseed = 3\n[conditions]\nn_molecules = 500\nn_times = 5\n[solver]\nn_streams = 2\n'


def test_grid_and_seeds():
    g = parse_set(["conditions.rate_constant_per_s=0.1,0.2", "conditions.t_end_s=5,10,20"])
    pts = g.points()
    assert len(pts) == 6 and pts[0] == {"conditions.rate_constant_per_s": 0.1, "conditions.t_end_s": 5}
    assert point_seed(3, 4) == point_seed(3, 4) != point_seed(3, 5)
    with pytest.raises(ConfigError):
        parse_set(["nonsense"])


def test_sweep_results_independent_of_batching(tmp_path):
    exp = parse_experiment(TOY, file="toy.toml")
    grid = parse_set(["conditions.rate_constant_per_s=0.05,0.1,0.2,0.4"])
    a = sweep(exp, grid, tmp_path / "a.h5", batch_size=1)
    b = sweep(exp, grid, tmp_path / "b.h5", batch_size=3)
    with h5py.File(a) as fa, h5py.File(b) as fb:
        assert np.array_equal(fa["summary/A_final"][()], fb["summary/A_final"][()])
        assert fa["summary/half_life"].attrs["unit"] == "s"
        assert np.allclose(fa["summary/half_life"][()], np.log(2) / np.array([0.05, 0.1, 0.2, 0.4]))
        assert fa.attrs["config_text"] == TOY
    assert not (tmp_path / "a.h5.parts").exists()


def test_bad_sweep_key_rejected_before_work(tmp_path):
    exp = parse_experiment(TOY, file="toy.toml")
    with pytest.raises(ConfigError, match="unknown sweep key"):
        sweep(exp, parse_set(["conditions.nope=1,2"]), tmp_path / "x.h5")
    with pytest.raises(ConfigError, match="out of range"):
        sweep(exp, parse_set(["conditions.rate_constant_per_s=0.1,-1"]), tmp_path / "x.h5")
    assert not (tmp_path / "x.h5").exists()


def test_interrupted_sweep_keeps_finished_batches_and_resumes(tmp_path, monkeypatch):
    exp = parse_experiment(TOY, file="toy.toml")
    grid = parse_set(["conditions.rate_constant_per_s=0.05,0.1,0.2,0.4,0.8"])
    real = sweep_mod._run_batch
    calls = []

    def flaky(model, exps):
        calls.append(len(exps))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(model, exps)

    monkeypatch.setattr(sweep_mod, "_run_batch", flaky)
    out = tmp_path / "s.h5"
    with pytest.raises(KeyboardInterrupt):
        sweep(exp, grid, out, batch_size=1)
    assert not out.exists()
    parts = sorted(p.name for p in (tmp_path / "s.h5.parts").glob("batch_*.h5"))
    assert parts == ["batch_00000.h5", "batch_00001.h5"]
    monkeypatch.setattr(sweep_mod, "_run_batch", real)
    calls.clear()
    resumed = []
    monkeypatch.setattr(sweep_mod, "_run_batch", lambda m, e: resumed.append(1) or real(m, e))
    sweep(exp, grid, out, batch_size=1)
    assert len(resumed) == 3  # only the unfinished batches ran
    full = sweep(exp, grid, tmp_path / "ref.h5", batch_size=5)
    with h5py.File(out) as f, h5py.File(full) as g:
        assert np.array_equal(f["summary/A_final"][()], g["summary/A_final"][()])


def test_dask_scheduler_gives_same_numbers(tmp_path):
    distributed = pytest.importorskip("distributed")
    exp = parse_experiment(TOY, file="toy.toml")
    grid = parse_set(["conditions.rate_constant_per_s=0.05,0.1,0.2"])
    local = sweep(exp, grid, tmp_path / "local.h5", batch_size=2)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        remote = sweep(exp, grid, tmp_path / "dask.h5", batch_size=1, scheduler=cluster.scheduler_address)
    with h5py.File(local) as f, h5py.File(remote) as g:
        assert np.array_equal(f["summary/A_final"][()], g["summary/A_final"][()])


def test_suggest_finds_the_rate_constant_for_a_target_half_life(tmp_path, capsys):
    from sim.cli import main

    cfg = tmp_path / "toy.toml"
    cfg.write_text(TOY)
    out = tmp_path / "sg.h5"
    assert main(["suggest", str(cfg), "--vary", "conditions.rate_constant_per_s=0.01:1",
                 "--target", "half_life=6.93", "--points", "40", "--top", "3", "-o", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    best_k = float(lines[1].split()[0])
    assert abs(best_k - 0.1) < 0.03  # ln2 / 6.93 s = 0.1 s^-1; the sample spacing is ~0.025
    assert main(["suggest", str(cfg), "--vary", "conditions.rate_constant_per_s=1:0.1",
                 "--target", "half_life=1"]) == 2
    assert main(["suggest", str(cfg), "--vary", "conditions.rate_constant_per_s=0.1:1",
                 "--target", "nonexistent=1", "--points", "4", "-o", str(tmp_path / "x.h5")]) == 2
