"""The lazy Dask reader: files, folders, types from a sample, declared metadata, clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from safedata_core.data import ColumnMeta, Metadata, Table
from safedata_core.errors import DataError
from safedata_core.execution import is_dask_frame
from safedata_core.execution.reader import read_dask_table


def frame(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "region": rng.choice(["north", "south", "east"], n),
            "income": np.where(rng.random(n) < 0.1, np.nan, rng.normal(3000, 500, n)),
            "member": rng.random(n) < 0.5,
        }
    )


def local_table(df: pd.DataFrame, meta: Metadata | None = None) -> Table:
    return Table.from_dataframe(df, meta)


def test_csv_file_matches_the_local_reader(tmp_path: Path, session: Any) -> None:
    df = frame()
    df.to_csv(tmp_path / "t.csv", index=False)
    table = read_dask_table(str(tmp_path / "t.csv"))
    assert is_dask_frame(table.df)
    got = table.df.compute().reset_index(drop=True)
    want = local_table(pd.read_csv(tmp_path / "t.csv"))
    assert {c: m.type for c, m in table.metadata.columns.items()} == {
        c: m.type for c, m in want.metadata.columns.items()
    }
    pd.testing.assert_frame_equal(got, want.df, check_dtype=False)


def test_folder_of_parquet_parts_and_declared_metadata(tmp_path: Path, session: Any) -> None:
    df = frame()
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, part in enumerate([df.iloc[:100], df.iloc[100:200], df.iloc[200:]]):
        part.to_parquet(folder / f"part-{i}.parquet", index=False)
    meta = Metadata(columns={"age": ColumnMeta(type="categorical", categories=[str(a) for a in range(18, 90)])})
    table = read_dask_table(str(folder), meta)
    assert table.df.npartitions == 3
    assert table.metadata.columns["age"].type == "categorical"
    assert not table.metadata.columns["age"].inferred
    assert len(table.df.compute()) == len(df)


def test_folder_of_csv_files(tmp_path: Path, session: Any) -> None:
    folder = tmp_path / "csvs"
    folder.mkdir()
    for i, part in enumerate([frame().iloc[:150], frame().iloc[150:]]):
        part.to_csv(folder / f"p{i}.csv", index=False)
    assert len(read_dask_table(str(folder)).df) == 300


def test_partitions_setting_repartitions(tmp_path: Path) -> None:
    from safedata_core.execution import dask_session

    frame().to_parquet(tmp_path / "t.parquet", index=False)
    with dask_session("local", processes=False, workers=1, partitions=5):
        assert read_dask_table(str(tmp_path / "t.parquet")).df.npartitions == 5


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("missing.csv", "not found|could not be read"),
        ("nowhere", "not found"),
        ("data.xlsx", "cannot tell its format"),
        ("builtin:adult", "run them locally"),
    ],
)
def test_errors_are_one_line(tmp_path: Path, name: str, match: str, session: Any) -> None:
    if name == "data.xlsx":
        (tmp_path / name).write_text("x")
    source = name if name.startswith("builtin:") else str(tmp_path / name)
    with pytest.raises(DataError, match=match):
        read_dask_table(source)


def test_metadata_naming_an_unknown_column(tmp_path: Path, session: Any) -> None:
    frame().to_parquet(tmp_path / "t.parquet", index=False)
    meta = Metadata(columns={"nope": ColumnMeta(type="integer")})
    with pytest.raises(DataError, match="'nope'"):
        read_dask_table(str(tmp_path / "t.parquet"), meta)
