"""Every command block of the README runs as written.

Each ```bash block is run line by line, each ```python block as one script, in a fresh folder (with ``inputs`` linked to the
shipped inputs, so paths read exactly as printed), with ``nanokin`` meaning this source
tree. A block preceded by ``<!-- not run by the tests: REASON -->`` is skipped with that
reason shown; the only such blocks are the install-and-validate quick start (CI runs it:
the install, and `nanokin validate --quick` in its wheel check) and the test command
itself.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP = re.compile(r"<!--\s*not run by the tests:\s*(.+?)\s*-->\s*$")


def blocks():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    out, i = [], 0
    while i < len(lines):
        if lines[i].strip() in ("```bash", "```python"):
            lang = lines[i].strip()[3:]
            prev = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
            m = SKIP.search(prev)
            j = i + 1
            body = []
            while lines[j].strip() != "```":
                body.append(lines[j])
                j += 1
            if lang == "python":
                cmds = [("python", "\n".join(body))]
            else:
                cmds = [c for c in body if c.strip() and not c.lstrip().startswith("#")]
            out.append((i + 1, cmds, m.group(1) if m else None))
            i = j
        i += 1
    return out


BLOCKS = blocks()


def test_readme_has_command_blocks():
    assert len(BLOCKS) >= 4
    assert sum(reason is None for _, _, reason in BLOCKS) >= 3


@pytest.mark.parametrize("line,cmds,reason", BLOCKS, ids=[f"README:{b[0]}" for b in BLOCKS])
def test_readme_block_runs(line, cmds, reason, tmp_path):
    if reason:
        pytest.skip(reason)
    (tmp_path / "inputs").symlink_to(ROOT / "inputs", target_is_directory=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    bindir = tmp_path / ".bin"
    bindir.mkdir()
    shim = bindir / "nanokin"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sim.cli "$@"\n')
    shim.chmod(0o755)
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    for cmd in cmds:
        argv = [sys.executable, "-c", cmd[1]] if isinstance(cmd, tuple) else ["bash", "-c", cmd]
        proc = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=1200)
        assert proc.returncode == 0, f"README line {line}: `{cmd}` exited {proc.returncode}:\n" \
                                     f"{proc.stderr[-3000:]}"
