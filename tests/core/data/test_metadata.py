"""Metadata files: the safe loader (duplicate keys refused) and finite bounds only."""

from __future__ import annotations

from pathlib import Path

import pytest

from safedata_core import DataError, Metadata
from safedata_core.data import ColumnMeta, builtin_metadata


def test_duplicate_keys_in_a_metadata_file_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("columns:\n  age:\n    type: integer\n    bounds: [0, 100]\n    bounds: [0, 1000000]\n")
    with pytest.raises(DataError, match="line 5: key 'bounds' appears twice"):
        Metadata.load(path)


@pytest.mark.parametrize("bounds", ["[-.inf, .inf]", "[0, .nan]"])
def test_bounds_must_be_finite(tmp_path: Path, bounds: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(f"columns:\n  age: {{type: integer, bounds: {bounds}}}\n")
    with pytest.raises(DataError, match="must be finite numbers"):
        Metadata.load(path)


def test_non_utf8_metadata_names_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes("columns:\n  caf\xe9: {type: integer}\n".encode("latin-1"))
    with pytest.raises(DataError, match="metadata file .* is not UTF-8: byte 0xe9 at offset 14"):
        Metadata.load(path)


def test_label_role_is_listed_and_counts_as_sensitive() -> None:
    meta = Metadata(
        columns={
            "income": ColumnMeta(type="categorical", role="label"),
            "disease": ColumnMeta(type="categorical", role="sensitive"),
            "age": ColumnMeta(type="integer", role="quasi_identifier"),
        }
    )
    assert meta.labels == ["income"]
    assert meta.sensitive == ["income", "disease"]
    assert builtin_metadata().labels == ["income"]
