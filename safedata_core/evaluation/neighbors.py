"""Chunked, vectorised Gower nearest-neighbour search between two encoded tables.

Distances are computed block by block (a few thousand query rows at a time) so
memory stays bounded: the numeric part with ``scipy.spatial.distance.cdist``
(cityblock), low-cardinality categories as one minus a one-hot matrix product,
and high-cardinality categories by comparing codes. Blocks run on a small
thread pool (the heavy kernels release the GIL).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from safedata_core.errors import ComponentError
from safedata_core.evaluation.encoding import GowerEncoded

__all__ = ["gower_distances", "nearest_neighbors", "shared_nearest"]

#: cells (query rows x candidate rows) per block
BLOCK_CELLS = 4_000_000
#: categorical columns with more codes than this are compared code by code, not one-hot
MAX_ONEHOT_CODES = 256


class _Prepared:
    """Candidate-side arrays reused by every block."""

    def __init__(self, cand: GowerEncoded) -> None:
        self.cand = cand
        small = [j for j, c in enumerate(cand.cardinalities) if c <= MAX_ONEHOT_CODES]
        self.small = small
        self.large = [j for j, c in enumerate(cand.cardinalities) if c > MAX_ONEHOT_CODES]
        self.offsets = np.cumsum([0] + [cand.cardinalities[j] for j in small])[:-1].astype(np.int64)
        self.width = int(sum(cand.cardinalities[j] for j in small))
        self.onehot_t = self.onehot(cand).T.copy() if small else None

    def onehot(self, enc: GowerEncoded) -> np.ndarray:
        out = np.zeros((len(enc), self.width), dtype=np.float32)
        if self.small:
            cols = enc.codes[:, self.small].astype(np.int64) + self.offsets[None, :]
            np.put_along_axis(out, cols, 1.0, axis=1)
        return out

    def block(self, q: GowerEncoded) -> np.ndarray:
        """Summed Gower distances (not yet divided by the column count) of ``q`` to every candidate."""
        from scipy.spatial.distance import cdist

        n_q, n_c = len(q), len(self.cand)
        if q.numeric.shape[1]:
            d = cdist(q.numeric, self.cand.numeric, metric="cityblock")
        else:
            d = np.zeros((n_q, n_c))
        if self.onehot_t is not None:
            matches = self.onehot(q) @ self.onehot_t
            d += len(self.small) - matches
        for j in self.large:
            d += q.codes[:, j][:, None] != self.cand.codes[:, j][None, :]
        return np.asarray(d)


def _blocks(n_rows: int, n_cand: int) -> list[slice]:
    size = max(1, min(n_rows, BLOCK_CELLS // max(n_cand, 1)))
    return [slice(s, min(s + size, n_rows)) for s in range(0, n_rows, size)]


def _run_blocks(run: Callable[[slice], None], blocks: list[slice], workers: int | None) -> None:
    """Call ``run`` on every block: serially, or on a thread pool with single-threaded BLAS per worker."""
    n_workers = workers or _workers()
    if n_workers == 1 or len(blocks) == 1:
        for sl in blocks:
            run(sl)
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(max_workers=n_workers) as pool:
        list(pool.map(run, blocks))


def _workers() -> int:
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def nearest_neighbors(
    queries: GowerEncoded, candidates: GowerEncoded, k: int = 1, *, workers: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest candidates of each query row: ``(distances, indices)``, each of shape (n_queries, k).

    Distances are mean Gower distances in [0, 1], sorted ascending per row; ties
    are broken by the lower candidate index.
    """
    n_q, n_c = len(queries), len(candidates)
    if n_c == 0:
        raise ComponentError("nearest neighbours: the table to search is empty (it needs at least one row)")
    k = max(1, min(k, n_c))
    prep = _Prepared(candidates)
    dist = np.empty((n_q, k))
    idx = np.empty((n_q, k), dtype=np.int64)
    scale = 1.0 / max(candidates.n_columns, 1)

    def run(sl: slice) -> None:
        d = prep.block(queries.take(np.arange(sl.start, sl.stop)))
        if k < n_c:
            part = np.argpartition(d, k - 1, axis=1)[:, :k]
        else:
            part = np.broadcast_to(np.arange(n_c), d.shape).copy()
        dk = np.take_along_axis(d, part, axis=1)
        order = np.lexsort((part, dk), axis=1)
        idx[sl] = np.take_along_axis(part, order, axis=1)
        dist[sl] = np.take_along_axis(dk, order, axis=1) * scale

    _run_blocks(run, _blocks(n_q, n_c), workers)
    return dist, idx


def gower_distances(queries: GowerEncoded, candidates: GowerEncoded) -> np.ndarray:
    """The full matrix of mean Gower distances (for small inputs; use :func:`nearest_neighbors` for large ones)."""
    return _Prepared(candidates).block(queries) / max(candidates.n_columns, 1)


def shared_nearest(
    queries: tuple[GowerEncoded, GowerEncoded],
    candidates: tuple[GowerEncoded, GowerEncoded],
    k: int = 1,
    *,
    workers: int | None = None,
) -> np.ndarray:
    """For two views of each query row, is some candidate among the ``k`` nearest in *both* views?

    "Among the k nearest" includes every candidate tied with the k-th nearest, so
    the answer does not depend on how ties are ordered. ``queries[v]`` and
    ``candidates[v]`` are the encodings of view ``v`` (same rows, other columns).
    """
    n_q, n_c = len(queries[0]), len(candidates[0])
    k = max(1, min(k, n_c))
    preps = [_Prepared(c) for c in candidates]
    out = np.zeros(n_q, dtype=bool)

    def run(sl: slice) -> None:
        rows = np.arange(sl.start, sl.stop)
        within = None
        for prep, q in zip(preps, queries, strict=True):
            d = prep.block(q.take(rows))
            kth = np.partition(d, k - 1, axis=1)[:, k - 1 : k]
            near = d <= kth
            within = near if within is None else within & near
        out[sl] = within.any(axis=1)  # type: ignore[union-attr]

    _run_blocks(run, _blocks(n_q, n_c), workers)
    return out
