"""Figures of the ligand-exchange model: composition distributions (one panel per time, the
leading compositions as bars, the species the paper observed marked beside them) and a
simulated negative-ion mass spectrum.  Built with :mod:`sim.plotting` (no pyplot)."""
from __future__ import annotations

import re

import numpy as np

from structures.ligands import DITHIOLS, MONOTHIOLS

#: ligand tokens of the composition labels, longest first (so SC12H25 before SC, PDTH before PDT)
def _tokens() -> list[tuple[str, str, str]]:
    out = []
    for m in MONOTHIOLS:
        out.append((m, m, "mono"))
    for d in DITHIOLS:
        lab = "SSPDT" if d == "PDTH2_disulfide" else d
        out += [(lab + "H", lab, "dangling"), (lab + "x", lab, "crosslinked"), (lab, lab, "bridged")]
    return sorted(out, key=lambda t: -len(t[0]))


def parse_label(label: str) -> list[tuple[str, str, int]]:
    """'PET2TBBT10PDT3PDTH1' -> [('PET', 'mono', 2), ('TBBT', 'mono', 10), ('PDT', 'bridged', 3),
    ('PDT', 'dangling', 1)]; ligand names with digits (SC6H13) are read as whole tokens."""
    out, i = [], 0
    toks = _tokens()
    while i < len(label):
        for tok, name, mode in toks:
            if label.startswith(tok, i):
                m = re.match(r"\d+", label[i + len(tok):])
                if m:
                    out.append((name, mode, int(m.group())))
                    i += len(tok) + len(m.group())
                    break
        else:
            raise ValueError(f"cannot read composition label {label!r} at {label[i:]!r}")
    return out


def _chem(name: str) -> str:
    """A ligand name in mathtext with numeric subscripts (SC6H13 -> SC$_{6}$H$_{13}$)."""
    return re.sub(r"(?<=[A-Za-z])(\d+)", r"$_{\1}$", name)


def formula_tex(label: str, centre: str = "Pt") -> str:
    """Readable cluster formula: 'TBBT12PDT3' -> Au$_{24}$Pt(TBBT)$_{12}$(PDT)$_{3}$."""
    metal = "Au$_{25}$" if centre == "Au" else f"Au$_{{24}}${centre}"
    parts = []
    for name, mode, n in parse_label(label):
        shown = _chem(name) + {"mono": "", "bridged": "", "dangling": "-SH", "crosslinked": "-S-S"}[mode]
        parts.append(f"({shown})$_{{{n}}}$")
    return metal + "".join(parts)


def load_observed() -> list[dict]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    from sim.paths import data_file

    with open(data_file("ligand_exchange_species.toml"), "rb") as f:
        return tomllib.load(f)["observed"]


def composition_panels(times_min, species, frac, show, centre="Pt", observed=None, n_top=8,
                       band_lo=None, band_hi=None, title=""):
    """Horizontal bars of the ``n_top`` leading compositions at each time of ``show``
    (indices into ``times_min``); ``observed``: {time: entry of load_observed()} marks the
    species the paper saw (open black circles: main or present, crosses: stated absent)."""
    from sim.plotting import MEASURED, figure

    observed = observed or {}
    fig, axes = figure(8.0, 2.3 * len(show) + 0.4, nrows=len(show))
    axes = np.atleast_1d(axes)
    for ax, j in zip(axes, show):
        t = float(times_min[j])
        obs = observed.get(round(t, 6))
        order = [k for k in np.argsort(-np.nan_to_num(frac[j]))[:n_top] if frac[j, k] > 0]
        names = [species[k] for k in order]
        if obs:
            for s in obs["main"] + obs["present"] + obs["absent"]:
                if s not in names:
                    names.append(s)
        y = np.arange(len(names))[::-1]
        vals = np.array([100 * frac[j, species.index(s)] if s in species else 0.0 for s in names])
        ax.barh(y, vals, color="tab:blue", height=0.6, label="simulated (MAP)")
        if band_lo is not None:
            lo = np.array([100 * band_lo[j, species.index(s)] if s in species else 0.0 for s in names])
            hi = np.array([100 * band_hi[j, species.index(s)] if s in species else 0.0 for s in names])
            ax.errorbar((lo + hi) / 2, y, xerr=(hi - lo) / 2, fmt="none", ecolor="tab:blue", alpha=0.6,
                        capsize=2, label="90 % posterior band")
        ax.set_yticks(y)
        ax.set_yticklabels([formula_tex(s, centre) for s in names], fontsize=7)
        ax.set_xlabel("clusters (%)")
        ax.set_xlim(0, 105)
        ax.set_title(f"t = {t:g} min", fontsize=9)
        if obs:
            seen = [q for q, s in zip(y, names) if s in obs["main"] + obs["present"]]
            gone = [q for q, s in zip(y, names) if s in obs["absent"]]
            if seen:
                ax.plot([101] * len(seen), seen, **dict(MEASURED, label="observed (ESI-MS)"))
            if gone:
                ax.plot([101] * len(gone), gone, marker="x", ms=6, color="black", ls="none",
                        label="observed absent")
            ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def mass_spectrum(species, mass, intensity, times_min, show, charge=1, centre="Pt", title="",
                  fwhm=4.0, n_label=4):
    """Simulated negative-ion ESI mass spectrum: each soluble composition as a Gaussian peak
    at its m/z (average mass, no isotope pattern) with height = its fraction; one trace per
    time of ``show``."""
    from sim.plotting import SIMULATED, figure

    electron = 5.48579909e-4
    mz = (np.asarray(mass, float) + charge * electron) / charge
    fig, ax = figure(6.8, 3.8)
    ok = np.isfinite(mz) & (mz > 0)
    lo, hi = mz[ok].min() - 60, mz[ok].max() + 60
    x = np.linspace(lo, hi, 4000)
    sig = fwhm / charge / 2.355
    offset = 0.0
    for j in show:
        w = np.nan_to_num(np.asarray(intensity[j], float))
        y = (w[None, ok] * np.exp(-0.5 * ((x[:, None] - mz[None, ok]) / sig) ** 2)).sum(axis=1)
        peak = y.max() if y.max() > 0 else 1.0
        line, = ax.plot(x, offset + 100 * y / peak, label=f"{times_min[j]:g} min", **SIMULATED)
        for k in np.argsort(-w)[:n_label]:
            if w[k] > 0.02 and ok[k]:
                ax.annotate(formula_tex(species[k], centre), (mz[k], offset + 100 * w[k] / w.max()),
                            fontsize=6, rotation=90, ha="center", va="bottom", color=line.get_color())
        offset += 140.0
    ax.set_xlabel(f"m/z (charge {charge}-)")
    ax.set_ylabel("relative intensity (%, traces offset)")
    ax.set_ylim(0, offset + 40)
    ax.legend(fontsize=7, loc="upper left")
    if title:
        ax.set_title(title, fontsize=9)
    return fig


def plot_compositions(result, path=None, n_top: int = 8):
    """The composition figure of a run (returned; saved as PNG + SVG when ``path`` is given)."""
    from sim.plotting import save

    times = np.asarray(result["time_min"], float)
    species = [str(s) for s in result["species"]]
    frac = np.asarray(result["species_fraction"], float)
    show = np.asarray(result["plot_time_index"]) if "plot_time_index" in result.arrays else np.arange(len(times))
    show = [int(j) for j in show if np.all(np.isfinite(frac[j]))]
    centre = str(getattr(result, "solver", {}).get("centre", "Pt"))
    fig = composition_panels(times, species, frac, show, centre=centre, n_top=n_top,
                             title="composition distribution (simulated)")
    if path is not None:
        save(fig, path)
    return fig
