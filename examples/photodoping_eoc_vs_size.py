"""MIL-125 photodoping: open-circuit potential E_oc vs time for three particle sizes.

Runs the three shipped potentiometry experiments (25, 87 and 495 nm particles in methanol
under 308 nm light; Fabrizio et al., Chem. Sci. 2023, 14, 8946, Fig. 3) and draws E_oc
against time; every potential names its reference electrode.

    python examples/photodoping_eoc_vs_size.py [OUTPUT_FOLDER]
"""
import sys
from pathlib import Path

import sim
from sim.paths import model_inputs
from sim.plotting import figure, save

out = Path(sys.argv[1] if len(sys.argv) > 1 else "example_output")
fig, ax = figure()
for size in (25, 87, 495):
    r = sim.run(model_inputs("photodoping") / f"mil125_{size}nm_eoc.toml")
    e = r.summary["E_oc_photostationary"]
    print(f"{size:>4} nm: photostationary E_oc {e!r}, "
          f"{float(r.summary['electrons_per_node_final']):.2f} e-/node at the end")
    ax.plot(r["time_min"], r["E_oc"], label=f"{size} nm")
ax.set_xlabel("time (min)")
ax.set_ylabel(f"E_oc ({r.units['E_oc']})")
ax.legend(title="diameter")
print("figure:", *save(fig, out / "photodoping_eoc_vs_size.png"))
