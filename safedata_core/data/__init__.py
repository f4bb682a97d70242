"""Tables, metadata, type inference and IO (CSV, Parquet, embedded datasets)."""

from __future__ import annotations

from safedata_core.data.io import BUILTIN_DATASETS, builtin_metadata, load_builtin, read_table, write_table
from safedata_core.data.metadata import ColumnMeta, Metadata
from safedata_core.data.table import Table

__all__ = [
    "BUILTIN_DATASETS",
    "ColumnMeta",
    "Metadata",
    "Table",
    "builtin_metadata",
    "load_builtin",
    "read_table",
    "write_table",
]
