"""The long fuzz run (tests/test_fuzz.py is its short version): many more seeded mutations.

    python benchmarks/fuzz_long.py [--toml 2000] [--runs 0] [--seed 1]
                                   [--registered 200] [--budget 300] [--json FILE]

``--toml``: one-key and text mutations of the shipped experiment files, checked as
`nanokin run` checks them before any work. ``--runs``: that many further mutations run
end to end (`nanokin run`, every model; each within ``--budget`` seconds, so hangs of
accepted but huge inputs are found; slow: up to budget x runs). ``--registered``: cases
asked of every corpus in tests/fuzz_corpora/. Files handed to `run` that are not what
their suffix promises, and damaged / foreign result files for `info`, are always included.
Exit status 0 only if every case ended in a result or a clean error.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim import fuzz  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--toml", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=0)
    ap.add_argument("--registered", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--budget", type=float, default=300.0)
    ap.add_argument("--json", help="write every outcome to this JSON file")
    args = ap.parse_args(argv)

    shipped = fuzz.shipped_experiments()
    cases = list(fuzz.toml_cases(shipped, args.toml, seed=args.seed))
    for c in fuzz.toml_cases(shipped, args.runs, seed=args.seed + 10_000):
        c.command = "run"
        cases.append(c)
    cases += list(fuzz.generic_cases(fuzz.accepted_suffixes(), ("load", "run")))
    with tempfile.TemporaryDirectory() as tmp:
        from sim.cli import main as cli

        cfg = Path(tmp) / "toy.toml"
        cfg.write_text('model = "toy"\n[conditions]\nn_molecules = 500\n')
        out = Path(tmp) / "toy.h5"
        from contextlib import redirect_stdout
        import io

        with redirect_stdout(io.StringIO()):
            cli(["run", str(cfg), "-o", str(out), "--no-plot"])
        cases += list(fuzz.result_cases(out.read_bytes(), n_corrupt=100, seed=args.seed))
        for k, (suffix, gen) in enumerate(fuzz.load_corpora(ROOT / "tests" / "fuzz_corpora")):
            cases += list(gen(np.random.default_rng(args.seed * 1000 + k), args.registered,
                              shipped))
        print(f"{len(cases)} cases ...", file=sys.stderr, flush=True)
        outcomes = fuzz.run_cases(cases, Path(tmp) / "cases", budget_s=args.budget,
                                  log=lambda o: None if o.clean else print(
                                      f"[{o.status}] {o.case.command} {o.case.name}",
                                      file=sys.stderr, flush=True))
    print(fuzz.summarize(outcomes))
    if args.json:
        Path(args.json).write_text(json.dumps(
            [{"name": o.case.name, "command": o.case.command, "status": o.status,
              "message": o.message, "seconds": o.seconds} for o in outcomes], indent=1))
    return 0 if all(o.clean for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
