"""Random streams: ``numpy.random.SeedSequence`` -> one independent stream per task.

Stochastic kernels never use numba's global ``np.random`` state (which is per
thread, so results would depend on the thread count).  Instead every trajectory,
particle batch or task owns a xoshiro256** state of four ``uint64`` words, made
here from the experiment seed by ``SeedSequence.spawn``; the kernels advance it with
:func:`next_u64` / :func:`uniform`.  The same seed gives the same numbers whatever
the number of threads, processes or workers.

xoshiro256**: Blackman & Vigna, "Scrambled linear pseudorandom number generators",
ACM TOMS 47 (2021) 36.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["stream_states", "child_seeds", "seed_sequence", "MAX_SEED", "next_u64", "uniform", "exponential", "normal",
           "poisson"]


MAX_SEED = 2**63 - 1   # seeds are stored as signed 64-bit integers (sim.config.check_seed)


def seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    """``SeedSequence(seed)`` for a seed 0 <= seed <= 2**63 - 1 (ValueError otherwise)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) \
            or not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"seed must be a whole number from 0 to 2**63 - 1, got {seed!r}")
    return np.random.SeedSequence(int(seed))


def child_seeds(seed: int | np.random.SeedSequence, n: int) -> list[np.random.SeedSequence]:
    """``n`` independent child seed sequences of ``seed``."""
    return seed_sequence(seed).spawn(n)


def stream_states(seed: int | np.random.SeedSequence, n: int) -> np.ndarray:
    """(n, 4) uint64 xoshiro256** states, one per stream, from ``SeedSequence(seed).spawn(n)``."""
    states = np.empty((n, 4), dtype=np.uint64)
    for i, child in enumerate(child_seeds(seed, n)):
        s = child.generate_state(4, dtype=np.uint64)
        if not s.any():  # the all-zero state is the one forbidden state
            s[0] = 1
        states[i] = s
    return states


@njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True)
def next_u64(state):
    """Advance ``state`` (uint64[4]) and return the next 64-bit output."""
    s0 = state[0]
    s1 = state[1]
    s2 = state[2]
    s3 = state[3]
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    state[0] = s0
    state[1] = s1
    state[2] = s2
    state[3] = s3
    return result


@njit(cache=True)
def uniform(state):
    """A double in the open interval (0, 1) (53 random bits, never 0)."""
    return ((next_u64(state) >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def exponential(state):
    """An Exp(1) variate."""
    return -np.log(uniform(state))


@njit(cache=True)
def normal(state):
    """A standard normal variate (Box–Muller, one of the pair)."""
    u1 = uniform(state)
    u2 = uniform(state)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True)
def poisson(state, lam):
    """A Poisson(lam) variate: inversion for small means, normal approximation above 500."""
    if lam <= 0.0:
        return 0
    if lam > 500.0:
        k = int(np.floor(lam + np.sqrt(lam) * normal(state) + 0.5))
        return k if k > 0 else 0
    # inversion by sequential search from 0
    p = np.exp(-lam)
    cdf = p
    u = uniform(state)
    k = 0
    while u > cdf and k < 100000:
        k += 1
        p *= lam / k
        cdf += p
    return k
