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


ELECTRON_MASS = 5.48579909e-4   # g/mol (CODATA 2018)
#: full width at half maximum (m/z units) of one isotope line in the simulated spectrum: an
#: assumed instrument resolution of ~15 000 (m/dm) at m/z ~7 000, enough to resolve the 1 Da
#: spacing of the isotope pattern at charge 1- (Yoshikawa 2026 do not state their resolution)
LINE_FWHM = 0.5


def species_formula(label: str, centre: str = "Pt") -> str:
    """Elemental formula of a composition label: 'TBBT12PDT3' -> 'Au24 Pt1 S18 C129 H174'
    style (pymatgen's formula string, no spaces); a dangling dithiol carries its SH end, a
    cross-linked end is counted as the bound dithiolate (its partner on the other cluster is
    not part of this ion)."""
    from structures.ligands import cluster_formula

    metals = {"Au": 25} if centre == "Au" else {"Au": 24, centre: 1}
    ligands: dict[str, int] = {}
    for name, mode, n in parse_label(label):
        base = "PDTH2_disulfide" if name == "SSPDT" else name
        key = base if mode in ("mono", "bridged", "crosslinked") else f"{base}:dangling"
        ligands[key] = ligands.get(key, 0) + n
    return cluster_formula(metals, ligands)


_PATTERNS: dict = {}


def isotope_pattern(formula: str, charge: int = 1, min_fraction: float = 1e-4):
    """Isotope pattern of the negative ion [M]^z- of ``formula``: (m/z, fraction) of its
    isotopologues, from the natural isotope abundances of the IUPAC/NIST tables that ``molmass``
    ships (C. Gohlke, molmass, https://github.com/cgohlke/molmass; BSD-3), summed to nominal
    mass (isotopologues within one nominal mass are not resolved at the line width used here).
    Lines below ``min_fraction`` of the total are dropped."""
    key = (formula, int(charge), float(min_fraction))
    if key not in _PATTERNS:
        from molmass import Formula

        spec = Formula(formula).spectrum(min_intensity=0.0)
        m = np.array([v.mass for v in spec.values()], float)
        f = np.array([v.fraction for v in spec.values()], float)
        keep = f >= min_fraction * f.sum()
        m, f = m[keep], f[keep] / f[keep].sum()
        _PATTERNS[key] = ((m + charge * ELECTRON_MASS) / charge, f)
    return _PATTERNS[key]


def _profile(x, centres, heights, fwhm):
    sig = fwhm / 2.355
    y = np.zeros_like(x)
    for c, h in zip(centres, heights):
        near = np.abs(x - c) < 6 * sig
        y[near] += h * np.exp(-0.5 * ((x[near] - c) / sig) ** 2)
    return y


def mass_spectrum(species, mass, intensity, times_min, show, charge=1, centre="Pt", title="",
                  fwhm=LINE_FWHM, n_label=4, observed=None, min_weight=1e-3):
    """Simulated negative-ion ESI mass spectrum with isotope patterns.

    Left: every soluble composition with a fraction above ``min_weight`` contributes its
    isotope pattern (:func:`isotope_pattern`), each line a Gaussian of width ``fwhm`` (m/z),
    weighted by the composition's fraction; one trace per time of ``show`` (indices into
    ``times_min``), normalised to its highest point.  ``observed``: {time: entry of
    :func:`load_observed`}: the species the paper saw at that time are marked above their
    m/z, just below the baseline of that trace (open black circles; crosses for species
    stated absent).  Right: the isotope pattern
    of the leading composition of the last trace, resolved (lines and profile), with its
    average m/z (``mass``: average molar masses) marked."""
    from sim.plotting import MEASURED, SIMULATED, figure

    observed = observed or {}
    mass = np.asarray(mass, float)
    fig, (ax, axz) = figure(10.5, 4.4, ncols=2, gridspec_kw={"width_ratios": [2.2, 1.0]})
    sel = set()
    for j in show:
        w = np.nan_to_num(np.asarray(intensity[j], float))
        sel |= {k for k in np.flatnonzero(w > min_weight)}
    sel = sorted(sel)
    patterns = {k: isotope_pattern(species_formula(species[k], centre), charge) for k in sel}
    obs_species = {s for o in observed.values() for s in o["main"] + o["present"] + o["absent"]}
    obs_mz = {}
    for s in obs_species:      # mean m/z of the isotope pattern
        mz_s, f_s = isotope_pattern(species_formula(s, centre), charge)
        obs_mz[s] = float(np.sum(mz_s * f_s))
    all_mz = [patterns[k][0] for k in sel] + [np.array(list(obs_mz.values()))]
    all_mz = np.concatenate([a for a in all_mz if a.size]) if sel or obs_mz else np.array([7000.0])
    lo, hi = all_mz.min() - 40, all_mz.max() + 40
    x = np.linspace(lo, hi, int(min(200_000, max(4000, 12 * (hi - lo) / fwhm))))
    offset = 0.0
    last = None
    for j in show:
        w = np.nan_to_num(np.asarray(intensity[j], float))
        ks = [k for k in sel if w[k] > min_weight]
        y = np.zeros_like(x)
        for k in ks:
            y += _profile(x, patterns[k][0], w[k] * patterns[k][1], fwhm)
        peak = y.max() if y.max() > 0 else 1.0
        line, = ax.plot(x, offset + 100 * y / peak, label=f"{times_min[j]:g} min (simulated)",
                        lw=0.9, zorder=3)
        for k in sorted(ks, key=lambda k: -w[k])[:n_label]:
            if w[k] > 0.02:
                top = 100 * float(_profile(np.array([patterns[k][0][np.argmax(patterns[k][1])]]),
                                           patterns[k][0], w[k] * patterns[k][1], fwhm)[0]) / peak
                ax.annotate(formula_tex(species[k], centre), (float(np.sum(patterns[k][0] * patterns[k][1])),
                                                               offset + top + 3),
                            fontsize=6, rotation=90, ha="center", va="bottom", color=line.get_color())
        obs = observed.get(round(float(times_min[j]), 6))
        if obs:
            seen = [obs_mz[s] for s in obs["main"] + obs["present"]]
            gone = [obs_mz[s] for s in obs["absent"]]
            lab_seen = "observed (ESI-MS)" if last is None else None
            if seen:
                ax.plot(seen, [offset - 9] * len(seen), **dict(MEASURED, ms=5, label=lab_seen))
            if gone:
                ax.plot(gone, [offset - 9] * len(gone), marker="x", ms=5, color="black", ls="none",
                        label="observed absent" if last is None else None)
        last = (j, w, line.get_color())
        offset += 240.0
    ax.set_xlabel(f"m/z (charge {charge}-)")
    ax.set_ylabel("relative intensity (%, traces offset)")
    ax.set_ylim(-20, offset)
    ax.set_xlim(lo, hi)
    ax.ticklabel_format(axis="x", useOffset=False, style="plain")
    ax.legend(fontsize=6, loc="upper left")
    if last is not None and sel:
        j, w, color = last
        k = max(sel, key=lambda q: w[q])
        mz, f = patterns[k]
        xz = np.linspace(mz.min() - 2, mz.max() + 2, 3000)
        yz = _profile(xz, mz, f, fwhm)
        axz.plot(xz, 100 * yz / yz.max(), color=color, label=f"profile (FWHM {fwhm:g})", **SIMULATED)
        axz.vlines(mz, 0, 100 * f / f.max(), color="black", lw=0.8, label="isotope lines")
        avg = (mass[k] + charge * ELECTRON_MASS) / charge
        axz.axvline(avg, color="grey", ls="--", lw=0.8, label=f"average m/z {avg:.2f}")
        axz.set_xlabel(f"m/z (charge {charge}-)")
        axz.set_ylabel("relative intensity (%)")
        axz.set_ylim(0, 118)
        axz.ticklabel_format(axis="x", useOffset=False, style="plain")
        axz.set_title(formula_tex(species[k], centre) + f", {times_min[j]:g} min", fontsize=8)
        axz.legend(fontsize=6, loc="upper right")
    if title:
        fig.suptitle(title, fontsize=9)
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
