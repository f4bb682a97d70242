"""Optimal full-domain generalisation: search the lattice of level vectors for a target k.

A node of the lattice is one generalisation level per quasi-identifier. A node
is *acceptable* when, after generalising every treated record to it, at most
``max_outliers`` treated records sit in equivalence classes smaller than ``k``
(those records are then suppressed) and the suppressed records do not form a
class of their own smaller than ``k`` (0 or at least ``k`` of them).

Information loss of a node is additive over columns and never decreases when a
level rises, so a best-first walk in order of increasing loss returns the
acceptable node of minimal loss (ARX's global optimum) without visiting the
nodes above it. Losses:

* ``entropy`` - ARX's precomputed non-uniform entropy: for each column and
  record ``log2(f(generalised value) / f(original value))`` with frequencies
  over the treated records, summed (ARX ``Metric.createPrecomputedEntropyMetric``).
* ``height`` - the sum of the levels.

Ties are broken by the lower sum of levels, then by the level vector.
Before counting a node's classes, the search looks up a lower bound on its
outliers: the records below ``k`` on every pair of QIs at the node's levels
(precomputed), which rules out most nodes below the optimum cheaply.
Class counting works on the distinct level-0 combinations with weights, so a
check costs one ``np.unique`` over those combinations.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from safedata_core.errors import DataError
from safedata_core.sdc.hierarchy import Hierarchy

LossName = Literal["entropy", "height"]

__all__ = ["GeneralisationSpace", "LatticeResult", "LossName", "search_lattice"]


@dataclass(frozen=True)
class LatticeResult:
    """The chosen node and how it was found."""

    levels: dict[str, int]
    loss: float
    outliers: int
    nodes_checked: int
    lattice_size: int


class GeneralisationSpace:
    """Per-column, per-level codes and losses of the treated records, compressed to distinct combinations."""

    def __init__(
        self,
        df: pd.DataFrame,
        qis: Sequence[str],
        hierarchies: Mapping[str, Hierarchy],
        rows: np.ndarray | None = None,
    ) -> None:
        self.qis = list(qis)
        self.heights = [hierarchies[c].height for c in self.qis]
        treated = np.ones(len(df), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
        self.n_treated = int(treated.sum())
        sub = df.loc[treated, self.qis]
        # codes[j][l]: code of each treated record at level l; entropy[j][l]: column loss at level l
        codes: list[list[np.ndarray]] = []
        self.cards: list[list[int]] = []
        self.entropy: list[np.ndarray] = []
        for col, h in zip(self.qis, (hierarchies[c] for c in self.qis), strict=True):
            col_codes, col_cards, col_loss = [], [], []
            f0 = None
            for level in range(h.height + 1):
                c, uniq = pd.factorize(h.generalise(sub[col], level), use_na_sentinel=False)
                counts = np.bincount(c, minlength=len(uniq)).astype(float)
                freq = counts[c]
                if f0 is None:
                    f0 = freq
                col_codes.append(c.astype(np.int64))
                col_cards.append(max(len(uniq), 1))
                col_loss.append(float(np.log2(freq / f0).sum()) if len(c) else 0.0)
            codes.append(col_codes)
            self.cards.append(col_cards)
            self.entropy.append(np.maximum.accumulate(np.asarray(col_loss)))
        # compress to distinct level-0 combinations with their weights
        if self.n_treated:
            base = np.column_stack([c[0] for c in codes])
            _uniq_rows, first, inverse, weights = np.unique(
                base, axis=0, return_index=True, return_inverse=True, return_counts=True
            )
            self.inverse = inverse.reshape(-1)
            self.weights = weights.astype(np.int64)
            self.codes = [[lv[first] for lv in col] for col in codes]
        else:
            self.inverse = np.zeros(0, dtype=np.int64)
            self.weights = np.zeros(0, dtype=np.int64)
            self.codes = [[lv[:0] for lv in col] for col in codes]
        self.treated = treated

    def loss(self, levels: Sequence[int], kind: LossName) -> float:
        if kind == "height":
            return float(sum(levels))
        return float(sum(self.entropy[j][lv] for j, lv in enumerate(levels)))

    def class_weights(self, levels: Sequence[int]) -> np.ndarray:
        """Size of the class of each distinct combination at ``levels``."""
        if not len(self.weights):
            return self.weights
        key = np.zeros(len(self.weights), dtype=np.int64)
        bound = 1
        for j, lv in enumerate(levels):
            card = self.cards[j][lv]
            if bound * card >= 2**62:  # re-number before the mixed-radix key overflows
                _, key = np.unique(key, return_inverse=True)
                key = key.reshape(-1).astype(np.int64)
                bound = int(key.max()) + 1
            key = key * card + self.codes[j][lv]
            bound *= card
        if bound <= 16 * len(key) + 1024:  # small key space: count directly, no sort
            return np.bincount(key, weights=self.weights, minlength=bound).astype(np.int64)[key]
        _, inv = np.unique(key, return_inverse=True)
        inv = inv.reshape(-1)
        totals = np.bincount(inv, weights=self.weights).astype(np.int64)
        return totals[inv]

    def outliers(self, levels: Sequence[int], k: int) -> int:
        sizes = self.class_weights(levels)
        return int(self.weights[sizes < k].sum())

    def pair_outliers(self, k: int) -> list[tuple[int, int, np.ndarray]]:
        """Outliers of every QI pair at every level pair: lower bounds of a node's outliers.

        Classes on two columns are unions of the classes on all columns, so a
        node has at least as many records below ``k`` as any of its pairs.
        """
        out = []
        q = len(self.qis)
        for i in range(q):
            for j in range(i + 1, q):
                table = np.zeros((self.heights[i] + 1, self.heights[j] + 1), dtype=np.int64)
                for li in range(self.heights[i] + 1):
                    for lj in range(self.heights[j] + 1):
                        key = self.codes[i][li] * self.cards[j][lj] + self.codes[j][lj]
                        sizes = np.bincount(key, weights=self.weights)[key]
                        table[li, lj] = int(self.weights[sizes < k].sum())
                out.append((i, j, table))
        return out

    def outlier_mask(self, levels: Sequence[int], k: int) -> np.ndarray:
        """Mask over all records (original length) of treated records in classes below ``k`` at ``levels``."""
        sizes = self.class_weights(levels)
        small = sizes < k
        mask = np.zeros(len(self.treated), dtype=bool)
        mask[np.flatnonzero(self.treated)] = small[self.inverse] if len(small) else False
        return mask


def search_lattice(
    space: GeneralisationSpace, *, k: int, max_outliers: int, loss: LossName = "entropy"
) -> LatticeResult:
    """Best-first search for the acceptable node of minimal loss (see the module docstring)."""
    heights = space.heights
    size = int(np.prod([h + 1 for h in heights])) if heights else 1
    start = tuple(0 for _ in heights)
    heap: list[tuple[float, int, tuple[int, ...]]] = [(space.loss(start, loss), 0, start)]
    seen = {start}
    checked = 0
    pairs = space.pair_outliers(k) if len(heights) > 2 else []
    while heap:
        cost, _, node = heapq.heappop(heap)
        # a pair already has too many records below k: the node fails without a full count
        bound = max((int(t[node[i], node[j]]) for i, j, t in pairs), default=0)
        out = bound if bound > max_outliers else space.outliers(node, k)
        checked += bound <= max_outliers
        if out <= max_outliers and (out == 0 or out >= k):
            return LatticeResult(
                levels=dict(zip(space.qis, node, strict=True)),
                loss=cost,
                outliers=out,
                nodes_checked=checked,
                lattice_size=size,
            )
        for j in range(len(node)):
            if node[j] < heights[j]:
                nxt = (*node[:j], node[j] + 1, *node[j + 1 :])
                if nxt not in seen:
                    seen.add(nxt)
                    heapq.heappush(heap, (space.loss(nxt, loss), sum(nxt), nxt))
    raise DataError(
        f"generalize: no generalisation reaches k={k} with at most {max_outliers} suppressed records "
        f"({space.n_treated} records treated; raise suppression_limit or lower k)"
    )
