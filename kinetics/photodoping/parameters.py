"""The parameter table of the photodoping model: every number of the mechanism.

Calibrated (``nanokin fit photodoping``, against the three photostationary E_oc of
seed 000): the back reaction's rate constant k0 and transfer coefficient, the effective
proton activity of the couple, the Auger-type loss k_A and the ladder's position.  Nuisance: the irradiance,
the colloid concentration and the product concentration, which seed 000 does not report; they are used only by experiment files that omit
``[light] power_mW`` / ``[sample] mass_conc_ug_per_mL``.  Everything else is fixed,
with its source or the reason for the assumption.

What sets the plateau: the stored electrons reduce the quencher's oxidation product
(formaldehyde from methanol) back, a proton-coupled two-electron couple; the plateau
is where photocharging and this back reaction balance (Fermi-level pinning by aldehyde
hydrogenation, Carroll et al., J. Am. Chem. Soc. 2015, 137, 11163).  The couple's
potential follows from the quencher preset's E0 with the effective proton activity
(calibrated) and the product concentration (nuisance).

The node ladder of MIL-125 (``ladder_*``): its shape is an input, a break after four
H+-e- pairs placed where the DFT of seed 000 assigns a distinct ~4-pair state, so the
"intermediate state with ~4 pairs" is an input echo (a check), not a prediction.  Its
position (``ladder_first_V_vs_NHE``) is calibrated with a prior from the redox-indicator
Fermi level of photodoped MIL-125 (Mancuso et al., Chem. Sci. 2021) in the NHE frame of
inputs/data/reference_electrodes.toml; whether nodes charge past four pairs at the
measured plateaus (held-out row) follows from that position and the plateaus.
"""
from __future__ import annotations

from sim.params import Parameter, ParameterTable, Prior

SEED000 = "Fabrizio et al., Chem. Sci. 2023, 14, 8946 (seed 000)"

TABLE = ParameterTable("photodoping", [
    # --- MIL-125 node: sequential H+-e- pair potentials (the ladder)
    Parameter("ladder_pairs_per_node", 8.0, "pairs", "fixed",
              f"{SEED000}, Fig. 5: eight Ti(IV) per Ti8O8(OH)4 node, each H+-e- pair "
              "localises on one Ti",
              doc="levels of the node ladder (pairs one node can store)", bounds=(1.0, 64.0)),
    Parameter("ladder_first_V_vs_NHE", 0.06, "V vs NHE", "calibrated",
              "calibrated: E_oc plateaus of seed 000 (they constrain it only through the "
              "filling-dependent absorption and losses: the posterior is close to the prior); "
              f"prior: {SEED000} (text p. 8951) quotes ~-0.6 V vs Fc+/0 for photodoped MIL-125 "
              "from optical redox indicators (Mancuso, Fabrizio, Brozek & Hendon, Chem. Sci. "
              "2021, 12, 11779), whose MIL-125 holds ~2 H+-e- pairs per Ti8 node (the limit "
              "that paper's abstract quotes from Saouma et al., J. Am. Chem. Soc. 2018, 140, "
              "16184). With E(Fc+/0) = +0.63 V vs NHE (inputs/data/reference_electrodes.toml) "
              "that is +0.03 V vs NHE at 2 pairs per node, i.e. E_1 = +0.03 + 1.5 x "
              "ladder_step_V = +0.06 V vs NHE on this ladder. sd 0.15 V: the Fc+/0 conversion "
              "in methanol (sd 0.10 V) and the excess H+ of the indicator method, which seed "
              "000 says shifts E_F positive by an unreported amount",
              doc="potential of the first H+-e- pair of a node", bounds=(-3.0, 3.0),
              prior=Prior("normal", 0.15)),
    Parameter("ladder_step_V", 0.020, "V", "fixed",
              f"assumed: 20 mV between successive pairs of one group; {SEED000} text: "
              ">100 mV spacings are reported only for uncompensated molecular clusters",
              doc="spacing of successive levels within a group", bounds=(0.0, 1.0)),
    Parameter("ladder_break_after_pairs", 4.0, "pairs", "fixed",
              f"{SEED000}, Fig. 3c-d (DFT + spectra): a distinct state with ~4 H+-e- pairs "
              "per node",
              doc="number of pairs before the break of the ladder", bounds=(0.0, 64.0)),
    Parameter("ladder_break_V", 0.110, "V", "fixed",
              "assumed: a gap large enough for the ~4-pair state to be populated nearly "
              "purely (seed 000 Fig. 3c isosbestic point); decides the ~4-pair check",
              doc="spacing between the last level before the break and the first after it",
              bounds=(0.0, 2.0)),
    # --- light absorption
    Parameter("absorption_coefficient_per_cm", 3.0e4, "cm^-1", "fixed",
              "assumed: ~2.5e4 M^-1 cm^-1 per Ti8 node (six terephthalate LMCT chromophores) "
              "at 0.53 M nodes in the crystal, Napierian",
              doc="absorption coefficient of the undoped solid at the excitation wavelength",
              bounds=(1e-3, 1e7)),
    Parameter("bleach_max", 0.6, "1", "fixed",
              f"assumed: {SEED000}, Fig. 3c shows a partial bleach of the band-edge absorption",
              doc="fraction of the band-edge absorption bleached at full filling",
              bounds=(0.0, 1.0)),
    # --- charging yield per absorbed photon
    Parameter("current_doubling", 1.0, "1", "fixed",
              "assumed: no injection by the quencher radical (1 = none, 2 = full doubling)",
              doc="electrons injected per quenched hole, applied as a rate factor",
              bounds=(1.0, 2.0)),
    Parameter("recombination_per_s", 1.0e11, "s^-1", "fixed",
              "assumed: picosecond-scale excited-state decay",
              doc="electron-hole recombination rate k_rec", bounds=(0.0, 1e15)),
    Parameter("auger_per_s", 1.0e10, "s^-1", "calibrated",
              "calibrated: E_oc plateaus of seed 000 (they hardly constrain it); prior: "
              "charged-exciton Auger recombination in nanocrystals takes 10 ps to 1 ns "
              "(Klimov et al., Science 2000, 287, 1011), i.e. 1e9-1e11 s^-1; not measured "
              "for the Ti3+ sites of a MOF node",
              doc="Auger-type loss rate at full filling k_A (k_A theta^p)",
              bounds=(1e6, 1e14), prior=Prior("lognormal", 1.5)),
    Parameter("auger_exponent", 2.0, "1", "fixed",
              "assumed: p = 1-2 for losses that grow with the stored charge (trion-like)",
              doc="p in k_A theta^p", bounds=(0.0, 4.0)),
    # --- back reaction: hydrogenation of the quencher's oxidation product (the reverse of
    # the photo-oxidation), which pins the Fermi level (Carroll et al., J. Am. Chem. Soc.
    # 2015, 137, 11163: photodoped ZnO/ethanol, Fermi-level pinning by aldehyde
    # hydrogenation).  E_c = E0(product/quencher, pH 0; quencher preset)
    #   - (ln10 RT/F)(protons/electrons) pH_eff + (RT/nF) ln([product]/[quencher]).
    Parameter("proton_pH_effective", 8.35, "pH units", "calibrated",
              "calibrated: E_oc plateaus of seed 000; prior: the neutral point of neat "
              "methanol, pKs/2 = 16.7/2 (autoprotolysis constant of methanol; Izutsu, "
              "Electrochemistry in Nonaqueous Solutions, Wiley-VCH 2002, ch. 1), two pH units "
              "wide: the protons released by the quencher's oxidation bind to the Ti-oxo node "
              "(H+-e- pairs), so the free proton activity is not known",
              doc="effective pH (on the aqueous NHE scale) of the proton-coupled couple",
              bounds=(-2.0, 20.0), prior=Prior("normal", 2.0)),
    Parameter("product_conc_M", 1.0e-5, "M", "nuisance",
              "not measured in seed 000: the quencher's oxidation product (formaldehyde) "
              "accumulates as the colloid charges; prior: ~1e-5 M, the order of the stored "
              "charge of a 25 ug/mL colloid (~1e-4 M Ti, a few pairs per node, 2 e- per "
              "product) lowered by evaporation/side reactions, 1.5 decades wide",
              doc="concentration of the quencher's oxidation product (aldehyde/ketone)",
              bounds=(1e-12, 1.0), prior=Prior("lognormal", 1.5)),
    Parameter("back_rate_constant_per_nm2_s", 1.0e-3, "nm^-2 s^-1", "calibrated",
              "calibrated: E_oc plateaus of seed 000; prior: 1e-3 nm^-2 s^-1 = 1.6e-8 A cm^-2, "
              "the order of the H+/H2 exchange current density on titanium (Trasatti, "
              "J. Electroanal. Chem. 1972, 39, 163), two decades wide for a Ti-oxo surface "
              "in methanol",
              doc="k0: electrons per nm^2 per s at zero overpotential",
              bounds=(1e-12, 1e3), prior=Prior("lognormal", 2.0)),
    Parameter("transfer_coefficient", 0.5, "1", "calibrated",
              "calibrated: E_oc plateaus of seed 000; prior: a symmetric barrier, 0.5 +- 0.15 "
              "(0.3-0.7 is usual; Bard & Faulkner, Electrochemical Methods, 2nd ed., sec. 3.3)",
              doc="Butler-Volmer transfer coefficient alpha", bounds=(0.1, 0.9),
              prior=Prior("normal", 0.15)),
    # --- electrostatics and the reference electrode
    Parameter("uncompensated_fraction", 0.0, "1", "fixed",
              "Carroll, Schimpf, Tsui & Gamelin, J. Am. Chem. Soc. 2015 (proton-compensated "
              "electrons: E_F independent of particle volume)",
              doc="gamma: fraction of stored charge not compensated by cations",
              bounds=(0.0, 1.0)),
    # --- unreported experimental inputs of seed 000
    Parameter("irradiance_mW_cm2", 20.0, "mW cm^-2", "nuisance",
              f"{SEED000} reports a 308 nm LED driven at 600 mA, not the power reaching the "
              "sample; prior: ~20 mW on ~1 cm^2 (the output of such an LED), half a decade "
              "wide for the unknown geometry",
              doc="optical power per area reaching the sample, for experiment files without "
                  "[light] power_mW", bounds=(0.1, 1000.0), prior=Prior("lognormal", 0.5)),
    Parameter("colloid_conc_ug_per_mL", 25.0, "ug/mL", "nuisance",
              f"{SEED000} does not report the concentration of the E_oc runs; prior: the "
              "25 ug/mL the same paper uses for the in-situ absorption of the same particles, "
              "half a decade wide",
              doc="particle mass concentration, for experiment files without [sample] "
                  "mass_conc_ug_per_mL", bounds=(0.1, 1e4), prior=Prior("lognormal", 0.5)),
])


def ladder(values) -> tuple[float, ...]:
    """The node ladder (V vs NHE, most positive first) from the ``ladder_*`` parameters.

    Level j (j = 0 ... K-1) lies at E_1 - j * step - (gap - step) * [j >= k_break]:
    successive levels are ``step`` apart except across the break, where they are ``gap``.
    """
    k = int(round(values["ladder_pairs_per_node"]))
    brk = int(round(values["ladder_break_after_pairs"]))
    e1, step, gap = (values["ladder_first_V_vs_NHE"], values["ladder_step_V"],
                     values["ladder_break_V"])
    return tuple(round(e1 - step * j - ((gap - step) if j >= brk else 0.0), 12)
                 for j in range(k))


def irradiance_mW_cm2(cfg, values) -> float:
    """Irradiance at the sample: from the file's [light] power_mW, else the nuisance."""
    if cfg.light.power_mW is not None:
        return cfg.light.power_mW / cfg.light.area_cm2
    return float(values["irradiance_mW_cm2"])


def mass_conc_ug_per_mL(cfg, values) -> float:
    """Colloid concentration: from the file's [sample], else the nuisance."""
    if cfg.sample.mass_conc_ug_per_mL is not None:
        return cfg.sample.mass_conc_ug_per_mL
    return float(values["colloid_conc_ug_per_mL"])


# --------------------------------------------------------------------------- presets and data

def material_of(cfg):
    """The material preset the experiment names."""
    from kinetics.photodoping.presets import material
    return material(cfg.material.preset)


def quencher_of(cfg):
    from kinetics.photodoping.presets import quencher
    return quencher(cfg.quencher.name)


def quencher_conc_M(cfg) -> float:
    """[quencher] conc_M, or the neat liquid's concentration from the preset."""
    if cfg.quencher.conc_M is not None:
        return cfg.quencher.conc_M
    return quencher_of(cfg).neat_conc_M


def kq_total_per_s(cfg) -> float:
    """k_q [Q]: hole-transfer rate of the named quencher on the named material (s^-1)."""
    from kinetics.photodoping.presets import hole_transfer_per_M_s
    return hole_transfer_per_M_s(cfg.material.preset, cfg.quencher.name) * quencher_conc_M(cfg)


def density_g_cm3(cfg) -> float:
    if cfg.sample.density_g_cm3 is not None:
        return cfg.sample.density_g_cm3
    return material_of(cfg).density_g_cm3


def couple_potential_V_vs_NHE(cfg, values) -> float:
    """Equilibrium potential of the back-reaction couple (quencher's oxidation product)."""
    import math
    q = quencher_of(cfg)
    T = cfg.sample.temperature_K
    vt = 8.314462618 * T / 96485.33212
    conc = max(quencher_conc_M(cfg), 1e-300)
    return (q.couple_E0_V_vs_NHE - math.log(10.0) * vt * q.protons / q.electrons
            * values["proton_pH_effective"]
            + vt / q.electrons * math.log(values["product_conc_M"] / conc))


def reference_V_vs_NHE(cfg) -> float:
    """Potential (vs NHE) of the electrode E_oc is reported against ([sample])."""
    from kinetics.photophysics import reference_potential_V_vs_NHE
    return reference_potential_V_vs_NHE(cfg.sample.reference_electrode, cfg.sample.solvent)


def reference_unit(cfg) -> str:
    return f"V vs {cfg.sample.reference_electrode}"
