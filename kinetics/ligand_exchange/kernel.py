"""Numba kernels of the ligand-exchange simulation: sum trees, per-cluster propensities and
the direct-method SSA over a population of clusters (:func:`simulate_population`), plus
:func:`simulate_batch`, which runs the same experiment for many parameter sets at once
(parallel threads over the parameter sets, one call to :func:`simulate_population` each,
so every parameter set gives bit for bit the trajectory of a call on its own).

Ligand codes per site: ``0..n_mono-1`` monothiolates, then the dangling, bridged and
cross-linked ends of each dithiol (``n_codes = n_mono + 3 n_di``).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.rng import exponential, uniform

N_SITES = 18
#: bridges outside the C3 triple that stretch the remaining candidate pairs are counted
#: as levels 0..N_EXTRA_LEVELS-1 (the last level stands for "this many or more")
N_EXTRA_LEVELS = 4

@njit(cache=True)
def tree_set_row(tree, size, i, values):
    """Set leaf ``i`` of a multi-field sum tree (``tree`` is (2*size, n_fields), one row per
    node, so a cluster's fields share a cache line) and refresh all fields of its parents."""
    nf = values.size
    k = size + i
    for f in range(nf):
        tree[k, f] = values[f]
    k //= 2
    while k >= 1:
        for f in range(nf):
            tree[k, f] = tree[2 * k, f] + tree[2 * k + 1, f]
        k //= 2


@njit(cache=True, inline="always")
def tree_set_fields(tree, size, i, values, fields, n_changed):
    """:func:`tree_set_row` for the fields ``fields[:n_changed]`` only (the others of leaf ``i``
    are unchanged, so their parent sums are too); same tree as :func:`tree_set_row`."""
    k = size + i
    for q in range(n_changed):
        tree[k, fields[q]] = values[fields[q]]
    k //= 2
    while k >= 1:
        for q in range(n_changed):
            f = fields[q]
            tree[k, f] = tree[2 * k, f] + tree[2 * k + 1, f]
        k //= 2


@njit(cache=True, inline="always")
def tree_find_field(tree, size, f, u):
    """Leaf whose cumulative interval of field ``f`` holds ``u * total`` (u in (0, 1));
    never a leaf whose field ``f`` is zero."""
    x = u * tree[1, f]
    k = 1
    while k < size:
        left = tree[2 * k, f]
        if left > 0.0 and (x < left or tree[2 * k + 1, f] <= 0.0):
            k = 2 * k
        else:
            x -= left
            k = 2 * k + 1
    return k - size


@njit(cache=True)
def exchange_weights(lig_row, k_site, leave, n_ex, out):
    """out[c] = sum over sites holding exchangeable code c of k_site * leave[c]."""
    for c in range(n_ex):
        out[c] = 0.0
    for s in range(lig_row.size):
        c = lig_row[s]
        if c < n_ex:
            out[c] += k_site[s] * leave[c]


@njit(cache=True, inline="always")
def extra_bridges(lig_row, partner_row, shell, n_mono, n_di, pair_of, in_triple):
    """Bridges of a rearranged cluster that are not on its C3 triple."""
    n = 0
    if shell < 0:
        return 0
    for s in range(lig_row.size):
        c = lig_row[s]
        t = partner_row[s]
        if c >= n_mono + n_di and c < n_mono + 2 * n_di and t > s:
            p = pair_of[s, t]
            if p < 0 or not in_triple[shell, p]:
                n += 1
    return n


@njit(cache=True, inline="always")
def pair_fit(d, p, shell, level, fit_native, fit_xl, fit_other, in_triple):
    """Bridge fit of dithiol d on candidate pair p for a cluster's shell state."""
    if shell < 0:
        return fit_native[d, p]
    if in_triple[shell, p]:
        return fit_xl[d]
    return fit_other[d, min(level, fit_other.shape[1] - 1), p]


@njit(cache=True, inline="always")
def closure_weight(lig_row, partner_row, shell, n_mono, n_di, leave, nbr_site, nbr_pair, pair_of,
                   fit_native, fit_xl, fit_other, in_triple, k_close):
    """Total ring-closure propensity (s^-1) of one cluster."""
    level = extra_bridges(lig_row, partner_row, shell, n_mono, n_di, pair_of, in_triple)
    w = 0.0
    for s in range(lig_row.size):
        c = lig_row[s]
        if c >= n_mono and c < n_mono + n_di:
            d = c - n_mono
            for k in range(nbr_site.shape[1]):
                t = nbr_site[s, k]
                if t < 0:
                    break
                ct = lig_row[t]
                if ct < n_mono:
                    f = pair_fit(d, nbr_pair[s, k], shell, level, fit_native, fit_xl, fit_other, in_triple)
                    w += k_close * f * leave[ct]
    return w


@njit(cache=True)
def dangling_count(lig_row, n_mono, n_di):
    n = 0
    for s in range(lig_row.size):
        if lig_row[s] >= n_mono and lig_row[s] < n_mono + n_di:
            n += 1
    return n


@njit(cache=True)
def crosslinked_count(lig_row, n_mono, n_di):
    """Cross-linked (inter-cluster disulfide) ends on one cluster."""
    n = 0
    for s in range(lig_row.size):
        if lig_row[s] >= n_mono + 2 * n_di:
            n += 1
    return n


@njit(cache=True, inline="always")
def _refresh(i, lig, partner, shell, tree, dcount, size, k_site, leave, n_mono, n_di, nbr_site,
             nbr_pair, pair_of, fit_native, fit_xl, fit_other, in_triple, k_close, vbuf, fbuf):
    """Recompute the leaf of cluster ``i`` (fields: exchange weight of each exchangeable code,
    then ring closure, dangling ends, cross-linked ends) in one pass over its sites; returns
    the change of the sum of squared dangling counts."""
    n_ex = n_mono + n_di
    for f in range(vbuf.size):
        vbuf[f] = 0.0
    n_dang = 0
    n_x = 0
    level = 0                        # bridges off the C3 triple (see extra_bridges)
    sh = shell[i]
    for s in range(lig.shape[1]):    # same sums as exchange_weights / dangling_count / crosslinked_count
        c = np.int64(lig[i, s])
        if c < n_ex:
            vbuf[c] += k_site[s] * leave[c]
            if c >= n_mono:
                n_dang += 1
        elif c >= n_mono + 2 * n_di:
            n_x += 1
        elif sh >= 0:
            t = np.int64(partner[i, s])
            if t > s:
                p = pair_of[s, t]
                if p < 0 or not in_triple[sh, p]:
                    level += 1
    if n_dang > 0:                   # ring closure (same sum as closure_weight) needs a dangling end
        w = 0.0
        for s in range(lig.shape[1]):
            c = np.int64(lig[i, s])
            if c >= n_mono and c < n_ex:
                d = c - n_mono
                for k in range(nbr_site.shape[1]):
                    t = nbr_site[s, k]
                    if t < 0:
                        break
                    ct = np.int64(lig[i, t])
                    if ct < n_mono:
                        w += k_close * pair_fit(d, nbr_pair[s, k], sh, level, fit_native, fit_xl,
                                                fit_other, in_triple) * leave[ct]
        vbuf[n_ex] = w
    vbuf[n_ex + 1] = float(n_dang)
    vbuf[n_ex + 2] = float(n_x)
    n_changed = 0                    # walk the tree only for the fields that changed
    for f in range(vbuf.size):
        if tree[size + i, f] != vbuf[f]:
            fbuf[n_changed] = f
            n_changed += 1
    if n_changed > 0:
        tree_set_fields(tree, size, i, vbuf, fbuf, n_changed)
    old = dcount[i]
    dcount[i] = n_dang
    return n_dang * n_dang - old * old


@njit(cache=True)
def simulate_population(lig, partner, shell, xlinks, xpart, conc, dc_M, k_site, leave, nucleophile,
                        reagent_code, product_code, release_reagent, n_mono, n_di, nbr_site,
                        nbr_pair, pair_of, fit_native, fit_xl, fit_other, in_triple, pair_triples,
                        k_close, k_ss, k_tde, tde_nuc, rearrange, times, state, max_events,
                        t0, info):
    """Direct-method SSA of the whole population from ``t0`` up to ``times[-1]`` (s).

    The run can be continued: the state arrays and the random ``state`` are advanced in
    place; after ``max_events`` events it stops at the time of the last event, before
    drawing the next waiting time, so a second call from ``t0 = info[0]`` with the output
    times not yet recorded continues the same Markov process exactly (the waiting time is
    memoryless).  ``info`` receives (time reached, output times recorded).

    State (modified in place): ``lig`` (N, 18) ligand codes, ``partner`` (N, 18) bridge
    partner site or -1, ``shell`` (N,) committed C3 triple or -1, ``xlinks`` (N,)
    inter-cluster links, ``xpart`` (N, 18) other end of the link at a cross-linked site
    (cluster * 18 + site, or -1), ``conc`` free reagent concentrations (M).  ``k_tde``
    (M^-1 s^-1) with ``tde_nuc`` (per reagent) sets the interchange that cleaves links.  Codes:
    0..n_mono-1 monothiolates, then dangling, bridged and cross-linked ends of each
    dithiol.  Returns per-time code counts (T, N, n_codes), links (T, N), concentrations
    (T, n_reagents) and the number of events.
    """
    N, S = lig.shape
    n_ex = n_mono + n_di
    n_codes = n_mono + 3 * n_di
    n_reag = conc.size
    size = 1
    while size < N:
        size *= 2
    fB, fD, fX = n_ex, n_ex + 1, n_ex + 2    # fields of the sum tree after the exchange weights
    tree = np.zeros((2 * size, n_ex + 3))
    dcount = np.zeros(N, np.int64)
    wbuf = np.zeros(n_ex + 3)
    fbuf = np.zeros(n_ex + 3, np.int64)
    sumsq = 0
    for i in range(N):
        sumsq += _refresh(i, lig, partner, shell, tree, dcount, size, k_site, leave, n_mono, n_di,
                          nbr_site, nbr_pair, pair_of, fit_native, fit_xl, fit_other, in_triple, k_close, wbuf, fbuf)
    n_out = times.size
    counts = np.zeros((n_out, N, n_codes), np.int8)
    links = np.zeros((n_out, N), np.int32)
    conc_out = np.zeros((n_out, n_reag))
    a_r = np.zeros(n_reag)
    T = np.zeros(n_ex)
    t = t0
    j = 0
    events = 0
    while j < n_out:
        t_all = 0.0
        for c in range(n_ex):
            T[c] = tree[1, c]
            t_all += T[c]
        a_ex = 0.0
        for r in range(n_reag):
            a = nucleophile[r] * conc[r] * (t_all - T[reagent_code[r]])
            a_r[r] = a if a > 0.0 else 0.0
            a_ex += a_r[r]
        a_cl = tree[1, fB]
        dt_ = tree[1, fD]
        a_x = k_ss * dc_M * 0.5 * (dt_ * dt_ - sumsq)
        if a_x < 0.0:
            a_x = 0.0
        nuc_tde = 0.0
        for r in range(n_reag):
            nuc_tde += tde_nuc[r] * conc[r]
        a_t = k_tde * nuc_tde * 0.5 * tree[1, fX]
        a0 = a_ex + a_cl + a_x + a_t
        if events >= max_events:
            # stop at the last event (time t), before drawing the next waiting time: no output
            # beyond t is recorded, and a run continued from t is the same Markov process
            break
        t_next = t + exponential(state) / a0 if a0 > 0.0 else np.inf
        while j < n_out and times[j] < t_next:
            for i in range(N):
                for s in range(S):
                    counts[j, i, lig[i, s]] += 1
                links[j, i] = xlinks[i]
            conc_out[j, :] = conc
            j += 1
        if j >= n_out:
            break
        t = t_next
        u = uniform(state) * a0
        i2 = -1
        if u < a_ex:
            r = 0
            acc = a_r[0]
            while acc <= u and r < n_reag - 1:
                r += 1
                acc += a_r[r]
            x = uniform(state) * (t_all - T[reagent_code[r]])
            c_out = -1
            for c in range(n_ex):
                if c == reagent_code[r] or T[c] <= 0.0:
                    continue
                c_out = c
                x -= T[c]
                if x < 0.0:
                    break
            i = tree_find_field(tree, size, c_out, uniform(state))
            wsum = 0.0
            for s in range(S):
                if lig[i, s] == c_out:
                    wsum += k_site[s]
            x = uniform(state) * wsum
            site = -1
            for s in range(S):
                if lig[i, s] == c_out:
                    site = s
                    x -= k_site[s]
                    if x < 0.0:
                        break
            lig[i, site] = product_code[r]
            conc[r] = max(conc[r] - dc_M, 0.0)
            conc[release_reagent[c_out]] += dc_M
        elif u >= a_ex + a_cl + a_x:
            # thiol-disulfide interchange: a free thiol cleaves one inter-cluster link
            x = uniform(state) * nuc_tde
            r = 0
            while r < n_reag - 1 and x >= tde_nuc[r] * conc[r]:
                x -= tde_nuc[r] * conc[r]
                r += 1
            i = tree_find_field(tree, size, fX, uniform(state))
            k = int(uniform(state) * tree[size + i, fX])
            site = -1
            for s in range(S):
                if lig[i, s] >= n_mono + 2 * n_di:
                    site = s
                    if k == 0:
                        break
                    k -= 1
            other = xpart[i, site]
            i2 = other // S
            s2 = other - i2 * S
            lig[i, site] -= 2 * n_di
            lig[i2, s2] -= 2 * n_di
            xpart[i, site] = -1
            xpart[i2, s2] = -1
            xlinks[i] -= 1
            xlinks[i2] -= 1
            conc[r] = max(conc[r] - dc_M, 0.0)
        elif u < a_ex + a_cl:
            i = tree_find_field(tree, size, fB, uniform(state))
            x = uniform(state) * tree[size + i, fB]
            level = extra_bridges(lig[i], partner[i], shell[i], n_mono, n_di, pair_of, in_triple)
            s_pick = -1
            t_pick = -1
            p_pick = -1
            for s in range(S):
                c = lig[i, s]
                if c >= n_mono and c < n_mono + n_di:
                    d = c - n_mono
                    for k in range(nbr_site.shape[1]):
                        tt = nbr_site[s, k]
                        if tt < 0:
                            break
                        ct = lig[i, tt]
                        if ct < n_mono:
                            p = nbr_pair[s, k]
                            f = pair_fit(d, p, shell[i], level, fit_native, fit_xl, fit_other, in_triple)
                            s_pick = s
                            t_pick = tt
                            p_pick = p
                            x -= k_close * f * leave[ct]
                            if x < 0.0:
                                break
                    if x < 0.0:
                        break
            d = lig[i, s_pick] - n_mono
            conc[release_reagent[lig[i, t_pick]]] += dc_M
            lig[i, s_pick] = n_mono + n_di + d
            lig[i, t_pick] = n_mono + n_di + d
            partner[i, s_pick] = t_pick
            partner[i, t_pick] = s_pick
            if rearrange and shell[i] < 0:
                n_t = 0
                for q in range(pair_triples.shape[1]):
                    if pair_triples[p_pick, q] >= 0:
                        n_t += 1
                if n_t > 0:
                    q = int(uniform(state) * n_t)
                    shell[i] = pair_triples[p_pick, min(q, n_t - 1)]
        else:
            while True:
                i = tree_find_field(tree, size, fD, uniform(state))
                i2 = tree_find_field(tree, size, fD, uniform(state))
                if i != i2:
                    break
            ends = np.zeros(2, np.int64)
            for e in range(2):
                cl = i if e == 0 else i2
                k = int(uniform(state) * dcount[cl])
                for s in range(S):
                    c = lig[cl, s]
                    if c >= n_mono and c < n_mono + n_di:
                        if k == 0:
                            lig[cl, s] = c + 2 * n_di
                            ends[e] = cl * S + s
                            break
                        k -= 1
                xlinks[cl] += 1
            xpart[i, ends[0] - i * S] = ends[1]
            xpart[i2, ends[1] - i2 * S] = ends[0]
        sumsq += _refresh(i, lig, partner, shell, tree, dcount, size, k_site, leave, n_mono, n_di,
                          nbr_site, nbr_pair, pair_of, fit_native, fit_xl, fit_other, in_triple, k_close, wbuf, fbuf)
        if i2 >= 0:
            sumsq += _refresh(i2, lig, partner, shell, tree, dcount, size, k_site, leave, n_mono,
                              n_di, nbr_site, nbr_pair, pair_of, fit_native, fit_xl, fit_other, in_triple,
                              k_close, wbuf, fbuf)
        events += 1
    info[0] = t
    info[1] = j
    return counts, links, conc_out, events


@njit(cache=True, parallel=True)
def simulate_batch(lig0, partner0, shell0, conc0, dc_M, k_site, leave, nucleophile, reagent_code,
                   product_code, release_reagent, n_mono, n_di, nbr_site, nbr_pair, pair_of,
                   fit_native, fit_xl, fit_other, in_triple, pair_triples, k_close, k_ss, k_tde,
                   tde_nuc, rearrange, times, state0, max_events):
    """:func:`simulate_population` for ``B`` parameter sets of one experiment (parallel threads).

    Per parameter set (leading axis ``B``): ``conc0`` (B, R), ``dc_M`` (B,), ``k_site``
    (B, 18), ``leave`` (B, codes), ``nucleophile`` and ``tde_nuc`` (B, R), ``fit_native``
    (B, n_di, n_cand), ``fit_xl`` (B, n_di), ``fit_other`` (B, n_di, levels, n_cand),
    ``k_close``, ``k_ss``, ``k_tde`` (B,).  Shared: the initial population (``lig0``,
    ``partner0`` (N, 18), ``shell0`` (N,)), the site/pair tables, ``times`` and the random
    state ``state0`` (every parameter set starts from the same stream: common random
    numbers).  Returns counts (B, T, N, codes), links (B, T, N), concentrations (B, T, R)
    and events (B,).
    """
    B = k_site.shape[0]
    N = lig0.shape[0]
    n_codes = n_mono + 3 * n_di
    T = times.size
    R = conc0.shape[1]
    counts = np.zeros((B, T, N, n_codes), np.int8)
    links = np.zeros((B, T, N), np.int32)
    conc_out = np.zeros((B, T, R))
    events = np.zeros(B, np.int64)
    for b in prange(B):
        lig = lig0.copy()
        partner = partner0.copy()
        shell = shell0.copy()
        xl = np.zeros(N, np.int64)
        xpart = -np.ones((N, N_SITES), np.int64)
        conc = conc0[b].copy()
        state = state0.copy()
        c, lk, co, ev = simulate_population(
            lig, partner, shell, xl, xpart, conc, dc_M[b], k_site[b], leave[b], nucleophile[b],
            reagent_code, product_code, release_reagent, n_mono, n_di, nbr_site, nbr_pair, pair_of,
            fit_native[b], fit_xl[b], fit_other[b], in_triple, pair_triples, k_close[b], k_ss[b],
            k_tde[b], tde_nuc[b], rearrange, times, state, max_events, 0.0, np.zeros(2))
        counts[b] = c
        links[b] = lk
        conc_out[b] = co
        events[b] = ev
    return counts, links, conc_out, events
