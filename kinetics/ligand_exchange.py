"""Site-resolved ligand exchange on M25(SR)18 clusters: a network-free stochastic simulation.

A population of ``n_clusters`` clusters, each with its 18 S sites (12 core, 6 apex; see
:mod:`structures.sites`), exchanges ligands with free thiols, dithiols and a disulfide
held as concentrations (M) that every event consumes and releases.  The labelled state
space is about 10^7 configurations, so no reaction network is built: the kernel keeps
per-cluster propensity sums in binary sum trees and draws events with Gillespie's
direct method (O(log N) per event).

Rules (rate constants in :class:`Rates`, each named with unit, prior and source):

1. exchange at site s of ligand L_out by free thiol L_in (monothiol, or dithiol binding
   by one end -> "dangling"):  k_site(s) * leave(L_out) * nucleophile(L_in) * [L_in]
   with k_site = k_core_M_s on core sites and k_core_M_s * apex_factor on apex sites;
   leave = 1 for aromatic thiolates, ``aliphatic_leaving`` for aliphatic ones,
   ``dangling_leaving`` for a singly bound dithiolate; nucleophile = 1 for aromatic
   thiols, aliphatic_leaving / K_aryl_alkyl for aliphatic thiols (detailed balance with
   the aryl/alkyl exchange equilibrium constant) and ``dithiol_nucleophile`` for dithiols.
   Degenerate exchanges (a ligand replaced by its own kind) change nothing and are left out.
2. ring closure of a dangling dithiol X at site s onto a candidate partner t (an
   inter-staple S-S pair of the site-pair table) carrying a monothiolate L:
   k_close_per_s * leave(L) * exp(-strain_scale * E_X(d_st) / RT); E_X from
   :mod:`structures.ligands`.
3. staple rearrangement: the first bridge commits the cluster's shell to a C3-symmetric
   cross-linked arrangement (one of the C3 triples of site-disjoint pairs that contain the
   bridged pair, chosen at random); the two other pairs of that triple then have the
   S-S distance ``crosslinked_pair_distance_A`` (4.48 Å, the bridged S-S distances of
   [Au24Pt(TBBT)12(PDT)3]0, Yoshikawa et al. Chem. Sci. 2026, Fig. S13), while the
   candidate pairs off the triple are lengthened by ``rearranged_pair_shift_A`` times
   (1 + bridges already off the triple).
4. inter-cluster cross-linking: the free SH ends of two dangling dithiols (or disulfide)
   on different clusters couple to a disulfide, k_disulfide_M_s * [end] * [end]; a
   cluster with such a link counts as cross-linked (insoluble).
5. thiol-disulfide interchange: a free thiol R''SH attacks the S-S bond of an inter-cluster
   link, RS-SR' + R''SH -> RS-SR'' + R'SH, which frees both clusters (Singh & Whitesides,
   "Thiol-disulfide interchange", in Patai & Rappoport (eds.), Supplement S: The chemistry
   of sulphur-containing functional groups, Wiley 1993, ch. 13: the attacking species is the
   thiolate, so the rate follows the thiol's acidity).  Rate per link
   k_tde_M_s * sum_r tde(r) [R_r SH] with tde = 1 for aromatic thiols and
   ``alkyl_thiol_disulfide_factor`` for aliphatic thiols and dithiols; one attacking thiol is
   consumed.  Lumping: the mixed disulfide R-S-S-R'' left on one cluster is counted as a
   dangling end (like the free R'-SH end on the other); the large thiol excess that drives
   the interchange also reduces it back to R-SH.

Outputs: composition distribution vs time (Au24Pt(PET)a(TBBT)b(PDT)c ...), simulated
negative-ion mass spectrum, bridged / dangling dithiol counts, soluble / cross-linked
fractions.  ``exporters["bngl"]`` writes the same rules as BioNetGen language (explicit
sites s1...s18, pair-specific ring-closure rules) for NFsim.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numba import njit

from sim.config import Invalid, section, spec
from sim.model import Model
from sim.rng import exponential, stream_states, uniform
from sim.store import Result
from structures.ligands import DITHIOLS, MONOTHIOLS, R_KCAL, formula_mass

NAME = "ligand_exchange"
N_SITES = 18
N_EXTRA_LEVELS = 4   # bridges outside the C3 triple that stretch the remaining pairs: 0..3
ELECTRON_MASS = 5.48579909e-4  # g/mol

# ============================================================================ parameters

#: prior values of every rate parameter: (value, unit, source / meaning)
PRIORS = {
    "k_core_M_s": (7.5, "M^-1 s^-1",
                   "exchange of an aromatic thiolate at a core site by an aromatic thiol; "
                   "fitted to Au24Pt(PET)18 + TBBTH/PDTH2 (Yoshikawa 2026, Fig. 3-4)"),
    "apex_factor": (0.5, "1", "apex/core site rate ratio; core sites exchange first (Niihori "
                    "2015 ACS Nano; Fernando & Aikens 2015); fitted"),
    "aliphatic_leaving": (2.0e-4, "1", "leaving factor of aliphatic thiolates (PET, SC6H13, "
                          "SC12H25) relative to aromatic ones (TBBT, IPBT); fitted"),
    "K_aryl_alkyl": (4.0, "1", "equilibrium constant Au-SR(alkyl) + ArSH = Au-SAr + RSH "
                     "(Guo et al. 2005, arylthiol vs phenylethanethiol on Au38)"),
    "dithiol_nucleophile": (0.13, "1", "attack of a dithiol (either end) relative to an "
                            "aromatic thiol; fitted"),
    "dangling_leaving": (13.0, "1", "leaving factor of a singly bound dithiolate relative to "
                         "an aromatic thiolate; fitted"),
    "k_close_per_s": (1000.0, "s^-1", "ring closure of a dangling dithiol onto an aromatic "
                      "partner site at zero strain; fitted"),
    "strain_scale": (0.29, "1", "fraction of the restrained-conformer strain energy that acts "
                     "on ring closure; fitted"),
    "crosslinked_pair_distance_A": (4.48, "Å", "S-S distance of the pairs of the C3 triple "
                                    "after staple rearrangement; mean of 4.443, 4.497, 4.497 Å "
                                    "(Yoshikawa 2026, Fig. S13)"),
    "rearranged_pair_shift_A": (0.6, "Å", "lengthening of the S-S distance of the candidate "
                                "pairs outside the C3 triple once the shell has rearranged, "
                                "once more for every bridge already outside the triple; "
                                "fitted to the persistence of TBBT12PDT3 (Yoshikawa 2026, Fig. 3)"),
    "k_disulfide_M_s": (100.0, "M^-1 s^-1", "disulfide coupling of two free SH ends on "
                        "different clusters; chosen so that Au24Pt(PET)18 + PDTH2 ends mostly "
                        "cross-linked (Yoshikawa 2026, insoluble material)"),
    "k_tde_M_s": (1.0, "M^-1 s^-1", "thiol-disulfide interchange of a free aromatic thiol with an "
                  "inter-cluster disulfide link (rule 5); order-of-magnitude estimate for a neutral "
                  "arenethiol in toluene without added base (Singh & Whitesides 1993, ch. 13: "
                  "interchange proceeds through the thiolate)"),
    "alkyl_thiol_disulfide_factor": (3.0e-4, "1", "interchange rate of aliphatic thiols and dithiols "
                                     "relative to aromatic thiols: ratio of thiolate fractions, "
                                     "10^-(pKa alkyl - pKa aryl) with pKa ~10.4 (alkanethiols) vs "
                                     "~6.9 (4-tert-butylbenzenethiol), estimate"),
}
FITTED_NAMES = ("k_core_M_s", "aliphatic_leaving", "dangling_leaving", "strain_scale")


def rate_defaults() -> dict[str, float]:
    """Prior values overridden by the recorded fit (inputs/fitted/ligand_exchange.json)."""
    from sim.fit import load_fitted

    vals = {k: v[0] for k, v in PRIORS.items()}
    vals.update({k: v for k, v in load_fitted(NAME).items() if k in vals})
    return vals


# ============================================================================ config

@dataclass(frozen=True)
class ClusterSpec:
    centre: str = spec("Pt", choices=("Au", "Pt", "Pd"), doc="centre atom of the M13 core")
    initial_ligand: str = spec("PET", choices=tuple(MONOTHIOLS), doc="monothiolate on all 18 sites at t = 0")
    preformed_dithiol: str = spec("", choices=("",) + tuple(DITHIOLS),
                                  doc="dithiolate already bridging a C3 triple of core pairs "
                                      "(e.g. PDT for TBBT12PDT3)")
    preformed_bridges: int = spec(0, choices=(0, 3), doc="bridges of preformed_dithiol at t = 0 (0 or 3)")
    conc_mM: float = spec(0.24, gt=0.0, le=100.0, unit="mM", doc="cluster concentration")
    structure_file: str = spec("", doc="optional xyz/cif/pdb file with the cluster (metals and S); "
                               "default: built from bond lengths")

    def check(self):
        if self.preformed_bridges and not self.preformed_dithiol:
            raise Invalid("preformed_dithiol", self.preformed_dithiol, "a dithiol name",
                          "preformed_bridges > 0 needs the dithiol")


@dataclass(frozen=True)
class Reagents:
    monothiol: str = spec("", choices=("",) + tuple(MONOTHIOLS), doc="added monothiol (free thiol)")
    monothiol_equiv: float = spec(0.0, ge=0.0, unit="per cluster", doc="equivalents of the monothiol per cluster")
    dithiol: str = spec("", choices=("",) + tuple(d for d in DITHIOLS if DITHIOLS[d].can_bridge),
                        doc="added dithiol HS-X-SH")
    dithiol_equiv: float = spec(0.0, ge=0.0, unit="per cluster", doc="equivalents of the dithiol per cluster")
    disulfide_fraction: float = spec(0.0, ge=0.0, le=0.5, unit="mol/mol",
                                     doc="(PDTH)2 disulfide impurity per dithiol")

    def check(self):
        if self.monothiol_equiv > 0 and not self.monothiol:
            raise Invalid("monothiol", self.monothiol, "a monothiol name", "equivalents given without a monothiol")
        if self.dithiol_equiv > 0 and not self.dithiol:
            raise Invalid("dithiol", self.dithiol, "a dithiol name", "equivalents given without a dithiol")


@dataclass(frozen=True)
class Conditions:
    temperature_C: float = spec(25.0, ge=-80.0, le=150.0, unit="°C", doc="reaction temperature")
    times_min: tuple[float, ...] = spec([0.0, 5.0, 20.0, 90.0, 300.0], ge=0.0, unit="min", min_len=1,
                                        doc="output times (increasing)")
    plot_times_min: tuple[float, ...] = spec([], ge=0.0, unit="min",
                                             doc="times shown in the composition plot (default: all)")
    ms_charge: int = spec(1, ge=1, le=6, doc="charge z of the simulated negative-ion mass spectrum (z-)")

    def check(self):
        t = self.times_min
        if any(b <= a for a, b in zip(t, t[1:])):
            raise Invalid("times_min", list(t), "strictly increasing times", "times not increasing")


@dataclass(frozen=True)
class Rates:
    k_core_M_s: float | None = spec(None, gt=0.0, unit="M^-1 s^-1", doc=PRIORS["k_core_M_s"][2])
    apex_factor: float | None = spec(None, ge=0.0, unit="1", doc=PRIORS["apex_factor"][2])
    aliphatic_leaving: float | None = spec(None, gt=0.0, unit="1", doc=PRIORS["aliphatic_leaving"][2])
    K_aryl_alkyl: float | None = spec(None, gt=0.0, unit="1", doc=PRIORS["K_aryl_alkyl"][2])
    dithiol_nucleophile: float | None = spec(None, ge=0.0, unit="1", doc=PRIORS["dithiol_nucleophile"][2])
    dangling_leaving: float | None = spec(None, ge=0.0, unit="1", doc=PRIORS["dangling_leaving"][2])
    k_close_per_s: float | None = spec(None, ge=0.0, unit="s^-1", doc=PRIORS["k_close_per_s"][2])
    strain_scale: float | None = spec(None, ge=0.0, unit="1", doc=PRIORS["strain_scale"][2])
    crosslinked_pair_distance_A: float | None = spec(None, gt=3.0, lt=7.0, unit="Å",
                                                     doc=PRIORS["crosslinked_pair_distance_A"][2])
    rearranged_pair_shift_A: float | None = spec(None, ge=-1.0, le=2.0, unit="Å",
                                                 doc=PRIORS["rearranged_pair_shift_A"][2])
    k_disulfide_M_s: float | None = spec(None, ge=0.0, unit="M^-1 s^-1", doc=PRIORS["k_disulfide_M_s"][2])
    k_tde_M_s: float | None = spec(None, ge=0.0, unit="M^-1 s^-1", doc=PRIORS["k_tde_M_s"][2])
    alkyl_thiol_disulfide_factor: float | None = spec(None, ge=0.0, le=1.0, unit="1",
                                                      doc=PRIORS["alkyl_thiol_disulfide_factor"][2])
    rearrangement: bool = spec(True, doc="staple rearrangement after the first bridge (rule 3)")


@dataclass(frozen=True)
class Solver:
    n_clusters: int = spec(2000, ge=1, le=2_000_000, doc="clusters in the simulated population")
    max_events: int = spec(2_000_000_000, ge=1, doc="stop after this many events")
    bridge_pair_kinds: tuple[str, ...] = spec(["core-core"], choices=("core-core", "core-apex", "apex-apex"),
                                              doc="kinds of inter-staple S-S pairs a dithiol may bridge")
    max_pair_distance_A: float = spec(6.0, gt=3.0, le=10.0, unit="Å", doc="longest candidate bridge pair")


@dataclass(frozen=True)
class LigandExchangeConfig:
    cluster: ClusterSpec = section(ClusterSpec)
    reagents: Reagents = section(Reagents)
    conditions: Conditions = section(Conditions)
    rates: Rates = section(Rates)
    solver: Solver = section(Solver)

    def check(self):
        if self.cluster.structure_file and not Path(self.cluster.structure_file).exists():
            raise Invalid("cluster.structure_file", self.cluster.structure_file,
                          "an existing structure file", "file not found")


# ============================================================================ kernels

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
                        k_close, k_ss, k_tde, tde_nuc, rearrange, times, state, max_events):
    """Direct-method SSA of the whole population up to ``times[-1]`` (s).

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
    t = 0.0
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
        t_next = t + exponential(state) / a0 if a0 > 0.0 else np.inf
        while j < n_out and times[j] < t_next:
            for i in range(N):
                for s in range(S):
                    counts[j, i, lig[i, s]] += 1
                links[j, i] = xlinks[i]
            conc_out[j, :] = conc
            j += 1
        if j >= n_out or events >= max_events:
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
    return counts, links, conc_out, events


# ============================================================================ the system

@lru_cache(maxsize=16)
def site_system(centre: str = "Pt", structure_file: str = "", kinds: tuple = ("core-core",),
                max_pair_distance_A: float = 6.0):
    """Sites, candidate bridge pairs and C3 triples of the cluster (cached).

    Returns a dict: site_class (18,), pairs (PairTable of all pairs), cand (indices of
    candidate bridge pairs in ``pairs``), triples (list of candidate-index triples).
    """
    from structures.clusters import build_m25, read_structure
    from structures.sites import analyse, c3_triples

    atoms = read_structure(structure_file) if structure_file else build_m25(centre=centre)
    sites, pairs, ops, centre_xyz = analyse(atoms, max_distance_A=max_pair_distance_A)
    if sites.n_sites != N_SITES or int(sites.is_core.sum()) != 12:
        raise ValueError(f"the structure has {sites.n_sites} S sites ({int(sites.is_core.sum())} core); "
                         "an M25(SR)18 cluster has 18 (12 core, 6 apex)")
    cand_mask = (~pairs.same_staple) & np.isin(pairs.kind, list(kinds))
    cand = np.where(cand_mask)[0]
    tri_full = c3_triples(sites, pairs, ops, centre_xyz, select=cand_mask)
    where = {int(k): n for n, k in enumerate(cand)}
    triples = [tuple(where[k] for k in tr) for tr in tri_full]
    return dict(site_class=sites.site_class.copy(), pairs=pairs, cand=cand, triples=triples,
                sites=sites)


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


def resolve_rates(cfg) -> dict:
    vals = rate_defaults()
    for k in PRIORS:
        v = getattr(cfg.rates, k)
        if v is not None:
            vals[k] = float(v)
    return vals


def build_system(cfg, n_clusters: int | None = None, rates: dict | None = None) -> System:
    c, rg = cfg.cluster, cfg.reagents
    rates = dict(resolve_rates(cfg), **(rates or {}))
    geo = site_system(c.centre, c.structure_file, tuple(cfg.solver.bridge_pair_kinds),
                      cfg.solver.max_pair_distance_A)
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
    dist = pairs.distance_A[cand]
    from structures.ligands import bridge_strain_kcal
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
        e_xl = bridge_strain_kcal(dt, rates["crosslinked_pair_distance_A"])
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
    c_cl = c.conc_mM * 1e-3
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
                  site_class=cls, cand_pairs=cand_pairs, cand_distance_A=dist,
                  triples=triples, init_lig=init_lig, init_partner=init_partner,
                  init_shell=init_shell)


def simulate(cfg, seed: int = 0, n_clusters: int | None = None, rates: dict | None = None,
             times_min=None):
    """Run the kernel; returns (system, times_s, counts (T,N,codes), links (T,N), conc (T,R), events)."""
    sysm = build_system(cfg, n_clusters, rates)
    n = n_clusters or cfg.solver.n_clusters
    times_s = 60.0 * np.asarray(times_min if times_min is not None else cfg.conditions.times_min, float)
    lig = np.tile(sysm.init_lig, (n, 1)).astype(np.int8)
    partner = np.tile(sysm.init_partner, (n, 1)).astype(np.int8)
    shell = np.full(n, sysm.init_shell, np.int64)
    xl = np.zeros(n, np.int64)
    xpart = -np.ones((n, N_SITES), np.int64)
    conc = sysm.conc0.copy()
    state = stream_states(seed, 1)[0].copy()
    a = sysm.arrays
    r = sysm.rates
    counts, links, conc_out, events = simulate_population(
        lig, partner, shell, xl, xpart, conc, sysm.dc_M, a["k_site"], a["leave"], a["nucleophile"],
        a["reagent_code"], a["product_code"], a["release_reagent"], sysm.n_mono, sysm.n_di,
        a["nbr_site"], a["nbr_pair"], a["pair_of"], a["fit_native"], a["fit_xl"], a["fit_other"],
        a["in_triple"], a["pair_triples"], r["k_close_per_s"], r["k_disulfide_M_s"],
        r["k_tde_M_s"], a["tde_nuc"], bool(cfg.rates.rearrangement), times_s, state, cfg.solver.max_events)
    return sysm, times_s, counts, links, conc_out, events


# ============================================================================ observables

def composition_labels(sysm: System, counts_t: np.ndarray) -> np.ndarray:
    """Label of every cluster at one time, e.g. 'PET2TBBT10PDT3', dangling 'PDTH1',
    cross-linked ends 'PDTx1'."""
    n_mono, n_di = sysm.n_mono, sysm.n_di
    order = [m for m in MONOTHIOLS if m in sysm.mono]
    uniq, inv = np.unique(counts_t, axis=0, return_inverse=True)
    names = []
    for row in uniq:
        parts = [f"{m}{row[sysm.mono.index(m)]}" for m in order if row[sysm.mono.index(m)]]
        for d, name in enumerate(sysm.di):
            lab = _label(name)
            nb = row[n_mono + n_di + d] // 2
            if nb:
                parts.append(f"{lab}{nb}")
        for d, name in enumerate(sysm.di):
            if row[n_mono + d]:
                parts.append(f"{_label(name)}H{row[n_mono + d]}")
            if row[n_mono + 2 * n_di + d]:
                parts.append(f"{_label(name)}x{row[n_mono + 2 * n_di + d]}")
        names.append("".join(parts))
    return np.asarray(names, dtype=object)[np.asarray(inv).ravel()]


def unit_masses(sysm: System) -> np.ndarray:
    """Mass (g/mol) contributed per site by each code (bridged: half a dithiolate)."""
    m = np.zeros(sysm.n_mono + 3 * sysm.n_di)
    for k, name in enumerate(sysm.mono):
        m[k] = formula_mass(MONOTHIOLS[name].thiolate)
    for d, name in enumerate(sysm.di):
        dt = DITHIOLS[name]
        m[sysm.n_mono + d] = formula_mass(dt.dangling)
        m[sysm.n_mono + sysm.n_di + d] = 0.5 * formula_mass(dt.dithiolate)
        m[sysm.n_mono + 2 * sysm.n_di + d] = formula_mass(dt.dithiolate)
    return m


def metal_mass(centre: str) -> float:
    return formula_mass(f"Au24{centre}") if centre != "Au" else formula_mass("Au25")


def fractions(labels: np.ndarray, mask: np.ndarray | None = None) -> dict[str, float]:
    """Fraction of all clusters carrying each label (mask: count only these clusters)."""
    n = len(labels)
    sel = labels if mask is None else labels[mask]
    u, k = np.unique(sel.astype(str), return_counts=True)
    return {str(a): float(b) / n for a, b in zip(u, k)}


def observe(sysm: System, times_s, counts, links, centre="Pt", charge=1):
    """Chemist-facing observables from the kernel output."""
    n_t, n, _ = counts.shape
    n_mono, n_di = sysm.n_mono, sysm.n_di
    per_time = []
    masses = unit_masses(sysm)
    m0 = metal_mass(centre)
    for j in range(n_t):
        labels = composition_labels(sysm, counts[j])
        soluble = links[j] == 0
        mass = m0 + counts[j] @ masses
        per_time.append(dict(labels=labels, soluble=soluble, mass=mass))
    mean_counts = counts.mean(axis=1)
    sem_counts = counts.std(axis=1, ddof=1) / np.sqrt(n) if n > 1 else np.zeros_like(mean_counts)
    bridged = counts[:, :, n_mono + n_di:n_mono + 2 * n_di].sum(axis=2) // 2
    dangling = counts[:, :, n_mono:n_mono + n_di].sum(axis=2)
    return dict(per_time=per_time, mean_counts=mean_counts, sem_counts=sem_counts,
                bridged=bridged, dangling=dangling,
                crosslinked_fraction=(links > 0).mean(axis=1),
                bridged_soluble_fraction=((bridged > 0) & (links == 0)).mean(axis=1))


# ============================================================================ reference data

DATA_FILE = "au24pt_ligand_exchange.csv"
SOURCE = "Yoshikawa, Kawawaki, Hossain, Negishi, Chem. Sci. 2026, 17, 6931"


def load_observations() -> list[dict]:
    """Rows of inputs/data/au24pt_ligand_exchange.csv (comment lines start with #)."""
    from sim.paths import data_file

    path = data_file(DATA_FILE)
    with path.open() as fh:
        lines = [ln for ln in fh if not ln.lstrip().startswith("#") and ln.strip()]
    rows = []
    for r in csv.DictReader(lines):
        r["time_min"] = float(r["time_min"])
        r["lower"] = float(r["lower"]) if r["lower"] else None
        r["upper"] = float(r["upper"]) if r["upper"] else None
        rows.append(r)
    return rows


def experiment_path(name: str) -> Path:
    from sim.paths import model_inputs

    return model_inputs(NAME) / f"{name}.toml"


def load_reference(name: str):
    from sim.config import load_experiment

    return load_experiment(experiment_path(name))


@dataclass
class Snapshot:
    """Compositions of one simulated experiment at its output times."""
    times_min: np.ndarray
    labels: list            # per time: label per cluster
    links: np.ndarray       # (T, N)
    counts: np.ndarray      # (T, N, codes)
    system: System
    events: int

    def index(self, t_min: float) -> int:
        k = int(np.argmin(np.abs(self.times_min - t_min)))
        if abs(self.times_min[k] - t_min) > 1e-6:
            raise KeyError(f"time {t_min} min is not an output time of this experiment")
        return k

    def fractions(self, t_min: float) -> dict[str, float]:
        return fractions(self.labels[self.index(t_min)])

    def fraction(self, t_min: float, label: str) -> float:
        return self.fractions(t_min).get(label, 0.0)

    def leading(self, t_min: float, exclude=()) -> tuple[str, float]:
        fr = {k: v for k, v in self.fractions(t_min).items() if k not in exclude}
        k = max(fr, key=fr.get)
        return k, fr[k]

    def mean_code(self, t_min: float, code_name: str) -> float:
        names = self.system.code_names()
        return float(self.counts[self.index(t_min), :, names.index(code_name)].mean())

    def dithiol_units(self, t_min: float) -> np.ndarray:
        """Dithiol-derived ligands (any state) per cluster."""
        n0 = self.system.n_mono
        return self.counts[self.index(t_min), :, n0:].sum(axis=1)


def run_snapshot(exp, n_clusters=None, rates=None, seed=None) -> Snapshot:
    cfg = exp.config
    sysm, times_s, counts, links, _, events = simulate(cfg, seed=exp.seed if seed is None else seed,
                                                      n_clusters=n_clusters, rates=rates)
    labels = [composition_labels(sysm, counts[j]) for j in range(counts.shape[0])]
    return Snapshot(times_s / 60.0, labels, links, counts, sysm, events)


def _parse(label: str) -> dict[str, int]:
    import re

    return {k: int(v) for k, v in re.findall(r"([A-Za-z]+?)(\d+)", label)}


def observation_value(snap: Snapshot, row: dict) -> float:
    """Simulated value of one observation row (see the data file for the quantities)."""
    q, sp, t = row["quantity"], row["species"], row["time_min"]
    if q == "fraction":
        return snap.fraction(t, sp)
    if q == "max_fraction":
        return max(snap.fraction(tt, sp) for tt in snap.times_min if tt > 0)
    if q == "lead_margin":       # fraction of the species minus that of the runner-up
        fr = snap.fractions(t)
        other = max([v for k, v in fr.items() if k != sp], default=0.0)
        return fr.get(sp, 0.0) - other
    if q == "no_dithiol_fraction":
        return float(np.mean(snap.dithiol_units(t) == 0))
    if q == "mean_count":
        return snap.mean_code(t, sp)
    if q == "crosslinked_fraction":
        return float(np.mean(snap.links[snap.index(t)] > 0))
    if q == "bridged_soluble_fraction":
        k = snap.index(t)
        n0, nd = snap.system.n_mono, snap.system.n_di
        bridged = snap.counts[k, :, n0 + nd:n0 + 2 * nd].sum(axis=1) > 0
        return float(np.mean(bridged & (snap.links[k] == 0)))
    if q == "bridged_fraction":
        k = snap.index(t)
        n0, nd = snap.system.n_mono, snap.system.n_di
        d = snap.system.di.index(sp)
        return float(np.mean(snap.counts[k, :, n0 + nd + d] > 0))
    if q == "changed_fraction":
        return 1.0 - snap.fraction(t, sp)
    if q == "ligand_fraction":
        k = snap.index(t)
        names = snap.system.code_names()
        return float(snap.counts[k, :, names.index(sp)].sum() / (N_SITES * snap.counts.shape[1]))
    if q == "lead_pdt3_pet_margin":
        # leading PDT-bearing species: must carry 3 PDT and 1-3 PET; margin of the best such
        # species over the best other PDT-bearing species
        fr = snap.fractions(t)
        good, bad = 0.0, 0.0
        for k, v in fr.items():
            p = _parse(k)
            if p.get("PDT", 0) == 0 and p.get("PDTH", 0) == 0:
                continue
            if p.get("PDT", 0) == 3 and 1 <= p.get("PET", 0) <= 3 and "PDTH" not in p:
                good = max(good, v)
            else:
                bad = max(bad, v)
        return good - bad
    raise ValueError(f"unknown quantity {q!r} in {DATA_FILE}")


def row_residual(value: float, row: dict) -> float:
    lo, hi = row["lower"], row["upper"]
    r = 0.0
    if lo is not None and value < lo:
        r = lo - value
    if hi is not None and value > hi:
        r = value - hi
    return r


# ============================================================================ plots

def plot_compositions(result, path, n_top: int = 10) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = np.asarray(result["time_min"])
    species = [str(s) for s in result["species"]]
    frac = np.asarray(result["species_fraction"])
    show = np.asarray(result["plot_time_index"]) if "plot_time_index" in result.arrays else np.arange(len(times))
    fig, axes = plt.subplots(len(show), 1, figsize=(8, 1.9 * len(show) + 0.6), squeeze=False)
    for ax, j in zip(axes[:, 0], show):
        order = np.argsort(-frac[j])[:n_top]
        order = [k for k in order if frac[j, k] > 0]
        ax.bar(range(len(order)), 100 * frac[j, order], color="tab:blue")
        ax.set_xticks(range(len(order)))
        ax.set_xticklabels([species[k] for k in order], rotation=30, ha="right", fontsize=7)
        ax.set_ylabel("% clusters", fontsize=8)
        ax.set_title(f"t = {times[j]:g} min", fontsize=9)
    fig.suptitle("composition distribution", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ============================================================================ BNGL export

def _link_site_pairs(sysm: System, st, code):
    """(site, site2, dangling, linked, dangling2, linked2) for every unordered pair of
    dithiol-bearing sites on two clusters that a disulfide link can join, with the BNGL
    state names of each end before and after linking."""
    for d in range(sysm.n_di):
        dang = st[code[sysm.n_mono + d]]
        xl = st[code[sysm.n_mono + 2 * sysm.n_di + d]]
        for d2 in range(sysm.n_di):
            dang2 = st[code[sysm.n_mono + d2]]
            xl2 = st[code[sysm.n_mono + 2 * sysm.n_di + d2]]
            for s in range(N_SITES):
                for s2 in range(N_SITES):
                    if (d2, s2) >= (d, s):
                        yield s, s2, dang, xl, dang2, xl2


def write_bngl(exp, out_path, n_clusters: int | None = None, t_end_min: float | None = None,
               n_steps: int | None = None, actions: bool = True, seed: int | None = None) -> Path:
    """Write the experiment as BioNetGen rules (explicit sites s1...s18) for NFsim.

    One molecule type C (cluster) with sites s1..s18 (ligand state), p1..pK (candidate pair
    on the committed C3 triple), sh (shell rearranged), nx (bridges outside the triple); free
    reagents are molecules L_<name> with counts = equivalents x clusters.  Rate constants are
    per molecule: k (M^-1 s^-1) * [cluster] / n_clusters for bimolecular steps.
    Disulfide coupling between clusters is a bimolecular C + C rule that bonds the two
    cross-linked sites; thiol-disulfide interchange breaks that bond.
    """
    cfg = exp.config
    n = n_clusters or cfg.solver.n_clusters
    sysm = build_system(cfg, n)
    r = sysm.rates
    mono, di = sysm.mono, sysm.di
    code = sysm.code_names()
    st = {c: c.replace(":dangling", "_D").replace(":bridged", "_B").replace(":crosslinked", "_X")
          for c in code}
    states = "~".join(st[c] for c in code)
    a = sysm.arrays
    cand = sysm.cand_pairs
    triples = sysm.triples
    n_levels = N_EXTRA_LEVELS
    lines = [f"# nanokin ligand_exchange export of '{exp.name}' ({n} clusters)",
             "begin model", "begin parameters"]
    vol = sysm.dc_M          # M per molecule
    lines.append(f"  dc {vol:.10g}   # concentration of one molecule, M")
    lines.append("end parameters")
    n_cand = len(cand)
    comps = ",".join([f"s{k + 1}~{states}" for k in range(N_SITES)] +
                     [f"p{k + 1}~0~1" for k in range(n_cand)] +
                     ["sh~0~1", "nx~" + "~".join(str(k) for k in range(n_levels))])
    lines += ["begin molecule types", f"  C({comps})"]
    reag = [*mono, *di]
    rname = [f"L_{_label(x)}" for x in reag]
    for nm in rname:
        lines.append(f"  {nm}()")
    lines += ["end molecule types", "begin seed species"]
    init = ",".join([f"s{k + 1}~{st[code[sysm.init_lig[k]]]}" for k in range(N_SITES)] +
                    [f"p{k + 1}~{1 if sysm.init_shell >= 0 and k in sysm.triples[sysm.init_shell] else 0}"
                     for k in range(n_cand)] +
                    [f"sh~{1 if sysm.init_shell >= 0 else 0}", "nx~0"])
    lines.append(f"  C({init}) {n}")
    for nm, c0 in zip(rname, sysm.conc0):
        lines.append(f"  {nm}() {int(round(c0 / vol))}")
    lines += ["end seed species", "begin observables"]
    for c in code:
        bond = "!?" if c.endswith(":crosslinked") else ""    # cross-linked sites carry a bond
        terms = " ".join(f"C(s{k + 1}~{st[c]}{bond})" for k in range(N_SITES))
        lines.append(f"  Molecules n_{st[c]} {terms}")
    lines.append("  Molecules n_rearranged C(sh~1)")
    for nm in rname:
        lines.append(f"  Molecules free_{nm} {nm}()")
    lines += ["end observables", "begin reaction rules"]
    n_ex = sysm.n_mono + sysm.n_di
    rule = 0
    # 1. exchange: incoming reagent ri replaces exchangeable code c at site s
    for s in range(N_SITES):
        for ri in range(n_ex):
            for c in range(n_ex):
                if c == ri:
                    continue
                k = a["k_site"][s] * a["leave"][c] * a["nucleophile"][ri] * vol
                if k <= 0:
                    continue
                rule += 1
                lines.append(f"  r{rule}: C(s{s + 1}~{st[code[c]]}) + {rname[ri]}() -> "
                             f"C(s{s + 1}~{st[code[ri]]}) + {rname[c]}() {k:.10g}")
    # 2./3. ring closure on candidate pair p, dangling at u, leaving monothiol at v
    for p, (i, j) in enumerate(cand):
        tri_p = [q for q in range(len(triples)) if p in triples[q]]
        for u, v in ((i, j), (j, i)):
            for d in range(sysm.n_di):
                dang, br = st[code[sysm.n_mono + d]], st[code[sysm.n_mono + sysm.n_di + d]]
                for m in range(sysm.n_mono):
                    base = r["k_close_per_s"] * a["leave"][m]
                    lhs = f"s{u + 1}~{dang},s{v + 1}~{st[code[m]]}"
                    rhs = f"s{u + 1}~{br},s{v + 1}~{br}"
                    # before rearrangement: commit to one of the triples containing p
                    k0 = base * a["fit_native"][d, p]
                    if k0 > 0:
                        if cfg.rates.rearrangement and tri_p:
                            for q in tri_p:
                                fl = ",".join(f"p{int(x) + 1}~0" for x in sorted(triples[q]))
                                fr = ",".join(f"p{int(x) + 1}~1" for x in sorted(triples[q]))
                                rule += 1
                                lines.append(f"  r{rule}: C({lhs},sh~0,{fl}) -> C({rhs},sh~1,{fr}) "
                                             f"{k0 / len(tri_p):.10g}")
                        else:
                            rule += 1
                            lines.append(f"  r{rule}: C({lhs},sh~0) -> C({rhs},sh~0) {k0:.10g}")
                    if not cfg.rates.rearrangement:
                        continue
                    # after rearrangement: on the triple (both sites flagged) ...
                    k1 = base * a["fit_xl"][d]
                    if k1 > 0:
                        rule += 1
                        lines.append(f"  r{rule}: C({lhs},sh~1,p{p + 1}~1) -> "
                                     f"C({rhs},sh~1,p{p + 1}~1) {k1:.10g}")
                    # ... or off it (at least one site unflagged), by level of extra bridges
                    for lev in range(n_levels):
                        k2 = base * a["fit_other"][d, lev, p]
                        if k2 <= 0:
                            continue
                        new = min(lev + 1, n_levels - 1)
                        rule += 1
                        lines.append(f"  r{rule}: C({lhs},sh~1,nx~{lev},p{p + 1}~0) -> "
                                     f"C({rhs},sh~1,nx~{new},p{p + 1}~0) {k2:.10g}")
    # 4. disulfide coupling of dangling ends on two clusters
    if r["k_disulfide_M_s"] > 0 and sysm.n_di:
        k = r["k_disulfide_M_s"] * vol
        for s, s2, dang, xl, dang2, xl2 in _link_site_pairs(sysm, st, code):
            rule += 1
            lines.append(f"  r{rule}: C(s{s + 1}~{dang}) + C(s{s2 + 1}~{dang2}) -> "
                         f"C(s{s + 1}~{xl}!1).C(s{s2 + 1}~{xl2}!1) {k:.10g}")
            # the same coupling between two clusters already in one linked aggregate
            rule += 1
            lines.append(f"  r{rule}: C(s{s + 1}~{dang}).C(s{s2 + 1}~{dang2}) -> "
                         f"C(s{s + 1}~{xl}!1).C(s{s2 + 1}~{xl2}!1) {k:.10g}")
    # 5. thiol-disulfide interchange: a free thiol cleaves an inter-cluster link (and is consumed)
    if r["k_tde_M_s"] > 0 and r["k_disulfide_M_s"] > 0 and sysm.n_di:
        for ri in range(n_ex):
            k = r["k_tde_M_s"] * a["tde_nuc"][ri] * vol
            if k <= 0:
                continue
            for s, s2, dang, xl, dang2, xl2 in _link_site_pairs(sysm, st, code):
                rule += 1
                lines.append(f"  r{rule}: C(s{s + 1}~{xl}!1).C(s{s2 + 1}~{xl2}!1) + {rname[ri]}() -> "
                             f"C(s{s + 1}~{dang}) + C(s{s2 + 1}~{dang2}) {k:.10g}")
    lines += ["end reaction rules", "end model"]
    if actions:
        t_end = 60.0 * (t_end_min if t_end_min is not None else cfg.conditions.times_min[-1])
        steps = n_steps or max(1, len(cfg.conditions.times_min) - 1)
        lines += ["", "writeXML()",
                  f'simulate({{method=>"nf",t_end=>{t_end:.10g},n_steps=>{steps},'
                  f'seed=>{exp.seed if seed is None else seed},param=>"-gml 1000000 -utl 1000000"}})']
    out = Path(out_path)
    out.write_text("\n".join(lines) + "\n")
    return out


# ============================================================================ the model

REFERENCE = ("tbbt18_pdt", "pet18_tbbt_pdt", "pet18_pdt", "tbbt12pdt3_edt", "tbbt12pdt3_budt",
             "tbbt18_bdt", "pet18_tbbt_250")
#: experiments whose rows the least-squares fit uses (the others are predictions)
FIT_EXPERIMENTS = ("tbbt18_pdt", "pet18_tbbt_pdt")


class LigandExchangeModel(Model):
    name = NAME
    config_class = LigandExchangeConfig

    def __init__(self):
        self.exporters = {"bngl": lambda exp, out: write_bngl(exp, out)}

    # ---------------------------------------------------------------- run
    def run(self, experiment, progress=None) -> Result:
        cfg = experiment.config
        try:
            sysm, times_s, counts, links, conc, events = simulate(cfg, seed=experiment.seed)
        except ValueError as exc:
            from sim.config import ConfigError
            raise ConfigError(experiment.path, "cluster.structure_file", cfg.cluster.structure_file,
                              "an M25(SR)18 structure with 12 core and 6 apex S sites", str(exc)) from None
        obs = observe(sysm, times_s, counts, links, centre=cfg.cluster.centre)
        res = Result(model=self.name, solver={
            "method": "network-free direct-method SSA over a cluster population (binary sum trees)",
            "n_clusters": int(counts.shape[1]), "events": int(events), "rng": "xoshiro256** (sim.rng)",
            "rates": {k: float(v) for k, v in sysm.rates.items()},
            "rearrangement": bool(cfg.rates.rearrangement),
            "bridge_pair_kinds": list(cfg.solver.bridge_pair_kinds)})
        times_min = times_s / 60.0
        res.add("time_min", times_min, "min", "output times")
        code = sysm.code_names()
        res.add("code_names", np.array(code, dtype=object), "", "ligand states per site, in column order")
        res.add("mean_sites", obs["mean_counts"], "sites per cluster", "mean sites per cluster in each state")
        res.add("sem_sites", obs["sem_counts"], "sites per cluster", "standard error of mean_sites")
        res.add("bridged_mean", obs["bridged"].mean(axis=1), "per cluster", "bridged dithiols per cluster")
        res.add("dangling_mean", obs["dangling"].mean(axis=1), "per cluster", "dangling dithiols per cluster")
        res.add("crosslinked_fraction", obs["crosslinked_fraction"], "1",
                "clusters with an inter-cluster link (insoluble)")
        res.add("soluble_fraction", 1.0 - obs["crosslinked_fraction"], "1", "clusters without a link")
        res.add("bridged_soluble_fraction", obs["bridged_soluble_fraction"], "1",
                "soluble clusters with at least one bridge")
        res.add("free_conc_M", conc, "M",
                "free reagent concentrations; columns: " + ", ".join(sysm.mono + sysm.di))
        all_labels = sorted({str(x) for pt in obs["per_time"] for x in pt["labels"]})
        frac = np.zeros((len(times_min), len(all_labels)))
        pos = {k: q for q, k in enumerate(all_labels)}
        mass = np.zeros(len(all_labels))
        for j, pt in enumerate(obs["per_time"]):
            for lab, f in fractions(pt["labels"]).items():
                frac[j, pos[lab]] = f
            for lab, m in zip(pt["labels"], pt["mass"]):
                mass[pos[str(lab)]] = m
        res.add("species", np.array(all_labels, dtype=object), "", "composition labels, e.g. PET2TBBT10PDT3 "
                "(PDTH: dangling, PDTx: cross-linked end)")
        res.add("species_fraction", frac, "1", "fraction of all clusters with each composition (time x species)")
        res.add("species_mass", mass, "g/mol", "average molar mass of each composition")
        z = cfg.conditions.ms_charge
        res.add("ms_mz", (mass + z * ELECTRON_MASS) / z, "m/z", f"negative-ion m/z at charge {z}-")
        sol = np.zeros_like(frac)
        for j, pt in enumerate(obs["per_time"]):
            for lab, f in fractions(pt["labels"], pt["soluble"]).items():
                sol[j, pos[lab]] = f
        res.add("ms_intensity", sol, "1", "simulated mass spectrum: soluble clusters of each composition")
        plot_t = cfg.conditions.plot_times_min or tuple(times_min[1:] if len(times_min) > 1 else times_min)
        idx = [int(np.argmin(np.abs(times_min - t))) for t in plot_t]
        res.add("plot_time_index", np.array(idx), "", "output times shown in the PNG")
        for j, t in enumerate(times_min):
            lead = all_labels[int(np.argmax(frac[j]))]
            res.note(f"leading_species_t{t:g}min", lead, "", f"most abundant composition at {t:g} min")
        res.note("events", int(events), "", "simulated events")
        return res

    def plot(self, result, path) -> None:
        plot_compositions(result, path)

    # ---------------------------------------------------------------- validate
    def rows_for(self, snaps: dict, role_of=None) -> list:
        from sim.validation import check_row, range_row

        rows = []
        for r in load_observations():
            if r["experiment"] not in snaps:
                continue
            snap = snaps[r["experiment"]]
            v = observation_value(snap, r)
            lo = r["lower"] if r["lower"] is not None else -math.inf
            hi = r["upper"] if r["upper"] is not None else math.inf
            role = "fitted" if r["experiment"] in FIT_EXPERIMENTS or r["role"] == "fitted" else "predicted"
            if r["quantity"] in ("lead_margin", "lead_pdt3_pet_margin"):
                t = r["time_min"]
                lead, f = snap.leading(t) if r["quantity"] == "lead_margin" else (None, None)
                text = f"{lead} ({100 * f:.1f} %)" if lead else f"margin {100 * v:+.1f} %"
                rows.append(check_row(NAME, r["experiment"], r["statement"], r["observed"], text,
                                      v > 0, "leads (margin > 0)", role=role,
                                      deviation=f"margin {100 * v:+.1f} %"))
            else:
                rows.append(range_row(NAME, r["experiment"], r["statement"], r["observed"], v,
                                      lo, hi, role=role))
        return rows

    def validate(self, quick: bool = False, progress=None) -> list:
        n = 300 if quick else 4000
        snaps = {}
        for name in REFERENCE:
            snaps[name] = run_snapshot(load_reference(name), n_clusters=n)
            if progress is not None:
                progress.update(1)
        return self.rows_for(snaps)

    # ---------------------------------------------------------------- fit
    def fit(self, progress=None, n_clusters: int = 300, max_nfev: int = 8):
        from sim.fit import least_squares_fit

        obs = [r for r in load_observations() if r["experiment"] in FIT_EXPERIMENTS]
        exps = {name: load_reference(name) for name in FIT_EXPERIMENTS}
        names = list(FITTED_NAMES)
        x0 = [PRIORS[k][0] for k in names]
        bounds = [(v / 30.0, v * 30.0) for v in x0]
        bounds[names.index("strain_scale")] = (0.05, 2.0)
        units = [PRIORS[k][1] for k in names]

        def values(x):
            rates = dict(zip(names, map(float, x)))
            snaps = {k: run_snapshot(e, n_clusters=n_clusters, rates=rates) for k, e in exps.items()}
            return [(r, observation_value(snaps[r["experiment"]], r)) for r in obs]

        def residuals(x):
            if progress is not None:
                progress.update(1)
            return np.array([row_residual(v, r) for r, v in values(x)])

        def evaluate(x):
            return [dict(label=f"{r['experiment']} {r['statement']}",
                         measured=float(r["lower"] if r["lower"] is not None else r["upper"]),
                         observed=r["observed"],
                         simulated=float(v), residual=float(row_residual(v, r))) for r, v in values(x)]

        report = least_squares_fit(NAME, residuals, names, x0, bounds, units, evaluate,
                                   data_source=f"{SOURCE}; inputs/data/{DATA_FILE}",
                                   diff_step=0.05, max_nfev=max_nfev)
        report.extra = {"n_clusters_per_evaluation": n_clusters, "experiments": list(FIT_EXPERIMENTS),
                        "note": "stochastic objective with a fixed seed (common random numbers)"}
        return report


MODEL = LigandExchangeModel()
