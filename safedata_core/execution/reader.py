"""Lazy Dask readers: CSV/Parquet files, folders of them and fsspec URLs, typed by a sample.

:func:`read_dask_table` returns a :class:`~safedata_core.data.Table` whose ``df``
is a Dask DataFrame: nothing is read beyond a sample until a computation runs.
Column types come from the sample (hand-written metadata wins); every partition
is then cast to those types by the same :func:`~safedata_core.data.table.coerce_to_metadata`
the local path uses, column by column (a typed full pass, run lazily by whatever computes
on it; a column-wise cast lets dask read only the columns a computation needs and take
a Parquet table's length from its footer).
Inferred domains (bounds, categories) are the sample's: they are never public.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from safedata_core.data import Metadata, Table
from safedata_core.data.infer import infer_metadata
from safedata_core.data.table import coerce_to_metadata
from safedata_core.errors import DataError
from safedata_core.execution.session import active_session, require_dask

__all__ = ["SAMPLE_ROWS", "read_dask_frame", "read_dask_table", "sample_frame"]

SAMPLE_ROWS = 50_000
_SAMPLES: dict[str, pd.DataFrame] = {}  # typed sample of each table read here, by its dask name (last few)
_PARQUET = (".parquet", ".pq")
_CSV = (".csv", ".csv.gz", ".tsv", ".txt")


def _kind(source: str) -> tuple[str, str]:
    """('parquet' | 'csv', the path or glob dask reads) for a file, a folder or a URL."""
    lower = source.lower().rstrip("/")
    if lower.endswith(_PARQUET):
        return "parquet", source
    if lower.endswith(_CSV):
        return "csv", source
    if "://" not in source:
        path = Path(source)
        if not path.exists():
            raise DataError(f"data source '{source}' not found (check data.source or the path you gave)")
        if path.is_dir():
            names = [p.name.lower() for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "_"))]
            if any(n.endswith(_PARQUET) for n in names):
                return "parquet", source
            csvs = [n for n in names if n.endswith(_CSV)]
            if csvs:
                ext = ".csv.gz" if all(n.endswith(".csv.gz") for n in csvs) else ".csv"
                return "csv", str(path / f"*{ext}")
            raise DataError(f"data folder '{source}' holds no .parquet or .csv files (give a folder of them)")
    raise DataError(f"data source '{source}': cannot tell its format (name it .csv or .parquet, or give a folder)")


def read_dask_frame(source: str, *, columns: list[str] | None = None) -> Any:
    """The raw Dask DataFrame of ``source`` (CSV values read as text, Parquet as stored)."""
    require_dask(f"reading '{source}' on Dask")
    import dask.dataframe as dd

    if source.startswith("builtin:"):
        raise DataError(f"data source '{source}': builtin datasets are small; run them locally (drop --dask)")
    kind, path = _kind(source)
    try:
        if kind == "parquet":
            # one partition per row group: a Parquet file's compressed size says little about its size in
            # pandas (strings grow many times), so row groups are the unit that bounds a worker's memory
            return dd.read_parquet(path, columns=columns, split_row_groups=True)
        compression = "gzip" if path.lower().endswith(".gz") else None
        ddf = dd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            blocksize=None if compression else "64MB",
            compression=compression,
        )
        return ddf[columns] if columns else ddf
    except (OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(
            f"data source '{source}' could not be read on Dask: {first} (check the path and format)"
        ) from None


def sample_frame(ddf: Any, rows: int = SAMPLE_ROWS, *, parts: int = 8) -> pd.DataFrame:
    """About ``rows`` rows taken from up to ``parts`` partitions spread over the table (their first rows).

    The sample the reader typed the table with is reused (no second read) when it is large enough.
    """
    from safedata_core.execution.dask_api import compute

    cached = _SAMPLES.get(getattr(ddf, "_name", ""))
    if cached is not None and len(cached) >= min(rows, SAMPLE_ROWS):
        return cached.head(rows)
    n = int(ddf.npartitions)
    picks = sorted({round(i * (n - 1) / max(parts - 1, 1)) for i in range(min(parts, n))})
    per = max(rows // len(picks), 1)
    heads = compute(*[ddf.get_partition(i).head(per, npartitions=1, compute=False) for i in picks])
    return pd.concat(heads, ignore_index=True)


def _coerce_column(s: pd.Series, meta: Metadata, name: str, source: str) -> pd.Series:
    """One column of one partition cast like the local path does (column-wise, so dask can project and count)."""
    out = coerce_to_metadata(s.to_frame(name), meta, source=source)[name]
    out.index = s.index
    return out


def read_dask_table(
    source: str, metadata: Metadata | str | Path | None = None, *, sample_rows: int = SAMPLE_ROWS
) -> Table:
    """A Table whose ``df`` is a lazy, typed Dask DataFrame of ``source``.

    The active session's ``partitions`` (when set) repartitions the table.
    """
    meta_declared = Metadata.load(metadata) if isinstance(metadata, (str, Path)) else metadata
    ddf = read_dask_frame(source)
    ddf.columns = [str(c).strip() for c in ddf.columns]
    names = list(ddf.columns)
    dups = sorted({c for c in names if names.count(c) > 1})
    if dups:
        raise DataError(f"{source}: column name(s) {', '.join(map(repr, dups))} appear more than once (rename them)")
    if meta_declared is not None:
        unknown = [c for c in meta_declared.columns if c not in names]
        if unknown:
            raise DataError(f"{source}: metadata names column '{unknown[0]}' which the data does not have")
    sample = sample_frame(ddf, sample_rows)
    if sample.empty:
        raise DataError(f"{source}: the table has no rows (give a non-empty file)")
    inferred = infer_metadata(sample, source=source)
    meta = meta_declared.merged_over(inferred) if meta_declared is not None else inferred
    typed = ddf.assign(
        **{
            name: ddf[name].map_partitions(
                _coerce_column,
                meta.subset([name]),
                name,
                source,
                meta=_coerce_column(sample[name].head(50), meta.subset([name]), name, source).iloc[:0],
            )
            for name in names
        }
    )
    session = active_session()
    if session is not None and session.partitions:
        typed = typed.repartition(npartitions=session.partitions)
    while len(_SAMPLES) >= 4:
        _SAMPLES.pop(next(iter(_SAMPLES)))
    _SAMPLES[typed._name] = coerce_to_metadata(sample, meta, source=source)
    return Table(typed, meta)
