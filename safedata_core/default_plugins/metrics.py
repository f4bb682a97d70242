"""Built-in column-shape metrics: ``ks_complement`` and ``tv_complement``.

Both follow SDMetrics' definitions (checked against its published demo values):
missing values are dropped, datetimes are compared as int64 nanoseconds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_core.components import Metric, MetricResult
from safedata_core.data import Table
from safedata_core.hookspecs import hookimpl

__all__ = ["KSComplementMetric", "TVComplementMetric", "ks_complement", "tv_complement"]


class ColumnsParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: list[str] | None = Field(None, description="Columns to score (default: all of the right type).")


def _as_numbers(s: pd.Series) -> np.ndarray:
    s = s.dropna()
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("int64").to_numpy(dtype=float)
    return pd.to_numeric(s, errors="coerce").dropna().to_numpy(dtype=float)


def ks_complement(real: pd.Series, synthetic: pd.Series) -> float:
    """1 - the two-sample Kolmogorov-Smirnov statistic (NaN dropped)."""
    from scipy.stats import ks_2samp

    a, b = _as_numbers(real), _as_numbers(synthetic)
    if a.size == 0 or b.size == 0:
        return float("nan")
    return float(1 - ks_2samp(a, b).statistic)


def tv_complement(real: pd.Series, synthetic: pd.Series) -> float:
    """1 - total variation distance between the category frequencies (NaN dropped)."""
    p = real.dropna().astype(str).value_counts(normalize=True)
    q = synthetic.dropna().astype(str).value_counts(normalize=True)
    p, q = p.align(q, fill_value=0.0)
    return float(1 - 0.5 * np.abs(p - q).sum())


def _score_columns(
    original: Table, released: Table, columns: list[str] | None, numeric: bool, fn: Any
) -> MetricResult:
    meta = original.metadata
    if columns is None:
        columns = [
            c for c in original.columns
            if c in released.columns and (meta.columns[c].type in ("numerical", "integer", "datetime")) == numeric
            and meta.columns[c].type != "text"
        ]
    else:
        original.require_columns(columns, where="metric params.columns")
        released.require_columns(columns, where="metric params.columns (released table)")
    scores = {c: fn(original.df[c], released.df[c]) for c in columns}
    valid = [v for v in scores.values() if not np.isnan(v)]
    return MetricResult(score=float(np.mean(valid)) if valid else float("nan"), details={"columns": scores})


class KSComplementMetric(Metric):
    """Marginal fidelity of numeric and datetime columns: mean of 1 - KS statistic.

    **Privacy guarantee**: none; an evaluation on the original data, not a release.

    **Assumptions**: compares each column's empirical distribution in the
    original (training) table with the released one; missing values are dropped.
    """

    name = "ks_complement"
    Params = ColumnsParams

    def compute(self, original: Table, released: Table, *, holdout: Table | None = None, seed: int = 0) -> MetricResult:
        return _score_columns(original, released, self.params.columns, True, ks_complement)


class TVComplementMetric(Metric):
    """Marginal fidelity of categorical and boolean columns: mean of 1 - total variation distance.

    **Privacy guarantee**: none; an evaluation on the original data, not a release.

    **Assumptions**: compares category frequencies; missing values are dropped.
    """

    name = "tv_complement"
    Params = ColumnsParams

    def compute(self, original: Table, released: Table, *, holdout: Table | None = None, seed: int = 0) -> MetricResult:
        return _score_columns(original, released, self.params.columns, False, tv_complement)


@hookimpl
def register_metrics(register: Any) -> None:
    register(KSComplementMetric)
    register(TVComplementMetric)
