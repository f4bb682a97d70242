"""The canary: inside the public domain, rare in D, and D' differs from D by exactly that record."""

from __future__ import annotations

import pandas as pd
import pytest

from safedata_core.data import Metadata, Table
from safedata_core.dpaudit.canary import audit_table, canary_row_count, make_canary, neighbours
from safedata_core.errors import DataError
from safedata_core.testing import tiny_table


def test_canary_is_in_domain_and_rare() -> None:
    t = tiny_table(200, seed=0)
    c = make_canary(t)
    meta = t.metadata.columns
    assert c["age"] in meta["age"].bounds and c["income"] in meta["income"].bounds
    assert c["age"] == 90  # tiny_table draws ages 18..89: the upper bound has no neighbours
    assert c["income"] == 200_000
    assert c["region"] == "west"  # the rarest declared region
    assert c["smoker"] is True  # about a quarter smoke


def test_neighbours_differ_by_the_canary_only() -> None:
    t = tiny_table(120, seed=2)
    c = make_canary(t)
    d, dprime = neighbours(t, c)
    assert len(dprime) == len(d) + 1
    assert canary_row_count(d, c) == 0 and canary_row_count(dprime, c) == 1
    pd.testing.assert_frame_equal(dprime.df.iloc[:-1].reset_index(drop=True), d.df.reset_index(drop=True))
    assert dprime.metadata == d.metadata


def test_undeclared_domains_are_refused() -> None:
    df = tiny_table(30).df.assign(extra=["a", "b", "c"] * 10)
    table = Table.from_dataframe(df, Metadata(columns=dict(tiny_table(30).metadata.columns)))
    with pytest.raises(DataError, match="'extra' has no declared public domain"):
        make_canary(table)


def test_adult_audit_table_is_fully_declared() -> None:
    t = audit_table("builtin:adult", 300, seed=1)
    assert len(t) == 300
    assert all(m.is_public_domain for m in t.metadata.columns.values())
    with pytest.raises(DataError, match="--rows"):
        audit_table("builtin:adult", 10**7)
