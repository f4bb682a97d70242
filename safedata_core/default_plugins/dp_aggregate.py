"""The ``dp_aggregate`` step: noisy group-by tables (count, sum, mean, quantiles) over public domains.

Statistics offices release tables, not only microdata. This mechanism computes
one row per cell of the cartesian product of the PUBLIC category lists of the
``group_by`` columns (every cell is released, even empty ones, so the set of
rows reveals nothing), clips every numeric value to public bounds (this bounds
each record's contribution), adds calibrated noise, and charges the ledger
once per statistic. Cells are disjoint, so one charge covers all cells
(parallel composition). The runner writes the result to
the release folder.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from safedata_core.components import Mechanism
from safedata_core.data import Table
from safedata_core.data.metadata import ColumnMeta, Metadata
from safedata_core.errors import ComponentError, PrivacyBudgetError
from safedata_core.hookspecs import hookimpl
from safedata_core.privacy.ledger import BudgetShare
from safedata_core.privacy.noising import (
    DiscreteGaussian,
    DiscreteLaplace,
    Gaussian,
    Laplace,
    NoiseMechanism,
    add_noise,
    gaussian_multiplier,
)
from safedata_core.privacy.primitives import em_quantiles

__all__ = ["DPAggregate", "Statistic"]

NoiseKind = Literal["laplace", "geometric", "gaussian"]


class Statistic(BaseModel):
    """One released statistic per cell."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stat: Literal["count", "sum", "mean", "quantile"] = Field(description="Which statistic to release per cell.")
    column: str | None = Field(None, description="Numeric column for sum, mean and quantile (not for count).")
    q: float | None = Field(None, ge=0, le=1, description="Quantile level in [0, 1] (quantile only).")

    @model_validator(mode="after")
    def _check(self) -> Statistic:
        if self.stat != "count" and self.column is None:
            raise ValueError(f"statistic '{self.stat}' needs a column")
        if self.stat == "quantile" and self.q is None:
            raise ValueError("statistic 'quantile' needs q (e.g. 0.5 for the median)")
        return self

    @property
    def label(self) -> str:
        if self.stat == "count":
            return "count"
        if self.stat == "quantile":
            return f"q{round(100 * float(self.q or 0), 4):g}_{self.column}"
        return f"{self.stat}_{self.column}"


class AggregateParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    group_by: list[str] = Field(
        default_factory=list, description="Categorical/boolean columns with public categories to group by."
    )
    statistics: list[Statistic] = Field(
        default_factory=lambda: [Statistic(stat="count")], description="Statistics to release for every cell."
    )
    mechanism: NoiseKind = Field(
        "laplace", description="Noise for counts/sums/means: laplace, geometric (integer noise) or gaussian."
    )
    bounds: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="Public [low, high] bounds per numeric column (override metadata)."
    )
    clip_counts: bool = Field(True, description="Post-process: clip released counts at 0 (spends nothing).")


class DPAggregate(Mechanism):
    """Noisy group-by table: count, sum, mean and quantiles per cell of public group domains.

    The share's epsilon (and, for ``gaussian``, its delta) is split evenly over
    the statistics. Counts have sensitivity 1; sums ``max(|low|, |high|)``;
    means are a noisy centred sum over a noisy count (half the statistic's
    budget each); quantiles use the exponential mechanism per cell. Rows whose
    group value is missing or outside the public categories are dropped; numeric
    missing values are skipped (they count towards ``count`` only).

    **Privacy guarantee**: (epsilon, delta)-DP with add/remove-one-record
    adjacency, one record = one row: each statistic is a Laplace / discrete
    Laplace / Gaussian or exponential mechanism over disjoint cells, composed
    by the ledger's accountant.

    **Assumptions**: each person contributes one row (bound contributions
    upstream otherwise); group categories and numeric bounds are public
    (declared metadata or the ``bounds`` Param), never inferred from the data.

    **Example**::

        - id: table
          use: dp_aggregate
          privacy: {epsilon: 1.0}
          params:
            group_by: [sex, race]
            statistics: [{stat: count}, {stat: mean, column: age}, {stat: quantile, column: age, q: 0.5}]
    """

    name = "dp_aggregate"
    Params = AggregateParams

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        self._facts: dict[str, Any] = {}

    @classmethod
    def columns_read(cls, params: Any, columns: list[str]) -> list[str]:
        """The only input columns this step reads: ``group_by`` and the statistics' columns (checked by the runner)."""
        p = params if isinstance(params, AggregateParams) else AggregateParams.model_validate(params or {})
        return [*p.group_by, *(st.column for st in p.statistics if st.column is not None)]

    # -- Mechanism API -------------------------------------------------------
    def randomise(
        self, values: np.ndarray, *, budget: BudgetShare, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        """Treat ``values`` as a count vector (sensitivity 1) and add the selected noise."""
        eps, delta = budget.remaining_epsilon(), budget.remaining_delta()
        return self._noise(np.asarray(values, dtype=float), 1.0, eps, delta, budget, "counts", counts=True)

    def release(self, table: Table, *, budget: BudgetShare, seed: int) -> Table:
        p = self.params
        grid, cell, n_cells = self._cells(table)
        rng = budget.noise.generator  # DP randomness (quantile selections) never comes from the seed
        k = len(p.statistics)
        if k == 0:
            raise ComponentError("dp_aggregate: 'statistics' is empty; list at least one, e.g. [{stat: count}]")
        eps = budget.remaining_epsilon() / k
        delta = budget.remaining_delta() / k if p.mechanism == "gaussian" else 0.0
        if not eps > 0:
            raise PrivacyBudgetError(f"step '{budget.step}': dp_aggregate has no epsilon left in its share")
        out = grid.copy()
        facts: dict[str, Any] = {"mechanism": p.mechanism, "cells": n_cells, "epsilon_per_statistic": eps}
        for st in p.statistics:
            out[st.label] = self._statistic(st, table, cell, n_cells, eps, delta, budget, rng)
        self._facts = facts
        meta = Metadata(columns={c: table.metadata.columns[c] for c in p.group_by})
        for st in p.statistics:
            meta.columns[st.label] = ColumnMeta(type="numerical", inferred=True)
        return Table.from_dataframe(out, meta, source="dp_aggregate")

    def report_extras(self) -> dict[str, Any]:
        return dict(self._facts)

    # -- internals ---------------------------------------------------------
    def _cells(self, table: Table) -> tuple[pd.DataFrame, np.ndarray, int]:
        """The public cell grid and each row's cell index (-1 = dropped)."""
        domains: list[list[Any]] = []
        codes: list[np.ndarray] = []
        for col in self.params.group_by:
            table.require_columns([col], where="dp_aggregate group_by")
            meta = table.metadata.columns[col]
            if not meta.is_public_domain or meta.is_numeric:
                raise ComponentError(
                    f"dp_aggregate: group_by column '{col}' has no public category list; declare its "
                    "categories in the metadata file (inferred categories would leak which values occur)"
                )
            cats = [False, True] if meta.type == "boolean" else list(meta.categories or [])
            s = table.df[col]
            c = pd.Categorical(s.astype(str), categories=[str(v) for v in cats]).codes.astype(np.int64)
            c[s.isna().to_numpy()] = -1
            domains.append(cats)
            codes.append(c)
        if not domains:
            return pd.DataFrame(index=[0]), np.zeros(len(table), dtype=np.int64), 1
        dims = tuple(len(d) for d in domains)
        ok = np.all(np.stack(codes) >= 0, axis=0)
        cell = np.full(len(table), -1, dtype=np.int64)
        cell[ok] = np.ravel_multi_index(tuple(c[ok] for c in codes), dims)
        index = pd.MultiIndex.from_product(domains, names=self.params.group_by)
        return index.to_frame(index=False), cell, int(np.prod(dims))

    def _bounds(self, table: Table, col: str) -> tuple[float, float]:
        table.require_columns([col], where="dp_aggregate statistics")
        if col in self.params.bounds:
            lo, hi = self.params.bounds[col]
        else:
            meta = table.metadata.columns[col]
            if not (meta.is_numeric and meta.is_public_domain and meta.bounds is not None):
                raise ComponentError(
                    f"dp_aggregate: column '{col}' has no public bounds; declare bounds in the metadata or "
                    f"pass params.bounds: {{{col}: [low, high]}}"
                )
            lo, hi = meta.bounds
        if not lo < hi:
            raise ComponentError(f"dp_aggregate: bounds of '{col}' must satisfy low < high, got [{lo}, {hi}]")
        return float(lo), float(hi)

    def _noise(
        self,
        exact: np.ndarray,
        sensitivity: float,
        eps: float,
        delta: float,
        budget: BudgetShare,
        note: str,
        *,
        counts: bool = False,
    ) -> np.ndarray:
        """Noise a per-cell query (one record changes one cell by at most ``sensitivity``) exactly."""
        mech = self.params.mechanism
        if mech in ("laplace", "geometric"):
            m: NoiseMechanism = DiscreteLaplace(1, eps) if counts else Laplace(sensitivity, eps, changed=1)
            return add_noise(budget, m, exact, note=note)
        if not delta > 0:
            raise PrivacyBudgetError(
                f"step '{budget.step}': dp_aggregate with mechanism gaussian needs a delta in the step's share"
            )
        sigma = gaussian_multiplier(eps, delta) * sensitivity
        g: NoiseMechanism = (
            DiscreteGaussian(sigma, 1.0, delta) if counts else Gaussian(sigma, sensitivity, delta, changed=1)
        )
        return add_noise(budget, g, exact, note=note)

    def _statistic(
        self,
        st: Statistic,
        table: Table,
        cell: np.ndarray,
        n_cells: int,
        eps: float,
        delta: float,
        budget: BudgetShare,
        rng: np.random.Generator,
    ) -> np.ndarray:
        keep = cell >= 0
        if st.stat == "count":
            counts = np.bincount(cell[keep], minlength=n_cells).astype(float)
            noisy = self._noise(counts, 1.0, eps, delta, budget, st.label, counts=True)
            return np.maximum(noisy, 0.0) if self.params.clip_counts else noisy
        assert st.column is not None
        lo, hi = self._bounds(table, st.column)
        x = pd.to_numeric(table.df[st.column], errors="coerce").to_numpy(dtype=float)
        keep = keep & ~np.isnan(x)
        x, c = np.clip(x[keep], lo, hi), cell[keep]
        if st.stat == "sum":
            sums = np.bincount(c, weights=x, minlength=n_cells)
            return self._noise(sums, max(abs(lo), abs(hi)), eps, delta, budget, st.label)
        if st.stat == "mean":
            mid, half = (lo + hi) / 2.0, (hi - lo) / 2.0
            sums = np.bincount(c, weights=x - mid, minlength=n_cells)
            counts = np.bincount(c, minlength=n_cells).astype(float)
            noisy_sum = self._noise(sums, half, eps / 2, delta / 2, budget, f"{st.label} sum")
            noisy_n = self._noise(counts, 1.0, eps / 2, delta / 2, budget, f"{st.label} count", counts=True)
            return np.asarray(np.clip(mid + noisy_sum / np.maximum(noisy_n, 1.0), lo, hi))
        # quantile: exponential mechanism in every (disjoint) cell, one charge
        budget.charge("exponential", epsilon=eps, epsilon_each=eps, sensitivity=1.0, note=st.label)
        order = np.argsort(c, kind="stable")
        xs, cs = x[order], c[order]
        starts = np.searchsorted(cs, np.arange(n_cells + 1))
        q = np.array([float(st.q or 0.0)])
        return np.array([em_quantiles(xs[starts[i] : starts[i + 1]], q, lo, hi, eps, rng)[0] for i in range(n_cells)])


@hookimpl
def register_mechanisms(register: Any) -> None:
    register(DPAggregate)
