"""Reading and writing files: encodings judged on the whole file, duplicate headers, unwritable folders,
integers beyond int64 (the probes of issue 15)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from safedata_core import DataError, Table
from safedata_core.data import ColumnMeta, Metadata, read_table, write_table
from safedata_core.data import io as data_io


def rows(n: int) -> str:
    return "".join(f"n{i},Sevilla\n" for i in range(n))


def test_latin1_after_the_first_4kb_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(("name,city\n" + rows(600) + "José,Málaga\n").encode("latin-1"))
    assert path.stat().st_size > 4096
    assert data_io.detect_encoding(path)[0] == "cp1252"
    assert read_table(str(path)).df["city"].iloc[-1] == "Málaga"


def test_utf8_after_the_first_4kb_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(("name,city\n" + rows(600) + "José,Málaga\n").encode("utf-8"))
    assert data_io.detect_encoding(path)[0] == "utf-8"
    assert read_table(str(path)).df["city"].iloc[-1] == "Málaga"


def test_mixed_encodings_name_the_byte_offset_and_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    head = "name,city\nZoë,x\n".encode() + rows(600).encode()
    path.write_bytes(head + "José,y\n".encode("latin-1"))
    with pytest.raises(DataError, match=f"not valid UTF-8 at byte {len(head) + 3} \\(line 603\\)"):
        read_table(str(path))


def test_utf16_and_bom(tmp_path: Path) -> None:
    (tmp_path / "u16.csv").write_bytes("a,b\n1,2\n".encode("utf-16"))
    with pytest.raises(DataError, match="UTF-16"):
        read_table(str(tmp_path / "u16.csv"))
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbfa,b\n1,x\n2,y\n")
    assert read_table(str(tmp_path / "bom.csv")).columns == ["a", "b"]


def test_duplicate_column_names_are_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "dup.csv").write_text("a,b,a,c,c\n1,2,3,4,5\n")
    with pytest.raises(DataError, match="column name\\(s\\) 'a', 'c' appear more than once"):
        read_table(str(tmp_path / "dup.csv"))
    (tmp_path / "dup2.csv").write_text("a;b;a\n1;2;3\n")
    with pytest.raises(DataError, match="'a' appear more than once"):
        read_table(str(tmp_path / "dup2.csv"))


def test_integers_beyond_int64_are_kept_exact_and_written(tmp_path: Path) -> None:
    big = [str(2**63 + i) for i in range(30)]
    (tmp_path / "big.csv").write_text("id,x\n" + "".join(f"{b},{i % 3}\n" for i, b in enumerate(big)))
    table = read_table(str(tmp_path / "big.csv"))
    assert table.metadata.columns["id"].type == "categorical"
    out = write_table(table, tmp_path / "o.csv")
    assert pd.read_csv(out, dtype=str)["id"].tolist() == big


def test_declared_integer_beyond_2_53_names_the_column() -> None:
    df = pd.DataFrame({"id": [2**63 + 1, 5], "x": ["a", "b"]})
    meta = Metadata(columns={"id": ColumnMeta(type="integer")})
    with pytest.raises(DataError, match="column 'id' is declared integer but holds whole numbers beyond 2\\^53"):
        Table.from_dataframe(df, meta)


def test_write_table_names_the_column_it_cannot_write(tmp_path: Path) -> None:
    meta = Metadata(columns={"n": ColumnMeta(type="integer"), "c": ColumnMeta(type="categorical")})
    table = Table(pd.DataFrame({"n": [1.0, 2.0**70], "c": ["a", "b"]}), meta)
    with pytest.raises(DataError, match="column 'n' is an integer column but holds 1 value"):
        write_table(table, tmp_path / "o.csv")
    labelled = Table(pd.DataFrame({"n": [1.0, "*"], "c": ["a", "b"]}), meta)
    with pytest.raises(DataError, match="column 'n' is an integer column but holds 1 value.*not numbers"):
        write_table(labelled, tmp_path / "o.csv")


def test_unwritable_output_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataError, match="cannot write .*choose a folder you can write to"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "file" / "o.csv")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_is_a_one_line_error(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    with pytest.raises(DataError, match="Permission denied"):
        write_table(pd.DataFrame({"a": [1]}), ro / "o.csv")


def test_parquet_release_of_a_generalised_column(tmp_path: Path) -> None:
    meta = Metadata(columns={"age": ColumnMeta(type="numerical"), "s": ColumnMeta(type="categorical")})
    table = Table(pd.DataFrame({"age": [1.0, "*", "[20, 30)", None], "s": ["a", 1, None, 2.5]}), meta)
    back = pd.read_parquet(write_table(table, tmp_path / "o.parquet"))
    assert back["age"].tolist() == ["1.0", "*", "[20, 30)", None] and back["s"].tolist() == ["a", "1", None, "2.5"]


def _csv(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_pyarrow_reader_gives_the_pandas_table(tmp_path: Path) -> None:
    rows = [
        f"{i},{i % 7}.25,{'True' if i % 2 else 'False'},c{i % 3},2020-01-{1 + i % 28:02d},{'NA' if i % 5 == 0 else 'x'}"
        for i in range(300)
    ]
    path = _csv(tmp_path, "id,num,flag,cat,day,word\n" + "\n".join(rows) + "\n")
    fast = data_io._read_csv_arrow(path)
    assert fast is not None and isinstance(fast["cat"].dtype, pd.CategoricalDtype)
    a = Table.from_dataframe(fast)
    b = Table.from_dataframe(data_io.read_file(path))
    pd.testing.assert_frame_equal(a.df, b.df)
    assert a.metadata == b.metadata
    assert a.df["day"].dtype == b.df["day"].dtype  # dates stay text for the reader, then typed alike


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("semi.csv", "a;b\n1;2\n"),  # another delimiter
        ("space.csv", "a,b\n1, 2\n"),  # pandas skips blanks after the comma
        ("ints.txt", "a,b\n1,2\n"),  # not a .csv file
    ],
)
def test_pyarrow_reader_leaves_other_files_to_pandas(tmp_path: Path, name: str, text: str) -> None:
    path = _csv(tmp_path, text, name)
    assert data_io._read_csv_arrow(path) is None
    assert len(read_table(str(path))) == 1


def test_pyarrow_reader_falls_back_when_a_later_value_does_not_convert(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,b\n" + "1,2\n" * 1_200_000 + "x,y\n")  # past pyarrow's first block (4 MiB)
    assert data_io._read_csv_arrow(path) is None
    table = read_table(str(path))
    assert table.metadata.columns["a"].type == "integer" and table.df["a"].isna().sum() == 1
