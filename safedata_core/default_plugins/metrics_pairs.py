"""Built-in pairwise metrics: ``correlation_difference`` and ``marginal_2way``.

``marginal_2way`` is 1 - total variation distance of the joint frequencies of
every column pair, missing values kept as a value. Numbers are binned on the
original: by default (``binning: quantile``) with quantile intervals plus one
bin per point mass (a value held by at least ``1 / bins`` of the rows, such as
``capital_gain = 0``; see :mod:`safedata_core.evaluation.binning`), so a
release that halves such a spike scores worse; ``binning: uniform`` is SDMetrics'
ContingencySimilarity (``np.histogram_bin_edges``, equal widths), which cannot
see a spike that stays inside its bin. ``correlation_difference`` bins the
numbers of its mixed pairs the same way (same ``binning`` option, same
default). Its numeric part is SDMetrics' CorrelationSimilarity
(1 - |r_original - r_released| / 2, Pearson on rows where both are present).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_core.components import Metric, MetricResult
from safedata_core.data import Table
from safedata_core.hookspecs import hookimpl

__all__ = ["CorrelationDifferenceMetric", "Marginal2WayMetric", "cramers_v", "pearson", "theil_u"]


def _codes(original: Table, released: Table, cols: list[str], bins: int) -> dict[str, tuple[np.ndarray, ...]]:
    from safedata_core.evaluation import is_numeric_column, shared_codes

    return {
        c: shared_codes(original.df[c], released.df[c], numeric=is_numeric_column(original, c), bins=bins) for c in cols
    }


def _quantile_codes(original: Table, released: Table, cols: list[str], bins: int) -> dict[str, tuple[np.ndarray, ...]]:
    from safedata_core.evaluation import as_numbers, is_numeric_column, shared_codes
    from safedata_core.evaluation.binning import quantile_bins

    out: dict[str, tuple[np.ndarray, ...]] = {}
    for c in cols:
        if not is_numeric_column(original, c):
            out[c] = shared_codes(original.df[c], released.df[c], numeric=False)
            continue
        a, b = as_numbers(original.df[c]), as_numbers(released.df[c])
        binner = quantile_bins(a, bins)
        out[c] = (binner.codes(a), binner.codes(b), np.asarray(binner.n_codes))
    return out


def _binned(
    original: Table, released: Table, cols: list[str], bins: int, binning: str
) -> dict[str, tuple[np.ndarray, ...]]:
    """Shared codes of ``cols``: numbers in quantile bins with point masses (default) or equal-width bins."""
    if binning == "uniform":
        return _codes(original, released, cols, bins)
    return _quantile_codes(original, released, cols, bins)


def _joint(a: np.ndarray, b: np.ndarray, na: int, nb: int) -> np.ndarray:
    return np.bincount(a * nb + b, minlength=na * nb).reshape(na, nb).astype(float)


def cramers_v(table: np.ndarray) -> float:
    """Cramér's V of a contingency table (empty rows and columns ignored); 0 when undefined."""
    t = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n = t.sum()
    k = min(t.shape) - 1
    if n == 0 or k < 1:
        return 0.0
    expected = np.outer(t.sum(axis=1), t.sum(axis=0)) / n
    chi2 = ((t - expected) ** 2 / expected).sum()
    return float(np.sqrt(min(chi2 / n / k, 1.0)))


def _entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def theil_u(table: np.ndarray) -> float:
    """Symmetric uncertainty coefficient ``2 I(X;Y) / (H(X) + H(Y))`` of a contingency table; 0 when undefined."""
    n = table.sum()
    if n == 0:
        return 0.0
    p = table / n
    hx, hy, hxy = _entropy(p.sum(axis=1)), _entropy(p.sum(axis=0)), _entropy(p.ravel())
    return float(2 * (hx + hy - hxy) / (hx + hy)) if hx + hy > 0 else 0.0


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation on the rows where both are present (NaN when undefined)."""
    ok = ~(np.isnan(x) | np.isnan(y))
    if ok.sum() < 2:
        return float("nan")
    a, b = x[ok] - x[ok].mean(), y[ok] - y[ok].mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denom) if denom > 0 else float("nan")


class PairParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: list[str] | None = Field(None, description="Columns whose pairs are scored (default: all shared).")
    bins: int = Field(10, ge=2, description="Bins for numeric and datetime columns (edges from the original).")


class Marginal2WayParams(PairParams):
    binning: Literal["quantile", "uniform"] = Field(
        "quantile",
        description="Numeric bins: 'quantile' (quantile intervals plus one bin per point mass, a value held by "
        ">= 1/bins of the rows) or 'uniform' (equal widths, SDMetrics' ContingencySimilarity).",
    )


class CorrelationDifferenceParams(PairParams):
    categorical: Literal["cramers_v", "theil_u"] = Field(
        "cramers_v", description="Association measure for pairs with a categorical column."
    )
    binning: Literal["quantile", "uniform"] = Field(
        "quantile",
        description="Numeric bins of mixed pairs: 'quantile' (quantile intervals plus one bin per point mass) "
        "or 'uniform' (equal widths over the original's range, as SDMetrics).",
    )


class Marginal2WayMetric(Metric):
    """Pairwise fidelity: mean over all column pairs of 1 - total variation distance of the 2-way marginals.

    **Privacy guarantee**: none; an evaluation on the original data, not a release.

    **Assumptions**: numbers and datetimes are binned on the original: by default
    (``binning: quantile``) into quantile intervals plus one bin per point mass (a
    value held by at least ``1 / bins`` of the rows, e.g. ``capital_gain = 0``), so a
    release that thins out such a spike scores worse; ``binning: uniform`` uses
    ``np.histogram_bin_edges`` (``bins`` equal-width bins; SDMetrics'
    ContingencySimilarity). Missing values are a value of their own; every pair of
    ``columns`` is scored.

    **Example**: ``{"use": "marginal_2way", "target": "synth", "params": {"bins": 10, "binning": "quantile"}}``
    """

    name = "marginal_2way"
    Params = Marginal2WayParams
    supports_dask = True  # on a seeded random sample of a Dask original (details.sample_rows)

    def compute(self, original: Table, released: Table, *, holdout: Table | None = None, seed: int = 0) -> MetricResult:
        from safedata_core.evaluation import resolve_columns
        from safedata_core.evaluation.distributed import local_sample

        original, sampled = local_sample(original, seed)

        cols = resolve_columns(self.params.columns, original, released, where="marginal_2way params.columns")
        codes = _binned(original, released, cols, self.params.bins, self.params.binning)
        pairs = []
        for a, b in combinations(cols, 2):
            (ra, sa, na), (rb, sb, nb) = codes[a], codes[b]
            p = _joint(ra, rb, int(na), int(nb)) / max(len(ra), 1)
            q = _joint(sa, sb, int(na), int(nb)) / max(len(sa), 1)
            pairs.append({"columns": [a, b], "score": float(1 - 0.5 * np.abs(p - q).sum())})
        score = float(np.mean([x["score"] for x in pairs])) if pairs else float("nan")
        details: dict[str, Any] = {"pairs": pairs, "binning": self.params.binning}
        if sampled is not None:
            details["sample_rows"] = sampled
        return MetricResult(score=score, details=details)


class CorrelationDifferenceMetric(Metric):
    """Pairwise fidelity: how well the release keeps each pair's association (1 is best).

    Numeric pairs compare Pearson correlations (similarity ``1 - |r - r'| / 2``);
    pairs with a categorical column compare Cramér's V (or the symmetric Theil's U)
    of their binned contingency tables (similarity ``1 - |v - v'|``). ``details``
    lists each pair's original and released association.

    **Privacy guarantee**: none; an evaluation on the original data, not a release.

    **Assumptions**: Pearson uses rows where both values are present; for pairs
    with a categorical column numbers are binned on the original, by default
    (``binning: quantile``) into quantile intervals plus one bin per point mass as
    ``marginal_2way`` does (``binning: uniform``: equal widths over the original's
    range), and missing values are a category.

    **Example**: ``{"use": "correlation_difference", "target": "synth", "params": {"categorical": "theil_u"}}``
    """

    name = "correlation_difference"
    Params = CorrelationDifferenceParams

    def compute(self, original: Table, released: Table, *, holdout: Table | None = None, seed: int = 0) -> MetricResult:
        from safedata_core.evaluation import as_numbers, is_numeric_column, resolve_columns

        cols = resolve_columns(self.params.columns, original, released, where="correlation_difference params.columns")
        numeric = {c: is_numeric_column(original, c) for c in cols}
        codes = _binned(original, released, cols, self.params.bins, self.params.binning)
        assoc = cramers_v if self.params.categorical == "cramers_v" else theil_u
        pairs: list[dict[str, Any]] = []
        for a, b in combinations(cols, 2):
            if numeric[a] and numeric[b]:
                r = pearson(as_numbers(original.df[a]), as_numbers(original.df[b]))
                s = pearson(as_numbers(released.df[a]), as_numbers(released.df[b]))
                measure, sim = "pearson", 1 - abs(r - s) / 2
            else:
                (ra, sa, na), (rb, sb, nb) = codes[a], codes[b]
                r = assoc(_joint(ra, rb, int(na), int(nb)))
                s = assoc(_joint(sa, sb, int(na), int(nb)))
                measure, sim = self.params.categorical, 1 - abs(r - s)
            pairs.append({"columns": [a, b], "measure": measure, "original": r, "released": s, "score": float(sim)})
        valid = [x["score"] for x in pairs if not pd.isna(x["score"])]
        return MetricResult(score=float(np.mean(valid)) if valid else float("nan"), details={"pairs": pairs})


@hookimpl
def register_metrics(register: Any) -> None:
    register(CorrelationDifferenceMetric)
    register(Marginal2WayMetric)
