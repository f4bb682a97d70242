"""Shared machinery of the marginal synthesizers: domains, measurements, sampling and state.

Subclasses implement :meth:`MarginalSynthesizer._fit_model` (selection,
measurement and estimation); this base class checks the budget and, under DP,
that every column is declared public metadata; builds the column domains from
one (noisy) fine-cell histogram per column; measures marginals with the core's
noise entry point (exact discrete Gaussian noise from the share's secure noise
source) and makes selections with its exponential mechanism; samples from the
fitted graphical model (seeded: sampling is post-processing) and decodes codes
back to values. After a DP fit, :meth:`MarginalSynthesizer.estimated_rows` is
the model's total, a DP row count from the noisy measurements.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from safedata_core import ComponentError, DataError, PrivacyBudgetError, Synthesizer, Table
from safedata_core.components.state import ModelState
from safedata_core.data import Metadata
from safedata_core.execution import is_dask_frame
from safedata_core.privacy import BudgetShare, Exponential, add_noise, require_declared, select
from safedata_marginal.accounting import Planner, measurement
from safedata_marginal.domain import ColumnDomain, Measure, build_domain, fine_layout
from safedata_marginal.pgm import GraphicalModel, Measurement

__all__ = ["FitContext", "MarginalSynthesizer", "exact_marginal", "measured_total"]

#: share of epsilon (and of delta) spent selecting categories of columns without public categories
CATEGORY_EPSILON_SHARE = 0.05
CATEGORY_DELTA_SHARE = 0.5


def exact_marginal(codes: np.ndarray, attrs: tuple[int, ...], dom: list[int]) -> np.ndarray:
    """Exact counts of the marginal on ``attrs`` (sorted) of the code matrix."""
    shape = [dom[a] for a in attrs]
    flat = np.ravel_multi_index([codes[:, a] for a in attrs], shape) if attrs else np.zeros(len(codes), int)
    return np.bincount(flat, minlength=math.prod(shape)).reshape(shape).astype(float)


def measured_total(measurements: list[Measurement], private: bool) -> float:
    """Row count from the measurements: inverse-variance mean of their noisy totals (post-processing, >= 1).

    Non-private (exact) measurements all hold the exact count; the first one's total is returned.
    """
    totals = np.array([float(m.y.sum()) for m in measurements])
    if not private:
        return float(totals[0])
    var = np.array([float(np.sum(np.broadcast_to(1.0 / m.w**2, m.y.shape))) for m in measurements])
    return float(max(np.sum(totals / var) / np.sum(1.0 / var), 1.0))


class FitContext:
    """What one fit works with: codes, domain sizes, the budget share (``None``: non-private) and its planner.

    Every data access that releases something goes through this object: the
    noisy measurements (:func:`~safedata_core.privacy.add_noise`) and the
    selections (:func:`~safedata_core.privacy.select`), both drawing from the
    share's secure noise source. Non-private fits get exact answers and argmax picks.
    """

    def __init__(self, name: str, budget: BudgetShare | None) -> None:
        self.name = name
        self.budget = budget
        self.planner = Planner(budget) if budget is not None else None
        self.codes = np.zeros((0, 0), dtype=np.int64)
        self.dom: list[int] = []
        self.frame: Any = None  # a Dask DataFrame: marginals are counted over its partitions
        self.domains: list[ColumnDomain] = []
        self._exact: dict[tuple[int, ...], np.ndarray] = {}
        self.fine_pairs: dict[tuple[int, int], np.ndarray] = {}

    def prefetch(self, attr_sets: Sequence[tuple[int, ...]]) -> None:
        """Count the exact marginals of ``attr_sets`` now (one pass over the partitions on Dask)."""
        todo = [a for a in dict.fromkeys(tuple(a) for a in attr_sets) if a not in self._exact]
        if self.fine_pairs:  # pairs counted on fine cells with the 1-way histograms: sum them into codes
            from safedata_marginal.distributed import coarsen

            for a in [a for a in todo if a in self.fine_pairs]:
                doms = [self.domains[i] for i in a]
                self._exact[a] = coarsen(self.fine_pairs[a], [d.group for d in doms], [d.size for d in doms])
            todo = [a for a in todo if a not in self._exact]
        if self.frame is not None and todo:
            from safedata_marginal.distributed import marginals

            self._exact.update(zip(todo, marginals(self.frame, self.domains, todo), strict=True))

    def exact(self, attrs: tuple[int, ...]) -> np.ndarray:
        """Exact counts of the marginal on ``attrs`` (from the code matrix, or counted over partitions)."""
        if self.frame is None:
            return exact_marginal(self.codes, attrs, self.dom)
        self.prefetch([attrs])
        return self._exact[tuple(attrs)]

    @property
    def private(self) -> bool:
        return self.budget is not None

    def noisy_counts(self, counts: np.ndarray, sigma: float, note: str) -> np.ndarray:
        """``counts`` plus exact discrete Gaussian noise of std ``sigma`` (charged), or exact when non-private."""
        if self.budget is None:
            return np.asarray(counts, dtype=float)
        return add_noise(self.budget, measurement(sigma, self.budget), counts, note=note)

    def measure(self, attrs: tuple[int, ...], sigma: float, note: str) -> Measurement:
        """Noisy (or, non-private, exact) marginal on ``attrs`` as a weighted measurement."""
        x = self.exact(attrs)
        if not self.private:
            return Measurement(attrs, x, np.ones(1))
        y = self.noisy_counts(x, sigma, note)
        return Measurement(attrs, y, np.full(1, 1.0 / sigma))

    def measure_fine(self, sigma: float) -> Measure:
        """The ``measure`` callable :func:`build_domain` uses for its fine-cell histogram."""

        def measure(counts: np.ndarray, note: str) -> tuple[np.ndarray, float]:
            return self.noisy_counts(counts, sigma, note), sigma if self.private else 1.0

        return measure

    def select(self, scores: np.ndarray, *, epsilon: float, sensitivity: float, note: str) -> int:
        """Index picked by the exponential mechanism on ``scores`` (charged); non-private: the best score."""
        if self.budget is None:
            return int(np.argmax(scores))
        return select(self.budget, Exponential(epsilon, sensitivity), scores, note=note)


class MarginalSynthesizer(Synthesizer):
    """Base of ``mst`` and ``aim`` (not registered itself)."""

    privacy = "dp"
    requires_delta = True  # Gaussian measurements: validate refuses a share with delta 0

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        self._metadata: Metadata | None = None
        self._domains: list[ColumnDomain] = []
        self._model: GraphicalModel | None = None
        self._extras: dict[str, Any] = {}
        self._rows: float | None = None

    # -- fit ---------------------------------------------------------------------
    def fit(self, table: Table, *, budget: BudgetShare | None, seed: int) -> None:
        if self.params.dp and budget is None:
            raise PrivacyBudgetError(
                f"{self.name}: DP fit needs a privacy budget share (give the pipeline a privacy budget, "
                "or set params.dp: false for a non-private fit)"
            )
        if not self.params.dp:
            budget = None
        if not table.columns:
            raise DataError(f"{self.name}: the input table has no columns; give it at least one column")
        if budget is None and len(table) == 0:
            # under DP an empty table is fitted like any other (refusing it would reveal n = 0)
            raise DataError(f"{self.name}: the input table is empty; give it rows")
        if budget is not None:
            # every column is read: its type, domain and nullability must be public, never inferred
            require_declared(table, table.columns, where=f"step '{budget.step}'", component=self.name)
            if budget.spent().epsilon > 0:
                raise PrivacyBudgetError(
                    f"step '{budget.step}': {self.name} plans to spend its whole share but epsilon="
                    f"{budget.spent().epsilon:.6g} of it is already spent; give the step a fresh share"
                )
        ctx = FitContext(self.name, budget)
        if is_dask_frame(table.df):
            ctx.frame = table.df
        self._metadata = table.metadata
        self._fit_model(table, ctx)
        # the model's total is an inverse-variance mean of the noisy measurements' totals: a DP row count
        self._rows = self._model.total if budget is not None and self._model is not None else None
        if budget is not None:
            self._extras["epsilon_spent"] = budget.spent().epsilon
            self._extras["charges"] = len(budget.events())

    def estimated_rows(self) -> int | None:
        """DP estimate of the input's row count after a DP fit (from the noisy measurements); else ``None``."""
        return None if self._rows is None else max(round(self._rows), 1)

    @abstractmethod
    def _fit_model(self, table: Table, ctx: FitContext) -> None:
        """Select, measure and estimate the model (all data access through ``ctx``)."""

    def _private_labels(self, table: Table, ctx: FitContext) -> dict[str, list[Any]]:
        """DP category lists for categorical columns whose categories are not public (charged)."""
        if ctx.budget is None:
            return {}
        meta = table.metadata.columns
        unknown = [c for c in table.columns if meta[c].type == "categorical" and not meta[c].is_public_domain]
        if not unknown:
            return {}
        if ctx.frame is not None:
            raise ComponentError(
                f"{self.name} on Dask: categorical column '{unknown[0]}' has no public categories; declare its "
                "categories in the metadata (or run locally, where they can be selected privately)"
            )
        from safedata_core.privacy import dp_select_categories

        eps = ctx.budget.epsilon * CATEGORY_EPSILON_SHARE / len(unknown)
        delta = ctx.budget.delta * CATEGORY_DELTA_SHARE / len(unknown)
        labels = {}
        for col in unknown:
            values = table.df[col].dropna().astype(str).to_numpy()
            labels[col] = [
                str(v)
                for v in dp_select_categories(
                    values, budget=ctx.budget, epsilon=eps, delta=delta, note=f"categories of '{col}'"
                )
            ]
        return labels

    def _build_domains(
        self, table: Table, ctx: FitContext, sigma: float, labels: dict[str, list[Any]]
    ) -> list[Measurement]:
        """Column domains from one fine-cell histogram each; fills ``ctx.codes``/``ctx.dom``; 1-way measurements."""
        domains, ys, stds = [], [], []
        exact: list[np.ndarray | None] = [None] * len(table.columns)
        if ctx.frame is not None:  # Dask: every fine-cell histogram in one pass (the cells are public)
            from safedata_marginal.distributed import fine_histograms

            layouts = [
                fine_layout(
                    col,
                    None,
                    table.metadata.columns[col],
                    private=ctx.private,
                    labels=labels.get(col),
                    n_fine=self.params.fine_cells,
                    where=self.name,
                )
                for col in table.columns
            ]
            pairs = self._dask_fine_pairs(len(layouts))
            hists, ctx.fine_pairs = fine_histograms(ctx.frame, layouts, pairs)
            exact = list(hists)
        for i, col in enumerate(table.columns):
            dom, y, std = build_domain(
                col,
                table.df[col] if ctx.frame is None else None,
                table.metadata.columns[col],
                measure=ctx.measure_fine(sigma),
                private=ctx.private,
                labels=labels.get(col),
                n_bins=self.params.bins,
                n_fine=self.params.fine_cells,
                where=self.name,
                exact=exact[i],
            )
            domains.append(dom)
            ys.append(y)
            stds.append(std)
        self._domains = domains
        ctx.dom = [d.size for d in domains]
        ctx.domains = domains
        if ctx.frame is None:
            ctx.codes = np.stack([d.encode(table.df[d.name]) for d in domains], axis=1)
        return [
            Measurement((i,), y, 1.0 / std if ctx.private else np.ones(1))
            for i, (y, std) in enumerate(zip(ys, stds, strict=True))
        ]

    def _dask_fine_pairs(self, d: int) -> list[tuple[int, int]]:
        """Pairs to count on fine cells with the 1-way histograms on Dask (default none; MST: all)."""
        return []

    # -- sample ------------------------------------------------------------------
    def sample(self, n: int, *, seed: int) -> Table:
        if self._model is None or self._metadata is None:
            raise ComponentError(f"{self.name}: call fit() before sample()")
        rng = np.random.default_rng(seed)
        codes = self._model.sample(int(n), rng)
        out = {d.name: d.decode(codes[:, i], rng) for i, d in enumerate(self._domains)}
        return Table(pd.DataFrame(out), self._metadata)

    def report_extras(self) -> dict[str, Any]:
        return dict(self._extras)

    # -- state -------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any] | None:
        if self._model is None or self._metadata is None:
            return None
        parts = {"domains": [d.to_dict() for d in self._domains], "model": self._model.to_dict()}
        return ModelState(self._metadata, parts, self._extras, self._rows).to_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if "extras" in state:  # saved before the shared ModelState keys: the same state under older names
            state = {**state, "facts": state["extras"], "estimated_rows": state.get("rows")}
        saved = ModelState.from_dict(state, ("domains", "model"), where=self.name)
        self._metadata, self._extras = saved.metadata, saved.facts
        self._domains = [ColumnDomain.from_dict(d) for d in saved.parts["domains"]]
        self._model = GraphicalModel.from_dict(saved.parts["model"])
        self._rows = None if saved.estimated_rows is None else float(saved.estimated_rows)
