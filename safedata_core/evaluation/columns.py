"""Column helpers shared by attacks and metrics: which columns to use and how to read them as numbers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from safedata_core.data import Table
from safedata_core.errors import DataError

__all__ = ["as_numbers", "is_numeric_column", "resolve_columns", "shuffled_marginals"]

_NUMERIC = frozenset({"numerical", "integer", "datetime"})


def is_numeric_column(table: Table, column: str) -> bool:
    """True for numerical, integer and datetime columns (compared by value); False for discrete ones."""
    meta = table.metadata.columns.get(column)
    if meta is not None:
        return meta.type in _NUMERIC
    s = table.df[column]
    return bool(pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)) or bool(
        pd.api.types.is_datetime64_any_dtype(s)
    )


def as_numbers(s: pd.Series) -> np.ndarray:
    """Values of a numeric or datetime column as float64 (datetimes as int64 nanoseconds; missing as NaN)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s.astype("int64").to_numpy(dtype=float)
        out[s.isna().to_numpy()] = np.nan
        return np.asarray(out)
    return np.asarray(pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan))


def resolve_columns(
    columns: Sequence[str] | None,
    original: Table,
    *others: Table | None,
    where: str,
    exclude_text: bool = True,
) -> list[str]:
    """The columns to evaluate: ``columns`` if given (checked in every table), else those all tables share.

    Direct identifiers, weights and free-text columns are left out of the default set.
    """
    tables = [t for t in (original, *others) if t is not None]
    if columns is not None:
        cols = list(columns)
        if not cols:
            raise DataError(f"{where}: 'columns' is empty (list at least one column or leave it out)")
        for i, t in enumerate(tables):
            label = "original table" if i == 0 else ("released table" if i == 1 else "holdout table")
            t.require_columns(cols, where=f"{where} ({label})")
        return cols
    meta = original.metadata.columns
    cols = [
        c
        for c in original.columns
        if all(c in t.df.columns for t in tables[1:])
        and not (c in meta and meta[c].role in ("direct_identifier", "weight"))
        and not (exclude_text and c in meta and meta[c].type == "text")
    ]
    if not cols:
        raise DataError(f"{where}: the tables share no usable column (pass 'columns' naming shared columns)")
    return cols


def shuffled_marginals(table: Table, n: int, *, seed: int) -> Table:
    """A non-member proxy when no holdout exists: each column resampled independently from ``table``.

    Breaking the joint distribution makes these rows (almost surely) not members,
    but also easier to tell apart than real non-members, so a risk measured
    against them overstates the true risk (a conservative fallback).
    """
    rng = np.random.default_rng(seed)
    df = table.df
    idx = rng.integers(0, len(df), size=(n, df.shape[1]))
    out = pd.DataFrame({c: df[c].to_numpy()[idx[:, j]] for j, c in enumerate(df.columns)})
    for c in df.columns:
        out[c] = out[c].astype(df[c].dtype)
    return Table(out, table.metadata)
