"""PrivBayes (Zhang, Cormode, Procopiuc, Srivastava & Xiao, ACM TODS 2017) under add/remove adjacency.

Two DP parts, each charged to the budget share before it releases anything:

1. **Structure.** Greedy: a first attribute chosen uniformly at random (data
   independent), then ``d - 1`` exponential-mechanism picks of an
   (attribute, parent set) pair scored by the paper's R function written on
   counts, ``F(X, P) = 1/2 * sum_{x,p} |c(x,p) - c(x) c(p) / n|``.
   *Sensitivity under add/remove* (derived here, the paper's ``3/n + 2/n^2``
   is for replace-one with public ``n``): adding a record to cell (x0, p0)
   changes ``c(x0,p0)`` by 1, and changes the product term
   ``c(x)c(p)/n = n q_x q_p`` in cell (x, p) by
   ``(n q_x [p=p0] + n q_p [x=x0] + [x=x0][p=p0] - n q_x q_p) / (n+1)``, whose
   absolute values sum over all cells to at most ``(3n+1)/(n+1) < 3``. So the
   L1 change of the residual table is below 4 and ``F`` changes by less than
   ``2``: :data:`R_SCORE_SENSITIVITY`. Each pick uses ``epsilon_1 / (d-1)``
   with weights ``exp(eps * F / (2 * 2))``.
2. **Conditionals.** One noisy joint histogram of (parents, attribute) per
   attribute, ``d`` histograms in all. Under add/remove one record changes one
   cell of each histogram by 1, so each has L1 sensitivity 1 on counts and gets
   exact discrete Laplace noise of scale ``1 / epsilon_m``. With the basic
   split ``epsilon_m = epsilon_2 / d`` (:func:`conditional_noise_scale`); the
   synthesizer raises ``epsilon_m`` by bisection on the ledger's accountant
   (:func:`calibrate_marginal_epsilon`) so that the whole step composes to
   exactly its share. (The paper's ``2d / (n * epsilon_2)`` on normalised
   tables is the replace-one figure: moving a record between two cells
   changes the table by ``2/n`` in L1.) The conditional distributions are
   normalised, clipped noisy counts: post-processing.

All randomness of both parts comes from the share's noise source
(``budget.noise``), never from the pipeline seed.

Degree: the paper picks the largest ``k`` for which every noisy marginal is
``theta``-useful, i.e. its mean cell count is at least ``theta`` times the
noise scale. For attributes with different domain sizes this becomes a limit
on the joint domain of each candidate, ``|dom(X, P)| <= n * eps_2 / (d * theta)``
(:func:`useful_domain_limit`), with ``|P| <= max_parents``; ``n`` there is a
noisy count (``n`` is private under add/remove).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from math import prod
from typing import TYPE_CHECKING

import numpy as np

from safedata_core.execution.primitives import noisy_histogram_counts
from safedata_core.privacy import DiscreteLaplace, Exponential, PrivacyEvent, noisy_histogram, select

if TYPE_CHECKING:
    from safedata_core.privacy import BudgetShare

__all__ = [
    "R_SCORE_SENSITIVITY",
    "Network",
    "calibrate_marginal_epsilon",
    "conditional_noise_scale",
    "greedy_structure",
    "noisy_conditionals",
    "parent_candidates",
    "r_score",
    "useful_domain_limit",
]

#: L1 sensitivity of the count-scale R score under add/remove adjacency (see module docstring)
R_SCORE_SENSITIVITY = 2.0

#: a network: (attribute, parents) pairs in sampling (topological) order
Network = list[tuple[int, tuple[int, ...]]]


def conditional_noise_scale(n_marginals: int, epsilon: float) -> float:
    """Laplace scale on the counts of each of ``n_marginals`` histograms sharing ``epsilon`` (sensitivity 1)."""
    return n_marginals / epsilon


def useful_domain_limit(n: float, epsilon: float, n_marginals: int, theta: float) -> float:
    """Largest joint domain whose mean cell count ``n/|dom|`` is ``theta`` times the noise scale."""
    return max(n, 0.0) * epsilon / (n_marginals * theta)


def joint_index(codes: np.ndarray, columns: Sequence[int], sizes: Sequence[int]) -> tuple[np.ndarray, int]:
    """Flat cell index of the given columns (row-major), and the number of cells."""
    if not columns:
        return np.zeros(codes.shape[0], dtype=np.int64), 1
    dims = tuple(int(sizes[c]) for c in columns)
    return np.ravel_multi_index(tuple(codes[:, c] for c in columns), dims), prod(dims)


def r_score(codes: np.ndarray, x: int, parents: Sequence[int], sizes: Sequence[int]) -> float:
    """Count-scale R score ``1/2 * sum |c(x,p) - c(x)c(p)/n|`` of attribute ``x`` and ``parents``."""
    n = codes.shape[0]
    if not parents or n == 0:
        return 0.0
    if hasattr(codes, "joint"):  # a lazy Dask code matrix: the joint table counted over partitions
        joint = codes.joint([*parents, x]).reshape(-1, sizes[x])
    else:
        p_idx, p_cells = joint_index(codes, parents, sizes)
        joint = np.bincount(p_idx * sizes[x] + codes[:, x], minlength=p_cells * sizes[x]).reshape(p_cells, sizes[x])
    cp, cx = joint.sum(axis=1), joint.sum(axis=0)
    return float(0.5 * np.abs(joint - np.outer(cp, cx) / n).sum())


def parent_candidates(
    x: int, chosen: Sequence[int], sizes: Sequence[int], max_parents: int, domain_limit: float
) -> list[tuple[int, ...]]:
    """Maximal parent sets for ``x`` among ``chosen``: at most ``max_parents`` and within ``domain_limit``."""
    out: list[tuple[int, ...]] = []
    k_max = min(max_parents, len(chosen))
    for k in range(k_max, 0, -1):
        for combo in combinations(chosen, k):
            dom = sizes[x] * prod(sizes[c] for c in combo)
            if dom > domain_limit:
                continue
            rest = [sizes[c] for c in chosen if c not in combo]
            if k == k_max or not rest or dom * min(rest) > domain_limit:
                out.append(combo)
    return out or [()]


def greedy_structure(
    codes: np.ndarray,
    sizes: Sequence[int],
    *,
    budget: BudgetShare,
    epsilon: float,
    max_parents: int,
    domain_limit: float,
    where: str = "bayes_net",
) -> Network:
    """PrivBayes' greedy network: ``d - 1`` exponential-mechanism picks of ``epsilon / (d - 1)`` each.

    Each pick is charged to ``budget`` and drawn from its noise source by
    :func:`~safedata_core.privacy.select`; the first attribute is drawn
    uniformly (data independent) from the same source.
    """
    d = codes.shape[1]
    first = int(budget.noise.generator.integers(d))
    network: Network = [(first, ())]
    chosen = [first]
    if d == 1:
        return network
    mechanism = Exponential(epsilon / (d - 1), R_SCORE_SENSITIVITY)
    cache: dict[tuple[int, tuple[int, ...]], float] = {}
    for _ in range(d - 1):
        candidates = [
            (x, par)
            for x in range(d)
            if x not in chosen
            for par in parent_candidates(x, chosen, sizes, max_parents, domain_limit)
        ]
        if hasattr(codes, "prefetch"):  # Dask: every candidate's joint table in one pass
            codes.prefetch([[*par, x] for x, par in candidates if (x, par) not in cache and par])
        scores = np.empty(len(candidates))
        for i, key in enumerate(candidates):
            if key not in cache:
                cache[key] = r_score(codes, key[0], key[1], sizes)
            scores[i] = cache[key]
        x, par = candidates[select(budget, mechanism, scores, note=f"{where}: PrivBayes pick of (attribute, parents)")]
        network.append((x, tuple(par)))
        chosen.append(x)
    return network


def conditionals_from_counts(joint: np.ndarray, x_size: int) -> np.ndarray:
    """Conditional table P(x | parents) of shape (parent cells, x_size) from (noisy) joint counts.

    Negative counts are clipped; a parent configuration without mass falls back
    to the attribute's overall distribution (uniform if that is empty too).
    """
    table = np.clip(np.asarray(joint, dtype=float).reshape(-1, x_size), 0.0, None)
    marginal = table.sum(axis=0)
    marginal = marginal / marginal.sum() if marginal.sum() > 0 else np.full(x_size, 1.0 / x_size)
    rows = table.sum(axis=1, keepdims=True)
    return np.where(rows > 0, table / np.where(rows > 0, rows, 1.0), marginal)


def noisy_conditionals(
    codes: np.ndarray,
    sizes: Sequence[int],
    network: Network,
    *,
    budget: BudgetShare,
    epsilon_each: float,
    where: str = "bayes_net",
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """One discrete-Laplace histogram of (parents, attribute) per attribute, ``epsilon_each`` each.

    Returns the conditional tables and the raw noisy joint counts.
    """
    cpts, raw = [], []
    if hasattr(codes, "prefetch"):  # Dask: every (parents, attribute) table in one pass
        codes.prefetch([[*parents, x] for x, parents in network])
    for x, parents in network:
        note = f"{where}: noisy marginal of attribute {x} with parents {list(parents)}"
        if hasattr(codes, "joint"):
            counts = codes.joint([*parents, x])
            noisy = noisy_histogram_counts(counts, budget=budget, epsilon=epsilon_each, note=note)
        else:
            idx, cells = joint_index(codes, [*parents, x], sizes)
            noisy = noisy_histogram(idx, cells, budget=budget, epsilon=epsilon_each, note=note)
        raw.append(noisy)
        cpts.append(conditionals_from_counts(noisy, sizes[x]))
    return cpts, raw


def calibrate_marginal_epsilon(
    budget: BudgetShare, planned: list[PrivacyEvent], n_marginals: int, nominal: float
) -> float:
    """Largest epsilon per noisy marginal (>= ``nominal``) that keeps the step within its share.

    ``planned`` are the step's other events still to be charged; the step's
    recorded events count too. The ledger's own accountant composes them
    (:meth:`~safedata_core.privacy.BudgetShare.compose`), so the step spends its
    whole share; bisection from below never exceeds it.
    """

    def fits(e: float) -> bool:
        return budget.compose([*planned, *[DiscreteLaplace(1, e).event()] * n_marginals]) <= budget.epsilon

    if budget.delta <= 0 or not fits(nominal):
        # delta = 0: pure composition is basic composition, the nominal split is exact; or the charges refuse
        return nominal
    lo, hi = nominal, 2.0 * nominal
    while fits(hi) and hi < 1e6 * nominal:
        lo, hi = hi, 2.0 * hi
    while hi - lo > 1e-10 * lo:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo
