import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

import sim.sweep as sweep_mod
from sim.config import ConfigError, parse_experiment
from sim.model import PointSummary, get_model
from sim.sweep import parse_axis, parse_set, point_seed, sweep

xr = pytest.importorskip("xarray")
pytest.importorskip("h5netcdf")

TOY = 'model = "toy"\nseed = 3\n[conditions]\nn_molecules = 500\nn_times = 5\n[solver]\nn_streams = 2\n'
ROOT = Path(__file__).resolve().parent.parent


def _open(path):
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        return ds.load()


def test_axis_forms_grid_and_seeds():
    assert parse_axis("a.b=0:1:3").values == [0.0, 0.5, 1.0]
    assert parse_axis("a.b=0:10:6").values == [0, 2, 4, 6, 8, 10]
    assert parse_axis("a.b=1,x,2.5").values == [1, "x", 2.5]
    rng = parse_axis("a.b=0.1:0.5")
    assert rng.is_range and (rng.lo, rng.hi) == (0.1, 0.5)
    g = parse_set(["conditions.rate_constant_per_s=0.1,0.2", "conditions.t_end_s=5,10,20"])
    pts = g.points()
    assert g.shape == (2, 3) and len(pts) == 6
    assert pts[0] == {"conditions.rate_constant_per_s": 0.1, "conditions.t_end_s": 5}
    assert point_seed(3, 4) == point_seed(3, 4) != point_seed(3, 5)
    lhs = parse_set(["x=0:1", "y=0:10"], lhs=10, lhs_seed=1)
    p = lhs.points()
    assert len(p) == 10 and lhs.shape == (10,)
    # Latin hypercube: one point in each tenth of every range
    assert sorted(int(q["x"] * 10) for q in p) == list(range(10))
    assert p == parse_set(["x=0:1", "y=0:10"], lhs=10, lhs_seed=1).points()
    for bad in (["nonsense"], ["a=0:1"], ["a=1,2", "a=3"], ["a=0:x:3"]):
        with pytest.raises(ConfigError):
            parse_set(bad)


def test_grid_file_has_named_dimensions_units_and_is_independent_of_batching(tmp_path):
    exp = parse_experiment(TOY, file="toy.toml")
    grid = parse_set(["conditions.rate_constant_per_s=0.05,0.1,0.2,0.4", "conditions.t_end_s=5,10"])
    a = sweep(exp, grid, tmp_path / "a.h5", batch_size=1)
    b = sweep(exp, grid, tmp_path / "b.h5", batch_size=3)
    da, db = _open(a), _open(b)
    assert da["A_final"].dims == ("conditions.rate_constant_per_s", "conditions.t_end_s")
    assert not any(d.startswith("phony_dim") for d in da.dims)
    assert np.array_equal(da["A_final"].values, db["A_final"].values)
    assert da["half_life"].attrs["units"] == "s"
    assert da["conditions.rate_constant_per_s"].attrs["units"] == "s^-1"
    assert np.allclose(da["half_life"].sel({"conditions.t_end_s": 5.0}).values,
                       np.log(2) / np.array([0.05, 0.1, 0.2, 0.4]))
    assert da.attrs["config_text"] == TOY
    # the value at each grid point is that of the point's own run
    one = get_model("toy").summaries([sweep_mod._point_experiment(
        exp, {"conditions.rate_constant_per_s": 0.2, "conditions.t_end_s": 10}, 5, get_model("toy"))])[0]
    assert da["A_final"].values[2, 1] == one.values["A_final"]
    assert not (tmp_path / "a.h5.parts").exists() and not (tmp_path / "a.h5.lock").exists()
    with h5py.File(a) as f:   # flat per-point columns for simple readers
        assert list(f["grid/conditions.t_end_s"][()][:4]) == [5.0, 10.0, 5.0, 10.0]


def test_only_requested_quantities(tmp_path):
    exp = parse_experiment(TOY, file="toy.toml")
    out = sweep(exp, parse_set(["conditions.rate_constant_per_s=0.1,0.2"]), tmp_path / "q.h5",
                quantities=["half_life"])
    ds = _open(out)
    assert "half_life" in ds and "A_final" not in ds


def test_unknown_key_refused_out_of_range_values_reported_per_point(tmp_path):
    exp = parse_experiment(TOY, file="toy.toml")
    with pytest.raises(ConfigError, match="unknown sweep key"):
        sweep(exp, parse_set(["conditions.nope=1,2"]), tmp_path / "x.h5")
    assert not (tmp_path / "x.h5").exists()
    rep = sweep(exp, parse_set(["conditions.rate_constant_per_s=0.1,-1,0.2"]), tmp_path / "y.h5",
                report=True)
    assert rep.points == 3 and rep.failed == 1
    ds = _open(tmp_path / "y.h5")
    assert np.isnan(ds["half_life"].values[1]) and np.isfinite(ds["half_life"].values[[0, 2]]).all()
    assert "out of range" in ds["failure"].values[1] and "-1" in ds["failure"].values[1]
    assert "out of range" in ds["half_life_reason"].values[1]
    assert ds["failure"].values[0] == "" and "out of range" in rep.text()


def test_points_missing_a_quantity_or_raising_keep_the_same_columns(tmp_path, monkeypatch):
    exp = parse_experiment(TOY, file="toy.toml")
    model = get_model("toy")
    real = type(model).summaries

    def patchy(self, exps, quantities=None, values_list=None):
        out = []
        for e in exps:
            k = e.config.conditions.rate_constant_per_s
            if k == 0.3:
                raise KeyError("pxrd_peak_fwhm_deg")      # a broken batch path
            s = real(self, [e], quantities)[0]
            if k == 0.2:    # this point does not give one of the quantities
                s.values.pop("A_final")
                s.units.pop("A_final")
            out.append(s)
        return out

    monkeypatch.setattr(type(model), "summaries", patchy)
    rep = sweep(exp, parse_set(["conditions.rate_constant_per_s=0.1,0.2,0.3,0.4"]),
                tmp_path / "m.h5", batch_size=4, report=True)
    ds = _open(tmp_path / "m.h5")
    assert set(ds.data_vars) >= {"A_final", "half_life", "A_final_reason", "failure"}
    a = ds["A_final"].values
    assert np.isfinite(a[[0, 3]]).all() and np.isnan(a[1]) and np.isnan(a[2])
    assert ds["A_final_reason"].values[1] == "not computed for this point"
    assert "KeyError" in ds["failure"].values[2] and rep.failed == 1
    assert np.isfinite(ds["half_life"].values[1])


def _interrupt_after(monkeypatch, n_batches):
    real = sweep_mod._run_batch
    calls = []

    def flaky(*a):
        calls.append(1)
        if len(calls) > n_batches:
            raise KeyboardInterrupt
        return real(*a)

    monkeypatch.setattr(sweep_mod, "_run_batch", flaky)
    return real


def test_resume_with_other_workers_equals_uninterrupted_run(tmp_path, monkeypatch):
    exp = parse_experiment(TOY, file="toy.toml")
    grid = parse_set(["conditions.rate_constant_per_s=0.05:0.8:6"])
    out = tmp_path / "s.h5"
    real = _interrupt_after(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        sweep(exp, grid, out, batch_size=1)
    assert not out.exists() and len(list((tmp_path / "s.h5.parts").glob("part_*.h5"))) == 2
    ran = []
    monkeypatch.setattr(sweep_mod, "_run_batch", lambda *a: ran.append(len(a[2])) or real(*a))
    rep = sweep(exp, grid, out, batch_size=3, report=True)
    assert sum(ran) == 4 and rep.resumed == 2      # only the unfinished points ran
    monkeypatch.setattr(sweep_mod, "_run_batch", real)
    full = sweep(exp, grid, tmp_path / "ref.h5", batch_size=2)
    assert np.array_equal(_open(out)["A_final"].values, _open(full)["A_final"].values)


def test_parts_of_another_grid_are_never_reused(tmp_path, monkeypatch):
    exp = parse_experiment(TOY, file="toy.toml")
    old = parse_set(["conditions.rate_constant_per_s=0.1,0.2,0.3,0.4"])
    new = parse_set(["conditions.rate_constant_per_s=0.5,0.6,0.7,0.8"])
    out = tmp_path / "s.h5"
    real = _interrupt_after(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        sweep(exp, old, out, batch_size=1)
    monkeypatch.setattr(sweep_mod, "_run_batch", real)
    (tmp_path / "s.h5.parts" / "sweep.json").unlink()   # even without the metadata file
    sweep(exp, new, out, batch_size=1)
    ref = sweep(exp, new, tmp_path / "ref.h5")
    assert np.array_equal(_open(out)["half_life"].values, _open(ref)["half_life"].values)
    # another seed is another sweep too
    other = parse_experiment(TOY.replace("seed = 3", "seed = 4"), file="toy.toml")
    assert sweep_mod.signature(other, new, None) != sweep_mod.signature(exp, new, None)


def test_output_locked_while_a_sweep_writes(tmp_path):
    exp = parse_experiment(TOY, file="toy.toml")
    out = tmp_path / "s.h5"
    with sweep_mod._Lock(out):
        with pytest.raises(sweep_mod.SweepLocked, match="another sweep"):
            sweep(exp, parse_set(["conditions.t_end_s=1,2"]), out)
    assert not out.exists()
    sweep(exp, parse_set(["conditions.t_end_s=1,2"]), out)   # free again
    assert out.exists()


def test_sigkill_then_resume_gives_every_point_once(tmp_path):
    heavy = TOY.replace("n_molecules = 500", "n_molecules = 1000000")
    cfg = tmp_path / "heavy.toml"
    cfg.write_text(heavy)
    out = tmp_path / "k.h5"
    axis = "conditions.rate_constant_per_s=0.05:1:16"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "sweep", str(cfg), "--axis", axis,
                             "--batch-size", "1", "--no-plot", "-o", str(out)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = tmp_path / "k.h5.parts"
    while proc.poll() is None and len(list(parts.glob("part_*.h5"))) < 3:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists(), "the sweep finished before it could be killed"
    n_done = len(list(parts.glob("part_*.h5")))
    assert 3 <= n_done < 16
    exp = parse_experiment(heavy, file=str(cfg))
    rep = sweep(exp, parse_set([axis]), out, workers=2, batch_size=5, report=True)
    assert rep.resumed >= 3 and rep.points == 16
    ref = sweep(exp, parse_set([axis]), tmp_path / "ref.h5", batch_size=16)
    a, b = _open(out), _open(ref)
    assert np.array_equal(a["A_final"].values, b["A_final"].values)
    assert np.array_equal(a["seed"].values, b["seed"].values)


def test_sweep_table_in_the_experiment_file_and_lhs(tmp_path, capsys):
    from sim.cli import main

    cfg = tmp_path / "t.toml"
    cfg.write_text(TOY + '\n[sweep]\nquantities = ["half_life"]\n[sweep.axes]\n'
                   '"conditions.rate_constant_per_s" = "0.1:0.4:4"\n'
                   '"conditions.t_end_s" = [5, 10]\n')
    out = tmp_path / "t.h5"
    assert main(["sweep", str(cfg), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "8 points" in text and "failed points: 0" in text
    ds = _open(out)
    assert ds["half_life"].shape == (4, 2) and "A_final" not in ds
    assert "[sweep]" in ds.attrs["config_text"]
    assert out.with_suffix(".png").exists()
    out2 = tmp_path / "l.h5"
    assert main(["sweep", str(cfg), "--axis", "conditions.rate_constant_per_s=0.1:0.4",
                 "--lhs", "7", "-o", str(out2)]) == 0
    ds2 = _open(out2)
    assert ds2["half_life"].dims == ("point",) and ds2.sizes["point"] == 7
    k = ds2["conditions.rate_constant_per_s"].values
    assert np.allclose(ds2["half_life"].values, np.log(2) / k)
    assert main(["sweep", str(cfg), "--axis", "conditions.t_end_s=0:1", "-o", str(out2)]) == 2


def test_dask_scheduler_gives_same_numbers(tmp_path):
    distributed = pytest.importorskip("distributed")
    exp = parse_experiment(TOY, file="toy.toml")
    grid = parse_set(["conditions.rate_constant_per_s=0.05,0.1,0.2"])
    local = sweep(exp, grid, tmp_path / "local.h5", batch_size=2)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        remote = sweep(exp, grid, tmp_path / "dask.h5", batch_size=1,
                       scheduler=cluster.scheduler_address)
    assert np.array_equal(_open(local)["A_final"].values, _open(remote)["A_final"].values)
