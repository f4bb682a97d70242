"""Reading and writing tables: CSV, Parquet and the embedded ``builtin:`` datasets.

The core's reader is registered as the ``trylast`` implementation of the
``read_table`` hook (see ``default_plugins/io.py``), so a plugin can take over
any source scheme (``s3://``, ``postgres://``...) by returning a Table first.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import pandas as pd

from safedata_core.data.metadata import Metadata
from safedata_core.data.table import Table
from safedata_core.errors import DataError

BUILTIN_DATASETS: dict[str, str] = {
    "adult": "UCI Adult train split (32,561 rows), CC BY 4.0",
    "adult_test": "UCI Adult test split (16,281 rows), CC BY 4.0",
    "adult_full": "UCI Adult train + test (48,842 rows), CC BY 4.0",
}

BUILTIN_ROWS: dict[str, int] = {"adult": 32_561, "adult_test": 16_281, "adult_full": 48_842}

__all__ = ["BUILTIN_DATASETS", "builtin_metadata", "load_builtin", "read_file", "read_table", "write_table"]


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
    df = read_file(source)
    return Table.from_dataframe(df, metadata if isinstance(metadata, Metadata) else None, source=source)


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
    except UnicodeDecodeError:
        raise DataError(f"data file '{path}' is not UTF-8 or Latin-1 text (re-save it as UTF-8 CSV)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"data file '{path}' could not be parsed: {first} (check the format)") from None


def _read_csv(path: Path) -> pd.DataFrame:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        head = fh.read(4096)
    if b"\x00" in head:
        raise DataError(f"data file '{path}' looks binary, not CSV (give a CSV or Parquet file)")
    for encoding in ("utf-8", "latin-1"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return (
            pd.read_csv(path, encoding=encoding, sep=None, engine="python", skipinitialspace=True)
            if _needs_sniff(head)
            else pd.read_csv(path, encoding=encoding, skipinitialspace=True)
        )
    raise UnicodeDecodeError("utf-8", head, 0, 1, "undecodable")


def _needs_sniff(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0]
    return first.count(b",") == 0 and (first.count(b";") > 0 or first.count(b"\t") > 0)


def write_table(table: Table | pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV or Parquet, by the path's suffix."""
    df = table.df if isinstance(table, Table) else table
    if isinstance(table, Table):
        df = df.copy()
        for name in table.metadata.names(types=frozenset({"integer"})):
            if name in df.columns:
                df[name] = df[name].round().astype("Int64")
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.suffix in (".parquet", ".pq"):
        df.to_parquet(p, index=False)
    else:
        df.to_csv(p, index=False)
    return p


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
