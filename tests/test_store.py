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
