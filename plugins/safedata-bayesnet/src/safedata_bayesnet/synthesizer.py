"""The ``bayes_net`` synthesizer: a Bayesian network over discretised columns, PrivBayes under DP."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_bayesnet.codec import ColumnCodec
from safedata_bayesnet.discretize import binning_events, build_codecs, measurement_plan
from safedata_bayesnet.network import exact_conditionals, learn_structure, sample_network
from safedata_bayesnet.privbayes import (
    R_SCORE_SENSITIVITY,
    Network,
    calibrate_marginal_epsilon,
    greedy_structure,
    noisy_conditionals,
    useful_domain_limit,
)
from safedata_core import ComponentError, Synthesizer, Table
from safedata_core.components.state import ModelState
from safedata_core.data import Metadata
from safedata_core.execution import is_dask_frame
from safedata_core.privacy import BudgetShare, DiscreteLaplace, Exponential, add_noise, require_declared

__all__ = ["BayesNetParams", "BayesNetSynthesizer"]


class BayesNetParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dp: bool = Field(
        True, description="PrivBayes (needs a budget share). False = non-private pgmpy structure learning."
    )
    structure: Literal["hill_climb", "tree"] = Field(
        "hill_climb", description="Non-private structure search: pgmpy hill climbing, or a Chow-Liu tree."
    )
    score: Literal["bic", "bdeu"] = Field("bic", description="Score of the non-private hill-climbing search.")
    max_parents: int = Field(3, ge=0, le=6, description="Most parents per attribute (the degree k).")
    bins: int = Field(16, ge=2, le=256, description="Bins per numeric column seen by the network.")
    fine_cells: int = Field(
        128, ge=4, le=4096, description="Fine cells per numeric column used to place values inside their bin."
    )
    theta: float = Field(
        4.0,
        gt=0,
        description="DP: theta-usefulness; a noisy marginal's mean cell count must be "
        "at least theta times its noise scale.",
    )
    structure_share: float = Field(
        0.3,
        gt=0,
        lt=1,
        description="DP: share of the network budget for the structure "
        "(beta in the paper); the rest goes to the "
        "conditionals.",
    )
    binning_share: float = Field(
        0.1,
        ge=0,
        lt=1,
        description="DP: share of epsilon for the numeric fine histograms, "
        "DP category selections (domains that are not "
        "public) and missing counts of nullable columns.",
    )
    count_share: float = Field(
        0.02,
        gt=0,
        lt=1,
        description="DP: share of epsilon for the noisy row count (degree choice and the DP row estimate).",
    )
    pseudo_count: float = Field(
        0.0, ge=0, description="Non-private: count added to the cells of every seen parent configuration."
    )


class BayesNetSynthesizer(Synthesizer):
    """Bayesian-network synthesizer: pgmpy structure learning, or PrivBayes under DP.

    Numeric columns are cut into bins (heavy single values such as
    ``capital_gain == 0`` keep a bin of their own); sampled values are drawn
    inside their bin from a finer histogram, not set to the bin centre. Missing
    values are a category of their own. The learned network's edges are in the
    run report.

    **Privacy guarantee**: with ``dp: true``, epsilon-DP (plus the step's delta
    only when a categorical domain must be selected privately) under add/remove
    adjacency, with exact discrete Laplace noise and exponential-mechanism
    draws from the share's secure noise source (never from the seed). The
    share is split into: a noisy row count (``count_share``; it picks the degree
    and is the DP row estimate), the binning measurements (``binning_share``:
    one fine histogram per numeric column over its public bounds, a DP category
    selection per categorical column without public categories, a missing
    count per nullable categorical/boolean column), PrivBayes' ``d - 1``
    exponential-mechanism picks of (attribute, parents) scored by the R
    function (sensitivity 2 on counts; ``structure_share`` of the rest) and
    ``d`` noisy marginals for the conditionals, whose epsilon is raised by
    bisection on the ledger's accountant so the step spends exactly its share.
    Every part is charged before it is used. With ``dp: false``, none.

    **Assumptions**: under DP every column must be declared in the metadata
    (type; ``bounds`` for numeric columns; ``categories``, or a DP selection
    that needs delta > 0); ``nullable: false`` is honoured (no missing values
    are produced; a missing value found in such a column leaves its record
    out of the model). Datetime and text columns are not supported.
    Dependencies beyond ``max_parents`` parents per attribute and within-bin
    dependence between numeric columns are not modelled.

    **Example**: ``{id: synth, use: bayes_net, privacy: {epsilon: 1.0}, params: {max_parents: 3}}``
    """

    name = "bayes_net"
    supports_dask = True  # DP fits: exact counts over partitions (safedata_bayesnet.distributed)
    privacy = "dp"
    Params = BayesNetParams

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        self._metadata: Metadata | None = None
        self._codecs: list[ColumnCodec] = []
        self._network: Network = []
        self._cpts: list[np.ndarray] = []
        self._facts: dict[str, Any] = {}
        self._n_estimate: int | None = None

    # -- fitting --------------------------------------------------------------
    def _fit(self, table: Table, *, budget: BudgetShare | None, seed: int) -> None:
        """Learn the model; the base ``fit`` has refused a DP fit without a budget."""
        p = self.params
        if is_dask_frame(table.df) and not p.dp:
            raise ComponentError(
                "bayes_net on Dask fits under DP only (exact counts noised once); set dp: true with a privacy "
                "share, or run the non-private fit locally"
            )
        if p.dp:
            assert budget is not None
            self._fit_dp(table, budget)
        else:
            self._fit_plain(table)

    def _fit_plain(self, table: Table) -> None:
        p = self.params
        codecs = build_codecs(
            table, n_bins=p.bins, n_fine=p.fine_cells, budget=None, epsilon=0.0, delta=0.0, where="bayes_net"
        )
        codes = np.column_stack([c.encode(table.df[c.name]) for c in codecs])
        sizes = [c.size for c in codecs]
        network = learn_structure(codes, method=p.structure, score=p.score, max_parents=p.max_parents)
        cpts = exact_conditionals(codes, sizes, network, p.pseudo_count)
        self._set(
            table.metadata,
            codecs,
            network,
            cpts,
            {"mode": "non-private", "structure": p.structure, "score": p.score},
            None,
        )

    def _fit_dp(self, table: Table, budget: BudgetShare) -> None:
        """PrivBayes; every part is planned from public metadata, then charged and measured in order."""
        p, meta, where = self.params, table.metadata, "bayes_net"
        require_declared(table, where=f"step '{budget.step}'", component=self.name)
        columns = list(table.columns)
        d = len(columns)
        plan = measurement_plan(meta, columns, where)
        eps, delta = float(budget.epsilon), float(budget.delta)
        eps_bins = p.binning_share * eps if plan else 0.0
        eps_count = p.count_share * eps
        rest = eps - eps_count - eps_bins
        eps1 = p.structure_share * rest if d > 1 else 0.0
        picks = [Exponential(eps1 / (d - 1), R_SCORE_SENSITIVITY).event()] * (d - 1) if d > 1 else []
        # category selections get half of delta; the other half is for the accountant's conversion
        delta_bins = delta / 2 if any(t == "select" for _, t in plan) else 0.0
        planned = [*binning_events(plan, eps_bins, delta_bins), DiscreteLaplace(1, eps_count).event(), *picks]
        eps_m = calibrate_marginal_epsilon(budget, planned, d, (rest - eps1) / d)

        codecs = build_codecs(
            table, n_bins=p.bins, n_fine=p.fine_cells, budget=budget, epsilon=eps_bins, delta=delta_bins, where=where
        )
        n_hat = float(
            add_noise(budget, DiscreteLaplace(1, eps_count), float(len(table)), note=f"{where}: noisy row count")[()]
        )
        if is_dask_frame(table.df):  # Dask: the code matrix stays lazy, its joint tables are counted over partitions
            from safedata_bayesnet.distributed import DaskCodes

            codes: Any = DaskCodes(table.df, codecs)
        else:
            codes = np.column_stack([c.encode(table.df[c.name]) for c in codecs])
            # values with no code (not nullable / not kept) leave their record out
            codes = codes[(codes >= 0).all(axis=1)]
        sizes = [c.size for c in codecs]
        limit = useful_domain_limit(n_hat, eps_m * d, d, p.theta)
        network = greedy_structure(
            codes, sizes, budget=budget, epsilon=eps1, max_parents=p.max_parents, domain_limit=limit, where=where
        )
        cpts, _ = noisy_conditionals(codes, sizes, network, budget=budget, epsilon_each=eps_m, where=where)
        facts = {
            "mode": "privbayes",
            "epsilon_split": {
                "row_count": eps_count,
                "binning": eps_bins,
                "structure": eps1,
                "conditionals": eps_m * d,
            },
            "theta_domain_limit": limit,
            "conditional_noise_scale": 1.0 / eps_m,
        }
        # the output metadata is the declared one; a column is nullable only if it kept a missing code
        out_meta = Metadata(
            columns={c.name: meta.columns[c.name].model_copy(update={"nullable": c.missing}) for c in codecs}
        )
        self._set(out_meta, codecs, network, cpts, facts, max(1, round(n_hat)))

    def _set(
        self,
        meta: Metadata,
        codecs: list[ColumnCodec],
        network: Network,
        cpts: list[np.ndarray],
        facts: dict[str, Any],
        n_estimate: int | None,
    ) -> None:
        facts["degree"] = max((len(par) for _, par in network), default=0)
        self._metadata, self._codecs, self._network, self._cpts = meta, codecs, network, cpts
        self._facts, self._n_estimate = facts, n_estimate

    def estimated_rows(self) -> int | None:
        """DP fits: the charged noisy row count (rounded, at least 1); ``None`` after a non-private fit."""
        return self._n_estimate

    # -- sampling -------------------------------------------------------------
    def sample(self, n: int, *, seed: int) -> Table:
        if self._metadata is None:
            raise ComponentError("bayes_net: call fit() before sample()")
        rng = np.random.default_rng(seed)
        sizes = [c.size for c in self._codecs]
        codes = sample_network(self._network, self._cpts, sizes, n, rng)
        df = pd.DataFrame({c.name: c.decode(codes[:, i], rng) for i, c in enumerate(self._codecs)})
        return Table(df, self._metadata)

    def edges(self) -> list[tuple[str, str]]:
        """The learned network as (parent, child) column-name pairs."""
        names = [c.name for c in self._codecs]
        return [(names[par], names[x]) for x, parents in self._network for par in parents]

    def report_extras(self) -> dict[str, Any]:
        names = [c.name for c in self._codecs]
        return {
            "network_edges": [list(e) for e in self.edges()],
            "network_order": [names[x] for x, _ in self._network],
            **self._facts,
        }

    # -- state ----------------------------------------------------------------
    def state_dict(self) -> dict[str, Any] | None:
        if self._metadata is None:
            return None
        parts = {
            "codecs": [c.to_dict() for c in self._codecs],
            "network": [[x, list(par)] for x, par in self._network],
            "cpts": [c.tolist() for c in self._cpts],
        }
        return ModelState(self._metadata, parts, self._facts, self._n_estimate).to_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        saved = ModelState.from_dict(state, ("codecs", "network", "cpts"), where="bayes_net")
        self._metadata, self._facts = saved.metadata, saved.facts
        self._codecs = [ColumnCodec.from_dict(c) for c in saved.parts["codecs"]]
        self._network = [(int(x), tuple(int(v) for v in par)) for x, par in saved.parts["network"]]
        self._cpts = [np.asarray(c, dtype=float) for c in saved.parts["cpts"]]
        self._n_estimate = None if saved.estimated_rows is None else int(saved.estimated_rows)
