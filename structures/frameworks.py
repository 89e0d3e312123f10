"""Metal–organic framework cells: densities, node counts (and simulated PXRD).

MIL-125(Ti), Ti8O8(OH)4(BDC)6: tetragonal, I4/mmm, a = 18.654 Å, c = 18.144 Å
(Dan-Hardi et al., J. Am. Chem. Soc. 2009, 131, 10857), two Ti8 nodes per
conventional (body-centred) cell.
"""
from __future__ import annotations

import math

MIL125_A_ANGSTROM = 18.654
MIL125_C_ANGSTROM = 18.144
MIL125_NODES_PER_CELL = 2


def mil125_cell_volume_nm3(a_angstrom: float = MIL125_A_ANGSTROM,
                           c_angstrom: float = MIL125_C_ANGSTROM) -> float:
    """Volume of the conventional tetragonal cell, nm³."""
    return (a_angstrom / 10.0) ** 2 * (c_angstrom / 10.0)


def mil125_node_density_per_nm3() -> float:
    """Ti8 nodes per nm³ of crystal (2 per cell)."""
    return MIL125_NODES_PER_CELL / mil125_cell_volume_nm3()


def nodes_in_sphere(diameter_nm: float) -> float:
    """Ti8 nodes in a spherical MIL-125 particle of the given diameter (nm)."""
    return mil125_node_density_per_nm3() * math.pi / 6.0 * diameter_nm ** 3
