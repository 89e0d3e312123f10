"""A toy model with an analytic answer: first-order decay A -> B, k in s⁻¹.

It exercises the whole pipeline (config -> kernel -> result -> HDF5 -> validate) in
milliseconds, so tests of the engine itself stay fast and honest.  Each of the
``n_molecules`` molecules gets an exponential lifetime drawn from its own seeded
stream block; the mean count follows n0·exp(−k t).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from sim.config import Invalid, section, spec
from sim.model import Model
from sim.rng import exponential, stream_states
from sim.store import Result


@dataclass(frozen=True)
class DecayConditions:
    n_molecules: int = spec(1000, ge=1, le=10_000_000, doc="molecules of A at t = 0")
    rate_constant_per_s: float = spec(0.1, gt=0.0, unit="s^-1", doc="first-order rate constant")
    t_end_s: float = spec(30.0, gt=0.0, unit="s", doc="end time")
    n_times: int = spec(31, ge=2, le=100_000, doc="output times (evenly spaced, t = 0 included)")


@dataclass(frozen=True)
class DecaySolver:
    n_streams: int = spec(16, ge=1, le=4096, doc="random streams (molecules are split among them)")


@dataclass(frozen=True)
class DecayConfig:
    conditions: DecayConditions = section(DecayConditions)
    solver: DecaySolver = section(DecaySolver)

    def check(self):
        if self.solver.n_streams > self.conditions.n_molecules:
            raise Invalid("solver.n_streams", self.solver.n_streams,
                          f"at most conditions.n_molecules = {self.conditions.n_molecules}",
                          "more streams than molecules")


@njit(cache=True, parallel=True)
def decay_counts(states, n_molecules, k, times):
    """Survivors of A at ``times``; stream s handles molecules s, s+S, s+2S, ..."""
    n_streams = states.shape[0]
    partial = np.zeros((n_streams, times.size), dtype=np.int64)
    for s in prange(n_streams):
        st = states[s].copy()
        for m in range(s, n_molecules, n_streams):
            life = exponential(st) / k
            for j in range(times.size):
                if life > times[j]:
                    partial[s, j] += 1
    return partial.sum(axis=0)


class DecayModel(Model):
    name = "toy"
    config_class = DecayConfig

    def run(self, experiment, progress=None) -> Result:
        c = experiment.config.conditions
        times = np.linspace(0.0, c.t_end_s, c.n_times)
        states = stream_states(experiment.seed, experiment.config.solver.n_streams)
        counts = decay_counts(states, c.n_molecules, c.rate_constant_per_s, times)
        res = Result(model=self.name, solver={"method": "exact lifetimes",
                                              "n_streams": experiment.config.solver.n_streams})
        res.add("time", times, "s", "output times")
        res.add("A", counts, "molecules", "molecules of A remaining")
        res.add("A_analytic", c.n_molecules * np.exp(-c.rate_constant_per_s * times), "molecules",
                "n0 exp(-k t)")
        res.note("half_life", float(np.log(2) / c.rate_constant_per_s), "s", "ln 2 / k")
        res.note("A_final", float(counts[-1]), "molecules", "A at t_end")
        return res

    def plot(self, result, path):
        from sim.plotting import figure, save

        fig, ax = figure(5.0, 3.5)
        ax.plot(result["time"], result["A"], "o", ms=3, label="simulated")
        ax.plot(result["time"], result["A_analytic"], "-", label="n0 exp(-kt)")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("A (molecules)")
        ax.legend()
        save(fig, path)
        return fig


MODEL = DecayModel()
