"""The ``mst`` synthesizer: maximum-spanning-tree marginals (McKenna, Miklau & Sheldon 2021).

Three equal zCDP thirds: noisy 1-way marginals (on fine cells, which also
fix each column's bins and categories), a maximum spanning tree over the
attributes chosen privately with the exponential mechanism (score: L1 gap
between the exact pairwise marginal and the independence model of the noisy
1-ways), and noisy 2-way marginals on the tree's edges. A junction-tree
graphical model is fit to all measurements and sampled.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from safedata_core import Table
from safedata_marginal.base import FitContext, MarginalSynthesizer, exact_marginal, measured_total
from safedata_marginal.pgm import GraphicalModel, Measurement

__all__ = ["MSTParams", "MSTSynthesizer", "edge_scores", "select_tree"]


class MSTParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dp: bool = Field(True, description="Differentially private fit (needs a budget share). False = exact marginals.")
    bins: int = Field(16, ge=2, le=256, description="About how many bins a numeric column is cut into (by mass).")
    fine_cells: int = Field(
        128, ge=3, le=4096, description="Fine cells over a numeric column's bounds (measured once; decoding detail)."
    )
    iters: int = Field(1000, ge=1, le=100_000, description="Mirror-descent iterations of the model estimation.")


class MSTSynthesizer(MarginalSynthesizer):
    """MST: noisy 1- and 2-way marginals on a privately chosen spanning tree, fit by a graphical model.

    **Privacy guarantee**: with ``dp: true``, (epsilon, delta)-DP under add/remove-one
    adjacency. Every measurement is a histogram (L2 sensitivity 1) with exact discrete
    Gaussian noise, charged as a ``discrete_gaussian`` event; every tree edge is picked
    by the exponential mechanism (score sensitivity 1), an ``exponential`` event. All
    DP randomness comes from the share's secure noise source, never from the seed.
    The ledger's RDP accountant composes the events; the noise of the 2-way
    measurements is found by bisection on that composition so the step spends exactly
    its share. Categories of columns without public categories are chosen with the
    core's DP category selection (charged). Estimation, sampling and the row count
    (``estimated_rows``: the model's total, from the noisy measurements) are
    post-processing. With ``dp: false``, none: exact marginals.

    **Assumptions**: under DP every column must be declared in the metadata (type and
    ``nullable``; an inferred column is refused); numeric columns need public
    ``bounds`` (they are cut into fine cells over the bounds; each bound is a cell of
    its own, so spikes at 0 survive). Categories come from metadata (or DP
    selection), never from the data. Only pairwise dependencies along a tree are
    kept. Missing values are a code of their own when the column is nullable; a
    ``nullable: false`` column never gets missing values.

    **Example**: ``{id: synth, use: mst, privacy: {epsilon: 1.0}, params: {bins: 16}}``
    """

    name = "mst"
    supports_dask = True  # exact marginals over partitions (safedata_marginal.distributed)
    Params = MSTParams

    def _dask_fine_pairs(self, d: int) -> list[tuple[int, int]]:
        return [(a, b) for a in range(d) for b in range(a + 1, d)]  # the whole fit in one pass over the data

    def _fit_model(self, table: Table, ctx: FitContext) -> None:
        labels = self._private_labels(table, ctx)
        d = len(table.columns)
        sigma1 = eps_sel = 1.0
        if ctx.planner is not None:
            rho = ctx.planner.total_rho()
            parts = 3.0 if d > 1 else 1.0
            sigma1 = math.sqrt(d / (2.0 * rho / parts))
            eps_sel = math.sqrt(8.0 * (rho / parts) / max(d - 1, 1))
        oneway = self._build_domains(table, ctx, sigma1, labels)
        d_pairs = [(a, b) for a in range(d) for b in range(a + 1, d)]
        ctx.prefetch(d_pairs)  # Dask: every pairwise marginal in one pass
        pairs, scores = edge_scores(ctx.codes, ctx.dom, oneway, private=ctx.private, marginal=ctx.exact)
        edges = select_tree(ctx, d, pairs, scores, eps_sel)
        sigma2 = 1.0
        if ctx.planner is not None and edges:
            sigma2 = ctx.planner.sigma_for(len(edges))
        twoway = [ctx.measure(e, sigma2, f"2-way marginal {e}") for e in edges]
        measurements = oneway + twoway
        model = GraphicalModel(ctx.dom, [m.attrs for m in measurements], measured_total(measurements, ctx.private))
        loss = model.fit(measurements, iters=self.params.iters)
        self._model = model
        names = table.columns
        self._extras = {
            "tree": [[names[a], names[b]] for a, b in edges],
            "codes_per_column": dict(zip(names, ctx.dom, strict=True)),
            "sigma_1way": sigma1 if ctx.private else None,
            "sigma_2way": sigma2 if ctx.private and edges else None,  # one column: no 2-way marginal measured
            "fit_loss": loss,
        }


def edge_scores(
    codes: np.ndarray,
    dom: list[int],
    oneway: list[Measurement],
    *,
    private: bool = True,
    marginal: Callable[[tuple[int, ...]], np.ndarray] | None = None,
) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Every column pair and its MST score: the L1 gap between its exact 2-way marginal and the
    independence model ``N * p_a x p_b`` of the noisy 1-way measurements (``N``: their DP total).
    ``marginal`` gives exact marginals when the codes are not in memory (Dask).

    Only the exact 2-way marginal reads the data, and one record moves it by one in
    one cell, so each score has sensitivity 1.
    """
    d = len(dom)
    total = measured_total(oneway, private)
    probs = [np.clip(m.y, 0, None) / max(float(np.clip(m.y, 0, None).sum()), 1e-12) for m in oneway]
    pairs = [(a, b) for a in range(d) for b in range(a + 1, d)]

    def exact(p: tuple[int, ...]) -> np.ndarray:
        return marginal(p) if marginal is not None else exact_marginal(codes, p, dom)

    scores = np.array([np.abs(exact(p) - total * np.outer(probs[p[0]], probs[p[1]])).sum() for p in pairs])
    return pairs, scores


def select_tree(
    ctx: FitContext, d: int, pairs: list[tuple[int, int]], scores: np.ndarray, epsilon: float
) -> list[tuple[int, int]]:
    """Kruskal's algorithm over ``d`` columns, each edge picked by the exponential mechanism.

    Each of the ``d - 1`` picks is one selection among the pairs joining two
    components, ``P(pair) ~ exp(epsilon * score / 2)`` (score sensitivity 1).
    """
    comp = list(range(d))

    def find(i: int) -> int:
        while comp[i] != i:
            comp[i] = comp[comp[i]]
            i = comp[i]
        return i

    edges: list[tuple[int, int]] = []
    for _ in range(d - 1):
        allowed = np.flatnonzero([find(a) != find(b) for a, b in pairs])
        k = ctx.select(scores[allowed], epsilon=epsilon, sensitivity=1.0, note="MST edge selection")
        a, b = pairs[int(allowed[k])]
        comp[find(a)] = find(b)
        edges.append((a, b))
    return edges
