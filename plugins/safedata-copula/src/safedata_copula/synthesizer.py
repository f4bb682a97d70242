"""The ``gaussian_copula`` synthesizer: per-column marginals joined by a Gaussian copula, DP or not."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_copula.correlation import (
    correlation_noise_multiplier,
    dp_correlation,
    normal_scores,
    score_correlation,
)
from safedata_copula.fitting import dp_marginal, plain_marginal
from safedata_copula.marginals import Marginal
from safedata_core import ComponentError, Synthesizer, Table
from safedata_core.components.state import ModelState
from safedata_core.data import Metadata
from safedata_core.privacy import BudgetShare, require_declared

__all__ = ["CopulaParams", "GaussianCopulaSynthesizer"]


class CopulaParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dp: bool = Field(True, description="DP fit (needs a budget share with delta > 0). False = non-private fit.")
    marginals: Literal["auto", "empirical", "parametric"] = Field(
        "auto",
        description="Non-private numeric marginals: best parametric family if its KS distance is within "
        "ks_tolerance, else empirical ('auto'); or always one kind.",
    )
    ks_tolerance: float = Field(
        0.02, ge=0, le=1, description="Largest KS distance at which 'auto' keeps a parametric family."
    )
    cells: int = Field(
        128,
        ge=4,
        le=4096,
        description="Histogram cells per numeric column (DP) or most knots of an empirical marginal / 8 (non-private).",
    )
    marginal_share: float = Field(
        0.5,
        gt=0,
        lt=1,
        description="DP: share of epsilon for the marginals (basic "
        "composition); the correlation gets exactly what "
        "is left by the ledger's accountant, and the delta "
        "not used by category selections.",
    )
    clip_factor: float = Field(
        1.5,
        gt=0,
        description="DP: each record's normal-score vector is clipped to L2 norm "
        "clip_factor * sqrt(number of columns).",
    )


class GaussianCopulaSynthesizer(Synthesizer):
    """Gaussian copula: per-column marginals and a correlation of normal scores.

    Numeric marginals are parametric (normal, log-normal, gamma, beta,
    uniform, picked by Kolmogorov-Smirnov distance) or empirical, with point
    masses (``capital_gain == 0``) kept; categorical and boolean columns use
    frequency-interval encoding; missing values are their own category (or
    point mass). Sampling draws correlated normals and maps them back.

    **Privacy guarantee**: with ``dp: true``, (epsilon, delta)-DP under
    add/remove adjacency, with exact discrete noise and per-record jitter
    drawn from the share's secure noise source (never from the seed): one
    discrete-Laplace histogram per column over its public domain
    (``marginal_share`` of epsilon, split evenly), then the correlation from
    the second moments of the clipped normal-score vectors with the Gaussian
    mechanism, whose noise multiplier is found by bisection on the ledger's
    accountant so the step spends exactly its share (the rest of delta goes
    there too). Both are charged before use. The DP row estimate is the
    inverse-variance mean of the histograms' noisy totals. With
    ``dp: false``, none.

    **Assumptions**: under DP every column must be declared in the metadata
    (type; ``bounds`` for numeric columns; ``categories``, or a DP category
    selection that uses delta); ``nullable: false`` is honoured (no missing
    values are produced). The step needs delta > 0 when there are two or more
    columns. Dependence is captured only through one correlation matrix of
    normal scores (no tail or higher-order dependence). Datetime and text
    columns are not supported.

    **Example**: ``{id: synth, use: gaussian_copula, privacy: {epsilon: 1.0, delta: 1.0e-6}}``
    """

    name = "gaussian_copula"
    privacy = "dp"
    requires_delta = True  # the DP correlation is a Gaussian mechanism
    Params = CopulaParams

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        self._metadata: Metadata | None = None
        self._marginals: list[Marginal] = []
        self._corr: np.ndarray | None = None
        self._facts: dict[str, Any] = {}
        self._n_estimate: int | None = None

    def _fit(self, table: Table, *, budget: BudgetShare | None, seed: int) -> None:
        """Learn the model; the base ``fit`` has refused a DP fit without a budget."""
        p = self.params
        if p.dp:
            assert budget is not None
            self._fit_dp(table, budget)
            return
        meta, rng = table.metadata, np.random.default_rng(seed)
        marginals = [
            plain_marginal(
                c, table.df[c], meta.columns[c], mode=p.marginals, ks_tolerance=p.ks_tolerance, max_cells=8 * p.cells
            )
            for c in table.columns
        ]
        z = normal_scores(np.column_stack([m.encode(table.df[m.name], rng) for m in marginals]))
        self._metadata, self._marginals, self._corr = meta, marginals, score_correlation(z)
        self._facts, self._n_estimate = {"mode": "non-private"}, None

    def _fit_dp(self, table: Table, budget: BudgetShare) -> None:
        """DP marginals first, then the correlation calibrated to spend exactly the rest of the share."""
        p, meta, d = self.params, table.metadata, len(table.columns)
        require_declared(table, where=f"step '{budget.step}'", component=self.name)
        if d > 1 and budget.delta <= 0:
            raise ComponentError(
                "gaussian_copula: the DP correlation uses the Gaussian mechanism and needs delta > 0; give the "
                "step a delta (privacy: {epsilon: ..., delta: 1.0e-6})"
            )
        eps, delta = float(budget.epsilon), float(budget.delta)
        eps_marg = eps * p.marginal_share if d > 1 else eps
        n_select = sum(
            1 for c in table.columns if meta.columns[c].type == "categorical" and not meta.columns[c].is_public_domain
        )
        delta_select = (delta / 2 if d > 1 else delta) if n_select else 0.0
        fitted = [
            dp_marginal(
                c,
                table.df[c],
                meta.columns[c],
                budget=budget,
                epsilon=eps_marg / d,
                delta=delta_select / max(n_select, 1),
                n_cells=p.cells,
            )
            for c in table.columns
        ]
        marginals = [m for m, _, _ in fitted]
        # DP row estimate: inverse-variance mean of the histograms' noisy totals (post-processing)
        weights = np.array([1.0 / var for _, _, var in fitted])
        n_hat = float(np.dot(weights, [total for _, total, _ in fitted]) / weights.sum())
        self._facts = {"mode": "dp", "epsilon_split": {"marginals": eps_marg}}
        corr = np.ones((1, 1))
        if d > 1:
            # per-record jitter of the randomised PIT: DP randomness, from the share's noise source
            jitter = budget.noise.generator
            u = np.column_stack([m.encode(table.df[m.name], jitter) for m in marginals])
            z = np.nan_to_num(normal_scores(u), nan=0.0)  # a value without a CDF interval is neutral
            delta_corr = delta - delta_select
            nm = correlation_noise_multiplier(budget, d * (d + 1) // 2, delta_corr)
            corr = dp_correlation(
                z,
                clip_norm=p.clip_factor * np.sqrt(d),
                budget=budget,
                noise_multiplier=nm,
                delta=delta_corr,
                note="gaussian_copula: correlation of normal scores",
            )
            self._facts["correlation_noise_multiplier"] = nm
        # the output metadata is the declared one; a column is nullable only if its marginal kept missing mass
        out = {m.name: meta.columns[m.name].model_copy(update={"nullable": m.has_missing}) for m in marginals}
        self._metadata, self._marginals, self._corr = Metadata(columns=out), marginals, corr
        self._n_estimate = max(1, round(n_hat))

    def estimated_rows(self) -> int | None:
        """DP fits: inverse-variance mean of the marginal histograms' noisy totals; ``None`` when non-private."""
        return self._n_estimate

    def sample(self, n: int, *, seed: int) -> Table:
        if self._metadata is None or self._corr is None:
            raise ComponentError("gaussian_copula: call fit() before sample()")
        from scipy.special import ndtr

        rng = np.random.default_rng(seed)
        chol = np.linalg.cholesky(self._corr)
        u = ndtr(rng.standard_normal((n, len(self._marginals))) @ chol.T)
        return Table(pd.DataFrame({m.name: m.decode(u[:, i]) for i, m in enumerate(self._marginals)}), self._metadata)

    def report_extras(self) -> dict[str, Any]:
        return {"marginal_families": {m.name: m.family for m in self._marginals}, **self._facts}

    def state_dict(self) -> dict[str, Any] | None:
        if self._metadata is None or self._corr is None:
            return None
        parts = {"marginals": [m.to_dict() for m in self._marginals], "correlation": self._corr.tolist()}
        return ModelState(self._metadata, parts, self._facts, self._n_estimate).to_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        saved = ModelState.from_dict(state, ("marginals", "correlation"), where="gaussian_copula")
        self._metadata, self._facts = saved.metadata, saved.facts
        self._marginals = [Marginal.from_dict(m) for m in saved.parts["marginals"]]
        self._corr = np.asarray(saved.parts["correlation"], dtype=float)
        self._n_estimate = None if saved.estimated_rows is None else int(saved.estimated_rows)
