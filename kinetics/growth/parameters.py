"""The growth model's parameter table: every number of the mechanism, with unit, source, kind.

Rates and equilibria refer to 110 °C (``T_REF_K``) and, for the ν-dependences, to the
Charton parameter of Ti(OBu)4 (``NU_REF``).  ``calibrated`` parameters are inferred by
``nanokin fit growth`` from ``inputs/data/growth_observations.toml``; their priors state
what was known before looking at those data (the values once tuned by hand to
validation rows are not priors).  ``nuisance`` parameters are experimental inputs the
paper did not report.  Materials data (pKa, Charton ν, stability constants of named
modulators, the MIL-125 cell) are in :mod:`kinetics.growth.materials`.
"""
from __future__ import annotations

from sim.params import Parameter, ParameterTable, Prior

from kinetics.growth.materials import VOLUME_PER_TI_NM3

_TABLE = [
    # ------------------------------------------------------------ precursor activation
    Parameter("k_act_M_s", 0.05, "1/(M s)", "fixed",
              "assumed: Ti alkoxide hydrolysis is fast, a half-life of minutes at 0.1-0.2 M "
              "water (value at 110 °C and nu = 0.68)",
              "Ti(OR)4 + H2O -> growth unit, rate k_act [P][H2O]"),
    Parameter("e_act_J_mol", 50e3, "J/mol", "fixed",
              "assumed: typical activation energy of alkoxide hydrolysis",
              "Arrhenius activation energy of k_act"),
    Parameter("s_release_per_nu", 3.0, "1/nu", "fixed",
              "assumed: bulkier alkoxides hold Ti less tightly and release it faster "
              "(sign from Fabrizio et al., Chem. Sci. 2023, 14, 8946, DFT); magnitude assumed",
              "k_act ∝ exp(s_release (nu - nu_ref))"),
    Parameter("water_per_ti_activation", 1.0, "1", "fixed",
              "assumed: one hydrolysis per Ti makes a reactive Ti-oxo unit",
              "H2O consumed per Ti activated"),
    # ------------------------------------------------------------ side product
    Parameter("k_tio2_M2_s", 2e-3, "1/(M² s)", "fixed",
              "assumed: condensation to amorphous TiO2 needs excess water (second order in "
              "H2O), small at <= 0.5 vol% water",
              "activated Ti -> amorphous TiO2 at k [M_T][H2O]²"),
    Parameter("e_tio2_J_mol", 50e3, "J/mol", "fixed",
              "assumed: same order as the hydrolysis activation energy",
              "Arrhenius activation energy of k_tio2"),
    # ------------------------------------------------------------ equilibria
    Parameter("pka1_bdc", 3.51, "1", "fixed", "CRC Handbook (terephthalic acid, aqueous)",
              "H2BDC ⇌ HBDC- + H+"),
    Parameter("pka2_bdc", 4.82, "1", "fixed", "CRC Handbook (terephthalic acid, aqueous)",
              "HBDC- ⇌ BDC2- + H+"),
    Parameter("pka_base", 10.73, "1", "fixed", "CRC Handbook (dimethylammonium, aqueous)",
              "baseH+ ⇌ base + H+ (dimethylamine from DMF decomposition)"),
    Parameter("pkw", 14.0, "1", "fixed", "aqueous autoprotolysis (used on the aqueous pKa scale)",
              "H2O ⇌ H+ + OH-"),
    Parameter("log_beta_linker", 5.0, "log10(1/M)", "fixed",
              "assumed: no Ti(IV)-terephthalate constant in DMF found; stronger than the "
              "monocarboxylates (log beta 2.6-3.0, kinetics.growth.materials)",
              "M + BDC2- ⇌ M·BDC"),
    Parameter("base_M", 0.05, "mol/L", "calibrated",
              "calibrated: U-shape of the benzoic-acid series; prior: dimethylamine from DMF "
              "decomposition at reflux, about 0.5 % of the DMF (0.05 M) within a decade",
              "base that titrates linker and modulator protons; places the minimum of the U",
              bounds=(1e-3, 1.0), prior=Prior("lognormal", 1.0)),
    # ------------------------------------------------------------ surface competition
    Parameter("log_k_cap", 2.0, "log10(1/M)", "calibrated",
              "calibrated: sizes and U-shape; prior: carboxylate adsorption constants on oxide "
              "and MOF surfaces 1e0-1e4 1/M (assumed range)",
              "log10 K_cap of aryl carboxylates (benzoate) on MOF surface sites",
              bounds=(-1.0, 6.0), prior=Prior("normal", 1.5)),
    Parameter("cap_ratio_alkyl", 1.0, "1", "calibrated",
              "calibrated: modulator series (aryl vs alkyl); prior: no pre-data preference "
              "between alkyl and aryl carboxylates, within a decade",
              "K_cap of alkyl carboxylates (acetate, formate) / K_cap of aryl carboxylates "
              "(benzoate, p-toluate)",
              bounds=(1e-3, 1e3), prior=Prior("lognormal", 1.0)),
    Parameter("log_k_metal_surface", 3.0, "log10(1/M)", "fixed",
              "assumed: Ti units bind surface sites more strongly than the modulator",
              "log10 K_M of the Ti unit on surface sites (competes with capping)"),
    # ------------------------------------------------------------ nucleation
    Parameter("gamma_J_m2", 0.01, "J/m²", "fixed",
              "assumed: low MOF/solution interfacial energy, order 0.01 J/m²",
              "interfacial energy in the CNT barrier and the capillary length"),
    Parameter("node_volume_nm3", 8 * VOLUME_PER_TI_NM3, "nm³", "fixed",
              "Dan-Hardi et al., JACS 2009, 131, 10857 (MIL-125 cell, 16 Ti per cell): "
              "one Ti8 node",
              "volume of the growth unit in the CNT barrier"),
    Parameter("log_nuc_prefactor", 27.0, "log10(1/(L s))", "calibrated",
              "calibrated: sizes and dispersity at the optimum; prior: CNT kinetic prefactors "
              "1e30-1e35 m^-3 s^-1 (homogeneous) and far lower (heterogeneous), Kashchiev & "
              "van Rosmalen, Cryst. Res. Technol. 2003, 38, 555: centre 1e30 m^-3 s^-1, sd "
              "3 decades",
              "log10 A of the CNT rate J = A exp(-B / ln² S)",
              bounds=(20.0, 34.0), prior=Prior("normal", 3.0)),
    Parameter("log_csat_ref_M", -6.0, "log10(mol/L)", "calibrated",
              "calibrated: OMe/OEt sizes and the optimum size; prior: sparingly soluble "
              "metal-linker growth unit, 1e-6 M within two decades (assumed)",
              "log10 solubility of M·BDC at 110 °C, nu_ref, H2O:Ti = 1",
              bounds=(-10.0, -2.0), prior=Prior("normal", 2.0)),
    Parameter("s_solubility_per_nu", 7.5, "1/nu", "calibrated",
              "calibrated: OMe/OEt sizes; prior: flat on 0-15, the sign from Fabrizio 2023 "
              "(DFT: strong Ti-OR bonds of small alkoxides make the growth unit less soluble), "
              "the magnitude unknown",
              "d ln c_sat / d nu", bounds=(0.0, 15.0), prior=Prior("uniform")),
    Parameter("h_sol_J_mol", 30e3, "J/mol", "calibrated",
              "calibrated: temperature series; prior: dissolution of coordination solids is "
              "mostly endothermic (solubility rises with T), 30 ± 40 kJ/mol (assumed)",
              "dissolution enthalpy of the growth unit (c_sat Arrhenius in T)",
              bounds=(-100e3, 200e3), prior=Prior("normal", 40e3)),
    Parameter("water_solubility_exponent", 0.0, "1", "calibrated",
              "calibrated: water series; prior: no pre-data knowledge of the sign, 0 ± 1",
              "c_sat ∝ (H2O:Ti)^q",
              bounds=(-3.0, 3.0), prior=Prior("normal", 1.0)),
    # ------------------------------------------------------------ growth
    Parameter("k_surface_nm_s", 1e2, "nm/s", "fixed", "assumed: surface integration fast",
              "surface rate constant of growth at 110 °C"),
    Parameter("e_growth_J_mol", 40e3, "J/mol", "fixed",
              "assumed: typical surface integration barrier",
              "Arrhenius activation energy of k_surface"),
    Parameter("diffusion_nm2_s", 1e9, "nm²/s", "fixed",
              "Stokes-Einstein order for a ~1 nm Ti-oxo unit in DMF (1e-9 m²/s)",
              "diffusion coefficient of the growth unit at 110 °C (∝ T)"),
    Parameter("csat_growth_M", 1e-7, "mol/L", "fixed",
              "assumed: free Ti units are sparingly soluble over the crystal",
              "solubility of free Ti units over a flat crystal face (Gibbs-Thomson reference)"),
    # ------------------------------------------------------------ experimental inputs
    Parameter("ambient_water_vol_percent", 0.3, "vol % of DMF", "nuisance",
              "nuisance: water of the syntheses without added water (benzoic-acid, precursor "
              "and modulator series; not measured); prior: reagent DMF with 0.1-0.5 % water "
              "plus uptake from air during the reflux, 0.3 vol% within half a decade (assumed)",
              "water content of experiments whose file says water_vol_percent = \"ambient\"",
              bounds=(0.01, 5.0), prior=Prior("lognormal", 0.5)),
]

PARAMETERS = ParameterTable("growth", _TABLE)
