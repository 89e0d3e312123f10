import numpy as np
import numba
import pytest
from numba import njit

from sim.rng import exponential, next_u64, poisson, stream_states, uniform


def xoshiro_reference(state, n):
    """Plain-Python xoshiro256** (Blackman & Vigna) for checking the kernel."""
    s = [int(x) for x in state]
    mask = (1 << 64) - 1
    rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & mask  # noqa: E731
    out = []
    for _ in range(n):
        out.append((rotl((s[1] * 5) & mask, 7) * 9) & mask)
        t = (s[1] << 17) & mask
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


@njit
def _draw(state, n):
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        out[i] = next_u64(state)
    return out


def test_kernel_matches_reference():
    st = stream_states(42, 1)[0]
    ref = xoshiro_reference(st.copy(), 50)
    assert [int(v) for v in _draw(st.copy(), 50)] == ref


def test_streams_deterministic_and_distinct():
    a = stream_states(123, 8)
    b = stream_states(123, 8)
    assert np.array_equal(a, b)
    assert len({tuple(r) for r in a}) == 8
    assert not np.array_equal(stream_states(124, 8), a)
    # the first k streams do not depend on how many were spawned
    assert np.array_equal(stream_states(123, 3), a[:3])


@njit
def _moments(state, n):
    su = se = sp = 0.0
    for _ in range(n):
        su += uniform(state)
        se += exponential(state)
        sp += poisson(state, 3.5)
    return su / n, se / n, sp / n


def test_distribution_means():
    st = stream_states(1, 1)[0]
    mu, me, mp = _moments(st, 400_000)
    # standard errors: 0.29/sqrt(n), 1/sqrt(n), sqrt(3.5)/sqrt(n)
    assert abs(mu - 0.5) < 5 * 0.2887 / np.sqrt(4e5)
    assert abs(me - 1.0) < 5 / np.sqrt(4e5)
    assert abs(mp - 3.5) < 5 * np.sqrt(3.5) / np.sqrt(4e5)


def test_toy_model_independent_of_thread_count():
    from sim.config import parse_experiment
    from sim.model import get_model

    exp = parse_experiment('model = "toy"\nseed = 5\n[conditions]\nn_molecules = 20000\n')
    model = get_model("toy")
    n0 = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = model.run(exp)["A"]
        numba.set_num_threads(max(2, n0) if n0 > 1 else 1)
        many = model.run(exp)["A"]
    finally:
        numba.set_num_threads(n0)
    assert np.array_equal(one, many)
    # and it is the right answer: within 4 binomial standard deviations everywhere
    res = model.run(exp)
    p = np.exp(-0.1 * res["time"])
    sd = np.sqrt(20000 * p * (1 - p)) + 1e-9
    assert np.all(np.abs(res["A"] - 20000 * p) <= 4 * sd + 1)


@pytest.mark.parametrize("seed", [-1, 2**63, 2**70, 1.5, True, "3"])
def test_seeds_outside_int64_are_refused(seed):
    with pytest.raises(ValueError, match="2\\*\\*63 - 1"):
        stream_states(seed, 2)


def test_largest_seed_gives_streams_and_matches_config_limit():
    from sim.config import MAX_SEED as CONFIG_MAX
    from sim.rng import MAX_SEED

    assert MAX_SEED == CONFIG_MAX
    a = stream_states(MAX_SEED, 3)
    assert a.shape == (3, 4) and a.any(axis=1).all()
    assert not np.array_equal(a, stream_states(MAX_SEED - 1, 3))
