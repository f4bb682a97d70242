"""DP primitives on counts computed over partitions: the same charges and noise as the in-memory primitives.

:func:`noisy_histogram_counts` is :func:`~safedata_core.privacy.noisy_histogram`
for a count vector that was computed exactly elsewhere (e.g. by
:func:`~safedata_core.execution.counts.marginal_counts` over Dask partitions):
it charges and noises through :func:`~safedata_core.privacy.add_noise` with the
same mechanism and parameters, so the ledger of a Dask run is that of a local one.
:func:`dask_noisy_histogram` counts integer codes of a Dask table and noises them once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.errors import DataError, PrivacyBudgetError
from safedata_core.execution.counts import marginal_counts
from safedata_core.privacy import BudgetShare, DiscreteGaussian, DiscreteLaplace, add_noise
from safedata_core.privacy.noising import gaussian_multiplier

__all__ = ["dask_noisy_histogram", "noisy_histogram_counts"]


def noisy_histogram_counts(
    counts: np.ndarray,
    *,
    budget: BudgetShare,
    epsilon: float,
    mechanism: str = "laplace",
    delta: float = 0.0,
    note: str = "",
) -> np.ndarray:
    """Exact ``counts`` (one record in one cell) plus the noise ``noisy_histogram`` would add, charged alike."""
    where = f"noisy_histogram ({note or 'histogram'})"
    if not (isinstance(epsilon, (int, float)) and np.isfinite(epsilon) and epsilon > 0):
        raise PrivacyBudgetError(f"{where}: epsilon={epsilon!r} must be a finite number > 0")
    x = np.asarray(counts, dtype=float)
    if x.size and (x.min() < 0 or not np.array_equal(x, np.rint(x))):
        raise DataError(f"{where}: counts must be non-negative whole numbers (count records, then noise them)")
    if mechanism in ("laplace", "geometric"):
        return add_noise(budget, DiscreteLaplace(1, epsilon), x, note=note)
    if mechanism == "gaussian":
        if not delta > 0:
            raise PrivacyBudgetError(f"{where}: the gaussian mechanism needs delta > 0; pass delta=... or use laplace")
        return add_noise(budget, DiscreteGaussian(gaussian_multiplier(epsilon, delta), 1.0, delta), x, note=note)
    raise PrivacyBudgetError(f"{where}: unknown mechanism '{mechanism}'; choose laplace, geometric or gaussian")


def dask_noisy_histogram(
    ddf: Any,
    encode: Callable[[pd.DataFrame], np.ndarray],
    n_cells: int,
    *,
    budget: BudgetShare,
    epsilon: float,
    mechanism: str = "laplace",
    delta: float = 0.0,
    note: str = "",
) -> np.ndarray:
    """``noisy_histogram`` of the codes ``encode`` gives each partition (a 1-column matrix), counted in one pass."""
    (counts,) = marginal_counts(ddf, encode, [(0,)], [n_cells])
    return noisy_histogram_counts(counts, budget=budget, epsilon=epsilon, mechanism=mechanism, delta=delta, note=note)
