"""Birth–death master equations: an implicit adaptive integrator and a kinetic Monte Carlo.

A one-step (birth–death) process on the states n = 0 … M is described by two arrays of
rates (s⁻¹):

``birth[n]``   rate of n -> n + 1   (``birth[M]`` must be 0)
``death[n]``   rate of n -> n − 1   (``death[0]`` must be 0)

The probabilities P(n, t) obey the tridiagonal linear system

    dP_n/dt = birth[n−1] P_{n−1} + death[n+1] P_{n+1} − (birth[n] + death[n]) P_n.

Nothing here knows what n counts (stored electrons, bound ligands, ...): the caller
turns its chemistry into the two rate arrays.

Deterministic: :func:`advance` (numba) integrates P in place from t0 to t1 with the
L-stable, second-order TR-BDF2 method (Bank et al., IEEE Trans. Electron Devices 32
(1985) 1992; Hosea & Shampine, Appl. Numer. Math. 20 (1996) 21).  Both stages solve
(I − d·h·A) x = r with the Thomas algorithm (the matrix is column diagonally
dominant, so no pivoting is needed).  The local error is estimated by step doubling
(one step of h against two of h/2) and the step adapts to ``rtol``/``atol`` in the max
norm; the accepted value is the Richardson-extrapolated one.  :func:`evolve` is the
driver that records P at output times.  Probability is conserved to rounding because
every column of the generator sums to zero.

Stationary state: :func:`stationary` uses detailed balance of a one-step chain,
P(n+1)/P(n) = birth[n]/death[n+1], which every irreducible birth–death chain obeys.

Stochastic: :func:`kmc_birth_death` runs the Gillespie direct method for many
independent particles at once (numba, parallel over particles, one xoshiro256**
stream per particle from :mod:`sim.rng`, so results do not depend on the thread
count).  Particles belong to classes, each with its own rate table, so a size
distribution costs one table per size class, not per particle.

References used only by the tests: :func:`generator_matrix` (scipy.sparse) and
:func:`rhs_numpy` (plain NumPy right-hand side for ``scipy.integrate.solve_ivp``).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.rng import exponential, uniform

__all__ = ["advance", "evolve", "stationary", "moments", "kmc_birth_death",
           "generator_matrix", "rhs_numpy", "check_rates"]


def check_rates(birth: np.ndarray, death: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Contiguous float64 copies of the rate arrays, checked for shape and sign."""
    b = np.ascontiguousarray(birth, dtype=np.float64)
    d = np.ascontiguousarray(death, dtype=np.float64)
    if b.ndim != 1 or b.shape != d.shape or b.size < 1:
        raise ValueError("birth and death must be 1-D arrays of the same length")
    if not (np.all(np.isfinite(b)) and np.all(np.isfinite(d))):
        raise ValueError("rates must be finite")
    if np.any(b < 0) or np.any(d < 0):
        raise ValueError("rates must be >= 0")
    if b[-1] != 0.0 or d[0] != 0.0:
        raise ValueError("birth[M] and death[0] must be 0 (no flux out of the state space)")
    return b, d


# ----------------------------------------------------------------------------- kernels

@njit(cache=True)
def _apply(birth, death, p, out, lo, hi):
    """out = A p for the birth–death generator A, rows lo … hi−1 (p = 0 outside)."""
    m = p.size
    for n in range(lo, hi):
        v = -(birth[n] + death[n]) * p[n]
        if n > lo:
            v += birth[n - 1] * p[n - 1]
        if n < hi - 1:
            v += death[n + 1] * p[n + 1]
        out[n] = v


@njit(cache=True)
def _solve_shifted(birth, death, c, rhs, out, cp, lo, hi):
    """Solve (I − c A) x = rhs on rows lo … hi−1 (Thomas algorithm; ``cp`` scratch).

    Row n: lower −c·birth[n−1], diagonal 1 + c(birth[n] + death[n]), upper −c·death[n+1].
    """
    diag = 1.0 + c * (birth[lo] + death[lo])
    up = -c * death[lo + 1] if hi - lo > 1 else 0.0
    cp[lo] = up / diag
    out[lo] = rhs[lo] / diag
    for n in range(lo + 1, hi):
        low = -c * birth[n - 1]
        diag = 1.0 + c * (birth[n] + death[n])
        denom = diag - low * cp[n - 1]
        up = -c * death[n + 1] if n < hi - 1 else 0.0
        cp[n] = up / denom
        out[n] = (rhs[n] - low * out[n - 1]) / denom
    for n in range(hi - 2, lo - 1, -1):
        out[n] -= cp[n] * out[n + 1]


@njit(cache=True)
def _trbdf2(birth, death, p, h, out, w1, w2, w3, lo, hi):
    """One TR-BDF2 step of size h from p into out on rows lo … hi−1 (w1..w3 scratch)."""
    gam = 2.0 - np.sqrt(2.0)
    d = 0.5 * gam
    # trapezoidal stage to t + gam h:  (I − d h A) y_g = p + d h A p
    _apply(birth, death, p, w1, lo, hi)
    for i in range(lo, hi):
        w1[i] = p[i] + d * h * w1[i]
    _solve_shifted(birth, death, d * h, w1, w2, w3, lo, hi)
    # BDF2 stage:  (I − d h A) y = (y_g − (1−gam)² p) / (gam (2 − gam))
    a = 1.0 / (gam * (2.0 - gam))
    b = (1.0 - gam) ** 2 * a
    for i in range(lo, hi):
        w1[i] = a * w2[i] - b * p[i]
    _solve_shifted(birth, death, d * h, w1, out, w3, lo, hi)


# probabilities below this are treated as exact zeros when choosing the active window
# (far below any tolerance a caller can ask for: atol is compared with it in evolve)
_NEGLIGIBLE = 1e-30


@njit(cache=True)
def _support(p):
    lo = 0
    while lo < p.size - 1 and abs(p[lo]) <= _NEGLIGIBLE:
        lo += 1
    hi = p.size
    while hi > lo + 1 and abs(p[hi - 1]) <= _NEGLIGIBLE:
        hi -= 1
    return lo, hi


@njit(cache=True)
def advance(birth, death, p, t0, t1, h, rtol, atol, work):
    """Integrate P in place from t0 to t1 (s); returns (next step size, accepted, rejected).

    ``h`` is the first trial step (s, <= 0 lets the kernel choose); ``work`` is a
    (6, M+1) float64 scratch array.  Only the window of states holding probability
    above 1e-30 (plus a margin that grows until its edges stay negligible) is
    computed, so a narrow distribution on a long chain costs little.  States outside
    the window keep their (negligible) values.
    """
    full = work[0]
    half = work[1]
    two = work[2]
    w1 = work[3]
    w2 = work[4]
    w3 = work[5]
    m = p.size
    t = t0
    n_acc = 0
    n_rej = 0
    if h <= 0.0:
        h = (t1 - t0) * 1e-6
    pad = 64
    while t < t1:
        last = False
        h_try = h
        if t + h >= t1:
            h = t1 - t
            last = True
        slo, shi = _support(p)
        lo = max(0, slo - pad)
        hi = min(m, shi + pad)
        for i in range(lo, hi):
            full[i] = 0.0
            half[i] = 0.0
            two[i] = 0.0
        _trbdf2(birth, death, p, h, full, w1, w2, w3, lo, hi)
        _trbdf2(birth, death, p, 0.5 * h, half, w1, w2, w3, lo, hi)
        _trbdf2(birth, death, half, 0.5 * h, two, w1, w2, w3, lo, hi)
        # the window must be wide enough that nothing reaches its edges
        if (lo > 0 and abs(two[lo]) > _NEGLIGIBLE) or (hi < m and abs(two[hi - 1]) > _NEGLIGIBLE):
            pad *= 4
            h = h_try
            continue
        err = 0.0
        for i in range(lo, hi):
            e = abs(two[i] - full[i]) / 3.0
            sc = atol + rtol * max(abs(p[i]), abs(two[i]))
            r = e / sc
            if r > err:
                err = r
        if err <= 1.0:
            for i in range(lo, hi):
                p[i] = two[i] + (two[i] - full[i]) / 3.0
            t = t1 if last else t + h
            pad = max(64, pad // 2)
            n_acc += 1
            fac = 5.0 if err == 0.0 else min(5.0, 0.9 * err ** (-1.0 / 3.0))
            # after a step clipped to t1, hand back the unclipped trial step
            h = max(h_try, h * fac) if last else h * fac
        else:
            n_rej += 1
            h *= max(0.2, 0.9 * err ** (-1.0 / 3.0))
            if h < 1e-14 * max(abs(t), 1.0):
                break
    return h, n_acc, n_rej


# ----------------------------------------------------------------------------- drivers

def evolve(birth, death, p0, times, *, rtol: float = 1e-8, atol: float = 1e-13,
           keep: str = "moments"):
    """P(n, t) from ``p0`` at the output ``times`` (s, increasing, first = start time).

    keep = "moments" returns a dict with ``mean`` and ``var`` (per time), ``p_final``
    and the step counts; keep = "full" also returns ``p`` of shape (len(times), M+1).
    """
    b, d = check_rates(birth, death)
    if atol < 1e3 * _NEGLIGIBLE:
        raise ValueError(f"atol must be >= {1e3 * _NEGLIGIBLE:g} (the window threshold)")
    p = np.array(p0, dtype=np.float64, copy=True)
    if p.shape != b.shape:
        raise ValueError("p0 must have the same length as the rate arrays")
    times = np.asarray(times, dtype=np.float64)
    if times.ndim != 1 or np.any(np.diff(times) < 0):
        raise ValueError("times must be a 1-D increasing array")
    n = np.arange(p.size, dtype=np.float64)
    work = np.zeros((6, p.size))
    mean = np.empty(times.size)
    var = np.empty(times.size)
    full = np.empty((times.size, p.size)) if keep == "full" else None
    h = 0.0
    acc = rej = 0
    for k, t in enumerate(times):
        if k > 0 and t > times[k - 1]:
            h, a, r = advance(b, d, p, times[k - 1], t, h, rtol, atol, work)
            acc += a
            rej += r
        mean[k], var[k] = moments(p, n)
        if full is not None:
            full[k] = p
    out = {"mean": mean, "var": var, "p_final": p, "accepted_steps": acc, "rejected_steps": rej}
    if full is not None:
        out["p"] = full
    return out


def moments(p: np.ndarray, n: np.ndarray | None = None) -> tuple[float, float]:
    """Mean and variance of the state under P (normalised by its sum)."""
    if n is None:
        n = np.arange(p.size, dtype=np.float64)
    s = p.sum()
    mu = float(np.dot(n, p) / s)
    return mu, float(np.dot((n - mu) ** 2, p) / s)


def stationary(birth, death) -> np.ndarray:
    """Stationary P(n) of the chain from detailed balance (log space; normalised).

    States that cannot be reached from the most probable one get probability 0.
    """
    b, d = check_rates(birth, death)
    with np.errstate(divide="ignore"):
        ratio = np.log(b[:-1]) - np.log(d[1:])          # log P(n+1)/P(n)
    if np.any(np.isposinf(ratio)) or np.any(np.isnan(ratio)):
        raise ValueError("a state with birth > 0 has no way back (death[n+1] = 0)")
    logp = np.concatenate(([0.0], np.cumsum(ratio)))   # -inf above a zero birth rate
    logp -= logp.max()
    p = np.exp(logp)
    return p / p.sum()


@njit(cache=True, parallel=True)
def kmc_birth_death(birth, death, particle_class, n0, times, states):
    """Gillespie direct method for independent particles on birth–death chains.

    birth, death     (K, S) rate tables (s⁻¹), one row per particle class
    particle_class   (P,) int64 row of each particle
    n0               (P,) int64 initial states
    times            (T,) output times (s), increasing, times[0] >= 0 (start at t = 0)
    states           (P, 4) uint64 xoshiro256** states, one stream per particle (advanced)
    Returns (states at output times (P, T) int64, events per particle (P,) int64).
    """
    n_part = n0.size
    n_t = times.size
    out = np.empty((n_part, n_t), dtype=np.int64)
    events = np.zeros(n_part, dtype=np.int64)
    for i in prange(n_part):
        st = states[i]
        k = particle_class[i]
        j = n0[i]
        t = 0.0
        ti = 0
        ne = 0
        while ti < n_t:
            b = birth[k, j]
            a = b + death[k, j]
            if a <= 0.0:
                while ti < n_t:
                    out[i, ti] = j
                    ti += 1
                break
            t_next = t + exponential(st) / a
            while ti < n_t and times[ti] < t_next:
                out[i, ti] = j
                ti += 1
            if ti >= n_t:
                break
            t = t_next
            if uniform(st) * a < b:
                j += 1
            else:
                j -= 1
            ne += 1
        events[i] = ne
    return out, events


# ----------------------------------------------------------------------------- references

def generator_matrix(birth, death):
    """The generator A (scipy.sparse CSR) with dP/dt = A P."""
    from scipy.sparse import diags

    b, d = check_rates(birth, death)
    return diags([b[:-1], -(b + d), d[1:]], [-1, 0, 1], format="csr")


def rhs_numpy(t, p, birth, death):
    """dP/dt in plain NumPy (reference right-hand side for solve_ivp)."""
    out = -(birth + death) * p
    out[1:] += birth[:-1] * p[:-1]
    out[:-1] += death[1:] * p[1:]
    return out
