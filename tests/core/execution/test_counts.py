"""Exact counts over partitions equal the in-memory counts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from safedata_core.execution.counts import group_counts, marginal_counts, partition_reduce


def codes_frame(n: int = 1000) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame({"a": rng.integers(0, 4, n), "b": rng.integers(0, 3, n), "c": rng.integers(0, 5, n)})


def encode(pdf: pd.DataFrame) -> np.ndarray:
    return pdf[["a", "b", "c"]].to_numpy(dtype=np.int64)


def test_marginals_equal_local_bincounts(session: Any) -> None:
    import dask.dataframe as dd

    df = codes_frame()
    ddf = dd.from_pandas(df, npartitions=7)
    dom = [4, 3, 5]
    sets = [(0,), (0, 1), (1, 2), (0, 1, 2), ()]
    got = marginal_counts(ddf, encode, sets, dom)
    for attrs, counts in zip(sets, got, strict=True):
        want = df.groupby([["a", "b", "c"][i] for i in attrs]).size() if attrs else None
        if attrs:
            dense = np.zeros([dom[i] for i in attrs])
            for key, value in want.items():
                dense[key if isinstance(key, tuple) else (key,)] = value
            np.testing.assert_array_equal(counts, dense)
        else:
            assert counts.shape == () and float(counts) == len(df)


def test_group_counts_keep_missing_keys_and_sum_weights(session: Any) -> None:
    import dask.dataframe as dd

    df = pd.DataFrame(
        {
            "k": ["x", None, "y", "x", None, "x"] * 50,
            "v": [1.0, 2.0, np.nan, 1.0, 2.0, np.nan] * 50,
            "w": [0.5, 1.0, 2.0, 1.5, 1.0, 1.0] * 50,
        }
    )
    (got,) = group_counts(dd.from_pandas(df, npartitions=4), [["k", "v"]], weight="w")
    want = df.groupby(["k", "v"], dropna=False).agg(__count=("w", "size"), __weight=("w", "sum")).reset_index()
    got = got.sort_values(["k", "v"], na_position="last").reset_index(drop=True)
    want = want.sort_values(["k", "v"], na_position="last").reset_index(drop=True)
    assert got["__count"].tolist() == want["__count"].tolist()
    np.testing.assert_allclose(got["__weight"], want["__weight"])
    assert got["__count"].sum() == len(df)


def _rows(pdf: pd.DataFrame) -> dict[str, Any]:
    return {"rows": np.array([len(pdf)]), "parts": [np.ones(1)]}


def test_partition_reduce_adds_nested_results_in_a_tree(session: Any) -> None:
    import dask.dataframe as dd

    out = partition_reduce(dd.from_pandas(codes_frame(1000), npartitions=20), _rows)
    assert int(out["rows"][0]) == 1000
    assert float(out["parts"][0][0]) == 20
