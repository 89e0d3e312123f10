"""sim.bionetgen.run_process: the measurements of an external program (used for the peer
tools in the benchmarks)."""
import sys

import numpy as np
import pytest

from sim.bionetgen import run_process

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_peak_memory_is_the_programs_own_not_the_callers():
    """ru_maxrss of a child counts the pages shared with a big parent at the fork; the
    reported peak must not (a 400 MB caller, a program that holds ~2 MB)."""
    big = np.ones(50_000_000)          # 400 MB resident in this process
    big[::512] = 2.0
    out = run_process(["sleep", "0.2"])
    assert out["returncode"] == 0
    assert out["peak_mb"] < 50, out["peak_mb"]
    del big


def test_peak_memory_of_a_program_and_its_children():
    code = "import numpy as np, time; a = np.ones(20_000_000); time.sleep(0.2)"  # 160 MB
    own = run_process([sys.executable, "-c", code])
    assert 150 < own["peak_mb"] < 400, own["peak_mb"]
    child = run_process(["sh", "-c", f'"{sys.executable}" -c "{code}"; true'])
    assert 150 < child["peak_mb"] < 400, child["peak_mb"]
    assert own["cpu_s"] > 0 and own["wall_s"] >= 0.2
