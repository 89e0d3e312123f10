"""Numerical self-checks of the ligand-exchange model (validation rows of kind ``check``).

None of them compares with a measurement: the structure analysis echoed, analytic limits
of the kernel (independent-site exchange, attach/release equilibrium of a dithiol that
cannot bridge), conservation in a reference run, the batched kernel against one call per
parameter set, and (when BioNetGen/NFsim are installed, not with ``quick``) the exported
BNGL model run by NFsim against the kernel.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from sim.config import replace
from sim.validation import check_row

from .kernel import N_SITES
from .observables import NAME, reference_experiment
from .system import simulate, simulate_many, site_system


def _values(model, **over):
    vals = model.parameters.values()
    vals.update(over)
    return vals


def _structure(model):
    exp = reference_experiment("tbbt18_pdt")
    cfg = exp.config
    geo = site_system(cfg.cluster.centre, cfg.cluster.structure_file,
                      tuple(cfg.solver.bridge_pair_kinds), cfg.solver.max_pair_distance_A)
    n_core = int(np.sum(geo["site_class"] == "core"))
    n_apex = int(np.sum(geo["site_class"] == "apex"))
    d = geo["pairs"].distance_A[geo["cand"]]
    text = (f"{n_core} core + {n_apex} apex S sites, {len(geo['cand'])} candidate pairs "
            f"({d.min():.2f}-{d.max():.2f} Å), {len(geo['triples'])} C3 triples")
    ok = n_core == 12 and n_apex == 6 and len(geo["cand"]) == 24 and len(geo["triples"]) > 0
    return check_row(NAME, "structure", "Au24Pt(SR)18 built from bond lengths: sites, pairs, C3 triples",
                     "12 core + 6 apex sites, 24 inter-staple core-core pairs, C3 triples present",
                     text, ok, "exact")


def _binomial(model, quick):
    """PET -> TBBT without back reaction: every core site converts with rate
    k_core aliphatic_leaving [TBBTH], every apex site apex_factor times slower."""
    exp = reference_experiment("pet18_tbbt_250")
    n = 1000 if quick else 4000
    vals = _values(model, K_aryl_alkyl=1e12)
    cfg = replace(exp.config, **{"conditions.times_min": (0.0, 3.0, 10.0)})
    sysm, times_s, counts, _, _, _ = simulate(cfg, vals, seed=1, n_clusters=n)
    r = sysm.rates
    c_tbbt = sysm.conc0[sysm.mono.index("TBBT")]
    k_c = r["k_core_M_s"] * r["aliphatic_leaving"] * c_tbbt
    k_a = k_c * r["apex_factor"]
    tb = sysm.mono.index("TBBT")
    worst = 0.0
    for j, t in enumerate(times_s[1:], start=1):
        pc, pa = 1 - math.exp(-k_c * t), 1 - math.exp(-k_a * t)
        mean = 12 * pc + 6 * pa
        se = math.sqrt(max(12 * pc * (1 - pc) + 6 * pa * (1 - pa), 1e-12) / n)
        worst = max(worst, abs(counts[j, :, tb].mean() - mean) / se)
    return check_row(NAME, "pet18_tbbt_250", "independent-site exchange (no back reaction) vs binomial "
                     "mean 12 p_core + 6 p_apex at 3 and 10 min", "within 4 standard errors",
                     f"largest deviation {worst:.2f} SE ({n} clusters)", worst <= 4.0, "<= 4 SE",
                     deviation=f"{worst:.2f} SE")


def _attach_release(model, quick):
    """TBBT12PDT3 + EDT with coupling off: EDT cannot bridge, so each of the 12 TBBT sites
    holds a dangling EDT with odds rho = nu_dithiol [EDT] / (lambda_dangling [TBBTH]);
    P(a dangling EDT on a cluster) = 1 - (1 + rho)^-12 (the expectation behind the EDT row)."""
    exp = reference_experiment("tbbt12pdt3_edt")
    n = 500 if quick else 2000
    vals = _values(model, k_disulfide_M_s=0.0)
    times = tuple(float(t) for t in np.arange(0.0, 0.5 + 1e-9, 1.0 / 60.0))
    cfg = replace(exp.config, **{"conditions.times_min": times})
    sysm, _, counts, _, conc, _ = simulate(cfg, vals, seed=5, n_clusters=n)
    r = sysm.rates
    tb, edt = sysm.mono.index("TBBT"), sysm.n_mono + sysm.di.index("EDT")
    rho = r["dithiol_nucleophile"] * conc[0, edt] / (r["dangling_leaving"] * conc[0, tb])
    expected = 1.0 - (1.0 + rho) ** -12
    got = float((counts[5:, :, edt] > 0).mean())          # after the first 5 s
    m = counts[5:].shape[0] * counts.shape[1]
    se = math.sqrt(max(expected * (1 - expected), 1e-12) / m)
    z = abs(got - expected) / se
    return check_row(NAME, "tbbt12pdt3_edt", "dangling EDT at attach/release equilibrium: "
                     "1 - (1 + rho)^-12", f"{100 * expected:.3f} %", f"{100 * got:.3f} % ({n} clusters)",
                     z <= 4.0, "<= 4 SE (correlated samples: conservative)", deviation=f"{z:.2f} SE")


def _conservation(model, quick):
    """Sites per cluster, bridged ends in pairs, and the molecule balance of TBBT and PDT
    (free + bound; interchange switched off, since it consumes the attacking thiol)."""
    exp = reference_experiment("pet18_tbbt_pdt")
    n = 100 if quick else 300
    cfg = replace(exp.config, **{"conditions.times_min": (0.0, 5.0, 20.0)})
    vals = _values(model, k_tde_M_s=0.0)
    sysm, _, counts, _, conc, events = simulate(cfg, vals, seed=2, n_clusters=n)
    counts = counts.astype(np.int64)
    sites_ok = bool(np.all(counts.sum(axis=2) == N_SITES))
    nm, nd = sysm.n_mono, sysm.n_di
    bridged = counts[:, :, nm + nd:nm + 2 * nd]
    pairs_ok = bool(np.all(bridged % 2 == 0))
    tb, pdt = sysm.mono.index("TBBT"), sysm.di.index("PDT")
    tbbt = conc[:, tb] / sysm.dc_M + counts[:, :, tb].sum(axis=1)
    pdt_total = (conc[:, nm + pdt] / sysm.dc_M + counts[:, :, nm + pdt].sum(axis=1)
                 + counts[:, :, nm + nd + pdt].sum(axis=1) / 2 + counts[:, :, nm + 2 * nd + pdt].sum(axis=1))
    dev = max(float(np.max(np.abs(tbbt - tbbt[0]))), float(np.max(np.abs(pdt_total - pdt_total[0]))))
    ok = sites_ok and pairs_ok and dev < 1e-3 and events > 0
    return check_row(NAME, "pet18_tbbt_pdt", "conservation: 18 sites per cluster, bridged ends in pairs, "
                     "free + bound TBBT and PDT molecules", "exact",
                     f"sites {sites_ok}, pairs {pairs_ok}, molecule balance within {dev:.1e} "
                     f"({events} events)", ok, "exact (balance < 1e-3 molecules)")


def _batch_equals_loop(model, quick):
    exp = reference_experiment("tbbt18_pdt")
    cfg = replace(exp.config, **{"conditions.times_min": (0.0, 2.0, 5.0)})
    base = model.parameters.values()
    sets = [base, dict(base, k_core_M_s=2 * base["k_core_M_s"], strain_scale=0.5 * base["strain_scale"])]
    _, _, counts, links, conc, events = simulate_many(cfg, sets, seed=exp.seed, n_clusters=40)
    same = True
    for b, v in enumerate(sets):
        _, _, c1, l1, k1, e1 = simulate(cfg, v, seed=exp.seed, n_clusters=40)
        same &= bool(np.array_equal(c1, counts[b]) and np.array_equal(l1, links[b])
                     and np.array_equal(k1, conc[b]) and e1 == events[b])
    return check_row(NAME, "tbbt18_pdt", "batched kernel (parameter sets in parallel) vs one call each",
                     "bit for bit", "identical" if same else "differs", same, "exact")


def _nfsim(model):
    """The exported BNGL model run by NFsim against the kernel: mean site counts of every
    ligand state at 3 times within 3 standard errors (TBBT18 + TBBTH + PDTH2, 1.5 min)."""
    from sim.bionetgen import read_gdat, run_bng2, tools_available

    if not tools_available():
        return None
    import tempfile
    from pathlib import Path

    from .export import write_bngl

    exp = reference_experiment("tbbt18_pdt")
    times = tuple(np.linspace(0.0, 1.5, 4))
    vals = _values(model, k_disulfide_M_s=0.0)
    cfg = replace(exp.config, **{"conditions.times_min": times})
    exp = dataclasses.replace(exp, config=cfg)
    n_nf, n_nk = 60, 1500
    with tempfile.TemporaryDirectory() as tmp:
        path = write_bngl(exp, Path(tmp) / "model.bngl", n_clusters=n_nf, seed=12345, values=vals)
        wd = run_bng2(path.read_text(), workdir=Path(tmp) / "run", name="model", timeout=600)
        head, data = read_gdat(wd / "model.gdat")
    sysm, _, counts, _, _, _ = simulate(cfg, vals, seed=7, n_clusters=n_nk)
    worst = 0.0
    for k, c in enumerate(sysm.code_names()):
        st = c.replace(":dangling", "_D").replace(":bridged", "_B").replace(":crosslinked", "_X")
        nf_mean = data[1:, head.index(f"n_{st}")] / n_nf
        per = counts[1:, :, k].astype(float)
        se = per.std(axis=1, ddof=1) * math.sqrt(1.0 / n_nf + 1.0 / n_nk)
        dev = np.abs(nf_mean - per.mean(axis=1))
        z = np.where(se > 0, dev / np.maximum(se, 1e-300), np.where(dev > 1e-9, np.inf, 0.0))
        worst = max(worst, float(z.max()))
    return check_row(NAME, "tbbt18_pdt", "NFsim on the exported BNGL model vs the kernel: mean site "
                     "counts of every ligand state (1.5 min)", "within 3 standard errors",
                     f"largest deviation {worst:.2f} SE ({n_nf} NFsim / {n_nk} kernel clusters)",
                     worst <= 3.0, "<= 3 SE", deviation=f"{worst:.2f} SE")


def self_checks(model, quick: bool = False, progress=None) -> list:
    steps = [_structure, lambda m: _binomial(m, quick), lambda m: _attach_release(m, quick),
             lambda m: _conservation(m, quick), lambda m: _batch_equals_loop(m, quick)]
    if not quick:
        steps.append(_nfsim)
    rows = []
    for step in steps:
        row = step(model)
        if row is not None:
            rows.append(row)
        if progress is not None:
            progress.update(1)
    return rows
