"""safedata_core.inventory.qi: which columns are suggested as quasi-identifiers and sensitive attributes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safedata_core.inventory.qi import suggest_quasi_identifiers, suggest_sensitive, uniqueness_drivers


def test_names_findings_and_dates_are_quasi_identifiers_in_column_order():
    df = pd.DataFrame(
        {
            "record": ["a", "b", "c"],
            "Age": [30, 40, 50],
            "code": ["SW1A 1AA", "EC1A 1BB", "W1A 0AX"],
            "visited": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01"]),
            "zipCode": ["10115", "10117", "10119"],
            "notes": ["x", "y", "z"],
        }
    )
    types = {"record": "categorical", "Age": "integer", "code": "categorical", "visited": "datetime"}
    types |= {"zipCode": "categorical", "notes": "text"}
    findings = {
        "code": [{"category": "quasi_identifier", "confidence": 0.9, "kind": "postal_code", "reason": "UK postcodes"}],
        # too weak a finding is not enough on its own
        "record": [{"category": "quasi_identifier", "confidence": 0.5, "kind": "postal_code", "reason": "weak"}],
    }
    out = suggest_quasi_identifiers(df, types, findings, exclude=["zipCode"])
    assert out == [
        {"column": "Age", "reason": "name suggests a demographic attribute", "category": "demographic"},
        {"column": "code", "reason": "UK postcodes", "category": "postal_code"},
        {"column": "visited", "reason": "dates are quasi-identifiers", "category": "date"},
    ]


def test_without_any_hint_the_uniqueness_drivers_are_suggested():
    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame(
        {
            "a": rng.integers(0, 30, n),  # 30 values: many records alone in their class
            "b": rng.integers(0, 2, n),
            "constant": np.zeros(n, dtype=int),
        }
    )
    types = {"a": "integer", "b": "integer", "constant": "integer"}
    out = suggest_quasi_identifiers(df, types, {}, exclude=[])
    assert [o["column"] for o in out] == [name for name, _ in uniqueness_drivers(df, types, exclude=set())]
    assert out[0]["column"] == "a" and all(o["category"] == "uniqueness" for o in out)
    assert "constant" not in [o["column"] for o in out]


def test_uniqueness_drivers_count_the_sample_uniques_each_column_adds():
    # 20 rows (a candidate may have up to 20 // 5 = 4 values). x: 0 x9, 1 x9, 2 x1, 3 x1 -> 2 sample uniques;
    # y alone (a x18, b x2) -> none. Adding y to x splits (0, b) off the nine 0s: 3 uniques, 1 more.
    x = [0] * 9 + [1] * 9 + [2, 3]
    y = ["a"] * 8 + ["b"] + ["a"] * 9 + ["a", "b"]
    df = pd.DataFrame({"x": x, "y": y})
    drivers = uniqueness_drivers(df, {"x": "integer", "y": "categorical"}, exclude=set())
    assert drivers == [("x", 2), ("y", 1)]


def test_uniqueness_drivers_leave_out_identifier_like_and_excluded_columns():
    n = 50
    df = pd.DataFrame({"id": np.arange(n), "g": np.arange(n) % 5, "h": np.arange(n) % 7})
    types = {"id": "integer", "g": "integer", "h": "integer"}
    chosen = [c for c, _ in uniqueness_drivers(df, types, exclude={"h"})]
    assert chosen == ["g"]  # id has more than n/5 distinct values; h is excluded


def test_sensitive_columns_need_a_sensitive_name_and_more_than_one_value():
    df = pd.DataFrame(
        {
            "Annual income": [1, 2, 3],
            "salary": [5, 5, 5],  # one value: nothing to disclose
            "diagnosis_code": ["a", None, "a"],  # one value plus missing: two
            "city": ["x", "y", "z"],
        }
    )
    types = {c: "categorical" for c in df.columns}
    found = suggest_sensitive(df, types, exclude=[])
    assert "Annual income" in found and "salary" not in found and "city" not in found
    assert suggest_sensitive(df, types, exclude=["Annual income"]) == [c for c in found if c != "Annual income"]
