"""The parameter table of the ligand-exchange model: every number of the mechanism.

Kinds (see :mod:`sim.params`): ``fixed`` values come from the literature (citation in
``source``); ``calibrated`` ones are inferred from the observations of Yoshikawa et al.
2026 by ``nanokin fit ligand_exchange``; their priors state what was known before looking
at those data (the values the model used before its calibration are not priors).  The
``nuisance`` parameter is an experimental input the papers do not report.

Before calibration four values were declared fitted; seven more (apex_factor,
dithiol_nucleophile, k_close_per_s, rearranged_pair_shift_A, k_disulfide_M_s, k_tde_M_s,
alkyl_thiol_disulfide_factor) had been set with the reference rows in view or as
estimates: all eleven are calibrated here.

Chemistry data of named ligands (formulas, masses, bond class, the dithiol strain curves
of :mod:`structures.ligands`) and the cluster geometry (:mod:`structures.clusters`) are
not mechanism parameters and stay with the structures.

Reference paper: S. Yoshikawa, T. Kawawaki, S. Hossain, Y. Negishi, Chem. Sci. 2026, 17,
6931 (DOI 10.1039/d6sc00460a) ("Yoshikawa 2026").
"""
from __future__ import annotations

from sim.params import Parameter, ParameterTable, Prior

NAME = "ligand_exchange"

_CAL = "calibrated: Yoshikawa 2026 observations (inputs/data/ligand_exchange_observations.toml); "

PARAMETERS = ParameterTable(NAME, [
    # ---------------------------------------------------------------- rule 1: exchange
    Parameter(
        "k_core_M_s", 1.0, "M^-1 s^-1", "calibrated",
        _CAL + "prior: order of magnitude only; no rate constant of arenethiolate-for-arenethiol "
        "exchange on M25(SR)18 clusters is published (site lifetime ~1 s at 1 M thiol), 1.5 decades",
        doc="exchange of an aromatic thiolate at a core site by an aromatic thiol (second order)",
        bounds=(1e-4, 1e4), prior=Prior("lognormal", 1.5)),
    Parameter(
        "apex_factor", 0.3, "1", "calibrated",
        _CAL + "prior: core-site (terminal) thiolates exchange first (Niihori et al. ACS Nano 2015; "
        "Fernando & Aikens J. Phys. Chem. C 2015, DFT on Au25(SR)18), so the apex/core ratio is "
        "below 1; its size is not measured: centred on 0.3, 0.5 decades, at most 1",
        doc="apex/core site rate ratio", bounds=(0.01, 1.0), prior=Prior("lognormal", 0.5)),
    Parameter(
        "aliphatic_leaving", 1e-3, "1", "calibrated",
        _CAL + "prior: arenethiolates leave faster than alkanethiolates (Yoshikawa 2026 text; "
        "positive Hammett rho, Donkers et al. 2004); a leaving-group Brønsted relation "
        "10^(-beta dpKa) with dpKa ~ 3.5 (alkanethiols ~10.5, arenethiols ~6.5-7) and beta 0.5-1 "
        "gives 10^-1.75 to 10^-3.5: centred on 1e-3, 1 decade",
        doc="leaving factor of aliphatic thiolates (PET, SC6H13, SC12H25) relative to aromatic ones",
        bounds=(1e-6, 1.0), prior=Prior("lognormal", 1.0)),
    Parameter(
        "K_aryl_alkyl", 4.0, "1", "fixed",
        "Guo, Murray et al. 2005: equilibrium constant 4.0 of arylthiol vs phenylethanethiolate "
        "exchange on Au38 clusters (taken over for Au24Pt)",
        doc="equilibrium constant Au-SR(alkyl) + ArSH = Au-SAr + RSH; the attack of an aliphatic "
            "thiol is aliphatic_leaving / K_aryl_alkyl (detailed balance)",
        bounds=(1e-06, 1e+06)),
    Parameter(
        "dithiol_nucleophile", 1.0, "1", "calibrated",
        _CAL + "prior: no measurement; a neutral alkanethiol is the better nucleophile, its "
        "thiolate the poorer leaving group: centred on 1 (as an arenethiol), 1.5 decades",
        doc="attack of a dithiol (either end) relative to an aromatic thiol",
        bounds=(1e-5, 1e5), prior=Prior("lognormal", 1.5)),
    Parameter(
        "dangling_leaving", 1.0, "1", "calibrated",
        _CAL + "prior: no measurement; between an alkanethiolate (~1e-3, see aliphatic_leaving) "
        "and a release assisted by the free SH end of the singly bound dithiol: centred on 1, "
        "1.5 decades",
        doc="leaving factor of a singly bound (dangling) dithiolate relative to an aromatic thiolate",
        bounds=(1e-5, 1e5), prior=Prior("lognormal", 1.5)),
    # ---------------------------------------------------------------- rules 2-3: ring closure
    Parameter(
        "k_close_per_s", 10.0, "s^-1", "calibrated",
        _CAL + "prior: an intramolecular exchange = intermolecular rate (k_core ~ 1 M^-1 s^-1) x "
        "effective molarity ~10 M for 6-8-membered ring closures (Kirby, Adv. Phys. Org. Chem. "
        "1980, 17, 183): centred on 10 s^-1, 1.5 decades",
        doc="ring closure of a dangling dithiol onto an aromatic partner site at zero strain",
        bounds=(1e-3, 1e5), prior=Prior("lognormal", 1.5)),
    Parameter(
        "strain_scale", 1.0, "1", "calibrated",
        _CAL + "prior: the MMFF94 restrained-conformer strain energies of the free dithiols "
        "(inputs/structures/dithiol_strain.toml, structures.tools.dithiol_strain) taken at face value "
        "(1); they are crude (S-H in place of S-Au, no orientation of the S-C bonds at the surface): "
        "0.5 decades",
        doc="fraction of the bridge strain energy that acts on ring closure: fit = exp(-scale E / RT)",
        bounds=(0.01, 10.0), prior=Prior("lognormal", 0.5)),
    Parameter(
        "rearranged_pair_shift_A", 0.0, "Å", "calibrated",
        _CAL + "prior: no structure of a partly rearranged shell is known; the candidate pairs off "
        "the C3 triple may move either way by a few tenths of an Å: normal, centred on no change, "
        "sd 0.5 Å",
        doc="change of the S-S distance of the candidate pairs outside the C3 triple once the shell "
            "has rearranged, once more for every bridge already outside the triple",
        bounds=(-1.0, 2.0), prior=Prior("normal", 0.5)),
    # ---------------------------------------------------------------- rules 4-5: cross-links
    Parameter(
        "k_disulfide_M_s", 1.0, "M^-1 s^-1", "calibrated",
        _CAL + "prior: no measurement; oxidative S-S coupling of two thiols in toluene needs air as "
        "oxidant and is slow without base, but inter-cluster disulfide links are observed "
        "(Yoshikawa 2026: insoluble material, (PDTH)2 cross-links): centred on 1, 1.5 decades",
        doc="disulfide coupling of two free SH ends on different clusters",
        bounds=(1e-4, 1e4), prior=Prior("lognormal", 1.5)),
    Parameter(
        "k_tde_M_s", 1.0, "M^-1 s^-1", "calibrated",
        _CAL + "prior: thiol-disulfide interchange proceeds through the thiolate (Singh & "
        "Whitesides, in Patai & Rappoport (eds.), The chemistry of sulphur-containing functional "
        "groups, Suppl. S, Wiley 1993, ch. 13); for a neutral arenethiol in toluene without added "
        "base only the order of magnitude is guessed: centred on 1, 1.5 decades",
        doc="thiol-disulfide interchange of a free aromatic thiol with an inter-cluster disulfide link",
        bounds=(1e-4, 1e4), prior=Prior("lognormal", 1.5)),
    Parameter(
        "alkyl_thiol_disulfide_factor", 0.018, "1", "calibrated",
        _CAL + "prior: thiolate fraction ratio 10^-dpKa (dpKa ~ 3.5) times the thiolate's larger "
        "nucleophilicity 10^(0.5 dpKa) (Brønsted beta_nuc ~ 0.5, Szajewski & Whitesides, J. Am. "
        "Chem. Soc. 1980, 102, 2011) = 10^-1.75: centred on 0.018, 1 decade",
        doc="interchange rate of aliphatic thiols and dithiols relative to aromatic thiols",
        bounds=(1e-6, 1.0), prior=Prior("lognormal", 1.0)),
    # ---------------------------------------------------------------- experimental input
    Parameter(
        "cluster_conc_mM", 0.24, "mM", "nuisance",
        "assumed: not reported for the Fig. 3/4 runs, the dithiol scope and the 250:1 run; prior "
        "centred on the one stated synthesis (Yoshikawa 2026: 8.6 mg [Au24Pt(TBBT)12(PDT)3]0 in "
        "4.0 mL toluene + 0.91 mL thiols = 0.24 mM), 0.3 decades",
        doc="cluster concentration of an experiment whose file does not set cluster.conc_mM",
        bounds=(0.024, 2.4), prior=Prior("lognormal", 0.3)),
])

#: names of the rate parameters the kernel reads (all but the experimental input)
RATE_NAMES = tuple(n for n in PARAMETERS.names if n != "cluster_conc_mM")

#: the values the model used before its calibration (hand-set defaults and the least-squares
#: fit of commit 8695f80): where `nanokin fit` starts its MAP search (fit_settings["map_start"]).
#: A starting point only: no prior uses them.
START = {
    "k_core_M_s": 7.623475801809281, "apex_factor": 0.5, "aliphatic_leaving": 2.0329268804824755e-4,
    "dithiol_nucleophile": 0.13, "dangling_leaving": 12.789441789381724, "k_close_per_s": 1000.0,
    "strain_scale": 0.2899969741622267, "rearranged_pair_shift_A": 0.6, "k_disulfide_M_s": 100.0,
    "k_tde_M_s": 1.0, "alkyl_thiol_disulfide_factor": 3.0e-4, "cluster_conc_mM": 0.24,
}
