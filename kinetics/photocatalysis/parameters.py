"""The parameter table of the photocatalysis model: every number of both mechanisms.

Two systems share the table (names starting ``pvk_`` belong to CsPbBr3 + Pt, the
others to CdTe QDs + the cobalt catalyst).  Kinds (see :mod:`sim.params`):

* ``fixed``       literature values (source = citation) and stated assumptions
                  (source = "assumed: why");
* ``calibrated``  rate constants inferred by ``nanokin fit photocatalysis``; their priors
                  say what was known before looking at the reference data;
* ``nuisance``    experimental inputs the papers did not report (photon fluxes, the
                  basis of "1.0e-4 M QDs", the native ligand coverage), with priors from
                  the stated setup.

Values that were chosen while looking at a validation row are calibrated or nuisance.
Where a row is decided by one fixed value, the observation's ``note`` in
``inputs/data/photocatalysis_observations.toml`` names it: ``pvk_reorganization_eV`` (rods/cubes
ratio: the prior of ``pvk_reorganization_eV``) and the BF4⁻ gain (the prior of
``pvk_long_ligand_coverage``).  The activity loss of the CdTe QDs is their aggregation
(seed 001, Fig. S8): ligand photo-oxidation lowers the stability ratio of the colloid and
Smoluchowski coagulation removes single QDs (``qd_ligand_oxidation_per_photon``,
``qd_barrier_kT``, calibrated).
"""
from __future__ import annotations

from kinetics.analysis import peng_diameter_nm
from sim.params import Parameter, ParameterTable, Prior

from .chemistry import cd_per_qd

__all__ = ["TABLE", "STATED_QD_CONC_M", "CD_READING_PARTICLE_CONC_M"]

#: seed 001: "TGA-CdTe QDs (1.0e-4 M)", first exciton 514.7 nm (D = 2.7 nm, Peng)
STATED_QD_CONC_M = 1.0e-4
CD_READING_PARTICLE_CONC_M = STATED_QD_CONC_M / cd_per_qd(peng_diameter_nm(514.7, "CdTe"), "CdTe")

_BRUSH = ("estimate from Brown et al., JACS 2012, 134, 5627 (thiolate-capped CdS + ascorbate: "
          "activity lost after ~4 h at ~1 absorbed photon ms^-1, i.e. ~1.4e7 photons per "
          "particle): damage probability per transferred electron n_ligand_crit/1.4e7 = 1.4e-6, "
          "times k_hole[HA-] + k_bet at pH 5.5, 0.28 M H2A (1.8e7 s^-1); a CdS-nanorod budget, "
          "not measured for TGA-CdTe")

TABLE = ParameterTable("photocatalysis", [
    # ------------------------------------------------------------------ CdTe QDs + Co catalyst
    Parameter("qd_lifetime_ns", 20.8, "ns", "fixed", "seed 001 ESI, TCSPC (Stern-Volmer section)",
              "intrinsic exciton lifetime tau0 of the TGA-CdTe QDs",
              bounds=(0.01, 1e+06)),
    Parameter("k_et_per_s", 2.0e8, "s^-1", "fixed",
              "assumed: QD -> molecular acceptor electron transfer spans 1e8-1e10 s^-1 (Wilker "
              "et al. 2014; Young et al. 2016); the low end, not measured for this catalyst",
              "electron transfer to one bound catalyst",
              bounds=(0, 1e+14)),
    Parameter("langmuir_K_per_M", 1.0e6, "M^-1", "fixed",
              "assumed: order of thiolate/carboxylate-anchored complexes on QD surfaces",
              "catalyst binding constant per surface site",
              bounds=(0, 1e+15)),
    Parameter("binding_sites_per_qd", 20.0, "1", "fixed",
              "assumed: TGA carboxylate/thiolate sites available to the catalyst",
              "catalyst binding sites per QD",
              bounds=(1, 1000)),
    Parameter("k_hole_per_M_s", 5.0e7, "M^-1 s^-1", "fixed",
              "assumed: hole capture by HA- at the QD surface", "hole scavenging by HA-",
              bounds=(0, 1e+11)),
    Parameter("k_bet_per_s", 5.0e6, "s^-1", "fixed", "assumed: back electron transfer Co(I) -> QD hole",
              "charge recombination before the hole is filled",
              bounds=(0, 1e+14)),
    Parameter("k_lig_per_s", 0.0, "s^-1", "fixed",
              "assumed: off for TGA-CdTe. The per-QD damage budget of the former default "
              "(25 s^-1 with n_ligand_crit = 20: " + _BRUSH + ") is not used: seed 001 "
              "attributes the loss of activity to QD aggregation (Fig. S8), modelled by the "
              "qd_ligand_oxidation_per_photon / qd_barrier_kT chain; set > 0 in [parameters] "
              "to add a per-QD damage chain",
              "hole oxidation of a thiolate ligand counted per QD (with n_ligand_crit: a "
              "per-QD damage budget; 0 = none)",
              bounds=(0, 1e+06)),
    Parameter("n_ligand_crit", 20.0, "1", "fixed",
              "assumed: oxidised ligands per QD before it stops (used only when k_lig_per_s > 0; "
              "sets the sharpness of that loss)", "damage threshold",
              bounds=(1, 10000)),
    Parameter("qd_ligand_oxidation_per_photon", 3e-4, "1", "calibrated",
              "calibrated: the rate fall after ~30 h (seed 001, Figs. S8/S9, 70 h run) with the "
              "TON and QE rows. Mechanism: holes trapped on surface thiolates oxidise them to "
              "disulfides, using the QD as photocatalyst, and the bare QDs then precipitate "
              "(Aldana, Wang & Peng, JACS 2001, 123, 8844). Prior centre 3e-4 oxidised ligands "
              "per absorbed photon: thiolate-capped CdS nanorods lose activity by ligand "
              "photo-oxidation after ~1.4e7 absorbed photons per particle (Brown et al., JACS "
              "2012, 134, 5627), i.e. ~1e-4 to 1e-3 per photon for a shell of 1e3-1e4 thiolates; "
              "+-1.5 decades",
              "thiolate ligands oxidised per photon absorbed by a QD (k_ox = k_abs p_ox / n_lig)",
              bounds=(1e-8, 1e-1), prior=Prior("lognormal", 1.5)),
    Parameter("qd_thiolate_density_per_nm2", 5.5, "nm^-2", "fixed",
              "assumed: one thioglycolate per surface Cd of a zinc-blende CdTe (111) facet, "
              "4/(sqrt(3) a^2) = 5.5 nm^-2 with a = 0.6481 nm (the lattice constant used for "
              "Cd per QD); n_lig = density x pi D^2 = 126 for D = 2.7 nm",
              "thiolate ligands per nm^2 of QD core surface",
              bounds=(0, 20)),
    Parameter("qd_barrier_kT", 35.0, "kT", "calibrated",
              "calibrated: the rate fall after ~30 h with the TON and QE rows. ln W0, the "
              "stability ratio of the fully capped colloid (Fuchs; Reerink & Overbeek, Discuss. "
              "Faraday Soc. 1954, 18, 74: ln W ~ V_max/kT). Prior normal 35 +- 10: aqueous "
              "thiol-capped CdTe stock solutions keep for weeks in the dark, which at ~1e-5 M "
              "particles (fast-coagulation rate K N0/2 ~ 1e5 s^-1) needs ln W0 >~ 25-30; "
              "electrostatic barriers of charged colloids are tens of kT",
              "barrier of the fully capped QD colloid in kT (W = exp(barrier x theta^2), theta = "
              "intact ligand fraction; V_max ~ psi0^2 ~ theta^2)",
              bounds=(0.0, 120.0), prior=Prior("normal", 10.0)),
    Parameter("k_int_decay_per_s", 1.0, "s^-1", "calibrated",
              "calibrated: TON 14 400 (30 h) and QE 5.32 % (seed 001); prior centre 1 s^-1, the "
              "order of Co(I)/Co(III)-H intermediate lifetimes, +-1.5 decades",
              "decay of the one-electron intermediate Co(I)/Co-H",
              bounds=(1e-4, 1e4), prior=Prior("lognormal", 1.5)),
    Parameter("pKa_hydride", 9.5, "1", "calibrated",
              "calibrated: the pH scan (seed 001 Fig. S6b, optimum 5.5); prior: no pKa is "
              "reported for the Co-H of the N2S2 cobalt dithiolate [(bme-dach)Co]2 of seed 001 "
              "or for its class (searched: the Darensbourg-group syntheses cited as S1, S3, S4 "
              "in seed 001 - Smee et al., Inorg. Chem. 2001, 40, 3601; Chiang et al., Inorg. "
              "Chem. 2005, 44, 9007; Hess et al., Inorg. Chem. 2008, 47, 2056 - and cobalt "
              "dithiolate H2-evolution electrochemistry; seed 001 shows a CV of [(bme-dach)Co]2, "
              "Fig. S3, without stated potentials); the cobaloxime value (HCo(dmgH)2L ~10.5, "
              "Schrauzer & Holland, JACS 1971, 93, 1505) belongs to another ligand class and "
              "is not used as a centre: flat over pKa 3-16 (the range of metal hydrides that "
              "evolve H2 from water)",
              "pKa of the Co(III)-H / Co(I) couple (fraction protonated 1/(1 + 10^(pH - pKa)))",
              bounds=(3.0, 16.0), prior=Prior("uniform")),
    Parameter("catalyst_radius_nm", 0.5, "nm", "fixed",
              "assumed: half the ~1 nm size of a Co(N2S2) unit of [(bme-dach)Co]2 (Stokes "
              "radius for the diffusion limit only)",
              "hydrodynamic radius of the catalyst (Smoluchowski diffusion limit)",
              bounds=(0.05, 100)),
    Parameter("qd_ligand_shell_nm", 0.5, "nm", "fixed",
              "assumed: ~0.5 nm thioglycolate shell added to the Peng core radius",
              "ligand shell added to the QD core radius (hydrodynamic radius)",
              bounds=(0, 10)),
    Parameter("water_viscosity_mPa_s", 0.890, "mPa s", "fixed",
              "water at 25 C, 0.890 mPa s (CRC Handbook of Chemistry and Physics)",
              "solvent viscosity (Stokes-Einstein, Smoluchowski)",
              bounds=(0.1, 1000)),
    Parameter("pKa1_ascorbic", 4.17, "1", "fixed", "CRC Handbook (25 °C)", "H2A <-> HA-",
              bounds=(-10, 50)),
    Parameter("pKa2_ascorbic", 11.57, "1", "fixed", "CRC Handbook (25 °C)", "HA- <-> A2-",
              bounds=(-10, 50)),
    Parameter("epsilon_ratio_excitation", 2.5, "1", "fixed",
              "assumed: eps(400 nm)/eps(first exciton) of small CdTe QDs (absorption spectra "
              "rise ~2-3x from the first exciton to 400 nm)",
              "absorption at the excitation band relative to the first exciton",
              bounds=(0.001, 1000)),
    Parameter("xe_incident_flux_umol_h", 2000.0, "umol photons h^-1", "nuisance",
              "nuisance: seed 001 states a 300 W Xe lamp with a >400 nm cut-off, no power; prior "
              "20 mW-1 W on the sample in the 400-520 nm band (spot of a few cm^2), i.e. "
              "~2000 umol h^-1 of ~460 nm photons, +-0.6 decades",
              "incident photon flux of the >400 nm Xe lamp in the QD absorption band",
              bounds=(10.0, 1e5), prior=Prior("lognormal", 0.6)),
    Parameter("xe_bandpass_absorbed_power_mW", 20.0, "mW", "nuisance",
              "nuisance: seed 001 measured the power absorbed in the QE experiment (300 W Xe, "
              "400 nm band-pass, thermal sensor) but does not report it; prior 20 mW, typical "
              "for a band-pass-filtered 300 W Xe lamp on a sample absorbing ~10-40 %, "
              "+-0.5 decades",
              "power absorbed by the QDs in the quantum-efficiency measurement",
              bounds=(0.1, 1000.0), prior=Prior("lognormal", 0.5)),
    Parameter("qd_particle_conc_M", CD_READING_PARTICLE_CONC_M, "M", "nuisance",
              "nuisance: seed 001 states '1.0e-4 M' TGA-CdTe QDs without saying what is counted; "
              "read as Cd (1.0e-4 M / ~152 Cd per 2.7 nm QD = 6.6e-7 M particles, the table "
              "value) or as particles (1.0e-4 M); flat in log10 over both readings, with room "
              "for yield and sizing error",
              "QD particle concentration of experiments with quantum_dots.conc_basis = "
              "'unreported' (seed 001)",
              bounds=(2e-7, 2e-4), prior=Prior("loguniform")),
    # ------------------------------------------------------------------ CsPbBr3 + Pt
    Parameter("pvk_absorbed_flux_umol_g_h", 1.0e5, "umol photons g^-1 h^-1", "nuisance",
              "nuisance: seed 002 states visible light (>= 400 nm), neither lamp power nor "
              "photocatalyst mass in the main text; prior ~2000 umol h^-1 of photons in the "
              "CsPbBr3 band (400-520 nm, 300 W Xe) mostly absorbed by 10-50 mg, "
              "i.e. 1e5 umol g^-1 h^-1, +-0.7 decades",
              "photons absorbed per gram of nanocrystals",
              bounds=(1e2, 1e8), prior=Prior("lognormal", 0.7)),
    Parameter("pvk_k_ref_per_s", 1.0e4, "s^-1", "calibrated",
              "calibrated: AQY ~0.04 % and 240 umol g^-1 at 18 h (rods, seed 002); no literature "
              "value for this lumped interfacial rate: prior 1e4 s^-1 +-2 decades",
              "interfacial e- transfer to Pt/H+ at dG_ref, full Pt, no ligands",
              bounds=(1e-2, 1e12), prior=Prior("lognormal", 2.0)),
    Parameter("pvk_reorganization_eV", 1.3, "eV", "nuisance",
              "nuisance: no reorganisation energy is measured for electron transfer from CsPbBr3 "
              "to Pt/H+. Known before the data: QD -> molecular acceptor transfer speeds up with "
              "driving force over 0-1.3 eV with no inverted region (Zhu et al., Nano Lett. 2014, "
              "14, 1263: CdS, CdSe, CdTe QDs to anthraquinone, methyl viologen, methylene blue); "
              "in a Marcus description the rate peaks at dG = lambda, so lambda is at least the "
              "driving forces here (lower bound 1.0 eV: both shapes in the normal region) and "
              "the centre is the 1.3 eV up to which no inversion was seen; outer-sphere "
              "reorganisation energies of aqueous couples are ~0.5-2 eV (Marcus & Sutin, "
              "Biochim. Biophys. Acta 1985, 811, 265). Prior 1.3 eV +-0.3 decades, bounds 1-20 eV. "
              "It decides the rods/cubes ratio, which no calibration row constrains",
              "reorganisation energy of the interfacial transfer (Marcus: k ~ exp(-(lambda - "
              "dG)^2 / (4 lambda kT)), dG = E(H+/H2) - CB)",
              bounds=(1.0, 20.0), prior=Prior("lognormal", 0.3)),
    Parameter("pvk_long_ligand_coverage", 0.5, "1", "nuisance",
              "nuisance: the native oleylammonium/oleate coverage of the cubes is not reported "
              "(seed 002 FT-IR shows a lower organic density after NH4BF4, no numbers); no "
              "measured coverage of CsPbBr3 before/after BF4- stripping was found. Quantitative "
              "exchange of the native shell for short cinnamate raises electron transfer to "
              "benzoquinone 23-fold (Lu et al., J. Chem. Phys. 2019, 151, 204305), so a full "
              "native shell can block most of the transfer; the BF4- treatment removes only part "
              "of it. Prior 0.5 +- 0.2 (not re-centred after the data)",
              "surface fraction blocked by native long-chain ligands (BF4- gain = 1/(1 - c))",
              bounds=(0.0, 0.95), prior=Prior("normal", 0.2)),
    Parameter("pvk_fw_k1_per_h", 0.01, "h^-1", "fixed",
              "assumed: Finke-Watzky nucleation much slower than growth, k2/k1 ~ 1e2-1e4 "
              "(Finney & Finke, J. Colloid Interface Sci. 2008, 317, 351)",
              "Finke-Watzky nucleation A -> B",
              bounds=(0, 1000)),
    Parameter("pvk_fw_k2_per_h", 3.0, "h^-1", "calibrated",
              "calibrated: induction period ~2 h of the rods (seed 002 Fig. 2d); prior centre "
              "3 h^-1, in-situ photodeposition of ~1 wt% Pt taken as complete within ~1-2 h of "
              "Xe irradiation (the value used before, chosen with that row in view), +-0.5 decades",
              "Finke-Watzky autocatalytic growth A + B -> 2B (per A0)",
              bounds=(0.03, 300.0), prior=Prior("lognormal", 0.5)),
    Parameter("pvk_dG_ref_eV", 1.0, "eV", "fixed", "definition: reference driving force of k_ref",
              "dG_ref",
              bounds=(-5, 5)),
    Parameter("pvk_vacancy_ref", 0.463, "1", "fixed",
              "definition: the cubes' Pb(δ+) fraction (seed 002, Table S5)", "v_ref of k_ref",
              bounds=(0, 1)),
    Parameter("pvk_E_H2_V", 0.0, "V vs NHE", "fixed", "E(H+/H2) at pH ~0 (saturated HBr)",
              "proton couple",
              bounds=(-5, 5)),
])
