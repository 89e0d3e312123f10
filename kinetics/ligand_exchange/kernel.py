"""Numba kernels of the ligand-exchange simulation: the direct-method SSA over a population of
clusters (:func:`simulate_population`: the population held as site lists, see
:func:`index_population` and :func:`advance_population`), the plain sum-tree layout it
replaced (:func:`simulate_population_tree`, with its sum trees and per-cluster propensities;
the reference the tests compare with), plus :func:`simulate_batch`, which runs the same
experiment for many parameter sets at once (parallel threads over the parameter sets, one
call to :func:`simulate_population` each, so every parameter set gives bit for bit the
trajectory of a call on its own).

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
def simulate_population_tree(lig, partner, shell, xlinks, xpart, conc, dc_M, k_site, leave, nucleophile,
                             reagent_code, product_code, release_reagent, n_mono, n_di, nbr_site,
                             nbr_pair, pair_of, fit_native, fit_xl, fit_other, in_triple, pair_triples,
                             k_close, k_ss, k_tde, tde_nuc, rearrange, times, state, max_events,
                             t0, info):
    """Reference kernel (the plain layout): direct-method SSA of the whole population with one
    multi-field sum tree over the clusters, every event refreshing its cluster's leaf and the
    O(log N) path above it.  Same arguments, process and results (in law) as
    :func:`simulate_population`, which replaced it for speed; kept as the reference the tests
    compare that kernel with.

    Direct-method SSA of the whole population from ``t0`` up to ``times[-1]`` (s).

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


# ---------------------------------------------------------------- site-list kernel
#
# The population is held as lists of sites: one list per (exchangeable code, k_site class),
# holding the sites (cluster * 18 + site) that carry the code, plus one list of cross-linked
# ends.  The exchange propensities are then exact integer counts times rate constants, a
# site is drawn in O(1) from its list, and an event touches its own cluster's row and a few
# list slots instead of a sum-tree path over the whole population (the cost that grows once
# the population leaves the cache).  The ring-closure weight of each dangling end is kept
# next to its list entry, so the closure candidates (few: the dangling ends) are contiguous.


@njit(cache=True)
def site_classes(k_site):
    """Class of every site by its k_site value (sites with equal k_site share a class):
    returns (class (S,), k of each class (G,), sites per class (G,))."""
    n = k_site.size
    cls = np.empty(n, np.int64)
    vals = np.empty(n)
    size = np.zeros(n, np.int64)
    g_n = 0
    for s in range(n):
        g = -1
        for q in range(g_n):
            if vals[q] == k_site[s]:
                g = q
                break
        if g < 0:
            g = g_n
            vals[g] = k_site[s]
            g_n += 1
        cls[s] = g
        size[g] += 1
    return cls, vals[:g_n].copy(), size[:g_n].copy()


@njit(cache=True, inline="always")
def _push(key, site, w, lst, lw, ln, off, pos, weighted):
    """Append ``site`` to list ``key`` (with closure weight ``w`` when the list is ``weighted``:
    the dangling-end lists; the others leave ``lw`` untouched)."""
    p = ln[key]
    lst[off[key] + p] = site
    if weighted:
        lw[off[key] + p] = w
    pos[site] = p
    ln[key] = p + 1


@njit(cache=True, inline="always")
def _pop(key, site, lst, lw, ln, off, pos, weighted):
    """Remove ``site`` from list ``key`` (the last entry takes its slot); returns its closure
    weight (0 for a list that is not ``weighted``)."""
    base = off[key]
    p = pos[site]
    last = ln[key] - 1
    w = lw[base + p] if weighted else 0.0
    if p != last:
        m = lst[base + last]
        lst[base + p] = m
        if weighted:
            lw[base + p] = lw[base + last]
        pos[m] = p
    pos[site] = -1
    ln[key] = last
    return w


@njit(cache=True, inline="always")
def _level(lig, partner, i, sh, n_mono, n_di, pair_of, in_triple):
    """Bridges of cluster ``i`` off its C3 triple (:func:`extra_bridges`)."""
    n = 0
    if sh < 0:
        return 0
    for s in range(lig.shape[1]):
        c = np.int64(lig[i, s])
        if c >= n_mono + n_di and c < n_mono + 2 * n_di:
            t = np.int64(partner[i, s])
            if t > s:
                p = pair_of[s, t]
                if p < 0 or not in_triple[sh, p]:
                    n += 1
    return n


@njit(cache=True, inline="always")
def _end_closure(lig, i, s, d, sh, level, n_mono, leave, nbr_site, nbr_pair, fit_native, fit_xl,
                 fit_other, in_triple, k_close):
    """Ring-closure propensity (s^-1) of the dangling end of dithiol ``d`` at site ``s``."""
    w = 0.0
    for k in range(nbr_site.shape[1]):
        t = nbr_site[s, k]
        if t < 0:
            break
        ct = np.int64(lig[i, t])
        if ct < n_mono:
            w += k_close * pair_fit(d, nbr_pair[s, k], sh, level, fit_native, fit_xl, fit_other,
                                    in_triple) * leave[ct]
    return w


@njit(cache=True, inline="always")
def _refresh_ends(i, lig, partner, shell, cls, n_cls, lw, off, pos, n_mono, n_di, leave, nbr_site,
                  nbr_pair, pair_of, fit_native, fit_xl, fit_other, in_triple, k_close):
    """Recompute the closure weights of the dangling ends of cluster ``i``; returns the change
    of their sum."""
    S = lig.shape[1]
    sh = shell[i]
    level = _level(lig, partner, i, sh, n_mono, n_di, pair_of, in_triple)
    dw = 0.0
    for s in range(S):
        c = np.int64(lig[i, s])
        if c >= n_mono and c < n_mono + n_di:
            w = _end_closure(lig, i, s, c - n_mono, sh, level, n_mono, leave, nbr_site, nbr_pair,
                             fit_native, fit_xl, fit_other, in_triple, k_close)
            q = off[c * n_cls + cls[s]] + pos[i * S + s]
            dw += w - lw[q]
            lw[q] = w
    return dw


@njit(cache=True)
def index_population(lig, partner, shell, k_site, leave, n_mono, n_di, nbr_site, nbr_pair, pair_of,
                     fit_native, fit_xl, fit_other, in_triple, k_close):
    """The site lists of a population state (see :func:`advance_population`).

    Returns (cls, k_cls, off, lst, lw, ln, pos, xlst, dcount, acc, iacc): the site class of
    every site and the rate constant of each class; for every list key = code * G + class
    its offset ``off`` in ``lst`` (sites) and its length ``ln``; ``lw`` the closure weight of
    each dangling end, at the same offset (the dangling-end lists come first in ``lst``, so
    ``lw`` covers only them); ``pos`` (N*18) the slot of a site in its list (-1 for bridged
    sites); ``xlst`` the cross-linked ends; ``dcount`` (N) dangling ends per cluster; ``acc``
    = [total closure weight]; ``iacc`` = [cross-linked ends, sum over clusters of dcount^2].
    The lists are filled in site order, so equal states give equal lists.
    """
    N, S = lig.shape
    n_ex = n_mono + n_di
    cls, k_cls, n_in = site_classes(k_site)
    G = k_cls.size
    # regions of the lists in lst: the dangling-end lists first, so that their closure
    # weights (lw, same slots) need no room for the monothiolate lists
    off = np.zeros(n_ex * G + 1, np.int64)
    end = 0
    for c in range(n_mono, n_ex):
        for g in range(G):
            off[c * G + g] = end
            end += N * n_in[g]
    n_w = end
    for c in range(n_mono):
        for g in range(G):
            off[c * G + g] = end
            end += N * n_in[g]
    off[n_ex * G] = end
    lst = np.empty(end, np.int32)
    lw = np.empty(max(n_w, 1))
    ln = np.zeros(n_ex * G, np.int64)
    pos = -np.ones(N * S, np.int32)
    xlst = np.empty(N * S, np.int32)
    dcount = np.zeros(N, np.int32)
    acc = np.zeros(1)
    iacc = np.zeros(2, np.int64)
    for i in range(N):
        nd = 0
        for s in range(S):
            c = np.int64(lig[i, s])
            site = i * S + s
            if c < n_ex:
                _push(c * G + cls[s], site, 0.0, lst, lw, ln, off, pos, c >= n_mono)
                if c >= n_mono:
                    nd += 1
            elif c >= n_mono + 2 * n_di:
                xlst[iacc[0]] = site
                pos[site] = iacc[0]
                iacc[0] += 1
        dcount[i] = nd
        iacc[1] += nd * nd
        if nd > 0:
            acc[0] += _refresh_ends(i, lig, partner, shell, cls, G, lw, off, pos, n_mono, n_di, leave,
                                    nbr_site, nbr_pair, pair_of, fit_native, fit_xl, fit_other,
                                    in_triple, k_close)
    return cls, k_cls, off, lst, lw, ln, pos, xlst, dcount, acc, iacc


@njit(cache=True, inline="always")
def _set_dcount(i, delta, dcount, iacc):
    old = np.int64(dcount[i])
    new = old + delta
    dcount[i] = new
    iacc[1] += new * new - old * old


@njit(cache=True, inline="always")
def _dangling_at(q, ln, n_mono, n_di, G):
    """Key and slot of the q-th dangling end (counting through the dangling lists in order)."""
    for key in range(n_mono * G, (n_mono + n_di) * G):
        if q < ln[key]:
            return key, q
        q -= ln[key]
    return -1, -1


@njit(cache=True)
def advance_population(lig, partner, shell, xlinks, xpart, conc, dc_M, leave, nucleophile,
                       reagent_code, product_code, release_reagent, n_mono, n_di, nbr_site,
                       nbr_pair, pair_of, fit_native, fit_xl, fit_other, in_triple, pair_triples,
                       k_close, k_ss, k_tde, tde_nuc, rearrange, times, state, max_events, t0, info,
                       cls, k_cls, off, lst, lw, ln, pos, xlst, dcount, acc, iacc):
    """The direct-method SSA of :func:`simulate_population` on the site lists of
    :func:`index_population` (advanced in place with the state, so a run split into several
    calls with the same lists is bit for bit one call)."""
    N, S = lig.shape
    n_ex = n_mono + n_di
    n_codes = n_mono + 3 * n_di
    n_reag = conc.size
    G = k_cls.size
    n_out = times.size
    counts = np.zeros((n_out, N, n_codes), np.int8)
    links = np.zeros((n_out, N), np.int32)
    conc_out = np.zeros((n_out, n_reag))
    a_r = np.zeros(n_reag)
    T = np.zeros(n_ex)
    t = t0
    j = 0
    events = 0
    d_lo, d_hi = n_mono * G, n_ex * G          # the keys of the dangling lists
    while j < n_out:
        t_all = 0.0
        for c in range(n_ex):
            w = 0.0
            for g in range(G):
                w += k_cls[g] * ln[c * G + g]
            T[c] = w * leave[c]
            t_all += T[c]
        a_ex = 0.0
        for r in range(n_reag):
            a = nucleophile[r] * conc[r] * (t_all - T[reagent_code[r]])
            a_r[r] = a if a > 0.0 else 0.0
            a_ex += a_r[r]
        n_dang = 0
        for key in range(d_lo, d_hi):
            n_dang += ln[key]
        if n_dang == 0:
            acc[0] = 0.0                      # no rounding residue without a dangling end
        a_cl = acc[0] if acc[0] > 0.0 else 0.0
        a_x = k_ss * dc_M * 0.5 * (n_dang * n_dang - iacc[1])
        if a_x < 0.0:
            a_x = 0.0
        nuc_tde = 0.0
        for r in range(n_reag):
            nuc_tde += tde_nuc[r] * conc[r]
        a_t = k_tde * nuc_tde * 0.5 * iacc[0]
        a0 = a_ex + a_cl + a_x + a_t
        if events >= max_events:
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
        r1 = -1                          # clusters whose dangling ends need their closure weights
        r2 = -1
        if u < a_ex:
            r = 0
            acc_r = a_r[0]
            while acc_r <= u and r < n_reag - 1:
                r += 1
                acc_r += a_r[r]
            x = uniform(state) * (t_all - T[reagent_code[r]])
            c_out = -1
            for c in range(n_ex):
                if c == reagent_code[r] or T[c] <= 0.0:
                    continue
                c_out = c
                x -= T[c]
                if x < 0.0:
                    break
            x = 0.0
            for g in range(G):
                x += k_cls[g] * ln[c_out * G + g]
            x *= uniform(state)
            key = -1
            for g in range(G):
                if ln[c_out * G + g] > 0:
                    key = c_out * G + g
                    x -= k_cls[g] * ln[key]
                    if x < 0.0:
                        break
            p = min(int(uniform(state) * ln[key]), ln[key] - 1)
            site = np.int64(lst[off[key] + p])
            i = site // S
            s = site - i * S
            # the site leaves list ``key`` (its last entry takes the slot) ...
            base = off[key]
            last = ln[key] - 1
            if c_out >= n_mono:
                acc[0] -= lw[base + p]
            if p != last:
                m = lst[base + last]
                lst[base + p] = m
                if c_out >= n_mono:
                    lw[base + p] = lw[base + last]
                pos[m] = p
            ln[key] = last
            # ... and joins the list of its new code
            c_new = np.int64(product_code[r])
            lig[i, s] = c_new
            key = c_new * G + cls[s]
            q = ln[key]
            lst[off[key] + q] = site
            if c_new >= n_mono:
                lw[off[key] + q] = 0.0
            pos[site] = q
            ln[key] = q + 1
            dd = (1 if c_new >= n_mono else 0) - (1 if c_out >= n_mono else 0)
            if dd != 0:
                old_d = np.int64(dcount[i])
                dcount[i] = old_d + dd
                iacc[1] += (old_d + dd) * (old_d + dd) - old_d * old_d
            conc[r] = max(conc[r] - dc_M, 0.0)
            conc[release_reagent[c_out]] += dc_M
            r1 = i
        elif u >= a_ex + a_cl + a_x:
            # thiol-disulfide interchange: a free thiol cleaves one inter-cluster link
            x = uniform(state) * nuc_tde
            r = 0
            while r < n_reag - 1 and x >= tde_nuc[r] * conc[r]:
                x -= tde_nuc[r] * conc[r]
                r += 1
            q = min(int(uniform(state) * iacc[0]), iacc[0] - 1)     # a cross-linked end
            site = np.int64(xlst[q])
            i = site // S
            s = site - i * S
            other = np.int64(xpart[i, s])
            i2 = other // S
            s2 = other - i2 * S
            for e in range(2):
                se = site if e == 0 else other
                pe = pos[se]                      # remove from the cross-linked list
                last = iacc[0] - 1
                if pe != last:
                    m = xlst[last]
                    xlst[pe] = m
                    pos[m] = pe
                iacc[0] = last
                ie = se // S
                sx = se - ie * S
                c = np.int64(lig[ie, sx]) - 2 * n_di
                lig[ie, sx] = c
                _push(c * G + cls[sx], se, 0.0, lst, lw, ln, off, pos, True)
                _set_dcount(ie, 1, dcount, iacc)
            xpart[i, s] = -1
            xpart[i2, s2] = -1
            xlinks[i] -= 1
            xlinks[i2] -= 1
            conc[r] = max(conc[r] - dc_M, 0.0)
            r1 = i
            r2 = i2
        elif u < a_ex + a_cl:
            # ring closure: the end by its closure weight (the exact sum is taken afresh, which
            # also clears the rounding of the running total), then its partner site
            tot = 0.0
            for key in range(d_lo, d_hi):
                for q in range(off[key], off[key] + ln[key]):
                    tot += lw[q]
            acc[0] = tot
            if tot <= 0.0:
                continue
            x = uniform(state) * tot
            site = -1
            key_pick = -1
            w_end = 0.0
            for key in range(d_lo, d_hi):
                for q in range(off[key], off[key] + ln[key]):
                    if lw[q] > 0.0:
                        site = np.int64(lst[q])
                        key_pick = key
                        w_end = lw[q]
                        x -= lw[q]
                        if x < 0.0:
                            break
                if x < 0.0:
                    break
            i = site // S
            s = site - i * S
            sh = shell[i]
            level = _level(lig, partner, i, sh, n_mono, n_di, pair_of, in_triple)
            d = np.int64(lig[i, s]) - n_mono
            x = uniform(state) * w_end
            t_pick = -1
            p_pick = -1
            for k in range(nbr_site.shape[1]):
                tt = nbr_site[s, k]
                if tt < 0:
                    break
                ct = np.int64(lig[i, tt])
                if ct < n_mono:
                    p = nbr_pair[s, k]
                    t_pick = tt
                    p_pick = p
                    x -= k_close * pair_fit(d, p, sh, level, fit_native, fit_xl, fit_other,
                                            in_triple) * leave[ct]
                    if x < 0.0:
                        break
            ct = np.int64(lig[i, t_pick])
            acc[0] -= _pop(key_pick, site, lst, lw, ln, off, pos, True)
            _pop(ct * G + cls[t_pick], i * S + t_pick, lst, lw, ln, off, pos, False)
            _set_dcount(i, -1, dcount, iacc)
            conc[release_reagent[ct]] += dc_M
            lig[i, s] = n_mono + n_di + d
            lig[i, t_pick] = n_mono + n_di + d
            partner[i, s] = t_pick
            partner[i, t_pick] = s
            if rearrange and shell[i] < 0:
                n_t = 0
                for q in range(pair_triples.shape[1]):
                    if pair_triples[p_pick, q] >= 0:
                        n_t += 1
                if n_t > 0:
                    q = int(uniform(state) * n_t)
                    shell[i] = pair_triples[p_pick, min(q, n_t - 1)]
            r1 = i
        else:
            # inter-cluster disulfide: two dangling ends, uniformly, on different clusters
            while True:
                k1, q1 = _dangling_at(min(int(uniform(state) * n_dang), n_dang - 1), ln, n_mono, n_di, G)
                k2, q2 = _dangling_at(min(int(uniform(state) * n_dang), n_dang - 1), ln, n_mono, n_di, G)
                e1 = np.int64(lst[off[k1] + q1])
                e2 = np.int64(lst[off[k2] + q2])
                i = e1 // S
                i2 = e2 // S
                if i != i2:
                    break
            for e in range(2):
                se = e1 if e == 0 else e2
                ie = se // S
                sx = se - ie * S
                c = np.int64(lig[ie, sx])
                acc[0] -= _pop(c * G + cls[sx], se, lst, lw, ln, off, pos, True)
                lig[ie, sx] = c + 2 * n_di
                xlst[iacc[0]] = se
                pos[se] = iacc[0]
                iacc[0] += 1
                _set_dcount(ie, -1, dcount, iacc)
                xlinks[ie] += 1
            xpart[i, e1 - i * S] = e2
            xpart[i2, e2 - i2 * S] = e1
            r1 = i
            r2 = i2
        # closure weights of the dangling ends of the changed clusters (written out here, not
        # called: a call with this many arrays costs more than the loop itself)
        for e in range(2):
            ie = r1 if e == 0 else r2
            if ie < 0 or dcount[ie] == 0:
                continue
            sh = shell[ie]
            level = 0                    # bridges off the C3 triple (see extra_bridges)
            if sh >= 0:
                for sx in range(S):
                    c = np.int64(lig[ie, sx])
                    if c >= n_mono + n_di and c < n_mono + 2 * n_di:
                        tt = np.int64(partner[ie, sx])
                        if tt > sx:
                            p = pair_of[sx, tt]
                            if p < 0 or not in_triple[sh, p]:
                                level += 1
            for sx in range(S):
                c = np.int64(lig[ie, sx])
                if c >= n_mono and c < n_ex:
                    d = c - n_mono
                    w = 0.0
                    for k in range(nbr_site.shape[1]):
                        tt = nbr_site[sx, k]
                        if tt < 0:
                            break
                        ct = np.int64(lig[ie, tt])
                        if ct < n_mono:
                            p = nbr_pair[sx, k]
                            if sh < 0:
                                f = fit_native[d, p]
                            elif in_triple[sh, p]:
                                f = fit_xl[d]
                            else:
                                f = fit_other[d, min(level, fit_other.shape[1] - 1), p]
                            w += k_close * f * leave[ct]
                    q = off[c * G + cls[sx]] + pos[ie * S + sx]
                    acc[0] += w - lw[q]
                    lw[q] = w
        events += 1
    info[0] = t
    info[1] = j
    return counts, links, conc_out, events


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
    times not yet recorded continues the same Markov process (the waiting time is
    memoryless; bit for bit when the site lists of :func:`index_population` are kept
    between the calls, as :func:`kinetics.ligand_exchange.system.run_chunked` does).
    ``info`` receives (time reached, output times recorded).

    State (modified in place): ``lig`` (N, 18) ligand codes, ``partner`` (N, 18) bridge
    partner site or -1, ``shell`` (N,) committed C3 triple or -1, ``xlinks`` (N,)
    inter-cluster links, ``xpart`` (N, 18) other end of the link at a cross-linked site
    (cluster * 18 + site, or -1), ``conc`` free reagent concentrations (M).  ``k_tde``
    (M^-1 s^-1) with ``tde_nuc`` (per reagent) sets the interchange that cleaves links.  Codes:
    0..n_mono-1 monothiolates, then dangling, bridged and cross-linked ends of each
    dithiol.  Returns per-time code counts (T, N, n_codes), links (T, N), concentrations
    (T, n_reagents) and the number of events.

    Same process as :func:`simulate_population_tree` (the plain sum-tree layout); the
    population is held as site lists (:func:`index_population`), so an event costs O(1)
    list operations on its own cluster instead of an O(log N) tree path.
    """
    cls, k_cls, off, lst, lw, ln, pos, xlst, dcount, acc, iacc = index_population(
        lig, partner, shell, k_site, leave, n_mono, n_di, nbr_site, nbr_pair, pair_of, fit_native,
        fit_xl, fit_other, in_triple, k_close)
    return advance_population(lig, partner, shell, xlinks, xpart, conc, dc_M, leave, nucleophile,
                              reagent_code, product_code, release_reagent, n_mono, n_di, nbr_site,
                              nbr_pair, pair_of, fit_native, fit_xl, fit_other, in_triple,
                              pair_triples, k_close, k_ss, k_tde, tde_nuc, rearrange, times, state,
                              max_events, t0, info, cls, k_cls, off, lst, lw, ln, pos, xlst, dcount,
                              acc, iacc)


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
