"""sim.master: tridiagonal implicit integrator and birth–death kinetic Monte Carlo."""
import numpy as np
import pytest
from scipy.sparse.linalg import expm_multiply

from sim.master import (_solve_shifted, advance, check_rates, evolve, generator_matrix,
                        kmc_birth_death, moments, rhs_numpy, stationary)
from sim.rng import stream_states


def random_chain(m, seed):
    rng = np.random.default_rng(seed)
    b = rng.uniform(0.1, 5.0, m)
    d = rng.uniform(0.1, 5.0, m)
    b[-1] = 0.0
    d[0] = 0.0
    return b, d


def immigration_death(m, lam=20.0, mu=0.5):
    n = np.arange(m, dtype=float)
    b = np.full(m, lam)
    b[-1] = 0.0
    return b, mu * n


def test_thomas_matches_dense_solve():
    b, d = random_chain(50, 1)
    rhs = np.random.default_rng(2).normal(size=50)
    out = np.zeros(50)
    _solve_shifted(b, d, 0.3, rhs, out, np.zeros(50), 0, 50)
    a = generator_matrix(b, d).toarray()
    ref = np.linalg.solve(np.eye(50) - 0.3 * a, rhs)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)


def test_generator_columns_sum_to_zero_and_rhs_agrees():
    b, d = random_chain(30, 3)
    a = generator_matrix(b, d)
    np.testing.assert_allclose(np.asarray(a.sum(axis=0)).ravel(), 0.0, atol=1e-12)
    p = np.random.default_rng(4).uniform(size=30)
    np.testing.assert_allclose(rhs_numpy(0.0, p, b, d), a @ p, rtol=1e-12)


@pytest.mark.parametrize("seed", [5, 6])
def test_advance_matches_matrix_exponential(seed):
    b, d = random_chain(80, seed)
    p0 = np.zeros(80)
    p0[3] = 1.0
    times = np.array([0.0, 0.1, 0.5, 2.0, 10.0])
    out = evolve(b, d, p0, times, rtol=1e-9, atol=1e-14, keep="full")
    ref = expm_multiply(generator_matrix(b, d), p0, start=0.0, stop=10.0, num=201,
                        endpoint=True)
    idx = [0, 2, 10, 40, 200]
    np.testing.assert_allclose(out["p"], ref[idx], atol=1e-8)
    np.testing.assert_allclose(out["p"].sum(axis=1), 1.0, atol=1e-12)


def test_immigration_death_poisson_moments():
    lam, mu = 20.0, 0.5
    b, d = immigration_death(200, lam, mu)
    p0 = np.zeros(200)
    p0[0] = 1.0
    times = np.linspace(0.0, 8.0, 9)
    out = evolve(b, d, p0, times, rtol=1e-8, atol=1e-14)
    mean = lam / mu * (1 - np.exp(-mu * times))     # Poisson at every time
    np.testing.assert_allclose(out["mean"], mean, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(out["var"], mean, rtol=1e-5, atol=1e-9)


def test_stationary_is_poisson_and_long_time_limit():
    lam, mu = 20.0, 0.5
    b, d = immigration_death(200, lam, mu)
    ps = stationary(b, d)
    from scipy.stats import poisson
    np.testing.assert_allclose(ps, poisson.pmf(np.arange(200), lam / mu), atol=1e-12)
    p0 = np.zeros(200)
    p0[150] = 1.0
    out = evolve(b, d, p0, [0.0, 200.0], rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(out["p_final"], ps, atol=1e-9)


def test_narrow_distribution_on_long_chain_uses_window_correctly():
    # a packet travelling along a 50 000-state chain: the windowed kernel must agree
    # with the analytic immigration–death moments (the window is only an optimisation)
    lam, mu = 2000.0, 0.05
    b, d = immigration_death(50_000, lam, mu)
    p0 = np.zeros(b.size)
    p0[0] = 1.0
    out = evolve(b, d, p0, [0.0, 5.0, 10.0], rtol=1e-6, atol=1e-12)
    mean = lam / mu * (1 - np.exp(-mu * np.array([0.0, 5.0, 10.0])))
    np.testing.assert_allclose(out["mean"], mean, rtol=1e-6)


def test_advance_returns_step_counts_and_resumes():
    b, d = random_chain(40, 7)
    p = np.zeros(40)
    p[0] = 1.0
    work = np.zeros((6, 40))
    h, acc, rej = advance(b, d, p, 0.0, 1.0, 0.0, 1e-8, 1e-14, work)
    assert acc > 0 and h > 0
    q = np.zeros(40)
    q[0] = 1.0
    one = evolve(b, d, q, [0.0, 1.0, 2.0], rtol=1e-8, atol=1e-14)
    advance(b, d, p, 1.0, 2.0, h, 1e-8, 1e-14, work)
    np.testing.assert_allclose(p, one["p_final"], atol=1e-8)


def test_check_rates_rejects_bad_input():
    with pytest.raises(ValueError):
        check_rates([1.0, 1.0], [0.0, 1.0])           # birth[M] != 0
    with pytest.raises(ValueError):
        check_rates([1.0, 0.0], [1.0, 1.0])           # death[0] != 0
    with pytest.raises(ValueError):
        check_rates([-1.0, 0.0], [0.0, 1.0])
    with pytest.raises(ValueError):
        check_rates([1.0, 0.0], [0.0, 1.0, 2.0])


def test_moments():
    p = np.array([0.25, 0.5, 0.25])
    assert moments(p) == pytest.approx((1.0, 0.5))


def _kmc(seed, n_part=4000, threads=None):
    import numba
    b, d = immigration_death(200, 20.0, 0.5)
    times = np.array([0.0, 1.0, 2.0, 4.0, 8.0])
    old = numba.get_num_threads()
    if threads:
        numba.set_num_threads(threads)
    try:
        out, ev = kmc_birth_death(b[None, :].copy(), d[None, :].copy(),
                                  np.zeros(n_part, np.int64), np.zeros(n_part, np.int64),
                                  times, stream_states(seed, n_part))
    finally:
        numba.set_num_threads(old)
    return times, out, ev


def test_kmc_matches_analytic_mean_within_three_standard_errors():
    times, out, ev = _kmc(11)
    mean = 40.0 * (1 - np.exp(-0.5 * times))
    sem = np.sqrt(np.maximum(mean, 1e-12) / out.shape[0])
    z = (out.mean(axis=0) - mean)[1:] / sem[1:]
    assert np.all(np.abs(z) < 3.0), z
    assert np.all(out[:, 0] == 0)
    assert ev.sum() > 0


def test_kmc_reproducible_and_independent_of_thread_count():
    _, a, ea = _kmc(12, 500, threads=1)
    _, b, eb = _kmc(12, 500)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ea, eb)
    _, c, _ = _kmc(13, 500)
    assert not np.array_equal(a, c)


def test_kmc_classes_use_their_own_tables():
    b, d = immigration_death(100, 10.0, 1.0)
    birth = np.stack([b, np.zeros_like(b)])
    death = np.stack([d, d])
    cls = np.array([0, 1, 0, 1], np.int64)
    out, _ = kmc_birth_death(birth, death, cls, np.zeros(4, np.int64),
                             np.array([0.0, 5.0]), stream_states(3, 4))
    assert np.all(out[cls == 1] == 0)
    assert np.all(out[cls == 0, 1] > 0)
