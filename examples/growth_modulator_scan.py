"""MIL-125 particle size against benzoic acid equivalents, from Python.

Runs the shipped 5-equivalent reference synthesis at other modulator amounts (each
override is checked like an experiment file), prints the final sizes with units and
draws size against equivalents. Seed 000 (Fabrizio et al. 2023, Chem. Sci. 14, 8946,
Fig. 1a) reports the smallest particles at about 5 eq; `nanokin validate` compares the
shape of this curve with it (results/report.html).

    python examples/growth_modulator_scan.py [OUTPUT_FOLDER]
"""
import sys
from pathlib import Path

import sim
from sim.paths import model_inputs
from sim.plotting import MEASURED, figure, save

out = Path(sys.argv[1] if len(sys.argv) > 1 else "example_output")
base = model_inputs("growth") / "ba_05eq.toml"

equivalents = [0, 1, 3, 5, 7, 10]
sizes = []
for eq in equivalents:
    r = sim.run(base, modulator_eq=eq)
    d = r.summary["mean_diameter_nm"]
    sizes.append(float(d))
    print(f"{eq:>3} eq benzoic acid: mean diameter {d!r}, dispersity {float(r.summary['dispersity']):.2f}")

fig, ax = figure()
ax.plot(equivalents, sizes, "-", marker="s", label="simulated (fitted parameters)")
ax.set_xlabel("benzoic acid (eq per H2BDC)")
ax.set_ylabel("mean diameter (nm)")
ax.legend()
paths = save(fig, out / "growth_modulator_scan.png")
print("figure:", *paths)
