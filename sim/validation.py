"""Validation rows: one measured fact or one numerical self-check, compared with a simulation.

Two kinds of row:

``data``   a measurement (an :class:`sim.reference.Observation`) compared with the
           simulated value; its ``role`` is computed from the fit record:
           ``calibration`` if the observation entered the fit, ``held-out`` otherwise.
           With posterior draws it also carries the median, the 90 % predictive
           interval and ``in_interval`` (whether the measurement lies inside it).
``check``  numerics, analytic limits, self-consistency and input echoes (solver
           agreement, "no light gives no charge" ...).  Never counted as a prediction;
           its role is ``None``.

Data rows are built by :mod:`sim.reference`; the constructors here
(:func:`relative_row`, :func:`absolute_row`, :func:`range_row`, :func:`check_row`)
make check rows.  ``nanokin validate`` prints the rows as a table and (``--json``)
writes them as a list of objects.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

KINDS = ("data", "check")
ROLES = ("calibration", "held-out")


@dataclass
class Row:
    """One comparison.  ``measured``/``simulated`` are numbers or short texts;
    ``deviation`` and ``tolerance`` are texts with units (e.g. "+12 %", "<= 30 %");
    ``passed`` is decided from the stated tolerance."""

    model: str
    experiment: str
    quantity: str
    measured: Any
    simulated: Any
    deviation: str
    tolerance: str
    passed: bool
    kind: str = "check"
    role: str | None = None
    id: str = ""
    group: str = ""
    unit: str = ""
    source: str = ""
    median: float | None = None
    interval: tuple[float, float] | None = None
    in_interval: bool | None = None
    n_draws: int = 0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "data" and self.role not in ROLES:
            raise ValueError(f"a data row's role must be one of {ROLES}, got {self.role!r}")
        if self.kind == "check" and self.role is not None:
            raise ValueError("a check row has no role (it is never a prediction)")
        self.passed = bool(self.passed)

    def as_json(self) -> dict:
        return {"experiment": self.experiment, "quantity": self.quantity,
                "measured": _clean(self.measured), "simulated": _clean(self.simulated),
                "deviation": self.deviation, "tolerance": self.tolerance,
                "pass": self.passed, "model": self.model, "kind": self.kind, "role": self.role,
                "id": self.id, "group": self.group, "unit": self.unit, "source": self.source,
                "median": _clean(self.median),
                "interval": None if self.interval is None else [_clean(v) for v in self.interval],
                "in_interval": self.in_interval, "n_draws": self.n_draws}


def _clean(v):
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def relative_row(model, experiment, quantity, measured, simulated, rel_tol, *, unit="") -> Row:
    """A check passing when |simulated - measured| <= rel_tol * |measured|."""
    dev = (simulated - measured) / measured if measured else math.inf
    return Row(model, experiment, quantity, number(measured), number(simulated),
               f"{100 * dev:+.1f} %", f"<= {100 * rel_tol:.0f} %", bool(abs(dev) <= rel_tol),
               unit=unit)


def absolute_row(model, experiment, quantity, measured, simulated, abs_tol, *, unit="") -> Row:
    """A check passing when |simulated - measured| <= abs_tol (in ``unit``)."""
    dev = simulated - measured
    return Row(model, experiment, quantity, number(measured), number(simulated),
               f"{dev:+.3g} {unit}".strip(), f"<= {abs_tol:g} {unit}".strip(),
               bool(abs(dev) <= abs_tol), unit=unit)


def range_row(model, experiment, quantity, measured_text, simulated, lo, hi, *, unit="") -> Row:
    """A check passing when lo <= simulated <= hi."""
    ok = lo <= simulated <= hi
    if ok:
        dev = "inside"
    else:
        dev = f"{simulated - (lo if simulated < lo else hi):+.3g} {unit}".strip() + " outside"
    return Row(model, experiment, quantity, measured_text, number(simulated), dev,
               f"[{lo:g}, {hi:g}] {unit}".strip(), bool(ok), unit=unit)


def check_row(model, experiment, quantity, measured_text, simulated_text, ok, tolerance_text,
              *, deviation=None) -> Row:
    """A qualitative check (an input echo, an exact zero, an agreement statement)."""
    return Row(model, experiment, quantity, measured_text, simulated_text,
               deviation if deviation is not None else ("as expected" if ok else "differs"),
               tolerance_text, bool(ok))


def number(v):
    """A number rounded for display (texts pass through)."""
    if isinstance(v, str):
        return v
    v = float(v)
    if not math.isfinite(v):
        return v
    return round(v, 6) if abs(v) >= 1e-3 or v == 0 else float(f"{v:.6g}")


def _txt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _interval_txt(r: Row) -> str:
    if r.interval is None:
        return ""
    return f"{r.median:.3g} [{r.interval[0]:.3g}, {r.interval[1]:.3g}]"


def summary_counts(rows: list[Row]) -> dict:
    """Pass counts by kind and role, and the 90 % interval coverage of the data rows."""
    data = [r for r in rows if r.kind == "data"]
    cal = [r for r in data if r.role == "calibration"]
    held = [r for r in data if r.role == "held-out"]
    checks = [r for r in rows if r.kind == "check"]
    covered = [r for r in data if r.in_interval is not None]
    return {"data": len(data), "data_pass": sum(r.passed for r in data),
            "calibration": len(cal), "calibration_pass": sum(r.passed for r in cal),
            "held_out": len(held), "held_out_pass": sum(r.passed for r in held),
            "checks": len(checks), "checks_pass": sum(r.passed for r in checks),
            "with_interval": len(covered), "in_interval": sum(bool(r.in_interval) for r in covered)}


def format_table(rows: list[Row], width: int = 120) -> str:
    """The rows as text at most ``width`` characters wide, one block per model.

    Each row takes a title line (experiment · quantity) and a line of values (pass, kind,
    whether the measurement is inside the 90 % interval, measured, simulated, median and
    interval, deviation, tolerance). Cells that do not fit wrap onto further lines; no
    value is ever cut."""
    import textwrap

    head = ("pass", "kind", "in 90%", "measured", "simulated", "median [90 %]",
            "deviation", "tolerance")
    lines = []
    for model in dict.fromkeys(r.model for r in rows):
        sel = [r for r in rows if r.model == model]
        body = [("PASS" if r.passed else "FAIL",
                 r.kind if r.kind == "check" else ("cal" if r.role == "calibration" else "held"),
                 "" if r.in_interval is None else ("yes" if r.in_interval else "no"),
                 _txt(r.measured) + (f" {r.unit}" if r.unit and isinstance(r.measured, float)
                                     else ""),
                 _txt(r.simulated), _interval_txt(r), r.deviation, r.tolerance)
                for r in sel]
        widths = _fit_widths(head, body, width - 2)
        lines.append(f"== {model} " + "=" * max(0, min(width, 60) - len(model) - 4))
        lines.extend("  " + x for x in _wrap_row(head, widths))
        for r, b in zip(sel, body):
            title = f"{r.experiment} · {r.quantity}"
            lines.extend(textwrap.wrap(title, width, subsequent_indent="    ",
                                       break_on_hyphens=False) or [title])
            lines.extend("  " + x for x in _wrap_row(b, widths))
    lines.extend(textwrap.wrap("kind: cal = data row used in the fit, held = data row not used "
                               "in it, check = numerical self-check", width))
    lines.extend(textwrap.wrap(summary_text(rows), width))
    return "\n".join(lines)


def _fit_widths(head, body, width: int) -> list[int]:
    """Column widths summing (with 2-space gaps) to at most ``width``: the widest columns
    give way first, down to 6 characters (cells then wrap)."""
    natural = [max([len(h)] + [len(b[i]) for b in body]) for i, h in enumerate(head)]
    floor = [min(n, max(6, len(h))) for n, h in zip(natural, head)]
    widths = list(natural)
    budget = width - 2 * (len(head) - 1)
    while sum(widths) > budget:
        i = max(range(len(widths)), key=lambda k: widths[k] - floor[k])
        if widths[i] <= floor[i]:
            break
        widths[i] -= 1
    return widths


def _wrap_cell(text: str, w: int) -> list[str]:
    import textwrap

    if len(text) <= w:
        return [text]
    return textwrap.wrap(text, w, break_long_words=True, break_on_hyphens=False) or [""]


def _wrap_row(cells, widths) -> list[str]:
    parts = [_wrap_cell(c, w) for c, w in zip(cells, widths)]
    n = max(len(p) for p in parts)
    out = []
    for k in range(n):
        out.append("  ".join((p[k] if k < len(p) else "").ljust(w)
                             for p, w in zip(parts, widths)).rstrip())
    return out


def summary_text(rows: list[Row]) -> str:
    c = summary_counts(rows)
    text = (f"{c['data_pass']} of {c['data']} data rows pass "
            f"(calibration {c['calibration_pass']}/{c['calibration']}, "
            f"held-out {c['held_out_pass']}/{c['held_out']}); "
            f"{c['checks_pass']} of {c['checks']} checks pass")
    if c["with_interval"]:
        text += (f"; measurement inside the 90 % predictive interval for "
                 f"{c['in_interval']} of {c['with_interval']} data rows")
    return text


def write_json(path, rows: list[Row], provenance: dict | None = None) -> None:
    """Write rows as a JSON list of objects (provenance goes to a sidecar file)."""
    from pathlib import Path

    from sim.store import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps([r.as_json() for r in rows], indent=2))
    if provenance is not None:
        side = path.with_name(path.stem + ".provenance.json")
        with atomic_path(side) as tmp:
            tmp.write_text(json.dumps(provenance, indent=2, default=str))
