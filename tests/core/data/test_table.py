"""Table construction, metadata merging and IO errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from safedata_core import DataError, Metadata, Table
from safedata_core.data import builtin_metadata, load_builtin, read_table, write_table


def test_builtin_adult_sizes_and_public_metadata() -> None:
    assert len(load_builtin("adult")) == 32561 and len(load_builtin("adult_test")) == 16281
    t = read_table("builtin:adult")
    assert t.metadata.columns["age"].is_public_domain and t.metadata.columns["age"].bounds == (17, 90)
    assert t.df["workclass"].isna().sum() == 1836  # '?' in the original file
    assert set(builtin_metadata().quasi_identifiers) >= {"age", "sex", "race", "native_country"}


def test_missing_markers_and_whitespace_are_cleaned() -> None:
    df = pd.DataFrame({"x": [" 1", "2 ", "?", "4"], "c": [" a", "b", "NA", "a"]})
    t = Table.from_dataframe(df)
    assert t.metadata.columns["x"].type == "integer"
    assert t.df["x"].isna().sum() == 1 and t.df["c"].tolist()[:2] == ["a", "b"] and pd.isna(t.df["c"][2])


def test_declared_metadata_wins_and_unknown_columns_fail() -> None:
    df = pd.DataFrame({"age": [20, 30], "z": ["1", "2"]})
    meta = Metadata.from_dict({"columns": {"z": {"type": "categorical", "categories": ["1", "2", "3"]}}})
    t = Table.from_dataframe(df, meta)
    assert t.metadata.columns["z"].type == "categorical" and t.metadata.columns["z"].is_public_domain
    assert not t.metadata.columns["age"].is_public_domain  # inferred, so not public
    with pytest.raises(DataError, match="metadata names column 'nope'"):
        Table.from_dataframe(df, Metadata.from_dict({"columns": {"nope": {"type": "integer"}}}))


def test_bad_metadata_is_a_one_line_error() -> None:
    with pytest.raises(DataError, match="columns.age"):
        Metadata.from_dict({"columns": {"age": {"type": "number"}}})


def test_file_errors(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="is empty"):
        read_table(str(tmp_path / "empty.csv"))
    (tmp_path / "bin.csv").write_bytes(b"\x00\x01\x02" * 10)
    with pytest.raises(DataError, match="binary"):
        read_table(str(tmp_path / "bin.csv"))
    (tmp_path / "header.csv").write_text("a,b\n")
    with pytest.raises(DataError, match="no rows"):
        read_table(str(tmp_path / "header.csv"))
    with pytest.raises(DataError, match="unknown builtin"):
        read_table("builtin:nope")


def test_latin1_and_semicolon_csv(tmp_path: Path) -> None:
    (tmp_path / "l.csv").write_bytes("name;city\nJosé;Málaga\nAna;Sevilla\n".encode("latin-1"))
    t = read_table(str(tmp_path / "l.csv"))
    assert t.columns == ["name", "city"] and t.df["city"][0] == "Málaga"


def test_write_round_trip_keeps_integers(tmp_path: Path) -> None:
    t = read_table("builtin:adult_test").select(["age", "sex"])
    write_table(t, tmp_path / "o.csv")
    write_table(t, tmp_path / "o.parquet")
    assert open(tmp_path / "o.csv").readline().strip() == "age,sex"
    back = pd.read_csv(tmp_path / "o.csv")
    assert back["age"].dtype == np.int64 and len(pd.read_parquet(tmp_path / "o.parquet")) == len(t)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": ["34", "51", "?", "29"],
            "sex": ["F", "M", "M", " F"],
            "score": [0.5, np.nan, 2.25, 1.0],
            "note": ["x", "y", "z", "x"],
        }
    )


def test_declared_columns_are_not_inferred(monkeypatch: pytest.MonkeyPatch) -> None:
    import safedata_core.data.table as table_module
    from safedata_core.data.infer import infer_metadata

    seen: list[str] = []

    def spy(df: pd.DataFrame, **kw: object) -> Metadata:
        meta = infer_metadata(df, **kw)  # type: ignore[arg-type]
        seen.extend(meta.columns)
        return meta

    monkeypatch.setattr(table_module, "infer_metadata", spy)
    declared = Metadata.from_dict(
        {"columns": {"age": {"type": "integer", "bounds": [18, 90]}, "sex": {"type": "categorical"}}}
    )
    t = Table.from_dataframe(_frame(), declared)
    assert seen == ["score", "note"]  # only the undeclared ones
    assert t.metadata.columns["age"].bounds == (18, 90) and not t.metadata.columns["age"].inferred
    assert list(t.metadata.columns) == ["age", "sex", "score", "note"]  # the data's column order


def test_skipping_inference_gives_the_same_table_as_inferring_everything() -> None:
    from safedata_core.data.infer import infer_metadata

    declared = Metadata.from_dict(
        {
            "columns": {
                "age": {"type": "integer", "bounds": [18, 90], "role": "quasi_identifier"},
                "sex": {"type": "categorical", "categories": ["F", "M"], "nullable": False},
                "score": {"type": "categorical"},  # numbers declared as text
            }
        }
    )
    t = Table.from_dataframe(_frame(), declared)
    clean = _frame()
    clean["sex"] = clean["sex"].str.strip()
    full = declared.merged_over(infer_metadata(clean))  # every column inferred, then the declarations laid over
    assert t.metadata == full
    assert t.df["age"].tolist()[:2] == [34.0, 51.0] and t.df["score"].tolist()[0] == "0.5"


@pytest.mark.parametrize(
    "values", [["1", "inf", "3"], [1.0, np.inf, 3.0], ["-Infinity", "2", "4"]], ids=["text", "float", "text-neg"]
)
def test_a_declared_non_numeric_column_of_numbers_with_an_infinity_is_still_refused(values: list[object]) -> None:
    declared = Metadata.from_dict({"columns": {"a": {"type": "categorical"}}})
    with pytest.raises(DataError, match="column 'a' holds 1 infinite value"):
        Table.from_dataframe(pd.DataFrame({"a": values}), declared)
    # text that does not read as numbers keeps 'inf' as a category, as inference decides
    t = Table.from_dataframe(pd.DataFrame({"a": ["x", "inf", "y"]}), declared)
    assert t.df["a"].tolist() == ["x", "inf", "y"]


def test_declared_numeric_columns_still_refuse_infinities_and_huge_integers() -> None:
    num = Metadata.from_dict({"columns": {"a": {"type": "numerical", "bounds": [0, 5]}}})
    with pytest.raises(DataError, match="infinite"):
        Table.from_dataframe(pd.DataFrame({"a": ["1", "inf"]}), num)
    big = Metadata.from_dict({"columns": {"a": {"type": "integer", "bounds": [0, 5]}}})
    with pytest.raises(DataError, match="beyond 2\\^53"):
        Table.from_dataframe(pd.DataFrame({"a": [1, 2**60]}), big)
