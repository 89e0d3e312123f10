"""The picture of a photocatalysis run (``nanokin run`` writes it beside the result)."""
from __future__ import annotations

__all__ = ["plot_result"]


def plot_result(result, path) -> None:
    """H2 and Pt formation (perovskite), or H2, TON, QE and Stern–Volmer (QD + catalyst)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result["time"]
    if "pt_fraction" in result.arrays:
        fig, ax = plt.subplots(1, 2, figsize=(9, 3.5))
        ax[0].plot(t, result["h2_per_g"])
        ax[0].set_ylabel("H$_2$ / µmol g$^{-1}$")
        ax[1].plot(t, result["pt_fraction"], label="Pt formed")
        ax[1].set_ylabel("Pt fraction")
        for a in ax:
            a.set_xlabel("time / h")
    else:
        fig, ax = plt.subplots(2, 2, figsize=(9, 7))
        ax[0, 0].plot(t, result["h2"])
        ax[0, 0].set_ylabel("H$_2$ / µmol")
        ax[0, 1].plot(t, result["ton"])
        ax[0, 1].set_ylabel("TON vs catalyst")
        ax[1, 0].plot(t[1:], 100 * result["qe"][1:])
        ax[1, 0].set_ylabel("cumulative QE / %")
        for a in (ax[0, 0], ax[0, 1], ax[1, 0]):
            a.set_xlabel("time / h")
        ax[1, 1].plot(1e6 * result["stern_volmer/catalyst"], result["stern_volmer/I0_over_I"], "o-")
        ax[1, 1].set_xlabel("[catalyst] / µM")
        ax[1, 1].set_ylabel("I$_0$/I (Stern–Volmer)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
