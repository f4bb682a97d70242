"""The core's ``read_table`` implementation (trylast): CSV, Parquet and ``builtin:`` datasets."""

from __future__ import annotations

from collections.abc import Mapping

from safedata_core.data import Table
from safedata_core.data import read_table as _read
from safedata_core.hookspecs import hookimpl


@hookimpl(trylast=True)
def read_table(source: str, options: Mapping[str, object]) -> Table | None:
    return _read(source, options)
