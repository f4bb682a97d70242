"""Fitting the per-column marginals: non-private (parametric by goodness of fit, or empirical) and DP."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from safedata_copula.marginals import Marginal, cells_to_knots, fit_parametric
from safedata_core import ComponentError
from safedata_core.data import ColumnMeta
from safedata_core.privacy import dp_select_categories, noisy_histogram
from safedata_core.privacy.discretize import cell_index, empirical_cells, fine_cells, keeps_missing

if TYPE_CHECKING:
    from safedata_core.privacy import BudgetShare

__all__ = ["discrete_laplace_variance", "dp_marginal", "plain_marginal"]

MarginalMode = Literal["auto", "empirical", "parametric"]
_N_KNOTS = 257  # quantile knots 0, 1/256, ..., 1 (np.linspace at use: importing stays numpy-free)


def _kind(name: str, meta: ColumnMeta) -> Literal["numeric", "categorical", "boolean"]:
    if meta.is_numeric:
        return "numeric"
    if meta.type in ("categorical", "boolean"):
        return meta.type  # type: ignore[return-value]
    raise ComponentError(
        f"gaussian_copula: column '{name}' has type {meta.type}, which is not supported; drop the column or "
        "declare it categorical/numerical in the metadata"
    )


def _discrete_labels(s: pd.Series, meta: ColumnMeta, kind: str) -> list[Any]:
    if kind == "boolean":
        return [False, True]
    if meta.categories is not None:
        return [str(c) for c in meta.categories]
    return sorted(s.dropna().astype(str).unique().tolist())


def plain_marginal(
    name: str, s: pd.Series, meta: ColumnMeta, *, mode: MarginalMode, ks_tolerance: float, max_cells: int
) -> Marginal:
    """Non-private marginal of one column."""
    kind = _kind(name, meta)
    if kind != "numeric":
        labels = _discrete_labels(s, meta, kind)
        if kind == "boolean":
            b = s.astype("boolean")
            counts = [float((b == False).sum()), float((b == True).sum())]  # noqa: E712
        else:
            vc = s.dropna().astype(str).value_counts()
            counts = [float(vc.get(lab, 0)) for lab in labels]
        n_other = float(len(s) - sum(counts))  # missing or outside the declared categories
        if n_other > 0:
            labels, counts = [*labels, None], [*counts, n_other]
        return Marginal.discrete(name, kind, "frequency", labels, np.asarray(counts))
    x = s.dropna().to_numpy(dtype=float)
    p_missing = 1.0 - len(x) / len(s) if len(s) else 0.0
    integer = meta.type == "integer"
    if x.size == 0:
        return Marginal.numeric_from_knots(
            name, "empty", np.zeros(2), np.array([0.0, 1.0]), integer=integer, p_missing=p_missing, clip=None
        )
    clip = (float(x.min()), float(x.max()))
    if mode != "empirical":
        family, dist, ks = fit_parametric(x, integer, meta.bounds)
        if dist is not None and (mode == "parametric" or ks <= ks_tolerance):
            qs = np.clip(np.linspace(0.0, 1.0, _N_KNOTS), 1e-4, 1 - 1e-4)
            xs = np.maximum.accumulate(dist.ppf(qs))
            m = Marginal.numeric_from_knots(
                name, family, xs, np.linspace(0.0, 1.0, _N_KNOTS), integer=integer, p_missing=p_missing, clip=clip
            )
            m.extras["ks"] = ks
            return m
    lo, hi, w = empirical_cells(x, max_cells)
    xs, fs = cells_to_knots(lo, hi, w, integer)
    return Marginal.numeric_from_knots(name, "empirical", xs, fs, integer=integer, p_missing=p_missing, clip=clip)


def discrete_laplace_variance(scale: float) -> float:
    """Variance of the discrete Laplace distribution with P(k) proportional to exp(-|k| / scale)."""
    p = math.exp(-1.0 / scale)
    return 2.0 * p / (1.0 - p) ** 2


def dp_marginal(
    name: str, s: pd.Series, meta: ColumnMeta, *, budget: BudgetShare, epsilon: float, delta: float, n_cells: int
) -> tuple[Marginal, float, float]:
    """DP marginal of one declared column: one discrete-Laplace histogram over its public (or DP-selected) domain.

    A nullable column's histogram has a missing cell (missing or out-of-domain
    values), kept only when its noisy count clears
    :func:`~safedata_core.privacy.discretize.keeps_missing` (post-processing);
    a column declared ``nullable: false`` has none, and its missing values are
    counted nowhere. A categorical column without public categories first
    spends half of ``epsilon`` (and ``delta``) on a DP selection of its
    categories. Returns the marginal, the histogram's noisy total and that
    total's noise variance (for the DP row estimate).
    """
    kind = _kind(name, meta)
    note = f"gaussian_copula: marginal of '{name}'"
    nullable = bool(meta.nullable)
    if kind == "numeric":
        assert meta.bounds is not None  # require_declared refuses numeric columns without bounds
        integer = meta.type == "integer"
        lo, hi = fine_cells(meta.bounds, integer, n_cells)
        codes = cell_index(s.to_numpy(dtype=float), hi)
        noisy = _histogram(codes, len(hi), nullable, budget, epsilon, note)
        keep = nullable and keeps_missing(float(noisy[-1]), 1.0 / epsilon)
        counts = np.clip(noisy, 0.0, None)
        total = float(counts[: len(hi)].sum()) + (float(counts[-1]) if keep else 0.0)
        p_missing = float(counts[-1]) / total if keep and total > 0 else 0.0
        xs, fs = cells_to_knots(lo, hi, counts[: len(hi)], integer)
        marginal = Marginal.numeric_from_knots(
            name,
            "dp_histogram",
            xs,
            fs,
            integer=integer,
            p_missing=p_missing,
            clip=(float(meta.bounds[0]), float(meta.bounds[1])),
        )
    else:
        if kind == "categorical" and not meta.is_public_domain:
            if delta <= 0:
                raise ComponentError(
                    f"gaussian_copula: categorical column '{name}' has no public categories and the step has "
                    "delta=0; declare its categories in the metadata or give the step a delta > 0"
                )
            epsilon = epsilon / 2
            labels: list[Any] = dp_select_categories(
                s.dropna().astype(str).to_numpy(),
                budget=budget,
                epsilon=epsilon,
                delta=delta,
                note=f"gaussian_copula: domain of '{name}'",
            )
        else:
            labels = _discrete_labels(s, meta, kind)
        if kind == "boolean":
            b = s.astype("boolean")
            codes = np.where(b.isna().to_numpy(), 2, b.fillna(False).to_numpy(dtype=bool).astype(int))
        else:
            cat = pd.Categorical(s.astype(object).where(s.notna(), None), categories=labels).codes
            codes = np.where(cat < 0, len(labels), cat)
        noisy = _histogram(codes.astype(np.int64), len(labels), nullable, budget, epsilon, note)
        keep = nullable and (keeps_missing(float(noisy[-1]), 1.0 / epsilon) or not labels)
        if not labels and not keep:
            raise ComponentError(
                f"gaussian_copula: the DP selection kept no category of column '{name}' (too few records per "
                "category at this epsilon); declare its categories in the metadata or drop the column"
            )
        weights = noisy if keep else noisy[: len(labels)]
        marginal = Marginal.discrete(name, kind, "dp_histogram", [*labels, None] if keep else labels, weights)
    return marginal, float(noisy.sum()), noisy.size * discrete_laplace_variance(1.0 / epsilon)


def _histogram(
    codes: np.ndarray, n_values: int, nullable: bool, budget: BudgetShare, epsilon: float, note: str
) -> np.ndarray:
    """Noisy counts of ``codes`` over ``n_values`` cells plus a missing cell (code ``n_values``) when nullable."""
    if not nullable:
        codes = codes[codes < n_values]
    return noisy_histogram(codes, n_values + int(nullable), budget=budget, epsilon=epsilon, note=note)
