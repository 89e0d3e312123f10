"""Deterministic mass-action rate equations of a reaction network.

For a :class:`sim.network.CompiledNetwork` the rate equations are

    dx_i/dt = Σ_r ν_ir v_r(x),   v_r = c_r Π_s x_s^m_s

with the rate constants ``c_r`` of the ``.net`` convention (statistical factors
included), which is what BioNetGen's ODE integrator (``run_network``, CVODE) solves;
fixed species (``$`` in a ``.net`` file) do not change.  The right-hand side and the
sparse Jacobian are numba kernels over the network's CSR arrays (compiled once for all
networks); the system is integrated with scipy's stiff BDF solver, which factorises
the sparse Jacobian (``scipy.sparse`` CSC, SuperLU).

:func:`rhs_reference` is the plain-NumPy right-hand side the tests compare with.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["OdeResult", "integrate", "rhs_reference"]


@njit(cache=True)
def _rates(x, rates, rct_ptr, rct_sp, rct_mult, v):
    for r in range(rates.size):
        a = rates[r]
        for k in range(rct_ptr[r], rct_ptr[r + 1]):
            xs = x[rct_sp[k]]
            for _ in range(rct_mult[k]):
                a *= xs
        v[r] = a


@njit(cache=True)
def _rhs(x, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_sp, chg_val, v, dx):
    _rates(x, rates, rct_ptr, rct_sp, rct_mult, v)
    dx[:] = 0.0
    for r in range(rates.size):
        for k in range(chg_ptr[r], chg_ptr[r + 1]):
            dx[chg_sp[k]] += chg_val[k] * v[r]


@njit(cache=True)
def _jac(x, rates, rct_ptr, rct_sp, rct_mult, chg_ptr, chg_val, slot, data):
    """Jacobian values into ``data`` (CSC order); ``slot`` maps every (reaction, changed
    species, reactant) triple, in loop order, to its position in ``data``."""
    data[:] = 0.0
    n = 0
    for r in range(rates.size):
        for j in range(rct_ptr[r], rct_ptr[r + 1]):
            # d v_r / d x_j = c m_j x_j^(m_j - 1) Π_{s != j} x_s^m_s
            d = rates[r] * rct_mult[j]
            for k in range(rct_ptr[r], rct_ptr[r + 1]):
                xs = x[rct_sp[k]]
                p = rct_mult[k] - 1 if k == j else rct_mult[k]
                for _ in range(p):
                    d *= xs
            for i in range(chg_ptr[r], chg_ptr[r + 1]):
                data[slot[n]] += chg_val[i] * d
                n += 1


def _sparsity(c):
    """Row/column indices of every Jacobian contribution in _jac's loop order, and the
    CSC structure they sum into."""
    rows, cols = [], []
    rct_n = np.diff(c.rct_ptr)
    chg_n = np.diff(c.chg_ptr)
    for r in np.nonzero((rct_n > 0) & (chg_n > 0))[0]:
        changed = c.chg_sp[c.chg_ptr[r]:c.chg_ptr[r + 1]]
        for j in c.rct_sp[c.rct_ptr[r]:c.rct_ptr[r + 1]]:
            rows.append(changed)
            cols.append(np.full(changed.size, j))
    n = c.n_species
    if not rows:
        return np.zeros(0, np.int64), np.zeros(n + 1, np.int64), np.zeros(0, np.int64)
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    key = cols.astype(np.int64) * n + rows          # CSC: column-major
    uniq, slot = np.unique(key, return_inverse=True)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(uniq // n, minlength=n), out=indptr[1:])
    return slot.astype(np.int64), indptr, (uniq % n).astype(np.int64)


class OdeResult:
    """``x[time, species]`` and ``observables[time, observable]`` at ``times``."""

    def __init__(self, times, x, observables, stats):
        self.times, self.x, self.observables, self.stats = times, x, observables, stats


def integrate(compiled, times, rtol: float = 1e-8, atol: float = 1e-8,
              method: str = "BDF") -> OdeResult:
    """Integrate the rate equations from ``compiled.x0`` and return the state and the
    observables at ``times`` (non-decreasing, from 0).  Raises RuntimeError when the
    solver fails (the message is scipy's)."""
    import scipy.sparse as sp
    from scipy.integrate import solve_ivp

    c = compiled
    times = np.asarray(times, dtype=np.float64)
    n = c.n_species
    v = np.empty(c.n_reactions)
    slot, indptr, indices = _sparsity(c)
    data = np.zeros(indices.size)
    nfev = [0, 0]

    def f(t, x):
        dx = np.empty(n)
        _rhs(np.ascontiguousarray(x), c.rates, c.rct_ptr, c.rct_sp, c.rct_mult, c.chg_ptr,
             c.chg_sp, c.chg_val, v, dx)
        nfev[0] += 1
        return dx

    def jac(t, x):
        _jac(np.ascontiguousarray(x), c.rates, c.rct_ptr, c.rct_sp, c.rct_mult, c.chg_ptr,
             c.chg_val, slot, data)
        nfev[1] += 1
        return sp.csc_matrix((data.copy(), indices, indptr), shape=(n, n))

    sol = solve_ivp(f, (0.0, float(times[-1])), c.x0.astype(np.float64), method=method,
                    t_eval=times, rtol=rtol, atol=atol, jac=jac)
    if not sol.success:
        raise RuntimeError(f"ODE solver failed: {sol.message}")
    x = sol.y.T
    w = np.zeros((c.obs_ptr.size - 1, n))
    for o in range(c.obs_ptr.size - 1):
        for k in range(c.obs_ptr[o], c.obs_ptr[o + 1]):
            w[o, c.obs_sp[k]] += c.obs_w[k]
    return OdeResult(times, x, x @ w.T, dict(rhs_evaluations=nfev[0],
                                             jacobian_evaluations=nfev[1], method=method,
                                             rtol=rtol, atol=atol, steps=int(sol.t.size)))


def rhs_reference(net, x) -> np.ndarray:
    """Plain-NumPy rate equations of a :class:`sim.network.ReactionNetwork`."""
    dx = np.zeros(net.n_species)
    fixed = net.fixed if net.fixed is not None else np.zeros(net.n_species, dtype=bool)
    for r in range(net.n_reactions):
        v = float(net.rate_constants[r]) * np.prod([x[s] for s in net.reactants[r]])
        for s in net.reactants[r]:
            dx[s] -= v
        for s in net.products[r]:
            dx[s] += v
    dx[fixed] = 0.0
    return dx
