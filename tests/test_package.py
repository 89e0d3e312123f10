"""The installed package carries every data file the models read at run time."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tracked(prefix: str) -> set[str]:
    proc = subprocess.run(["git", "ls-files", prefix], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip("not a git checkout")
    return {line for line in proc.stdout.splitlines() if "__pycache__" not in line}


@pytest.mark.slow
def test_wheel_ships_every_input_file(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                           str(tmp_path), str(ROOT)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {proc.stderr[-300:]}")
    wheel = next(tmp_path.glob("nanokin-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = _tracked("inputs")
    assert tracked, "no tracked input files"
    missing = sorted(tracked - names)
    assert not missing, f"files under inputs/ left out of the wheel: {missing}"
    assert any(n.startswith("inputs/fitted/") and n.endswith(".json") for n in names)
    assert any(n.startswith("inputs/data/") and n.endswith("_observations.toml") for n in names)


def test_inputs_dir_is_beside_the_code():
    from sim.paths import inputs_dir
    import inputs

    assert Path(inputs.__file__).resolve().parent == inputs_dir().resolve()
