"""Shared machinery of the marginal synthesizers: domains, measurements, sampling and state.

Subclasses implement :meth:`MarginalSynthesizer._fit_model` (selection,
measurement and estimation); this base class checks the budget, builds the
column domains from one (noisy) fine-cell histogram per column, measures
marginals through the core's Gaussian primitive, samples from the fitted
graphical model and decodes codes back to values.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from typing import Any

import numpy as np
import pandas as pd

from safedata_core import ComponentError, DataError, PrivacyBudgetError, Synthesizer, Table
from safedata_core.data import Metadata
from safedata_marginal.accounting import Planner
from safedata_marginal.domain import ColumnDomain, build_domain
from safedata_marginal.pgm import GraphicalModel, Measurement

__all__ = ["FitContext", "MarginalSynthesizer", "exact_marginal"]

#: share of epsilon (and of delta) spent selecting categories of columns without public categories
CATEGORY_EPSILON_SHARE = 0.05
CATEGORY_DELTA_SHARE = 0.5


def exact_marginal(codes: np.ndarray, attrs: tuple[int, ...], dom: list[int]) -> np.ndarray:
    """Exact counts of the marginal on ``attrs`` (sorted) of the code matrix."""
    shape = [dom[a] for a in attrs]
    flat = np.ravel_multi_index([codes[:, a] for a in attrs], shape) if attrs else np.zeros(len(codes), int)
    return np.bincount(flat, minlength=math.prod(shape)).reshape(shape).astype(float)


class FitContext:
    """What one fit works with: codes, domain sizes, the budget (or None), the planner and the noise rng."""

    def __init__(self, name: str, budget: Any, rng: np.random.Generator) -> None:
        self.name = name
        self.budget = budget
        self.rng = rng
        self.planner = Planner(budget) if budget is not None else None
        self.codes = np.zeros((0, 0), dtype=np.int64)
        self.dom: list[int] = []

    @property
    def private(self) -> bool:
        return self.budget is not None

    def measure(self, attrs: tuple[int, ...], sigma: float, note: str) -> Measurement:
        """Noisy (or, non-private, exact) marginal on ``attrs`` as a weighted measurement."""
        x = exact_marginal(self.codes, attrs, self.dom)
        if not self.private:
            return Measurement(attrs, x, np.ones(1))
        from safedata_core.privacy import gaussian_noisy_counts

        y = gaussian_noisy_counts(x.ravel(), sigma=sigma, budget=self.budget, rng=self.rng, note=note)
        return Measurement(attrs, np.asarray(y, dtype=float).reshape(x.shape), np.full(1, 1.0 / sigma))

    def measure_fine(self, sigma: float) -> Any:
        """The ``measure`` callable :func:`build_domain` uses for its fine-cell histogram."""

        def measure(counts: np.ndarray, note: str) -> tuple[np.ndarray, float]:
            if not self.private:
                return counts, 1.0
            from safedata_core.privacy import gaussian_noisy_counts

            noisy = gaussian_noisy_counts(counts, sigma=sigma, budget=self.budget, rng=self.rng, note=note)
            return np.asarray(noisy, dtype=float), sigma

        return measure


class MarginalSynthesizer(Synthesizer):
    """Base of ``mst`` and ``aim`` (not registered itself)."""

    privacy = "dp"

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        self._metadata: Metadata | None = None
        self._domains: list[ColumnDomain] = []
        self._model: GraphicalModel | None = None
        self._extras: dict[str, Any] = {}

    # -- fit ---------------------------------------------------------------------
    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        if self.params.dp and budget is None:
            raise PrivacyBudgetError(
                f"{self.name}: DP fit needs a privacy budget share (give the pipeline a privacy budget, "
                "or set params.dp: false for a non-private fit)"
            )
        if not self.params.dp:
            budget = None
        if len(table) == 0 or not table.columns:
            raise DataError(f"{self.name}: the input table is empty; give it rows and columns")
        if budget is not None and budget.spent().epsilon > 0:
            raise PrivacyBudgetError(
                f"step '{budget.step}': {self.name} plans to spend its whole share but epsilon="
                f"{budget.spent().epsilon:.6g} of it is already spent; give the step a fresh share"
            )
        rng = budget.noise_rng(seed) if budget is not None else np.random.default_rng(seed)
        ctx = FitContext(self.name, budget, rng)
        self._metadata = table.metadata
        self._fit_model(table, ctx)
        if budget is not None:
            self._extras["epsilon_spent"] = budget.spent().epsilon
            self._extras["charges"] = len(budget.events())

    @abstractmethod
    def _fit_model(self, table: Table, ctx: FitContext) -> None:
        """Select, measure and estimate the model (all data access through ``ctx``)."""

    def _private_labels(self, table: Table, ctx: FitContext) -> dict[str, list[Any]]:
        """DP category lists for categorical columns whose categories are not public (charged)."""
        if not ctx.private:
            return {}
        meta = table.metadata.columns
        unknown = [c for c in table.columns if meta[c].type == "categorical" and not meta[c].is_public_domain]
        if not unknown:
            return {}
        from safedata_core.privacy import dp_select_categories

        eps = ctx.budget.epsilon * CATEGORY_EPSILON_SHARE / len(unknown)
        delta = ctx.budget.delta * CATEGORY_DELTA_SHARE / len(unknown)
        labels = {}
        for col in unknown:
            values = table.df[col].dropna().astype(str).to_numpy()
            labels[col] = [
                str(v)
                for v in dp_select_categories(
                    values, budget=ctx.budget, epsilon=eps, delta=delta, rng=ctx.rng, note=f"categories of '{col}'"
                )
            ]
        return labels

    def _build_domains(
        self, table: Table, ctx: FitContext, sigma: float, labels: dict[str, list[Any]]
    ) -> list[Measurement]:
        """Column domains from one fine-cell histogram each; fills ``ctx.codes``/``ctx.dom``; 1-way measurements."""
        domains, ys, stds = [], [], []
        for col in table.columns:
            dom, y, std = build_domain(
                col,
                table.df[col],
                table.metadata.columns[col],
                measure=ctx.measure_fine(sigma),
                private=ctx.private,
                labels=labels.get(col),
                n_bins=self.params.bins,
                n_fine=self.params.fine_cells,
                where=self.name,
            )
            domains.append(dom)
            ys.append(y)
            stds.append(std)
        self._domains = domains
        ctx.dom = [d.size for d in domains]
        ctx.codes = np.stack([d.encode(table.df[d.name]) for d in domains], axis=1)
        return [
            Measurement((i,), y, 1.0 / std if ctx.private else np.ones(1))
            for i, (y, std) in enumerate(zip(ys, stds, strict=True))
        ]

    @staticmethod
    def _total(measurements: list[Measurement], private: bool) -> float:
        """Estimated row count: inverse-variance mean of the measurements' totals (post-processing)."""
        totals = np.array([float(m.y.sum()) for m in measurements])
        if not private:
            return float(totals[0])
        var = np.array([float(np.sum(np.broadcast_to(1.0 / m.w**2, m.y.shape))) for m in measurements])
        return float(max(np.sum(totals / var) / np.sum(1.0 / var), 1.0))

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
        return {
            "metadata": self._metadata.to_dict(),
            "domains": [d.to_dict() for d in self._domains],
            "model": self._model.to_dict(),
            "extras": self._extras,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._metadata = Metadata.from_dict(state["metadata"])
        self._domains = [ColumnDomain.from_dict(d) for d in state["domains"]]
        self._model = GraphicalModel.from_dict(state["model"])
        self._extras = dict(state.get("extras", {}))
