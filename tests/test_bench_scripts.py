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
