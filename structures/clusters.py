"""M25(SR)18-type thiolate-protected clusters: building them from bond geometry, reading them.

Structure of [Au25(SR)18]- and its M@Au24 alloys (Heaven et al., JACS 2008, 130, 3754;
Zhu et al., JACS 2008, 130, 5883; Akola et al., JACS 2008, 130, 3756): a centred
icosahedral M13 core (centre atom M = Au, Pt, Pd ...) wrapped by six M2(SR)3 "staples"
S-Au-S-Au-S.  Each staple caps one of the six icosahedron edges that point along
+-x, +-y, +-z; its two terminal S atoms bind core-surface atoms of the neighbouring
edges, so every one of the 12 core-surface atoms carries exactly one terminal S.  The
staples lie in the mirror planes x = 0, y = 0, z = 0, which gives the ideal cluster
T_h symmetry.

:func:`build_m25` places the atoms from bond lengths and two angles (solving the staple
geometry in its mirror plane); :func:`read_structure` reads crystal / DFT coordinates in
any format ase understands (CIF, xyz, pdb, gro ...); :func:`point_group` runs pymatgen's
point-group analysis.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["StapleGeometry", "build_m25", "read_structure", "STRUCTURE_FORMATS", "ALLOWED_STRUCTURES", "point_group", "symmetry_operations",
           "CENTRE_METALS"]

PHI = (1.0 + 5.0 ** 0.5) / 2.0
CENTRE_METALS = ("Au", "Pt", "Pd", "Ag", "Cu", "Hg", "Cd", "Ir", "Rh")


@dataclass(frozen=True)
class StapleGeometry:
    """Bond lengths (Å) and angles (degrees) of an M25(SR)18 cluster.

    Defaults are typical crystal values of [Au25(SCH2CH2Ph)18]- (Heaven 2008; Zhu 2008):
    centre-surface 2.79 Å, core-surface Au-S 2.43 Å, staple Au-S 2.32 Å, S-Au-S in the
    staple about 172 deg, Au-S-Au at the apex S about 100 deg, S-C 1.83 Å.
    """

    centre_surface_A: float = 2.79
    core_S_A: float = 2.43
    staple_S_A: float = 2.32
    S_M_S_deg: float = 172.0
    apex_M_S_M_deg: float = 100.0
    S_C_A: float = 1.83


def _icosahedron(radius: float) -> np.ndarray:
    """The 12 vertices (0, +-1, +-phi) and cyclic permutations, scaled to ``radius``."""
    v = []
    for a in (1.0, -1.0):
        for b in (PHI, -PHI):
            v += [(0.0, a, b), (a, b, 0.0), (b, 0.0, a)]
    v = np.array(v)
    return v * radius / np.linalg.norm(v[0])


def _solve_staple(g: StapleGeometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Staple over +z in the plane y = 0: (apex S, staple M at +x, terminal S at +x).

    The terminal S binds the core atom (phi, 0, 1)*s.  Five unknowns (x_M, z_M, x_S,
    z_S, z_apex), five conditions: three bond lengths and the two angles.
    """
    from scipy.optimize import least_squares

    core = np.array([PHI, 0.0, 1.0])
    core *= g.centre_surface_A / np.linalg.norm(core)
    th_s = np.radians(g.S_M_S_deg)
    th_a = np.radians(g.apex_M_S_M_deg)

    def res(p):
        xm, zm, xs, zs, za = p
        m = np.array([xm, zm])
        s = np.array([xs, zs])
        a = np.array([0.0, za])
        c = np.array([core[0], core[2]])
        u, w = a - m, s - m
        cos_s = u @ w / (np.linalg.norm(u) * np.linalg.norm(w))
        v1, v2 = np.array([xm, zm - za]), np.array([-xm, zm - za])
        cos_a = v1 @ v2 / (v1 @ v1)
        return [np.linalg.norm(u) - g.staple_S_A, np.linalg.norm(w) - g.staple_S_A,
                np.linalg.norm(s - c) - g.core_S_A, cos_s - np.cos(th_s), cos_a - np.cos(th_a)]

    r0 = g.centre_surface_A
    guess = [1.8, r0 + 2.0, 3.5, r0 + 0.6, r0 + 3.2]
    sol = least_squares(res, guess, xtol=1e-14, ftol=1e-14, gtol=1e-14)
    if np.max(np.abs(sol.fun)) > 1e-6:
        raise ValueError("the staple geometry has no solution for these bond lengths and angles")
    xm, zm, xs, zs, za = sol.x
    return (np.array([0.0, 0.0, za]), np.array([xm, 0.0, zm]), np.array([xs, 0.0, zs]))


# Cyclic permutation taking the +z staple frame (plane y = 0, long axis x) to the +x
# staple (plane z = 0, long axis y) and the +y staple (plane x = 0, long axis z).
_CYCLE = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], float)  # (x, y, z) -> (z, x, y)


def build_m25(centre: str = "Pt", metal: str = "Au", geometry: StapleGeometry | None = None,
              with_carbon: bool = False):
    """An ase ``Atoms`` M25(SR)18 cluster with the ligands as S (optionally S + first C).

    Atom order: centre, 12 core-surface metals, 12 staple metals, 12 terminal S,
    6 apex S, then (``with_carbon``) 18 C in the order of the S atoms.  The order is a
    convenience only: :mod:`structures.sites` classifies atoms by connectivity.
    """
    from ase import Atoms

    g = geometry or StapleGeometry()
    if centre not in CENTRE_METALS:
        raise ValueError(f"centre atom {centre!r} not supported; allowed: {', '.join(CENTRE_METALS)}")
    core = _icosahedron(g.centre_surface_A)
    apex0, m0, s0 = _solve_staple(g)
    flip_x = np.diag([-1.0, 1.0, 1.0])
    staple_m, term_s, apex_s = [], [], []
    for k in range(3):                      # axis z, then x, then y
        rot = np.linalg.matrix_power(_CYCLE, k)
        for sign in (1.0, -1.0):            # staple over +axis and -axis
            inv = np.diag([1.0, 1.0, sign])  # reflect through the plane normal to the axis
            for half in (np.eye(3), flip_x):
                staple_m.append(rot @ inv @ half @ m0)
                term_s.append(rot @ inv @ half @ s0)
            apex_s.append(rot @ inv @ apex0)
    pos = np.vstack([np.zeros(3), core, staple_m, term_s, apex_s])
    symbols = [centre] + [metal] * 24 + ["S"] * 18
    atoms = Atoms(symbols=symbols, positions=pos)
    if with_carbon:
        atoms = add_first_carbon(atoms, g.S_C_A)
    return atoms


def add_first_carbon(atoms, S_C_A: float = 1.83, metal_S_cutoff_A: float = 2.9):
    """Append one C per S, pointing away from the S atom's metal neighbours (the bisector).

    The bisector keeps the C atom in the staple's mirror plane, so the symmetry of the
    metal-sulfur frame is kept.
    """
    pos = atoms.get_positions()
    sym = np.array(atoms.get_chemical_symbols())
    s_idx = np.where(sym == "S")[0]
    m_idx = np.where((sym != "S") & (sym != "C") & (sym != "H"))[0]
    new = []
    for i in s_idx:
        d = np.linalg.norm(pos[m_idx] - pos[i], axis=1)
        nb = m_idx[d < metal_S_cutoff_A]
        out = -sum((pos[j] - pos[i]) / np.linalg.norm(pos[j] - pos[i]) for j in nb)
        if np.linalg.norm(out) < 1e-8:
            out = pos[i] / np.linalg.norm(pos[i])
        new.append(pos[i] + S_C_A * out / np.linalg.norm(out))
    from ase import Atoms
    return atoms + Atoms(["C"] * len(new), positions=new)


#: structure formats read (file suffixes) and what they are
STRUCTURE_FORMATS = {".xyz": "xyz", ".extxyz": "extended xyz", ".cif": "CIF", ".pdb": "PDB",
                     ".gro": "GROMACS", ".mol": "MDL molfile", ".sdf": "SDF", ".vasp": "POSCAR",
                     ".poscar": "POSCAR", ".xsf": "XSF"}
ALLOWED_STRUCTURES = ("a text structure file (" + ", ".join(sorted(STRUCTURE_FORMATS)) +
                      ") with the metal and S atoms of one M25(SR)18 cluster (ligand C/H atoms optional)")


def read_structure(path: str | Path, index: int | str = -1, keep: tuple[str, ...] | None = None):
    """Read coordinates with ase (CIF, xyz, pdb, gro ...; format from the file name).

    A crystal (CIF with a cell) gives the atoms of the file, unwrapped as stored; for a
    cluster crystal pass a file holding one molecule.  ``keep`` restricts the atoms
    returned to these element symbols (e.g. metals and S for site analysis).  Raises
    ValueError (saying what is wrong and what is allowed) on a missing, empty, binary,
    truncated or unreadable file, before any other work.
    """
    import warnings

    from ase.io import read

    p = Path(path)
    if not p.exists():
        raise ValueError(f"{p}: file not found")
    if not p.is_file():
        raise ValueError(f"{p}: not a regular file (a directory or device)")
    if p.suffix.lower() not in STRUCTURE_FORMATS:
        raise ValueError(f"{p}: unknown structure format {p.suffix or '(no suffix)'!r}")
    raw = p.read_bytes()[:65536]
    if not raw.strip():
        raise ValueError(f"{p}: the file is empty")
    if b"\0" in raw:
        raise ValueError(f"{p}: binary content (NUL bytes), not a text structure file")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            raw.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
            raise ValueError(f"{p}: not a text file") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            atoms = read(str(p), index=index)
    except Exception as exc:  # ase raises many types on malformed files
        raise ValueError(f"{p}: could not be read as {STRUCTURE_FORMATS[p.suffix.lower()]} "
                         f"({type(exc).__name__}: {exc})") from None
    if isinstance(atoms, list):
        atoms = atoms[-1] if atoms else None
    if atoms is None or len(atoms) == 0:
        raise ValueError(f"{p}: no atoms read")
    if keep is not None:
        mask = [s in keep for s in atoms.get_chemical_symbols()]
        atoms = atoms[mask]
    atoms.pbc = False
    return atoms


def _molecule(atoms):
    from pymatgen.core import Molecule

    return Molecule(atoms.get_chemical_symbols(), atoms.get_positions())


def _is_symmetry(op: np.ndarray, pos: np.ndarray, numbers: np.ndarray, tol: float) -> bool:
    moved = pos @ op.T
    d = np.linalg.norm(moved[:, None, :] - pos[None, :, :], axis=2)
    d[numbers[:, None] != numbers[None, :]] = np.inf
    return bool(np.all(d.min(axis=1) < tol))


def _signed_permutations() -> list[np.ndarray]:
    from itertools import permutations, product

    out = []
    for perm in permutations(range(3)):
        for signs in product((1.0, -1.0), repeat=3):
            m = np.zeros((3, 3))
            for r, (c, sg) in enumerate(zip(perm, signs)):
                m[r, c] = sg
            out.append(m)
    return out


def symmetry_operations(atoms, tolerance: float = 0.3) -> list[np.ndarray]:
    """Point-group operations of ``atoms`` as 3x3 matrices about the centre of mass.

    Starts from pymatgen's ``PointGroupAnalyzer.get_symmetry_operations``, adds the
    inversion and the signed axis permutations when they are symmetries, and closes the
    set under multiplication.  (For T_h point sets pymatgen looks for mirror planes
    only perpendicular to or containing the C3 axis, finds none and reports T with a
    subset of the operations; the closure restores the full group.)
    """
    from pymatgen.symmetry.analyzer import PointGroupAnalyzer

    pos = atoms.get_positions() - atoms.get_center_of_mass()
    numbers = atoms.get_atomic_numbers()
    pga = PointGroupAnalyzer(_molecule(atoms), tolerance=tolerance)
    cand = [np.asarray(op.rotation_matrix, float) for op in pga.get_symmetry_operations()]
    cand += [-np.eye(3)] + _signed_permutations()
    ops = [np.eye(3)]
    for m in cand:
        if _is_symmetry(m, pos, numbers, tolerance) and not any(np.allclose(m, o, atol=1e-6) for o in ops):
            ops.append(m)
    grown = True
    while grown and len(ops) < 240:
        grown = False
        for a in list(ops):
            for b in list(ops):
                c = a @ b
                if not any(np.allclose(c, o, atol=1e-6) for o in ops):
                    ops.append(c)
                    grown = True
    return ops


def point_group(atoms, tolerance: float = 0.3) -> str:
    """Schoenflies symbol of ``atoms``: pymatgen's ``PointGroupAnalyzer``, corrected
    to T_h when it reports T but the inversion is a symmetry (see
    :func:`symmetry_operations`)."""
    from pymatgen.symmetry.analyzer import PointGroupAnalyzer

    symbol = PointGroupAnalyzer(_molecule(atoms), tolerance=tolerance).sch_symbol
    if symbol == "T":
        pos = atoms.get_positions() - atoms.get_center_of_mass()
        if _is_symmetry(-np.eye(3), pos, atoms.get_atomic_numbers(), tolerance):
            symbol = "Th"
    return symbol
