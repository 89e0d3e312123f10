"""Solving the chains: master equation or kinetic Monte Carlo over a size distribution.

The probabilities P(n, t) follow the birth-death master equation of each size class,
integrated by :func:`sim.master.evolve`; the same rate tables drive the kinetic Monte
Carlo of :func:`sim.master.kmc_birth_death`.  The photostationary state of every class
comes from detailed balance (:func:`sim.master.stationary`), without integrating.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kinetics.photodoping.parameters import ladder, material_of, reference_V_vs_NHE
from kinetics.photodoping.rates import (photon_flux_density, potential_at, rate_tables,
                                        sample_absorbance, size_classes, size_sample)
from kinetics.photodoping.thermo import ladder_weights
from sim.master import evolve, kmc_birth_death, stationary
from sim.rng import child_seeds, stream_states


@dataclass
class Trajectory:
    """What a simulation returns before it becomes a Result."""

    times_s: np.ndarray
    classes: list
    weights: np.ndarray            # particles per class (number fraction)
    mean_electrons: np.ndarray     # (classes, times) mean n per particle of each class
    var_electrons: np.ndarray      # (classes, times)
    sem_electrons: np.ndarray | None = None   # kMC standard error of the ensemble mean n
    method: str = "master"
    steps: int = 0
    events: int = 0
    stationary_mean: np.ndarray | None = None  # (classes,) stationary mean n


def _classes(cfg, values, seed: int, max_states: int | None):
    diam = size_sample(cfg, seed)
    reps, idx = size_classes(diam, cfg.particles.n_size_classes
                             if cfg.particles.distribution != "monodisperse" else 1)
    counts = np.bincount(idx, minlength=reps.size).astype(float)
    flux = photon_flux_density(cfg, values, sample_absorbance(cfg, values, diam))
    classes = [rate_tables(cfg, values, d, flux, max_states) for d in reps]
    stat = np.array([float(np.dot(pc.grid, stationary(pc.birth, pc.death)))
                     for pc in classes])
    return diam, idx, counts / counts.sum(), classes, stat


def simulate(cfg, values, seed: int = 0, method: str | None = None,
             max_states: int | None = None, times: np.ndarray | None = None) -> Trajectory:
    """Run the master equation or the kMC for the configured particles."""
    method = method or cfg.solver.method
    if times is None:
        times = np.linspace(0.0, cfg.output.t_end_s, cfg.output.n_times)
    diam, idx, weights, classes, stat = _classes(cfg, values, seed, max_states)
    if method == "master":
        means, vars_, steps = [], [], 0
        for pc in classes:
            p0 = np.zeros(pc.birth.size)
            p0[0] = 1.0
            out = evolve(pc.birth, pc.death, p0, times, rtol=cfg.solver.rtol,
                         atol=cfg.solver.atol, keep="moments" if pc.lump == 1 else "full")
            if pc.lump == 1:
                means.append(out["mean"])
                vars_.append(out["var"])
            else:                                     # moments of n on the graded grid
                p = out["p"] / out["p"].sum(axis=1, keepdims=True)
                mu = p @ pc.grid
                means.append(mu)
                vars_.append(np.maximum(p @ pc.grid ** 2 - mu ** 2, 0.0))
            steps += out["accepted_steps"]
        return Trajectory(times, classes, weights, np.array(means), np.array(vars_), None,
                          "master", steps=steps, stationary_mean=stat)
    width = max(pc.birth.size for pc in classes)
    birth = np.zeros((len(classes), width))
    death = np.zeros((len(classes), width))
    for k, pc in enumerate(classes):
        birth[k, :pc.birth.size] = pc.birth
        death[k, :pc.death.size] = pc.death
    states = stream_states(child_seeds(seed, 2)[0], diam.size)
    n0 = np.zeros(diam.size, np.int64)
    j, events = kmc_birth_death(birth, death, idx, n0, times, states)
    n = np.empty(j.shape)
    for k, pc in enumerate(classes):                  # chain state -> electrons held
        sel = idx == k
        n[sel] = pc.grid[j[sel]]
    means = np.zeros((len(classes), times.size))
    vars_ = np.zeros_like(means)
    for k in range(len(classes)):
        sel = n[idx == k]
        means[k] = sel.mean(axis=0)
        vars_[k] = sel.var(axis=0)
    sem = n.std(axis=0, ddof=1) / math.sqrt(n.shape[0]) if n.shape[0] > 1 else None
    return Trajectory(times, classes, weights, means, vars_, sem, "kmc",
                      events=int(events.sum()), stationary_mean=stat)


def stationary_only(cfg, values, max_states: int | None = None, seed: int = 0) -> Trajectory:
    """The rate tables and photostationary means, without integrating in time."""
    _, _, weights, classes, stat = _classes(cfg, values, seed, max_states)
    zeros = np.zeros((len(classes), 1))
    return Trajectory(np.array([0.0]), classes, weights, zeros, zeros, stationary_mean=stat)


def stationary_potential_V(cfg, values, traj: Trajectory) -> float:
    """Node-weighted E_F (V vs NHE) of the classes at their photostationary mean charge."""
    nodes = np.array([pc.nodes for pc in traj.classes])
    e_stat = np.array([float(potential_at(cfg, values, pc, traj.stationary_mean[k]))
                       for k, pc in enumerate(traj.classes)])
    return float((traj.weights * nodes) @ e_stat / (traj.weights @ nodes))


def ensemble(cfg, values, traj: Trajectory) -> dict:
    """Chemist-facing ensemble quantities from a trajectory (dict of arrays)."""
    w = traj.weights
    nodes = np.array([pc.nodes for pc in traj.classes])
    vols = np.array([pc.volume_nm3 for pc in traj.classes])
    sites = np.array([pc.sites for pc in traj.classes], float)
    total_n = w @ traj.mean_electrons                        # mean electrons per particle
    per_node = total_n / (w @ nodes)
    per_nm3 = total_n / (w @ vols)
    # E_oc: node-weighted mean of the particles' Fermi levels at their mean charge
    e_cls = np.array([potential_at(cfg, values, pc, traj.mean_electrons[k])
                      for k, pc in enumerate(traj.classes)])
    e_oc = (w * nodes) @ e_cls / (w @ nodes)
    theta = (w * sites) @ (traj.mean_electrons / sites[:, None]) / (w @ sites)
    out = {"electrons_per_particle": total_n, "electrons_per_node": per_node,
           "electrons_per_nm3": per_nm3, "E_F_V_vs_NHE": e_oc,
           "E_oc_V_vs_ref": e_oc - reference_V_vs_NHE(cfg), "filling": theta,
           "bleach_fraction": values["bleach_max"] * theta}
    out["stationary_electrons_per_particle"] = w @ traj.stationary_mean
    if material_of(cfg).kind == "mil125":
        out["node_state_fractions"] = ladder_weights(e_oc, ladder(values),
                                                     cfg.sample.temperature_K)
    return out
