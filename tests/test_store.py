import h5py
import numpy as np
import pytest

from sim.config import parse_experiment
from sim.store import Result, atomic_path, describe, read_result, write_result


def make_result():
    res = Result(model="toy", solver={"rtol": 1e-6, "method": "x"})
    res.add("time", np.linspace(0, 1, 200), "s", "output times")
    res.add("labels", np.array(["a", "bb"]), "", "names")
    res.add("dist/t_1h", np.arange(5.0), "nm^-1", "grouped dataset")
    res.note("mean_diameter", 25.0, "nm", "number mean")
    return res


def test_roundtrip_with_units_and_provenance(tmp_path):
    exp = parse_experiment('model = "toy"\nseed = 9\n', file="x.toml")
    path = write_result(tmp_path / "r.h5", make_result(), exp)
    res, prov = read_result(path)
    assert prov["seed"] == 9 and prov["model"] == "toy"
    assert prov["config_text"].startswith('model = "toy"')
    for key in ("nanokin_version", "git_revision", "host", "started", "finished"):
        assert key in prov
    assert res.arrays["time"].unit == "s"
    assert np.allclose(res["time"], np.linspace(0, 1, 200))
    assert list(res["labels"]) == ["a", "bb"]
    assert res.arrays["dist/t_1h"].unit == "nm^-1"
    assert res.summary["mean_diameter"].values == 25.0
    assert res.solver["rtol"] == 1e-6
    text = describe(path)
    assert "mean_diameter" in text and "nm" in text and "seed" in text


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.h5"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            with h5py.File(tmp, "w") as f:
                f["x"] = np.arange(3)
            raise RuntimeError("crash in the middle")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_existing_result_survives_failed_rewrite(tmp_path):
    target = write_result(tmp_path / "out.h5", make_result())
    before = target.read_bytes()

    class Boom(Result):
        pass

    bad = make_result()
    bad.add("broken", object(), "", "")  # cannot be stored
    with pytest.raises(Exception):
        write_result(target, bad)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.h5"]


# ----------------------------------------------------------------------------- locks, leftovers

import os
import subprocess
import sys

from sim.config import ConfigError
from sim.store import OutputBusy, check_output_path, clean_leftovers, output_lock

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent

HOLD = """
import sys, time
from sim.store import output_lock
with output_lock(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def held(tmp_path):
    """An output locked by another process until the fixture ends."""
    target = tmp_path / "busy.h5"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(target)], stdin=subprocess.PIPE, cwd=ROOT,
                            env={**os.environ, 'PYTHONPATH': str(ROOT)},
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    yield target, proc
    proc.stdin.close()
    proc.wait(timeout=60)


def test_second_writer_is_refused_naming_the_holder(held):
    target, proc = held
    with pytest.raises(OutputBusy) as info:
        write_result(target, make_result())
    assert f"PID {proc.pid}" in str(info.value) and str(target) in str(info.value)
    assert not target.exists()


def test_lock_is_released_when_its_holder_dies(held):
    target, proc = held
    proc.kill()
    proc.wait(timeout=60)
    write_result(target, make_result())     # the OS dropped the lock with the process
    assert target.exists()
    assert sorted(p.name for p in target.parent.iterdir()) == ["busy.h5"]


def test_lock_is_reentrant_and_leaves_no_file(tmp_path):
    target = tmp_path / "r.h5"
    with output_lock(target):
        with output_lock(target):
            write_result(target, make_result())
        assert (tmp_path / ".r.h5.lock").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["r.h5"]


def test_leftovers_of_dead_writers_are_removed(tmp_path, capsys):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    target = tmp_path / "out.h5"
    stale = tmp_path / f".out.h5.tmp{dead}"
    stale.write_bytes(b"half-written")
    alive = tmp_path / f".out.h5.tmp{os.getppid()}"    # a running process: left alone
    alive.write_bytes(b"in progress")
    other = tmp_path / f".other.h5.tmp{dead}"          # another output: left alone
    other.write_bytes(b"x")
    write_result(target, make_result())
    assert not stale.exists() and alive.exists() and other.exists()
    assert f"removed {stale}" in capsys.readouterr().err
    assert clean_leftovers(tmp_path / "other.h5") == [other]


def test_outputs_that_cannot_be_written_are_refused_before_work(tmp_path):
    (tmp_path / "d.h5").mkdir()
    with pytest.raises(ConfigError, match="a directory"):
        check_output_path(tmp_path / "d.h5")
    cfg = tmp_path / "exp.toml"
    cfg.write_text("x")
    with pytest.raises(ConfigError, match="replace the input"):
        check_output_path(cfg, inputs=(cfg,))
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="cannot create the folder"):
        check_output_path(tmp_path / "file" / "sub" / "o.h5")


# ----------------------------------------------------------------------------- info

from pathlib import Path

from sim.cli import main


def test_info_reads_lazily_and_names_what_it_cannot_read(tmp_path, capsys):
    import tracemalloc

    path = tmp_path / "odd.h5"
    with h5py.File(path, "w") as f:                  # a 50 kB file declaring 1.6 GB
        f.attrs["nanokin_version"] = "0.1"
        f.attrs["solver"] = "{not json"
        f.attrs.create("long_attr", data=np.arange(5000))
        f.create_group("data").create_dataset("x", shape=(2 * 10**8,), dtype="f8",
                                              chunks=(10**6,), compression="gzip")
        f.create_group("summary").create_dataset("small", data=np.array([1.5, 2.5]))
        f["soft"] = h5py.SoftLink("/nowhere")
        f["ext"] = h5py.ExternalLink("/etc/passwd", "/x")
        f.create_dataset("compound", data=np.zeros(2, dtype=[("a", "i4"), ("b", "f8")]))
        f.create_dataset("empty", data=h5py.Empty("f"))
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    text = describe(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50e6                                # never reads the 1.6 GB dataset
    assert "(200000000,) float64" in text and "[1.5, 2.5]" in text
    assert "<array (5000,) int64>" in text and "link to /nowhere" in text
    assert "(not followed)" in text and "(unreadable)" in text
    assert main(["info", str(path)]) == 0


def test_info_on_a_file_from_another_program(tmp_path, capsys):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f.attrs["creator"] = "another program"
        f.create_dataset("temperature", data=np.arange(4.0))
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "not a nanokin result" in out and "temperature" in out and "[0., 1., 2., 3.]" in out


def test_info_explains_files_it_cannot_open(tmp_path, capsys):
    good = write_result(tmp_path / "good.h5", make_result())
    raw = good.read_bytes()
    cases = {
        "truncated or damaged": tmp_path / "trunc.h5",
        "unfinished file of a write by process 999999": tmp_path / ".good.h5.tmp999999",
        "not an HDF5 file": tmp_path / "random.h5",
        "empty file": tmp_path / "empty.h5",
        "a directory": tmp_path / "dir.h5",
        "file not found": tmp_path / "missing.h5",
    }
    cases["truncated or damaged"].write_bytes(raw[: len(raw) // 2])
    cases["unfinished file of a write by process 999999"].write_bytes(raw[:2000])
    cases["not an HDF5 file"].write_bytes(np.random.default_rng(0).bytes(3000))
    cases["empty file"].write_bytes(b"")
    cases["a directory"].mkdir()
    for needle, path in cases.items():
        assert main(["info", str(path)]) == 2, needle
        err = capsys.readouterr().err
        assert needle in err and str(path) in err and "Traceback" not in err
    from sim.store import UnreadableResult

    with pytest.raises(UnreadableResult, match="truncated"):
        read_result(cases["truncated or damaged"])
    with pytest.raises(OSError, match="file not found"):    # OSError, as h5py's errors are
        read_result(cases["file not found"])


# ----------------------------------------------------------------------------- run outputs

def test_run_outputs_stay_in_results_and_replacing_is_announced(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "my run (1).toml"
    cfg.write_text('model = "toy"\n[conditions]\nn_molecules = 50\n[solver]\nn_streams = 1\n')
    assert main(["run", str(cfg), "--no-plot", "--draws", "0"]) == 0
    first = capsys.readouterr()
    out = tmp_path / "results" / "my_run__1_.h5"
    assert out.exists() and "exists" not in first.err
    assert main(["run", str(cfg), "--no-plot", "--draws", "0", "--seed", "5"]) == 0
    assert f"note: {Path('results') / out.name} exists; it will be replaced" in capsys.readouterr().err
    assert read_result(out)[1]["seed"] == 5
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == [out.name]
    cfg.write_text('model = "toy"\nname = "../../outside"\n')
    assert main(["run", str(cfg), "--no-plot"]) == 2
    assert "not a safe name" in capsys.readouterr().err
    cfg.write_text('model = "toy"\n')
    assert main(["run", str(cfg), "-o", str(tmp_path / "results")]) == 2
    assert "a directory, not a file" in capsys.readouterr().err


def test_missing_summary_values_keep_their_reason(tmp_path):
    res = make_result()
    res.note("t90_s", float("nan"), "s", "time to 90 % charge")
    res.reasons["t90_s"] = "the charge never reaches 90 % within t_end_s"
    path = write_result(tmp_path / "m.h5", res)
    back, _ = read_result(path)
    assert np.isnan(back.summary["t90_s"].values)
    assert back.reasons == {"t90_s": "the charge never reaches 90 % within t_end_s"}
    line = [ln for ln in describe(path).splitlines() if "t90_s" in ln][0]
    assert "missing" in line and "never reaches 90 %" in line
    from sim.fuzz import _nan_without_reason

    assert _nan_without_reason(path) == ""
    res.reasons.clear()
    assert "t90_s" in _nan_without_reason(write_result(tmp_path / "n.h5", res))
