"""changed_cells: missing values of any kind (None, NaN, pd.NA) compare without errors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safedata_core.sdc.changes import changed_cells


def test_pd_na_cells_compare_as_missing() -> None:
    before = pd.DataFrame({"a": pd.array([1, 2, None], dtype="Int64"), "b": ["x", None, "y"]})
    after = pd.DataFrame({"a": pd.array([1, None, None], dtype="Int64"), "b": ["x", np.nan, pd.NA]})
    assert changed_cells(before, after).tolist() == [[False, False], [True, False], [False, True]]
