"""The composition plot of a ligand-exchange run (bar charts of the leading compositions)."""
from __future__ import annotations

import numpy as np


def plot_compositions(result, path, n_top: int = 10) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = np.asarray(result["time_min"])
    species = [str(s) for s in result["species"]]
    frac = np.asarray(result["species_fraction"])
    show = np.asarray(result["plot_time_index"]) if "plot_time_index" in result.arrays else np.arange(len(times))
    fig, axes = plt.subplots(len(show), 1, figsize=(8, 1.9 * len(show) + 0.6), squeeze=False)
    for ax, j in zip(axes[:, 0], show):
        order = np.argsort(-frac[j])[:n_top]
        order = [k for k in order if frac[j, k] > 0]
        ax.bar(range(len(order)), 100 * frac[j, order], color="tab:blue")
        ax.set_xticks(range(len(order)))
        ax.set_xticklabels([species[k] for k in order], rotation=30, ha="right", fontsize=7)
        ax.set_ylabel("% clusters", fontsize=8)
        ax.set_title(f"t = {times[j]:g} min", fontsize=9)
    fig.suptitle("composition distribution", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

