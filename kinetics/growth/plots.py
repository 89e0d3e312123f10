"""The main picture of a growth run: size distribution over time, beside the simulated PXRD."""
from __future__ import annotations

import numpy as np

from sim import plotting


def log_axis(ax, axis="y"):
    """Log scale with plain tick labels (10, 20, 50 ... not 1e1 or 2×10^1)."""
    import math

    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _: f"{v:g}")
    a = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    lo, hi = (ax.get_ylim() if axis == "y" else ax.get_xlim())
    digits = (2, 3, 5) if hi > 10 * lo else tuple(range(2, 10))
    minor = FuncFormatter(lambda v, _: f"{v:g}" if v > 0 and round(
        v / 10 ** math.floor(math.log10(v))) in digits else "")
    a.set_major_formatter(fmt)
    a.set_minor_formatter(minor)


def size_density(diameters_nm, numbers, bins: int = 20):
    """Number-weighted density per decade of diameter on ``bins`` log bins spanning the
    classes (so discrete classes do not make a comb): (centres nm, dN/dlog10 d / N)."""
    d = np.asarray(diameters_nm, float)
    n = np.asarray(numbers, float)
    keep = (n > 0) & (d > 0)
    d, n = d[keep], n[keep]
    if d.size == 0:
        return np.array([]), np.array([])
    lo, hi = np.log10(d.min()), np.log10(d.max())
    if hi - lo < 0.05:
        c = 0.5 * (lo + hi)
        lo, hi = c - 0.05, c + 0.05
    edges = np.linspace(lo - 0.02, hi + 0.02, bins + 1)
    counts, _ = np.histogram(np.log10(d), bins=edges, weights=n)
    width = np.diff(edges)
    return 10 ** (0.5 * (edges[1:] + edges[:-1])), counts / n.sum() / width


def _classes_at(result, k):
    """(diameters, numbers) of the histogram row ``k`` (bin centres with counts)."""
    edges = result["size_distribution/diameter_edges_nm"]
    hist = result["size_distribution/number_per_L"][k]
    mids = np.sqrt(edges[1:] * edges[:-1])
    return mids, hist


def plot(result, path=None):
    """Size distribution at three times (number density per decade of diameter, on log
    bins fitted to the occupied range) and the simulated PXRD when the result has one;
    out-of-domain warnings are printed on the figure.  Returns the Figure (saved as PNG and
    SVG beside ``path`` when given)."""
    t = result["time_h"]
    has_pxrd = "pxrd/two_theta_deg" in result.arrays
    if has_pxrd:
        fig, (ax, ax_x) = plotting.figure(10.0, 4.4, ncols=2,
                                          gridspec_kw={"width_ratios": [1.5, 1.0]})
    else:
        fig, ax = plotting.figure(7.0, 4.4)
    material = result.attrs.get("material", "")
    for k in sorted({len(t) // 4, len(t) // 2, len(t) - 1}):
        if k == len(t) - 1 and "classes/diameter_nm" in result.arrays:
            d, n = result["classes/diameter_nm"], result["classes/number_per_L"]
        else:
            d, n = _classes_at(result, k)
        if np.sum(n) <= 0:
            continue
        x, y = size_density(d, n)
        ax.plot(x, y, drawstyle="steps-mid", label=f"{t[k]:.3g} h", **plotting.SIMULATED)
    log_axis(ax, "x")
    ax.set_xlabel("diameter (nm)")
    ax.set_ylabel("number fraction per decade of diameter (1)")
    mean = float(result.summary["mean_diameter_nm"].values)
    disp = float(result.summary["dispersity"].values)
    ax.set_title(f"{material} size distribution: mean {mean:.3g} nm, dispersity {disp:.2f}",
                 fontsize=9)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="upper left", title="time", title_fontsize=8)
    else:
        ax.text(0.5, 0.5, "no particles formed", transform=ax.transAxes, ha="center")
    warnings = list(result.attrs.get("warnings", []) or [])
    if warnings:
        import textwrap

        msg = "\n".join(textwrap.fill("WARNING: " + w, 60) for w in warnings)
        ax.text(0.98, 0.98, msg, transform=ax.transAxes, fontsize=6.5, color="firebrick",
                va="top", ha="right", zorder=10,
                bbox=dict(facecolor="white", edgecolor="firebrick", alpha=0.9))
    if has_pxrd:
        ax_x.plot(result["pxrd/two_theta_deg"], result["pxrd/intensity"], lw=0.8)
        ax_x.set_xlim(5, 15)
        ax_x.set_yticks([])
        ax_x.set_xlabel("2θ (°, Cu Kα)")
        ax_x.set_ylabel("intensity (arbitrary units)")
        scherrer = float(result.summary["scherrer_size_nm"].values)
        reason = (getattr(result, "reasons", {}) or {}).get("scherrer_size_nm", "")
        title = (f"simulated PXRD; Scherrer {scherrer:.3g} nm" if np.isfinite(scherrer)
                 else "simulated PXRD; no Scherrer size")
        ax_x.set_title(title, fontsize=9)
        if reason:
            import textwrap

            ax_x.text(0.02, 0.98, textwrap.fill(reason, 45), transform=ax_x.transAxes,
                      fontsize=6.5, va="top", color="firebrick")
    if path is not None:
        plotting.save(fig, path)
    return fig
