"""DP histograms from counts over partitions: the same charge and the same noise as ``noisy_histogram``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from safedata_core.errors import DataError, PrivacyBudgetError
from safedata_core.execution.primitives import dask_noisy_histogram, noisy_histogram_counts
from safedata_core.privacy import noisy_histogram
from safedata_core.testing import make_budget


def events(budget: Any) -> list[Any]:
    return [(e.mechanism, e.epsilon, e.delta, e.params) for e in budget.events()]


@pytest.mark.parametrize(("mechanism", "delta"), [("laplace", 0.0), ("gaussian", 1e-6)])
def test_counts_path_equals_the_codes_path(mechanism: str, delta: float) -> None:
    codes = np.random.default_rng(0).integers(0, 6, 400)
    a, b = make_budget(1.0, 1e-5, noise_seed=3), make_budget(1.0, 1e-5, noise_seed=3)
    want = noisy_histogram(codes, 6, budget=a, epsilon=0.5, mechanism=mechanism, delta=delta, note="h")  # type: ignore[arg-type]
    got = noisy_histogram_counts(
        np.bincount(codes, minlength=6), budget=b, epsilon=0.5, mechanism=mechanism, delta=delta, note="h"
    )
    np.testing.assert_array_equal(got, want)
    assert events(a) == events(b)
    assert events(a) == events(b) and len(events(a)) == 1


def test_counts_must_be_counts_and_the_mechanism_known() -> None:
    budget = make_budget(1.0, 1e-5)
    with pytest.raises(DataError, match="whole numbers"):
        noisy_histogram_counts(np.array([1.5, 2.0]), budget=budget, epsilon=1.0)
    with pytest.raises(PrivacyBudgetError, match="unknown mechanism"):
        noisy_histogram_counts(np.array([1, 2]), budget=budget, epsilon=1.0, mechanism="nope")
    with pytest.raises(PrivacyBudgetError, match="needs delta"):
        noisy_histogram_counts(np.array([1, 2]), budget=budget, epsilon=1.0, mechanism="gaussian")
    assert not budget.events()


def _codes(pdf: pd.DataFrame) -> np.ndarray:
    return pdf[["c"]].to_numpy(dtype=np.int64)


def test_dask_histogram_counts_over_partitions(session: Any) -> None:
    import dask.dataframe as dd

    df = pd.DataFrame({"c": np.random.default_rng(1).integers(0, 4, 300)})
    a, b = make_budget(1.0, 1e-5, noise_seed=5), make_budget(1.0, 1e-5, noise_seed=5)
    want = noisy_histogram(df["c"].to_numpy(), 4, budget=a, epsilon=1.0, note="c")
    got = dask_noisy_histogram(dd.from_pandas(df, npartitions=3), _codes, 4, budget=b, epsilon=1.0, note="c")
    np.testing.assert_array_equal(got, want)
    assert events(a) == events(b)
