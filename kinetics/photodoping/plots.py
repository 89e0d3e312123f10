"""The picture of a photodoping run: E_oc(t), stored charge(t) and the Ti3+ d-d spectra."""
from __future__ import annotations

import numpy as np


def plot(result, path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result["time_min"]
    has_dd = "dd_absorbance" in result.arrays
    fig, axes = plt.subplots(1, 3 if has_dd else 2, figsize=(13 if has_dd else 9, 3.6))
    axes[0].plot(t, result["E_F_vs_Fc"], "-", color="C3")
    axes[0].set_xlabel("illumination time / min")
    axes[0].set_ylabel("E_F = E_oc / V vs Fc+/0")
    per = "electrons_per_node" if has_dd else "electrons_per_nm3"
    label = "electrons per node" if has_dd else "electrons per nm³"
    axes[1].plot(t, result[per], "-", color="C0", label="master eq.")
    if "kmc/" + per in result.arrays:
        axes[1].plot(t, result["kmc/" + per], "--", color="C1", label="kMC")
        axes[1].legend()
    axes[1].set_xlabel("illumination time / min")
    axes[1].set_ylabel(label)
    if has_dd:
        spec_ = result["dd_absorbance"]
        nu = result["dd_wavenumber"]
        for i in np.linspace(0, len(t) - 1, 6).astype(int)[1:]:
            axes[2].plot(nu, spec_[i], label=f"{t[i]:.0f} min")
        axes[2].set_xlabel("wavenumber / cm⁻¹")
        axes[2].set_ylabel("Ti³⁺ d–d absorbance")
        axes[2].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
