"""Regenerate inputs/structures/au24pt_pdt3_bridged.xyz, the rearranged (bridged) shell of
[Au24Pt(TBBT)12(PDT)3]0 used by the ligand-exchange kinetics.

Construction (documented, not a crystal structure): the ideal T_h Au24Pt(SR)18 frame of
:func:`structures.clusters.build_m25`; one C3 triple of site-disjoint inter-staple
terminal (core-core) S-S pairs, found from the bond graph (:mod:`structures.sites`);
the two S atoms of each pair of that triple moved symmetrically along their S...S line
to the PDT-bridged S-S distances of the crystal, 4.443, 4.497 and 4.497 Å (Yoshikawa et
al., Chem. Sci. 2026, 17, 6931, Fig. S13); every other atom unchanged.  Each bridge
carries a three-carbon chain S-C-C-C-S (C-S 1.82 Å, the middle C pushed outwards) that
only marks which S atoms a dithiolate joins: :func:`structures.sites.bridged_pairs` reads
the bridges back from that connectivity.  Hydrogens are not placed.

    python -m structures.tools.build_bridged_product            # writes the file
    python -m structures.tools.build_bridged_product --check    # compares with the shipped one
"""
from __future__ import annotations

import sys

import numpy as np

#: Yoshikawa 2026, Fig. S13: S-S distances (Å) of the three PDT bridges in the crystal
BRIDGED_SS_A = (4.443, 4.497, 4.497)
S_C_A = 1.82
FILE_NAME = "au24pt_pdt3_bridged.xyz"


def build():
    from ase import Atoms

    from structures.clusters import build_m25
    from structures.sites import analyse, c3_triples

    atoms = build_m25(centre="Pt")
    sites, pairs, perms = analyse(atoms)
    cand = (pairs.kind == "core-core") & ~pairs.same_staple
    triple = c3_triples(sites, pairs, perms, select=cand)[0]
    pos = atoms.get_positions()
    centre = pos[sites.centre_atom]
    carbons = []
    for k, d_new in zip(triple, BRIDGED_SS_A):
        a, b = sites.s_atoms[pairs.i[k]], sites.s_atoms[pairs.j[k]]
        mid = 0.5 * (pos[a] + pos[b])
        u = (pos[b] - pos[a]) / np.linalg.norm(pos[b] - pos[a])
        pos[a] = mid - 0.5 * d_new * u
        pos[b] = mid + 0.5 * d_new * u
        out = mid - centre
        out /= np.linalg.norm(out)
        c2 = mid + 2.2 * out
        c1 = pos[a] + S_C_A * (c2 - pos[a]) / np.linalg.norm(c2 - pos[a])
        c3 = pos[b] + S_C_A * (c2 - pos[b]) / np.linalg.norm(c2 - pos[b])
        carbons += [c1, c2, c3]
    atoms.set_positions(pos)
    return atoms + Atoms(["C"] * len(carbons), positions=np.array(carbons))


def comment() -> str:
    return ("Au24Pt(SR)12(PDT)3 bridged shell, constructed by structures/tools/build_bridged_product.py: "
            "ideal T_h frame (build_m25) with one C3 triple of inter-staple terminal S-S pairs set to "
            "the PDT-bridged distances 4.443/4.497/4.497 A of Yoshikawa et al. Chem. Sci. 2026, 17, 6931, "
            "Fig. S13; C3 chains mark the bridges")


def main(argv=None) -> int:
    from ase.io import read, write

    from sim.paths import inputs_dir

    argv = sys.argv[1:] if argv is None else argv
    path = inputs_dir() / "structures" / FILE_NAME
    atoms = build()
    if "--check" in argv:
        old = read(str(path))
        diff = float(np.abs(old.get_positions() - atoms.get_positions()).max())
        print(f"{path}: largest coordinate difference {diff:.2e} Å")
        return 0 if diff < 1e-5 else 1
    write(str(path), atoms, format="xyz", comment=comment())
    print(f"wrote {path} ({len(atoms)} atoms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
