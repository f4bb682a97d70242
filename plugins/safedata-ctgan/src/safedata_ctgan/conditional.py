"""Conditional vectors and training-by-sampling for CTGAN, vectorised with numpy.

A conditional vector is the one-hot of one category of one discrete column,
laid out over the concatenated discrete one-hot blocks. Frequencies come from
the exact data (non-private) or from DP noisy histograms (DP); the sampler
itself never reads data.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["CondSampler", "RowIndex"]


class CondSampler:
    """Draws (column, category) pairs and their one-hot conditional vectors."""

    def __init__(self, widths: list[int], counts: list[np.ndarray], allowed: list[np.ndarray] | None = None) -> None:
        """``counts`` per discrete column (noisy counts may be < 0); ``allowed`` masks slots never drawn."""
        self.widths = [int(w) for w in widths]
        self.offsets = np.concatenate([[0], np.cumsum(self.widths)]).astype(np.int64)
        self.dim = int(self.offsets[-1])
        self.n_columns = len(self.widths)
        width = max(self.widths, default=0)
        self.counts = np.zeros((self.n_columns, width))
        for j, c in enumerate(counts):
            c = np.clip(np.asarray(c, dtype=float), 0, None)  # noisy counts may be < 0
            ok = np.ones(len(c), dtype=bool) if allowed is None else np.asarray(allowed[j], dtype=bool)
            c = np.where(ok, c, 0.0)
            self.counts[j, : len(c)] = c if c.sum() > 0 else ok.astype(float)
        self.probs = _normalise(self.counts)
        self.log_probs = _normalise(np.where(self.counts > 0, np.log1p(self.counts), 0.0))

    def sample(
        self, m: int, rng: np.random.Generator, *, log_frequency: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``m`` conditional vectors with their (column, category); a uniform column, a weighted category."""
        cond = np.zeros((m, self.dim), dtype=np.float32)
        if self.n_columns == 0:
            return cond, np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.int64)
        col = rng.integers(0, self.n_columns, m)
        table = self.log_probs if log_frequency else self.probs
        cum = np.cumsum(table[col], axis=1)
        cat = np.minimum((rng.random(m)[:, None] > cum).sum(axis=1), np.asarray(self.widths)[col] - 1)
        cond[np.arange(m), self.offsets[col] + cat] = 1.0
        return cond, col, cat

    def own(self, codes: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Conditional vectors of real rows from their own category in a uniformly drawn column (DP path).

        Each row's column is an independent draw from ``rng`` (the share's noise generator under DP).
        """
        m = len(codes)
        cond = np.zeros((m, self.dim), dtype=np.float32)
        if self.n_columns == 0:
            return cond, np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.int64)
        col = rng.integers(0, self.n_columns, m)
        cat = codes[np.arange(m), col]
        cond[np.arange(m), self.offsets[col] + cat] = 1.0
        return cond, col, cat

    def to_dict(self) -> dict[str, Any]:
        return {"widths": self.widths, "counts": [self.counts[j, :w].tolist() for j, w in enumerate(self.widths)]}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> CondSampler:
        return cls(state["widths"], [np.asarray(c) for c in state["counts"]])


def _normalise(weights: np.ndarray) -> np.ndarray:
    """Rows scaled to sum to 1."""
    total = weights.sum(axis=1, keepdims=True)
    return np.where(total > 0, weights / np.where(total > 0, total, 1.0), 0.0)


class RowIndex:
    """Non-private training-by-sampling: a uniformly random real row with a given (column, category)."""

    def __init__(self, codes: np.ndarray, widths: list[int]) -> None:
        self.order: list[np.ndarray] = []
        self.starts: list[np.ndarray] = []
        self.counts: list[np.ndarray] = []
        for j, w in enumerate(widths):
            self.order.append(np.argsort(codes[:, j], kind="stable"))
            counts = np.bincount(codes[:, j], minlength=w)
            self.counts.append(counts)
            self.starts.append(np.concatenate([[0], np.cumsum(counts)[:-1]]))

    def sample(self, col: np.ndarray, cat: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = np.empty(len(col), dtype=np.int64)
        u = rng.random(len(col))
        for j in np.unique(col):  # loop over columns, not rows
            sel = col == j
            counts = self.counts[j][cat[sel]]
            pick = np.minimum((u[sel] * counts).astype(np.int64), np.maximum(counts - 1, 0))
            out[sel] = self.order[j][self.starts[j][cat[sel]] + pick]
        return out
