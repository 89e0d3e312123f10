"""nanokin structures: atoms and geometry (ase / pymatgen)."""
