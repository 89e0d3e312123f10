"""Ligand-exchange kinetics: kernels against plain references, analytic limits, the model."""
import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

import kinetics.ligand_exchange as le
from sim.config import ConfigError, parse_experiment, replace
from sim.rng import stream_states

#: the parameter set in use before the port (old PRIORS + the recorded least-squares fit):
#: a realistic point for the kernel tests, independent of the shipped posterior
#: (crosslinked_pair_distance_A of that set is now structure data: the bridged product file)
PRE_PORT = le.PARAMETERS.values(
    {k: v for k, v in json.loads((Path(__file__).parent / "data" / "ligand_exchange_legacy_8695f80.json")
                                 .read_text())["rates"].items() if k in le.PARAMETERS.names},
    use_fit=False)

BASE = """
model = "ligand_exchange"
seed = 4
[cluster]
initial_ligand = "{init}"
conc_mM = 0.24
[reagents]
monothiol = "TBBT"
monothiol_equiv = {tbbt}
{extra}
[conditions]
times_min = {times}
[solver]
n_clusters = {n}
"""


def experiment(init="PET", tbbt=4500, extra="", times="[0, 2, 5]", n=200, **over):
    """An experiment (config changes as dotted keys in ``over``)."""
    exp = parse_experiment(BASE.format(init=init, tbbt=tbbt, extra=extra, times=times, n=n))
    if over:
        exp = dataclasses.replace(exp, config=replace(exp.config, **over))
    return exp


# ---------------------------------------------------------------- kernels vs references

# plain single-field sum tree: the reference for the kernel's multi-field tree
def ref_tree_set(tree, size, i, value):
    """Reference: set leaf ``i`` of a binary sum tree (leaves at size..2*size-1) and refresh its parents."""
    k = size + i
    tree[k] = value
    k //= 2
    while k >= 1:
        tree[k] = tree[2 * k] + tree[2 * k + 1]
        k //= 2


def ref_tree_find(tree, size, u):
    """Reference: leaf whose cumulative interval holds ``u * total`` (u in (0, 1)); never a zero leaf."""
    x = u * tree[1]
    k = 1
    while k < size:
        left = tree[2 * k]
        if left > 0.0 and (x < left or tree[2 * k + 1] <= 0.0):
            k = 2 * k
        else:
            x -= left
            k = 2 * k + 1
    return k - size


def test_sum_tree_matches_cumulative_search():
    rng = np.random.default_rng(0)
    n, size = 37, 64
    w = rng.random(n) * (rng.random(n) > 0.3)
    tree = np.zeros(2 * size)
    for i, v in enumerate(w):
        ref_tree_set(tree, size, i, v)
    assert tree[1] == pytest.approx(w.sum())
    cum = np.cumsum(w)
    for u in rng.random(200):
        k = ref_tree_find(tree, size, u)
        assert w[k] > 0
        ref = int(np.searchsorted(cum, u * w.sum(), side="right"))
        assert k == ref or w[ref] == 0 or abs(cum[min(ref, n - 1)] - u * w.sum()) < 1e-12


def test_multi_field_tree_matches_single_trees():
    """The kernel's one-row-per-node tree gives the same sums and draws as separate trees."""
    rng = np.random.default_rng(1)
    n, size, nf = 45, 64, 4
    w = rng.random((n, nf)) * (rng.random((n, nf)) > 0.4)
    multi = np.zeros((2 * size, nf))
    single = np.zeros((nf, 2 * size))
    for _ in range(2):                       # set twice: overwriting leaves keeps the sums right
        for i in rng.permutation(n):
            le.tree_set_row(multi, size, i, w[i].copy())
            for f in range(nf):
                ref_tree_set(single[f], size, i, w[i, f])
    assert np.array_equal(multi.T, single)
    assert np.allclose(multi[1], w.sum(axis=0))
    for u in rng.random(100):
        for f in range(nf):
            assert le.tree_find_field(multi, size, f, u) == ref_tree_find(single[f], size, u)


def test_field_selective_tree_update_equals_full_row_update():
    """Refreshing only the changed fields of a leaf gives bit for bit the tree of a full-row refresh."""
    rng = np.random.default_rng(2)
    n, size, nf = 37, 64, 5
    full = np.zeros((2 * size, nf))
    part = np.zeros((2 * size, nf))
    fields = np.zeros(nf, np.int64)
    for _ in range(400):
        i = int(rng.integers(n))
        new = full[size + i].copy()
        changed = np.flatnonzero(rng.random(nf) < 0.4)
        new[changed] = rng.random(changed.size) * (rng.random(changed.size) > 0.3)
        le.tree_set_row(full, size, i, new)
        fields[:changed.size] = changed
        le.tree_set_fields(part, size, i, new, fields, changed.size)
        assert np.array_equal(full, part)
    assert np.allclose(full[1], full[size:size + n].sum(axis=0))


def _system(init="TBBT", extra='dithiol = "PDT"\ndithiol_equiv = 216', values=PRE_PORT, **over):
    exp = experiment(init=init, extra=extra, **over)
    return exp, le.build_system(exp.config, values)


def ref_closure_weight(row, partner, shell, sysm):
    a = sysm.arrays
    n_mono, n_di = sysm.n_mono, sysm.n_di
    extra = 0
    if shell >= 0:
        for s in range(18):
            t = partner[s]
            if n_mono + n_di <= row[s] < n_mono + 2 * n_di and t > s:
                p = a["pair_of"][s, t]
                if p < 0 or not a["in_triple"][shell, p]:
                    extra += 1
    w = 0.0
    for p, (i, j) in enumerate(sysm.cand_pairs):
        for s, t in ((i, j), (j, i)):
            if n_mono <= row[s] < n_mono + n_di and row[t] < n_mono:
                d = row[s] - n_mono
                if shell < 0:
                    f = a["fit_native"][d, p]
                elif a["in_triple"][shell, p]:
                    f = a["fit_xl"][d]
                else:
                    f = a["fit_other"][d, min(extra, le.N_EXTRA_LEVELS - 1), p]
                w += sysm.rates["k_close_per_s"] * f * a["leave"][row[t]]
    return w


def test_weights_match_reference_on_random_states():
    exp, sysm = _system()
    a = sysm.arrays
    rng = np.random.default_rng(2)
    n_ex = sysm.n_mono + sysm.n_di
    buf = np.zeros(n_ex)
    for trial in range(300):
        row = rng.integers(0, sysm.n_mono + 2 * sysm.n_di, 18).astype(np.int8)
        partner = -np.ones(18, np.int8)
        bridged = np.where(row >= n_ex)[0]
        rng.shuffle(bridged)
        for x, y in zip(bridged[::2], bridged[1::2]):   # random partners, some off the pair list
            partner[x], partner[y] = y, x
        if len(bridged) % 2:
            row[bridged[-1]] = 0
        shell = int(rng.integers(-1, len(sysm.triples)))
        le.exchange_weights(row, a["k_site"], a["leave"], n_ex, buf)
        ref = np.zeros(n_ex)
        for s in range(18):
            if row[s] < n_ex:
                ref[row[s]] += a["k_site"][s] * a["leave"][row[s]]
        assert np.allclose(buf, ref)
        got = le.closure_weight(row, partner, shell, sysm.n_mono, sysm.n_di, a["leave"], a["nbr_site"],
                                a["nbr_pair"], a["pair_of"], a["fit_native"], a["fit_xl"], a["fit_other"],
                                a["in_triple"], sysm.rates["k_close_per_s"])
        assert got == pytest.approx(ref_closure_weight(row, partner, shell, sysm), rel=1e-12, abs=1e-300)
        assert le.dangling_count(row, sysm.n_mono, sysm.n_di) == int(np.sum((row >= sysm.n_mono) & (row < n_ex)))


def test_refresh_leaf_matches_references():
    """The kernel's one-pass leaf (exchange weights, ring closure, dangling and cross-linked ends)
    equals the plain references on random states, for every shell state."""
    exp, sysm = _system()
    a = sysm.arrays
    rng = np.random.default_rng(5)
    n_mono, n_di = sysm.n_mono, sysm.n_di
    n_ex = n_mono + n_di
    n, size = 40, 64
    lig = rng.integers(0, n_mono + 3 * n_di, (n, 18)).astype(np.int8)
    partner = -np.ones((n, 18), np.int8)
    shell = rng.integers(-1, len(sysm.triples), n).astype(np.int64)
    for i in range(n):
        bridged = np.where((lig[i] >= n_ex) & (lig[i] < n_ex + n_di))[0]
        rng.shuffle(bridged)
        for x, y in zip(bridged[::2], bridged[1::2]):
            partner[i, x], partner[i, y] = y, x
        if len(bridged) % 2:
            lig[i, bridged[-1]] = 0
    tree = np.zeros((2 * size, n_ex + 3))
    dcount = np.zeros(n, np.int64)
    vbuf, fbuf = np.zeros(n_ex + 3), np.zeros(n_ex + 3, np.int64)
    sumsq = 0
    for i in range(n):
        sumsq += le._refresh(i, lig, partner, shell, tree, dcount, size, a["k_site"], a["leave"], n_mono, n_di,
                             a["nbr_site"], a["nbr_pair"], a["pair_of"], a["fit_native"], a["fit_xl"],
                             a["fit_other"], a["in_triple"], sysm.rates["k_close_per_s"], vbuf, fbuf)
    for i in range(n):
        row = lig[i]
        ref = np.zeros(n_ex + 3)
        for s in range(18):
            if row[s] < n_ex:
                ref[row[s]] += a["k_site"][s] * a["leave"][row[s]]
        n_dang = int(np.sum((row >= n_mono) & (row < n_ex)))
        ref[n_ex] = ref_closure_weight(row, partner[i], shell[i], sysm) if n_dang else 0.0
        ref[n_ex + 1] = n_dang
        ref[n_ex + 2] = np.sum(row >= n_ex + n_di)
        assert np.allclose(tree[size + i], ref, rtol=1e-12, atol=0.0)
        assert dcount[i] == n_dang
    assert sumsq == int(np.sum(dcount ** 2))
    assert np.allclose(tree[1], tree[size:size + n].sum(axis=0))
    assert tree[size:size + n, n_ex].max() > 0 and tree[size:size + n, n_ex + 2].max() > 0


def _kernel(sysm, lig, partner, shell, conc, times_s, seed=0, k_close=None, k_ss=None, rearrange=True,
            k_tde=None, xl=None, xpart=None):
    a, r = sysm.arrays, sysm.rates
    xl = np.zeros(lig.shape[0], np.int64) if xl is None else xl
    xpart = -np.ones(lig.shape, np.int64) if xpart is None else xpart
    return le.simulate_population(
        lig, partner, shell, xl, xpart, conc, sysm.dc_M, a["k_site"], a["leave"], a["nucleophile"],
        a["reagent_code"], a["product_code"], a["release_reagent"], sysm.n_mono, sysm.n_di,
        a["nbr_site"], a["nbr_pair"], a["pair_of"], a["fit_native"], a["fit_xl"], a["fit_other"],
        a["in_triple"], a["pair_triples"], r["k_close_per_s"] if k_close is None else k_close,
        r["k_disulfide_M_s"] if k_ss is None else k_ss, r["k_tde_M_s"] if k_tde is None else k_tde,
        a["tde_nuc"], rearrange, times_s,
        stream_states(seed, 1)[0].copy(), 10**9, 0.0, np.zeros(2))


# ---------------------------------------------------------------- analytic limits

def test_independent_site_exchange_is_binomial():
    """PET -> TBBT with TBBTH in excess and no back reaction: each core site converts with
    rate k_core*leave_PET*[TBBT], each apex site apex_factor times slower."""
    exp = experiment(init="PET", times="[0, 3, 10]", n=4000)
    sysm, times_s, counts, links, conc, events = le.simulate(exp.config, dict(PRE_PORT, K_aryl_alkyl=1e12), seed=1)
    r = sysm.rates
    c_tbbt = exp.config.reagents.monothiol_equiv * exp.config.cluster.conc_mM * 1e-3
    k_c = r["k_core_M_s"] * r["aliphatic_leaving"] * c_tbbt
    k_a = k_c * r["apex_factor"]
    tb = sysm.mono.index("TBBT")
    for j, t in enumerate(times_s):
        pc, pa = 1 - np.exp(-k_c * t), 1 - np.exp(-k_a * t)
        n = counts[j, :, tb].astype(float)
        mean = 12 * pc + 6 * pa
        var = 12 * pc * (1 - pc) + 6 * pa * (1 - pa)
        se = np.sqrt(max(var, 1e-12) / n.size)
        assert abs(n.mean() - mean) <= 4 * se + 1e-12
        if t > 0:
            assert n.var() == pytest.approx(var, rel=0.12)
    # TBBT consumed, PET released: one molecule per event
    assert conc[-1, tb] == pytest.approx(conc[0, tb] - counts[-1, :, tb].sum() * sysm.dc_M, rel=1e-9)


def test_ring_closure_is_first_order():
    exp, sysm = _system()
    n = 4000
    p = 0
    s, t = sysm.cand_pairs[p]
    lig = np.zeros((n, 18), np.int8)
    lig[:, s] = sysm.n_mono          # dangling PDT at s, TBBT everywhere else
    partner = -np.ones((n, 18), np.int8)
    shell = -np.ones(n, np.int64)
    conc = np.zeros(sysm.n_mono + sysm.n_di)     # no free reagents
    # the TBBT released by closures must not displace dangling ends: closure is the only event
    sysm.arrays["leave"] = sysm.arrays["leave"].copy()
    sysm.arrays["leave"][sysm.n_mono:sysm.n_mono + sysm.n_di] = 0.0
    k_total = le.closure_weight(lig[0], partner[0], -1, sysm.n_mono, sysm.n_di, sysm.arrays["leave"],
                                sysm.arrays["nbr_site"], sysm.arrays["nbr_pair"], sysm.arrays["pair_of"],
                                sysm.arrays["fit_native"], sysm.arrays["fit_xl"], sysm.arrays["fit_other"],
                                sysm.arrays["in_triple"], 1.0)
    k_close = 0.5 / k_total          # total closure rate 0.5 s^-1
    times = np.array([0.0, 1.0, 2.0, 4.0])
    counts, links, c_out, events = _kernel(sysm, lig, partner, shell, conc, times, k_close=k_close, k_ss=0.0)
    bridged = counts[:, :, sysm.n_mono + sysm.n_di] > 0
    expected = 1 - np.exp(-0.5 * times)
    se = np.sqrt(expected * (1 - expected) / n) + 1e-12
    assert np.all(np.abs(bridged.mean(axis=1) - expected) <= 4 * se)
    assert events == bridged[-1].sum()           # every event closed one ring
    assert counts[-1, :, sysm.n_mono + sysm.n_di].sum() == 2 * bridged[-1].sum()
    # each closure releases the TBBT of the partner site into solution
    tb = sysm.mono.index("TBBT")
    assert c_out[-1, tb] == pytest.approx(events * sysm.dc_M, rel=1e-9)


def test_disulfide_coupling_is_second_order():
    exp, sysm = _system()
    n = 4000
    lig = np.zeros((n, 18), np.int8)
    lig[:, 0] = sysm.n_mono          # one dangling end per cluster
    partner = -np.ones((n, 18), np.int8)
    shell = -np.ones(n, np.int64)
    conc = np.zeros(sysm.n_mono + sysm.n_di)
    c_cl = n * sysm.dc_M
    k = 1.0 / (c_cl * 10.0)          # half-life of the ends 10 s in the mean-field limit
    times = np.array([0.0, 5.0, 10.0, 30.0])
    counts, links, _, _ = _kernel(sysm, lig, partner, shell, conc, times, k_close=0.0, k_ss=k)
    ends = counts[:, :, sysm.n_mono].sum(axis=1) / n
    expected = 1.0 / (1.0 + k * c_cl * times)
    assert np.allclose(ends, expected, atol=0.03)
    # links come in pairs on different clusters
    assert links[-1].sum() == n - counts[-1, :, sysm.n_mono].sum()
    assert links[-1].max() == 1


def test_thiol_disulfide_interchange_cleaves_links_first_order():
    """Linked pairs of clusters in an excess of free TBBTH and no coupling: every link is cut
    with rate k_tde * [TBBTH]; both ends return to dangling and the link counts stay paired."""
    exp, sysm = _system()
    n = 4000
    lig = np.zeros((n, 18), np.int8)
    xl_code = sysm.n_mono + 2 * sysm.n_di
    lig[:, 0] = xl_code                  # cluster 2m linked to cluster 2m + 1 through site 0
    xpart = -np.ones((n, 18), np.int64)
    xpart[0::2, 0] = np.arange(1, n, 2) * 18
    xpart[1::2, 0] = np.arange(0, n, 2) * 18
    xl = np.ones(n, np.int64)
    partner = -np.ones((n, 18), np.int8)
    shell = -np.ones(n, np.int64)
    conc = np.zeros(sysm.n_mono + sysm.n_di)
    tb = sysm.mono.index("TBBT")
    conc[tb] = 1.0
    k_tde = 0.1                          # half-life ln2 / 0.1 s
    times = np.array([0.0, 3.0, 10.0, 20.0])
    counts, links, c_out, _ = _kernel(sysm, lig, partner, shell, conc, times, k_close=0.0, k_ss=0.0,
                                      k_tde=k_tde, xl=xl, xpart=xpart)
    pairs_left = counts[:, :, xl_code].sum(axis=1) / n
    assert np.allclose(pairs_left, np.exp(-k_tde * times), atol=0.025)
    # a link is cut on both clusters at once: partners stay equal
    assert np.array_equal(links[-1, 0::2], links[-1, 1::2])
    assert np.array_equal(links[-1] > 0, counts[-1, :, xl_code] > 0)
    # each cut consumes one TBBTH; each dangling end exchanged off by TBBTH releases one PDTH2
    cuts = n // 2 - counts[-1, :, xl_code].sum() // 2
    pdt = sysm.n_mono + sysm.di.index("PDT")
    assert c_out[-1, tb] == pytest.approx(1.0 - cuts * sysm.dc_M - c_out[-1, pdt], abs=1e-12)
    assert c_out[-1, pdt] > 0


def test_interchange_only_from_thiols_present():
    """tde factors: aromatic thiols 1, aliphatic thiols and dithiols the alkyl factor."""
    exp, sysm = _system(init="PET")
    f = sysm.arrays["tde_nuc"]
    assert f[sysm.mono.index("TBBT")] == 1.0
    alk = sysm.rates["alkyl_thiol_disulfide_factor"]
    assert f[sysm.mono.index("PET")] == alk and f[sysm.n_mono + sysm.di.index("PDT")] == alk


def test_dangling_dithiol_reaches_attach_release_equilibrium():
    """TBBT12PDT3 + EDT with coupling off: EDT cannot bridge, so each of the 12 TBBT sites
    holds a dangling EDT with odds rho = nu_dithiol [EDT] / (lambda_dangling [TBBTH]);
    P(no dangling EDT on a cluster) = (1 + rho)^-12 (the expectation behind the EDT row)."""
    exp = le.load_reference("tbbt12pdt3_edt")
    times = tuple(float(t) for t in np.arange(0.0, 0.5 + 1e-9, 1.0 / 60.0))   # every second
    cfg = replace(exp.config, **{"conditions.times_min": times})
    sysm, times_s, counts, links, conc, events = le.simulate(cfg, dict(PRE_PORT, k_disulfide_M_s=0.0), seed=5,
                                                             n_clusters=2000)
    r = sysm.rates
    tb, edt = sysm.mono.index("TBBT"), sysm.n_mono + sysm.di.index("EDT")
    rho = r["dithiol_nucleophile"] * conc[0, edt] / (r["dangling_leaving"] * conc[0, tb])
    expected = 1.0 - (1.0 + rho) ** -12
    got = (counts[5:, :, edt] > 0).mean()            # after the first 5 s
    n = counts[5:].shape[0] * counts.shape[1]
    assert abs(got - expected) < 4.0 * np.sqrt(expected * (1 - expected) / n)


def test_same_seed_same_result_and_seed_matters():
    exp = experiment(init="TBBT", extra='dithiol = "PDT"\ndithiol_equiv = 216', times="[0, 1]", n=100)
    a = le.simulate(exp.config, PRE_PORT, seed=3)
    b = le.simulate(exp.config, PRE_PORT, seed=3)
    c = le.simulate(exp.config, PRE_PORT, seed=4)
    assert np.array_equal(a[2], b[2]) and a[5] == b[5]
    assert not np.array_equal(a[2], c[2])


def test_site_conservation_and_bridges_pair_up():
    exp = experiment(init="PET", extra='dithiol = "PDT"\ndithiol_equiv = 216', times="[0, 5, 20]", n=200)
    sysm, times_s, counts, links, conc, events = le.simulate(exp.config, PRE_PORT, seed=2)
    assert np.all(counts.sum(axis=2) == 18)
    nb = counts[:, :, sysm.n_mono + sysm.n_di]
    assert np.all(nb % 2 == 0)
    assert events > 0


def test_batched_kernel_equals_one_call_per_parameter_set():
    """simulate_many (parameter sets in parallel threads, common random numbers) gives bit for bit
    what simulate gives for each set on its own."""
    exp = experiment(init="PET", extra='dithiol = "PDT"\ndithiol_equiv = 216', times="[0, 2, 6]", n=60)
    sets = [PRE_PORT, dict(PRE_PORT, k_core_M_s=20.0, rearranged_pair_shift_A=0.2),
            dict(PRE_PORT, cluster_conc_mM=0.5, strain_scale=0.1)]
    systems, times_s, counts, links, conc, events = le.simulate_many(exp.config, sets, seed=9)
    assert counts.shape[:3] == (3, 3, 60)
    for b, v in enumerate(sets):
        _, _, c1, l1, k1, e1 = le.simulate(exp.config, v, seed=9)
        assert np.array_equal(c1, counts[b]) and np.array_equal(l1, links[b])
        assert np.array_equal(k1, conc[b]) and e1 == events[b]
    assert not np.array_equal(counts[0], counts[1])


# ---------------------------------------------------------------- parameters and experiment files

def test_table_declares_every_mechanism_number():
    t = le.PARAMETERS
    assert set(t.names) == set(le.system.RATE_NAMES) | {"cluster_conc_mM"}
    assert set(t.of_kind("fixed")) == {"K_aryl_alkyl"}
    assert t.of_kind("nuisance") == ["cluster_conc_mM"]
    # the values that were set with the reference rows in view or estimated are calibrated
    for name in ("k_core_M_s", "aliphatic_leaving", "dangling_leaving", "strain_scale", "apex_factor",
                 "dithiol_nucleophile", "k_close_per_s", "rearranged_pair_shift_A", "k_disulfide_M_s",
                 "k_tde_M_s", "alkyl_thiol_disulfide_factor"):
        assert t[name].kind == "calibrated" and t[name].prior is not None
    for p in t:
        assert p.source and p.unit
    # the pre-port values lie inside the bounds (so the legacy comparison is a point of the table)
    for k, v in PRE_PORT.items():
        lo, hi = t[k].bounds
        assert lo <= v <= hi, k


def test_config_errors_name_the_key():
    with pytest.raises(ConfigError, match="reagents.dithiol"):
        parse_experiment('model = "ligand_exchange"\n[reagents]\ndithiol = "XDT"\n')
    with pytest.raises(ConfigError, match="preformed_dithiol"):
        parse_experiment('model = "ligand_exchange"\n[cluster]\npreformed_bridges = 3\n')
    with pytest.raises(ConfigError, match="times_min"):
        parse_experiment('model = "ligand_exchange"\n[conditions]\ntimes_min = [5, 1]\n')
    with pytest.raises(ConfigError, match="structure_file"):
        parse_experiment('model = "ligand_exchange"\n[cluster]\nstructure_file = "/no/such.xyz"\n')
    # the old model-private rate section is gone: rates are [parameters]
    with pytest.raises(ConfigError, match="rates"):
        parse_experiment('model = "ligand_exchange"\n[rates]\nk_core_M_s = 1.0\n')
    with pytest.raises(ConfigError, match="parameters.k_core_M_s") as err:
        parse_experiment('model = "ligand_exchange"\n[parameters]\nk_core_M_s = -1.0\n')
    assert "out of range" in str(err.value)


def test_unknown_parameter_is_rejected_with_the_allowed_list():
    with pytest.raises(ConfigError, match="parameters.k_fast") as err:
        parse_experiment('model = "ligand_exchange"\n[parameters]\nk_fast = 1.0\n')
    for name in le.PARAMETERS.names:
        assert name in err.value.allowed


def test_cluster_concentration_from_file_or_nuisance_parameter():
    with_file = parse_experiment('model = "ligand_exchange"\n[cluster]\nconc_mM = 0.5\n')
    without = parse_experiment('model = "ligand_exchange"\n')
    vals = dict(PRE_PORT, cluster_conc_mM=0.1)
    assert le.system.cluster_conc_mM(with_file.config, vals) == 0.5
    assert le.system.cluster_conc_mM(without.config, vals) == 0.1
    for name in le.EXPERIMENTS:      # only the stated synthesis sets its concentration
        cfg = le.load_reference(name).config
        assert (cfg.cluster.conc_mM is not None) == (name == "tbbt12pdt3_budt")


def _small_run_file(tmp_path, extra_parameters=""):
    cfg = tmp_path / "le.toml"
    cfg.write_text(BASE.format(init="TBBT", tbbt=4302, extra='dithiol = "PDT"\ndithiol_equiv = 216',
                               times="[0, 1, 3]", n=100) + extra_parameters)
    return cfg


def test_parameters_override_changes_the_result_and_run_stamps_the_set(tmp_path):
    from sim.config import load_experiment

    base = load_experiment(_small_run_file(tmp_path))
    fast = load_experiment(_small_run_file(tmp_path, "[parameters]\nk_core_M_s = 50.0\n"))
    r0, r1 = le.MODEL.run(base), le.MODEL.run(fast)
    assert r1.parameters["k_core_M_s"] == 50.0
    assert r0.parameters == le.MODEL.parameter_values(base)
    assert set(r0.parameters) == set(le.PARAMETERS.names)
    assert {k: v for k, v in r1.parameters.items() if k != "k_core_M_s"} == \
           {k: v for k, v in r0.parameters.items() if k != "k_core_M_s"}
    assert not np.array_equal(np.asarray(r0["mean_sites"]), np.asarray(r1["mean_sites"]))
    assert r0.fit.get("fit_sha256")          # the fit behind the values is recorded


def test_run_writes_h5_and_png_and_export_uses_the_same_parameters(tmp_path):
    from sim.cli import main
    import h5py

    cfg = _small_run_file(tmp_path, "[parameters]\nk_close_per_s = 123.0\n")
    out = tmp_path / "le.h5"
    assert main(["run", str(cfg), "-o", str(out), "--no-uncertainty"]) == 0
    assert out.exists() and out.with_suffix(".png").exists()
    with h5py.File(out) as f:
        frac = f["data/species_fraction"][()]
        assert np.allclose(frac.sum(axis=1), 1.0)
        assert f["data/ms_mz"].attrs["unit"] == "m/z"
        species = [s.decode() if isinstance(s, bytes) else s for s in f["data/species"][()]]
        assert "TBBT18" in species
        mz = dict(zip(species, f["data/ms_mz"][()]))
        if "TBBT12PDT3" in mz:
            assert mz["TBBT12PDT3"] == pytest.approx(24 * 196.96657 + 195.084 + 12 * 165.27 + 3 * 106.21, abs=1.0)
        assert float(f["parameters/k_close_per_s"][()]) == 123.0
        assert set(f["parameters"]) == set(le.PARAMETERS.names)
    bngl = tmp_path / "le.bngl"
    assert main(["export", "bngl", str(cfg), "-o", str(bngl)]) == 0
    text = bngl.read_text()
    assert "begin reaction rules" in text and "s18~" in text and "writeXML()" in text
    assert "k_close_per_s = 123," in text.splitlines()[1]
    # the ring-closure rules carry the overridden rate: k_close * fit * leave(TBBT = 1)
    from sim.config import load_experiment
    exp = load_experiment(cfg)
    sysm = le.build_system(exp.config, le.MODEL.parameter_values(exp), 100)
    n_tri = sum(0 in tr for tr in sysm.triples.tolist())      # triples a first bridge on pair 0 commits to
    k0 = 123.0 * sysm.arrays["fit_native"][0, 0] / max(n_tri, 1)
    assert f" {k0:.10g}" in text


def test_preformed_product_with_structure_file(tmp_path):
    from ase.io import write
    from structures.clusters import build_m25

    xyz = tmp_path / "au24pt.xyz"
    write(str(xyz), build_m25(with_carbon=True))
    text = BASE.format(init="TBBT", tbbt=4300, extra='dithiol = "BuDT"\ndithiol_equiv = 367',
                       times="[0, 1]", n=50)
    text = text.replace("conc_mM = 0.24", f'conc_mM = 0.24\npreformed_dithiol = "PDT"\npreformed_bridges = 3\n'
                                           f'structure_file = "{xyz}"')
    exp = parse_experiment(text)
    sysm, times_s, counts, links, conc, events = le.simulate(exp.config, PRE_PORT, seed=exp.seed)
    snap = le.snapshot(sysm, times_s, counts, links, events)
    assert snap.fraction(0.0, "TBBT12PDT3") == 1.0


# ---------------------------------------------------------------- reference observables

def test_observations_file_matches_the_reference_quantities():
    obs = le.MODEL.observations()
    assert [o.id for o in obs] == list(le.REFERENCE)
    for o in obs:
        assert o.kind == "range" and o.softness > 0 and o.source and o.measured
        assert o.experiment == le.REFERENCE[o.id].experiment
        assert le.load_reference(o.experiment).name == o.experiment
    held = {o.id for o in obs if not o.fit}
    assert held == {"tbbt12pdt3_edt_changed_180min", "tbbt18_bdt_bridged_180min",
                    "pet18_tbbt_250_tbbt_share_600min", "pet18_tbbt_250_tbbt_share_60min",
                    "tbbt18_pdt_tbbt12pdt4_180min"}


def test_quick_observables_are_deterministic_and_respond_to_parameters():
    ids = ["pet18_tbbt_pdt_no_pdt_5min", "pet18_tbbt_pdt_mean_tbbt_5min", "pet18_pdt_crosslinked_300min"]
    a = le.MODEL.observables(PRE_PORT, ids, quick=True)
    b = le.MODEL.observables(PRE_PORT, ids, quick=True)
    assert a == b
    slow = le.MODEL.observables(dict(PRE_PORT, aliphatic_leaving=2e-5), ids, quick=True)
    assert slow["pet18_tbbt_pdt_mean_tbbt_5min"][0] < 0.5 * a["pet18_tbbt_pdt_mean_tbbt_5min"][0]
    # every value carries its sampling SE and its margin in SE
    for v, text in a.values():
        assert " ± " in text and " SE" in text and "margin" in text
    batch = le.MODEL.observables_batch([PRE_PORT, dict(PRE_PORT, aliphatic_leaving=2e-5)], ids, quick=True)
    assert batch == [a, slow]
    with pytest.raises(KeyError, match="unknown observation"):
        le.MODEL.observables(PRE_PORT, ["no_such_row"])


def test_standard_errors_of_reference_quantities():
    from kinetics.ligand_exchange.observables import _binomial_se, _margin_se, margin_in_se

    assert _binomial_se(0.5, 400) == pytest.approx(0.025, rel=0.01)
    assert 0 < _binomial_se(0.0, 4000) < 2e-4          # a zero count keeps an uncertainty
    assert _margin_se(0.6, 0.2, 100) == pytest.approx(math.sqrt((0.8 - 0.16) / 100))
    assert margin_in_se(0.0103, 0.0016, -math.inf, 0.01) == pytest.approx(-0.1875)
    assert margin_in_se(0.5, 0.1, 0.0, 1.0) == pytest.approx(5.0)


def test_quick_event_cap_gives_no_value_instead_of_stalling(monkeypatch):
    from kinetics.ligand_exchange import observables as ob

    monkeypatch.setattr(ob, "QUICK_MAX_EVENTS_PER_CLUSTER_MINUTE", 1)
    v = le.MODEL.observables(PRE_PORT, ["pet18_tbbt_pdt_no_pdt_5min"], quick=True)
    assert math.isnan(v["pet18_tbbt_pdt_no_pdt_5min"][0])


def test_checks_pass_and_are_checks():
    rows = le.MODEL.checks(quick=True)
    assert len(rows) >= 5
    assert all(r.kind == "check" and r.role is None for r in rows)
    assert all(r.passed for r in rows), [(r.quantity, r.simulated) for r in rows if not r.passed]


def test_fit_starts_from_the_pre_calibration_values_not_the_priors():
    from kinetics.ligand_exchange.parameters import START

    assert set(START) == set(le.PARAMETERS.free)
    assert START == {k: PRE_PORT[k] for k in START}
    assert le.MODEL.fit_settings["map_start"] is START
    assert le.MODEL.fit_settings["quick"] is True


def test_isotope_pattern_of_a_composition_is_normalised_and_centred_on_the_average_mass():
    """The simulated spectrum draws each composition as its isotope pattern: formula from the
    label (dangling SH end included), fractions summing to 1, mean m/z = average mass + e-
    (formula_mass is pymatgen's, the pattern molmass': two independent mass tables)."""
    from kinetics.ligand_exchange.plots import ELECTRON_MASS, isotope_pattern, species_formula
    from structures.ligands import formula_mass

    from pymatgen.core import Composition

    assert Composition(species_formula("TBBT12PDT3")) == Composition("Au24PtC129H174S18")
    assert Composition(species_formula("TBBT11PDT3PDTH1")) + Composition("SC10H13") \
        == Composition(species_formula("TBBT12PDT3")) + Composition("S2C3H7")
    for label in ("TBBT12PDT3", "PET2TBBT10PDT3PDTH1", "TBBT16SSPDTH1"):
        f = species_formula(label)
        mz, frac = isotope_pattern(f, charge=1)
        assert frac.sum() == pytest.approx(1.0)
        assert np.all(np.diff(mz) > 0.9)          # nominal-mass lines, 1 Da apart at 1-
        assert float(np.sum(mz * frac)) == pytest.approx(formula_mass(f) + ELECTRON_MASS, abs=0.05)
        mz2, frac2 = isotope_pattern(f, charge=2)
        assert np.allclose(mz2, (mz - ELECTRON_MASS + 2 * ELECTRON_MASS) / 2)
    # Au is monoisotopic: 18 S, ~130 C and Pt spread the pattern over ~10 Da, the most
    # abundant line 2-4 Da above the monoisotopic one
    mz, frac = isotope_pattern(species_formula("TBBT12PDT3"))
    assert 2 <= mz[np.argmax(frac)] - mz[0] <= 8 and (frac > 0.05).sum() >= 6


def test_mass_spectrum_figure_marks_observed_species(tmp_path):
    from kinetics.ligand_exchange.plots import load_observed, mass_spectrum, species_formula
    from sim.plotting import save
    from structures.ligands import formula_mass

    species = ["TBBT12PDT3", "TBBT10PDT4", "TBBT14PDT2"]
    mass = np.array([formula_mass(species_formula(s)) for s in species])
    sol = np.array([[0.0, 0.0, 0.0], [0.6, 0.2, 0.2], [0.8, 0.2, 0.0]])
    obs = {round(float(o["time_min"]), 6): o for o in load_observed() if o["experiment"] == "tbbt18_pdt"}
    fig = mass_spectrum(species, mass, sol, np.array([0.0, 5.0, 180.0]), [1, 2], observed=obs)
    ax, axz = fig.axes[:2]
    assert "m/z" in ax.get_xlabel() and "(%" in ax.get_ylabel() and "m/z" in axz.get_xlabel()
    assert not ax.xaxis.get_major_formatter().get_offset()
    # observed markers (open circles) at the m/z of the observed species, one line per time
    marks = [ln for ln in ax.lines if ln.get_marker() == "o"]
    assert marks and any(np.any(np.abs(ln.get_xdata() - 7224.2) < 1.0) for ln in marks)
    save(fig, tmp_path / "ms.png")
    assert (tmp_path / "ms.png").stat().st_size > 0
