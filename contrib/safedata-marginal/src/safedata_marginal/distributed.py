"""Dask count paths of the marginal synthesizers: exact marginals over partitions, noised once by the core.

When the input table's ``df`` is a Dask DataFrame, the synthesizers never hold
the records: the 1-way fine-cell histograms are counted in one pass (the fine
cells depend on public metadata only), together with every pairwise fine-cell
marginal when the synthesizer needs pairs only (MST: its whole fit is then one
pass; a pair's code marginal is its fine marginal summed into code cells, exact);
any other marginal a fit asks for is counted in one further pass per batch, and the counts go to the same
:func:`~safedata_core.privacy.add_noise` calls as in a local fit, so the
charges, and the ledger, are those of the local run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.execution import is_dask_frame
from safedata_core.execution.counts import marginal_counts
from safedata_marginal.domain import ColumnDomain

__all__ = ["DomainEncoder", "coarsen", "fine_histograms", "is_distributed", "marginals"]


def is_distributed(table: Any) -> bool:
    """Whether ``table`` is Dask-backed."""
    return is_dask_frame(getattr(table, "df", None))


class DomainEncoder:
    """Maps a pandas partition to its code matrix: fine cells (``fine=True``) or model codes per domain."""

    def __init__(self, domains: Sequence[ColumnDomain], *, fine: bool) -> None:
        self.domains = list(domains)
        self.fine = fine

    def __call__(self, pdf: pd.DataFrame) -> np.ndarray:
        cols = [d.fine_index(pdf[d.name]) if self.fine else d.encode(pdf[d.name]) for d in self.domains]
        return np.stack(cols, axis=1) if cols else np.zeros((len(pdf), 0), dtype=np.int64)


def fine_histograms(
    frame: Any, layouts: Sequence[ColumnDomain], pairs: Sequence[tuple[int, int]] = ()
) -> tuple[list[np.ndarray], dict[tuple[int, int], np.ndarray]]:
    """Exact fine-cell histogram of every column, and of every pair in ``pairs``, in one pass."""
    enc = DomainEncoder(layouts, fine=True)
    sets = [(i,) for i in range(len(layouts))] + [tuple(p) for p in pairs]
    counts = marginal_counts(frame, enc, sets, [d.n_fine for d in layouts])
    return counts[: len(layouts)], {(p[0], p[1]): c for p, c in zip(pairs, counts[len(layouts) :], strict=True)}


def coarsen(fine: np.ndarray, groups: Sequence[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
    """Sum a fine-cell marginal into code cells (``groups[k]``: fine cell -> code of axis ``k``); exact."""
    out = np.asarray(fine, dtype=float)
    for axis, (g, size) in enumerate(zip(groups, sizes, strict=True)):
        onehot = np.zeros((len(g), size))
        onehot[np.arange(len(g)), g] = 1.0
        out = np.moveaxis(np.tensordot(out, onehot, axes=([axis], [0])), -1, axis)
    return out


def marginals(frame: Any, domains: Sequence[ColumnDomain], attr_sets: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """Exact marginals of the model codes on every attribute set, in one pass over the partitions."""
    enc = DomainEncoder(domains, fine=False)
    return marginal_counts(frame, enc, attr_sets, [d.size for d in domains])
