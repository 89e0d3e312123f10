"""SSA kernels: event-for-event agreement with the plain-Python references, analytic
limits (decay, birth–death, dimerisation), thread-count independence."""
import math

import numba
import numpy as np
import pytest

from sim.network import from_reactions, parse_net
from sim.rng import stream_states
from sim.ssa import direct_reference, rssa_reference, rssacr_reference, simulate

TOY = from_reactions(
    ["A", "B", "C"], [30, 5, 0],
    [(("A", "B"), ("C",), 0.01), (("C",), ("A", "B"), 0.5), (("A", "A"), ("B",), 0.002),
     ((), ("A",), 2.0), (("C",), (), 0.05)],
    observables={"A": ["A"], "B": ["B"], "C": ["C"]})


@pytest.mark.parametrize("method", ["direct", "rssa", "rssacr"])
def test_kernel_matches_python_reference_event_for_event(method):
    c = TOY.compile()
    times = np.linspace(0.0, 30.0, 31)
    res = simulate(c, times, 3, seed=11, method=method)
    states = stream_states(11, 3)
    for i in range(3):
        st = states[i].copy()
        if method == "direct":
            ref, n = direct_reference(c, times, st)
        else:
            fn = rssa_reference if method == "rssa" else rssacr_reference
            ref, n, trials = fn(c, times, st)
            assert trials == res.trials[i]
        assert n == res.events[i] and n > 100
        np.testing.assert_array_equal(res.values[i], ref)


@pytest.mark.parametrize("method", ["direct", "rssa", "rssacr"])
def test_first_order_decay_binomial(method):
    k, n0, t = 0.3, 200, np.array([0.0, 1.0, 3.0])
    net = from_reactions(["A"], [n0], [(("A",), (), k)], observables={"A": ["A"]})
    res = simulate(net.compile(), t, 4000, seed=5, method=method)
    p = np.exp(-k * t)
    mean, var = n0 * p, n0 * p * (1 - p)
    se_mean = np.sqrt(var / 4000)
    assert res.values[:, 0, 0].min() == n0 and res.values[:, 0, 0].max() == n0
    assert np.all(np.abs(res.mean[1:, 0] - mean[1:]) < 4 * se_mean[1:])
    # variance of a binomial sample variance: (mu4 - var^2 (n-3)/(n-1)) / n
    mu4 = n0 * p * (1 - p) * (1 + 3 * (n0 - 2) * p * (1 - p))
    se_var = np.sqrt((mu4 - var**2 * (4000 - 3) / 3999) / 4000)
    assert np.all(np.abs(res.var[1:, 0] - var[1:]) < 4 * se_var[1:])


@pytest.mark.parametrize("method", ["direct", "rssa", "rssacr"])
def test_birth_death_stationary_poisson(method):
    kb, kd = 40.0, 2.0  # stationary Poisson(20)
    net = from_reactions(["X"], [0], [((), ("X",), kb), (("X",), (), kd)],
                         observables={"X": ["X"]})
    res = simulate(net.compile(), np.array([20.0]), 4000, seed=9, method=method)
    x = res.values[:, 0, 0]
    lam = kb / kd
    assert abs(x.mean() - lam) < 4 * math.sqrt(lam / 4000)
    # sample variance of Poisson: var(s^2) ~ (mu4 - lam^2)/n with mu4 = lam + 3 lam^2
    assert abs(x.var(ddof=1) - lam) < 4 * math.sqrt((lam + 2 * lam**2) / 4000)
    # the whole distribution: chi-square against Poisson(20) over bins 10..30 and tails
    edges = np.arange(10, 31)
    obs = np.array([np.sum(x < 10)] + [np.sum(x == e) for e in edges] + [np.sum(x > 30)])
    from scipy.stats import chi2, poisson
    probs = np.array([poisson.cdf(9, lam)] + [poisson.pmf(e, lam) for e in edges]
                     + [poisson.sf(30, lam)])
    stat = np.sum((obs - 4000 * probs) ** 2 / (4000 * probs))
    assert stat < chi2.ppf(0.999, obs.size - 1)


def test_dimerisation_follows_bionetgen_convention():
    # A + A -> B with BNGL rate k appears in .net as 0.5*k; two molecules react with
    # propensity 0.5*k*2*1 = k, so P(still two A at t) = exp(-k t).
    k = 0.7
    net = parse_net("begin parameters\n 1 k 0.7\nend parameters\nbegin species\n 1 A 2\n"
                    " 2 B 0\nend species\nbegin reactions\n 1 1,1 2 0.5*k\nend reactions\n"
                    "begin groups\n 1 A 1\nend groups\n")
    t = 1.0
    for method in ("direct", "rssa", "rssacr"):
        res = simulate(net.compile(), np.array([t]), 20000, seed=3, method=method)
        frac = np.mean(res.values[:, 0, 0] == 2)
        p = math.exp(-k * t)
        assert abs(frac - p) < 4 * math.sqrt(p * (1 - p) / 20000)


@pytest.mark.parametrize("method", ["direct", "rssa", "rssacr"])
def test_results_independent_of_thread_count(method):
    c = TOY.compile()
    times = np.linspace(0.0, 5.0, 6)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate(c, times, 8, seed=21, method=method)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = simulate(c, times, 8, seed=21, method=method)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one.values, two.values)
    np.testing.assert_array_equal(one.events, two.events)
    # and different seeds differ
    other = simulate(c, times, 8, seed=22, method=method)
    assert not np.array_equal(one.values, other.values)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 numba threads")
def test_the_kernel_thread_runs_with_the_callers_thread_count(monkeypatch):
    """numba's thread count is per thread: the worker thread that runs the kernel (so that
    Ctrl-C is seen) must use what the caller set, not numba's default."""
    import sim.interrupt
    import sim.ssa
    seen = []
    monkeypatch.setattr(sim.ssa, "_ensemble_rssa", lambda *a: seen.append(numba.get_num_threads()))
    before = numba.get_num_threads()
    try:
        for n in (1, 2, 1):
            numba.set_num_threads(n)
            simulate(TOY.compile(), np.array([0.0, 1.0]), 2, seed=1, method="rssa")
            assert sim.interrupt.call(numba.get_num_threads) == n
    finally:
        numba.set_num_threads(before)
    assert seen == [1, 2, 1]


@pytest.mark.parametrize("method", ["rssa", "rssacr"])
def test_methods_agree_on_mean(method):
    c = TOY.compile()
    times = np.array([4.0])
    d = simulate(c, times, 2000, seed=1, method="direct")
    r = simulate(c, times, 2000, seed=2, method=method)
    se = np.sqrt(d.var[0] / 2000 + r.var[0] / 2000)
    assert np.all(np.abs(d.mean[0] - r.mean[0]) < 4 * se)


def test_zero_count_species_give_zero_upper_bounds():
    # B is absent, so A + B -> C can never fire: its upper bound must be 0 (no trial is
    # ever proposed), not the bound of an interval [0, 4] that is rejected forever
    net = from_reactions(["A", "B", "C"], [1000, 0, 0], [(("A", "B"), ("C",), 1.0)],
                         observables={"A": ["A"]})
    for method in ("rssa", "rssacr"):
        res = simulate(net.compile(), np.array([0.0, 10.0]), 2, seed=1, method=method)
        assert np.all(res.events == 0) and np.all(res.trials == 0)


def test_absorbing_state_and_bad_input():
    net = from_reactions(["A"], [3], [(("A",), (), 1.0)], observables={"A": ["A"]})
    res = simulate(net.compile(), np.array([0.0, 100.0, 200.0]), 2, seed=0)
    assert np.all(res.values[:, 1:, 0] == 0) and np.all(res.events == 3)
    with pytest.raises(ValueError, match="method"):
        simulate(net.compile(), np.array([1.0]), method="tau-leap")
    with pytest.raises(ValueError, match="non-decreasing"):
        simulate(net.compile(), np.array([2.0, 1.0]))


@pytest.mark.parametrize("method", ["direct", "rssa", "rssacr"])
def test_event_budget_stops_exploding_network(method):
    net = from_reactions(["A"], [10], [(("A",), ("A", "A"), 1.0)], observables={"A": ["A"]})
    res = simulate(net.compile(), np.array([0.0, 1.0, 100.0]), 2, seed=1, method=method,
                   max_events=5000)
    assert np.all(res.stopped == 1) and np.all(res.events <= 5000)
    assert np.all(np.isnan(res.values[:, 2, 0])) and np.all(res.values[:, 0, 0] == 10)


def test_ctrl_c_stops_a_running_kernel():
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path
    code = ("import numpy as np\nfrom sim.network import from_reactions\n"
            "from sim.ssa import simulate\n"
            "net = from_reactions(['X'], [0], [((), ('X',), 1e6), (('X',), (), 1.0)]).compile()\n"
            "simulate(net, np.array([0.0, 1e-3]), 1, 0, 'rssa')\nprint('started', flush=True)\n"
            "simulate(net, np.array([0.0, 1e9]), 2, 0, 'rssa')\nprint('finished')\n")
    root = Path(__file__).resolve().parent.parent
    p = subprocess.Popen([sys.executable, "-c", code], cwd=root, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "started"
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)   # a hang guard, not a speed limit
    assert "KeyboardInterrupt" in err and "finished" not in out
