"""Report figures of the ligand-exchange model (:meth:`LigandExchangeModel.report_figures`):
composition distributions of the two routes of Yoshikawa 2026 (Fig. 3 and Fig. 4) at the
measured times beside the species observed there, and a simulated mass spectrum."""
from __future__ import annotations

import numpy as np

from .observables import fractions, observe, reference_experiment
from .plots import LINE_FWHM, composition_panels, load_observed, mass_spectrum
from .system import simulate_many


def _species_table(sysm, times_s, counts, links, centre):
    obs = observe(sysm, times_s, counts, links, centre=centre)
    labels = sorted({str(x) for pt in obs["per_time"] for x in pt["labels"]})
    pos = {k: q for q, k in enumerate(labels)}
    frac = np.zeros((len(times_s), len(labels)))
    sol = np.zeros_like(frac)
    mass = np.zeros(len(labels))
    for j, pt in enumerate(obs["per_time"]):
        for lab, f in fractions(pt["labels"]).items():
            frac[j, pos[lab]] = f
        for lab, f in fractions(pt["labels"], pt["soluble"]).items():
            sol[j, pos[lab]] = f
        for lab, m in zip(pt["labels"], pt["mass"]):
            mass[pos[str(lab)]] = m
    return labels, frac, sol, mass


def _run(model, name, n_clusters, n_draws, seed=0):
    """MAP run plus ``n_draws`` posterior draws of reference experiment ``name`` (one batch)."""
    exp = reference_experiment(name)
    values = [model.parameters.values()]
    if n_draws:
        try:
            values += model.parameters.draws(n_draws, seed=seed)
        except Exception:  # no recorded posterior samples: MAP only
            pass
    systems, times_s, counts, links, _, _ = simulate_many(exp.config, values, seed=exp.seed,
                                                          n_clusters=n_clusters)
    centre = exp.config.cluster.centre
    tables = [_species_table(systems[b], times_s, counts[b], links[b], centre) for b in range(len(values))]
    species = sorted({s for t in tables for s in t[0]})
    idx = {s: k for k, s in enumerate(species)}

    def widen(t, which):
        out = np.zeros((len(times_s), len(species)))
        for q, s in enumerate(t[0]):
            out[:, idx[s]] = t[which][:, q]
        return out

    frac = np.stack([widen(t, 1) for t in tables])
    sol = widen(tables[0], 2)
    mass = np.zeros(len(species))
    for t in tables:
        for q, s in enumerate(t[0]):
            mass[idx[s]] = t[3][q]
    return exp, times_s / 60.0, species, frac, sol, mass, centre


def report_figures(model, quick: bool = False) -> list:
    from sim.plotting import ReportFigure

    n = 200 if quick else 1000
    n_draws = 0 if quick else 6
    observed = load_observed()
    figs = []
    captions = {
        "tbbt18_pdt": ("[Au24Pt(TBBT)18]0 + TBBTH + PDTH2 (two-step route): compositions at the measured times",
                       "Yoshikawa 2026, Fig. 3 (RP-HPLC / ESI-MS)"),
        "pet18_tbbt_pdt": ("[Au24Pt(PET)18]0 + TBBTH + PDTH2 12:239:1 (one-step route): compositions at the "
                           "measured times", "Yoshikawa 2026, Fig. 4 (RP-HPLC / ESI-MS)"),
    }
    spectrum = None
    for name, (title, src) in captions.items():
        exp, t_min, species, frac, sol, mass, centre = _run(model, name, n, n_draws)
        obs_here = {round(float(o["time_min"]), 6): o for o in observed if o["experiment"] == name}
        show = [int(np.argmin(np.abs(t_min - t))) for t in sorted(obs_here)]
        lo = hi = None
        if frac.shape[0] > 2:
            lo, hi = np.percentile(frac[1:], [5, 95], axis=0)
        fig = composition_panels(t_min, species, frac[0], show, centre=centre, observed=obs_here,
                                 band_lo=lo, band_hi=hi)
        band = (f" and the 5-95 % range over {frac.shape[0] - 1} posterior draws (error bars)"
                if lo is not None else "")
        figs.append(ReportFigure(title, fig, (
            f"Bars: simulated fraction of clusters with each composition ({n} clusters, fitted parameters"
            f"{band}); open circles: species observed by ESI-MS at that time, crosses: species stated "
            f"gone ({src}). The measurements are qualitative (peaks, not fractions).")))
        if name == "tbbt18_pdt":
            spectrum = (species, mass, sol, t_min, show, exp.config.conditions.ms_charge, centre, obs_here)
    if spectrum is not None:
        species, mass, sol, t_min, show, z, centre, obs_here = spectrum
        fig = mass_spectrum(species, mass, sol, t_min, show, charge=z, centre=centre, observed=obs_here)
        figs.append(ReportFigure(
            "Simulated ESI mass spectrum of the two-step route, with isotope patterns", fig,
            "Left: soluble clusters of each composition, each drawn as its isotope pattern "
            "(natural abundances via molmass; lines of width "
            f"{LINE_FWHM:g} m/z, an assumed resolution), charge {z}-, weighted by the fraction of clusters "
            "and normalised per time; open circles: m/z of the species observed at that time, crosses: "
            "species stated gone (Yoshikawa 2026, Fig. 3B: TBBT12PDT3 main; TBBT14PDT2, TBBT10PDT4 and "
            "TBBT12PDT4 byproducts). Right: the resolved isotope pattern of the leading composition at "
            "the last time, with its average m/z."))
    return figs
