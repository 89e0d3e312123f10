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
           "analyse"]


@dataclass
class SiteTable:
    s_atoms: np.ndarray          # atom index of each S site
    site_class: np.ndarray       # "core" / "apex"
    staple: np.ndarray           # staple id (0..5) of each S site
    centre_atom: int
    core_metals: np.ndarray
    staple_metals: np.ndarray
    positions: np.ndarray        # (n_sites, 3) S coordinates, Å

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


def _bonds(pos, a_idx, b_idx, cutoff):
    d = np.linalg.norm(pos[a_idx][:, None, :] - pos[b_idx][None, :, :], axis=2)
    return d < cutoff


def classify_sites(atoms, metal_S_cutoff_A: float = 2.75, metal_metal_cutoff_A: float = 3.2) -> SiteTable:
    """Classify the S sites of ``atoms`` (metals + S; C/H atoms are ignored)."""
    pos = atoms.get_positions()
    sym = np.array(atoms.get_chemical_symbols())
    s_idx = np.where(sym == "S")[0]
    m_idx = np.where(~np.isin(sym, ["S", "C", "H", "N", "O", "P", "Cl", "Br"]))[0]
    if len(m_idx) == 0 or len(s_idx) == 0:
        raise ValueError("the structure has no metal or no S atoms")
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
    return SiteTable(s_atoms=s_idx, site_class=cls, staple=staple, centre_atom=centre,
                     core_metals=core_metals, staple_metals=staple_metals,
                     positions=pos[s_idx].copy())


def _site_permutations(sites: SiteTable, ops, centre, tol=0.3) -> list[np.ndarray]:
    """For each operation, the permutation of site indices it induces (skipped if none)."""
    p = sites.positions - centre
    perms = []
    for op in ops:
        moved = p @ np.asarray(op).T
        d = np.linalg.norm(moved[:, None, :] - p[None, :, :], axis=2)
        j = d.argmin(axis=1)
        if np.all(d[np.arange(len(p)), j] < tol) and len(set(j.tolist())) == len(p):
            perms.append(j)
    return perms


def pair_table(sites: SiteTable, max_distance_A: float = 6.0, ops=None, centre=None,
               dithiols=tuple(DITHIOLS), tol_A: float = 0.3) -> PairTable:
    """All S-S pairs closer than ``max_distance_A``; classes from ``ops`` (3x3 matrices
    about ``centre``) when given, otherwise from (kind, same_staple, distance within
    ``tol_A/3``)."""
    p = sites.positions
    n = len(p)
    ii, jj = np.triu_indices(n, 1)
    d = np.linalg.norm(p[ii] - p[jj], axis=1)
    keep = d <= max_distance_A
    ii, jj, d = ii[keep], jj[keep], d[keep]
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

    if ops is not None:
        c = np.zeros(3) if centre is None else np.asarray(centre)
        for perm in _site_permutations(sites, ops, c, tol_A):
            for k, (a, b) in enumerate(zip(ii, jj)):
                key = tuple(sorted((int(perm[a]), int(perm[b]))))
                if key in index:
                    parent[find(k)] = find(index[key])
    else:
        order = np.argsort(d)
        for x, y in zip(order[:-1], order[1:]):
            if kind[x] == kind[y] and same[x] == same[y] and d[y] - d[x] < tol_A / 3:
                parent[find(int(y))] = find(int(x))
    roots = [find(k) for k in range(len(ii))]
    # label classes in order of increasing mean distance, then kind
    groups: dict[int, list[int]] = {}
    for k, r in enumerate(roots):
        groups.setdefault(r, []).append(k)
    ordered = sorted(groups.values(), key=lambda ks: (round(float(d[ks].mean()), 3), kind[ks[0]]))
    pair_class = np.empty(len(ii), int)
    for label, ks in enumerate(ordered):
        pair_class[ks] = label
    strain = {name: bridge_strain_kcal(DITHIOLS[name], d) for name in dithiols}
    return PairTable(i=ii, j=jj, distance_A=d, kind=kind, same_staple=same,
                     pair_class=pair_class, strain_kcal=strain)


def c3_triples(sites: SiteTable, pairs: PairTable, ops, centre=None, select=None,
               tol_A: float = 0.3) -> list[tuple[int, int, int]]:
    """Triples of site-disjoint pairs related by a C3 rotation (pair indices, sorted).

    ``select`` is a boolean mask of the pairs to consider (e.g. one pair class).  These
    are the arrangements of three bridges around a C3 axis, as in
    [Au24Pt(TBBT)12(PDT)3]0 (Yoshikawa 2026).
    """
    c = np.zeros(3) if centre is None else np.asarray(centre)
    c3 = [op for op in ops if np.linalg.det(op) > 0 and abs(np.trace(op)) < 1e-6]
    perms = _site_permutations(sites, c3, c, tol_A)
    index = pairs.index()
    sel = np.ones(len(pairs), bool) if select is None else np.asarray(select)
    out = set()
    for k in np.where(sel)[0]:
        a, b = int(pairs.i[k]), int(pairs.j[k])
        for perm in perms:
            k1 = index.get(tuple(sorted((int(perm[a]), int(perm[b])))))
            a2, b2 = int(perm[a]), int(perm[b])
            k2 = index.get(tuple(sorted((int(perm[a2]), int(perm[b2])))))
            if k1 is None or k2 is None or len({k, k1, k2}) < 3:
                continue
            sites_used = {a, b, int(pairs.i[k1]), int(pairs.j[k1]), int(pairs.i[k2]), int(pairs.j[k2])}
            if len(sites_used) == 6:
                out.add(tuple(sorted((int(k), k1, k2))))
    return sorted(out)


def analyse(atoms, max_distance_A: float = 6.0, tolerance_A: float = 0.3):
    """Sites, pair table (symmetry classes) and symmetry operations of ``atoms``."""
    from structures.clusters import symmetry_operations

    frame = atoms[[s in ("S",) or s not in ("C", "H") for s in atoms.get_chemical_symbols()]]
    sites = classify_sites(frame)
    ops = symmetry_operations(frame, tolerance_A)
    centre = frame.get_center_of_mass()
    pairs = pair_table(sites, max_distance_A, ops=ops, centre=centre, tol_A=tolerance_A)
    return sites, pairs, ops, centre
