"""Non-private structure learning (pgmpy), exact conditional tables, and vectorised ancestral sampling."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from safedata_bayesnet.privbayes import Network, conditionals_from_counts, joint_index

__all__ = ["exact_conditionals", "learn_structure", "sample_network", "topological_network"]


def topological_network(nodes: Sequence[int], edges: Sequence[tuple[int, int]]) -> Network:
    """Order ``nodes`` so that parents come first; returns (node, sorted parents) pairs."""
    parents: dict[int, list[int]] = {v: [] for v in nodes}
    for a, b in edges:
        parents[b].append(a)
    order: Network = []
    done: set[int] = set()
    pending = list(nodes)
    while pending:
        ready = [v for v in pending if all(p in done for p in parents[v])]
        if not ready:
            raise ValueError("the learned graph has a cycle")
        for v in ready:
            order.append((v, tuple(sorted(parents[v]))))
            done.add(v)
        pending = [v for v in pending if v not in done]
    return order


def learn_structure(
    codes: np.ndarray, *, method: Literal["hill_climb", "tree"], score: Literal["bic", "bdeu"], max_parents: int
) -> Network:
    """Learn a DAG over the code columns with pgmpy (hill climbing with BIC/BDeu, or a Chow-Liu tree)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import logging

    logging.getLogger("pgmpy").setLevel(logging.ERROR)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.estimators import HillClimbSearch, TreeSearch

        d = codes.shape[1]
        df = pd.DataFrame(codes, columns=[str(i) for i in range(d)]).astype("category")
        if d == 1:
            return [(0, ())]
        if method == "tree":
            dag = TreeSearch(df).estimate(estimator_type="chow-liu", show_progress=False)
        else:
            dag = HillClimbSearch(df).estimate(
                scoring_method="bic-d" if score == "bic" else "bdeu", max_indegree=max_parents, show_progress=False
            )
    edges = [(int(a), int(b)) for a, b in dag.edges()]
    return topological_network(list(range(d)), edges)


def exact_conditionals(
    codes: np.ndarray, sizes: Sequence[int], network: Network, pseudo_count: float
) -> list[np.ndarray]:
    """Maximum-likelihood conditional tables with ``pseudo_count`` added to every cell."""
    cpts = []
    for x, parents in network:
        idx, cells = joint_index(codes, [*parents, x], sizes)
        table = np.bincount(idx, minlength=cells).astype(float).reshape(-1, sizes[x])
        seen = table.sum(axis=1) > 0
        table[seen] += pseudo_count  # unseen parent configurations fall back to the marginal
        cpts.append(conditionals_from_counts(table, sizes[x]))
    return cpts


def sample_network(
    network: Network, cpts: Sequence[np.ndarray], sizes: Sequence[int], n: int, rng: np.random.Generator
) -> np.ndarray:
    """Ancestral sampling of ``n`` rows of codes (n x d), one vectorised draw per attribute."""
    out = np.zeros((n, len(sizes)), dtype=np.int64)
    for (x, parents), cpt in zip(network, cpts, strict=True):
        idx, _ = joint_index(out, parents, sizes)
        cum = np.cumsum(cpt, axis=1)
        cum[:, -1] = 1.0
        u = rng.random(n)
        # inverse CDF per row: count of cumulative probabilities below u
        out[:, x] = np.minimum((u[:, None] > cum[idx]).sum(axis=1), sizes[x] - 1)
    return out
