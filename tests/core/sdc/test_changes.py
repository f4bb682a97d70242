"""The change report of SDC methods: changed cells, per-column counts, targeted records, risk blocks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safedata_core.sdc import base_changes, changed_cells, risk_block


def test_changed_cells_treats_missing_as_equal_to_missing() -> None:
    before = pd.DataFrame({"a": [1.0, np.nan, 3.0, np.nan], "b": ["x", "y", None, "z"]})
    after = pd.DataFrame({"a": [1.0, np.nan, 4.0, 5.0], "b": ["x", "w", None, None]})
    assert changed_cells(before, after).tolist() == [[False, False], [False, True], [True, False], [True, True]]
    assert changed_cells(before, after, ["b"]).tolist() == [[False], [True], [False], [True]]


def test_risk_block_adds_the_methods_own_k() -> None:
    df = pd.DataFrame({"a": ["x", "x", "x", "y"], "b": [1, 1, 2, 2]})
    plain = risk_block(df, ["a", "missing_column"])
    assert plain["quasi_identifiers"] == ["a"] and plain["k_anonymity"] == 1 and "k" not in plain
    block = risk_block(df, ["a", "b"], k=2)
    assert block["k"] == 2 and block["records_below_target_k"] == 2
    assert risk_block(df, [], k=3)["records_below_target_k"] == 0


def test_base_changes_counts_records_cells_columns_and_targets() -> None:
    before = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": [1, 2, 3, 4], "c": [0, 0, 0, 0]})
    after = pd.DataFrame({"a": ["x", "*", "*", "y"], "b": [1, 2, 9, 4], "c": [0, 0, 0, 0]})
    out = base_changes(before, after, method="m", qis=["a"], k=2, targeted=np.array([False, True, True, False]))
    assert out["method"] == "m" and out["records"] == 4
    assert out["records_modified"] == 2 and out["cells_modified"] == 3
    assert out["cells_modified_by_column"] == {"a": 2, "b": 1}
    assert out["records_targeted"] == 2
    assert out["risk_before"]["k_anonymity"] == 2 and out["risk_after"]["k_anonymity"] == 1
    assert out["risk_after"]["records_below_target_k"] == 2
    assert base_changes(before, before, method="m", qis=["a"])["records_targeted"] == 4  # no mask: all records


def test_pd_na_cells_compare_as_missing() -> None:
    before = pd.DataFrame({"a": pd.array([1, 2, None], dtype="Int64"), "b": ["x", None, "y"]})
    after = pd.DataFrame({"a": pd.array([1, None, None], dtype="Int64"), "b": ["x", np.nan, pd.NA]})
    assert changed_cells(before, after).tolist() == [[False, False], [True, False], [False, True]]
