"""Fitting a few model parameters to measured data, and the fitted-parameter files.

A fit is part of the product: ``nanokin fit MODEL`` runs the model's least-squares
problem and writes ``inputs/fitted/MODEL.json`` holding the fitted values, their
bounds and starting values, the data rows used (with their source), the residuals,
and provenance.  The model's defaults read that file, so every later run uses the
recorded fit.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from scipy.optimize import least_squares

from sim.paths import fitted_file
from sim.store import atomic_path, provenance


@dataclass
class FitReport:
    model: str
    names: list[str]
    values: list[float]
    initial: list[float]
    bounds: list[tuple[float, float]]
    units: list[str]
    rows: list[dict]              # one per data point: label, measured, simulated, residual
    cost: float
    success: bool
    message: str
    data_source: str = ""
    extra: dict = field(default_factory=dict)

    def params(self) -> dict[str, float]:
        return dict(zip(self.names, self.values))

    def text(self) -> str:
        lines = [f"fit of model '{self.model}': {'converged' if self.success else 'NOT converged'}"
                 f" ({self.message}); cost = {self.cost:.4g}"]
        lines.append("parameters:")
        for n, v, v0, b, u in zip(self.names, self.values, self.initial, self.bounds, self.units):
            lines.append(f"  {n:28s} {v:12.5g} {u:10s} (start {v0:.4g}, bounds {b[0]:.3g}..{b[1]:.3g})")
        lines.append("data used (fitted rows) and residuals:")
        for r in self.rows:
            lines.append(f"  {r['label']:40s} measured {r['measured']:10.4g}  simulated "
                         f"{r['simulated']:10.4g}  residual {r['residual']:+.4g}")
        if self.data_source:
            lines.append(f"data source: {self.data_source}")
        return "\n".join(lines)

    def save(self, path: str | Path | None = None) -> Path:
        path = Path(path) if path else fitted_file(self.model)
        rec = {
            "model": self.model,
            "parameters": {n: {"value": v, "unit": u, "initial": v0, "bounds": list(b)}
                           for n, v, u, v0, b in zip(self.names, self.values, self.units,
                                                     self.initial, self.bounds)},
            "data_source": self.data_source,
            "rows": self.rows,
            "cost": self.cost,
            "success": self.success,
            "message": self.message,
            "extra": self.extra,
            "provenance": provenance(),
        }
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(rec, indent=2, default=float))
        return path


def load_fitted(model: str, path: str | Path | None = None) -> dict[str, float]:
    """Fitted parameter values for ``model`` ({} if no fit has been recorded)."""
    path = Path(path) if path else fitted_file(model)
    if not path.exists():
        return {}
    rec = json.loads(path.read_text())
    return {k: float(v["value"]) for k, v in rec.get("parameters", {}).items()}


def least_squares_fit(model: str, residuals: Callable[[np.ndarray], np.ndarray],
                      names: Sequence[str], x0: Sequence[float],
                      bounds: Sequence[tuple[float, float]], units: Sequence[str],
                      evaluate: Callable[[np.ndarray], list[dict]], *, log_params: bool = True,
                      data_source: str = "", **kwargs) -> FitReport:
    """Bounded least squares (``scipy.optimize.least_squares``, trust-region reflective).

    ``residuals(x)`` returns the residual vector for parameters ``x`` (physical
    units); ``evaluate(x)`` returns the per-row records for the report.  With
    ``log_params`` the search runs in log10 of the (positive) parameters.
    """
    x0 = np.asarray(x0, float)
    lo = np.array([b[0] for b in bounds], float)
    hi = np.array([b[1] for b in bounds], float)
    if log_params:
        to_x = lambda z: 10.0 ** z  # noqa: E731
        z0, zlo, zhi = np.log10(x0), np.log10(lo), np.log10(hi)
    else:
        to_x = lambda z: z  # noqa: E731
        z0, zlo, zhi = x0, lo, hi
    sol = least_squares(lambda z: residuals(to_x(z)), z0, bounds=(zlo, zhi), **kwargs)
    x = to_x(sol.x)
    return FitReport(model=model, names=list(names), values=[float(v) for v in x],
                     initial=[float(v) for v in x0], bounds=[tuple(map(float, b)) for b in bounds],
                     units=list(units), rows=evaluate(x), cost=float(sol.cost),
                     success=bool(sol.success), message=str(sol.message),
                     data_source=data_source)
