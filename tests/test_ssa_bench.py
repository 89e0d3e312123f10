"""The SSA benchmark script runs and reports both sides of each comparison
(no timing is asserted: speed lives in benchmarks/RESULTS.md)."""
import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_ssa.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_ssa_under_test", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.external
def test_bench_ssa_rows_against_bionetgen():
    from sim.bionetgen import tools_available
    bench = _load()
    if not tools_available() or not (bench.MODELS_DIR / "multistate.net").exists():
        pytest.skip("BioNetGen or the benchmark models are not available")
    bench.END_TIMES = {"multistate": 20.0}
    bench.TARGET_S = (0.05, 0.05)
    bench.ODE_NETWORKS = {"multistate": 1.0}
    rec = bench.run(quick=True, models=["multistate"], peers=["BioNetGen"], memory=False,
                    ode=True, threads=True)
    tools = [r["tool"] for r in rec["rows"] if "ns_per_event" in r]
    assert tools == ["nanokin rssa", "nanokin rssacr", "BioNetGen run_network SSA"]
    for r in rec["rows"]:
        if "ns_per_event" in r:
            assert r["events_per_trajectory"] > 10_000 and r["repeats"] == 5
            assert r["ns_per_event"] > 0 and r["status"] == "ok"
            # --quick measures start-up (fresh processes) for the peers only
            assert (r["startup_s"] > 0) if r["tool"].startswith("BioNetGen") else \
                r["startup_s"] != r["startup_s"]
            assert r["ratio_peer_over_nanokin"] > 0 and r["cpu_ns_per_event"] > 0
            spread = r["spread_wall"]          # max/min over the repeats: a ratio, not a time
            assert spread >= 1.0
    ens = [r for r in rec["rows"] if "speedup" in r]
    assert ens and ens[0]["identical_results"] is True
    ode = [r for r in rec["rows"] if "ode_run_s" in r]
    assert ode and ode[0]["tool"].startswith("nanokin ode")
    assert all(r["max_rel_diff_vs_bionetgen"] < 1e-4 for r in ode)
    assert "| multistate |" in bench.markdown(rec)
    # comparing a run with itself: every ratio unchanged
    assert all(abs(d) < 1e-12 for *_, d in bench.compare(rec, rec))


def test_a_peer_whose_start_up_outweighs_its_simulation_gets_no_figure():
    """Process time minus the median start-up can come out negative when the start-up
    varies more than the simulation lasts: that row is reported as not measured, never
    as a (negative) time per event that makes the peer look faster."""
    bench = _load()
    side = bench.Side("peer", (4.8, 4.8), 2, None, "own count", 0.25)
    side.per_w, side.per_c, side.events = [-1738.0, 900.0, 1200.0], [-1764.0, 910.0, 1190.0], [7e4] * 3
    row = side.row()
    assert row["status"].startswith("not measured") and "4.80 s" in row["status"]
    assert row["ns_per_event"] != row["ns_per_event"]              # NaN
    good = bench.Side("peer", (0.1, 0.1), 2, None, "own count", 5.0)
    good.per_w, good.per_c, good.events = [900.0, 1000.0, 1100.0], [900.0, 1000.0, 1100.0], [1e6] * 3
    assert good.row()["ns_per_event"] == 1000.0 and good.row()["status"] == "ok"
