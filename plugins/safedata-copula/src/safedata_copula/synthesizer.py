"""The ``gaussian_copula`` synthesizer: per-column marginals joined by a Gaussian copula, DP or not."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_copula.correlation import dp_correlation, normal_scores, score_correlation
from safedata_copula.fitting import dp_marginal, plain_marginal
from safedata_copula.marginals import Marginal
from safedata_core import ComponentError, PrivacyBudgetError, Synthesizer, Table
from safedata_core.data import Metadata

__all__ = ["CopulaParams", "GaussianCopulaSynthesizer"]


class CopulaParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dp: bool = Field(True, description="DP fit (needs a budget share with delta > 0). False = non-private fit.")
    marginals: Literal["auto", "empirical", "parametric"] = Field(
        "auto", description="Non-private numeric marginals: best parametric family if its KS distance is within "
                            "ks_tolerance, else empirical ('auto'); or always one kind.")
    ks_tolerance: float = Field(0.02, ge=0, le=1, description="Largest KS distance at which 'auto' keeps a "
                                                              "parametric family.")
    cells: int = Field(128, ge=4, le=4096, description="Histogram cells per numeric column (DP) or most knots of "
                                                       "an empirical marginal / 8 (non-private).")
    marginal_share: float = Field(0.5, gt=0, lt=1, description="DP: share of epsilon for the marginals; the rest "
                                                               "(and all of delta) goes to the correlation.")
    clip_factor: float = Field(1.5, gt=0, description="DP: each record's normal-score vector is clipped to L2 norm "
                                                      "clip_factor * sqrt(number of columns).")


class GaussianCopulaSynthesizer(Synthesizer):
    """Gaussian copula: per-column marginals and a correlation of normal scores.

    Numeric marginals are parametric (normal, log-normal, gamma, beta,
    uniform, picked by Kolmogorov-Smirnov distance) or empirical, with point
    masses (``capital_gain == 0``) kept; categorical and boolean columns use
    frequency-interval encoding; missing values are their own category (or
    point mass). Sampling draws correlated normals and maps them back.

    **Privacy guarantee**: with ``dp: true``, (epsilon, delta)-DP under
    add/remove adjacency: one Laplace histogram per column over its public
    domain (``marginal_share`` of epsilon, split evenly), then the
    correlation from the second moments of the clipped normal-score vectors
    with the Gaussian mechanism (the rest of epsilon and the step's delta),
    both charged to the ledger before use. With ``dp: false``, none.

    **Assumptions**: under DP numeric columns need public ``bounds`` and
    categorical columns public ``categories`` (otherwise a DP category
    selection that uses delta); the step needs delta > 0 when there are two
    or more columns. Dependence is captured only through one correlation
    matrix of normal scores (no tail or higher-order dependence). Datetime and
    text columns are not supported.

    **Example**: ``{id: synth, use: gaussian_copula, privacy: {epsilon: 1.0, delta: 1.0e-6}}``
    """

    name = "gaussian_copula"
    privacy = "dp"
    Params = CopulaParams

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        self._metadata: Metadata | None = None
        self._marginals: list[Marginal] = []
        self._corr: np.ndarray | None = None

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        p = self.params
        if p.dp and budget is None:
            raise PrivacyBudgetError(
                "gaussian_copula: DP fit needs a privacy budget share (give the pipeline a privacy budget, "
                "or set params.dp: false for a non-private fit)"
            )
        meta = table.metadata
        d = len(table.columns)
        if not p.dp:
            rng = np.random.default_rng(seed)
            marginals = [plain_marginal(c, table.df[c], meta.columns[c], mode=p.marginals,
                                        ks_tolerance=p.ks_tolerance, max_cells=8 * p.cells) for c in table.columns]
            z = normal_scores(np.column_stack([m.encode(table.df[m.name], rng) for m in marginals]))
            corr = score_correlation(z)
        else:
            if d > 1 and budget.delta <= 0:
                raise ComponentError(
                    "gaussian_copula: the DP correlation uses the Gaussian mechanism and needs delta > 0; give the "
                    "step a delta (privacy: {epsilon: ..., delta: 1.0e-6})"
                )
            rng = budget.noise_rng(seed)
            eps = float(budget.epsilon)
            eps_marg = eps * p.marginal_share if d > 1 else eps
            n_select = sum(1 for c in meta.columns.values() if c.type == "categorical" and not c.is_public_domain)
            delta_select = (float(budget.delta) / 2 if d > 1 else float(budget.delta)) if n_select else 0.0
            marginals = [dp_marginal(c, table.df[c], meta.columns[c], budget=budget, epsilon=eps_marg / d,
                                     delta=delta_select / max(n_select, 1), n_cells=p.cells, rng=rng)
                         for c in table.columns]
            if d > 1:
                z = normal_scores(np.column_stack([m.encode(table.df[m.name], rng) for m in marginals]))
                delta_corr = float(budget.delta) - delta_select
                corr = dp_correlation(z, clip_norm=p.clip_factor * np.sqrt(d), budget=budget, epsilon=eps - eps_marg,
                                      delta=delta_corr, rng=rng, note="gaussian_copula: correlation of normal scores")
            else:
                corr = np.ones((1, 1))
            # the output carries only public metadata: ``nullable`` may have been inferred from the data
            meta = Metadata(columns={c: meta.columns[c].model_copy(update={"nullable": True}) for c in table.columns})
        self._metadata, self._marginals, self._corr = meta, marginals, corr

    def sample(self, n: int, *, seed: int) -> Table:
        if self._metadata is None or self._corr is None:
            raise ComponentError("gaussian_copula: call fit() before sample()")
        from scipy.special import ndtr

        rng = np.random.default_rng(seed)
        chol = np.linalg.cholesky(self._corr)
        u = ndtr(rng.standard_normal((n, len(self._marginals))) @ chol.T)
        return Table(pd.DataFrame({m.name: m.decode(u[:, i]) for i, m in enumerate(self._marginals)}), self._metadata)

    def report_extras(self) -> dict[str, Any]:
        return {"marginal_families": {m.name: m.family for m in self._marginals}}

    def state_dict(self) -> dict[str, Any] | None:
        if self._metadata is None or self._corr is None:
            return None
        return {"metadata": self._metadata.to_dict(), "marginals": [m.to_dict() for m in self._marginals],
                "correlation": self._corr.tolist()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._metadata = Metadata.from_dict(state["metadata"])
        self._marginals = [Marginal.from_dict(m) for m in state["marginals"]]
        self._corr = np.asarray(state["correlation"], dtype=float)
