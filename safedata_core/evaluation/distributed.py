"""Metrics on a Dask-backed original: exact from counts over partitions, or on a stated random sample.

* :func:`tv_complement_exact`: 1 - total variation of each categorical
  column's frequencies, with the original's frequencies counted exactly over
  the partitions (one pass for all columns);
* :func:`local_sample`: a seeded uniform sample of the original (``SAMPLE_ROWS``
  records) for the metrics that compare distributions of values (KS, binned
  2-way marginals); their results carry ``details["sample_rows"]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from safedata_core.data import Table
from safedata_core.execution import is_dask_frame

__all__ = ["SAMPLE_ROWS", "local_sample", "tv_complement_exact"]

SAMPLE_ROWS = 200_000


def local_sample(original: Table, seed: int, rows: int = SAMPLE_ROWS) -> tuple[Table, int | None]:
    """``original`` itself when in memory; else a seeded random sample of it and its size."""
    if not is_dask_frame(original.df):
        return original, None
    from safedata_core.execution.sampling import random_sample

    sample = random_sample(original.df, rows, seed)
    return Table(sample, original.metadata), len(sample)


def tv_complement_exact(original: Table, released: Table, columns: list[str]) -> dict[str, float]:
    """Per column, 1 - TV distance between the original's exact frequencies and the release's (NaN dropped)."""
    from safedata_core.execution.counts import group_counts

    frames = group_counts(original.df, [[c] for c in columns]) if columns else []
    out: dict[str, float] = {}
    for col, frame in zip(columns, frames, strict=True):
        counts: Any = frame.dropna(subset=[col])
        p = counts.groupby(counts[col].astype(str))["__count"].sum()
        p = p / p.sum() if p.sum() > 0 else p
        q = released.df[col].dropna().astype(str).value_counts(normalize=True)
        if p.empty or q.empty:
            out[col] = float("nan")
            continue
        p, q = p.align(q, fill_value=0.0)
        out[col] = float(1 - 0.5 * np.abs(p - q).sum())
    return out
