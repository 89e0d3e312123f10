"""The main picture of a growth run: size distribution over time, beside the simulated PXRD."""
from __future__ import annotations

import numpy as np


def plot(result, path) -> None:
    """Size distribution at three times (and the simulated PXRD when the result has one)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    edges = result["size_distribution/diameter_edges_nm"]
    hist = result["size_distribution/number_per_L"]
    t = result["time_h"]
    mids = np.sqrt(edges[1:] * edges[:-1])
    has_pxrd = "pxrd/two_theta_deg" in result.arrays
    if has_pxrd:
        fig, (ax, ax_x) = plt.subplots(1, 2, figsize=(10.0, 4.2),
                                       gridspec_kw={"width_ratios": [1.6, 1.0]})
    else:
        fig, ax = plt.subplots(figsize=(7.0, 4.4))
    for k in sorted({len(t) // 4, len(t) // 2, len(t) - 1}):
        if hist[k].sum() > 0:
            ax.step(mids, hist[k] / hist[k].sum(), where="mid", label=f"{t[k]:.2g} h")
    ax.set_xscale("log")
    filled = np.nonzero(hist.sum(axis=0))[0]
    if filled.size:
        ax.set_xlim(edges[max(filled[0] - 5, 0)], edges[min(filled[-1] + 6, edges.size - 1)])
    ax.set_xlabel("diameter (nm)")
    ax.set_ylabel("number fraction per bin")
    mean = float(result.summary["mean_diameter_nm"].values)
    disp = float(result.summary["dispersity"].values)
    ax.set_title(f"MIL-125 size distribution: mean {mean:.3g} nm, dispersity {disp:.2f}",
                 fontsize=9)
    ax.legend(fontsize=8, loc="upper left", title="time", title_fontsize=8)
    if has_pxrd:
        ax_x.plot(result["pxrd/two_theta_deg"], result["pxrd/intensity"], lw=0.8)
        ax_x.set_xlim(5, 15)
        ax_x.set_yticks([])
        ax_x.set_xlabel("2θ (°, Cu Kα)")
        scherrer = float(result.summary["scherrer_size_nm"].values)
        ax_x.set_title(f"simulated PXRD of the ensemble; Scherrer {scherrer:.3g} nm", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
