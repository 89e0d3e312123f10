"""H2 from CdTe quantum dots with a cobalt catalyst: H2 and turnover number vs time.

    python examples/photocatalysis_h2.py [OUTPUT_FOLDER]
"""
import sys
from pathlib import Path

import sim
from sim.paths import model_inputs
from sim.plotting import figure, save

out = Path(sys.argv[1] if len(sys.argv) > 1 else "example_output")
r = sim.run(model_inputs("photocatalysis") / "cdte_co_1e-6M.toml")
print(r)
t, units = r["time"], r.units
fig, (ax1, ax2) = figure(9.0, 3.8, ncols=2)
ax1.plot(t, r["h2"])
ax1.set_xlabel(f"time ({units['time']})")
ax1.set_ylabel(f"H2 ({units['h2']})")
ax2.plot(t, r["ton"])
ax2.set_xlabel(f"time ({units['time']})")
ax2.set_ylabel(f"turnover number ({units['ton'] or 'per Co'})")
print("figure:", *save(fig, out / "photocatalysis_h2.png"))
