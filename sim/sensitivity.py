"""Which validation rows flip when one free parameter moves across its prior range.

For every calibrated or nuisance parameter, the parameter alone is set to ``points`` values
spread over its prior (centre ± ``span`` prior standard deviations, in the parameter's
fitting scale, clipped to its bounds; flat priors: the bounds) with every other parameter at
the base point (the fitted MAP by default).  A row *flips* when its pass/fail differs from
the base point at any of those values.  All sets run in one ``observables_batch`` call.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass
class ParameterSensitivity:
    name: str
    unit: str
    values: list                              # the values tried
    flips: dict = field(default_factory=dict)  # row id -> values at which it flips


def _number(x) -> float:
    return float(x[0] if isinstance(x, tuple) else x)


def prior_range(p, span: float = 2.0) -> tuple[float, float]:
    """(low, high) in the fitting scale (z) of parameter ``p``."""
    lo_b, hi_b = p.z_bounds
    if p.prior is None or p.prior.dist in ("uniform", "loguniform"):
        return lo_b, hi_b
    c, w = p.z_center, p.z_width
    return max(lo_b, c - span * w), min(hi_b, c + span * w)


def sensitivity(model, base: dict | None = None, points: int = 5, span: float = 2.0,
                quick: bool = False):
    """``(base_pass, [ParameterSensitivity])`` for every free parameter of ``model``."""
    table = model.parameters
    obs = model.observations()
    ids = [o.id for o in obs]
    base = dict(base if base is not None else table.values())
    sets, meta = [base], []
    out = []
    for name in table.free:
        p = table[name]
        lo, hi = prior_range(p, span)
        vals = [float(p.from_z(z)) for z in np.linspace(lo, hi, points)]
        out.append(ParameterSensitivity(name, p.unit, vals))
        for v in vals:
            sets.append(dict(base, **{name: v}))
            meta.append((len(out) - 1, v))
    res = model.observables_batch(sets, ids, quick=quick)

    def passes(r):
        return {o.id: o.passes(_number(r[o.id])) if math.isfinite(_number(r[o.id])) else False
                for o in obs}

    base_pass = passes(res[0])
    for (k, v), r in zip(meta, res[1:]):
        for rid, ok in passes(r).items():
            if ok != base_pass[rid]:
                out[k].flips.setdefault(rid, []).append(v)
    return base_pass, out


def text(base_pass: dict, rows: list) -> str:
    """The sensitivity table as Markdown."""
    n_pass = sum(base_pass.values())
    lines = [f"base point: {n_pass}/{len(base_pass)} rows pass",
             "", "| parameter | values tried | rows that flip (at values) |", "|---|---|---|"]
    for r in rows:
        tried = ", ".join(f"{v:.3g}" for v in r.values)
        flips = "; ".join(f"{rid} ({', '.join(f'{v:.3g}' for v in vs)})"
                          for rid, vs in sorted(r.flips.items())) or "none"
        lines.append(f"| {r.name} ({r.unit}) | {tried} | {flips} |")
    return "\n".join(lines)
