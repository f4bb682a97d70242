"""Choosing the test on one half of the runs and bounding epsilon on the other.

A test is a statistic, a threshold and a direction: it says "D' was used"
when the statistic is ``>= threshold`` (``ge``) or ``<= threshold`` (``le``).
:func:`select_test` tries every statistic and every observed threshold on the
selection half and keeps the one with the largest Clopper-Pearson bound
(ties: the larger gap between the two hit rates). :func:`evaluate_test`
applies it, unchanged, to the other half; the bound from that half alone is
the audit's ``eps_lower``, valid because the test was fixed before seeing it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from safedata_core.dpaudit.bounds import eps_lower_bound, one_sided_bounds

__all__ = ["ChosenTest", "evaluate_test", "hits", "select_test"]


@dataclass(frozen=True)
class ChosenTest:
    index: int
    statistic: str
    threshold: float
    direction: str  # "ge" or "le"
    selection_eps: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": self.statistic,
            "threshold": self.threshold,
            "direction": self.direction,
            "eps_lower_on_selection_half": self.selection_eps,
        }


@lru_cache(maxsize=64)
def _bound_table(n: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    pairs = [one_sided_bounds(k, n, alpha) for k in range(n + 1)]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def _eps(tp: np.ndarray, n_pos: int, fp: np.ndarray, n_neg: int, delta: float, confidence: float) -> np.ndarray:
    """Vectorised :func:`~safedata_core.dpaudit.bounds.eps_lower_bound` (its ``eps_lower`` entry)."""
    a = (1.0 - confidence) / 4.0
    lo_pos, hi_pos = _bound_table(n_pos, a)
    lo_neg, hi_neg = _bound_table(n_neg, a)
    tpr_lo, tpr_hi, fpr_lo, fpr_hi = lo_pos[tp], hi_pos[tp], lo_neg[fp], hi_neg[fp]
    out = np.zeros(np.shape(tp), dtype=float)
    for num, den in ((tpr_lo, fpr_hi), (1 - fpr_hi, 1 - tpr_lo), (fpr_lo, tpr_hi), (1 - tpr_hi, 1 - fpr_lo)):
        with np.errstate(divide="ignore", invalid="ignore"):
            val = np.where(num - delta > 0, np.log(np.maximum(num - delta, 1e-300)) - np.log(den), 0.0)
        out = np.maximum(out, np.nan_to_num(val, nan=0.0, posinf=math.inf))
    return out


def hits(values: np.ndarray, threshold: float, direction: str) -> int:
    v = np.asarray(values, dtype=float)
    return int((v >= threshold).sum() if direction == "ge" else (v <= threshold).sum())


def select_test(
    stats_d: np.ndarray, stats_dprime: np.ndarray, names: list[str], *, delta: float, confidence: float
) -> ChosenTest:
    """The statistic, threshold and direction with the best bound on these runs (rows = runs)."""
    n_neg, n_pos = stats_d.shape[0], stats_dprime.shape[0]
    best: tuple[float, float] = (-1.0, -1.0)
    chosen = ChosenTest(0, names[0], math.inf, "ge", 0.0)
    for s, name in enumerate(names):
        a, b = stats_d[:, s], stats_dprime[:, s]
        thresholds = np.unique(np.concatenate([a, b]))
        for direction in ("ge", "le"):
            if direction == "ge":
                tp = (b[None, :] >= thresholds[:, None]).sum(axis=1)
                fp = (a[None, :] >= thresholds[:, None]).sum(axis=1)
            else:
                tp = (b[None, :] <= thresholds[:, None]).sum(axis=1)
                fp = (a[None, :] <= thresholds[:, None]).sum(axis=1)
            eps = _eps(tp, n_pos, fp, n_neg, delta, confidence)
            gap = np.abs(tp / n_pos - fp / n_neg)
            i = int(np.lexsort((gap, eps))[-1])
            key = (float(eps[i]), float(gap[i]))
            if key > best:
                best = key
                chosen = ChosenTest(s, name, float(thresholds[i]), direction, float(eps[i]))
    return chosen


def evaluate_test(
    test: ChosenTest, stats_d: np.ndarray, stats_dprime: np.ndarray, *, delta: float, confidence: float
) -> dict[str, Any]:
    """Counts and the epsilon lower bound of ``test`` on these runs."""
    fp = hits(stats_d[:, test.index], test.threshold, test.direction)
    tp = hits(stats_dprime[:, test.index], test.threshold, test.direction)
    n_neg, n_pos = stats_d.shape[0], stats_dprime.shape[0]
    out = eps_lower_bound(tp, n_pos, fp, n_neg, delta=delta, confidence=confidence)
    return {"true_positives": tp, "runs_dprime": n_pos, "false_positives": fp, "runs_d": n_neg, **out}
