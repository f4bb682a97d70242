"""Numeric perturbation: additive or multiplicative noise, and top/bottom coding."""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = ["add_noise", "top_bottom_code"]


def add_noise(
    x: np.ndarray, *, kind: Literal["additive", "multiplicative"], level: float, rng: np.random.Generator
) -> np.ndarray:
    """Noisy copy of ``x`` (NaN stays NaN).

    additive: ``x + N(0, (level * sd(x))^2)`` with the population sd of the
    non-missing values given; multiplicative: ``x * (1 + N(0, level^2))``.
    """
    x = np.asarray(x, dtype=float)
    e = rng.standard_normal(len(x))
    if kind == "additive":
        sd = float(np.nanstd(x)) if np.isfinite(x).any() else 0.0
        return x + level * sd * e
    return x * (1.0 + level * e)


def top_bottom_code(
    x: np.ndarray, *, top: float | None, bottom: float | None, replace_with: Literal["threshold", "mean"]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Replace values above ``top`` / below ``bottom``; returns (new values, top mask, bottom mask).

    ``threshold`` replaces them by the threshold itself, ``mean`` by the mean of
    the values coded on that side (so the column total is kept).
    """
    x = np.asarray(x, dtype=float)
    out = x.copy()
    hi = np.zeros(len(x), dtype=bool) if top is None else (x > top)
    lo = np.zeros(len(x), dtype=bool) if bottom is None else (x < bottom)
    if hi.any():
        out[hi] = top if replace_with == "threshold" else x[hi].mean()
    if lo.any():
        out[lo] = bottom if replace_with == "threshold" else x[lo].mean()
    return out, hi, lo
