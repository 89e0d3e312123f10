"""Thiol, dithiol and disulfide library: formulas, masses, Au-S bond class, S...S spans.

Monothiols are listed as their thiolates (the bound ligand, H removed).  The bond class
(aromatic / aliphatic) decides how easily a bound thiolate leaves: arenethiolates (TBBT,
IPBT) have weaker Au-S bonds and are displaced faster than alkanethiolates (PET, SC6H13,
SC12H25) (Yoshikawa et al., Chem. Sci. 2026, 17, 6931; arenethiols pKa about 6-7 versus
10-11 for alkanethiols).

Dithiols S-X-S bridge two cluster S sites.  Their fit to a site pair at S...S distance d
is a strain energy

    E_X(d) = E_min,X + 1/2 kappa_X (d - d_opt,X)^2          (kcal/mol)

with d_opt the S...S distance of the unstrained bridged ligand, kappa the stiffness of
the span and E_min the strain left at the best distance.  Values come from restrained
conformer calculations (RDKit ETKDGv3 conformers, MMFF94 relaxation with the two S atoms
and their first C held at cluster coordinates; inter-staple terminal pairs of 4.6-5.5 A):
PDT is least strained on the shortest pairs, S(CH2)4S on 4.9-5.1 A pairs, S(CH2)6S on
the longest, while EDT and rigid 1,3-benzenedithiol keep > 24 kcal/mol on every pair.
For PDT the unstrained bridged distance is taken from the crystal of
[Au24Pt(TBBT)12(PDT)3]0: 4.443, 4.497, 4.497 A (Yoshikawa 2026, Fig. S13), mean 4.48 A.
The absolute strains are crude (S-H in place of S-Au); the kinetics scales them with a
calibrated factor (parameter ``strain_scale`` of the ligand-exchange model).  Free-dithiol
S...S span ranges are from the same conformer search.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Monothiol", "Dithiol", "MONOTHIOLS", "DITHIOLS", "monothiol", "dithiol",
           "formula_mass", "cluster_formula", "bridge_strain_kcal", "R_KCAL"]

R_KCAL = 1.987204e-3  # gas constant, kcal mol^-1 K^-1


@dataclass(frozen=True)
class Monothiol:
    name: str
    thiolate: str        # formula of the bound ligand (RS)
    bond_class: str      # "aromatic" or "aliphatic"
    full_name: str


@dataclass(frozen=True)
class Dithiol:
    name: str
    dithiolate: str      # formula of the bridged ligand (S-X-S)
    dangling: str        # formula bound by one end (S-X-SH)
    span_min_A: float    # free S...S span range over low-energy conformers
    span_max_A: float
    flexibility: str     # "flexible" or "rigid"
    d_opt_A: float       # S...S of the unstrained bridged ligand
    kappa_kcal_A2: float  # stiffness of the bridged span
    E_min_kcal: float    # strain left at d_opt
    full_name: str
    can_bridge: bool = True
    aromatic: bool = False   # arenedithiol (S bound to an aromatic ring): more acidic SH

    def strain_kcal(self, d_A) -> np.ndarray:
        return bridge_strain_kcal(self, d_A)


MONOTHIOLS: dict[str, Monothiol] = {m.name: m for m in (
    Monothiol("PET", "SC8H9", "aliphatic", "2-phenylethanethiolate"),
    Monothiol("TBBT", "SC10H13", "aromatic", "4-tert-butylbenzenethiolate"),
    Monothiol("IPBT", "SC9H11", "aromatic", "4-isopropylbenzenethiolate"),
    Monothiol("SC6H13", "SC6H13", "aliphatic", "1-hexanethiolate"),
    Monothiol("SC12H25", "SC12H25", "aliphatic", "1-dodecanethiolate"),
)}

DITHIOLS: dict[str, Dithiol] = {d.name: d for d in (
    Dithiol("EDT", "S2C2H4", "S2C2H5", 3.50, 4.41, "flexible", 4.65, 200.0, 45.0,
            "1,2-ethanedithiolate (x = 2)"),
    Dithiol("PDT", "S2C3H6", "S2C3H7", 3.56, 5.50, "flexible", 4.48, 120.0, 0.0,
            "1,3-propanedithiolate (x = 3)"),
    Dithiol("BuDT", "S2C4H8", "S2C4H9", 3.64, 6.86, "flexible", 5.00, 40.0, 0.0,
            "1,4-butanedithiolate (x = 4)"),
    Dithiol("HDT", "S2C6H12", "S2C6H13", 4.26, 9.37, "flexible", 5.40, 25.0, 1.2,
            "1,6-hexanedithiolate (x = 6)"),
    Dithiol("BDT", "S2C6H4", "S2C6H5", 5.51, 5.51, "rigid", 5.51, 300.0, 24.0,
            "1,3-benzenedithiolate (rigid)", aromatic=True),
    # the disulfide impurity of PDTH2, (PDTH)2 = HS(CH2)3S-S(CH2)3SH: it binds by one
    # end and its far SH can only reach another cluster
    Dithiol("PDTH2_disulfide", "S4C6H12", "S4C6H13", 3.6, 11.0, "flexible", 9.0, 10.0, 1e3,
            "bis(3-mercaptopropyl) disulfide, (PDTH)2", can_bridge=False),
)}


def monothiol(name: str) -> Monothiol:
    if name not in MONOTHIOLS:
        raise KeyError(f"unknown monothiol {name!r}; known: {', '.join(MONOTHIOLS)}")
    return MONOTHIOLS[name]


def dithiol(name: str) -> Dithiol:
    if name not in DITHIOLS:
        raise KeyError(f"unknown dithiol {name!r}; known: {', '.join(DITHIOLS)}")
    return DITHIOLS[name]


def bridge_strain_kcal(d: Dithiol, d_A) -> np.ndarray:
    """Strain (kcal/mol) of dithiol ``d`` bridging S sites ``d_A`` apart; inf if it cannot."""
    x = np.asarray(d_A, float)
    if not d.can_bridge:
        return np.full(x.shape, np.inf)
    return d.E_min_kcal + 0.5 * d.kappa_kcal_A2 * (x - d.d_opt_A) ** 2


def formula_mass(formula: str) -> float:
    """Average molar mass (g/mol) of a formula, with pymatgen."""
    from pymatgen.core import Composition

    return float(Composition(formula).weight)


def cluster_formula(metals: dict[str, int], ligands: dict[str, int]) -> str:
    """Formula of a cluster: metal counts + counts of ligand units by library name.

    Ligand names: monothiolates, dithiolates (bridged, ``"PDT"``), dangling dithiols
    (``"PDT:dangling"``)."""
    from pymatgen.core import Composition

    comp = Composition(metals)
    for name, n in ligands.items():
        if n == 0:
            continue
        base, _, mode = name.partition(":")
        if base in MONOTHIOLS:
            f = MONOTHIOLS[base].thiolate
        else:
            dt = dithiol(base)
            f = dt.dangling if mode == "dangling" else dt.dithiolate
        comp += Composition(f) * n
    return comp.formula.replace(" ", "")
