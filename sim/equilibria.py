"""Chemical speciation: mass action + mass balance, Newton in log-concentration space.

The tableau formulation (as in MINEQL/PHREEQC): choose components (e.g. H+, BDC2-,
Ti) with free concentrations c_j.  Every species i (the components themselves
included, as identity rows) has

    ln s_i = ln K_i + sum_j S_ij ln c_j          (mass action)

and each component obeys

    sum_i S_ij s_i = T_j                         (mass balance)

T_j may be negative for the proton component (an excess of base).  The unknowns are
y_j = ln c_j; Newton's method with step limiting solves R(y) = 0 with the
analytic Jacobian J_jk = sum_i S_ij S_ik s_i.  Concentrations in mol/L; K on the
log10 scale as tabulated.

Water (OH- = Kw / H+) is an ordinary species: row S = [-1 for H+], log10 K = -14.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["solve_speciation", "species_concentrations", "Speciation", "SpeciationError"]

LN10 = np.log(10.0)


class SpeciationError(RuntimeError):
    pass


@njit(cache=True)
def species_concentrations(log10_k, stoich, ln_c):
    """s_i = K_i prod_j c_j^S_ij for free-component logs ``ln_c``."""
    n_s, n_c = stoich.shape
    out = np.empty(n_s)
    for i in range(n_s):
        acc = log10_k[i] * 2.302585092994046
        for j in range(n_c):
            if stoich[i, j] != 0.0:
                acc += stoich[i, j] * ln_c[j]
        if acc > 700.0:
            acc = 700.0
        out[i] = np.exp(acc)
    return out


@njit(cache=True)
def _solve(log10_k, stoich, totals, ln_c0, tol, max_iter):
    """Newton iteration; returns (ln_c, iterations, converged flag, scaled residual)."""
    n_s, n_c = stoich.shape
    y = ln_c0.copy()
    R = np.empty(n_c)
    J = np.empty((n_c, n_c))
    scale = np.empty(n_c)
    err = np.inf
    for it in range(max_iter):
        s = species_concentrations(log10_k, stoich, y)
        for j in range(n_c):
            acc = 0.0
            mag = abs(totals[j])
            for i in range(n_s):
                v = stoich[i, j] * s[i]
                acc += v
                mag += abs(v)
            R[j] = acc - totals[j]
            scale[j] = mag if mag > 1e-300 else 1e-300
        err = 0.0
        for j in range(n_c):
            e = abs(R[j]) / scale[j]
            if e > err:
                err = e
        if err < tol:
            return y, it, True, err
        for j in range(n_c):
            for k in range(n_c):
                acc = 0.0
                for i in range(n_s):
                    if stoich[i, j] != 0.0 and stoich[i, k] != 0.0:
                        acc += stoich[i, j] * stoich[i, k] * s[i]
                J[j, k] = acc
            J[j, j] += 1e-300
        dy = np.linalg.solve(J, -R)
        # limit the step in log space: concentrations change by at most e^4 per step
        big = 0.0
        for j in range(n_c):
            if abs(dy[j]) > big:
                big = abs(dy[j])
        f = 1.0
        if big > 4.0:
            f = 4.0 / big
        for j in range(n_c):
            y[j] += f * dy[j]
    return y, max_iter, False, err


def solve_speciation(log10_k, stoich, totals, guess=None, *, tol=1e-12, max_iter=200):
    """Free component concentrations (mol/L) and all species concentrations.

    Parameters
    ----------
    log10_k : (n_species,) formation constants, log10 scale (0 for component rows)
    stoich  : (n_species, n_components) stoichiometric coefficients
    totals  : (n_components,) total concentrations, mol/L (proton total may be < 0)
    guess   : optional initial free concentrations, mol/L

    Returns ``(free, species)``; raises :class:`SpeciationError` if Newton fails.
    """
    log10_k = np.ascontiguousarray(log10_k, dtype=np.float64)
    stoich = np.ascontiguousarray(stoich, dtype=np.float64)
    totals = np.ascontiguousarray(totals, dtype=np.float64)
    if stoich.shape != (log10_k.size, totals.size):
        raise ValueError("stoich must have shape (len(log10_k), len(totals))")
    if guess is None:
        ln_c0 = np.log(np.maximum(np.abs(totals), 1e-12) * 0.5)
    else:
        ln_c0 = np.log(np.maximum(np.asarray(guess, float), 1e-300))
    y, it, ok, err = _solve(log10_k, stoich, totals, ln_c0, tol, max_iter)
    if not ok:
        # retry from a neutral start (all components at 1e-7 M)
        y, it, ok, err = _solve(log10_k, stoich, totals, np.full(totals.size, np.log(1e-7)),
                                tol, max_iter * 5)
    if not ok:
        raise SpeciationError(f"speciation did not converge (scaled residual {err:.3g})")
    free = np.exp(y)
    return free, species_concentrations(log10_k, stoich, y)


class Speciation:
    """A named speciation problem built from reactions, for model code.

    >>> sp = Speciation(["H+", "A-"])
    >>> sp.add("OH-", {"H+": -1}, -14.0)
    >>> sp.add("HA", {"H+": 1, "A-": 1}, 4.76)       # log10 of the formation constant
    >>> free, conc = sp.solve({"H+": 0.1, "A-": 0.1})  # 0.1 M acetic acid
    """

    def __init__(self, components):
        self.components = list(components)
        self.names = list(components)
        n = len(self.components)
        self.rows = [np.eye(n)[j] for j in range(n)]
        self.logk = [0.0] * n

    def add(self, name, composition: dict, log10_k: float) -> None:
        row = np.zeros(len(self.components))
        for comp, nu in composition.items():
            row[self.components.index(comp)] = nu
        self.names.append(name)
        self.rows.append(row)
        self.logk.append(float(log10_k))

    def arrays(self):
        return np.array(self.logk), np.array(self.rows)

    def solve(self, totals: dict, guess=None):
        logk, stoich = self.arrays()
        t = np.array([totals.get(c, 0.0) for c in self.components], float)
        free, conc = solve_speciation(logk, stoich, t, guess)
        return free, dict(zip(self.names, conc))
