"""Ligand S sites of an M25(SR)18-type cluster and the S-S site-pair table.

Sites are classified by connectivity alone, so the same analysis works on built
clusters and on crystal / DFT coordinates:

* metals: the centre (most metal neighbours, nearest the centroid), core-surface metals
  (bonded to the centre) and staple metals (the rest);
* ``core`` S site: bonded to a core-surface metal and a staple metal (terminal S);
* ``apex`` S site: bonded to two staple metals (central S of a staple).

Staples are the connected components of staple metals and their S atoms.  The pair
table lists every S-S pair up to a cut-off with its distance, kind (core-core,
core-apex, apex-apex), whether both S belong to the same staple, and a pair class:
pairs mapped onto each other by a point-group operation of the cluster share a class.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from structures.ligands import DITHIOLS, R_KCAL, bridge_strain_kcal

__all__ = ["SiteTable", "PairTable", "classify_sites", "pair_table", "c3_triples",
           "analyse", "bond_graph", "graph_site_permutations", "frame_of", "METALS"]


@dataclass
class SiteTable:
    s_atoms: np.ndarray          # atom index of each S site
    site_class: np.ndarray       # "core" / "apex"
    staple: np.ndarray           # staple id (0..5) of each S site
    centre_atom: int
    core_metals: np.ndarray
    staple_metals: np.ndarray
    positions: np.ndarray        # (n_sites, 3) S coordinates, Å
    s_bonds: tuple = ()          # metal atom indices bonded to each S site

    @property
    def n_sites(self) -> int:
        return len(self.s_atoms)

    @property
    def is_core(self) -> np.ndarray:
        return self.site_class == "core"


@dataclass
class PairTable:
    i: np.ndarray
    j: np.ndarray
    distance_A: np.ndarray
    kind: np.ndarray             # "core-core", "core-apex", "apex-apex"
    same_staple: np.ndarray
    pair_class: np.ndarray       # int label, equal for symmetry-equivalent pairs
    strain_kcal: dict = field(default_factory=dict)  # dithiol name -> strain per pair
    class_distance_A: np.ndarray | None = None  # mean distance of each pair's class

    def __len__(self) -> int:
        return len(self.i)

    def index(self) -> dict[tuple[int, int], int]:
        return {(int(a), int(b)): k for k, (a, b) in enumerate(zip(self.i, self.j))}

    def fit(self, dithiol: str, temperature_K: float = 298.15, strain_scale: float = 1.0) -> np.ndarray:
        """Boltzmann bridge fit exp(-scale * E / RT) in [0, 1] for each pair."""
        return np.exp(-strain_scale * self.strain_kcal[dithiol] / (R_KCAL * temperature_K))

    def rows(self) -> list[dict]:
        out = []
        for k in range(len(self)):
            r = dict(i=int(self.i[k]), j=int(self.j[k]), distance_A=float(self.distance_A[k]),
                     kind=str(self.kind[k]), same_staple=bool(self.same_staple[k]),
                     pair_class=int(self.pair_class[k]))
            for name, e in self.strain_kcal.items():
                r[f"strain_{name}_kcal"] = float(e[k])
            out.append(r)
        return out


#: elements counted as metal atoms of the frame (ligand atoms C, H, N, O, S ... are not)
METALS = ("Au", "Ag", "Cu", "Pt", "Pd", "Hg", "Cd", "Ir", "Rh", "Ni", "Zn", "Co")


def _bonds(pos, a_idx, b_idx, cutoff):
    d = np.linalg.norm(pos[a_idx][:, None, :] - pos[b_idx][None, :, :], axis=2)
    return d < cutoff


def classify_sites(atoms, metal_S_cutoff_A: float = 2.75, metal_metal_cutoff_A: float = 3.2) -> SiteTable:
    """Classify the S sites of ``atoms`` (metals + S; C/H atoms are ignored)."""
    pos = atoms.get_positions()
    sym = np.array(atoms.get_chemical_symbols())
    s_idx = np.where(sym == "S")[0]
    m_idx = np.where(np.isin(sym, METALS))[0]
    if len(m_idx) == 0 or len(s_idx) == 0:
        raise ValueError("the structure has no metal or no S atoms")
    if len(m_idx) < 14:
        raise ValueError(f"the structure has {len(m_idx)} metal atoms; an M25(SR)18 frame has 25")
    mm = _bonds(pos, m_idx, m_idx, metal_metal_cutoff_A)
    np.fill_diagonal(mm, False)
    n_nb = mm.sum(axis=1)
    centroid = pos[m_idx].mean(axis=0)
    dist_c = np.linalg.norm(pos[m_idx] - centroid, axis=1)
    centre_local = int(np.lexsort((dist_c, -n_nb))[0])
    centre = int(m_idx[centre_local])
    core_mask = mm[centre_local]
    core_metals = m_idx[core_mask]
    staple_metals = m_idx[~core_mask & (m_idx != centre)]
    sm_core = _bonds(pos, s_idx, core_metals, metal_S_cutoff_A).sum(axis=1)
    sm_staple = _bonds(pos, s_idx, staple_metals, metal_S_cutoff_A)
    n_staple = sm_staple.sum(axis=1)
    cls = np.where((sm_core >= 1) & (n_staple >= 1), "core",
                   np.where(n_staple >= 2, "apex", "other"))
    if np.any(cls == "other"):
        bad = s_idx[cls == "other"].tolist()
        raise ValueError(f"S atoms {bad} are neither core nor apex sites (check the bond cut-off)")
    # staples: connected components over staple metals and S (union-find)
    n_sm = len(staple_metals)
    parent = list(range(n_sm + len(s_idx)))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for si in range(len(s_idx)):
        for mj in np.where(sm_staple[si])[0]:
            parent[find(n_sm + si)] = find(int(mj))
    roots = [find(n_sm + si) for si in range(len(s_idx))]
    labels = {r: k for k, r in enumerate(dict.fromkeys(roots))}
    staple = np.array([labels[r] for r in roots])
    all_m = np.concatenate([core_metals, staple_metals])
    s_m = _bonds(pos, s_idx, all_m, metal_S_cutoff_A)
    s_bonds = tuple(tuple(int(x) for x in all_m[row]) for row in s_m)
    return SiteTable(s_atoms=s_idx, site_class=cls, staple=staple, centre_atom=centre,
                     core_metals=core_metals, staple_metals=staple_metals,
                     positions=pos[s_idx].copy(), s_bonds=s_bonds)


def _site_permutations(sites: SiteTable, ops, centre, tol=0.3) -> list[np.ndarray]:
    """For each 3x3 operation about ``centre``, the permutation of site indices it induces
    (skipped if none): the point-group route, kept for comparison with the bond graph."""
    p = sites.positions - centre
    perms = []
    for op in ops:
        moved = p @ np.asarray(op).T
        d = np.linalg.norm(moved[:, None, :] - p[None, :, :], axis=2)
        j = d.argmin(axis=1)
        if np.all(d[np.arange(len(p)), j] < tol) and len(set(j.tolist())) == len(p):
            perms.append(j)
    return perms


def bond_graph(atoms, sites: SiteTable | None = None, core_neighbours: int = 5):
    """The metal-S frame as a labelled graph (networkx): centre - core metal bonds, the
    icosahedron edges among the core metals (each core metal joined to its
    ``core_neighbours`` nearest core metals, so no cut-off decides them), and every
    metal-S bond of :func:`classify_sites`.  Node attribute ``role``: centre, core, staple,
    S-core, S-apex.  Distances enter only through the bond detection, so a noisy or
    relaxed structure gives the same graph as the ideal one."""
    import networkx as nx

    sites = sites or classify_sites(atoms)
    pos = atoms.get_positions()
    g = nx.Graph()
    g.add_node(sites.centre_atom, role="centre")
    for m in sites.core_metals:
        g.add_node(int(m), role="core")
        g.add_edge(sites.centre_atom, int(m))
    for m in sites.staple_metals:
        g.add_node(int(m), role="staple")
    for s, c in zip(sites.s_atoms, sites.site_class):
        g.add_node(int(s), role="S-" + str(c))
    core = np.asarray(sites.core_metals)
    if len(core) > core_neighbours:
        d = np.linalg.norm(pos[core][:, None] - pos[core][None], axis=2)
        np.fill_diagonal(d, np.inf)
        for a in range(len(core)):
            for b in np.argsort(d[a])[:core_neighbours]:
                g.add_edge(int(core[a]), int(core[b]))
    for s, metals in zip(sites.s_atoms, sites.s_bonds):
        for m in metals:
            g.add_edge(int(s), int(m))
    return g


def graph_site_permutations(atoms, sites: SiteTable | None = None, limit: int = 10000) -> list[np.ndarray]:
    """Automorphisms of the bond graph (:func:`bond_graph`) as permutations of the S sites.

    This is the symmetry of the connectivity, not of the coordinates: the ideal T_h cluster
    gives its 24 operations, and so does the same cluster with noise on every atom or a
    relaxed / crystal structure whose point group is C1."""
    from networkx.algorithms.isomorphism import GraphMatcher

    sites = sites or classify_sites(atoms)
    g = bond_graph(atoms, sites)
    where = {int(a): k for k, a in enumerate(sites.s_atoms)}
    gm = GraphMatcher(g, g, node_match=lambda a, b: a["role"] == b["role"])
    perms, seen = [], set()
    for n, iso in enumerate(gm.isomorphisms_iter()):
        if n >= limit:
            raise ValueError(f"the bond graph has more than {limit} automorphisms: "
                             "not an M25(SR)18-type frame")
        p = np.array([where[iso[int(a)]] for a in sites.s_atoms])
        key = p.tobytes()
        if key not in seen:
            seen.add(key)
            perms.append(p)
    return perms


def pair_table(sites: SiteTable, max_distance_A: float = 6.0, perms=None,
               dithiols=tuple(DITHIOLS), tol_A: float = 0.3) -> PairTable:
    """The S-S pairs whose class lies within ``max_distance_A``.

    Classes are the orbits of the pairs under ``perms`` (site permutations, normally the
    bond-graph automorphisms of :func:`graph_site_permutations`); without ``perms``, pairs
    of equal kind and staple relation whose distances differ by less than ``tol_A / 3`` share
    a class.  A class is kept or dropped as a whole, on its mean distance, so noise never
    splits it.  ``distance_A`` is each pair's own distance; ``class_distance_A`` the mean of
    its class (the distance the kinetics use: symmetry-equivalent pairs react alike)."""
    p = sites.positions
    n = len(p)
    ii, jj = np.triu_indices(n, 1)
    d = np.linalg.norm(p[ii] - p[jj], axis=1)
    cls = sites.site_class
    kind = np.array(["-".join(sorted((cls[a], cls[b]))) for a, b in zip(ii, jj)])
    same = sites.staple[ii] == sites.staple[jj]
    index = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(ii, jj))}
    parent = list(range(len(ii)))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    if perms is not None:
        for perm in perms:
            for k, (a, b) in enumerate(zip(ii, jj)):
                key = tuple(sorted((int(perm[a]), int(perm[b]))))
                parent[find(k)] = find(index[key])
    else:
        order = np.argsort(d)
        for x, y in zip(order[:-1], order[1:]):
            if kind[x] == kind[y] and same[x] == same[y] and d[y] - d[x] < tol_A / 3:
                parent[find(int(y))] = find(int(x))
    roots = np.array([find(k) for k in range(len(ii))])
    mean = {r: float(d[roots == r].mean()) for r in set(roots.tolist())}
    keep = np.array([mean[r] <= max_distance_A for r in roots])
    ii, jj, d, kind, same, roots = ii[keep], jj[keep], d[keep], kind[keep], same[keep], roots[keep]
    groups: dict[int, list[int]] = {}
    for k, r in enumerate(roots):
        groups.setdefault(int(r), []).append(k)
    # classes labelled in order of increasing mean distance, then kind
    ordered = sorted(groups.values(), key=lambda ks: (round(float(d[ks].mean()), 3), kind[ks[0]]))
    pair_class = np.empty(len(ii), int)
    class_d = np.empty(len(ii))
    for label, ks in enumerate(ordered):
        pair_class[ks] = label
        class_d[ks] = d[ks].mean()
    strain = {name: bridge_strain_kcal(DITHIOLS[name], class_d) for name in dithiols}
    return PairTable(i=ii, j=jj, distance_A=d, kind=kind, same_staple=same,
                     pair_class=pair_class, strain_kcal=strain, class_distance_A=class_d)


def c3_triples(sites: SiteTable, pairs: PairTable, perms, select=None) -> list[tuple[int, int, int]]:
    """Triples of site-disjoint pairs that a threefold site permutation cycles (pair indices,
    sorted).

    ``perms`` are site permutations (bond-graph automorphisms); those of order 3 are the
    threefold rotations.  ``select`` is a boolean mask of the pairs to consider (e.g. the
    candidate bridge pairs).  These are the arrangements of three bridges around a C3 axis,
    as in [Au24Pt(TBBT)12(PDT)3]0 (Yoshikawa 2026)."""
    ident = np.arange(sites.n_sites)
    c3 = [p for p in perms if not np.array_equal(p, ident) and np.array_equal(p[p[p]], ident)]
    index = pairs.index()
    sel = np.ones(len(pairs), bool) if select is None else np.asarray(select)
    out = set()
    for k in np.where(sel)[0]:
        a, b = int(pairs.i[k]), int(pairs.j[k])
        for perm in c3:
            a1, b1 = int(perm[a]), int(perm[b])
            a2, b2 = int(perm[a1]), int(perm[b1])
            k1 = index.get(tuple(sorted((a1, b1))))
            k2 = index.get(tuple(sorted((a2, b2))))
            if k1 is None or k2 is None or len({int(k), k1, k2}) < 3 or not (sel[k1] and sel[k2]):
                continue
            if len({a, b, a1, b1, a2, b2}) == 6:
                out.add(tuple(sorted((int(k), k1, k2))))
    return sorted(out)


def frame_of(atoms):
    """The metal-S frame of a structure: ligand atoms other than S (C, H, N, O ...) dropped."""
    sym = atoms.get_chemical_symbols()
    return atoms[[s == "S" or s in METALS for s in sym]]


def analyse(atoms, max_distance_A: float = 6.0):
    """Sites, pair table (classes from the bond graph) and the site permutations of ``atoms``
    (metals + S, optionally with the ligand atoms, which are ignored)."""
    frame = frame_of(atoms)
    sites = classify_sites(frame)
    perms = graph_site_permutations(frame, sites)
    pairs = pair_table(sites, max_distance_A, perms=perms)
    return sites, pairs, perms


def bridged_pairs(atoms, S_C_cutoff_A: float = 2.0, C_C_cutoff_A: float = 1.75) -> list[tuple[int, int]]:
    """S sites (site indices of :func:`classify_sites` on the frame) joined by one ligand:
    two S atoms connected through a chain of ligand atoms (C, N, O) that passes no other S
    atom or metal, i.e. a bridging dithiolate read from the file's connectivity."""
    pos = atoms.get_positions()
    sym = np.array(atoms.get_chemical_symbols())
    frame_idx = np.array([k for k, s in enumerate(sym) if s == "S" or s in METALS])
    sites = classify_sites(atoms[frame_idx])
    s_atoms = frame_idx[sites.s_atoms]
    lig = np.where(np.isin(sym, ["C", "N", "O"]))[0]
    if len(lig) == 0:
        return []
    parent = {int(a): int(a) for a in lig}

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    dl = np.linalg.norm(pos[lig][:, None] - pos[lig][None], axis=2)
    for x, y in zip(*np.where(np.triu(dl < C_C_cutoff_A, 1))):
        parent[find(int(lig[x]))] = find(int(lig[y]))
    ds = np.linalg.norm(pos[s_atoms][:, None] - pos[lig][None], axis=2)
    owner: dict[int, list[int]] = {}
    for si, li in zip(*np.where(ds < S_C_cutoff_A)):
        owner.setdefault(find(int(lig[li])), []).append(int(si))
    out = []
    for sites_of in owner.values():
        u = sorted(set(sites_of))
        if len(u) == 2:
            out.append((u[0], u[1]))
    return sorted(out)
