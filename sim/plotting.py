"""One figure style for every nanokin picture.

Figures are built with :class:`matplotlib.figure.Figure` directly (never ``pyplot``), so
drawing a nanokin result never switches the backend of the caller's session and a
notebook keeps showing its own plots. Every plotting function of a model returns the
Figure; :func:`save` writes it as PNG and SVG.

Conventions
- axis labels: ``quantity (unit)``, e.g. ``"diameter (nm)"``, ``"E_oc (V vs Fc+/Fc)"``;
- no offset or scientific offset notation on any axis (:func:`plain_axes`);
- measured data: open black markers (:data:`MEASURED`), with error bars where known;
- simulated: coloured lines (median / MAP) and a shaded 90 % posterior band
  (:func:`band`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class ReportFigure:
    """One figure of the validation report.

    ``title``: what the figure answers ("MIL-125 size vs benzoic acid equivalents");
    ``figure``: the matplotlib Figure (measured beside simulated, units on every axis);
    ``caption``: one or two sentences: data source (paper, figure), what is simulated
    (MAP point and 90 % posterior band over N draws), anything a reader must know.
    """

    title: str
    figure: object
    caption: str = ""

#: keyword arguments for measured points (open black circles, no line)
MEASURED = dict(marker="o", ms=6, mfc="white", mec="black", mew=1.3, color="black",
                ls="none", zorder=5)
#: keyword arguments for the simulated point value / median line
SIMULATED = dict(lw=1.8, zorder=3)
BAND_ALPHA = 0.25


def figure(width: float = 6.4, height: float = 4.2, ncols: int = 1, nrows: int = 1, **kw):
    """A new Figure and its axes (``ax`` or an array of axes), not attached to pyplot."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=True, **kw)
    for ax in np.atleast_1d(axes).ravel():
        plain_axes(ax)
    return fig, axes


def plain_axes(ax) -> None:
    """Turn off offset notation (``+8.922``, ``1e-8``) on both axes of ``ax``."""
    from matplotlib.ticker import ScalarFormatter

    for axis in (ax.xaxis, ax.yaxis):
        fmt = axis.get_major_formatter()
        if isinstance(fmt, ScalarFormatter):
            fmt.set_useOffset(False)
            fmt.set_scientific(False)


def percentiles(samples, q=(5.0, 95.0)):
    """Percentiles ``q`` over the draws (axis 0) of ``samples`` ignoring NaN (failed draws);
    a column without any finite draw gives NaN (no All-NaN warning)."""
    s = np.asarray(samples, dtype=float)
    out = np.full((len(q),) + s.shape[1:], np.nan)
    ok = np.isfinite(s).any(axis=0)
    if ok.any():
        out[:, ok] = np.nanpercentile(s[:, ok], q, axis=0)
    return out


def band(ax, x, samples, color=None, label=None, q=(5.0, 95.0)):
    """Shade the ``q`` percentile band of ``samples`` (shape ``(n_draws, len(x))``)."""
    s = np.asarray(samples, dtype=float)
    if s.ndim != 2 or s.shape[0] < 2:
        return None
    lo, hi = percentiles(s, q)
    return ax.fill_between(x, lo, hi, color=color, alpha=BAND_ALPHA, lw=0, label=label)


def save(fig, path, formats=("png", "svg"), dpi: int = 150) -> list[Path]:
    """Write ``fig`` beside ``path`` in each format (suffix replaced); the paths written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for ext in formats:
        p = path.with_suffix("." + ext)
        fig.savefig(p, dpi=dpi)
        out.append(p)
    return out


def png_bytes(fig, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (for embedding in a report)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
