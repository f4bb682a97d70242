"""Reading and writing tables: CSV, Parquet and the embedded ``builtin:`` datasets.

The core's reader is registered as the ``trylast`` implementation of the
``read_table`` hook (see ``default_plugins/io.py``), so a plugin can take over
any source scheme (``s3://``, ``postgres://``...) by returning a Table first.
"""

from __future__ import annotations

import codecs
import gzip
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from safedata_core.data.metadata import Metadata
from safedata_core.data.normalize import texts_normalized
from safedata_core.data.table import Table
from safedata_core.errors import DataError

BUILTIN_DATASETS: dict[str, str] = {
    "adult": "UCI Adult train split (32,561 rows), CC BY 4.0",
    "adult_test": "UCI Adult test split (16,281 rows), CC BY 4.0",
    "adult_full": "UCI Adult train + test (48,842 rows), CC BY 4.0",
}

BUILTIN_ROWS: dict[str, int] = {"adult": 32_561, "adult_test": 16_281, "adult_full": 48_842}

__all__ = [
    "BUILTIN_DATASETS",
    "builtin_metadata",
    "detect_encoding",
    "load_builtin",
    "read_file",
    "read_table",
    "write_table",
]


def read_table(source: str, options: Mapping[str, object] | None = None) -> Table:
    """Read ``source`` (a path or ``builtin:NAME``) into a :class:`Table`.

    ``options`` may hold ``metadata`` (a :class:`Metadata`, or a path to one).
    """
    options = dict(options or {})
    metadata = options.get("metadata")
    if isinstance(metadata, (str, Path)):
        metadata = Metadata.load(metadata)
    if source.startswith("builtin:"):
        name = source.split(":", 1)[1]
        df = load_builtin(name)
        meta = metadata if isinstance(metadata, Metadata) else builtin_metadata()
        return Table.from_dataframe(df, meta, source=source)
    df = _read_csv_arrow(Path(source))
    if df is None:
        df = read_file(source)
    return Table.from_dataframe(df, metadata if isinstance(metadata, Metadata) else None, source=source)


_PANDAS_NA = [
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
]  # pandas.read_csv's default missing-value words
_NA_SET = frozenset(_PANDAS_NA)
_LEADING_SPACE = re.compile(r"(?:^|,)[ \t]", re.MULTILINE)


def _read_csv_arrow(path: Path) -> pd.DataFrame | None:
    """A plain comma-separated UTF-8 file read with pyarrow, text as categoricals; None to use pandas.

    pyarrow parses in parallel and dictionary-encodes each text column in one pass, so a Table gets
    the codes of every text column for free (data/codes.py). It reads the same values as :func:`read_file`'s
    ``pandas.read_csv``: pandas' missing-value words and true/false words, no date parsing (columns
    pyarrow would read as dates stay text). Files it might read differently go to pandas: other
    delimiters and encodings, gzip, quotes or blanks after a comma in the first MiB (pandas skips
    initial spaces), values pyarrow cannot convert, and whole numbers beyond 2^53 read as floats.
    """
    try:
        if not path.is_file() or path.stat().st_size == 0 or path.suffix.lower() != ".csv":
            return None
        encoding, head = detect_encoding(path)
    except (DataError, OSError):
        return None  # read_file gives the one-line error
    first_line = head.split("\n", 1)[0]
    if encoding not in ("utf-8", "utf-8-sig") or _needs_sniff(first_line) or _LEADING_SPACE.search(head):
        return None
    names = [n.strip() for n in first_line.rstrip("\r").split(",")]
    if not all(names) or len(set(names)) != len(names):
        return None  # unnamed or repeated columns: pandas' naming and read_file's error
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    read = pacsv.ReadOptions(block_size=1 << 22)
    parse = pacsv.ParseOptions(newlines_in_values=True)
    text = pa.string()
    try:
        with pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=_arrow_convert({})) as r:
            schema = r.schema  # the types pyarrow infers from the first block
        kept = (pa.types.is_int64, pa.types.is_float64, pa.types.is_boolean, pa.types.is_null)
        types = {f.name: (f.type if any(k(f.type) for k in kept) else text) for f in schema}
        types = {name: t for name, t in types.items() if not pa.types.is_null(t)}
        table = pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=_arrow_convert(types))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError, ValueError):
        return None  # values pyarrow reads differently from pandas: let pandas read the file
    for i, (name, column) in enumerate(zip(table.column_names, table.columns, strict=True)):
        if pa.types.is_floating(column.type):
            values = column.to_numpy()
            whole = values[np.isfinite(values) & (np.abs(values) > 2**53)]
            if whole.size and bool((np.mod(whole, 1) == 0).any()):
                return None  # whole numbers pandas may keep exact
        elif pa.types.is_null(column.type):  # no value at all: pandas reads a float column of NaN
            table = table.set_column(i, name, pa.nulls(table.num_rows, pa.float64()))
        elif pa.types.is_string(column.type):  # one dictionary per column: a pandas Categorical
            table = table.set_column(i, name, pc.dictionary_encode(column.combine_chunks()))
    df = table.to_pandas(split_blocks=True, self_destruct=True)
    for name in df.columns:
        if isinstance(df[name].dtype, pd.CategoricalDtype):
            values = df[name].cat.categories.tolist()
            if not texts_normalized(values) and any(v.strip() in _NA_SET and v not in _NA_SET for v in values):
                return None  # a missing-value word after blanks: pandas skips the blanks
    df.columns = [str(c) for c in df.columns]
    return df


def _arrow_convert(types: dict[str, Any]) -> Any:
    import pyarrow.csv as pacsv

    return pacsv.ConvertOptions(
        column_types=types,
        null_values=_PANDAS_NA,
        true_values=["True", "TRUE", "true"],
        false_values=["False", "FALSE", "false"],
        strings_can_be_null=True,
        timestamp_parsers=[],
    )


def read_file(source: str | Path) -> pd.DataFrame:
    """Read a CSV (optionally gzipped) or Parquet file into a DataFrame, with clear errors."""
    path = Path(source)
    if not path.exists():
        raise DataError(f"data file '{path}' not found (check data.source or the path you gave)")
    if path.is_dir():
        raise DataError(f"data source '{path}' is a folder; give a CSV or Parquet file")
    if path.stat().st_size == 0:
        raise DataError(f"data file '{path}' is empty (give a file with a header row and data)")
    suffixes = "".join(path.suffixes).lower()
    try:
        if suffixes.endswith((".parquet", ".pq")):
            return pd.read_parquet(path)
        return _read_csv(path)
    except DataError:
        raise
    except UnicodeDecodeError as exc:
        raise DataError(
            f"data file '{path}' could not be decoded at byte {exc.start} (re-save it as UTF-8 CSV)"
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"data file '{path}' could not be parsed: {first} (check the format)") from None


def _read_csv(path: Path) -> pd.DataFrame:
    encoding, head = detect_encoding(path)
    first_line = head.split("\n", 1)[0]
    sniff = _needs_sniff(first_line)
    options: dict[str, Any] = {"encoding": encoding, "skipinitialspace": True}
    if sniff:
        options.update(sep=None, engine="python")
    header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False, **options)
    names = [str(c).strip() for c in header.iloc[0].tolist()] if len(header) else []
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        raise DataError(
            f"data file '{path}': column name(s) {', '.join(repr(d) for d in dups)} appear more than once "
            "in the header (rename them)"
        )
    if not sniff:  # the C parser: type each column from all its values, not chunk by chunk (no DtypeWarning)
        options["low_memory"] = False
    return pd.read_csv(path, **options)


def detect_encoding(path: Path) -> tuple[str, str]:
    """The text encoding of a CSV (read to the end), and its first chunk decoded.

    UTF-8 (with or without BOM) when the whole file decodes as UTF-8; a
    single-byte encoding (cp1252, else Latin-1) when the file holds no UTF-8
    multi-byte sequence at all; otherwise a DataError naming the byte offset
    and line of the first byte that is not UTF-8.
    """
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as fh:
        head = fh.read(_CHUNK)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise DataError(f"data file '{path}' is UTF-16 text; re-save it as UTF-8 CSV")
        if b"\x00" in head[:4096]:
            raise DataError(f"data file '{path}' looks binary, not CSV (give a CSV or Parquet file)")
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        bad = _first_invalid_utf8(fh, head)
        if bad is None:
            return encoding, head.decode("utf-8", "ignore")
        offset, line, seen_utf8 = bad
        if not seen_utf8:
            fh.seek(0)
            single = _single_byte_encoding(fh)
            if single is not None:
                return single, head.decode(single, "replace")
    raise DataError(
        f"data file '{path}' is not valid UTF-8 at byte {offset} (line {line}) although it holds UTF-8 text "
        "elsewhere: it mixes encodings (re-save it as UTF-8)"
    )


_CHUNK = 1 << 20


class _Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _first_invalid_utf8(fh: _Reader, head: bytes) -> tuple[int, int, bool] | None:
    """``(offset, line, utf8_seen)`` of the first byte that is not UTF-8, or ``None`` when all of it is."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines, seen = 0, 1, False
    chunk = head
    while True:
        final = not chunk
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            local = max(exc.start - pending, 0)
            seen = seen or bool(_UTF8_MULTIBYTE.search(chunk[:local]))
            if not seen:  # the invalid byte may come before any UTF-8: look at the rest of the file too
                seen = bool(_UTF8_MULTIBYTE.search(chunk[local:])) or _utf8_after(fh)
            return offset - pending + exc.start, lines + chunk[:local].count(b"\n"), seen
        if final:
            return None
        seen = seen or not chunk.isascii()
        offset += len(chunk)
        lines += chunk.count(b"\n")
        chunk = fh.read(_CHUNK)


def _utf8_after(fh: _Reader) -> bool:
    return any(_UTF8_MULTIBYTE.search(chunk) for chunk in iter(lambda: fh.read(_CHUNK), b""))


def _single_byte_encoding(fh: _Reader) -> str | None:
    """cp1252 when the whole file decodes as cp1252 (Windows files), else Latin-1 (which decodes anything)."""
    decoder = codecs.getincrementaldecoder("cp1252")()
    try:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            decoder.decode(chunk)
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def _needs_sniff(first_line: str) -> bool:
    return first_line.count(",") == 0 and (first_line.count(";") > 0 or first_line.count("\t") > 0)


def write_table(table: Table | pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV or Parquet, by the path's suffix.

    Integer columns are written as whole numbers; a value that cannot be (not
    finite, or beyond int64) is a DataError naming the column. A folder that
    cannot be written is a one-line DataError.
    """
    df = table.df if isinstance(table, Table) else table
    if isinstance(table, Table):
        df = df.copy()
        for name in table.metadata.names(types=frozenset({"integer"})):
            if name in df.columns:
                df[name] = _whole_numbers(name, df[name])
    p = Path(path)
    parquet = p.suffix in (".parquet", ".pq")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        if parquet:
            _parquet_ready(df).to_parquet(p, index=False)
        else:
            df.to_csv(p, index=False)
    except OSError as exc:
        raise DataError(
            f"cannot write '{p}': {exc.strerror or type(exc).__name__} (choose a folder you can write to)"
        ) from None
    except (ValueError, TypeError) as exc:  # pyarrow's conversion errors
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"cannot write '{p}' as Parquet: {first} (write CSV instead)") from None
    return p


def _parquet_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Columns mixing types (numbers and generalised labels such as '*' or '[20, 30)') as text.

    Parquet columns have one type; a CSV holds such a column as it is.
    """
    mixed = [
        c
        for c in df.columns
        if df[c].dtype == object
        and pd.api.types.infer_dtype(df[c], skipna=True)
        not in ("string", "empty", "boolean", "integer", "floating", "decimal", "bytes")
    ]
    if not mixed:
        return df
    out = df.copy()
    for c in mixed:
        present = out[c].notna()
        out[c] = out[c].astype(str).where(present, None)
    return out


def _whole_numbers(name: str, values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    lost = values.notna() & numbers.isna()
    if lost.any():
        raise DataError(
            f"column '{name}' is an integer column but holds {int(lost.sum())} value(s) that are not numbers; "
            "declare it categorical"
        )
    finite = numbers.dropna()
    bad = ~np.isfinite(finite) | (finite.abs() >= 2**63)
    if bad.any():
        raise DataError(
            f"column '{name}' is an integer column but holds {int(bad.sum())} value(s) that are not finite or "
            "beyond int64; declare it numerical or categorical"
        )
    return numbers.round().astype("Int64")


def _dataset_file(name: str) -> resources.abc.Traversable:
    return resources.files("safedata_core.data.datasets").joinpath(name)


def load_builtin(name: str) -> pd.DataFrame:
    """Load an embedded dataset by name (see :data:`BUILTIN_DATASETS`)."""
    if name not in BUILTIN_DATASETS:
        raise DataError(
            f"unknown builtin dataset 'builtin:{name}' (available: "
            + ", ".join(f"builtin:{n}" for n in BUILTIN_DATASETS)
            + ")"
        )
    with _dataset_file("adult.csv.gz").open("rb") as fh:
        df = pd.read_csv(fh, compression="gzip")
    if name == "adult":
        df = df[df["split"] == "train"]
    elif name == "adult_test":
        df = df[df["split"] == "test"]
    return df.drop(columns="split").reset_index(drop=True)


def builtin_metadata() -> Metadata:
    """The public metadata of the embedded Adult dataset."""
    with resources.as_file(_dataset_file("adult.meta.yaml")) as p:
        return Metadata.load(p)
