"""Gower encoding and chunked nearest neighbours agree with a direct implementation of the definition."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safedata_core.data import Table
from safedata_core.evaluation import encode_gower, gower_distances, nearest_neighbors, shared_nearest
from safedata_core.evaluation import neighbors as nb
from safedata_core.testing.fixtures import tiny_table


def _direct(a: pd.DataFrame, b: pd.DataFrame, numeric: list[str], cats: list[str]) -> np.ndarray:
    both = pd.concat([a, b])
    out = np.zeros((len(a), len(b)))
    for c in numeric:
        x, y = a[c].to_numpy(float), b[c].to_numpy(float)
        span = np.nanmax(both[c]) - np.nanmin(both[c])
        d = np.abs(x[:, None] - y[None, :]) / span
        mx, my = np.isnan(x)[:, None], np.isnan(y)[None, :]
        out += np.where(mx & my, 0.0, np.where(mx | my, 1.0, d))
    for c in cats:
        x, y = (s.astype(str).where(s.notna(), "<NA>").to_numpy() for s in (a[c], b[c]))
        out += x[:, None] != y[None, :]
    return out / (len(numeric) + len(cats))


def test_gower_matches_definition_with_missing_values() -> None:
    a, b = tiny_table(40, seed=1), tiny_table(60, seed=2)
    enc = encode_gower([a, b], a.columns)
    got = gower_distances(enc[0], enc[1])
    want = _direct(a.df, b.df, ["age", "income"], ["sex", "region", "smoker"])
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_nearest_neighbors_chunked_equals_full(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    a, b = tiny_table(70, seed=3), tiny_table(90, seed=4)
    enc = encode_gower([a, b], a.columns)
    full = gower_distances(enc[0], enc[1])
    monkeypatch.setattr(nb, "BLOCK_CELLS", 300)  # many blocks, run on threads
    dist, idx = nearest_neighbors(enc[0], enc[1], 3, workers=2)
    np.testing.assert_allclose(dist, np.sort(full, axis=1)[:, :3], atol=1e-12)
    np.testing.assert_allclose(np.take_along_axis(full, idx, axis=1), dist, atol=1e-12)


def test_high_cardinality_categories_compared_by_code(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(nb, "MAX_ONEHOT_CODES", 2)
    a, b = tiny_table(30, seed=5), tiny_table(30, seed=6)
    enc = encode_gower([a, b], a.columns)
    want = _direct(a.df, b.df, ["age", "income"], ["sex", "region", "smoker"])
    np.testing.assert_allclose(gower_distances(enc[0], enc[1]), want, atol=1e-12)


def test_exact_copy_has_distance_zero_and_shared_nearest_links_it() -> None:
    t = tiny_table(50, seed=7)
    enc = encode_gower([t, t], t.columns)
    dist, _idx = nearest_neighbors(enc[0], enc[1], 1)
    assert np.all(dist[:, 0] == 0)
    va = encode_gower([t, t], ["age", "sex"])
    vb = encode_gower([t, t], ["income", "region"])
    assert shared_nearest((va[0], vb[0]), (va[1], vb[1]), 1).all()


def test_datetime_columns_are_numeric() -> None:
    df = pd.DataFrame({"d": pd.to_datetime(["2020-01-01", "2020-01-11", None]), "c": ["a", "b", "a"]})
    t = Table.from_dataframe(df)
    enc = encode_gower([t, t], ["d", "c"])
    d = gower_distances(enc[0], enc[1])
    assert d[0, 1] == 1.0  # 10 days = full range (0.5) + different category (0.5)
    assert d[0, 2] == 0.5 and d[2, 2] == 0.0


def test_empty_candidates_are_a_component_error() -> None:
    import pytest

    from safedata_core.errors import ComponentError

    t = tiny_table(5)
    enc, empty = encode_gower([t, t.with_df(t.df.iloc[:0])], t.columns)
    with pytest.raises(ComponentError, match="table to search is empty"):
        nearest_neighbors(enc, empty, 1)
