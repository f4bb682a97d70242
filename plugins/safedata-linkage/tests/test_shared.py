"""shared_nearest_unique gives exactly the core's shared_nearest answer (ties, weights, missing values, k)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safedata_linkage.shared import shared_nearest_unique

from safedata_core.data import Table
from safedata_core.data.io import read_table
from safedata_core.evaluation import encode_gower, shared_nearest
from safedata_core.testing.fixtures import tiny_table


@pytest.fixture(scope="module")
def adult() -> Table:
    return read_table("builtin:adult")


def _both(released: Table, targets: Table, a: list[str], b: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    views = [encode_gower([released, targets], aux) for aux in (a, b)]
    queries, candidates = (views[0][1], views[1][1]), (views[0][0], views[1][0])
    return shared_nearest(queries, candidates, k), shared_nearest_unique(queries, candidates, k)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize(
    "views",
    [
        (["fnlwgt", "hours_per_week", "age", "education", "occupation"], ["capital_gain", "native_country", "sex"]),
        (["age", "fnlwgt"], ["capital_gain", "hours_per_week"]),  # numbers only: one group
        (["workclass", "sex"], ["race", "income"]),  # categories only: heavy ties
    ],
)
def test_same_links_as_the_core_on_adult(adult: Table, views: tuple[list[str], list[str]], k: int) -> None:
    released = adult.with_df(adult.df.sample(400, random_state=1).reset_index(drop=True))
    targets = adult.with_df(adult.df.sample(300, random_state=2).reset_index(drop=True))
    # half copies of released rows, half other rows: settled and unsettled queries together
    mixed = adult.with_df(pd.concat([released.df.iloc[:150], targets.df.iloc[:150]], ignore_index=True))
    for tgt in (targets, released, mixed):
        old, new = _both(released, tgt, *views, k)
        np.testing.assert_array_equal(new, old)
    assert 0 < old.sum() <= len(old)


@pytest.mark.parametrize("k", [1, 2])
def test_same_links_with_missing_values(k: int) -> None:
    a, b = tiny_table(250, seed=0), tiny_table(250, seed=1)
    for tgt in (a, b):
        old, new = _both(a, tgt, ["age", "region"], ["income", "smoker"], k)
        np.testing.assert_array_equal(new, old)
    assert old.dtype == bool
