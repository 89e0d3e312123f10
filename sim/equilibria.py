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

import math

import numpy as np
from numba import njit

__all__ = ["solve_speciation", "newton_inplace", "tableau_pattern", "newton_sparse", "species_concentrations", "Speciation", "SpeciationError"]

LN10 = np.log(10.0)


class SpeciationError(RuntimeError):
    pass


@njit(cache=True)
def species_into(log10_k, stoich, ln_c, out):
    """s_i = K_i prod_j c_j^S_ij into ``out`` for free-component logs ``ln_c``."""
    n_s, n_c = stoich.shape
    for i in range(n_s):
        acc = log10_k[i] * 2.302585092994046
        for j in range(n_c):
            if stoich[i, j] != 0.0:
                acc += stoich[i, j] * ln_c[j]
        out[i] = math.exp(min(acc, 700.0))
    return out


@njit(cache=True)
def species_concentrations(log10_k, stoich, ln_c):
    """s_i = K_i prod_j c_j^S_ij for free-component logs ``ln_c``."""
    return species_into(log10_k, stoich, ln_c, np.empty(stoich.shape[0]))


@njit(cache=True)
def residuals_into(logk, stoich, totals, y, s, res):
    """Species concentrations into ``s`` and mass-balance residuals into ``res`` at
    ln c = ``y``; returns the largest residual scaled by the sum of its terms' magnitudes."""
    n_s, n_c = stoich.shape
    species_into(logk, stoich, y, s)
    err = 0.0
    for j in range(n_c):
        acc = 0.0
        mag = abs(totals[j])
        for i in range(n_s):
            v = stoich[i, j] * s[i]
            acc += v
            mag += abs(v)
        res[j] = acc - totals[j]
        e = abs(res[j]) / max(mag, 1e-300)
        if e > err:
            err = e
    return err


@njit(cache=True, inline="always")
def _limited_newton_step(jac, res, dy, y):
    """Solve jac·dy = −res (Gaussian elimination with partial pivoting; tableaux are
    small) and take the step in ln c, limited to 4 in the largest component.  ``jac``
    is overwritten."""
    n_c = y.size
    for j in range(n_c):
        jac[j, j] += 1e-300
        dy[j] = -res[j]
    for c in range(n_c):
        piv = c
        for r in range(c + 1, n_c):
            if abs(jac[r, c]) > abs(jac[piv, c]):
                piv = r
        if piv != c:
            for k in range(n_c):
                tmp = jac[c, k]
                jac[c, k] = jac[piv, k]
                jac[piv, k] = tmp
            tmp = dy[c]
            dy[c] = dy[piv]
            dy[piv] = tmp
        for r in range(c + 1, n_c):
            f = jac[r, c] / jac[c, c]
            for k in range(c, n_c):
                jac[r, k] -= f * jac[c, k]
            dy[r] -= f * dy[c]
    for c in range(n_c - 1, -1, -1):
        acc = dy[c]
        for k in range(c + 1, n_c):
            acc -= jac[c, k] * dy[k]
        dy[c] = acc / jac[c, c]
    big = 0.0
    for j in range(n_c):
        if abs(dy[j]) > big:
            big = abs(dy[j])
    f = 4.0 / big if big > 4.0 else 1.0
    for j in range(n_c):
        y[j] += f * dy[j]


@njit(cache=True)
def newton_inplace(logk, stoich, totals, y, s, res, jac, dy, tol, max_iter):
    """Allocation-free Newton iteration for kernels that solve speciation at every
    step: ``y`` (ln c of the components, warm start) is updated in place, ``s``
    receives the species concentrations; ``res``, ``jac``, ``dy`` are work arrays of
    sizes n_c, (n_c, n_c), n_c.  Residuals are scaled by the sum of the magnitudes of
    their terms; the step in ln c is limited to 4.  Returns True on convergence."""
    n_s, n_c = stoich.shape
    for it in range(max_iter):
        if residuals_into(logk, stoich, totals, y, s, res) < tol:
            return True
        for j in range(n_c):
            for k in range(n_c):
                acc = 0.0
                for i in range(n_s):
                    acc += stoich[i, j] * stoich[i, k] * s[i]
                jac[j, k] = acc
        _limited_newton_step(jac, res, dy, y)
    return False


@njit(cache=True)
def tableau_pattern(stoich):
    """Non-zero pattern of a tableau for :func:`newton_sparse`: ``rows[i, :nrow[i]]``
    lists the components of species i, ``cols[j, :ncol[j]]`` the species holding
    component j, both in increasing order."""
    n_s, n_c = stoich.shape
    rows = np.zeros((n_s, n_c), np.int64)
    nrow = np.zeros(n_s, np.int64)
    cols = np.zeros((n_c, n_s), np.int64)
    ncol = np.zeros(n_c, np.int64)
    for i in range(n_s):
        for j in range(n_c):
            if stoich[i, j] != 0.0:
                rows[i, nrow[i]] = j
                nrow[i] += 1
                cols[j, ncol[j]] = i
                ncol[j] += 1
    return rows, nrow, cols, ncol


@njit(cache=True, inline="always")
def _sparse_residuals(logk, stoich, rows, nrow, cols, ncol, totals, y, s, res):
    """:func:`residuals_into` visiting only the non-zero tableau entries (same order
    of operations, hence the same numbers)."""
    n_s, n_c = stoich.shape
    for i in range(n_s):
        acc = logk[i] * 2.302585092994046
        for q in range(nrow[i]):
            j = rows[i, q]
            acc += stoich[i, j] * y[j]
        s[i] = math.exp(min(acc, 700.0))
    err = 0.0
    for j in range(n_c):
        acc = 0.0
        mag = abs(totals[j])
        for q in range(ncol[j]):
            i = cols[j, q]
            v = stoich[i, j] * s[i]
            acc += v
            mag += abs(v)
        res[j] = acc - totals[j]
        e = abs(res[j]) / max(mag, 1e-300)
        if e > err:
            err = e
    return err


@njit(cache=True, inline="always")
def newton_sparse(logk, stoich, rows, nrow, cols, ncol, totals, y, s, res, jac, dy, tol,
                  max_iter):
    """:func:`newton_inplace` for a tableau with the non-zero pattern of
    :func:`tableau_pattern`: residuals and Jacobian visit only non-zero entries, in
    the same order, so the iterates are the same numbers at a fraction of the cost.
    Returns the number of Newton steps taken, or -1 without convergence."""
    n_s, n_c = stoich.shape
    for it in range(max_iter):
        if _sparse_residuals(logk, stoich, rows, nrow, cols, ncol, totals, y, s, res) < tol:
            return it
        for j in range(n_c):
            for k in range(j, n_c):
                acc = 0.0
                for q in range(ncol[j]):
                    i = cols[j, q]
                    if stoich[i, k] != 0.0:
                        acc += stoich[i, j] * stoich[i, k] * s[i]
                jac[j, k] = acc
                jac[k, j] = acc
        _limited_newton_step(jac, res, dy, y)
    return -1


@njit(cache=True)
def _residual_error(log10_k, stoich, totals, y):
    """Largest scaled mass-balance residual at ln c = ``y``."""
    n_s, n_c = stoich.shape
    return residuals_into(log10_k, stoich, totals, y, np.empty(n_s), np.empty(n_c))


@njit(cache=True)
def _solve(log10_k, stoich, totals, ln_c0, tol, max_iter):
    """Newton iteration; returns (ln_c, converged flag, scaled residual)."""
    n_s, n_c = stoich.shape
    y = ln_c0.copy()
    ok = newton_inplace(log10_k, stoich, totals, y, np.empty(n_s), np.empty(n_c),
                        np.empty((n_c, n_c)), np.empty(n_c), tol, max_iter)
    return y, ok, _residual_error(log10_k, stoich, totals, y)


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
    y, ok, err = _solve(log10_k, stoich, totals, ln_c0, tol, max_iter)
    if not ok:
        # retry from a neutral start (all components at 1e-7 M)
        y, ok, err = _solve(log10_k, stoich, totals, np.full(totals.size, np.log(1e-7)),
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
