"""The pictures of the photodoping model, built with :mod:`sim.plotting` (no pyplot).

``plot``: one run: E_oc(t) vs its reference electrode, stored charge(t) (master equation
and kMC), Ti3+ d-d spectra.  ``eoc_vs_time_figure``: the report figure of seed 000: E_oc
of the three MIL-125 sizes vs time with the measured plateaus.
"""
from __future__ import annotations

import numpy as np

from sim import plotting


def plot(result, path=None):
    """The Figure of a photodoping run (saved as PNG + SVG when ``path`` is given)."""
    t = result["time_min"]
    has_dd = "dd_absorbance" in result.arrays
    fig, axes = plotting.figure(13.0 if has_dd else 9.0, 3.8, ncols=3 if has_dd else 2)
    unit = result.arrays["E_oc"].unit or "V"
    axes[0].plot(t, result["E_oc"], "-", color="C3", **plotting.SIMULATED)
    axes[0].set_xlabel("illumination time (min)")
    axes[0].set_ylabel(f"E_oc ({unit})")
    per = "electrons_per_node" if has_dd else "electrons_per_nm3"
    label = "stored electrons (e- per Ti8 node)" if has_dd else "stored electrons (e- nm^-3)"
    axes[1].plot(t, result[per], "-", color="C0", label="master equation", **plotting.SIMULATED)
    if "kmc/" + per in result.arrays:
        axes[1].plot(t, result["kmc/" + per], "--", color="C1", lw=1.4, label="kinetic Monte Carlo")
        axes[1].legend(fontsize=8)
    axes[1].set_xlabel("illumination time (min)")
    axes[1].set_ylabel(label)
    if has_dd:
        spec_ = result["dd_absorbance"]
        nu = result["dd_wavenumber"]
        # spectra at 20, 40, 60, 80 and 99 % of the final charge (evenly spaced times
        # would pile up on the plateau), then the last time
        q = np.asarray(result["electrons_per_node"], float)
        idx = sorted({int(np.argmax(q >= f * q[-1])) for f in (0.2, 0.4, 0.6, 0.8, 0.99)
                      if q[-1] > 0} | {len(t) - 1})
        colors = plotting_colors(len(idx))
        for c, i in zip(colors, idx):
            axes[2].plot(nu, 1000.0 * spec_[i], color=c, label=f"{t[i]:.0f} min")
        axes[2].set_xlabel("wavenumber (cm^-1)")
        axes[2].set_ylabel("Ti3+ d-d absorbance (mOD)")
        axes[2].legend(fontsize=7, title="illumination", title_fontsize=7)
    for ax in np.atleast_1d(axes):
        plotting.plain_axes(ax)
    if path is not None:
        plotting.save(fig, path)
    return fig


def plotting_colors(n):
    from matplotlib import colormaps
    cmap = colormaps["viridis"]
    return [cmap(x) for x in np.linspace(0.1, 0.85, n)]


def eoc_vs_time_figure(curves, measured, unit, bands=None):
    """E_oc vs time for several sizes: ``curves`` {d: (t_min, E)}, ``measured`` {d: E plateau},
    ``bands`` {d: (t_min, samples (n, len(t)))} of posterior draws (optional)."""
    fig, ax = plotting.figure(6.4, 4.2)
    colors = {d: c for d, c in zip(sorted(curves), ("C0", "C1", "C2", "C3"))}
    for d in sorted(curves):
        t, e = curves[d]
        if bands and d in bands:
            plotting.band(ax, bands[d][0], bands[d][1], color=colors[d])
        ax.plot(t, e, color=colors[d], label=f"{d:g} nm, simulated (MAP)", **plotting.SIMULATED)
        if d in measured:
            ax.plot([t[-1]], [measured[d]], **plotting.MEASURED)
            ax.axhline(measured[d], color=colors[d], lw=0.8, ls=":")
    ax.plot([], [], label="measured plateau (seed 000)", **plotting.MEASURED)
    ax.set_xlabel("illumination time (min)")
    ax.set_ylabel(f"E_oc ({unit})")
    ax.legend(fontsize=8)
    plotting.plain_axes(ax)
    return fig
