"""Dithiol exchange on Au24Pt(PET)18: the leading composition over time.

Runs the shipped PET18 + TBBTH + PDTH2 experiment on a small ensemble (the override
`n_clusters=300` is checked like a file value) and prints the most abundant species at
each output time.

    python examples/ligand_exchange_composition.py [OUTPUT_FOLDER]
"""
import sys
from pathlib import Path

import sim
from sim.paths import model_inputs

out = Path(sys.argv[1] if len(sys.argv) > 1 else "example_output")
r = sim.run(model_inputs("ligand_exchange") / "pet18_tbbt_pdt.toml", n_clusters=300)
for name, value in r.summary.items():
    if name.startswith("leading_species"):
        print(f"{name:28s} {value}")
fig = r.plot(out / "ligand_exchange_composition.png")
print("figure written to", out)
