"""Fitting the per-column marginals: non-private (parametric by goodness of fit, or empirical) and DP."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from safedata_copula.marginals import Marginal, cells_to_knots, empirical_cells, fit_parametric, public_cells
from safedata_core import ComponentError
from safedata_core.data import ColumnMeta

__all__ = ["dp_marginal", "plain_marginal"]

MarginalMode = Literal["auto", "empirical", "parametric"]
_QUANTILE_KNOTS = np.linspace(0.0, 1.0, 257)


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


def plain_marginal(name: str, s: pd.Series, meta: ColumnMeta, *, mode: MarginalMode, ks_tolerance: float,
                   max_cells: int) -> Marginal:
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
        return Marginal.numeric_from_knots(name, "empty", np.zeros(2), np.array([0.0, 1.0]), integer=integer,
                                           p_missing=p_missing, clip=None)
    clip = (float(x.min()), float(x.max()))
    if mode != "empirical":
        family, dist, ks = fit_parametric(x, integer, meta.bounds)
        if dist is not None and (mode == "parametric" or ks <= ks_tolerance):
            qs = np.clip(_QUANTILE_KNOTS, 1e-4, 1 - 1e-4)
            xs = np.maximum.accumulate(dist.ppf(qs))
            m = Marginal.numeric_from_knots(name, family, xs, _QUANTILE_KNOTS, integer=integer,
                                            p_missing=p_missing, clip=clip)
            m.extras["ks"] = ks
            return m
    lo, hi, w = empirical_cells(x, max_cells)
    xs, fs = cells_to_knots(lo, hi, w, integer)
    return Marginal.numeric_from_knots(name, "empirical", xs, fs, integer=integer, p_missing=p_missing, clip=clip)


def dp_marginal(name: str, s: pd.Series, meta: ColumnMeta, *, budget: Any, epsilon: float, delta: float,
                n_cells: int, rng: np.random.Generator) -> Marginal:
    """DP marginal of one column: one Laplace histogram over its public (or DP-selected) domain, plus missing.

    The column must be declared in the metadata (not inferred). The missing cell is always released and used,
    whatever ``meta.nullable`` says, because ``nullable`` may have been inferred from the data.
    """
    from safedata_core.privacy import noisy_histogram

    kind = _kind(name, meta)
    if meta.inferred:
        raise ComponentError(
            f"gaussian_copula: column '{name}' is not declared in the metadata, so its type was inferred from the "
            "data (which would leak under DP); declare it (type, and bounds or categories) in the metadata"
        )
    note = f"gaussian_copula: marginal of '{name}'"
    if kind == "numeric":
        if meta.bounds is None or not meta.is_public_domain:
            raise ComponentError(
                f"gaussian_copula: numeric column '{name}' has no public bounds; declare bounds: [low, high] for it "
                "in the metadata (reading them from the data would leak)"
            )
        integer = meta.type == "integer"
        lo, hi = public_cells(meta.bounds, integer, n_cells)
        x = s.to_numpy(dtype=float)
        idx = np.clip(np.searchsorted(hi, x, side="left"), 0, len(hi) - 1)
        codes = np.where(np.isnan(x), len(hi), idx)
        counts = np.clip(np.asarray(noisy_histogram(codes, len(hi) + 1, budget=budget, epsilon=epsilon, rng=rng,
                                                    note=note), dtype=float), 0.0, None)
        # the missing cell is always kept: ``nullable`` is not public (it is inferred from the data when the
        # metadata does not declare it), so it must not decide anything here
        total = counts.sum()
        p_missing = float(counts[-1] / total) if total > 0 else 0.0
        xs, fs = cells_to_knots(lo, hi, counts[:-1], integer)
        return Marginal.numeric_from_knots(name, "dp_histogram", xs, fs, integer=integer, p_missing=p_missing,
                                           clip=(float(meta.bounds[0]), float(meta.bounds[1])))
    if kind == "categorical" and not meta.is_public_domain:
        from safedata_core.privacy import dp_select_categories

        if delta <= 0:
            raise ComponentError(
                f"gaussian_copula: categorical column '{name}' has no public categories and the step has delta=0; "
                "declare its categories in the metadata or give the step a delta > 0"
            )
        epsilon = epsilon / 2
        labels: list[Any] = sorted(dp_select_categories(s.dropna().astype(str).to_numpy(), budget=budget,
                                                        epsilon=epsilon, delta=delta, rng=rng,
                                                        note=f"gaussian_copula: domain of '{name}'")) or ["(none)"]
    else:
        labels = _discrete_labels(s, meta, kind)
    if kind == "boolean":
        b = s.astype("boolean")
        codes = np.where(b.isna().to_numpy(), 2, b.fillna(False).to_numpy(dtype=bool).astype(int))
    else:
        cat = pd.Categorical(s.astype(object).where(s.notna(), None), categories=labels).codes
        codes = np.where(cat < 0, len(labels), cat)
    counts = np.asarray(noisy_histogram(codes.astype(np.int64), len(labels) + 1, budget=budget, epsilon=epsilon,
                                        rng=rng, note=note), dtype=float)
    return Marginal.discrete(name, kind, "dp_histogram", [*labels, None], counts)
