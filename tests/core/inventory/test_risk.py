"""k-anonymity figures against a direct pandas group-by; rare combinations; class-size buckets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safedata_core.data import load_builtin
from safedata_core.inventory.keys import group_ids
from safedata_core.inventory.risk import (
    class_size_distribution,
    class_sizes,
    k_anonymity_summary,
    rare_combinations,
    rare_mask,
    uniqueness_contribution,
)

QIS = ["age", "sex", "race", "native_country", "marital_status"]


def _direct(df: pd.DataFrame, qis: list[str]) -> np.ndarray:
    return df.groupby(qis, dropna=False)[qis[0]].transform("size").to_numpy()


def test_k_anonymity_equals_pandas_groupby_on_adult() -> None:
    df = load_builtin("adult")
    sizes = _direct(df, QIS)
    summary = k_anonymity_summary(df, QIS)
    assert summary["k_anonymity"] == sizes.min()
    assert summary["records_below_k"] == {str(k): int((sizes < k).sum()) for k in (2, 3, 5, 10)}
    assert summary["sample_uniques"] == int((sizes == 1).sum()) > 0
    assert summary["equivalence_classes"] == df.groupby(QIS, dropna=False).ngroups
    assert np.array_equal(class_sizes(df, QIS), sizes)


def test_missing_is_its_own_class() -> None:
    df = pd.DataFrame({"a": ["x", None, None, "x"], "b": [1.0, np.nan, np.nan, 2.0]})
    assert class_sizes(df, ["a", "b"]).tolist() == [1, 2, 2, 1]
    assert rare_mask(df, ["a", "b"], 2).tolist() == [True, False, False, True]


def test_group_ids_many_high_cardinality_columns() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({f"c{i}": rng.integers(0, 5000, 20000) for i in range(8)})  # radix overflows int64
    ids, n = group_ids(df, list(df.columns))
    assert n == df.drop_duplicates().shape[0]
    assert np.array_equal(np.bincount(ids)[ids], _direct(df, list(df.columns)))


def test_rare_combinations_smallest_first() -> None:
    df = pd.DataFrame({"a": ["x"] * 5 + ["y"] * 2 + ["z"], "b": [1] * 8})
    rare = rare_combinations(df, ["a", "b"], 3, limit=1)
    assert rare["count"] == 2 and rare["records"] == 3 and rare["truncated"]
    assert rare["combinations"] == [{"values": {"a": "z", "b": 1}, "count": 1}]


def test_class_size_distribution_and_contribution() -> None:
    sizes = np.array([1, 2, 2, 5, 5, 5, 5, 5])
    dist = {d["size"]: (d["records"], d["classes"]) for d in class_size_distribution(sizes)}
    assert dist["1"] == (1, 1) and dist["2"] == (2, 1) and dist["5-9"] == (5, 1)
    df = pd.DataFrame({"a": [1, 1, 2, 2], "b": [1, 2, 1, 1]})
    # both: 2 uniques, (1,1) and (1,2); a alone: none (so b adds 2); b alone: b=2 (so a adds 1)
    assert uniqueness_contribution(df, ["a", "b"]) == {"a": 1, "b": 2}
