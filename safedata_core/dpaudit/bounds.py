"""Clopper-Pearson intervals and the empirical epsilon lower bound they give.

For a test that says "D' was used" on event E, with ``TPR = P[E | D']`` and
``FPR = P[E | D]``, (epsilon, delta)-DP implies both
``TPR <= e^eps FPR + delta`` and ``1 - FPR <= e^eps (1 - TPR) + delta``. With
one-sided Clopper-Pearson bounds (a lower and an upper bound for each of TPR
and FPR, each at level ``alpha / 4``, so all four hold together with
probability at least ``1 - alpha``), ``eps_lower = max(0,
log((TPR_lo - delta) / FPR_hi), log((TNR_lo - delta) / FNR_hi))``, together
with the same two with D and D' swapped, is a lower bound on the true epsilon
with confidence ``1 - alpha``.

The intervals are computed here by bisection on the exact binomial tail
(summed in log space), not from a beta quantile function, so the tests can
check them against :func:`scipy.stats.beta.ppf` independently.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["binomial_tail", "clopper_pearson", "eps_lower_bound", "max_eps_lower", "one_sided_bounds"]


def _log_pmf(n: int, p: float) -> np.ndarray:
    from scipy.special import gammaln

    j = np.arange(n + 1, dtype=float)
    with np.errstate(divide="ignore"):
        return np.asarray(gammaln(n + 1) - gammaln(j + 1) - gammaln(n - j + 1) + j * np.log(p) + (n - j) * np.log1p(-p))


def binomial_tail(k: int, n: int, p: float, *, upper: bool) -> float:
    """``P(X >= k)`` (``upper``) or ``P(X <= k)`` for ``X ~ Binomial(n, p)``, exactly."""
    if p <= 0.0:
        return 1.0 if (not upper or k <= 0) else 0.0
    if p >= 1.0:
        return 1.0 if (upper or k >= n) else 0.0
    logs = _log_pmf(n, p)
    part = logs[max(k, 0) :] if upper else logs[: k + 1]
    if part.size == 0:
        return 0.0
    return float(min(1.0, math.exp(np.logaddexp.reduce(part))))


def _solve(f: Callable[[float], float], target: float, *, increasing: bool) -> float:
    """The p in (0, 1) with ``f(p) == target`` for ``f`` monotone in p (bisection to machine precision)."""
    lo, hi = 0.0, 1.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if (f(mid) < target) == increasing:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def one_sided_bounds(k: int, n: int, alpha: float) -> tuple[float, float]:
    """One-sided Clopper-Pearson bounds at level ``alpha`` each: ``(lower, upper)`` for ``k`` of ``n``.

    ``lower`` solves ``P(X >= k | p) = alpha`` (0 when ``k == 0``); ``upper``
    solves ``P(X <= k | p) = alpha`` (1 when ``k == n``).
    """
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= k <= n:
        raise ValueError(f"k={k} must be between 0 and n={n}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha={alpha} must be in (0, 1)")
    lower = 0.0 if k == 0 else _solve(lambda p: binomial_tail(k, n, p, upper=True), alpha, increasing=True)
    upper = 1.0 if k == n else _solve(lambda p: binomial_tail(k, n, p, upper=False), alpha, increasing=False)
    return lower, upper


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided Clopper-Pearson interval for a binomial rate (``alpha / 2`` in each tail)."""
    return one_sided_bounds(k, n, (1.0 - confidence) / 2.0)


def eps_lower_bound(
    tp: int, n_pos: int, fp: int, n_neg: int, *, delta: float = 0.0, confidence: float = 0.95
) -> dict[str, float]:
    """Epsilon lower bound from a test's hits: ``tp`` of ``n_pos`` runs on D', ``fp`` of ``n_neg`` runs on D.

    The four one-sided rate bounds (lower and upper for each of TPR and FPR)
    are each at level ``(1 - confidence) / 4``, so they hold together with
    probability ``confidence`` and every direction below is valid at once:
    ``TPR <= e^eps FPR + delta`` and ``TNR <= e^eps FNR + delta`` (the test
    points at D'), and the same with the roles of D and D' swapped (it points
    at D). ``eps_lower`` is their maximum, floored at 0.
    """
    a = (1.0 - confidence) / 4.0
    tpr_lo, tpr_hi = one_sided_bounds(tp, n_pos, a)
    fpr_lo, fpr_hi = one_sided_bounds(fp, n_neg, a)

    def direction(num: float, den: float) -> float:
        if num - delta <= 0:
            return 0.0
        return math.inf if den <= 0 else max(0.0, math.log((num - delta) / den))

    dirs = {
        "eps_direction_tpr": direction(tpr_lo, fpr_hi),  # P[E | D'] vs P[E | D]
        "eps_direction_tnr": direction(1.0 - fpr_hi, 1.0 - tpr_lo),  # P[not E | D] vs P[not E | D']
        "eps_direction_fpr": direction(fpr_lo, tpr_hi),  # P[E | D] vs P[E | D']
        "eps_direction_fnr": direction(1.0 - tpr_hi, 1.0 - fpr_lo),  # P[not E | D'] vs P[not E | D]
    }
    return {
        "eps_lower": max(dirs.values()),
        **dirs,
        "tpr": tp / n_pos if n_pos else float("nan"),
        "fpr": fp / n_neg if n_neg else float("nan"),
        "tpr_lower": tpr_lo,
        "tpr_upper": tpr_hi,
        "fpr_lower": fpr_lo,
        "fpr_upper": fpr_hi,
    }


def max_eps_lower(runs_per_side: int, *, delta: float = 0.0, confidence: float = 0.95) -> float:
    """The largest ``eps_lower`` any test can reach with ``runs_per_side`` evaluation runs (a perfect test)."""
    n = runs_per_side
    return float(eps_lower_bound(n, n, 0, n, delta=delta, confidence=confidence)["eps_lower"])
