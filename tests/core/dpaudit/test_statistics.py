"""Canary statistics: counts of release rows that match the canary, in a fixed order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safedata_core.dpaudit.canary import make_canary
from safedata_core.dpaudit.statistics import compute_statistics, statistic_names
from safedata_core.testing import tiny_table


def test_statistics_count_rows_like_the_canary() -> None:
    t = tiny_table(50, seed=4)
    c = make_canary(t)
    names = statistic_names(t.metadata)
    release = pd.concat([t.df, pd.DataFrame([c] * 3)], ignore_index=True)
    base = dict(zip(names, compute_statistics(t.df, c, t.metadata), strict=True))
    more = dict(zip(names, compute_statistics(release, c, t.metadata), strict=True))
    assert len(names) == len(set(names)) == len(base)
    # three copies of the canary add exactly three to every count that they match, and make a full match
    assert more["col:region"] - base["col:region"] == 3
    assert more["pair:age~0.02&region"] - base["pair:age~0.02&region"] == 3
    assert more["atleast:5"] == base["atleast:5"] + 3 and more["max_columns"] == 5
    assert np.all(np.array(list(more.values())) >= np.array(list(base.values())))


def test_missing_canary_values_match_missing_cells() -> None:
    t = tiny_table(40, seed=5)
    c = {**make_canary(t), "region": None}
    names = statistic_names(t.metadata)
    stats = dict(zip(names, compute_statistics(t.df, c, t.metadata), strict=True))
    assert stats["col:region"] == int(t.df["region"].isna().sum()) > 0
