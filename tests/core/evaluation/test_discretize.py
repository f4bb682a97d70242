"""Shared discretisation never fails on awkward numbers: constant huge values, ranges wider than float64."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safedata_core.evaluation import discretize

AWKWARD = [[2.9e105] * 3, [-1e308, 1e308], [0.0, -2.36e73, 0.0], [5.0], [1e300, 1e300 * (1 + 1e-15)]]


@pytest.mark.parametrize("values", AWKWARD)
@pytest.mark.parametrize("bins", [1, 2, 10, 50])
def test_shared_codes_on_awkward_columns(values: list[float], bins: int) -> None:
    codes, other, n = discretize.shared_codes(
        pd.Series(values), pd.Series([values[0], np.nan]), numeric=True, bins=bins
    )
    assert codes.max() < n - 1 and other[-1] == n - 1  # present values below the missing code


@pytest.mark.parametrize("values", AWKWARD)
def test_edges_always_increase(values: list[float]) -> None:
    edges = discretize.bin_edges(np.array(values), 10)
    assert edges.size >= 2 and np.all(np.isfinite(edges)) and np.all(edges[1:] > edges[:-1])


def test_ordinary_columns_keep_numpy_edges() -> None:
    x = np.array([1.0, 2.0, 3.5, 7.0])
    np.testing.assert_array_equal(discretize.bin_edges(x, 10), np.histogram_bin_edges(x, bins=10))
