"""Physical constants and materials data of the MIL-125 synthesis (not mechanism parameters).

Everything here is a property of a named substance (a cell volume, a pKa, a Charton
steric parameter) or a physical constant; the mechanism's rate and equilibrium
parameters are in :mod:`kinetics.growth.parameters`.
"""
from __future__ import annotations

R_GAS = 8.314462618          # J/(mol K)
K_B = 1.380649e-23           # J/K
N_A = 6.02214076e23          # 1/mol
WATER_M_PER_ML = 1.0 / 18.015  # mol of water per mL (1 g/mL)
T_REF_K = 383.15             # 110 °C, the reference reflux temperature of the parameters

# Ti per MIL-125 formula unit and the crystal volume per Ti: cell 18.654 x 18.654 x
# 18.144 Å³ (I4/mmm) with 16 Ti per cell (Dan-Hardi et al., JACS 2009, 131, 10857).
TI_PER_NODE = 8
BDC_PER_TI = 6.0 / 8.0
VOLUME_PER_TI_NM3 = 1.8654 ** 2 * 1.8144 / 16.0
VM_L_PER_MOL_TI = VOLUME_PER_TI_NM3 * 1e-24 * N_A

PRECURSORS = ("Ti(OMe)4", "Ti(OEt)4", "Ti(OiPr)4", "Ti(OBu)4", "Cp2TiCl2")
# Charton steric parameter ν of the group on Ti.  Alkyl values (Me 0.52, Et 0.56,
# n-Bu 0.68, i-Pr 0.76) from Charton's compilation as tabulated in PMC8412933
# (table 1).  ASSUMPTION: cyclopentadienyl has no tabulated Charton value in the
# sources checked; 1.0 is an estimate (bulkier than i-Pr), not a measurement, so every
# Cp2TiCl2 result rests on it.
CHARTON_NU = {"Ti(OMe)4": 0.52, "Ti(OEt)4": 0.56, "Ti(OiPr)4": 0.76, "Ti(OBu)4": 0.68,
              "Cp2TiCl2": 1.00}
NU_REF = 0.68                # ν of Ti(OBu)4, the reference point of the ν-dependences

MODULATORS = ("benzoic", "p-toluic", "acetic", "formic")
# Aqueous pKa at 25 °C (benzoic 4.20, acetic 4.76, formic 3.75: LibreTexts table E1;
# p-toluic 4.36: CRC Handbook), used for the DMF/MeOH reflux.
MODULATOR_PKA = {"benzoic": 4.20, "p-toluic": 4.36, "acetic": 4.76, "formic": 3.75}
# Ti–carboxylate complexation (log10 β_A, 1/M): no Ti(IV) carboxylate constants in DMF
# were found; benzoate >= formate as the seed paper states ("benzoic acid generally has
# comparable or larger metal–ligand stability constants to formic acid").
MODULATOR_LOG_BETA = {"benzoic": 3.0, "p-toluic": 3.0, "acetic": 2.6, "formic": 2.6}
# Capping class of each modulator on the MOF surface: aryl carboxylates (the class of
# the lattice's terephthalate, reference K_cap) and alkyl carboxylates (formate counted
# with them), whose surface affinity relative to the aryl class is the calibrated
# parameter ``cap_ratio_alkyl``.  Members of one class share one K_cap.
MODULATOR_CAP_CLASS = {"benzoic": "aryl", "p-toluic": "aryl", "acetic": "alkyl",
                       "formic": "alkyl"}
