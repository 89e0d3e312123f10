"""The site-list ligand-exchange kernel against the plain sum-tree reference kernel: the same
process in law (it draws its random numbers differently), its lists consistent with the state
after a run, and a run split into chunks bit for bit one call."""
import json
from pathlib import Path

import numpy as np
import pytest

import kinetics.ligand_exchange as le
from kinetics.ligand_exchange import kernel as K
from kinetics.ligand_exchange import system as S
from sim.config import replace
from sim.rng import stream_states

PRE_PORT = le.PARAMETERS.values(
    {k: v for k, v in json.loads((Path(__file__).parent / "data" / "ligand_exchange_legacy_8695f80.json")
                                 .read_text())["rates"].items() if k in le.PARAMETERS.names},
    use_fit=False)

#: cases that exercise every event: exchange and dangling-end cycling with ring closure and the
#: shell rearrangement (pet18_tbbt_pdt), closure with inter-cluster coupling (pet18_pdt, fast
#: PET loss), coupling against thiol-disulfide interchange (tbbt18_pdt), two dithiols (EDT on
#: TBBT12PDT3)
CASES = {
    "closure": ("pet18_tbbt_pdt", (0.0, 2.0, 5.0), {}, {}),
    "coupling": ("pet18_pdt", (0.0, 1.5, 3.0),
                 {"aliphatic_leaving": 0.05, "k_disulfide_M_s": 2000.0, "k_tde_M_s": 0.0}, {}),
    "interchange": ("tbbt18_pdt", (0.0, 0.75, 1.5),
                    {"k_disulfide_M_s": 3000.0, "k_tde_M_s": 0.1, "k_close_per_s": 0.0},
                    {"reagents.monothiol_equiv": 400.0}),
    "two_dithiols": ("tbbt12pdt3_edt", (0.0, 0.5, 1.0), {}, {}),
}
N = 1500


def _setup(case, n=N):
    name, times, extra, conf = CASES[case]
    cfg = replace(le.load_reference(name).config, **{"conditions.times_min": times, **conf})
    sysm = le.build_system(cfg, dict(PRE_PORT, **extra), n)
    return sysm, 60.0 * np.asarray(times)


def _state(sysm, n):
    lig, partner, shell = S._initial_population(sysm, n)
    return lig, partner, shell, np.zeros(n, np.int64), -np.ones((n, 18), np.int64), sysm.conc0.copy()


def _call(fn, sysm, state, times_s, seed, max_events=10**12):
    a, r = sysm.arrays, sysm.rates
    lig, partner, shell, xl, xpart, conc = state
    return fn(lig, partner, shell, xl, xpart, conc, sysm.dc_M, a["k_site"], a["leave"], a["nucleophile"],
              a["reagent_code"], a["product_code"], a["release_reagent"], sysm.n_mono, sysm.n_di,
              a["nbr_site"], a["nbr_pair"], a["pair_of"], a["fit_native"], a["fit_xl"], a["fit_other"],
              a["in_triple"], a["pair_triples"], r["k_close_per_s"], r["k_disulfide_M_s"], r["k_tde_M_s"],
              a["tde_nuc"], sysm.rearrange, times_s, stream_states(seed, 1)[0].copy(), max_events, 0.0,
              np.zeros(2))


@pytest.fixture(scope="module")
def runs():
    out = {}
    for case in CASES:
        sysm, times_s = _setup(case)
        res = {}
        for lab, fn in (("tree", K.simulate_population_tree), ("list", K.simulate_population)):
            st = _state(sysm, N)
            res[lab] = (_call(fn, sysm, st, times_s, seed=11), st)
        out[case] = (sysm, res)
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_list_kernel_matches_tree_reference_in_law(runs, case):
    """Mean sites per cluster of every code, links per cluster and events: the two kernels'
    independent samples agree within 4 standard errors of their difference."""
    sysm, res = runs[case]
    (ct, lt, kt, et), _ = res["tree"]
    (cl, ll, kl, el), _ = res["list"]
    moved = 0
    for k in range(ct.shape[2]):
        for j in range(1, ct.shape[0]):
            a, b = ct[j, :, k].astype(float), cl[j, :, k].astype(float)
            se = np.sqrt(a.var() / N + b.var() / N)
            assert abs(a.mean() - b.mean()) <= 4.0 * se + 1e-12, (sysm.code_names()[k], j, a.mean(), b.mean(), se)
            moved += se > 0
    for j in range(1, lt.shape[0]):
        a, b = lt[j].astype(float), ll[j].astype(float)
        assert abs(a.mean() - b.mean()) <= 4.0 * np.sqrt(a.var() / N + b.var() / N) + 1e-12
    assert moved >= 2
    # the event count of a run is a sum over ~10^4-10^6 events: its spread is far below 5 %
    assert el == pytest.approx(et, rel=0.05)
    # free reagents follow the sites: the same bookkeeping in both kernels
    assert np.allclose(kl[-1].sum(), kt[-1].sum(), rtol=1e-3)


@pytest.mark.parametrize("case", list(CASES))
def test_site_lists_agree_with_the_state_after_a_run(runs, case):
    """After a run, rebuilding the lists from the final state gives the same list contents,
    counts, dangling-end closure weights (against the plain reference sum) and cross-link list."""
    sysm, res = runs[case]
    lig, partner, shell, xl, xpart, conc = res["list"][1]
    a = sysm.arrays
    n_mono, n_di = sysm.n_mono, sysm.n_di
    n_ex = n_mono + n_di
    cls, k_cls, off, lst, lw, ln, pos, xlst, dcount, acc, iacc = K.index_population(
        lig, partner, shell, a["k_site"], a["leave"], n_mono, n_di, a["nbr_site"], a["nbr_pair"], a["pair_of"],
        a["fit_native"], a["fit_xl"], a["fit_other"], a["in_triple"], sysm.rates["k_close_per_s"])
    G = k_cls.size
    assert sorted(set(a["k_site"].tolist())) == sorted(k_cls.tolist())
    total_w = 0.0
    for c in range(n_ex):
        for g in range(G):
            key = c * G + g
            sites = lst[off[key]:off[key] + ln[key]]
            ref = [i * 18 + s for i in range(lig.shape[0]) for s in range(18) if lig[i, s] == c and cls[s] == g]
            assert sorted(sites.tolist()) == ref
            assert np.array_equal(pos[sites], np.arange(ln[key]))
            if c >= n_mono:
                for q, site in enumerate(sites):
                    i, s = divmod(int(site), 18)
                    row = lig[i].copy()
                    row[[x for x in range(18) if x != s and n_mono <= row[x] < n_ex]] = 0   # only this end dangling
                    w_ref = le.closure_weight(row, partner[i], shell[i], n_mono, n_di, a["leave"], a["nbr_site"],
                                              a["nbr_pair"], a["pair_of"], a["fit_native"], a["fit_xl"],
                                              a["fit_other"], a["in_triple"], sysm.rates["k_close_per_s"])
                    assert lw[off[key] + q] == pytest.approx(w_ref, rel=1e-12, abs=1e-300)
                    total_w += lw[off[key] + q]
    assert acc[0] == pytest.approx(total_w, rel=1e-12, abs=1e-300)
    nd = ((lig >= n_mono) & (lig < n_ex)).sum(axis=1)
    assert np.array_equal(dcount, nd) and iacc[1] == int((nd ** 2).sum())
    xs = sorted(xlst[:iacc[0]].tolist())
    assert xs == [i * 18 + s for i in range(lig.shape[0]) for s in range(18) if lig[i, s] >= n_ex + n_di]
    for site in xs:                       # links pair up across clusters
        i, s = divmod(site, 18)
        o = int(xpart[i, s])
        assert o // 18 != i and xpart[o // 18, o % 18] == site
    assert np.array_equal(xl, (lig >= n_ex + n_di).sum(axis=1))


def test_chunked_run_is_bit_for_bit_one_call(monkeypatch):
    """run_chunked (small chunks, the site lists kept between them) gives exactly the result of
    one simulate_population call: the result does not depend on the chunk sizes."""
    sysm, times_s = _setup("closure", n=300)
    st = _state(sysm, 300)
    one = _call(K.simulate_population, sysm, st, times_s, seed=5)
    monkeypatch.setattr(S, "FIRST_CHUNK_EVENTS", 97)
    monkeypatch.setattr(S, "CHUNK_WALL_S", 1e-9)          # every chunk the minimum size
    lig, partner, shell, xl, xpart, conc = _state(sysm, 300)
    seen = []
    counts, links, conc_out, events, done = S.run_chunked(
        sysm, times_s, lig, partner, shell, xl, xpart, conc, stream_states(5, 1)[0].copy(), 10**12,
        progress=seen.append)
    assert len(seen) > 5 and done == len(times_s)
    assert events == one[3]
    assert np.array_equal(counts, one[0]) and np.array_equal(links, one[1]) and np.array_equal(conc_out, one[2])
    assert np.array_equal(lig, st[0]) and np.array_equal(xpart, st[4])


def test_event_cap_stops_before_the_next_waiting_time():
    """max_events: the run stops at its last event; the lists continue it exactly (two calls on
    the same lists = one call)."""
    sysm, times_s = _setup("closure", n=200)
    st = _state(sysm, 200)
    one = _call(K.simulate_population, sysm, st, times_s, seed=3)
    a, r = sysm.arrays, sysm.rates
    lig, partner, shell, xl, xpart, conc = _state(sysm, 200)
    index = S._kernel_index(sysm, a, r, lig, partner, shell)
    state = stream_states(3, 1)[0].copy()
    info = np.zeros(2)
    c1, l1, k1, e1 = S._kernel_chunk(sysm, a, r, lig, partner, shell, xl, xpart, conc, times_s, state,
                                     1000, 0.0, info, index)
    assert e1 == 1000 and info[0] > 0
    got = int(info[1])
    c2, l2, k2, e2 = S._kernel_chunk(sysm, a, r, lig, partner, shell, xl, xpart, conc, times_s[got:], state,
                                     10**12, info[0], info, index)
    assert e1 + e2 == one[3]
    assert np.array_equal(np.concatenate([c1[:got], c2]), one[0])
