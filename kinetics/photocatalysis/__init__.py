"""Photocatalytic H2 evolution: QD + molecular catalyst, and perovskite + photodeposited Pt.

Two systems share one model (``system`` key) and one parameter table:

``qd_catalyst`` — TGA-CdTe quantum dots with the cobalt catalyst [(bme-dach)Co(NO)] and
ascorbic acid (seed 001, Han, Wang et al.).  Per QD:

* catalysts per QD are Poisson-distributed, mean m̄ from Langmuir binding to
  ``binding_sites_per_qd`` sites (mass balance of sites and catalyst);
* a QD absorbs photons at k_abs (absorbed photon flux shared by the QDs);
* the exciton transfers its electron to one of m bound catalysts,
  φ_ET(m) = m k_ET / (m k_ET + 1/τ0), τ0 = 20.8 ns (seed 001, TCSPC);
* the hole left behind is filled by HA⁻ (k_hole [HA⁻]), recombines with the electron
  just given to the catalyst (k_bet) or oxidises a thiolate ligand (k_lig); an electron
  survives with (k_hole[HA⁻] + k_lig)/(sum); [HA⁻] from the ascorbic-acid speciation at
  the set pH (pKa 4.17, 11.57);
* a once-reduced catalyst Co(I) is protonated in a fast equilibrium to the hydride,
  fraction f_H = 1/(1 + 10^(pH − pKa_hydride)); a second electron arriving at the
  hydride releases H2 and resets the catalyst, one arriving at unprotonated Co(I) is
  lost; the one-electron intermediate decays back at k_int_decay;
* the QDs aggregate and stop working (TEM after 30 h, seed 001 Fig. S8): holes oxidise
  the thiolate ligands (``qd_ligand_oxidation_per_photon`` per absorbed photon; Aldana,
  Wang & Peng, JACS 2001), which lowers the stability ratio W = W0^(θ²) of the colloid
  (θ the intact ligand fraction, ln W0 = ``qd_barrier_kT``), and Smoluchowski coagulation
  (K = 8k_BT/3η, monomers N0/(1 + τ)²) removes single QDs; the per-QD damage budget
  ``k_lig_per_s`` / ``n_ligand_crit`` (from CdS nanorods) is off by default.

``perovskite_pt`` — CsPbBr3 nanocubes and nanorods with Pt photodeposited in situ
(seed 002, Guo et al.), see :mod:`kinetics.photocatalysis.perovskite`.

Parts:

``config``            the experiment-file schema
``parameters``        the parameter table (fixed / calibrated / nuisance, priors, sources)
``chemistry``         sizes, speciation, binding, absorption, per-QD rate constants
``kernel``            compiled kernels: Gillespie per QD, the closed-form solution of the
                      master equation, and its batch over parameter sets (the likelihood)
``master_equation``   the same chains integrated by :mod:`sim.master` (runs, checks)
``perovskite``        the CsPbBr3 + Pt mechanism
``simulate``          one QD run in chemist units
``observables``       reference experiments and the simulated value of each observation
``checks``            numerical self-checks and input echoes
``plots``, ``model``  the picture of a run and the model object

Calibration (``nanokin fit photocatalysis``): six parameters (``k_int_decay_per_s``,
``pKa_hydride``, ``qd_ligand_oxidation_per_photon``, ``qd_barrier_kT``,
``pvk_k_ref_per_s``, ``pvk_fw_k2_per_h``) and six nuisance inputs (the two seed-001 photon
fluxes, the particle concentration behind "1.0e-4 M QDs", the seed-002 absorbed photon
flux, the native ligand coverage, the reorganisation energy) against the observations with
``fit = true``; the others are held out.  Rows decided by one prior name it in their
note (``pvk_reorganization_eV`` for the rods/cubes ratio, ``pvk_long_ligand_coverage`` for
the BF4⁻ gain, ``pKa_hydride`` for the pH optimum).
"""
from .model import MODEL, PhotocatalysisModel

__all__ = ["MODEL", "PhotocatalysisModel"]
