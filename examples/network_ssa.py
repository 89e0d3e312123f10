"""Stochastic simulation of a BioNetGen network (the `multistate` benchmark model).

    python examples/network_ssa.py [OUTPUT_FOLDER]
"""
import sys
from pathlib import Path

import sim
from sim.paths import benchmark_models_dir

out = Path(sys.argv[1] if len(sys.argv) > 1 else "example_output")
r = sim.run(benchmark_models_dir() / "multistate.net")
print(r)
ds = r.to_xarray()
print(ds)
fig = r.plot(out / "network_ssa.png")
print("figure written to", out)
