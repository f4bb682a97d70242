"""HyperLogLog distinct counts: within a few standard errors, mergeable by maximum."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safedata_core.execution.hll import estimate, registers


def test_estimates_are_close_and_merge_by_maximum() -> None:
    rng = np.random.default_rng(0)
    for n in (1, 50, 5_000, 200_000):
        values = rng.normal(size=n)
        half = registers(values[: n // 2]), registers(values[n // 2 :])
        merged = np.maximum(*half)
        np.testing.assert_array_equal(merged, registers(values))
        assert abs(estimate(merged) - n) <= max(2, 0.04 * n)  # 0.8% standard error: 5 sigma


def test_duplicates_and_missing_values_do_not_count() -> None:
    s = pd.Series(["a", "b", None, "a", np.nan] * 1000)
    assert round(estimate(registers(s))) == 2
    assert estimate(registers(pd.Series([], dtype=float))) == 0.0
