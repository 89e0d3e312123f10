"""From a validated experiment and a complete parameter set to the kernel's arrays, and the
Python drivers of the kernels (:func:`simulate` for one parameter set, :func:`simulate_many`
for many parameter sets of one experiment in one parallel call).

Rules (numbers: :mod:`kinetics.ligand_exchange.parameters`):

1. exchange at site s of ligand L_out by free thiol L_in (monothiol, or dithiol binding
   by one end -> "dangling"):  k_site(s) * leave(L_out) * nucleophile(L_in) * [L_in]
   with k_site = k_core_M_s on core sites and k_core_M_s * apex_factor on apex sites;
   leave = 1 for aromatic thiolates, ``aliphatic_leaving`` for aliphatic ones,
   ``dangling_leaving`` for a singly bound dithiolate; nucleophile = 1 for aromatic
   thiols, aliphatic_leaving / K_aryl_alkyl for aliphatic thiols (detailed balance with
   the aryl/alkyl exchange equilibrium constant) and ``dithiol_nucleophile`` for every
   dithiol (assumed the same for all chain lengths and for the disulfide (PDTH)2).
   Degenerate exchanges (a ligand replaced by its own kind) change nothing and are left out.
2. ring closure of a dangling dithiol X at site s onto a candidate partner t (an
   inter-staple S-S pair of the site-pair table) carrying a monothiolate L:
   k_close_per_s * leave(L) * exp(-strain_scale * E_X(d_st) / RT); E_X from
   :mod:`structures.ligands`.
3. staple rearrangement: the first bridge commits the cluster's shell to a C3-symmetric
   cross-linked arrangement (one of the C3 triples of site-disjoint pairs that contain the
   bridged pair, chosen at random); the pairs of that triple then have the mean bridged
   S-S distance of the product structure file (:func:`bridged_shell`; by default the
   bridged distances of the [Au24Pt(TBBT)12(PDT)3]0 crystal), while the candidate pairs off the triple change by
   ``rearranged_pair_shift_A`` times (1 + bridges already off the triple).
4. inter-cluster cross-linking: the free SH ends of two dangling dithiols (or disulfide)
   on different clusters couple to a disulfide, k_disulfide_M_s * [end] * [end]; a
   cluster with such a link counts as cross-linked (insoluble).
5. thiol-disulfide interchange: a free thiol R''SH attacks the S-S bond of an inter-cluster
   link, RS-SR' + R''SH -> RS-SR'' + R'SH, which frees both clusters.  Rate per link
   k_tde_M_s * sum_r tde(r) [R_r SH] with tde = 1 for aromatic thiols (and arenedithiols)
   and ``alkyl_thiol_disulfide_factor`` for aliphatic thiols and dithiols; one attacking
   thiol is consumed.  Lumping: the mixed disulfide R-S-S-R'' left on one cluster is
   counted as a dangling end (like the free R'-SH end on the other); the large thiol
   excess that drives the interchange also reduces it back to R-SH.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim.rng import stream_states
from structures.ligands import DITHIOLS, MONOTHIOLS, R_KCAL, bridge_strain_kcal

from .kernel import (N_EXTRA_LEVELS, N_SITES, advance_population, index_population, simulate_batch,
                     simulate_population)
from .parameters import RATE_NAMES

__all__ = ["site_system", "System", "build_system", "simulate", "simulate_many", "cluster_conc_mM",
           "run_chunked", "estimate_events"]


@lru_cache(maxsize=16)
def site_system(centre: str = "Pt", structure_file: str = "", kinds: tuple = ("core-core",),
                max_pair_distance_A: float = 6.0):
    """Sites, candidate bridge pairs and C3 triples of the cluster (cached).

    Classes and triples come from the bond graph (:mod:`structures.sites`), so an ideal, a
    noisy or a relaxed / crystal structure give the same ones; the distance of a candidate
    pair is the mean of its class.  Returns a dict: site_class (18,), pairs (PairTable of
    all pairs), cand (indices of candidate bridge pairs in ``pairs``), triples (list of
    candidate-index triples), sites.  Raises ValueError when the structure is not an
    M25(SR)18 frame or offers no C3 triple of candidate pairs to bridge.
    """
    from structures.clusters import build_m25, read_structure
    from structures.sites import analyse, c3_triples

    atoms = read_structure(structure_file) if structure_file else build_m25(centre=centre)
    sites, pairs, perms = analyse(atoms, max_distance_A=max_pair_distance_A)
    if sites.n_sites != N_SITES or int(sites.is_core.sum()) != 12:
        raise ValueError(f"the structure has {sites.n_sites} S sites ({int(sites.is_core.sum())} core); "
                         "an M25(SR)18 cluster has 18 (12 core, 6 apex)")
    cand_mask = (~pairs.same_staple) & np.isin(pairs.kind, list(kinds))
    cand = np.where(cand_mask)[0]
    tri_full = c3_triples(sites, pairs, perms, select=cand_mask)
    if not tri_full:
        raise ValueError(f"the structure offers no C3 triple of site-disjoint {'/'.join(kinds)} "
                         f"inter-staple S-S pairs within {max_pair_distance_A} Å to bridge "
                         f"({len(cand)} candidate pairs, {len(perms)} bond-graph symmetries)")
    where = {int(k): n for n, k in enumerate(cand)}
    triples = [tuple(where[k] for k in tr) for tr in tri_full]
    return dict(site_class=sites.site_class.copy(), pairs=pairs, cand=cand, triples=triples,
                sites=sites)


#: the rearranged (bridged) shell: a structure file whose dithiolate bridges (carbon chains
#: joining two S atoms) give the S-S distance of the pairs of the C3 triple after the
#: rearrangement (construction and source: structures/tools/build_bridged_product.py)
PRODUCT_STRUCTURE = "au24pt_pdt3_bridged.xyz"


@lru_cache(maxsize=8)
def bridged_shell(product_file: str = "") -> dict:
    """Bridged S-S distances of a product structure file (default: the shipped
    :data:`PRODUCT_STRUCTURE`), read by the same site / pair-table code as the reactant.

    Returns dict(distances_A (one per bridge), mean_A, file).  Raises ValueError when the
    file holds no bridge."""
    from sim.paths import inputs_dir
    from structures.clusters import read_structure
    from structures.sites import analyse, bridged_pairs

    path = product_file or str(inputs_dir() / "structures" / PRODUCT_STRUCTURE)
    atoms = read_structure(path)
    bridges = bridged_pairs(atoms)
    if not bridges:
        raise ValueError(f"{path}: no dithiolate bridge (a ligand chain joining two S atoms) in the product structure")
    sites, pairs, _ = analyse(atoms, max_distance_A=10.0)
    idx = pairs.index()
    d = np.array([pairs.distance_A[idx[b]] for b in bridges])
    return dict(distances_A=d, mean_A=float(d.mean()), file=path)


def _label(name: str) -> str:
    return "SSPDT" if name == "PDTH2_disulfide" else name


@dataclass
class System:
    """Everything the kernel needs, built from a validated config (plain arrays)."""
    mono: list
    di: list
    arrays: dict
    conc0: np.ndarray
    dc_M: float
    rates: dict
    conc_mM: float
    rearrange: bool
    site_class: np.ndarray
    cand_pairs: np.ndarray       # (n_cand, 2) site indices
    cand_distance_A: np.ndarray
    triples: np.ndarray          # (n_tri, 3) candidate pair indices
    init_lig: np.ndarray         # (18,) initial codes
    init_partner: np.ndarray
    init_shell: int

    @property
    def n_mono(self):
        return len(self.mono)

    @property
    def n_di(self):
        return len(self.di)

    def code_names(self) -> list[str]:
        m = list(self.mono)
        return (m + [f"{_label(d)}:dangling" for d in self.di] + [f"{_label(d)}:bridged" for d in self.di]
                + [f"{_label(d)}:crosslinked" for d in self.di])


def cluster_conc_mM(cfg, values: dict) -> float:
    """The cluster concentration of a run: the file's ``cluster.conc_mM`` or, when the file
    does not state it, the parameter ``cluster_conc_mM``."""
    c = cfg.cluster.conc_mM
    return float(values["cluster_conc_mM"] if c is None else c)


def build_system(cfg, values: dict, n_clusters: int | None = None) -> System:
    """The kernel's arrays for experiment config ``cfg`` and the complete parameter set ``values``."""
    missing = [k for k in RATE_NAMES + ("cluster_conc_mM",) if k not in values]
    if missing:
        raise KeyError(f"parameter set without {missing}: pass a complete set "
                       "(kinetics.ligand_exchange.PARAMETERS.values(...))")
    c, rg = cfg.cluster, cfg.reagents
    rates = {k: float(values[k]) for k in RATE_NAMES}
    geo = site_system(c.centre, c.structure_file, tuple(cfg.solver.bridge_pair_kinds),
                      cfg.solver.max_pair_distance_A)
    xl_distance_A = bridged_shell(c.product_structure_file)["mean_A"]
    mono = [c.initial_ligand] + ([rg.monothiol] if rg.monothiol and rg.monothiol != c.initial_ligand else [])
    di = []
    for d in (c.preformed_dithiol, rg.dithiol):
        if d and d not in di:
            di.append(d)
    if rg.disulfide_fraction > 0 and rg.dithiol_equiv > 0:
        di.append("PDTH2_disulfide")
    n_mono, n_di = len(mono), len(di)
    n_codes = n_mono + 3 * n_di
    T_K = cfg.conditions.temperature_C + 273.15
    lam_al = rates["aliphatic_leaving"]
    leave = np.zeros(n_codes)
    nucleophile = np.zeros(n_mono + n_di)
    for k, m in enumerate(mono):
        arom = MONOTHIOLS[m].bond_class == "aromatic"
        leave[k] = 1.0 if arom else lam_al
        nucleophile[k] = 1.0 if arom else lam_al / rates["K_aryl_alkyl"]
    tde_nuc = np.zeros(n_mono + n_di)
    for k, m in enumerate(mono):
        arom = MONOTHIOLS[m].bond_class == "aromatic"
        tde_nuc[k] = 1.0 if arom else rates["alkyl_thiol_disulfide_factor"]
    for d in range(n_di):
        leave[n_mono + d] = rates["dangling_leaving"]
        nucleophile[n_mono + d] = rates["dithiol_nucleophile"]
        tde_nuc[n_mono + d] = 1.0 if DITHIOLS[di[d]].aromatic else rates["alkyl_thiol_disulfide_factor"]
    cls = geo["site_class"]
    k_site = np.where(cls == "core", rates["k_core_M_s"], rates["k_core_M_s"] * rates["apex_factor"])
    pairs, cand = geo["pairs"], geo["cand"]
    cand_pairs = np.stack([pairs.i[cand], pairs.j[cand]], axis=1).astype(np.int64)
    dist = pairs.class_distance_A[cand]
    fit_native = np.zeros((max(n_di, 1), len(cand)))
    fit_xl = np.zeros(max(n_di, 1))
    fit_other = np.zeros((max(n_di, 1), N_EXTRA_LEVELS, len(cand)))
    for d, name in enumerate(di):
        dt = DITHIOLS[name]
        e = bridge_strain_kcal(dt, dist)
        fit_native[d] = np.exp(-rates["strain_scale"] * e / (R_KCAL * T_K))
        for level in range(N_EXTRA_LEVELS):
            e_other = bridge_strain_kcal(dt, dist + (1 + level) * rates["rearranged_pair_shift_A"])
            fit_other[d, level] = np.exp(-rates["strain_scale"] * e_other / (R_KCAL * T_K))
        e_xl = bridge_strain_kcal(dt, xl_distance_A)
        fit_xl[d] = float(np.exp(-rates["strain_scale"] * e_xl / (R_KCAL * T_K)))
    n_nb = max(1, max((np.sum(cand_pairs == s) for s in range(N_SITES)), default=1))
    nbr_site = -np.ones((N_SITES, n_nb), np.int64)
    nbr_pair = -np.ones((N_SITES, n_nb), np.int64)
    fill = np.zeros(N_SITES, int)
    for p, (a, b) in enumerate(cand_pairs):
        for s, t in ((a, b), (b, a)):
            nbr_site[s, fill[s]] = t
            nbr_pair[s, fill[s]] = p
            fill[s] += 1
    pair_of = -np.ones((N_SITES, N_SITES), np.int64)
    for p, (a, b) in enumerate(cand_pairs):
        pair_of[a, b] = pair_of[b, a] = p
    triples = np.array(geo["triples"], np.int64).reshape(-1, 3)
    n_tri = max(len(triples), 1)
    in_triple = np.zeros((n_tri, len(cand)), np.bool_)
    for q, tr in enumerate(triples):
        in_triple[q, list(tr)] = True
    per_pair = [[q for q, tr in enumerate(triples) if p in tr] for p in range(len(cand))]
    width = max(1, max((len(x) for x in per_pair), default=1))
    pair_triples = -np.ones((len(cand), width), np.int64)
    for p, qs in enumerate(per_pair):
        pair_triples[p, :len(qs)] = qs
    n = n_clusters or cfg.solver.n_clusters
    conc_mM = cluster_conc_mM(cfg, values)
    c_cl = conc_mM * 1e-3
    conc0 = np.zeros(n_mono + n_di)
    if rg.monothiol:
        conc0[mono.index(rg.monothiol)] = rg.monothiol_equiv * c_cl
    if rg.dithiol:
        conc0[n_mono + di.index(rg.dithiol)] = rg.dithiol_equiv * c_cl * (1.0 - 2.0 * rg.disulfide_fraction)
        if rg.disulfide_fraction > 0:
            conc0[n_mono + di.index("PDTH2_disulfide")] = rg.dithiol_equiv * c_cl * rg.disulfide_fraction
    init_lig = np.zeros(N_SITES, np.int8)
    init_partner = -np.ones(N_SITES, np.int8)
    init_shell = -1
    if c.preformed_bridges:
        if len(triples) == 0:
            raise ValueError("no C3 triple of candidate pairs in this structure for the preformed bridges")
        d = di.index(c.preformed_dithiol)
        init_shell = 0
        for p in triples[0]:
            a, b = cand_pairs[p]
            init_lig[a] = init_lig[b] = n_mono + n_di + d
            init_partner[a], init_partner[b] = b, a
    arrays = dict(k_site=k_site.astype(float), leave=leave, nucleophile=nucleophile, tde_nuc=tde_nuc,
                  reagent_code=np.arange(n_mono + n_di, dtype=np.int64),
                  product_code=np.arange(n_mono + n_di, dtype=np.int8),
                  release_reagent=np.concatenate([np.arange(n_mono + n_di),
                                                  np.zeros(2 * n_di, int)]).astype(np.int64),
                  nbr_site=nbr_site, nbr_pair=nbr_pair, fit_native=fit_native, fit_xl=fit_xl,
                  fit_other=fit_other,
                  in_triple=in_triple, pair_triples=pair_triples, pair_of=pair_of)
    return System(mono=mono, di=di, arrays=arrays, conc0=conc0, dc_M=c_cl / n, rates=rates,
                  conc_mM=conc_mM, rearrange=bool(cfg.mechanism.rearrangement),
                  site_class=cls, cand_pairs=cand_pairs, cand_distance_A=dist,
                  triples=triples, init_lig=init_lig, init_partner=init_partner,
                  init_shell=init_shell)



def _initial_population(sysm: System, n: int):
    lig = np.tile(sysm.init_lig, (n, 1)).astype(np.int8)
    partner = np.tile(sysm.init_partner, (n, 1)).astype(np.int8)
    shell = np.full(n, sysm.init_shell, np.int64)
    return lig, partner, shell


def _times_s(cfg, times_min) -> np.ndarray:
    return 60.0 * np.asarray(times_min if times_min is not None else cfg.conditions.times_min, float)


#: wall time (s) a kernel chunk aims at: an interrupt (Ctrl-C) is honoured between chunks
CHUNK_WALL_S = 0.25
#: events of the first chunk (then adapted to CHUNK_WALL_S)
FIRST_CHUNK_EVENTS = 20_000


def _kernel_index(sysm, a, r, lig, partner, shell):
    return index_population(lig, partner, shell, a["k_site"], a["leave"], sysm.n_mono, sysm.n_di,
                            a["nbr_site"], a["nbr_pair"], a["pair_of"], a["fit_native"], a["fit_xl"],
                            a["fit_other"], a["in_triple"], r["k_close_per_s"])


def _kernel_chunk(sysm, a, r, lig, partner, shell, xl, xpart, conc, times, state, budget, t, info, index):
    return advance_population(
        lig, partner, shell, xl, xpart, conc, sysm.dc_M, a["leave"], a["nucleophile"],
        a["reagent_code"], a["product_code"], a["release_reagent"], sysm.n_mono, sysm.n_di,
        a["nbr_site"], a["nbr_pair"], a["pair_of"], a["fit_native"], a["fit_xl"], a["fit_other"],
        a["in_triple"], a["pair_triples"], r["k_close_per_s"], r["k_disulfide_M_s"],
        r["k_tde_M_s"], a["tde_nuc"], sysm.rearrange, times, state, budget, t, info, *index)


def run_chunked(sysm: System, times_s, lig, partner, shell, xl, xpart, conc, state, max_events: int,
                progress=None):
    """:func:`kernel.simulate_population` in chunks of events, each aiming at
    :data:`CHUNK_WALL_S` of wall time, so that Python handles an interrupt between chunks
    (the compiled kernel cannot be interrupted) and a progress bar can advance.  Exact: a
    chunk stops at its last event, before the next waiting time is drawn, and the next chunk
    continues from that time with the same random stream (memoryless waiting times) and the
    same site lists (:func:`kernel.index_population`, built once), so the result is bit for
    bit that of one :func:`kernel.simulate_population` call, whatever the chunk sizes.

    Returns counts (T, N, codes), links (T, N), conc (T, R), events and the number of
    output times reached (fewer than T when ``max_events`` stopped the run)."""
    import time as _time

    a, r = sysm.arrays, sysm.rates
    times_s = np.asarray(times_s, float)
    T, N = len(times_s), lig.shape[0]
    n_codes = sysm.n_mono + 3 * sysm.n_di
    counts = np.zeros((T, N, n_codes), np.int8)
    links = np.zeros((T, N), np.int32)
    conc_out = np.zeros((T, conc.size))
    info = np.zeros(2)
    t, done, events = 0.0, 0, 0
    chunk = FIRST_CHUNK_EVENTS
    index = None
    while done < T and events < max_events:
        budget = int(min(chunk, max_events - events))
        w0 = _time.perf_counter()
        try:
            if index is None:
                index = _kernel_index(sysm, a, r, lig, partner, shell)
            c, lk, co, ev = _kernel_chunk(sysm, a, r, lig, partner, shell, xl, xpart, conc, times_s[done:],
                                          state, budget, t, info, index)
        except Exception as exc:
            # Ctrl-C during the compiled kernel (or while numba loads it): the interrupt is
            # pending when it returns and surfaces wrapped in a SystemError chain
            e = exc
            while e is not None:
                if isinstance(e, KeyboardInterrupt):
                    raise KeyboardInterrupt from None
                e = e.__cause__ or e.__context__
            raise
        wall = _time.perf_counter() - w0
        events += int(ev)
        got = int(info[1])
        counts[done:done + got], links[done:done + got], conc_out[done:done + got] = c[:got], lk[:got], co[:got]
        done += got
        t = float(info[0])
        if progress is not None:
            progress(times_s[-1] if done >= T else t)
        if ev > 0:
            chunk = int(max(1000, min(chunk * 4, ev * CHUNK_WALL_S / max(wall, 1e-6))))
    return counts, links, conc_out, events, done


def simulate(cfg, values: dict, seed: int = 0, n_clusters: int | None = None, times_min=None,
             max_events: int | None = None, progress=None, reached: list | None = None):
    """Run the kernel for one parameter set (in chunks, see :func:`run_chunked`).

    Returns (system, times_s, counts (T, N, codes), links (T, N), conc (T, R), events).  When
    ``max_events`` stops the run early, the output times not reached keep zero counts: pass
    a list as ``reached`` to receive the number of output times reached.
    """
    sysm = build_system(cfg, values, n_clusters)
    n = n_clusters or cfg.solver.n_clusters
    times_s = _times_s(cfg, times_min)
    lig, partner, shell = _initial_population(sysm, n)
    xl = np.zeros(n, np.int64)
    xpart = -np.ones((n, N_SITES), np.int64)
    conc = sysm.conc0.copy()
    state = stream_states(seed, 1)[0].copy()
    counts, links, conc_out, events, done = run_chunked(
        sysm, times_s, lig, partner, shell, xl, xpart, conc, state,
        cfg.solver.max_events if max_events is None else int(max_events), progress)
    if reached is not None:
        reached.append(done)
    return sysm, times_s, counts, links, conc_out, events


def estimate_events(sysm: System, n: int, t_end_s: float) -> float:
    """Rough number of events of a run: twice the initial total exchange propensity of the
    population (every dithiol end that binds later lets go or closes: the cycling that
    dominates the cost) times the simulated time.  Used only to refuse runs far beyond any
    budget (tests check it is within a factor 30 of the events counted)."""
    a = sysm.arrays
    w = np.zeros(sysm.n_mono + sysm.n_di)
    for s_, c in enumerate(sysm.init_lig):
        if c < w.size:
            w[c] += a["k_site"][s_] * a["leave"][c]
    with np.errstate(over="ignore", invalid="ignore"):
        a_ex = sum(a["nucleophile"][q] * sysm.conc0[q] * (w.sum() - w[q]) for q in range(w.size))
        est = 2.0 * float(a_ex) * n * float(t_end_s)
    return est if np.isfinite(est) else float("inf")


def simulate_many(cfg, values_list, seed: int = 0, n_clusters: int | None = None, times_min=None,
                  max_events: int | None = None):
    """:func:`simulate` for many parameter sets of one experiment in one parallel kernel call.

    Every parameter set starts from the same random stream (common random numbers) and gives
    bit for bit the result of :func:`simulate` with the same arguments.  Returns (systems,
    times_s, counts (B, T, N, codes), links (B, T, N), conc (B, T, R), events (B,)).
    """
    systems = [build_system(cfg, v, n_clusters) for v in values_list]
    if not systems:
        raise ValueError("simulate_many needs at least one parameter set")
    n = n_clusters or cfg.solver.n_clusters
    times_s = _times_s(cfg, times_min)
    s0 = systems[0]
    lig, partner, shell = _initial_population(s0, n)

    def stack(key):
        return np.ascontiguousarray(np.stack([s.arrays[key] for s in systems]))

    def rate(key):
        return np.array([s.rates[key] for s in systems], float)

    a = s0.arrays
    counts, links, conc_out, events = simulate_batch(
        lig, partner, shell, np.stack([s.conc0 for s in systems]), np.array([s.dc_M for s in systems]),
        stack("k_site"), stack("leave"), stack("nucleophile"), a["reagent_code"], a["product_code"],
        a["release_reagent"], s0.n_mono, s0.n_di, a["nbr_site"], a["nbr_pair"], a["pair_of"],
        stack("fit_native"), stack("fit_xl"), stack("fit_other"), a["in_triple"], a["pair_triples"],
        rate("k_close_per_s"), rate("k_disulfide_M_s"), rate("k_tde_M_s"), stack("tde_nuc"),
        s0.rearrange, times_s, stream_states(seed, 1)[0].copy(),
        cfg.solver.max_events if max_events is None else int(max_events))
    return systems, times_s, counts, links, conc_out, events
