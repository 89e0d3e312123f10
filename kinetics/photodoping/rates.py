"""Particles, light absorption and the birth/death rate tables of one particle size.

Rates (s^-1 per particle) for a particle holding n electrons, theta = n/N_s:

absorption      k_abs(n) = Phi pi R^2 Q(alpha(n) R), alpha(n) = alpha0 (1 - b_max theta),
                Q(y) = 1 - [1 - e^{-2y}(1 + 2y)]/(2y^2) the absorbed fraction of a sphere;
                Phi the photon flux density averaged over the optical path.
charging yield  phi(n) = k_q[Q] / (k_q[Q] + k_rec + k_A theta^p);
                birth(n) = beta k_abs(n) phi(n) (beta: current doubling).
back reaction   death(n) = A k0 exp[-alpha_BV F (E_n - E_c)/RT]   (cathodic Butler-Volmer),
                E_c the couple of the quencher's oxidation product (parameters.
                couple_potential_V_vs_NHE: aldehyde hydrogenation pins E_F);
                with ``reversible`` the anodic branch A k0 exp[(1 - alpha_BV) F (E_{n+1} - E_c)/RT]
                adds to birth(n) (detailed balance with the couple in the dark).

When N_s + 1 exceeds ``max_states`` + 1 the chain is coarse-grained on a graded grid
0 = n_0 < n_1 < ... < n_J = N_s: unit steps up to n ~ 1/eps, then steps h_j ~ eps n_j
(geometric) up to N_s/2, and the mirror image towards N_s (steps ~ eps (N_s - n_j):
E_F varies on the scale of N_s - n near full filling); eps the smallest value that
keeps J <= max_states (:func:`chain_states`).
From n_j the chain jumps up by h_j = n_{j+1} - n_j at rate birth(n_j)/h_j and down by
h_{j-1} at rate death(n_j)/h_{j-1}: the drift is exact at every grid point and the
variance grows by the local step h_j.  The bias this adds to the mean charge is of
relative order h_j/min(n_j, N_s - n_j) ~ eps at every filling (the rates change on
the scale of n itself, E_F ~ ln[n/(N_s - n)] at low and high filling).  A uniform step L = N_s/max_states instead gives a
relative bias ~L/n, large at low filling (a 3 % error in the mean charge at the start
of charging of a 25 nm particle with L = 42).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kinetics.photodoping.parameters import (couple_potential_V_vs_NHE, density_g_cm3,
                                             irradiance_mW_cm2, kq_total_per_s, ladder,
                                             mass_conc_ug_per_mL, material_of)
from kinetics.photodoping.thermo import step_potential, thermal_voltage
from kinetics.photophysics import photon_flux
from sim.rng import child_seeds
from structures.frameworks import mil125_node_density_per_nm3


def sphere_absorbed_fraction(y):
    """Q(y): fraction of light hitting a sphere that it absorbs, y = alpha R (no refraction).

    Q = 1 - [1 - e^{-2y}(1 + 2y)]/(2y^2); Q -> 4y/3 for y -> 0 (sigma = alpha V) and Q -> 1.
    """
    y = np.asarray(y, dtype=float)
    small = y < 1e-3
    ys = np.where(small, 1.0, y)
    big = 1.0 - (1.0 - np.exp(-2 * ys) * (1 + 2 * ys)) / (2 * ys ** 2)
    series = 4.0 * y / 3.0 - y ** 2 + 8.0 * y ** 3 / 15.0   # Taylor series near 0
    return np.where(small, series, big)


@dataclass
class ParticleClass:
    """One particle size and its chain: n = L*j electrons, j = 0 ... J."""

    diameter_nm: float
    sites: int            # N_s: electron capacity
    nodes: float          # acceptor units (Ti8 nodes; for an oxide, nm^3 of volume)
    lump: int             # largest step of the grid (electrons; 1 = exact chain)
    birth: np.ndarray     # per chain state j (s^-1)
    death: np.ndarray
    potential_V: np.ndarray   # E_F at n = n_j (V vs NHE), for output
    volume_nm3: float
    grid: np.ndarray | None = None   # n_j, electrons held in chain state j

    def __post_init__(self):
        if self.grid is None:
            self.grid = np.arange(self.birth.size, dtype=float) * self.lump


def sites_for(cfg, values, diameter_nm: float) -> tuple[int, float]:
    """(capacity N_s, acceptor units): MIL-125 nodes x ladder length, or oxide V x capacity."""
    volume = math.pi / 6.0 * diameter_nm ** 3
    mat = material_of(cfg)
    if mat.kind == "mil125":
        nodes = mil125_node_density_per_nm3() * volume
        return max(1, int(round(nodes * len(ladder(values))))), nodes
    return max(1, int(round(volume * mat.capacity_per_nm3))), volume


def photon_flux_density(cfg, values, sample_absorbance: float = 0.0) -> float:
    """Photons cm^-2 s^-1 averaged over the optical path (inner-filter corrected)."""
    phi0 = photon_flux(irradiance_mW_cm2(cfg, values) * 1e-3, cfg.light.wavelength_nm)
    a = sample_absorbance
    if a <= 1e-9:
        return phi0
    return phi0 * (1.0 - 10.0 ** (-a)) / (a * math.log(10.0))


def _graded_half(sites: int, eps: float) -> np.ndarray:
    """0, 1, ..., m (m = ceil(1/eps)) then n_k ~ m (1 + eps)^k (rounded, increasing), N_s."""
    m = min(sites, math.ceil(1.0 / eps))
    unit = np.arange(m + 1, dtype=float)
    if m >= sites:
        return unit
    k = math.ceil(math.log(sites / m) / math.log1p(eps)) + 1
    geo = np.unique(np.rint(m * np.exp(np.arange(1, k + 1) * math.log1p(eps))))
    geo = geo[(geo > m) & (geo < sites)]
    return np.concatenate([unit, geo, [float(sites)]])


def _graded_grid(sites: int, eps: float) -> np.ndarray:
    """Steps ~ max(1, eps min(n, N_s - n)): fine near empty and near full, coarse between."""
    half = sites // 2
    low = _graded_half(half, eps)
    high = sites - _graded_half(sites - half, eps)[::-1]
    return np.unique(np.concatenate([low, high]))


def chain_states(sites: int, max_states: int) -> tuple[int, np.ndarray]:
    """(largest step, grid n_j) of the chain: exact (unit steps) when N_s <= max_states,
    else the graded grid with the smallest eps that has at most max_states + 1 points."""
    if sites <= max_states:
        return 1, np.arange(sites + 1, dtype=float)
    # eps = 1/max_states: unit steps alone fill the budget (too many points); eps = 1:
    # doubling steps, ~log2(N_s) points
    lo, hi = 1.0 / max_states, 1.0
    while _graded_grid(sites, hi).size > max_states + 1:
        hi *= 2.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if _graded_grid(sites, mid).size > max_states + 1:
            lo = mid
        else:
            hi = mid
    grid = _graded_grid(sites, hi)
    return int(np.max(np.diff(grid))), grid


def graded_chain_rates(grid, birth_per_e, death_per_e):
    """Chain rates on a grid n_j from the exact chain's per-electron rates at n_j.

    Up: birth(n_j)/(n_{j+1} - n_j); down: death(n_j)/(n_j - n_{j-1}), so the drift
    birth - death (electrons per second) is the exact chain's at every grid point.  On a
    unit grid these are the exact rates.  Returns new arrays (birth[-1] = death[0] = 0).
    """
    grid = np.asarray(grid, float)
    h = np.diff(grid)
    birth = np.zeros(grid.size)
    death = np.zeros(grid.size)
    birth[:-1] = np.asarray(birth_per_e, float)[:-1] / h
    death[1:] = np.asarray(death_per_e, float)[1:] / h
    return birth, death


def rate_tables(cfg, values, diameter_nm: float, flux_cm2_s: float,
                max_states: int | None = None) -> ParticleClass:
    """Birth/death rates of one particle size on its (possibly coarse-grained) chain."""
    v = values
    sites, nodes = sites_for(cfg, v, diameter_nm)
    lump, n = chain_states(sites, max_states or cfg.solver.max_states)
    theta = n / sites
    radius_cm = 0.5 * diameter_nm * 1e-7
    area_nm2 = math.pi * diameter_nm ** 2
    alpha = v["absorption_coefficient_per_cm"] * (1.0 - v["bleach_max"] * theta)
    k_abs = flux_cm2_s * math.pi * radius_cm ** 2 * sphere_absorbed_fraction(alpha * radius_cm)
    kq = kq_total_per_s(cfg)
    denom = kq + v["recombination_per_s"] + v["auger_per_s"] * theta ** v["auger_exponent"]
    yield_ = np.divide(kq, denom, out=np.zeros_like(theta), where=denom > 0)
    birth = v["current_doubling"] * k_abs * yield_
    e_n = step_potential(cfg, v, np.maximum(n, 1.0), diameter_nm, nodes)   # E for n-1 -> n
    vt = thermal_voltage(cfg.sample.temperature_K)
    a = v["transfer_coefficient"]
    e_c = couple_potential_V_vs_NHE(cfg, v)
    k0 = v["back_rate_constant_per_nm2_s"]
    over = (e_n - e_c) / vt
    death = area_nm2 * k0 * np.exp(np.clip(-a * over, -700, 700))
    death[0] = 0.0
    if cfg.back_reaction.reversible:
        e_up = step_potential(cfg, v, n + 1.0, diameter_nm, nodes)       # E for n -> n+1
        over_up = (e_up - e_c) / vt
        birth = birth + area_nm2 * k0 * np.exp(np.clip((1 - a) * over_up, -700, 700))
    birth, death = graded_chain_rates(n, birth, death)
    # E at charge n: the next electron's level; at full filling the last one's
    e_out = step_potential(cfg, v, np.minimum(n + 1.0, sites), diameter_nm, nodes)
    return ParticleClass(diameter_nm, sites, nodes, lump, birth, death, e_out,
                         math.pi / 6.0 * diameter_nm ** 3, n)


def potential_at(cfg, values, pc: ParticleClass, mean_electrons):
    """E_F (V vs NHE) of a particle holding ``mean_electrons`` (interpolated, n >= 0): the
    level of the next electron, or of the last one when the particle is full."""
    n = np.minimum(np.asarray(mean_electrons, float) + 1.0, pc.sites)
    return step_potential(cfg, values, n, pc.diameter_nm, pc.nodes)


def size_sample(cfg, seed: int) -> np.ndarray:
    """Diameters (nm) of the simulated particles."""
    p = cfg.particles
    rng = np.random.default_rng(child_seeds(seed, 2)[1])
    if p.distribution == "monodisperse":
        return np.full(p.n_particles, p.diameter_nm)
    if p.distribution == "lognormal":
        s2 = math.log(1.0 + p.dispersity ** 2)
        mu = math.log(p.diameter_nm) - 0.5 * s2
        return rng.lognormal(mu, math.sqrt(s2), p.n_particles)
    d, w = read_sizes(p.file)
    return rng.choice(d, size=p.n_particles, p=w / w.sum())


#: diameters a size file may hold (the bounds of [particles] diameter_nm)
DIAMETER_RANGE_NM = (1.0, 5000.0)


def read_sizes(path: str):
    """(diameters nm, weights) from a CSV (diameter_nm[, weight]) or a growth result (.h5)."""
    import csv

    from sim.config import ConfigError

    if path.endswith((".h5", ".hdf5")):
        from sim.store import read_result
        try:
            res, _ = read_result(path)
            d = np.asarray(res["classes/diameter_nm"], float)
            w = np.asarray(res["classes/number_per_L"], float)
        except (OSError, KeyError):
            raise ConfigError(path, "particles.file", path,
                              "a growth result with classes/diameter_nm and "
                              "classes/number_per_L", "unreadable size distribution") from None
        if d.size == 0 or np.any(d <= 0) or np.any(w < 0) or w.sum() <= 0:
            raise ConfigError(path, "particles.file", path, "positive diameters and numbers",
                              "bad size data")
        return d, w
    import math as _m
    from pathlib import Path
    if Path(path).is_dir():
        raise ConfigError(path, "particles.file", path, "a CSV file (diameter_nm[, weight])",
                          "a directory, not a file")
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            lines = [(i + 1, line) for i, line in enumerate(fh)]
    except FileNotFoundError:
        raise ConfigError(path, "particles.file", path, "an existing CSV file",
                          "file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, "particles.file", f"byte {exc.start}",
                          "a UTF-8 text CSV file", "not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(path, "particles.file", path, "a readable CSV file",
                          f"cannot read: {exc.strerror}") from None
    body = [(n, line) for n, line in lines
            if line.strip() and not line.lstrip().startswith("#")]
    if not body:
        raise ConfigError(path, "particles.file", path, "a header line and at least one row",
                          "empty size file")
    header = next(csv.reader([body[0][1]]))
    header = [h.strip() for h in header]
    if "diameter_nm" not in header:
        raise ConfigError(path, "header (line %d)" % body[0][0], header,
                          "a CSV with a diameter_nm column (and optionally weight)",
                          "no diameter_nm column")
    i_d = header.index("diameter_nm")
    i_w = header.index("weight") if "weight" in header else None
    d, w = [], []
    lo, hi = DIAMETER_RANGE_NM
    for n, line in body[1:]:
        row = next(csv.reader([line]))
        for col, idx, allowed, ok in (
                ("diameter_nm", i_d, f"a finite number in [{lo:g}, {hi:g}] nm",
                 lambda x: lo <= x <= hi),
                ("weight", i_w, "a finite number >= 0", lambda x: x >= 0.0)):
            if idx is None:
                continue
            text = row[idx].strip() if idx < len(row) else ""
            try:
                x = float(text)
            except ValueError:
                raise ConfigError(path, f"line {n}, column {col}", text, allowed,
                                  "not a number") from None
            if not _m.isfinite(x) or not ok(x):
                raise ConfigError(path, f"line {n}, column {col}", text, allowed,
                                  "out of range" if _m.isfinite(x) else "not finite")
            (d if col == "diameter_nm" else w).append(x)
        if i_w is None:
            w.append(1.0)
    if not d:
        raise ConfigError(path, "particles.file", path, "at least one data row", "no sizes")
    d, w = np.array(d), np.array(w)
    if w.sum() <= 0:
        raise ConfigError(path, "column weight", "all zero", "weights with a positive sum",
                          "no particles")
    return d, w


def size_classes(diameters: np.ndarray, n_classes: int):
    """(class diameters, class index per particle): log-spaced bins, geometric means."""
    d = np.asarray(diameters, float)
    if np.all(d == d[0]):                         # monodisperse: the diameter itself
        return np.array([float(d[0])]), np.zeros(d.size, np.int64)
    if np.allclose(d, d[0]) or n_classes == 1:
        return np.array([float(np.exp(np.log(d).mean()))]), np.zeros(d.size, np.int64)
    edges = np.geomspace(d.min(), d.max() * (1 + 1e-12), n_classes + 1)
    idx = np.clip(np.searchsorted(edges, d, side="right") - 1, 0, n_classes - 1)
    used = np.unique(idx)
    remap = -np.ones(n_classes, np.int64)
    remap[used] = np.arange(used.size)
    reps = np.array([float(np.exp(np.log(d[idx == u]).mean())) for u in used])
    return reps, remap[idx].astype(np.int64)


def sample_absorbance(cfg, values, diameters: np.ndarray) -> float:
    """Decadic absorbance of the undoped colloid at the excitation wavelength."""
    d = np.asarray(diameters, float)
    mass_per_particle_g = density_g_cm3(cfg) * math.pi / 6 * (d * 1e-7) ** 3
    conc_per_cm3 = mass_conc_ug_per_mL(cfg, values) * 1e-6 / mass_per_particle_g.mean()
    r_cm = 0.5 * d * 1e-7
    sigma = math.pi * r_cm ** 2 * sphere_absorbed_fraction(
        values["absorption_coefficient_per_cm"] * r_cm)
    return float(conc_per_cm3 * sigma.mean() * cfg.sample.path_length_cm / math.log(10.0))
