"""Validation rows: one measured quantity compared with its simulated value.

``nanokin validate`` collects :class:`Row` objects from every model, prints them as
a table and (``--json``) writes them as a list of objects with the keys
experiment, quantity, measured, simulated, deviation, tolerance, pass, model, role.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

ROLES = ("fitted", "predicted")


@dataclass
class Row:
    """One comparison.  ``measured``/``simulated`` are numbers or short texts;
    ``deviation`` and ``tolerance`` are texts with units (e.g. "+12 %", "<= 30 %");
    ``passed`` is decided by the model from its stated tolerance."""

    model: str
    experiment: str
    quantity: str
    measured: Any
    simulated: Any
    deviation: str
    tolerance: str
    passed: bool
    role: str = "predicted"

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {self.role!r}")
        self.passed = bool(self.passed)

    def as_json(self) -> dict:
        def clean(v):
            if isinstance(v, float) and not math.isfinite(v):
                return str(v)
            if hasattr(v, "item"):
                return clean(v.item())
            return v
        return {"experiment": self.experiment, "quantity": self.quantity,
                "measured": clean(self.measured), "simulated": clean(self.simulated),
                "deviation": self.deviation, "tolerance": self.tolerance,
                "pass": self.passed, "model": self.model, "role": self.role}


def relative_row(model, experiment, quantity, measured, simulated, rel_tol, *, unit="",
                 role="predicted") -> Row:
    """A row passing when |simulated - measured| <= rel_tol * |measured|."""
    dev = (simulated - measured) / measured if measured else math.inf
    return Row(model, experiment, quantity, _num(measured, unit), _num(simulated, unit),
               f"{100 * dev:+.1f} %", f"<= {100 * rel_tol:.0f} %",
               bool(abs(dev) <= rel_tol), role)


def absolute_row(model, experiment, quantity, measured, simulated, abs_tol, *, unit="",
                 role="predicted") -> Row:
    """A row passing when |simulated - measured| <= abs_tol (in ``unit``)."""
    dev = simulated - measured
    return Row(model, experiment, quantity, _num(measured, unit), _num(simulated, unit),
               f"{dev:+.3g} {unit}".strip(), f"<= {abs_tol:g} {unit}".strip(),
               bool(abs(dev) <= abs_tol), role)


def range_row(model, experiment, quantity, measured_text, simulated, lo, hi, *, unit="",
              role="predicted") -> Row:
    """A row passing when lo <= simulated <= hi."""
    ok = lo <= simulated <= hi
    if ok:
        dev = "inside"
    else:
        dev = f"{simulated - (lo if simulated < lo else hi):+.3g} {unit}".strip() + " outside"
    return Row(model, experiment, quantity, measured_text, _num(simulated, unit), dev,
               f"[{lo:g}, {hi:g}] {unit}".strip(), bool(ok), role)


def check_row(model, experiment, quantity, measured_text, simulated_text, ok, tolerance_text,
              *, role="predicted", deviation=None) -> Row:
    """A qualitative row (an ordering, a most-abundant species ...)."""
    return Row(model, experiment, quantity, measured_text, simulated_text,
               deviation if deviation is not None else ("as measured" if ok else "differs"),
               tolerance_text, bool(ok), role)


def _num(v, unit):
    if isinstance(v, str):
        return v
    v = float(v)
    return round(v, 6) if abs(v) >= 1e-3 or v == 0 else float(f"{v:.6g}")


def format_table(rows: list[Row]) -> str:
    head = ("model", "experiment", "quantity", "measured", "simulated", "deviation",
            "tolerance", "pass", "role")
    body = [(r.model, r.experiment, r.quantity, _txt(r.measured), _txt(r.simulated),
             r.deviation, r.tolerance, "PASS" if r.passed else "FAIL", r.role) for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h)
              for i, h in enumerate(head)]
    widths = [min(w, 48) for w in widths]
    fmt = "  ".join(f"{{:{w}.{w}s}}" for w in widths)
    lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*b) for b in body]
    n_pass = sum(r.passed for r in rows)
    lines.append(f"{n_pass} of {len(rows)} rows pass")
    return "\n".join(lines)


def _txt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def write_json(path, rows: list[Row], provenance: dict | None = None) -> None:
    """Write rows as a JSON list of objects (provenance goes to a sidecar file)."""
    from sim.store import atomic_path
    from pathlib import Path

    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps([r.as_json() for r in rows], indent=2))
    if provenance is not None:
        side = path.with_name(path.stem + ".provenance.json")
        with atomic_path(side) as tmp:
            tmp.write_text(json.dumps(provenance, indent=2, default=str))
