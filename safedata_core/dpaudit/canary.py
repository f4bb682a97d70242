"""The audited neighbours: a table D with fully declared metadata and D' = D plus one canary record.

The canary lies inside the public domain (declared categories and bounds) but
is as unlike D's records as the domain allows: in each categorical column the
declared category that is rarest in D, in each numeric column the declared
bound with fewer of D's values near it, in each boolean column the rarer value.
Choosing it from D is fine: D is the auditor's own test data, not a secret.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from safedata_core.data import Table
from safedata_core.errors import DataError

__all__ = ["audit_table", "canary_row_count", "make_canary", "neighbours"]

#: width (share of the declared range) of the neighbourhood counted around a numeric bound
NEAR = 0.05


def audit_table(
    dataset: str = "builtin:adult", rows: int = 1000, *, seed: int = 0, columns: list[str] | None = None
) -> Table:
    """``rows`` records of ``dataset`` (default: UCI Adult with its published public metadata)."""
    from safedata_core.data import read_table

    table = read_table(dataset)
    if columns is not None:
        table = table.select(columns)
    if rows > len(table):
        raise DataError(f"dp-audit: --rows {rows} is more than {dataset} has ({len(table)}); give fewer rows")
    return table.with_df(table.df.sample(rows, random_state=seed).reset_index(drop=True))


def _check_declared(table: Table) -> None:
    for col, meta in table.metadata.columns.items():
        if not meta.is_public_domain:
            raise DataError(
                f"dp-audit: column '{col}' has no declared public domain (bounds or categories); "
                "the audited table needs fully declared metadata"
            )


def make_canary(table: Table) -> dict[str, Any]:
    """A record inside the public domain that is as rare as possible in ``table``."""
    _check_declared(table)
    canary: dict[str, Any] = {}
    for col, meta in table.metadata.columns.items():
        s = table.df[col]
        if meta.is_numeric:
            lo, hi = (float(b) for b in meta.bounds)  # type: ignore[union-attr]
            v = s.dropna().to_numpy(dtype=float)
            width = NEAR * (hi - lo)
            near_lo, near_hi = int((v <= lo + width).sum()), int((v >= hi - width).sum())
            value: Any = hi if near_hi <= near_lo else lo
            canary[col] = int(value) if meta.type == "integer" else value
        elif meta.type == "boolean":
            n_true = int(s.fillna(False).astype(bool).sum())
            canary[col] = bool(n_true < len(s) - n_true)
        else:
            counts = s.dropna().astype(str).value_counts()
            cats = [str(c) for c in meta.categories]  # type: ignore[union-attr]
            canary[col] = min(cats, key=lambda c: (int(counts.get(c, 0)), cats.index(c)))
    return canary


def neighbours(table: Table, canary: dict[str, Any]) -> tuple[Table, Table]:
    """``(D, D')`` with ``D' = D`` plus the canary as its last row (add/remove adjacency)."""
    row = pd.DataFrame([canary], columns=table.columns)
    df = pd.concat([table.df, row.astype(table.df.dtypes.to_dict(), errors="ignore")], ignore_index=True)
    with_canary = Table.from_dataframe(df, table.metadata)
    return table, with_canary


def canary_row_count(table: Table, canary: dict[str, Any]) -> int:
    """How many records of ``table`` equal the canary on every column (0 for D, 1 for D')."""
    hits = np.ones(len(table), dtype=bool)
    for col, value in canary.items():
        s = table.df[col]
        if table.metadata.columns[col].is_numeric:
            hits &= (pd.to_numeric(s, errors="coerce") == float(value)).fillna(False).to_numpy(dtype=bool)
        else:
            hits &= s.astype(str).to_numpy() == str(value)
    return int(hits.sum())
