"""Modulated nucleation and growth of MIL-125 nanocrystals: the "seesaw" model.

Reference experiments: Fabrizio et al., Chem. Sci. 2023, 14, 8946 (reflux synthesis
of MIL-125, Ti8O8(OH)4(BDC)6); the seesaw picture of Marshall, Staudhammer & Brozek,
Chem. Sci. 2019, 10, 9396 and Marshall et al., Chem. Sci. 2020, 11, 11539.

Mechanism (every rate and equilibrium below is a named parameter of the table in
:mod:`kinetics.growth.parameters`, with unit, kind and source):

1. Precursor activation.  Ti(OR)4 + H2O -> Ti-oxo growth units "M" at
   k_act [P][H2O], Arrhenius in T; bulkier alkoxides (larger Charton ν) hold Ti
   less tightly and release it faster: k_act ∝ exp(s_release (ν − ν_ref)).
   No water, no activation: no crystalline product.
2. Side product.  Activated Ti condenses with excess water to amorphous TiO2 at
   k_TiO2 [M_T][H2O]², so only high water contents lose much Ti this way.
3. Seesaw equilibria, solved at every step with the numba Newton solver of
   :mod:`sim.equilibria` (components H+, BDC2-, A-, M, base):
   H2BDC ⇌ HBDC- ⇌ BDC2- (pKa1, pKa2), HA ⇌ A- (pKa of the modulator),
   M + BDC2- ⇌ M·BDC (log β_L), M + A- ⇌ M·A (log β_A), base + H+ ⇌ baseH+
   (dimethylamine from DMF decomposition), H2O ⇌ H+ + OH-.
4. Nucleation (classical nucleation theory) from the metal–linker complex:
   S = [M·BDC] / c_sat, J = A exp(−B / ln² S), B = 16πγ³v²/(3(kT)³), nucleus
   radius r* = 2γv/(kT ln S).  Acid keeps BDC protonated: fewer nuclei.
   The solubility c_sat changes with temperature (dissolution enthalpy h_sol), with the
   hydrolysis ratio H2O:Ti (exponent q) and with the alkoxide (small alkoxides that stay
   bound to the growth unit lower its solubility; Fabrizio 2023, DFT).
5. Growth of every particle class by free metal reaching its surface (mixed
   diffusion/reaction control with Gibbs–Thomson solubility, :mod:`sim.pbe`), on
   the fraction of surface sites not capped by the modulator: competitive
   adsorption θ = K_cap[A-] / (1 + K_cap[A-] + K_M[M]), one K_cap per capping class
   (aryl carboxylates; alkyl carboxylates relative to them by ``cap_ratio_alkyl``).
   Capping slows growth, so supersaturation lasts longer and more nuclei form.
6. Particles that stop growing are not ripened (low MOF surface energy; Kemp &
   Owen 2026 for UiO-66): no Ostwald term beyond Gibbs–Thomson.

What decides the trends (read before trusting a prediction): the position of the U
follows ``base_M`` (the base titrates the linker's two protons plus the modulator);
the temperature order follows the sign of ``h_sol_J_mol``; the water optimum follows
``water_solubility_exponent``; the precursor trend follows ``s_solubility_per_nu``
against ``s_release_per_nu``; the modulator ranking between aryl and alkyl acids
follows ``cap_ratio_alkyl``, while benzoic vs p-toluic (one capping class) rests on
their pKa alone.  All of these are calibrated (``nanokin params growth``).

Package layout: ``materials`` (constants and substance data), ``config`` (experiment
file), ``parameters`` (the table), ``kernel`` (numba), ``simulation`` (kernel inputs,
single and batch runs), ``observables`` and ``checks`` (validation), ``pxrd``,
``export`` (result file), ``plots``, ``model`` (the Model object).

Units: concentrations mol/L, radii/diameters nm, time s (hours at the config
boundary), temperatures °C in files and K inside.
"""
from kinetics.growth.model import MODEL, GrowthModel

__all__ = ["MODEL", "GrowthModel"]
