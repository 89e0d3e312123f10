"""Interruption: Ctrl-C (and SIGTERM) stop `nanokin run` promptly with status 130/143 and no
unfinished file; process-pool workers die with their parent; sim.interrupt's helpers."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from sim import interrupt

# A process started in the background by a non-interactive shell (`cmd &`) inherits SIGINT
# ignored, and so do its children; Ctrl-C cannot reach it, so these tests would hang.
pytestmark = pytest.mark.skipif(signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
                                reason="SIGINT is ignored in this process (started with `&` "
                                       "from a non-interactive shell)")

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}

# A model whose run would take 10 minutes, in chunks as sim.interrupt asks kernels to run.
SLOW_MODEL = textwrap.dedent('''
    import sys, time
    from dataclasses import dataclass
    from sim import interrupt
    from sim.config import spec
    from sim.model import Model
    from sim.store import Result

    @dataclass(frozen=True)
    class Cfg:
        minutes: float = spec(10.0, unit="min", gt=0)

    class Slow(Model):
        name = "slow"
        config_class = Cfg

        def run(self, experiment, progress=None):
            end = time.monotonic() + 60 * experiment.config.minutes
            print("started", file=sys.stderr, flush=True)
            for n in interrupt.chunk_sizes(first=1):
                time.sleep(0.02)               # one chunk of compiled work
                if time.monotonic() > end:
                    break
            res = Result(model=self.name)
            res.note("x", 1.0, "", "")
            return res

    MODEL = Slow()
''')

DRIVER = textwrap.dedent('''
    import sys
    sys.path.insert(0, sys.argv[1])
    import sim.model
    sim.model._BUILTIN["slow"] = "slowmodel:MODEL"
    from sim.cli import main
    sys.exit(main(sys.argv[2:]))
''')


def start_slow_run(tmp_path, minutes=10.0):
    (tmp_path / "slowmodel.py").write_text(SLOW_MODEL)
    cfg = tmp_path / "slow.toml"
    cfg.write_text(f'model = "slow"\nminutes = {minutes}\n')
    out = tmp_path / "out" / "slow.h5"
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(tmp_path), "run", str(cfg),
                             "-o", str(out), "--no-plot"], cwd=ROOT, env=ENV, stderr=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    assert "started" in line, line + proc.stderr.read()
    return proc, out


@pytest.mark.parametrize("sig,status,needle", [(signal.SIGINT, 130, "interrupted"),
                                               (signal.SIGTERM, 143, "SIGTERM")])
def test_signal_stops_run_with_no_unfinished_file(tmp_path, sig, status, needle):
    proc, out = start_slow_run(tmp_path)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)      # a 10-minute run: stopped long before
    assert proc.returncode == status
    assert needle in err and "nothing unfinished was written" in err
    assert "Traceback" not in err
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_second_run_on_the_same_output_is_refused(tmp_path):
    proc, out = start_slow_run(tmp_path)
    try:
        again = subprocess.run([sys.executable, "-c", DRIVER, str(tmp_path), "run",
                                str(tmp_path / "slow.toml"), "-o", str(out), "--no-plot"],
                               cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120)
        assert again.returncode == 2
        assert f"PID {proc.pid}" in again.stderr and "another output with -o" in again.stderr
        assert "Traceback" not in again.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)


# ----------------------------------------------------------------------------- helpers

def test_deferred_turns_sigint_into_a_flag_raised_on_exit():
    with pytest.raises(interrupt.Interrupted):
        with interrupt.deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
            assert interrupt.requested()        # still running: the block decides
    assert not interrupt.requested()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_second_sigint_inside_deferred_raises_at_once():
    reached = []
    with pytest.raises(interrupt.Interrupted, match="second"):
        with interrupt.deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
            reached.append(True)
    assert not reached


def test_chunk_sizes_adapt_to_the_target_duration():
    sizes = []
    for n in interrupt.chunk_sizes(first=1, target_s=0.02):
        sizes.append(n)
        time.sleep(n * 1e-4)                    # work proportional to the chunk
        if len(sizes) == 12:
            break
    assert sizes[0] == 1 and 100 <= sizes[-1] <= 800   # 0.02 s / 1e-4 s = 200 per chunk


@njit(nogil=True, cache=True)
def _spin(flag, state, limit):
    """A long nogil kernel (it updates its state array) that polls the stop flag."""
    i = 0
    while i < limit:
        state[0] += np.sin(state[0] + i * 1e-9)
        state[1] = i
        if flag[0] != 0:
            break
        i += 1
    return i


def test_call_sees_ctrl_c_while_a_nogil_kernel_runs():
    state = np.zeros(2)
    assert interrupt.call(_spin, interrupt.stop_flag(), state, 1000) == 1000
    import threading
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    with pytest.raises(interrupt.Interrupted):
        interrupt.call(_spin, interrupt.stop_flag(), state, 2**62)   # centuries without the flag
    assert 0 < state[1] < 2**62 - 1          # the kernel itself stopped at the flag


# ----------------------------------------------------------------------------- process pools

POOL = textwrap.dedent('''
    import os, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from sim.interrupt import worker_init, terminate_pool

    def task(_):
        os.write(1, b"%d\\n" % os.getpid())   # one write() below PIPE_BUF: lines never interleave
        time.sleep(600)

    if __name__ == "__main__":
        pool = ProcessPoolExecutor(2, initializer=worker_init)
        futs = [pool.submit(task, i) for i in range(2)]
        print("ready", flush=True)
        try:
            for f in futs:
                f.result()
        except KeyboardInterrupt:
            terminate_pool(pool)
            print("stopped", flush=True)
            sys.exit(130)
''')


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:   # a zombie (not yet reaped by its new parent) counts as dead
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _start_pool(tmp_path):
    script = tmp_path / "pool.py"
    script.write_text(POOL)
    proc = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                            text=True)
    lines = [proc.stdout.readline().strip() for _ in range(3)]
    assert "ready" in lines, lines
    return proc, [int(x) for x in lines if x.isdigit()]


def _wait_gone(pids, limit_s=30.0):
    end = time.monotonic() + limit_s
    while time.monotonic() < end and any(_alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and SIGKILL")
def test_pool_workers_die_when_the_parent_is_killed(tmp_path):
    proc, workers = _start_pool(tmp_path)
    assert len(workers) == 2 and all(_alive(p) for p in workers)
    proc.kill()                                  # SIGKILL: the parent cannot clean up
    proc.wait(timeout=60)
    left = _wait_gone(workers)                   # tasks would sleep 600 s
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert not left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_ctrl_c_in_the_parent_terminates_running_workers(tmp_path):
    proc, workers = _start_pool(tmp_path)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "stopped" in out
    left = _wait_gone(workers)
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert not left
