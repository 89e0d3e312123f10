"""BioNetGen-language export of a ligand-exchange experiment (explicit sites s1...s18,
pair-specific ring-closure rules), for a cross-check with NFsim.

The rules and rate constants come from the same :class:`~kinetics.ligand_exchange.system.System`
the kernel uses, built from the run's resolved parameter set (table <- fit <- the file's
``[parameters]``), so ``nanokin export bngl`` and ``nanokin run`` simulate the same model.
"""
from __future__ import annotations

from pathlib import Path

from .kernel import N_EXTRA_LEVELS, N_SITES
from .system import System, _label, build_system


def _link_site_pairs(sysm: System, st, code):
    """(site, site2, dangling, linked, dangling2, linked2) for every unordered pair of
    dithiol-bearing sites on two clusters that a disulfide link can join, with the BNGL
    state names of each end before and after linking."""
    for d in range(sysm.n_di):
        dang = st[code[sysm.n_mono + d]]
        xl = st[code[sysm.n_mono + 2 * sysm.n_di + d]]
        for d2 in range(sysm.n_di):
            dang2 = st[code[sysm.n_mono + d2]]
            xl2 = st[code[sysm.n_mono + 2 * sysm.n_di + d2]]
            for s in range(N_SITES):
                for s2 in range(N_SITES):
                    if (d2, s2) >= (d, s):
                        yield s, s2, dang, xl, dang2, xl2


def write_bngl(exp, out_path, n_clusters: int | None = None, t_end_min: float | None = None,
               n_steps: int | None = None, actions: bool = True, seed: int | None = None,
               values: dict | None = None) -> Path:
    """Write the experiment as BioNetGen rules (explicit sites s1...s18) for NFsim.

    One molecule type C (cluster) with sites s1..s18 (ligand state), p1..pK (candidate pair
    on the committed C3 triple), sh (shell rearranged), nx (bridges outside the triple); free
    reagents are molecules L_<name> with counts = equivalents x clusters.  Rate constants are
    per molecule: k (M^-1 s^-1) * [cluster] / n_clusters for bimolecular steps.
    Disulfide coupling between clusters is a bimolecular C + C rule that bonds the two
    cross-linked sites; thiol-disulfide interchange breaks that bond.

    ``values``: the complete parameter set; default: the run's resolved set (table <- fit
    <- the experiment's ``[parameters]``), the set ``nanokin run`` uses.
    """
    from .parameters import PARAMETERS

    cfg = exp.config
    n = n_clusters or cfg.solver.n_clusters
    if values is None:
        values = PARAMETERS.values(getattr(exp, "parameters", None) or {})
    sysm = build_system(cfg, values, n)
    r = sysm.rates
    mono, di = sysm.mono, sysm.di
    code = sysm.code_names()
    st = {c: c.replace(":dangling", "_D").replace(":bridged", "_B").replace(":crosslinked", "_X")
          for c in code}
    states = "~".join(st[c] for c in code)
    a = sysm.arrays
    cand = sysm.cand_pairs
    triples = sysm.triples
    n_levels = N_EXTRA_LEVELS
    lines = [f"# nanokin ligand_exchange export of '{exp.name}' ({n} clusters)",
             "# parameters: " + ", ".join(f"{k} = {v:.10g}" for k, v in values.items()),
             "begin model", "begin parameters"]
    vol = sysm.dc_M          # M per molecule
    lines.append(f"  dc {vol:.10g}   # concentration of one molecule, M")
    lines.append("end parameters")
    n_cand = len(cand)
    comps = ",".join([f"s{k + 1}~{states}" for k in range(N_SITES)] +
                     [f"p{k + 1}~0~1" for k in range(n_cand)] +
                     ["sh~0~1", "nx~" + "~".join(str(k) for k in range(n_levels))])
    lines += ["begin molecule types", f"  C({comps})"]
    reag = [*mono, *di]
    rname = [f"L_{_label(x)}" for x in reag]
    for nm in rname:
        lines.append(f"  {nm}()")
    lines += ["end molecule types", "begin seed species"]
    init = ",".join([f"s{k + 1}~{st[code[sysm.init_lig[k]]]}" for k in range(N_SITES)] +
                    [f"p{k + 1}~{1 if sysm.init_shell >= 0 and k in sysm.triples[sysm.init_shell] else 0}"
                     for k in range(n_cand)] +
                    [f"sh~{1 if sysm.init_shell >= 0 else 0}", "nx~0"])
    lines.append(f"  C({init}) {n}")
    for nm, c0 in zip(rname, sysm.conc0):
        lines.append(f"  {nm}() {int(round(c0 / vol))}")
    lines += ["end seed species", "begin observables"]
    for c in code:
        bond = "!?" if c.endswith(":crosslinked") else ""    # cross-linked sites carry a bond
        terms = " ".join(f"C(s{k + 1}~{st[c]}{bond})" for k in range(N_SITES))
        lines.append(f"  Molecules n_{st[c]} {terms}")
    lines.append("  Molecules n_rearranged C(sh~1)")
    for nm in rname:
        lines.append(f"  Molecules free_{nm} {nm}()")
    lines += ["end observables", "begin reaction rules"]
    n_ex = sysm.n_mono + sysm.n_di
    rule = 0
    # 1. exchange: incoming reagent ri replaces exchangeable code c at site s
    for s in range(N_SITES):
        for ri in range(n_ex):
            for c in range(n_ex):
                if c == ri:
                    continue
                k = a["k_site"][s] * a["leave"][c] * a["nucleophile"][ri] * vol
                if k <= 0:
                    continue
                rule += 1
                lines.append(f"  r{rule}: C(s{s + 1}~{st[code[c]]}) + {rname[ri]}() -> "
                             f"C(s{s + 1}~{st[code[ri]]}) + {rname[c]}() {k:.10g}")
    # 2./3. ring closure on candidate pair p, dangling at u, leaving monothiol at v
    for p, (i, j) in enumerate(cand):
        tri_p = [q for q in range(len(triples)) if p in triples[q]]
        for u, v in ((i, j), (j, i)):
            for d in range(sysm.n_di):
                dang, br = st[code[sysm.n_mono + d]], st[code[sysm.n_mono + sysm.n_di + d]]
                for m in range(sysm.n_mono):
                    base = r["k_close_per_s"] * a["leave"][m]
                    lhs = f"s{u + 1}~{dang},s{v + 1}~{st[code[m]]}"
                    rhs = f"s{u + 1}~{br},s{v + 1}~{br}"
                    # before rearrangement: commit to one of the triples containing p
                    k0 = base * a["fit_native"][d, p]
                    if k0 > 0:
                        if sysm.rearrange and tri_p:
                            for q in tri_p:
                                fl = ",".join(f"p{int(x) + 1}~0" for x in sorted(triples[q]))
                                fr = ",".join(f"p{int(x) + 1}~1" for x in sorted(triples[q]))
                                rule += 1
                                lines.append(f"  r{rule}: C({lhs},sh~0,{fl}) -> C({rhs},sh~1,{fr}) "
                                             f"{k0 / len(tri_p):.10g}")
                        else:
                            rule += 1
                            lines.append(f"  r{rule}: C({lhs},sh~0) -> C({rhs},sh~0) {k0:.10g}")
                    if not sysm.rearrange:
                        continue
                    # after rearrangement: on the triple (both sites flagged) ...
                    k1 = base * a["fit_xl"][d]
                    if k1 > 0:
                        rule += 1
                        lines.append(f"  r{rule}: C({lhs},sh~1,p{p + 1}~1) -> "
                                     f"C({rhs},sh~1,p{p + 1}~1) {k1:.10g}")
                    # ... or off it (at least one site unflagged), by level of extra bridges
                    for lev in range(n_levels):
                        k2 = base * a["fit_other"][d, lev, p]
                        if k2 <= 0:
                            continue
                        new = min(lev + 1, n_levels - 1)
                        rule += 1
                        lines.append(f"  r{rule}: C({lhs},sh~1,nx~{lev},p{p + 1}~0) -> "
                                     f"C({rhs},sh~1,nx~{new},p{p + 1}~0) {k2:.10g}")
    # 4. disulfide coupling of dangling ends on two clusters
    if r["k_disulfide_M_s"] > 0 and sysm.n_di:
        k = r["k_disulfide_M_s"] * vol
        for s, s2, dang, xl, dang2, xl2 in _link_site_pairs(sysm, st, code):
            rule += 1
            lines.append(f"  r{rule}: C(s{s + 1}~{dang}) + C(s{s2 + 1}~{dang2}) -> "
                         f"C(s{s + 1}~{xl}!1).C(s{s2 + 1}~{xl2}!1) {k:.10g}")
            # the same coupling between two clusters already in one linked aggregate
            rule += 1
            lines.append(f"  r{rule}: C(s{s + 1}~{dang}).C(s{s2 + 1}~{dang2}) -> "
                         f"C(s{s + 1}~{xl}!1).C(s{s2 + 1}~{xl2}!1) {k:.10g}")
    # 5. thiol-disulfide interchange: a free thiol cleaves an inter-cluster link (and is consumed)
    if r["k_tde_M_s"] > 0 and r["k_disulfide_M_s"] > 0 and sysm.n_di:
        for ri in range(n_ex):
            k = r["k_tde_M_s"] * a["tde_nuc"][ri] * vol
            if k <= 0:
                continue
            for s, s2, dang, xl, dang2, xl2 in _link_site_pairs(sysm, st, code):
                rule += 1
                lines.append(f"  r{rule}: C(s{s + 1}~{xl}!1).C(s{s2 + 1}~{xl2}!1) + {rname[ri]}() -> "
                             f"C(s{s + 1}~{dang}) + C(s{s2 + 1}~{dang2}) {k:.10g}")
    lines += ["end reaction rules", "end model"]
    if actions:
        t_end = 60.0 * (t_end_min if t_end_min is not None else cfg.conditions.times_min[-1])
        steps = n_steps or max(1, len(cfg.conditions.times_min) - 1)
        lines += ["", "writeXML()",
                  f'simulate({{method=>"nf",t_end=>{t_end:.10g},n_steps=>{steps},'
                  f'seed=>{exp.seed if seed is None else seed},param=>"-gml 1000000 -utl 1000000"}})']
    out = Path(out_path)
    out.write_text("\n".join(lines) + "\n")
    return out
