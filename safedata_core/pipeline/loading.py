"""Reading a run's input: one reader for every data source, the holdout, and dropping direct identifiers.

:func:`read_source` is the one place a data source is read through the
``read_table`` hooks (the engine's ``read_table`` and the runner both use it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from safedata_core.data import Metadata, Table
from safedata_core.errors import DataError
from safedata_core.execution import active_session
from safedata_core.pipeline.holdout import holdout_key, split_holdout

if TYPE_CHECKING:
    import pluggy

    from safedata_core.schema.validate import ResolvedPipeline

__all__ = ["drop_direct_identifiers", "load_input", "read_source", "resolve_source"]


def resolve_source(source: str, base: Path) -> str:
    """``source`` relative to ``base`` (a pipeline's folder), unless it is absolute or has a scheme."""
    if ":" in source.split("/")[0] and not Path(source).exists():
        return source  # a scheme such as builtin: or s3:
    p = Path(source)
    return str(p if p.is_absolute() else base / p)


def read_source(pm: pluggy.PluginManager, source: str, metadata: Metadata | str | Path | None = None) -> Table:
    """Read ``source`` with the first ``read_table`` hook that recognises it."""
    options: dict[str, object] = {"metadata": metadata} if metadata is not None else {}
    table = pm.hook.read_table(source=source, options=options)
    if not isinstance(table, Table):
        raise DataError(f"no reader recognised data source '{source}' (give a CSV/Parquet path or builtin:NAME)")
    return table


def load_input(
    resolved: ResolvedPipeline, pm: pluggy.PluginManager, data: Table | pd.DataFrame | None, *, secret_split: bool
) -> tuple[Table, Table | None]:
    """The run's input table (``data`` replaces ``data.source``) and its holdout.

    A fractional holdout is split off with a fresh secret key when ``secret_split``
    (a DP run with secure noise), else with a key derived from the seed.
    """
    spec, base = resolved.pipeline.data, resolved.base_dir
    meta = Metadata.load(resolve_source(spec.metadata, base)) if spec.metadata else None
    if data is not None:
        table = data if isinstance(data, Table) else Table.from_dataframe(data, meta, source="data")
    elif active_session() is not None:  # Dask: the table is read lazily, partition by partition
        from safedata_core.execution.reader import read_dask_table

        table = read_dask_table(resolve_source(spec.source, base), meta)
    else:
        table = read_source(pm, resolve_source(spec.source, base), meta)
    if spec.columns:
        table = table.select(spec.columns)
    holdout: Table | None = None
    if isinstance(spec.holdout, str):
        holdout = read_source(pm, resolve_source(spec.holdout, base), meta)
        holdout.require_columns(table.columns, where="data.holdout")
        holdout = Table.from_dataframe(holdout.df[table.columns], table.metadata, source=spec.holdout)
    elif isinstance(spec.holdout, float):
        key = holdout_key(resolved.pipeline.seed, secret=secret_split)
        table, holdout = split_holdout(table, spec.holdout, key)
    return table, holdout


def drop_direct_identifiers(table: Table, holdout: Table | None, keep: bool) -> tuple[Table, Table | None, list[str]]:
    """``table`` and ``holdout`` without the metadata's direct identifiers (unless ``keep``), and their names."""
    ids = table.metadata.direct_identifiers
    if keep or not ids:
        return table, holdout, []
    cols = [c for c in table.columns if c not in ids]
    return table.select(cols), holdout.select(cols) if holdout is not None else None, ids
