"""Running BioNetGen (BNG2.pl, run_network) and NFsim as independent reference tools.

The ``bionetgen`` package on PyPI ships BNG2.pl with the ``run_network`` and ``NFsim``
binaries; BNG2.pl needs ``perl``.  These helpers locate the tools, run a model in a
scratch directory and read the ``.gdat`` observables table, for cross-validation
tests and benchmarks.  Nothing in the engine depends on them.
"""
from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class ToolMissing(RuntimeError):
    pass


@dataclass
class Tools:
    bng2: Path
    nfsim: Path
    run_network: Path
    perl: str


def find_tools() -> Tools:
    """Locate BNG2.pl, NFsim, run_network and perl; :class:`ToolMissing` if absent."""
    perl = shutil.which("perl")
    if perl is None:
        raise ToolMissing("perl is not installed (BNG2.pl is a Perl program)")
    try:
        import bionetgen
    except ImportError:
        raise ToolMissing("the 'bionetgen' package is not installed (pip install bionetgen)") from None
    sysname = {"Linux": "linux", "Darwin": "mac", "Windows": "win"}.get(platform.system(), "linux")
    root = Path(bionetgen.__file__).parent / f"bng-{sysname}"
    bng2 = root / "BNG2.pl"
    nfsim = root / "bin" / "NFsim"
    run_network = root / "bin" / "run_network"
    for p in (bng2, nfsim, run_network):
        if not p.exists():
            raise ToolMissing(f"{p} not found in the bionetgen package")
        if p.suffix != ".pl" and not os.access(p, os.X_OK):
            p.chmod(p.stat().st_mode | 0o111)
    return Tools(bng2, nfsim, run_network, perl)


def tools_available() -> bool:
    try:
        find_tools()
        return True
    except ToolMissing:
        return False


def run_bng2(bngl_text: str, *, workdir: str | Path | None = None, timeout: float = 3600,
             name: str = "model") -> Path:
    """Run BNG2.pl on ``bngl_text`` (its actions included); returns the work directory."""
    tools = find_tools()
    wd = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="nanokin_bng_"))
    wd.mkdir(parents=True, exist_ok=True)
    model = wd / f"{name}.bngl"
    model.write_text(bngl_text)
    env = dict(os.environ, BNGPATH=str(tools.bng2.parent))
    proc = subprocess.run([tools.perl, str(tools.bng2), "--outdir", str(wd), str(model)],
                          cwd=wd, capture_output=True, text=True, timeout=timeout, env=env)
    (wd / f"{name}.bng2.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-25:])
        raise RuntimeError(f"BNG2.pl failed (exit {proc.returncode}):\n{tail}")
    return wd


def read_gdat(path: str | Path) -> tuple[list[str], np.ndarray]:
    """Column names and data of a BioNetGen ``.gdat`` / ``.cdat`` file."""
    path = Path(path)
    with path.open() as fh:
        header = fh.readline().lstrip("#").split()
    data = np.loadtxt(path, comments="#", ndmin=2)
    return header, data


def available_memory_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (None where that file does not exist)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def run_process(cmd, *, stdin_text: str | None = None, timeout: float = 3600,
                memory_limit_bytes: int | None = None, cwd=None, env=None) -> dict:
    """Run one external program and measure it: returns dict(returncode, stdout, stderr,
    wall_s, cpu_s (user + system of that process), peak_mb (its maximum resident set)).

    The peak is the program's own high-water mark (``VmHWM`` of ``/proc/PID/status``,
    read every ~10 ms by a thread while it runs): the kernel's ``ru_maxrss`` of a child
    also counts the pages it shares with this process at the fork, so a large Python
    parent made ``true`` report ~480 MB.  ``ru_maxrss`` is used only when it exceeds this
    process's resident set at the fork (then it is the program's own, or a reaped
    descendant's); the readings cover the program's descendants too (BNG2.pl runs
    NFsim).  A program that ends before the first reading and stays below that gets
    NaN (unknown).

    ``memory_limit_bytes`` caps the program's address space (RLIMIT_AS), so a program
    that would not fit in memory fails with an allocation error instead of pushing
    the machine into swap or the OOM killer.  A program still running after
    ``timeout`` seconds is killed (returncode -9)."""
    import resource
    import threading
    import time

    def limit():
        if memory_limit_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (int(memory_limit_bytes),
                                                    int(memory_limit_bytes)))

    with tempfile.TemporaryDirectory(prefix="nanokin_proc_") as td:
        fin = Path(td) / "in"
        fin.write_text(stdin_text or "")
        fout, ferr = Path(td) / "out", Path(td) / "err"
        with fin.open("rb") as i, fout.open("wb") as o, ferr.open("wb") as e:
            parent_kb = _status_kb(os.getpid(), "VmRSS") or 0
            t0 = time.perf_counter()
            proc = subprocess.Popen([str(c) for c in cmd], stdin=i, stdout=o, stderr=e,
                                    cwd=cwd, env=env, preexec_fn=limit)
            timer = threading.Timer(timeout, proc.kill)
            timer.start()
            done = threading.Event()
            hwm = [0]

            def watch():
                while not done.is_set():
                    for pid in _process_tree(proc.pid):     # BNG2.pl starts NFsim ...
                        kb = _status_kb(pid, "VmHWM")
                        if kb:
                            hwm[0] = max(hwm[0], kb)
                    done.wait(0.01)
            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            try:
                _, status, ru = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
                done.set()
            wall = time.perf_counter() - t0
            watcher.join()
            proc.returncode = os.waitstatus_to_exitcode(status)
        peak_kb = float(hwm[0])
        if ru.ru_maxrss > parent_kb:
            peak_kb = max(peak_kb, ru.ru_maxrss)
        elif not peak_kb:   # ended before the first reading: only "at most this" is known
            peak_kb = float("nan")
        return dict(returncode=proc.returncode, stdout=fout.read_text(errors="replace"),
                    stderr=ferr.read_text(errors="replace"), wall_s=wall,
                    cpu_s=ru.ru_utime + ru.ru_stime, peak_mb=peak_kb / 1024.0)


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (``/proc/PID/task/*/children``)."""
    out, todo = [], [pid]
    while todo and len(out) < 1000:
        q = todo.pop()
        out.append(q)
        try:
            for task in os.listdir(f"/proc/{q}/task"):
                with open(f"/proc/{q}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            pass
    return out


def _status_kb(pid: int, key: str) -> int | None:
    """A ``kB`` field of ``/proc/PID/status`` (VmRSS, VmHWM ...), None when unreadable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


_ACTIONS = ("simulate", "simulate_ode", "simulate_ssa", "simulate_nf", "simulate_pla",
            "generate_network", "generate_hybrid_model", "writeXML", "writeSBML", "writeMfile",
            "writeMexfile", "writeNetwork", "writeModel", "writeBNGL", "setConcentration",
            "setParameter", "saveConcentrations", "resetConcentrations", "saveParameters",
            "resetParameters", "parameter_scan", "bifurcate", "visualize", "readFile",
            "setModelName", "addConcentration", "writeFile", "writeSSC", "writeSSCcfg",
            "writeLatex", "quit", "version", "setOption")


def strip_actions(bngl_text: str) -> str:
    """A BNGL model without its actions (``simulate(...)`` etc.), so that nanokin decides
    what BNG2.pl does with it."""
    import re
    pat = re.compile(r"^\s*(" + "|".join(_ACTIONS) + r")\s*\(.*$", re.M)
    return pat.sub("", bngl_text)


def generate_network(bngl_path: str | Path, workdir: str | Path | None = None,
                     timeout: float = 3600) -> Path:
    """Expand a rule-based ``.bngl`` model into its reaction network with BNG2.pl
    (``generate_network``); returns the path of the ``.net`` file written."""
    bngl_path = Path(bngl_path)
    text = strip_actions(bngl_path.read_text(encoding="utf-8"))
    wd = run_bng2(text + "\ngenerate_network({overwrite=>1})\n", workdir=workdir,
                  timeout=timeout, name=bngl_path.stem)
    net = Path(wd) / f"{bngl_path.stem}.net"
    if not net.exists():
        raise RuntimeError(f"BNG2.pl wrote no network file ({net})")
    return net
