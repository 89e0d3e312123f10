import csv

import numpy as np
import pytest

from sim.cli import main
from sim.config import parse_experiment
from sim.model import get_model
from sim.store import read_result, write_result
from sim.sweep import parse_set, sweep

xr = pytest.importorskip("xarray")
pytest.importorskip("h5netcdf")

TOY = 'model = "toy"\nseed = 3\n[conditions]\nn_molecules = 500\nn_times = 5\n[solver]\nn_streams = 2\n'


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("export")
    exp = parse_experiment(TOY, file="toy.toml")
    res = get_model("toy").run(exp)
    res.add("grid/matrix", np.ones((5, 3)), "nm", "an array with an axis that has no coordinate")
    run = write_result(d / "run.h5", res, exp)
    sw = sweep(exp, parse_set(["conditions.rate_constant_per_s=0.1,0.2,-1",
                               "conditions.t_end_s=5,10"]), d / "sweep.h5")
    return d, run, sw


def test_result_file_opens_in_xarray_with_named_dimensions_and_units(files):
    _, run, _ = files
    with xr.open_dataset(run, engine="h5netcdf", group="data") as ds:
        assert ds["A"].dims == ("time",) and "time" in ds.coords
        assert ds["A"].attrs["units"] == "molecules" and ds["time"].attrs["units"] == "s"
    with xr.open_dataset(run, engine="h5netcdf", group="data/grid") as ds:
        assert ds["matrix"].dims == ("time", "matrix_dim1")
    with xr.open_dataset(run, engine="h5netcdf", group="summary") as ds:
        assert ds["half_life"].attrs["units"] == "s" and ds["A_final"].attrs["units"] == "molecules"
    tree = xr.open_datatree(run, engine="h5netcdf")
    assert not any("phony_dim" in d for node in tree.subtree for d in node.dims)
    res, prov = read_result(run)     # the library's own reader sees no dimension helpers
    assert set(res.arrays) == {"time", "A", "A_analytic", "grid/matrix"}
    assert prov["experiment"] == "toy"


def test_export_csv_of_a_run_and_of_a_sweep(files, capsys):
    d, run, sw = files
    assert main(["export", "csv", str(run), "-o", str(d / "run.csv")]) == 0
    rows = list(csv.reader(open(d / "run.csv")))
    assert rows[0][0] == "experiment" and len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert set(row) == {"experiment", "half_life (s)", "A_final (molecules)"}
    assert float(row["half_life (s)"]) == pytest.approx(np.log(2) / 0.1)
    assert main(["export", "csv", str(sw)]) == 0
    rows = list(csv.reader(open(sw.with_suffix(".csv"))))
    assert rows[0][:2] == ["conditions.rate_constant_per_s (s^-1)", "conditions.t_end_s (s)"]
    assert rows[0][2:] == ["half_life (s)", "A_final (molecules)", "failure", "reasons"]
    assert len(rows) == 7            # one row per point
    assert rows[1][:3] == ["0.1", "5.0", repr(float(np.log(2) / 0.1))]
    bad = [r for r in rows[1:] if r[0] == "-1.0"]
    assert len(bad) == 2 and all(r[2] == "" and "out of range" in r[4] for r in bad)


def test_export_netcdf(files):
    d, run, sw = files
    assert main(["export", "netcdf", str(sw), "-o", str(d / "s.nc")]) == 0
    with xr.open_dataset(d / "s.nc") as ds:
        assert ds["A_final"].dims == ("conditions.rate_constant_per_s", "conditions.t_end_s")
        assert ds["half_life"].attrs["units"] == "s"
    assert main(["export", "netcdf", str(run), "-o", str(d / "r.nc")]) == 0
    tree = xr.open_datatree(d / "r.nc")
    assert tree["data"]["A"].dims == ("time",)


def test_export_refuses_other_formats_for_result_files(files, capsys):
    _, run, _ = files
    assert main(["export", "bngl", str(run)]) == 2
    assert "csv, netcdf" in capsys.readouterr().err
