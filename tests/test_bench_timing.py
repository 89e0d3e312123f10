"""sim.bench's shared timing: interleaved repeats, per-event figures, ratio rows and the
comparison of two runs (no time is asserted, only the bookkeeping)."""
import time

from sim import bench


def _busy(seconds):
    t0 = time.process_time()
    while time.process_time() - t0 < seconds:
        pass


def test_ab_interleaves_sides_and_counts_events():
    order = []

    def slow(i):
        order.append("slow")
        _busy(0.004)
        return 1000                      # events simulated by this call

    def fast(i):
        order.append("fast")
        _busy(0.001)

    res = bench.ab({"slow": slow, "fast": fast}, repeats=5, min_s=0.02)
    for k in ("slow", "fast"):
        r = res[k]
        assert r["repeats"] == 5 and len(r["walls"]) == len(r["cpus"]) == 5
        assert r["n"] >= 1 and r["spread_wall"] >= 1.0 and r["spread_cpu"] >= 1.0
    # per event for the side that returns counts, per call for the other
    assert res["slow"]["cpu_s"] < 1e-5 < res["fast"]["cpu_s"]
    assert res["slow"]["result"] == 1000 and res["fast"]["result"] is None
    # after warm-up and calibration (2 calls each), 5 rounds run both sides, the side
    # that starts a round alternating
    names = ["slow", "fast"]
    expected = []
    for rep in range(5):
        for k in names[rep % 2:] + names[:rep % 2]:
            expected += [k] * res[k]["n"]
    assert order[:4] == ["slow", "slow", "fast", "fast"] and order[4:] == expected
    row = bench.ratio_row("case", res, "fast", "slow")
    assert row["ratio_wall"] == res["fast"]["wall_s"] / res["slow"]["wall_s"]
    assert row["ratio_cpu"] == res["fast"]["cpu_s"] / res["slow"]["cpu_s"]


def test_compare_runs_finds_every_ratio():
    a = {"benchmarks": {"x": {"rows": [
        {"case": "c1", "ratio_wall": 2.0, "ratio_cpu": 4.0, "other": 1.0},
        {"network": "n", "tool": "t", "ratio_peer_over_nanokin": 10.0,
         "cpu_ratio_peer_over_nanokin": float("nan"), "identical": True}]}}}
    b = {"benchmarks": {"x": {"rows": [
        {"case": "c1", "ratio_wall": 2.2, "ratio_cpu": 6.0},
        {"network": "n", "tool": "t", "ratio_peer_over_nanokin": 9.0}]}}}
    rows = {(r[1], r[2]): r for r in bench.compare_runs(a, b)}
    assert set(rows) == {("c1", "ratio_wall"), ("c1", "ratio_cpu"),
                         ("n / t", "ratio_peer_over_nanokin")}
    assert rows[("c1", "ratio_wall")][-1] is True          # +10 %
    assert rows[("c1", "ratio_cpu")][-1] is False          # +50 %
    assert abs(rows[("n / t", "ratio_peer_over_nanokin")][5] + 0.1) < 1e-12
