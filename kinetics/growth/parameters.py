"""The growth model's parameter table: every number of the mechanism, with unit, source, kind.

Rates and equilibria refer to 110 °C (``T_REF_K``) and, for the ν-dependences, to the
Charton parameter of Ti(OBu)4 (``NU_REF``).  ``calibrated`` parameters are inferred by
``nanokin fit growth`` from ``inputs/data/growth_observations.toml``; their priors state
what was known before looking at those data (the values once tuned by hand to
validation rows are not priors).  ``nuisance`` parameters are experimental inputs the
paper did not report.  Materials data (framework nodes, linkers and their pKa and metal
binding, CIFs; precursors with Charton ν; modulators with pKa and size) are data files in
``inputs/materials/`` (:mod:`kinetics.growth.materials`); nothing here is specific to one
framework or metal.
"""
from __future__ import annotations

from sim.params import Parameter, ParameterTable, Prior

# Charton ν of the reference precursor Ti(OBu)4 (inputs/materials/precursors/ti_obu4.toml):
# the point at which the ν-dependent rates and solubilities take their table values.
NU_REF = 0.68

_TABLE = [
    # ------------------------------------------------------------ precursor activation
    Parameter("k_act_M_s", 0.05, "1/(M s)", "fixed",
              "assumed: Ti alkoxide hydrolysis is fast, a half-life of minutes at 0.1-0.2 M "
              "water (value at 110 °C and nu = 0.68)",
              "M(OR)4 / MCl4 + H2O -> growth unit, rate k_act [P][H2O]; the water used per metal "
              "is the node's oxo/hydroxo O per metal (material file)",
              bounds=(0, 1e+06)),
    Parameter("e_act_J_mol", 50e3, "J/mol", "fixed",
              "assumed: typical activation energy of alkoxide hydrolysis",
              "Arrhenius activation energy of k_act",
              bounds=(0, 300000)),
    Parameter("s_release_per_nu", 3.0, "1/nu", "fixed",
              "assumed: bulkier alkoxides hold Ti less tightly and release it faster "
              "(sign from Fabrizio et al., Chem. Sci. 2023, 14, 8946, DFT); magnitude assumed",
              "k_act ∝ exp(s_release (nu - nu_ref))",
              bounds=(-20, 20)),
    # ------------------------------------------------------------ side product
    Parameter("k_tio2_M2_s", 2e-3, "1/(M² s)", "fixed",
              "assumed: condensation to amorphous TiO2 needs excess water (second order in "
              "H2O), small at <= 0.5 vol% water",
              "activated Ti -> amorphous TiO2 at k [M_T][H2O]²",
              bounds=(0, 1e+06)),
    Parameter("e_tio2_J_mol", 50e3, "J/mol", "fixed",
              "assumed: same order as the hydrolysis activation energy",
              "Arrhenius activation energy of k_tio2",
              bounds=(0, 300000)),
    # ------------------------------------------------------------ equilibria
    Parameter("pka_base", 10.73, "1", "fixed", "CRC Handbook (dimethylammonium, aqueous)",
              "baseH+ ⇌ base + H+ (dimethylamine from DMF decomposition)",
              bounds=(-10, 50)),
    Parameter("pkw", 14.0, "1", "fixed", "aqueous autoprotolysis (used on the aqueous pKa scale)",
              "H2O ⇌ H+ + OH-",
              bounds=(0, 50)),
    # ------------------------------------------------------------ base from DMF hydrolysis
    # HCONMe2 + H2O -> HNMe2 + HCOOH.  DMF is the source of dimethylamine (and formate) in
    # solvothermal MOF syntheses (Burrows et al., CrystEngComm 2005, 7, 548); amide hydrolysis
    # is acid catalysed.  No rate constant for DMF hydrolysis in DMF/MeOH at reflux was found,
    # so the rate is calibrated; its prior is what the qualitative reports allow.
    Parameter("k_dmf_hydrolysis_M_s", 2e-7, "1/(M s)", "calibrated",
              "calibrated: benzoic-acid U-shape and the acid-sensitive rows; prior: dimethylamine "
              "reaches mM levels within hours to a day at 100-150 C in MOF syntheses (Burrows et "
              "al., CrystEngComm 2005, 7, 548, dimethylammonium found in the products): "
              "2e-7 1/(M s) at 110 C within a decade (assumed from that)",
              "DMF + H2O -> HNMe2 + HCOOH, rate k [DMF][H2O] (1 + K_H [H+]) at 110 C",
              bounds=(1e-10, 1e-4), prior=Prior("lognormal", 1.0)),
    Parameter("e_dmf_hydrolysis_J_mol", 90e3, "J/mol", "fixed",
              "assumed: activation energy typical of amide hydrolysis (80-100 kJ/mol)",
              "Arrhenius activation energy of the DMF hydrolysis",
              bounds=(0, 300000)),
    Parameter("dmf_acid_catalysis_per_M", 1e3, "1/M", "fixed",
              "assumed: acid-catalysed amide hydrolysis dominates below pH ~3 (k_H/k_0 ~ 1e3 1/M)",
              "K_H: rate enhancement per mol/L of H+ (aqueous-scale [H+] of the speciation)",
              bounds=(0, 1e+08)),
    # ------------------------------------------------------------ carboxylate binding (LFER)
    Parameter("log_beta_benzoate", 3.0, "log10(1/M)", "fixed",
              "assumed: no metal(IV) carboxylate constants in DMF found; benzoate below the "
              "linker (material files) and >= formate as the seed paper states (Fabrizio 2023: "
              "benzoic acid has comparable or larger metal-ligand stability constants than formic)",
              "log10 beta of metal + benzoate (the reference of the LFER)",
              bounds=(-5, 30)),
    Parameter("lfer_slope", 0.5, "1", "fixed",
              "assumed: metal-carboxylate stability rises with carboxylate basicity (Bronsted-type "
              "relation; slopes 0.3-1 for hard metal ions), 0.5",
              "d log10 beta / d pKa for solution binding and surface capping of carboxylates",
              bounds=(0, 2)),
    # ------------------------------------------------------------ surface competition
    Parameter("log_k_cap", 2.0, "log10(1/M)", "calibrated",
              "calibrated: sizes and U-shape; prior: carboxylate adsorption constants on oxide "
              "and MOF surfaces 1e0-1e4 1/M (assumed range)",
              "log10 K_cap of benzoate on MOF surface sites (other modulators from their pKa "
              "and size through lfer_slope and contact_energy_J_mol)",
              bounds=(-1.0, 6.0), prior=Prior("normal", 1.5)),
    Parameter("contact_energy_J_mol", 1.5e3, "J/mol", "calibrated",
              "calibrated: modulator series; prior: dispersion contact of an adsorbed "
              "carboxylate's substituent with the neighbouring linkers of the surface, "
              "0-3 kJ/mol per heavy atom (order of CH2-CH2 contacts in alkyl monolayers), "
              "1.5 ± 1.5 kJ/mol (assumed)",
              "surface binding gained per heavy atom beyond the carboxylate (size descriptor of "
              "the modulator files), relative to benzoate",
              bounds=(-3e3, 8e3), prior=Prior("normal", 1.5e3)),
    Parameter("log_k_metal_surface", 3.0, "log10(1/M)", "fixed",
              "assumed: Ti units bind surface sites more strongly than the modulator",
              "log10 K_M of the Ti unit on surface sites (competes with capping)",
              bounds=(-5, 30)),
    # ------------------------------------------------------------ nucleation
    Parameter("gamma_J_m2", 0.01, "J/m²", "fixed",
              "assumed: low MOF/solution interfacial energy, order 0.01 J/m²",
              "interfacial energy in the CNT barrier and the capillary length",
              bounds=(0.0001, 5)),
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
              "surface rate constant of growth at 110 °C",
              bounds=(0, 1e+09)),
    Parameter("e_growth_J_mol", 40e3, "J/mol", "fixed",
              "assumed: typical surface integration barrier",
              "Arrhenius activation energy of k_surface",
              bounds=(0, 300000)),
    Parameter("diffusion_nm2_s", 1e9, "nm²/s", "fixed",
              "Stokes-Einstein order for a ~1 nm Ti-oxo unit in DMF (1e-9 m²/s)",
              "diffusion coefficient of the growth unit at 110 °C (∝ T)",
              bounds=(1000, 1e+12)),
    Parameter("csat_growth_M", 1e-7, "mol/L", "fixed",
              "assumed: free Ti units are sparingly soluble over the crystal",
              "solubility of free Ti units over a flat crystal face (Gibbs-Thomson reference)",
              bounds=(1e-30, 1)),
    # ------------------------------------------------------------ experimental inputs
    Parameter("ambient_water_vol_percent", 0.3, "vol % of DMF", "nuisance",
              "nuisance: water of the syntheses without added water (benzoic-acid, precursor "
              "and modulator series; not measured); prior: reagent DMF with 0.1-0.5 % water "
              "plus uptake from air during the reflux, 0.3 vol% within half a decade (assumed)",
              "water content of experiments whose file says water_vol_percent = \"ambient\"",
              bounds=(0.01, 5.0), prior=Prior("lognormal", 0.5)),
]

PARAMETERS = ParameterTable("growth", _TABLE)
