"""Drafted metadata: data-derived domains are marked for review and become public only when confirmed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from safedata_core import DataError, Metadata, Table
from safedata_core.data.review import (
    REVIEW_NOTE,
    confirm_metadata,
    describe_domain,
    mark_for_review,
    metadata_text,
    needs_review,
    write_metadata,
)


def _draft() -> Metadata:
    df = pd.DataFrame({"age": [20, 35, 61], "ward": ["A", "B", "A"], "cost": [10.5, 200.25, 31.0]})
    declared = Metadata.from_dict({"columns": {"cost": {"type": "numerical", "bounds": [0, 1000]}}})
    table = Table.from_dataframe(df, declared)
    return mark_for_review(table.metadata, table.metadata)


def test_only_columns_read_from_the_data_are_marked() -> None:
    draft = _draft()
    assert needs_review(draft) == ["age", "ward"]
    assert draft.columns["age"].bounds == (20.0, 61.0) and not draft.columns["age"].is_public_domain
    assert draft.columns["cost"].is_public_domain


def test_the_file_carries_the_mark_and_loads_back_with_it(tmp_path: Path) -> None:
    draft = _draft()
    text = metadata_text(draft)
    assert text.count(f"# {REVIEW_NOTE}") == 2
    assert text.index(f"# {REVIEW_NOTE}") < text.index("  age:") and "bounds: [20, 61]" in text
    path = write_metadata(draft, tmp_path / "m.yaml")
    loaded = Metadata.load(path)
    assert needs_review(loaded) == ["age", "ward"] and loaded.columns["ward"].categories == ["A", "B"]
    # a table read with the drafted file keeps the mark: DP components treat those columns as undeclared
    table = Table.from_dataframe(pd.DataFrame({"age": [1], "ward": ["A"], "cost": [3.0]}), loaded)
    assert [c for c, m in table.metadata.columns.items() if m.inferred] == ["age", "ward"]


def test_confirm_all_or_some_and_refuse_unknown_columns() -> None:
    draft = _draft()
    assert needs_review(confirm_metadata(draft)) == []
    some = confirm_metadata(draft, ["ward"])
    assert needs_review(some) == ["age"] and some.columns["ward"].is_public_domain
    with pytest.raises(DataError, match=r"^m.yaml: no column 'wrd' to confirm \(columns are: age, ward, cost\)$"):
        confirm_metadata(draft, ["wrd"], where="m.yaml")


def test_describe_domain_shows_what_becomes_public() -> None:
    draft = _draft()
    assert describe_domain(draft.columns["age"]) == "integer, bounds [20, 61]"
    assert describe_domain(draft.columns["ward"]) == "categorical, 2 categories: A, B"
    assert describe_domain(draft.columns["cost"]) == "numerical, bounds [0, 1000]"


def test_empty_metadata_round_trips(tmp_path: Path) -> None:
    path = write_metadata(Metadata(), tmp_path / "e.yaml")
    assert Metadata.load(path).columns == {}
