"""The validation report: one self-contained HTML page (figures embedded as PNG).

``nanokin validate`` writes ``results/report.html``. For every validated model it holds
the figures the model draws for its reference experiments (``Model.report_figures``:
measured beside simulated, posterior bands), a predicted-against-measured figure of its
data rows (built here from the rows, so every model has at least one), the validation
table (kind, role, median and 90 % interval, pass), the cross-validated rows when they
were computed, the parameter set with kinds, priors and sources, and the provenance of
the run and of each fit.
"""
from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.plotting import MEASURED, ReportFigure, figure, png_bytes
from sim.validation import Row, summary_counts, summary_text

ROLE_COLOURS = {"calibration": "tab:blue", "held-out": "tab:orange"}


@dataclass
class ModelSection:
    """What the report shows for one model."""

    name: str
    rows: list = field(default_factory=list)
    cv_rows: list = field(default_factory=list)
    figures: list = field(default_factory=list)       # ReportFigure
    figure_errors: list = field(default_factory=list)  # texts: a figure that could not be drawn
    parameters: object = None                          # sim.params.ParameterTable
    seconds: float = 0.0


# ----------------------------------------------------------------------------- figures

def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def rows_figure(model: str, rows: list[Row]) -> ReportFigure | None:
    """Simulated (point and 90 % interval) against measured for the numeric data rows of one
    model, one panel per unit (log axes where the values span decades); roles in colour."""
    pts = [r for r in rows if r.kind == "data" and _finite(r.measured) and _finite(r.simulated)]
    if len(pts) < 2:
        return None
    units = sorted({r.unit or "1" for r in pts})[:4]
    fig, axes = figure(4.6 * len(units), 4.4, ncols=len(units))
    for ax, unit in zip(np.atleast_1d(axes), units):
        _rows_panel(ax, [r for r in pts if (r.unit or "1") == unit], unit)
    n_fail = sum(not r.passed for r in pts)
    return ReportFigure(
        f"{model}: simulated against measured, every numeric data row",
        fig, f"{len(pts)} rows with a numeric measurement, one panel per unit; error bars: 90 % "
             f"posterior predictive interval; crosses: the {n_fail} rows outside their stated "
             "tolerance. Rows stated as ranges, bounds or orderings are in the table.")


def _rows_panel(ax, pts: list[Row], unit: str) -> None:
    vals = [abs(v) for r in pts for v in (r.measured, r.simulated) if v]
    logs = bool(vals) and all(v > 0 for r in pts for v in (r.measured, r.simulated)) and \
        max(vals) / min(vals) > 30
    for role in ("calibration", "held-out"):
        sel = [r for r in pts if r.role == role]
        if not sel:
            continue
        x = [r.measured for r in sel]
        y = [r.simulated for r in sel]
        lo = [max(r.simulated - r.interval[0], 0) if r.interval else 0 for r in sel]
        hi = [max(r.interval[1] - r.simulated, 0) if r.interval else 0 for r in sel]
        ax.errorbar(x, y, yerr=[lo, hi], fmt="s", ms=5, color=ROLE_COLOURS[role],
                    ecolor=ROLE_COLOURS[role], elinewidth=1, capsize=2,
                    label=f"{role} ({sum(r.passed for r in sel)}/{len(sel)} pass)")
        for r in sel:
            if not r.passed:
                ax.plot([r.measured], [r.simulated], marker="x", color="crimson", ms=9, mew=1.6,
                        ls="none", zorder=6)
    every = [v for r in pts for v in (r.measured, r.simulated)] + \
        [v for r in pts if r.interval for v in r.interval if _finite(v)]
    lim_lo, lim_hi = min(every), max(every)
    if logs and lim_lo > 0:
        pad = (lim_hi / lim_lo) ** 0.08
        a, b = lim_lo / pad, lim_hi * pad
        ax.set_xscale("log")
        ax.set_yscale("log")
    else:
        pad = 0.08 * (lim_hi - lim_lo or abs(lim_hi) or 1.0)
        a, b = lim_lo - pad, lim_hi + pad
    ax.plot([a, b], [a, b], color="0.5", lw=1, ls="--", label="simulated = measured")
    ax.plot([], [], marker="x", color="crimson", ls="none", label="fails its tolerance")
    ax.set_xlim(a, b)
    ax.set_ylim(a, b)
    label = "dimensionless" if unit == "1" else unit
    ax.set_xlabel(f"measured ({label})")
    ax.set_ylabel(f"simulated ({label})")
    ax.legend(fontsize=7, loc="upper left")


def status_figure(sections: list[ModelSection]) -> ReportFigure | None:
    """Passing and failing rows per model, by kind and role (stacked bars)."""
    if not sections:
        return None
    fig, ax = figure(6.4, 0.6 + 0.55 * len(sections) * 3)
    labels, ok, bad = [], [], []
    for s in sections:
        c = summary_counts(s.rows)
        for key, name in (("calibration", "calibration"), ("held_out", "held-out"),
                          ("checks", "check")):
            labels.append(f"{s.name} · {name}")
            ok.append(c[key + "_pass"] if key != "held_out" else c["held_out_pass"])
            bad.append(c[key] - ok[-1])
    y = list(range(len(labels)))[::-1]
    ax.barh(y, ok, color="tab:green", label="pass")
    ax.barh(y, bad, left=ok, color="crimson", label="fail")
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("rows (count)")
    ax.legend(fontsize=8, loc="lower right")
    return ReportFigure("Validation status: rows passing per model, kind and role", fig,
                        "Role (calibration / held-out) is computed from the observations that "
                        "entered each shipped fit; checks are numerical self-checks.")


# ----------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1180px;
margin:1.5em auto;padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;font-size:.82em;margin:.6em 0}
th,td{border:1px solid #ddd;padding:.25em .45em;vertical-align:top;text-align:left}
th{background:#f4f4f4}tr.fail td.pass{background:#fbe3e4;color:#9b1c1c;font-weight:600}
tr.ok td.pass{color:#1b6b2f}figure{margin:1em 0;display:inline-block;vertical-align:top;
max-width:100%}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#444;max-width:760px}.small{font-size:.8em;color:#555}
code{background:#f6f6f6;padding:0 .2em}
"""


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def _num(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return _e(v)


def _figure_html(f: ReportFigure) -> str:
    raw = f.figure if isinstance(f.figure, (bytes, bytearray)) else png_bytes(f.figure)
    data = base64.b64encode(raw).decode("ascii")
    return (f'<figure><img alt="{_e(f.title)}" src="data:image/png;base64,{data}">'
            f"<figcaption><b>{_e(f.title)}.</b> {_e(f.caption)}</figcaption></figure>")


def _rows_html(rows: list[Row]) -> str:
    head = ("experiment", "quantity", "measured", "simulated", "median [90 % interval]",
            "deviation", "tolerance", "pass", "kind", "role", "in 90 %", "source")
    out = ["<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for r in rows:
        interval = ("" if r.interval is None else
                    f"{r.median:.4g} [{r.interval[0]:.4g}, {r.interval[1]:.4g}]")
        inside = "" if r.in_interval is None else ("yes" if r.in_interval else "no")
        unit = f" {_e(r.unit)}" if r.unit and _finite(r.measured) else ""
        out.append(
            f'<tr class="{"ok" if r.passed else "fail"}"><td>{_e(r.experiment)}</td>'
            f"<td>{_e(r.quantity)}</td><td>{_num(r.measured)}{unit}</td>"
            f"<td>{_num(r.simulated)}{unit}</td><td>{interval}</td><td>{_e(r.deviation)}</td>"
            f'<td>{_e(r.tolerance)}</td><td class="pass">{"PASS" if r.passed else "FAIL"}</td>'
            f"<td>{_e(r.kind)}</td><td>{_e(r.role or '')}</td><td>{inside}</td>"
            f'<td class="small">{_e(r.source)}</td></tr>')
    out.append("</table>")
    return "\n".join(out)


def _parameters_html(table) -> str:
    if table is None:
        return "<p>This model has no parameter table.</p>"
    try:
        values = table.values()
    except Exception as exc:  # a missing fit file: say so, do not hide it
        return f"<p><b>Parameter values unavailable:</b> {_e(exc)}</p>"
    prov = table.fit_provenance()
    out = [f'<p class="small">Fit: <code>{_e(Path(str(prov.get("fit_file", ""))).name)}</code>'
           f" · SHA-256 {_e(str(prov.get('fit_sha256', ''))[:16])}… · commit "
           f"{_e(str(prov.get('fit_commit', ''))[:10])} · seed {_e(prov.get('fit_seed', ''))}"
           f"{(' · ' + _e(prov['fit_status'])) if 'fit_status' in prov else ''}</p>",
           "<table><tr><th>parameter</th><th>value used</th><th>unit</th><th>kind</th>"
           "<th>prior</th><th>source</th></tr>"]
    for p in table:
        prior = p.prior.text(p.unit) if p.free and p.prior is not None else ""
        out.append(f"<tr><td>{_e(p.name)}</td><td>{values.get(p.name, p.value):.6g}</td>"
                   f"<td>{_e(p.unit)}</td><td>{_e(p.kind)}</td><td>{_e(prior)}</td>"
                   f'<td class="small">{_e(p.source)}</td></tr>')
    out.append("</table>")
    return "\n".join(out)


def render(sections: list[ModelSection], provenance: dict, *, title: str = "nanokin validation",
           extra_figures: list | None = None, notes: list[str] | None = None) -> str:
    """The report page as one HTML string (figures embedded)."""
    all_rows = [r for s in sections for r in s.rows]
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{_e(title)}</h1>",
             f"<p><b>{_e(summary_text(all_rows))}</b></p>"]
    for n in notes or []:
        parts.append(f"<p>{_e(n)}</p>")
    parts.append("<p class='small'>Measured values are open black circles; simulated values are "
                 "lines (the fitted point) with a shaded 90 % posterior predictive band. "
                 "A row's role is computed from the observations that entered the model's "
                 "shipped fit.</p>")
    parts.append("<ul>" + "".join(f"<li><a href='#{_e(s.name)}'>{_e(s.name)}</a> — "
                                  f"{_e(summary_text(s.rows))}</li>" for s in sections) + "</ul>")
    for f in extra_figures or []:
        parts.append(_figure_html(f))
    for s in sections:
        parts.append(f"<h2 id='{_e(s.name)}'>{_e(s.name)}</h2>")
        parts.append(f"<p>{_e(summary_text(s.rows))} ({s.seconds:.0f} s)</p>")
        for f in s.figures:
            parts.append(_figure_html(f))
        for msg in s.figure_errors:
            parts.append(f"<p><b>Figure not drawn:</b> {_e(msg)}</p>")
        parts.append("<h3>Validation rows</h3>" + _rows_html(s.rows))
        if s.cv_rows:
            parts.append("<h3>Cross-validation (each series predicted by a fit that did not "
                         "see it)</h3>")
            parts.append(f"<p>{_e(summary_text(s.cv_rows))}</p>" + _rows_html(s.cv_rows))
        parts.append("<h3>Parameter set</h3>" + _parameters_html(s.parameters))
    parts.append("<h2>Provenance</h2><table>" + "".join(
        f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in provenance.items()) + "</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(path, sections: list[ModelSection], provenance: dict, **kw) -> int:
    """Write the page atomically; returns the number of embedded figures."""
    from sim.store import atomic_path

    extra = [f for f in [status_figure(sections)] if f is not None]
    for s in sections:
        rf = rows_figure(s.name, s.rows)
        if rf is not None:
            s.figures.append(rf)
    text = render(sections, provenance, extra_figures=extra, **kw)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return text.count("<figure>")


def collect_figures(model, section: ModelSection, quick: bool) -> None:
    """Ask the model for its report figures; a failure is reported on the page, not raised."""
    try:
        figs = list(model.report_figures(quick=quick) or [])
    except Exception as exc:  # one broken figure must not lose the validation results
        section.figure_errors.append(f"{type(exc).__name__}: {exc}")
        return
    for f in figs:
        if isinstance(f, ReportFigure):
            section.figures.append(f)


def posterior_figure(model) -> ReportFigure | None:
    """The corner plot stored beside the model's shipped fit, when there is one."""
    table = getattr(model, "parameters", None)
    if table is None or not table.free:
        return None
    png = Path(table.fit_path).with_name(Path(table.fit_path).stem + "_corner.png")
    if not png.is_file():
        return None
    try:
        rec = table.fit_record() or {}
    except Exception:
        rec = {}
    sampler = rec.get("sampler", {}) if isinstance(rec.get("sampler"), dict) else {}
    ess = sampler.get("ess_min")
    prov = rec.get("provenance", {})
    return ReportFigure(
        f"{model.name}: posterior of the calibrated and nuisance parameters",
        png.read_bytes(),
        f"emcee samples of the shipped fit ({png.name}; commit "
        f"{str(prov.get('commit', ''))[:10]}, seed {prov.get('seed', '')}"
        + (f", {sampler.get('walkers')} walkers x {sampler.get('steps')} steps, smallest "
           f"effective sample size {ess:.0f}" if isinstance(ess, (int, float)) else "")
        + ("; the chains were too short for a reliable autocorrelation time"
           if sampler.get("tau_reliable") is False else "")
        + "); red: MAP; dashed: 5, 50 and 95 % quantiles.")


__all__ = ["ModelSection", "render", "write_report", "rows_figure", "status_figure",
           "collect_figures", "MEASURED"]
