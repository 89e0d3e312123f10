"""The pictures of the photocatalysis model, built with :mod:`sim.plotting` (no pyplot).

``plot_result``: one run (QD + catalyst: H2, TON, QE, stochastic H2 per QD, Stern-Volmer
static/dynamic; perovskite: H2 per gram and Pt formed).  ``report_figures``: H2/TON vs time
of the reference experiments with the measured values beside the simulated ones.
"""
from __future__ import annotations

import numpy as np

from sim import plotting

__all__ = ["plot_result", "report_figures"]


def plot_result(result, path=None):
    """The Figure of a run (saved as PNG + SVG beside ``path`` when given)."""
    t = result["time"]
    if "pt_fraction" in result.arrays:
        fig, ax = plotting.figure(9.0, 3.6, ncols=2)
        ax[0].plot(t, result["h2_per_g"], color="C0", **plotting.SIMULATED)
        ax[0].set_ylabel("H2 evolved (umol g^-1)")
        ax[1].plot(t, 100.0 * result["pt_fraction"], color="C2", **plotting.SIMULATED)
        ax[1].set_ylabel("Pt precursor reduced (%)")
        for a in ax:
            a.set_xlabel("irradiation time (h)")
    else:
        fig, ax = plotting.figure(10.0, 7.2, ncols=2, nrows=2)
        ax[0, 0].plot(t, result["h2"], color="C0", label="master equation", **plotting.SIMULATED)
        ax[0, 0].set_ylabel("H2 evolved (umol)")
        ax[0, 1].plot(t, result["ton"], color="C0", **plotting.SIMULATED)
        ax[0, 1].set_ylabel("TON vs catalyst (1)")
        if "h2_per_qd_kmc" in result.arrays:
            # the stochastic (per-QD Gillespie) mean, drawn on the same H2 axis
            scale = result["h2"][-1] / result["h2_per_qd"][-1] if result["h2_per_qd"][-1] else 0
            ax[0, 0].errorbar(t, scale * result["h2_per_qd_kmc"],
                              yerr=scale * result["h2_per_qd_kmc_se"], color="C1", ls="none",
                              marker="s", ms=3, label="stochastic (Gillespie), mean +- s.e.")
            ax[0, 0].legend(fontsize=8)
        ax[1, 0].plot(t[1:], 100.0 * result["qe"][1:], color="C0", **plotting.SIMULATED)
        ax[1, 0].set_ylabel("cumulative quantum efficiency (%)")
        ax[1, 0].set_ylim(bottom=0.0)
        for a in (ax[0, 0], ax[0, 1], ax[1, 0]):
            a.set_xlabel("irradiation time (h)")
        c = 1e6 * result["stern_volmer/catalyst"]
        ax[1, 1].plot(c, result["stern_volmer/I0_over_I"], "o-", color="C3", label="total")
        if "stern_volmer/I0_over_I_static" in result.arrays:
            ax[1, 1].plot(c, result["stern_volmer/I0_over_I_static"], "--", color="C0",
                          label="static (bound catalyst)")
            ax[1, 1].plot(c, result["stern_volmer/I0_over_I_dynamic"], ":", color="C2",
                          label="dynamic (diffusional)")
            ax[1, 1].legend(fontsize=8)
        ax[1, 1].set_xlabel("catalyst concentration (uM)")
        ax[1, 1].set_ylabel("I0/I (1)")
    for a in np.atleast_1d(ax).ravel():
        plotting.plain_axes(a)
    if path is not None:
        plotting.save(fig, path)
    return fig


def _runs(model, names, values_list):
    """{name: [Result per parameter set]} of reference experiments (deterministic solver)."""
    import dataclasses

    from sim.config import replace

    from .observables import reference
    out = {}
    for n in names:
        exp = reference(n)
        cfg = exp.config
        if cfg.system == "qd_catalyst":
            cfg = replace(cfg, **{"solver.method": "deterministic"})
        out[n] = [model.run(dataclasses.replace(exp, config=cfg, parameters=dict(v)))
                  for v in values_list]
    return out


def report_figures(model, quick: bool = False) -> list:
    """TON vs time (CdTe/Co, seed 001) and H2 per gram vs time (CsPbBr3 rods and cubes,
    seed 002), measured beside simulated (MAP line; 90 % band over posterior draws unless
    ``quick``)."""
    n_draws = 0 if quick else 8
    values = [model.parameters.values()] + model.parameters.draws(n_draws, seed=0)
    figs = []
    # --- CdTe QDs + [(bme-dach)Co]2
    runs = _runs(model, ["cdte_co_1e-6M_70h"], values)
    fig, ax = plotting.figure(9.6, 3.8, ncols=2)
    res = runs["cdte_co_1e-6M_70h"]
    t = res[0]["time"]
    if len(res) > 2:
        plotting.band(ax[0], t, [r["ton"] for r in res[1:]], color="C0", label="90 % band")
        plotting.band(ax[1], t, [r["h2"] for r in res[1:]], color="C0")
    ax[0].plot(t, res[0]["ton"], color="C0", label="simulated (MAP)", **plotting.SIMULATED)
    ax[0].plot([30.0], [14400.0], label="measured TON at 30 h (seed 001, Table S1)",
               **plotting.MEASURED)
    ax[0].axvline(30.0, color="0.6", lw=0.8, ls=":")
    ax[0].set_ylabel("TON vs catalyst (1)")
    ax[1].plot(t, res[0]["h2"], color="C0", **plotting.SIMULATED)
    ax[1].set_ylabel("H2 evolved (umol)")
    ax[1].axvline(30.0, color="0.6", lw=0.8, ls=":")
    twin = ax[1].twinx()
    twin.plot(t, 100.0 * res[0]["active_fraction"], color="C3", ls="--",
              label="QDs not aggregated (MAP)")
    twin.set_ylabel("QDs not aggregated (%)")
    twin.set_ylim(0.0, 105.0)
    twin.legend(fontsize=8, loc="center right")
    plotting.plain_axes(twin)
    for a in ax:
        a.set_xlabel("irradiation time (h)")
        plotting.plain_axes(a)
    ax[0].legend(fontsize=8)
    figs.append(plotting.ReportFigure(
        "CdTe QDs + cobalt dithiolate: TON and H2 vs time",
        fig, "1.0e-6 M [(bme-dach)Co]2, TGA-CdTe, 0.28 M ascorbic acid, pH 5.5, >400 nm "
             "(seed 001). Open circle: measured TON 14 400 at 30 h; the dotted line marks the "
             "~30 h onset of QD aggregation reported by the paper (modelled: ligand "
             "photo-oxidation lowers the colloid's stability ratio, Smoluchowski coagulation "
             "removes single QDs; right axis of the H2 panel: QDs not aggregated). Line: MAP; band: 90 % over "
             f"{n_draws} posterior draws." if n_draws else
             "1.0e-6 M [(bme-dach)Co]2, TGA-CdTe, 0.28 M ascorbic acid, pH 5.5, >400 nm "
             "(seed 001). Open circle: measured TON 14 400 at 30 h. Line: MAP (quick: no band)."))
    # --- CsPbBr3 rods and cubes
    names = {"rods": "cspbbr3_rods", "cubes": "cspbbr3_cubes"}
    runs = _runs(model, list(names.values()), values)
    fig, ax = plotting.figure(6.4, 4.2)
    for (label, n), color in zip(names.items(), ("C3", "C0")):
        res = runs[n]
        t = res[0]["time"]
        if len(res) > 2:
            plotting.band(ax, t, [r["h2_per_g"] for r in res[1:]], color=color)
        ax.plot(t, res[0]["h2_per_g"], color=color, label=f"{label} (BF4-), simulated (MAP)",
                **plotting.SIMULATED)
    ax.plot([18.0], [240.0], label="rods, measured ~240 at 18 h (seed 002)", **plotting.MEASURED)
    ax.plot([18.0], [240.0 / 5.0], marker="^", ms=7, mfc="white", mec="black", ls="none",
            label="cubes, 240/5 from 'almost 5-fold' (seed 002)")
    ax.set_xlabel("irradiation time (h)")
    ax.set_ylabel("H2 evolved (umol g^-1)")
    ax.legend(fontsize=8)
    plotting.plain_axes(ax)
    figs.append(plotting.ReportFigure(
        "CsPbBr3 + photodeposited Pt: H2 per gram vs time, rods and cubes",
        fig, "Saturated HBr/H3PO2, >=400 nm, 1 wt% Pt formed in situ (seed 002, Fig. 2d). "
             "Measured: ~240 umol/g for the rods at 18 h and 'almost 5-fold' less for the "
             "cubes (triangle, derived). The simulated rods/cubes ratio is set by the "
             "Marcus reorganisation energy pvk_reorganization_eV (nuisance, prior 1.3 eV). Line: MAP"
             + (f"; band: 90 % over {n_draws} posterior draws." if n_draws else ".")))
    return figs
