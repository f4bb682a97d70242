"""One normalisation rule for data and metadata (strip, NFC) and the declared-categories check before a run."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from safedata_core import Engine, Metadata, Table
from safedata_core.data.normalize import category_warnings, normalize_categories, normalize_frame, normalize_text

DECOMPOSED = unicodedata.normalize("NFD", "Montréal")  # 'e' + combining acute accent


def test_the_rule_strips_and_composes() -> None:
    assert normalize_text("  Married \t") == "Married"
    assert normalize_text(DECOMPOSED) == "Montréal" and len(normalize_text(DECOMPOSED)) == 8


def test_categories_are_normalised_and_deduplicated_keeping_non_text() -> None:
    assert normalize_categories(["A ", "A", DECOMPOSED, 3, 3]) == ["A", "Montréal", 3]
    assert normalize_categories(None) is None


def test_frame_values_are_normalised_and_missing_kept() -> None:
    df = pd.DataFrame({"city": [" Montréal", DECOMPOSED + " ", None, "Oslo"], "n": [1.0, 2.0, np.nan, 4.0]})
    out = normalize_frame(df)
    assert out["city"].tolist()[:2] == ["Montréal", "Montréal"] and out["city"].isna().tolist()[2]
    assert out["city"].tolist()[3] == "Oslo"
    pd.testing.assert_series_equal(out["n"], df["n"])
    clean = pd.DataFrame({"a": ["x", "y"]})
    assert normalize_frame(clean) is clean  # nothing to change: no copy


def test_a_trailing_space_in_metadata_matches_the_data() -> None:
    # issue 16: a category copied from a codebook with a trailing space never matched
    meta = Metadata.from_dict({"columns": {"status": {"type": "categorical", "categories": ["Married ", "Single"]}}})
    table = Table.from_dataframe(pd.DataFrame({"status": ["Married", " Single", "Married"]}), meta)
    assert table.metadata.columns["status"].categories == ["Married", "Single"]
    assert set(table.df["status"]) == {"Married", "Single"}
    assert category_warnings(table) == []


def test_warnings_name_unmatched_declared_categories_and_count_outside_values() -> None:
    meta = Metadata.from_dict({"columns": {"status": {"type": "categorical", "categories": ["Maried", "Single"]}}})
    df = pd.DataFrame({"status": ["Married", "Single", "Married", "Widowed", None]})
    lines = category_warnings(Table.from_dataframe(df, meta))
    assert len(lines) == 2
    assert "'Maried' matches no value" in lines[0]
    assert "3 values are outside the declared categories" in lines[1]
    assert "Widowed" not in " ".join(lines) and "'Married'" not in " ".join(lines)  # data values never printed


def test_inferred_categories_are_not_checked() -> None:
    table = Table.from_dataframe(pd.DataFrame({"status": ["a", "b"]}))
    assert category_warnings(table) == []


def test_a_run_warns_before_any_step(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    pd.DataFrame({"status": ["Married", "Single", "Widowed"] * 20, "age": range(60)}).to_csv(data, index=False)
    meta = tmp_path / "m.yaml"
    meta.write_text("columns:\n  status: {type: categorical, categories: ['Married ', Single, Divorced]}\n")
    p = {
        "name": "t",
        "data": {"source": str(data), "metadata": str(meta)},
        "steps": [{"id": "profile", "use": "profile"}],
        "seed": 1,
    }
    result = Engine(autoload=False).run(p)
    assert result.ok, result.error
    found = [w for w in result.report["warnings"] if w.startswith("column 'status'")]
    assert found == [
        "column 'status': declared category 'Divorced' matches no value in the data (check the spelling in the "
        "metadata)",
        "column 'status': 20 values are outside the declared categories (components that use the declared "
        "domain cannot represent them; declare every category)",
    ]
    assert any(w.code == "data.categories" for w in result.record.warnings)
