"""Every script in benchmarks/ answers --help with its usage and runs nothing."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_help_prints_usage_and_runs_nothing(script, tmp_path):
    out = subprocess.run([sys.executable, str(script), "--help"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("usage: " + script.name)
    assert list(tmp_path.iterdir()) == []          # no result file written


def test_unknown_model_name_is_refused_with_the_allowed_names():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_fit.py"), "nosuch"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "unknown models: nosuch" in out.stderr and "photodoping" in out.stderr


def test_photocatalysis_benchmark_reference_solves_the_models_equations():
    """The scipy side of bench_photocatalysis must be the same model (it lacked the
    aggregation factor once and differed by 18 %)."""
    import importlib.util

    import numpy as np
    spec = importlib.util.spec_from_file_location(
        "bench_photocatalysis_under_test", ROOT / "benchmarks" / "bench_photocatalysis.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    from kinetics.photocatalysis.master_equation import qd_h2_master
    exp = bench.reference("cdte_co_1e-6M")
    rates = bench.qd_rates(exp.config, bench.MODEL.parameters.values())
    t = np.linspace(0.0, exp.config.run.time_h * 3600.0, 31)
    ours = qd_h2_master(rates, t)["h2_per_qd"]
    ref = bench.scipy_reference(rates, t)
    assert rates.aggregation[1] > 0                       # aggregation is on in this case
    np.testing.assert_allclose(ours[1:], ref[1:], rtol=1e-3)
