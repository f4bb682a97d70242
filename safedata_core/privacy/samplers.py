"""Exact integer noise samplers: discrete Laplace and discrete Gaussian (Canonne, Kamath & Steinke 2020).

Floating-point Laplace/Gaussian samplers leak through the gaps of their output
grid (Mironov 2012): some outputs are impossible under a neighbouring input.
These samplers never touch floating point: they use only uniform integers
(``Generator.integers``, which is exactly uniform, Lemire's method) and exact
rational comparisons, so the output distribution is exactly the stated one
given a uniform bit source. Everything is vectorised: each loop below runs over
*rounds* of rejection sampling for all pending samples at once, never over
samples, and the number of rounds grows only logarithmically with ``size``.

Parameters are rationals. A scale or variance that is not a rational with a
small denominator is rounded UP to one (more noise, never less), so the
privacy claim made for the requested parameter still holds.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

__all__ = ["bernoulli_exp", "discrete_gaussian", "discrete_laplace", "rational_at_least"]

# Largest integer we let numpy handle as int64 in products (keeps d * K below 2**62).
_INT_LIMIT = 1 << 62


def rational_at_least(value: float, denominator_bits: int = 20) -> Fraction:
    """The smallest fraction with denominator ``2**denominator_bits`` that is >= ``value`` (> 0)."""
    if not (value > 0) or not math.isfinite(value):
        raise ValueError(f"expected a finite positive number, got {value!r}")
    den = 1 << denominator_bits
    num = math.ceil(Fraction(value) * den)
    return Fraction(num, den)


def _bernoulli_ratio(num: np.ndarray, den: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Exact Bernoulli(num / den) per element (0 <= num <= den, den >= 1)."""
    if den.dtype == object:  # exact arbitrary-precision path (rare: huge parameters)
        out = np.empty(num.shape, dtype=bool)
        for i, (a, b) in enumerate(zip(num.tolist(), den.tolist(), strict=True)):
            out[i] = _randbelow(int(b), rng) < int(a)
        return out
    return rng.integers(0, den, dtype=np.int64) < num


def _randbelow(n: int, rng: np.random.Generator) -> int:
    """Exactly uniform integer in [0, n) for arbitrary-size ``n`` (rejection on 64-bit limbs)."""
    k = n.bit_length()
    limbs = (k + 63) // 64
    while True:
        words = rng.integers(0, 1 << 64, size=limbs, dtype=np.uint64, endpoint=False)
        x = 0
        for w in words.tolist():
            x = (x << 64) | int(w)
        x >>= limbs * 64 - k
        if x < n:
            return x


def bernoulli_exp(num: np.ndarray, den: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Exact Bernoulli(exp(-num/den)) per element for integers num >= 0, den >= 1 (CKS Algorithm 1)."""
    num = np.asarray(num)
    den = np.asarray(den)
    big = num.dtype == object or den.dtype == object
    out = np.ones(num.shape, dtype=bool)
    # gamma > 1: one Bernoulli(exp(-1)) per whole unit of gamma, then the fractional part
    whole = num // den
    frac_num = num - whole * den
    if np.any(whole > 0):
        active = np.flatnonzero(whole > 0)
        remaining = whole[active].astype(np.int64) if not big else np.array([int(w) for w in whole[active]])
        while active.size:
            ones = np.ones(active.size, dtype=np.int64)
            ok = _bernoulli_exp_unit(ones, ones, rng)
            out[active[~ok]] = False
            remaining = remaining - 1
            keep = ok & (remaining > 0)
            active, remaining = active[keep], remaining[keep]
    todo = np.flatnonzero(out & (frac_num > 0))
    if todo.size:
        out[todo] = _bernoulli_exp_unit(frac_num[todo], den[todo] if den.shape else np.full(todo.size, den), rng)
    return out


def _bernoulli_exp_unit(num: np.ndarray, den: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Exact Bernoulli(exp(-gamma)) for gamma = num/den in [0, 1]: K = first k with Bernoulli(gamma/k) = 0; odd K."""
    n = num.shape[0]
    k_final = np.zeros(n, dtype=np.int64)
    active = np.arange(n)
    k = 1
    big = num.dtype == object or den.dtype == object or int(np.max(den, initial=1)) > _INT_LIMIT // 64
    while active.size:
        d = den[active] * k
        if big or k > 64 or d.dtype == object:
            a = _bernoulli_ratio(np.asarray(num[active], dtype=object), np.asarray(d, dtype=object), rng)
        else:
            a = _bernoulli_ratio(num[active].astype(np.int64), d.astype(np.int64), rng)
        stopped = active[~a]
        k_final[stopped] = k
        active = active[a]
        k += 1
    out: np.ndarray = (k_final % 2) == 1
    return out


def _geometric_exp_minus_one(size: int, rng: np.random.Generator) -> np.ndarray:
    """Number of successes before the first failure of Bernoulli(exp(-1)) trials (exact)."""
    v = np.zeros(size, dtype=np.int64)
    active = np.arange(size)
    while active.size:
        ones = np.ones(active.size, dtype=np.int64)
        ok = _bernoulli_exp_unit(ones, ones, rng)
        v[active[ok]] += 1
        active = active[ok]
    return v


def _discrete_laplace_rational(s: int, t: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """CKS Algorithm 2: P(Y = y) proportional to exp(-|y| s / t), exact, for positive integers s, t."""
    out = np.empty(0, dtype=np.int64)
    while out.size < size:
        m = max(16, int((size - out.size) * 2.2))
        u = rng.integers(0, t, size=m, dtype=np.int64)
        d = bernoulli_exp(u, np.full(m, t, dtype=np.int64), rng)
        u = u[d]
        v = _geometric_exp_minus_one(u.size, rng)
        x = u + t * v
        y = x // s
        b = rng.integers(0, 2, size=y.size, dtype=np.int64)
        ok = ~((b == 1) & (y == 0))
        out = np.concatenate([out, ((1 - 2 * b) * y)[ok]])
    return out[:size]


def discrete_laplace(scale: float | Fraction, size: int | tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Exact integer samples with P(k) proportional to exp(-|k| / scale); ``scale`` is rounded up to a rational."""
    shape = (size,) if isinstance(size, int) else tuple(size)
    n = int(np.prod(shape)) if shape else 1
    b = scale if isinstance(scale, Fraction) else rational_at_least(float(scale))
    if b <= 0:
        raise ValueError(f"discrete Laplace scale must be > 0, got {scale!r}")
    # exp(-|k|/b) = exp(-|k| s / t) with b = t / s
    return _discrete_laplace_rational(b.denominator, b.numerator, n, rng).reshape(shape)


def discrete_gaussian(sigma: float | Fraction, size: int | tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Exact integer samples with P(k) proportional to exp(-k^2 / (2 sigma^2)) (CKS Algorithm 3).

    ``sigma^2`` is rounded up to a rational with denominator 2**20 (for sigma >= 32, up to an integer),
    so the noise is never smaller than requested.
    """
    shape = (size,) if isinstance(size, int) else tuple(size)
    n = int(np.prod(shape)) if shape else 1
    s = float(sigma)
    if not (s > 0) or not math.isfinite(s):
        raise ValueError(f"discrete Gaussian sigma must be a finite number > 0, got {sigma!r}")
    var = rational_at_least(s * s, 0 if s >= 32 else 20)
    a, bden = var.numerator, var.denominator  # sigma^2 = a / bden
    t = math.isqrt(a // bden) + 1  # floor(sigma) + 1
    out = np.empty(0, dtype=np.int64)
    # gamma(y) = (|y| - sigma^2/t)^2 / (2 sigma^2) = (|y| t bden - a)^2 / (2 a bden t^2)
    den = 2 * a * bden * t * t
    while out.size < n:
        m = max(16, int((n - out.size) * 1.6))
        y = _discrete_laplace_rational(1, t, m, rng)
        largest = int(np.abs(y).max()) * t * bden + a
        if den > _INT_LIMIT // 128 or largest * largest > _INT_LIMIT // 128:
            yo = np.abs(y).astype(object)
            num = (yo * (t * bden) - a) ** 2
            keep = bernoulli_exp(num, np.full(m, den, dtype=object), rng)
        else:
            diff = np.abs(y) * (t * bden) - a
            num = diff * diff
            keep = bernoulli_exp(num, np.full(m, den, dtype=np.int64), rng)
        out = np.concatenate([out, y[keep]])
    return out[:n].reshape(shape)
