"""Fuzz test: every input nanokin reads ends in a clean result or a clean error.

A few hundred seeded cases (sim.fuzz): one-key and text mutations of every shipped experiment
file (checked as `nanokin run` checks them before any work), end-to-end runs of mutated
experiments on the cheapest model (toy), files that are not what their suffix promises for
every suffix `run` accepts, result files handed to `info` (truncated, corrupted, leftovers,
other programs' HDF5), and the corpora models register in tests/fuzz_corpora/. Every case
runs in a worker process with a time budget, so hangs and crashes count as failures.
The long version is benchmarks/fuzz_long.py."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import fuzz
from sim.fuzz import Case

HERE = Path(__file__).resolve().parent
N_TOML = 260          # mutations of shipped experiment files (~5 per file)
N_REGISTERED = 20     # cases asked of each registered corpus
BUDGET_S = 20.0       # per case; config checks take milliseconds

TOY = {"model": "toy", "name": "toy_fuzz", "seed": 3,
       "conditions": {"n_molecules": 2000, "rate_constant_per_s": 0.1, "t_end_s": 30.0,
                      "n_times": 31},
       "solver": {"n_streams": 4}}


def toy_runs():
    """End-to-end runs of the toy model at the edges of what its schema allows."""
    edits = [{}, {"conditions": {"n_molecules": 1}}, {"solver": {"n_streams": 1},
                                                      "conditions": {"n_molecules": 1}},
             {"conditions": {"rate_constant_per_s": 1e12}},
             {"conditions": {"t_end_s": 1e-300}}, {"conditions": {"n_times": 2}},
             {"seed": 2**63 - 1}, {"name": "../../escape"}, {"seed": 2**70},
             {"conditions": {"rate_constant_per_s": 1e300}}]
    for i, edit in enumerate(edits):
        data = fuzz._copy(TOY)
        for k, v in edit.items():
            if isinstance(v, dict):
                data[k].update(v)
            else:
                data[k] = v
        yield Case(f"toy run {edit}", ".toml", fuzz.dumps_toml(data).encode(), "run",
                   expect_key=bool(edit))


def result_file(tmp: Path) -> bytes:
    from sim.cli import main

    cfg = tmp / "toy.toml"
    cfg.write_text(fuzz.dumps_toml(TOY))
    out = tmp / "toy.h5"
    assert main(["run", str(cfg), "-o", str(out), "--no-plot"]) == 0
    return out.read_bytes()


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    shipped = fuzz.shipped_experiments()
    groups = {
        "toml": list(fuzz.toml_cases(shipped, N_TOML, seed=15)),
        "toy runs": list(toy_runs()),
        "generic files": list(fuzz.generic_cases(fuzz.accepted_suffixes(), ("load", "run"))),
        "info": list(fuzz.result_cases(result_file(tmp), seed=15)),
        "registered": [],
    }
    for k, (suffix, generator) in enumerate(fuzz.load_corpora(HERE / "fuzz_corpora")):
        rng = np.random.default_rng(1000 + k)
        groups["registered"].extend(generator(rng, N_REGISTERED, shipped))
    cases = [c for g in groups.values() for c in g]
    results = fuzz.run_cases(cases, tmp / "cases", budget_s=BUDGET_S)
    by_case = {id(o.case): o for o in results}
    return {g: [by_case[id(c)] for c in cs] for g, cs in groups.items()}


@pytest.mark.parametrize("group", ["toml", "toy runs", "generic files", "info", "registered"])
def test_every_case_ends_cleanly(outcomes, group):
    got = outcomes[group]
    bad = [o for o in got if not o.clean]
    assert not bad, fuzz.summarize(got)


def test_corpus_is_large_and_exercises_both_outcomes(outcomes):
    every = [o for g in outcomes.values() for o in g]
    assert len(every) >= 300
    toml = outcomes["toml"]
    assert sum(o.status == "ok" for o in toml) >= 20          # not all refused
    assert sum(o.status == "refused" for o in toml) >= 100
    runs = outcomes["toy runs"]
    assert sum(o.status == "ok" for o in runs) >= 5           # real results were checked
    assert {o.status for o in outcomes["info"]} == {"ok", "refused"}
