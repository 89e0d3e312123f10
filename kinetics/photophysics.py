"""Photon absorption shared by the photochemical models (photodoping, photocatalysis).

Units: wavelength in nm, power in W (or mW where named), extinction coefficients in
L mol⁻¹ cm⁻¹ (M⁻¹ cm⁻¹), cross sections in cm², fluxes in photons s⁻¹ (cm⁻²).
"""
from __future__ import annotations

import math

PLANCK_J_S = 6.62607015e-34
LIGHT_M_S = 2.99792458e8
AVOGADRO = 6.02214076e23


def photon_energy_J(wavelength_nm: float) -> float:
    """Energy of one photon, J."""
    return PLANCK_J_S * LIGHT_M_S / (wavelength_nm * 1e-9)


def photon_flux(power_W: float, wavelength_nm: float) -> float:
    """Photons per second carried by monochromatic light of the given power."""
    return power_W / photon_energy_J(wavelength_nm)


def einstein_per_s(power_W: float, wavelength_nm: float) -> float:
    """Photon flux in mol photons s⁻¹ (einstein s⁻¹)."""
    return photon_flux(power_W, wavelength_nm) / AVOGADRO


def cross_section_cm2(epsilon_M_cm: float) -> float:
    """Absorption cross section of one absorber from its molar extinction coefficient:
    σ = 1000 ln(10) ε / N_A (cm²)."""
    return 1000.0 * math.log(10.0) * epsilon_M_cm / AVOGADRO


def absorption_rate_per_particle(epsilon_M_cm: float, photon_flux_density_cm2_s: float) -> float:
    """Photons absorbed per second by one particle in an optically thin sample."""
    return cross_section_cm2(epsilon_M_cm) * photon_flux_density_cm2_s


def fraction_absorbed(absorbance: float) -> float:
    """Fraction of incident light absorbed by a sample of decadic absorbance A: 1 − 10^−A."""
    return 1.0 - 10.0 ** (-absorbance)


# ----------------------------------------------------------------------------- reference electrodes

REFERENCE_FILE = "reference_electrodes.toml"


def _electrodes() -> dict:
    import tomllib

    from sim.paths import data_file
    with open(data_file(REFERENCE_FILE), "rb") as fh:
        return tomllib.load(fh)["electrode"]


def reference_electrodes() -> tuple[str, ...]:
    """Names of the reference electrodes in ``inputs/data/reference_electrodes.toml``."""
    return tuple(_electrodes())


def reference_entry(electrode: str, solvent: str | None = None, file=None, key=None) -> dict:
    """The data entry (potential_V_vs_NHE, sd_V, source) of ``electrode`` in ``solvent``.

    A solvent-dependent internal reference (Fc+/0) needs a solvent listed in the file;
    anything else raises :class:`sim.config.ConfigError` naming what is allowed.
    """
    from sim.config import ConfigError

    table = _electrodes()
    if electrode not in table:
        raise ConfigError(file or REFERENCE_FILE, key or "reference_electrode", electrode,
                          ", ".join(table), "unknown reference electrode")
    entry = table[electrode]
    if "solvent" in entry:
        solvents = entry["solvent"]
        if solvent not in solvents:
            raise ConfigError(file or REFERENCE_FILE, key or "solvent", solvent,
                              f"one of {', '.join(solvents)} for {electrode}",
                              f"no potential of {electrode} vs NHE in this solvent")
        return dict(solvents[solvent])
    return dict(entry)


def reference_potential_V_vs_NHE(electrode: str, solvent: str | None = None) -> float:
    """Potential of ``electrode`` (in ``solvent`` when it depends on it), V vs NHE."""
    return float(reference_entry(electrode, solvent)["potential_V_vs_NHE"])


def convert_potential(E_V, from_electrode: str, to_electrode: str,
                      solvent: str | None = None):
    """A potential measured vs ``from_electrode`` expressed vs ``to_electrode`` (V)."""
    return (E_V + reference_potential_V_vs_NHE(from_electrode, solvent)
            - reference_potential_V_vs_NHE(to_electrode, solvent))


def unit_vs(electrode: str) -> str:
    """The unit string of a potential: ``"V vs Fc+/0"``."""
    return f"V vs {electrode}"
