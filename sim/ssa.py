"""Exact stochastic simulation (Gillespie SSA) of mass-action reaction networks.

Three exact methods over a :class:`sim.network.CompiledNetwork`:

``direct``  Gillespie's direct method (Gillespie, J. Phys. Chem. 81 (1977) 2340)
            with a reaction dependency graph: after reaction r fires only the
            propensities of reactions whose reactants r changed are recomputed,
            and the total propensity is kept as a running sum (recomputed in full
            every 65 536 events or when it falls by 10⁶, against round-off).  The
            reaction is found by a linear search: fastest for small networks.

``rssa``    The rejection-based SSA (Thanh, Priami & Zunino, J. Chem. Phys. 141
            (2014) 134116).  Each species carries a fluctuation interval
            [x_lo, x_hi]: x ± max(4, 10 % of x) (the choice of Catalyst's
            JumpProcesses RSSA) with x_lo >= 1, and [0, 0] for a species at zero, so
            a reaction needing an absent species has upper bound 0 and is never a
            candidate.  Each reaction carries propensity bounds a_lo <= a <= a_hi
            evaluated on the intervals.  Candidates are drawn in proportion to a_hi
            from a binary sum tree (O(log R) per draw, no round-off drift because
            every node is re-summed from its children) and accepted with
            probability a / a_hi, decided by the cheap test u·a_hi <= a_lo most of
            the time; every trial advances time by an Exp(Σ a_hi) waiting time.
            Bounds are recomputed only when a species leaves its interval.

``rssacr``  RSSA with composition–rejection selection (RSSA-CR: Thanh, Zunino &
            Priami, J. Chem. Phys. 142 (2015) 244106; the composition–rejection
            scheme of Slepoy, Thompson & Plimpton, J. Chem. Phys. 128 (2008)
            205101).  Reactions are grouped by their upper bound: group g holds
            a_hi in [2^(e-1), 2^e), e = g + e_base, 128 groups from 2^40 above the
            largest initial bound downwards.  A group is chosen in proportion to
            its sum (a short linear scan from the largest bounds down), a member
            uniformly and accepted with probability a_hi / 2^e (>= 1/2); the
            uniform number of that test, scaled, is also the RSSA test against
            a_lo and a.  Moving a reaction between groups is O(1), so a species
            feeding thousands of reactions costs O(fan-out) when it leaves its
            interval, with no log R factor.  Bounds beyond the two end groups go to
            open-ended groups searched linearly (exact, slow, not expected in
            practice).  Group sums are running sums, recomputed from the members
            after every R + 65 536 changes.  This is the method for large
            networks (benchmarks/RESULTS.md).

Propensities follow BioNetGen's ``.net`` convention: ``a = c Π_s x_s(x_s-1)…(x_s-m_s+1)``
with the statistical factors already inside ``c`` (see :mod:`sim.network`).

Ensembles run in parallel threads (``numba.prange``), one :mod:`sim.rng` xoshiro256**
stream per trajectory, so a given seed yields the same trajectories whatever the
thread count.  The output is the value of every observable at each requested time
(the state just before the first event after that time).  The kernels take plain
arrays of fixed types, so they are compiled once (and cached on disk) for every
network; the three ensemble drivers are separate functions so a run compiles only
the method it uses.

:func:`direct_reference`, :func:`rssa_reference` and :func:`rssacr_reference` are
plain-Python versions of the kernels that draw the same random numbers in the same
order; tests compare them event for event.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sim.rng import exponential, stream_states, uniform

__all__ = ["METHODS", "auto_method", "simulate", "EnsembleResult", "direct_reference", "rssa_reference",
           "rssacr_reference", "propensity", "bounds"]

METHODS = ("direct", "rssa", "rssacr")
_RECOMPUTE_EVERY = 65536
_FRACTION = 0.1     # RSSA fluctuation interval: x ± max(_MIN_HALF_WIDTH, _FRACTION·x)
_MIN_HALF_WIDTH = 4
# method = "auto": below this many reactions rssa and rssacr cost the same per event
# (multistate, multisite2, egfr_net), above it rssacr is ~2x faster (BCR, fceri_gamma2;
# benchmarks/RESULTS.md); the direct method was slower than rssa on all five networks
AUTO_CR_MIN_REACTIONS = 10_000
_G = 128            # RSSA-CR: number of propensity groups (powers of two)
_G_HEADROOM = 40    # the highest regular group lies 2^40 above the largest initial bound


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
    """The RSSA fluctuation interval [lo, hi] around a count x: [0, 0] at zero, so a
    reaction that needs an absent species has upper bound 0 and is never a candidate;
    otherwise x ± max(4, 10 % of x) with lo >= 1, so reaching zero leaves the interval."""
    if x <= 0:
        return 0, 0
    half = int(_FRACTION * x)
    if half < _MIN_HALF_WIDTH:
        half = _MIN_HALF_WIDTH
    lo = x - half
    if lo < 1:
        lo = 1
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


@njit(cache=True, inline="always")
def _halt(n_events, n_steps, ctl, counts, out, j):
    """Stop a trajectory at the event budget ctl[0] (or 8 ctl[0] RSSA trials) or when
    ctl[1] is set (an interrupt, polled every 16 384 steps).  The output rows not yet
    reached become NaN and counts[3] says why (1: budget, 2: interrupted)."""
    why = 0
    if n_events >= ctl[0] or n_steps >= 8 * ctl[0]:
        why = 1
    elif (n_steps & 16383) == 0 and ctl[1] != 0:
        why = 2
    if why == 0:
        return False
    counts[3] = why
    for k in range(j, out.shape[0]):
        for o in range(out.shape[1]):
            out[k, o] = np.nan
    return True


# ----------------------------------------------------------------------------- direct method

@njit(cache=True)
def direct_trajectory(x, state, times, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_sp,
                      chg_val, dep_ptr, dep_rx, obs_ptr, obs_sp, obs_w, out, counts, ctl):
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
        if _halt(n_events, n_events, ctl, counts, out, j):
            break
        if (n_events & (_RECOMPUTE_EVERY - 1)) == 0 or a0 < 1e-6 * a0_ref:
            a0 = 0.0
            for q in range(nr):
                a0 += a[q]
            a0_ref = a0
    counts[0] = n_events
    counts[1] = n_events
    return n_events


# ----------------------------------------------------------------------------- RSSA

@njit(cache=True)
def rssa_trajectory(x, state, times, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_sp,
                    chg_val, sdep_ptr, sdep_rx, obs_ptr, obs_sp, obs_w, out, counts, ctl):
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
        if _halt(n_events, n_trials, ctl, counts, out, j):
            break
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
                    q = sdep_rx[k]     # written out: a helper call costs reference counting
                    alo[q] = propensity(q, xlo, rates, rct_ptr, rct_sp, rct_mult)
                    hi = propensity(q, xhi, rates, rct_ptr, rct_sp, rct_mult)
                    ahi[q] = hi
                    node = leaf0 + q
                    tree[node] = hi
                    node >>= 1
                    while node >= 1:
                        tree[node] = tree[2 * node] + tree[2 * node + 1]
                        node >>= 1
    counts[0] = n_events
    counts[1] = n_trials
    counts[2] = n_updates
    return n_events


# ----------------------------------------------------------------------------- RSSA-CR

@njit(cache=True, inline="always")
def _group_of(v, ebase):
    """Group of an upper bound v > 0: v in [2^(e-1), 2^e) goes to group e - ebase,
    clipped to the two linear-search groups 0 and _G - 1 at the ends."""
    e = math.frexp(v)[1]
    g = e - ebase
    if g < 0:
        return 0
    if g > _G - 1:
        return _G - 1
    return g


@njit(cache=True)
def _cr_compact(pool, gstart, gcap, gn, meta):
    tmp = pool.copy()
    pos = 0
    for g in range(_G):
        cap = 2 * gn[g]
        if cap < 8:
            cap = 8
        for i in range(gn[g]):
            pool[pos + i] = tmp[gstart[g] + i]
        gstart[g] = pos
        gcap[g] = cap
        pos += cap
    meta[0] = pos


@njit(cache=True)
def _cr_grow(g, pool, gstart, gcap, gn, meta):
    """Make room for one more member of group g (a new block at the pool's end; the
    pool is compacted when it is full).  The hot loop never calls this with a full
    pool after compaction: 4 R + 16 G slots always suffice (see _cr_compact)."""
    newcap = 2 * gcap[g] if gcap[g] > 0 else 8
    if meta[0] + newcap > pool.size:
        _cr_compact(pool, gstart, gcap, gn, meta)
    if gn[g] == gcap[g]:
        new = meta[0]
        for i in range(gn[g]):
            pool[new + i] = pool[gstart[g] + i]
        gstart[g] = new
        gcap[g] = newcap
        meta[0] = new + newcap


@njit(cache=True)
def _cr_resum(ahi, gsum, pool, gstart, gn):
    total = 0.0
    for g in range(_G):
        acc = 0.0
        for i in range(gn[g]):
            acc += ahi[pool[gstart[g] + i]]
        gsum[g] = acc
        total += acc
    return total


@njit(cache=True)
def rssacr_trajectory(x, state, times, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_sp,
                      chg_val, sdep_ptr, sdep_rx, obs_ptr, obs_sp, obs_w, out, counts, ctl):
    """One RSSA-CR trajectory (see the module text).  ``counts`` gets [events, trials,
    bound updates]; returns the number of events."""
    nr = rates.size
    ns = x.size
    nt = times.size
    xlo = np.empty(ns, dtype=np.int64)
    xhi = np.empty(ns, dtype=np.int64)
    for s in range(ns):
        lo, hi = bounds(x[s])
        xlo[s] = lo
        xhi[s] = hi
    alo = np.empty(nr)
    ahi = np.zeros(nr)
    emax = -100000
    for r in range(nr):
        alo[r] = propensity(r, xlo, rates, rct_ptr, rct_sp, rct_mult)
        hi = propensity(r, xhi, rates, rct_ptr, rct_sp, rct_mult)
        if hi > 0.0:
            e = math.frexp(hi)[1]
            if e > emax:
                emax = e
    if emax == -100000:
        emax = 0
    ebase = emax + _G_HEADROOM - (_G - 2)
    upper = np.empty(_G)
    for g in range(_G):
        upper[g] = math.ldexp(1.0, ebase + g)
    pool = np.empty(4 * nr + 16 * _G, dtype=np.int64)
    gstart = np.zeros(_G, dtype=np.int64)
    gcap = np.zeros(_G, dtype=np.int64)
    gn = np.zeros(_G, dtype=np.int64)
    gsum = np.zeros(_G)
    gpos = np.zeros(nr, dtype=np.int64)
    grp = np.full(nr, -1, dtype=np.int64)
    meta = np.zeros(1, dtype=np.int64)   # end of the used part of the pool
    ghi = -1                             # highest and lowest group used so far
    glo = _G
    for r in range(nr):
        hi = propensity(r, xhi, rates, rct_ptr, rct_sp, rct_mult)
        if hi > 0.0:
            g = _group_of(hi, ebase)
            if gn[g] == gcap[g]:
                _cr_grow(g, pool, gstart, gcap, gn, meta)
            pool[gstart[g] + gn[g]] = r
            gpos[r] = gn[g]
            gn[g] += 1
            grp[r] = g
            ahi[r] = hi
            if g > ghi:
                ghi = g
            if g < glo:
                glo = g
    total = _cr_resum(ahi, gsum, pool, gstart, gn)
    total_ref = total
    since = 0
    resum_every = nr + _RECOMPUTE_EVERY
    t = 0.0
    j = 0
    n_events = 0
    n_trials = 0
    n_updates = 0
    while True:
        if since >= resum_every or total < 1e-6 * total_ref:
            total = _cr_resum(ahi, gsum, pool, gstart, gn)
            total_ref = total
            since = 0
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
        if _halt(n_events, n_trials, ctl, counts, out, j):
            break
        # composition: a group in proportion to its sum, largest bounds first
        target = uniform(state) * total
        g = ghi
        acc = 0.0
        while g >= glo:
            acc += gsum[g]
            if acc > target:
                break
            g -= 1
        if g < glo or gn[g] == 0:   # round-off past the last group: a null trial
            continue
        base = gstart[g]
        n = gn[g]
        if g == 0 or g == _G - 1:       # the open-ended groups: exact linear search
            tg = uniform(state) * gsum[g]
            acc = 0.0
            i = 0
            while i < n - 1:
                acc += ahi[pool[base + i]]
                if acc > tg:
                    break
                i += 1
            r = pool[base + i]
            v = uniform(state) * ahi[r]
        else:                            # rejection inside the group: bound 2^(ebase+g)
            cap = upper[g]
            while True:
                r = pool[base + int(uniform(state) * n)]
                v = uniform(state) * cap
                if v < ahi[r]:
                    break
        # rejection against the true propensity: v is uniform on [0, ahi[r])
        if v > alo[r]:
            if v > propensity(r, x, rates, rct_ptr, rct_sp, rct_mult):
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
                    # written out here, not in a helper: a call passing a dozen arrays
                    # costs more in reference counting than the work itself
                    q = sdep_rx[k]
                    alo[q] = propensity(q, xlo, rates, rct_ptr, rct_sp, rct_mult)
                    hi = propensity(q, xhi, rates, rct_ptr, rct_sp, rct_mult)
                    old = ahi[q]
                    g_old = grp[q]
                    g_new = _group_of(hi, ebase) if hi > 0.0 else -1
                    if g_old == g_new:
                        if g_old >= 0:
                            gsum[g_old] += hi - old
                    else:
                        if g_old >= 0:
                            p = gpos[q]
                            last = gn[g_old] - 1
                            b = gstart[g_old]
                            w = pool[b + last]
                            pool[b + p] = w
                            gpos[w] = p
                            gn[g_old] = last
                            grp[q] = -1
                            gsum[g_old] = gsum[g_old] - old if last > 0 else 0.0
                        if g_new >= 0:
                            if gn[g_new] == gcap[g_new]:
                                _cr_grow(g_new, pool, gstart, gcap, gn, meta)
                            pool[gstart[g_new] + gn[g_new]] = q
                            gpos[q] = gn[g_new]
                            gn[g_new] += 1
                            grp[q] = g_new
                            gsum[g_new] += hi
                            if g_new > ghi:
                                ghi = g_new
                            if g_new < glo:
                                glo = g_new
                    ahi[q] = hi
                    total += hi - old
                    since += 1
    counts[0] = n_events
    counts[1] = n_trials
    counts[2] = n_updates
    return n_events


# ----------------------------------------------------------------------------- ensembles

@njit(cache=True, parallel=True, nogil=True)
def _ensemble_direct(states, x0, times, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_sp,
                     chg_val, dep_ptr, dep_rx, obs_ptr, obs_sp, obs_w, out, counts, final, ctl):
    for i in prange(states.shape[0]):
        st = states[i].copy()
        x = x0.copy()
        direct_trajectory(x, st, times, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_sp,
                          chg_val, dep_ptr, dep_rx, obs_ptr, obs_sp, obs_w, out[i], counts[i],
                          ctl)
        final[i, :] = x


@njit(cache=True, parallel=True, nogil=True)
def _ensemble_rssa(states, x0, times, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_sp,
                   chg_val, sdep_ptr, sdep_rx, obs_ptr, obs_sp, obs_w, out, counts, final, ctl):
    for i in prange(states.shape[0]):
        st = states[i].copy()
        x = x0.copy()
        rssa_trajectory(x, st, times, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_sp,
                        chg_val, sdep_ptr, sdep_rx, obs_ptr, obs_sp, obs_w, out[i], counts[i],
                        ctl)
        final[i, :] = x


@njit(cache=True, parallel=True, nogil=True)
def _ensemble_rssacr(states, x0, times, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_sp,
                     chg_val, sdep_ptr, sdep_rx, obs_ptr, obs_sp, obs_w, out, counts, final, ctl):
    for i in prange(states.shape[0]):
        st = states[i].copy()
        x = x0.copy()
        rssacr_trajectory(x, st, times, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_sp,
                          chg_val, sdep_ptr, sdep_rx, obs_ptr, obs_sp, obs_w, out[i], counts[i],
                        ctl)
        final[i, :] = x


def auto_method(n_reactions: int) -> str:
    """The method ``method = "auto"`` runs for a network of ``n_reactions`` reactions."""
    return "rssacr" if n_reactions >= AUTO_CR_MIN_REACTIONS else "rssa"


class EnsembleResult:
    """Observables ``values[trajectory, time, observable]`` and event counts.

    ``stopped[i]`` is 0 for a trajectory that reached the last output time, 1 when it
    hit the event budget (its remaining output rows are NaN)."""

    def __init__(self, times, values, counts, final, method, seed):
        self.times = times
        self.values = values
        self.events = counts[:, 0].copy()
        self.trials = counts[:, 1].copy()
        self.bound_updates = counts[:, 2].copy()
        self.stopped = counts[:, 3].copy()
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


# default event budget per trajectory: ~2 minutes at 100 ns per event
DEFAULT_MAX_EVENTS = 10**9


def simulate(compiled, times, n_trajectories: int = 1, seed: int = 0, method: str = "direct",
             x0=None, states=None, max_events: int = DEFAULT_MAX_EVENTS) -> EnsembleResult:
    """Run ``n_trajectories`` independent trajectories of ``compiled`` (a
    :class:`sim.network.CompiledNetwork`), recording its observables at ``times``
    (non-decreasing, >= 0).  ``method`` is one of :data:`METHODS`.

    A trajectory stops after ``max_events`` events (``stopped`` = 1, output rows
    after that NaN).  Ctrl-C (KeyboardInterrupt) stops all trajectories within a few
    milliseconds of kernel time and is raised again here."""
    import threading

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    times = np.ascontiguousarray(times, dtype=np.float64)
    if times.ndim != 1 or times.size == 0 or np.any(np.diff(times) < 0) or times[0] < 0:
        raise ValueError("times must be a non-empty, non-decreasing 1-D array of values >= 0")
    if n_trajectories < 1:
        raise ValueError("n_trajectories must be >= 1")
    if max_events < 1:
        raise ValueError("max_events must be >= 1")
    if states is None:
        states = stream_states(seed, n_trajectories)
    x0 = compiled.x0 if x0 is None else np.ascontiguousarray(x0, dtype=np.int64)
    n_obs = compiled.obs_ptr.size - 1
    out = np.zeros((n_trajectories, times.size, n_obs))
    counts = np.zeros((n_trajectories, 4), dtype=np.int64)
    final = np.zeros((n_trajectories, compiled.n_species), dtype=np.int64)
    ctl = np.array([min(int(max_events), 2**62 // 8), 0], dtype=np.int64)
    c = compiled
    head = (states, x0, times, c.rates, c.rct_ptr, c.rct_sp, c.rct_mult, c.chg_ptr, c.chg_sp,
            c.chg_val)
    tail = (c.obs_ptr, c.obs_sp, c.obs_w, out, counts, final, ctl)
    if method == "direct":
        args, fn = (*head, c.dep_ptr, c.dep_rx, *tail), _ensemble_direct
    elif method == "rssa":
        args, fn = (*head, c.sdep_ptr, c.sdep_rx, *tail), _ensemble_rssa
    else:
        args, fn = (*head, c.sdep_ptr, c.sdep_rx, *tail), _ensemble_rssacr
    if threading.current_thread() is not threading.main_thread():
        fn(*args)
    else:
        # the kernel runs without the GIL in a worker thread (with the caller's numba
        # thread count), so the main thread can take Ctrl-C and tell the kernel (ctl[1])
        # to stop
        from sim.interrupt import kernel_thread
        err = []

        def work():
            try:
                fn(*args)
            except BaseException as exc:  # noqa: BLE001  re-raised in the caller
                err.append(exc)

        th = kernel_thread(work)
        th.start()
        try:
            while th.is_alive():
                th.join(0.05)
        except KeyboardInterrupt:
            ctl[1] = 1
            th.join()
            raise
        if err:
            raise err[0]
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
        if v <= 0:
            return 0, 0
        half = max(_MIN_HALF_WIDTH, int(_FRACTION * v))
        return max(v - half, 1), v + half

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


def rssacr_reference(net, times, state, x0=None):
    """Plain-Python RSSA-CR: same groups (members kept in the kernel's order: appended,
    removed by moving the last member into the gap), same group sums and re-summing
    schedule, same random numbers.  Returns (observables[time, obs], events, trials)."""
    x = np.array(net.x0 if x0 is None else x0, dtype=np.int64)
    nr = net.n_reactions

    def interval(v):
        if v <= 0:
            return 0, 0
        half = max(_MIN_HALF_WIDTH, int(_FRACTION * v))
        return max(v - half, 1), v + half

    def group_of(v):
        return min(max(math.frexp(v)[1] - ebase, 0), _G - 1)

    lo_hi = [interval(int(v)) for v in x]
    xlo = np.array([p[0] for p in lo_hi], dtype=np.int64)
    xhi = np.array([p[1] for p in lo_hi], dtype=np.int64)
    alo = [_prop_py(net, r, xlo) for r in range(nr)]
    ahi = [0.0] * nr
    his = [_prop_py(net, r, xhi) for r in range(nr)]
    emax = max((math.frexp(h)[1] for h in his if h > 0), default=0)
    ebase = emax + _G_HEADROOM - (_G - 2)
    members = [[] for _ in range(_G)]
    grp = [-1] * nr
    gsum = [0.0] * _G
    ghi, glo = -1, _G
    for r, h in enumerate(his):
        if h > 0:
            g = group_of(h)
            grp[r] = g
            members[g].append(r)
            ahi[r] = h
            ghi, glo = max(ghi, g), min(glo, g)

    def resum():
        tot = 0.0
        for g in range(_G):
            acc = 0.0
            for r in members[g]:
                acc += ahi[r]
            gsum[g] = acc
            tot += acc
        return tot

    total = resum()
    total_ref, since, resum_every = total, 0, nr + _RECOMPUTE_EVERY
    out = np.zeros((len(times), net.obs_ptr.size - 1))
    t, j, n, trials = 0.0, 0, 0, 0
    while True:
        if since >= resum_every or total < 1e-6 * total_ref:
            total = resum()
            total_ref, since = total, 0
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
        g, acc = ghi, 0.0
        while g >= glo:
            acc += gsum[g]
            if acc > target:
                break
            g -= 1
        if g < glo or not members[g]:
            continue
        mem = members[g]
        if g == 0 or g == _G - 1:
            tg, acc, i = uniform(state) * gsum[g], 0.0, 0
            while i < len(mem) - 1:
                acc += ahi[mem[i]]
                if acc > tg:
                    break
                i += 1
            r = mem[i]
            v = uniform(state) * ahi[r]
        else:
            cap = math.ldexp(1.0, ebase + g)
            while True:
                r = mem[int(uniform(state) * len(mem))]
                v = uniform(state) * cap
                if v < ahi[r]:
                    break
        if v > alo[r] and v > _prop_py(net, r, x):
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
                    hi = _prop_py(net, q, xhi)
                    old, g_old = ahi[q], grp[q]
                    g_new = group_of(hi) if hi > 0 else -1
                    if g_old == g_new:
                        if g_old >= 0:
                            gsum[g_old] += hi - old
                    else:
                        if g_old >= 0:
                            m = members[g_old]
                            p = m.index(q)
                            m[p] = m[-1]
                            m.pop()
                            gsum[g_old] = gsum[g_old] - old if m else 0.0
                        if g_new >= 0:
                            members[g_new].append(q)
                            gsum[g_new] += hi
                            ghi, glo = max(ghi, g_new), min(glo, g_new)
                        grp[q] = g_new
                    ahi[q] = hi
                    total += hi - old
                    since += 1
