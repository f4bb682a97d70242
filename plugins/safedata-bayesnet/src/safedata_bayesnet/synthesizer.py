"""The ``bayes_net`` synthesizer: a Bayesian network over discretised columns, PrivBayes under DP."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_bayesnet.discretize import ColumnCodec, build_codecs
from safedata_bayesnet.network import exact_conditionals, learn_structure, sample_network
from safedata_bayesnet.privbayes import Network, greedy_structure, noisy_conditionals, useful_domain_limit
from safedata_core import ComponentError, PrivacyBudgetError, Synthesizer, Table
from safedata_core.data import Metadata

__all__ = ["BayesNetParams", "BayesNetSynthesizer"]


class BayesNetParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dp: bool = Field(True, description="PrivBayes (needs a budget share). False = non-private pgmpy structure "
                                       "learning.")
    structure: Literal["hill_climb", "tree"] = Field(
        "hill_climb", description="Non-private structure search: pgmpy hill climbing, or a Chow-Liu tree.")
    score: Literal["bic", "bdeu"] = Field("bic", description="Score of the non-private hill-climbing search.")
    max_parents: int = Field(3, ge=0, le=6, description="Most parents per attribute (the degree k).")
    bins: int = Field(16, ge=2, le=256, description="Bins per numeric column seen by the network.")
    fine_cells: int = Field(128, ge=4, le=4096,
                            description="Fine cells per numeric column used to place values inside their bin.")
    theta: float = Field(4.0, gt=0, description="DP: theta-usefulness; a noisy marginal's mean cell count must be "
                                                 "at least theta times its noise scale.")
    structure_share: float = Field(0.3, gt=0, lt=1, description="DP: share of the network budget for the structure "
                                                                 "(beta in the paper); the rest goes to the "
                                                                 "conditionals.")
    binning_share: float = Field(0.1, ge=0, lt=1, description="DP: share of epsilon for the numeric fine histograms "
                                                              "(and DP category selection when a domain is not "
                                                              "public).")
    count_share: float = Field(0.02, gt=0, lt=1, description="DP: share of epsilon for the noisy row count used to "
                                                             "choose the degree.")
    pseudo_count: float = Field(0.0, ge=0, description="Non-private: count added to the cells of every seen "
                                                       "parent configuration.")


class BayesNetSynthesizer(Synthesizer):
    """Bayesian-network synthesizer: pgmpy structure learning, or PrivBayes under DP.

    Numeric columns are cut into bins (heavy single values such as
    ``capital_gain == 0`` keep a bin of their own); sampled values are drawn
    inside their bin from a finer histogram, not set to the bin centre. Missing
    values are a category of their own. The learned network's edges are in the
    run report.

    **Privacy guarantee**: with ``dp: true``, epsilon-DP (plus the step's delta
    only when a categorical domain must be selected privately) under add/remove
    adjacency. The share's epsilon is split into: a Laplace row count
    (``count_share``, used to pick the degree), one Laplace fine histogram per
    numeric column over its public bounds (``binning_share``), PrivBayes'
    ``d - 1`` exponential-mechanism picks of (attribute, parents) scored by the
    R function (sensitivity 2 on counts; ``structure_share`` of the rest) and
    ``d`` Laplace noisy marginals for the conditionals (scale ``d / epsilon_2``
    on counts). Every part is charged to the ledger before it is used. With
    ``dp: false``, none.

    **Assumptions**: under DP numeric columns need public ``bounds`` in the
    metadata; categorical columns use their public ``categories`` (otherwise a
    DP selection that needs delta > 0). Datetime and text columns are not
    supported. Dependencies beyond ``max_parents`` parents per attribute and
    within-bin dependence between numeric columns are not modelled.

    **Example**: ``{id: synth, use: bayes_net, privacy: {epsilon: 1.0}, params: {max_parents: 3}}``
    """

    name = "bayes_net"
    privacy = "dp"
    Params = BayesNetParams

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        self._metadata: Metadata | None = None
        self._codecs: list[ColumnCodec] = []
        self._network: Network = []
        self._cpts: list[np.ndarray] = []
        self._facts: dict[str, Any] = {}

    # -- fitting --------------------------------------------------------------
    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        p = self.params
        if p.dp and budget is None:
            raise PrivacyBudgetError(
                "bayes_net: DP fit needs a privacy budget share (give the pipeline a privacy budget, "
                "or set params.dp: false for a non-private fit)"
            )
        budget = budget if p.dp else None
        rng = budget.noise_rng(seed) if budget is not None else np.random.default_rng(seed)
        eps = float(budget.epsilon) if budget is not None else 0.0
        meta = table.metadata
        needs_binning = any(meta.columns[c].is_numeric or (meta.columns[c].type == "categorical"
                                                              and not meta.columns[c].is_public_domain)
                            for c in table.columns)
        eps_bins = p.binning_share * eps if needs_binning else 0.0
        codecs = build_codecs(table, n_bins=p.bins, n_fine=p.fine_cells, budget=budget, epsilon=eps_bins,
                              delta=float(budget.delta) if budget is not None else 0.0, rng=rng, where="bayes_net")
        codes = np.column_stack([c.encode(table.df[c.name]) for c in codecs])
        sizes = [c.size for c in codecs]
        d = len(codecs)
        if budget is None:
            network = learn_structure(codes, method=p.structure, score=p.score, max_parents=p.max_parents)
            cpts = exact_conditionals(codes, sizes, network, p.pseudo_count)
            facts: dict[str, Any] = {"mode": "non-private", "structure": p.structure, "score": p.score}
        else:
            from safedata_core.privacy import noisy_histogram

            eps_count = p.count_share * eps
            n_hat = float(noisy_histogram(np.zeros(len(table), dtype=np.int64), 1, budget=budget, epsilon=eps_count,
                                          rng=rng, note="bayes_net: noisy row count (degree choice)")[0])
            rest = eps - eps_count - eps_bins
            eps1 = p.structure_share * rest if d > 1 else 0.0
            eps2 = rest - eps1
            limit = useful_domain_limit(n_hat, eps2, d, p.theta)
            for _ in range(d - 1):
                budget.charge("exponential", epsilon=eps1 / (d - 1), sensitivity=2.0,
                              note="bayes_net: PrivBayes pick of (attribute, parents) by R score")
            network = greedy_structure(codes, sizes, epsilon=eps1, max_parents=p.max_parents,
                                       domain_limit=limit, rng=rng)
            cpts, _ = noisy_conditionals(codes, sizes, network, budget=budget, epsilon=eps2, rng=rng)
            facts = {"mode": "privbayes", "epsilon_split": {"row_count": eps_count, "binning": eps_bins,
                                                            "structure": eps1, "conditionals": eps2},
                     "theta_domain_limit": limit, "conditional_noise_scale": d / eps2}
        if budget is not None:
            # the output carries only public metadata: ``nullable`` may have been inferred from the data
            meta = Metadata(columns={c.name: meta.columns[c.name].model_copy(update={"nullable": c.missing})
                                     for c in codecs})
        self._metadata, self._codecs, self._network, self._cpts = meta, codecs, network, cpts
        facts["degree"] = max((len(par) for _, par in network), default=0)
        self._facts = facts

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
        return {"network_edges": [list(e) for e in self.edges()],
                "network_order": [names[x] for x, _ in self._network], **self._facts}

    # -- state ----------------------------------------------------------------
    def state_dict(self) -> dict[str, Any] | None:
        if self._metadata is None:
            return None
        return {"metadata": self._metadata.to_dict(), "codecs": [c.to_dict() for c in self._codecs],
                "network": [[x, list(par)] for x, par in self._network],
                "cpts": [c.tolist() for c in self._cpts], "facts": self._facts}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._metadata = Metadata.from_dict(state["metadata"])
        self._codecs = [ColumnCodec.from_dict(c) for c in state["codecs"]]
        self._network = [(int(x), tuple(int(v) for v in par)) for x, par in state["network"]]
        self._cpts = [np.asarray(c, dtype=float) for c in state["cpts"]]
        self._facts = dict(state.get("facts", {}))
