"""Exact stochastic simulation (Gillespie SSA) of mass-action reaction networks.

Two exact methods over a :class:`sim.network.CompiledNetwork`:

``direct``  Gillespie's direct method (Gillespie, J. Phys. Chem. 81 (1977) 2340)
            with a reaction dependency graph: after reaction r fires only the
            propensities of reactions whose reactants r changed are recomputed,
            and the total propensity is kept as a running sum (recomputed in full
            every 65 536 events or when it falls by 10⁶, against round-off).  The
            reaction is found by a linear search: fastest for small networks.

``rssa``    The rejection-based SSA (Thanh, Priami & Zunino, J. Chem. Phys. 141
            (2014) 134116).  Each species carries a fluctuation interval
            [x_lo, x_hi] (x ± max(4, 10 % of x), the choice of Catalyst's
            JumpProcesses RSSA); each reaction carries propensity bounds a_lo <= a
            <= a_hi evaluated on it.  Candidates are drawn in proportion to a_hi
            from a binary sum tree (O(log R) per draw, no round-off drift because
            every node is re-summed from its children) and accepted with
            probability a / a_hi, which is decided by the cheap test u·a_hi <= a_lo
            most of the time; every trial advances time by an Exp(Σ a_hi) waiting
            time.  Propensity bounds are recomputed only when a species leaves its
            interval, so the per-event cost barely depends on how many reactions a
            species feeds: this is the method for networks with thousands of
            reactions.

Propensities follow BioNetGen's ``.net`` convention: ``a = c Π_s x_s(x_s-1)…(x_s-m_s+1)``
with the statistical factors already inside ``c`` (see :mod:`sim.network`).

Ensembles run in parallel threads (``numba.prange``), one :mod:`sim.rng` xoshiro256**
stream per trajectory, so a given seed yields the same trajectories whatever the
thread count.  The output is the value of every observable at each requested time
(the state just before the first event after that time).

:func:`direct_reference` and :func:`rssa_reference` are plain-Python versions of the
two kernels that draw the same random numbers in the same order; tests compare them
event for event.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sim.rng import exponential, stream_states, uniform

__all__ = ["METHODS", "simulate", "EnsembleResult", "direct_reference", "rssa_reference",
           "propensity", "bounds"]

METHODS = ("direct", "rssa")
_RECOMPUTE_EVERY = 65536
_FRACTION = 0.1     # RSSA fluctuation interval: x ± max(_MIN_HALF_WIDTH, _FRACTION·x)
_MIN_HALF_WIDTH = 4


# ----------------------------------------------------------------------------- pieces

@njit(cache=True, inline="always")
def propensity(r, x, rates, rct_ptr, rct_sp, rct_mult):
    """c_r · Π x_s (x_s-1)…(x_s-m_s+1) for reaction r in state x."""
    a = rates[r]
    for i in range(rct_ptr[r], rct_ptr[r + 1]):
        xs = x[rct_sp[i]]
        m = rct_mult[i]
        if xs < m:
            return 0.0
        a *= xs
        for j in range(1, m):
            a *= xs - j
    return a


@njit(cache=True, inline="always")
def bounds(x):
    """The RSSA fluctuation interval [lo, hi] around a count x."""
    half = int(_FRACTION * x)
    if half < _MIN_HALF_WIDTH:
        half = _MIN_HALF_WIDTH
    lo = x - half
    if lo < 0:
        lo = 0
    return lo, x + half


@njit(cache=True, inline="always")
def _record(x, obs_ptr, obs_sp, obs_w, out_row):
    for o in range(out_row.size):
        v = 0.0
        for k in range(obs_ptr[o], obs_ptr[o + 1]):
            v += obs_w[k] * x[obs_sp[k]]
        out_row[o] = v


@njit(cache=True, inline="always")
def _tree_set(tree, leaf0, r, value):
    node = leaf0 + r
    tree[node] = value
    node >>= 1
    while node >= 1:
        tree[node] = tree[2 * node] + tree[2 * node + 1]
        node >>= 1


@njit(cache=True, inline="always")
def _tree_find(tree, leaf0, target):
    node = 1
    while node < leaf0:
        left = 2 * node
        if target < tree[left]:
            node = left
        else:
            target -= tree[left]
            node = left + 1
    return node - leaf0


# ----------------------------------------------------------------------------- direct method

@njit(cache=True)
def direct_trajectory(x, state, times, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_sp,
                      chg_val, dep_ptr, dep_rx, obs_ptr, obs_sp, obs_w, out):
    """One direct-method trajectory from state x (modified in place) through ``times``.

    Writes observables into ``out[j, :]`` at ``times[j]``; returns the number of events.
    """
    nr = rates.size
    nt = times.size
    a = np.empty(nr)
    a0 = 0.0
    for r in range(nr):
        a[r] = propensity(r, x, rates, rct_ptr, rct_sp, rct_mult)
        a0 += a[r]
    a0_ref = a0
    t = 0.0
    j = 0
    n_events = 0
    while True:
        if a0 <= 0.0:
            while j < nt:
                _record(x, obs_ptr, obs_sp, obs_w, out[j])
                j += 1
            break
        t += exponential(state) / a0
        while j < nt and times[j] < t:
            _record(x, obs_ptr, obs_sp, obs_w, out[j])
            j += 1
        if j >= nt:
            break
        target = uniform(state) * a0
        acc = 0.0
        r = 0
        while r < nr - 1:
            acc += a[r]
            if acc > target:
                break
            r += 1
        while a[r] <= 0.0 and r > 0:  # round-off ran past the last live reaction
            r -= 1
        for i in range(chg_ptr[r], chg_ptr[r + 1]):
            x[chg_sp[i]] += chg_val[i]
        for i in range(dep_ptr[r], dep_ptr[r + 1]):
            d = dep_rx[i]
            new = propensity(d, x, rates, rct_ptr, rct_sp, rct_mult)
            a0 += new - a[d]
            a[d] = new
        n_events += 1
        if (n_events & (_RECOMPUTE_EVERY - 1)) == 0 or a0 < 1e-6 * a0_ref:
            a0 = 0.0
            for q in range(nr):
                a0 += a[q]
            a0_ref = a0
    return n_events


# ----------------------------------------------------------------------------- RSSA

@njit(cache=True)
def _rssa_refresh(rx, x, xlo, xhi, alo, ahi, tree, leaf0, rates, rct_ptr, rct_sp, rct_mult):
    lo = propensity(rx, xlo, rates, rct_ptr, rct_sp, rct_mult)
    hi = propensity(rx, xhi, rates, rct_ptr, rct_sp, rct_mult)
    alo[rx] = lo
    ahi[rx] = hi
    _tree_set(tree, leaf0, rx, hi)


@njit(cache=True)
def rssa_trajectory(x, state, times, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_sp,
                    chg_val, sdep_ptr, sdep_rx, obs_ptr, obs_sp, obs_w, out, counts):
    """One RSSA trajectory (see the module text).  ``counts`` gets [events, trials,
    bound updates]; returns the number of events."""
    nr = rates.size
    ns = x.size
    nt = times.size
    leaf0 = 1
    while leaf0 < nr:
        leaf0 *= 2
    tree = np.zeros(2 * leaf0)
    xlo = np.empty(ns, dtype=np.int64)
    xhi = np.empty(ns, dtype=np.int64)
    for s in range(ns):
        lo, hi = bounds(x[s])
        xlo[s] = lo
        xhi[s] = hi
    alo = np.empty(nr)
    ahi = np.empty(nr)
    for r in range(nr):
        alo[r] = propensity(r, xlo, rates, rct_ptr, rct_sp, rct_mult)
        ahi[r] = propensity(r, xhi, rates, rct_ptr, rct_sp, rct_mult)
        tree[leaf0 + r] = ahi[r]
    for node in range(leaf0 - 1, 0, -1):
        tree[node] = tree[2 * node] + tree[2 * node + 1]
    t = 0.0
    j = 0
    n_events = 0
    n_trials = 0
    n_updates = 0
    while True:
        total = tree[1]
        if total <= 0.0:
            while j < nt:
                _record(x, obs_ptr, obs_sp, obs_w, out[j])
                j += 1
            break
        t += exponential(state) / total
        while j < nt and times[j] < t:
            _record(x, obs_ptr, obs_sp, obs_w, out[j])
            j += 1
        if j >= nt:
            break
        n_trials += 1
        r = _tree_find(tree, leaf0, uniform(state) * total)
        if r >= nr or ahi[r] <= 0.0:  # round-off at a tree edge: a null trial
            continue
        u = uniform(state) * ahi[r]
        if u > alo[r]:
            if u > propensity(r, x, rates, rct_ptr, rct_sp, rct_mult):
                continue
        n_events += 1
        for i in range(chg_ptr[r], chg_ptr[r + 1]):
            s = chg_sp[i]
            xs = x[s] + chg_val[i]
            x[s] = xs
            if xs < xlo[s] or xs > xhi[s]:
                lo, hi = bounds(xs)
                xlo[s] = lo
                xhi[s] = hi
                n_updates += 1
                for k in range(sdep_ptr[s], sdep_ptr[s + 1]):
                    _rssa_refresh(sdep_rx[k], x, xlo, xhi, alo, ahi, tree, leaf0, rates,
                                  rct_ptr, rct_sp, rct_mult)
    counts[0] = n_events
    counts[1] = n_trials
    counts[2] = n_updates
    return n_events


# ----------------------------------------------------------------------------- ensembles

@njit(cache=True, parallel=True)
def _ensemble(method, states, x0, times, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_sp,
              chg_val, dep_ptr, dep_rx, sdep_ptr, sdep_rx, obs_ptr, obs_sp, obs_w, out, counts,
              final):
    n = states.shape[0]
    for i in prange(n):
        st = states[i].copy()
        x = x0.copy()
        if method == 0:
            counts[i, 0] = direct_trajectory(x, st, times, rates, rct_ptr, rct_sp, rct_mult,
                                             chg_ptr, chg_sp, chg_val, dep_ptr, dep_rx,
                                             obs_ptr, obs_sp, obs_w, out[i])
            counts[i, 1] = counts[i, 0]
        else:
            rssa_trajectory(x, st, times, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_sp,
                            chg_val, sdep_ptr, sdep_rx, obs_ptr, obs_sp, obs_w, out[i],
                            counts[i])
        final[i, :] = x


class EnsembleResult:
    """Observables ``values[trajectory, time, observable]`` and event counts."""

    def __init__(self, times, values, counts, final, method, seed):
        self.times = times
        self.values = values
        self.events = counts[:, 0].copy()
        self.trials = counts[:, 1].copy()
        self.bound_updates = counts[:, 2].copy()
        self.final_state = final
        self.method = method
        self.seed = seed

    @property
    def mean(self) -> np.ndarray:
        return self.values.mean(axis=0)

    @property
    def var(self) -> np.ndarray:
        return self.values.var(axis=0, ddof=1) if self.values.shape[0] > 1 \
            else np.zeros(self.values.shape[1:])


def simulate(compiled, times, n_trajectories: int = 1, seed: int = 0, method: str = "direct",
             x0=None, states=None) -> EnsembleResult:
    """Run ``n_trajectories`` independent trajectories of ``compiled`` (a
    :class:`sim.network.CompiledNetwork`), recording its observables at ``times``
    (non-decreasing, >= 0).  ``method`` is "direct" or "rssa"."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    times = np.ascontiguousarray(times, dtype=np.float64)
    if times.ndim != 1 or times.size == 0 or np.any(np.diff(times) < 0) or times[0] < 0:
        raise ValueError("times must be a non-empty, non-decreasing 1-D array of values >= 0")
    if n_trajectories < 1:
        raise ValueError("n_trajectories must be >= 1")
    if states is None:
        states = stream_states(seed, n_trajectories)
    x0 = compiled.x0 if x0 is None else np.ascontiguousarray(x0, dtype=np.int64)
    n_obs = compiled.obs_ptr.size - 1
    out = np.zeros((n_trajectories, times.size, n_obs))
    counts = np.zeros((n_trajectories, 3), dtype=np.int64)
    final = np.zeros((n_trajectories, compiled.n_species), dtype=np.int64)
    c = compiled
    _ensemble(METHODS.index(method), states, x0, times, c.rates, c.rct_ptr, c.rct_sp,
              c.rct_mult, c.chg_ptr, c.chg_sp, c.chg_val, c.dep_ptr, c.dep_rx, c.sdep_ptr,
              c.sdep_rx, c.obs_ptr, c.obs_sp, c.obs_w, out, counts, final)
    return EnsembleResult(times, out, counts, final, method, seed)


# ----------------------------------------------------------------------------- references

def _prop_py(net, r, x):
    a = float(net.rates[r])
    for i in range(net.rct_ptr[r], net.rct_ptr[r + 1]):
        xs, m = int(x[net.rct_sp[i]]), int(net.rct_mult[i])
        if xs < m:
            return 0.0
        for k in range(m):
            a *= xs - k
    return a


def _obs_py(net, x):
    return np.array([sum(net.obs_w[k] * x[net.obs_sp[k]]
                         for k in range(net.obs_ptr[o], net.obs_ptr[o + 1]))
                     for o in range(net.obs_ptr.size - 1)])


def direct_reference(net, times, state, x0=None):
    """Plain-Python direct method (propensities recomputed in full each step);
    ``state`` is one sim.rng stream (uint64[4]), advanced in place.
    Returns (observables[time, obs], events)."""
    x = np.array(net.x0 if x0 is None else x0, dtype=np.int64)
    out = np.zeros((len(times), net.obs_ptr.size - 1))
    t, j, n = 0.0, 0, 0
    while True:
        a = [_prop_py(net, r, x) for r in range(net.n_reactions)]
        a0 = sum(a)
        if a0 <= 0:
            out[j:] = _obs_py(net, x)
            return out, n
        t += -math.log(uniform(state)) / a0
        while j < len(times) and times[j] < t:
            out[j] = _obs_py(net, x)
            j += 1
        if j >= len(times):
            return out, n
        target = uniform(state) * a0
        acc, r = 0.0, 0
        while r < net.n_reactions - 1:
            acc += a[r]
            if acc > target:
                break
            r += 1
        while a[r] <= 0 and r > 0:
            r -= 1
        for i in range(net.chg_ptr[r], net.chg_ptr[r + 1]):
            x[net.chg_sp[i]] += net.chg_val[i]
        n += 1


def rssa_reference(net, times, state, x0=None):
    """Plain-Python RSSA: same bounds, same candidate order (cumulative sum of a_hi in
    reaction order, which is what the sum tree computes), same random numbers.
    Returns (observables[time, obs], events, trials)."""
    x = np.array(net.x0 if x0 is None else x0, dtype=np.int64)
    nr = net.n_reactions

    def interval(v):
        half = max(_MIN_HALF_WIDTH, int(_FRACTION * v))
        return max(v - half, 0), v + half

    lo_hi = [interval(int(v)) for v in x]
    xlo = np.array([p[0] for p in lo_hi], dtype=np.int64)
    xhi = np.array([p[1] for p in lo_hi], dtype=np.int64)
    alo = np.array([_prop_py(net, r, xlo) for r in range(nr)])
    ahi = np.array([_prop_py(net, r, xhi) for r in range(nr)])
    out = np.zeros((len(times), net.obs_ptr.size - 1))
    t, j, n, trials = 0.0, 0, 0, 0
    while True:
        total = float(ahi.sum())
        if total <= 0:
            out[j:] = _obs_py(net, x)
            return out, n, trials
        t += -math.log(uniform(state)) / total
        while j < len(times) and times[j] < t:
            out[j] = _obs_py(net, x)
            j += 1
        if j >= len(times):
            return out, n, trials
        trials += 1
        target = uniform(state) * total
        r = int(np.searchsorted(np.cumsum(ahi), target, side="right"))
        if r >= nr or ahi[r] <= 0:
            continue
        u = uniform(state) * ahi[r]
        if u > alo[r] and u > _prop_py(net, r, x):
            continue
        n += 1
        for i in range(net.chg_ptr[r], net.chg_ptr[r + 1]):
            s = net.chg_sp[i]
            x[s] += net.chg_val[i]
            if not xlo[s] <= x[s] <= xhi[s]:
                xlo[s], xhi[s] = interval(int(x[s]))
                for k in range(net.sdep_ptr[s], net.sdep_ptr[s + 1]):
                    q = net.sdep_rx[k]
                    alo[q] = _prop_py(net, q, xlo)
                    ahi[q] = _prop_py(net, q, xhi)
