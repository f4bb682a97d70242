"""Built-in column-shape metrics: ``ks_complement``, ``tv_complement``, ``js_divergence``, ``histogram_overlap``.

KS and TV complements follow SDMetrics' definitions (checked against its
published demo values): missing values are dropped, datetimes are compared as
int64 nanoseconds. JS divergence and histogram overlap compare binned marginals
of every column type, missing values counting as one more bin.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_core.components import Metric, MetricResult
from safedata_core.data import Table
from safedata_core.hookspecs import hookimpl

__all__ = [
    "HistogramOverlapMetric",
    "JSDivergenceMetric",
    "KSComplementMetric",
    "TVComplementMetric",
    "histogram_overlap",
    "js_divergence",
    "ks_complement",
    "tv_complement",
]


class ColumnsParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: list[str] | None = Field(None, description="Columns to score (default: all of the right type).")


def _as_numbers(s: pd.Series) -> np.ndarray:
    s = s.dropna()
    if pd.api.types.is_datetime64_any_dtype(s):
        return np.asarray(s.astype("int64").to_numpy(dtype=float))
    return np.asarray(pd.to_numeric(s, errors="coerce").dropna().to_numpy(dtype=float))


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


def _score_columns(original: Table, released: Table, columns: list[str] | None, numeric: bool, fn: Any) -> MetricResult:
    meta = original.metadata
    if columns is None:
        columns = [
            c
            for c in original.columns
            if c in released.columns
            and (meta.columns[c].type in ("numerical", "integer", "datetime")) == numeric
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
    supports_dask = True  # on a seeded random sample of a Dask original (details.sample_rows)

    def compute(self, original: Table, released: Table, *, holdout: Table | None = None, seed: int = 0) -> MetricResult:
        from safedata_core.evaluation.distributed import local_sample

        original, sampled = local_sample(original, seed)
        result = _score_columns(original, released, self.params.columns, True, ks_complement)
        if sampled is not None:
            result.details["sample_rows"] = sampled
        return result


class TVComplementMetric(Metric):
    """Marginal fidelity of categorical and boolean columns: mean of 1 - total variation distance.

    **Privacy guarantee**: none; an evaluation on the original data, not a release.

    **Assumptions**: compares category frequencies; missing values are dropped.
    """

    name = "tv_complement"
    Params = ColumnsParams
    supports_dask = True  # a Dask original's frequencies are counted exactly over its partitions

    def compute(self, original: Table, released: Table, *, holdout: Table | None = None, seed: int = 0) -> MetricResult:
        from safedata_core.execution import is_dask_frame

        if is_dask_frame(original.df):
            from safedata_core.evaluation.distributed import tv_complement_exact

            probe = _score_columns(original, released.with_df(released.df.head(0)), self.params.columns, False, _nan)
            scores = tv_complement_exact(original, released, list(probe.details["columns"]))
            valid = [v for v in scores.values() if not np.isnan(v)]
            return MetricResult(score=float(np.mean(valid)) if valid else float("nan"), details={"columns": scores})
        return _score_columns(original, released, self.params.columns, False, tv_complement)


def _nan(real: pd.Series, synthetic: pd.Series) -> float:
    return float("nan")


class BinnedParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: list[str] | None = Field(None, description="Columns to score (default: all shared columns).")
    bins: int = Field(20, ge=2, description="Bins for numeric and datetime columns (edges from the original).")


def _binned_frequencies(real: pd.Series, synthetic: pd.Series, numeric: bool, bins: int) -> tuple[np.ndarray, ...]:
    from safedata_core.evaluation import shared_codes

    a, b, n = shared_codes(real, synthetic, numeric=numeric, bins=bins)
    p = np.bincount(a, minlength=int(n)) / max(len(a), 1)
    q = np.bincount(b, minlength=int(n)) / max(len(b), 1)
    return p, q


def js_divergence(real: pd.Series, synthetic: pd.Series, *, numeric: bool, bins: int = 20) -> float:
    """Jensen-Shannon divergence (base 2, in [0, 1]) between the binned marginals; 0 is identical."""
    p, q = _binned_frequencies(real, synthetic, numeric, bins)
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(p > 0, p * np.log2(p / m), 0.0).sum()
        kl_q = np.where(q > 0, q * np.log2(q / m), 0.0).sum()
    return float(max(0.0, (kl_p + kl_q) / 2))


def histogram_overlap(real: pd.Series, synthetic: pd.Series, *, numeric: bool, bins: int = 20) -> float:
    """Shared mass of the binned marginals, ``sum(min(p, q))`` in [0, 1]; 1 is identical."""
    p, q = _binned_frequencies(real, synthetic, numeric, bins)
    return float(np.minimum(p, q).sum())


def _score_all_columns(original: Table, released: Table, params: Any, fn: Any, higher: bool) -> MetricResult:
    from safedata_core.evaluation import is_numeric_column, resolve_columns

    cols = resolve_columns(params.columns, original, released, where="metric params.columns")
    scores = {
        c: fn(original.df[c], released.df[c], numeric=is_numeric_column(original, c), bins=params.bins) for c in cols
    }
    return MetricResult(
        score=float(np.mean(list(scores.values()))), details={"columns": scores}, higher_is_better=higher
    )


class JSDivergenceMetric(Metric):
    """Marginal fidelity of every column: mean Jensen-Shannon divergence (base 2) of binned marginals; 0 is best.

    **Privacy guarantee**: none; an evaluation on the original data, not a release.

    **Assumptions**: numbers and datetimes are binned on the original's range
    (``bins`` equal-width bins, the outer ones open-ended), categories compared as
    they are; missing values are a bin of their own.

    **Example**: ``{"use": "js_divergence", "target": "synth", "params": {"bins": 20}}``
    """

    name = "js_divergence"
    Params = BinnedParams

    def compute(self, original: Table, released: Table, *, holdout: Table | None = None, seed: int = 0) -> MetricResult:
        return _score_all_columns(original, released, self.params, js_divergence, higher=False)


class HistogramOverlapMetric(Metric):
    """Marginal fidelity of every column: mean overlap ``sum(min(p, q))`` of binned marginals; 1 is best.

    **Privacy guarantee**: none; an evaluation on the original data, not a release.

    **Assumptions**: binning as for ``js_divergence``; for a category column the
    overlap equals the TV complement with missing values counted as a category.

    **Example**: ``{"use": "histogram_overlap", "target": "synth"}``
    """

    name = "histogram_overlap"
    Params = BinnedParams

    def compute(self, original: Table, released: Table, *, holdout: Table | None = None, seed: int = 0) -> MetricResult:
        return _score_all_columns(original, released, self.params, histogram_overlap, higher=True)


@hookimpl
def register_metrics(register: Any) -> None:
    register(KSComplementMetric)
    register(TVComplementMetric)
    register(JSDivergenceMetric)
    register(HistogramOverlapMetric)
