"""Microaggregation algorithms on numeric arrays: MDAV, individual ranking and rank swapping.

All functions take a 2-D float array (rows = records) and return group labels
or new values; they know nothing about Tables. Distances are squared Euclidean,
computed with one matrix-vector product per query point
(``|x - c|^2 = |x|^2 - 2 x.c + |c|^2``) on a working copy that shrinks as groups
are formed, so MDAV costs O(n^2 p / k) flops and no Python loop runs over rows.
Those products are tiny (p columns), so BLAS runs single-threaded: threads
only add overhead there, and on a busy machine a lot of it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["aggregate_groups", "individual_ranking_groups", "mdav_groups", "rank_swap", "standardise"]


def standardise(x: np.ndarray) -> np.ndarray:
    """z-scores with the population standard deviation; constant columns become 0; NaN becomes 0 (the mean)."""
    mean = np.nanmean(x, axis=0)
    sd = np.nanstd(x, axis=0)
    sd[~(sd > 0)] = 1.0
    z = (x - mean) / sd
    return np.where(np.isnan(z), 0.0, z)


def mdav_groups(x: np.ndarray, k: int) -> np.ndarray:
    """Group labels of fixed-size MDAV; see :func:`_mdav` (BLAS is kept to one thread: the products are tiny)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _mdav(x, k)


def _mdav(x: np.ndarray, k: int) -> np.ndarray:
    """Fixed-size MDAV (Domingo-Ferrer & Torra 2005) on the rows of ``x``.

    While at least 3k records remain: r = the record farthest from the centroid
    of the remaining records, s = the record farthest from r; r with its k-1
    nearest records form a group, then s with its k-1 nearest among the rest.
    With 2k..3k-1 left, one more group around the record farthest from the
    centroid, and the rest form the last group (fewer than 2k: one group).
    """
    n = x.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return labels
    if n < 2 * k:
        labels[:] = 0
        return labels
    # columns-first layout: one contiguous row per variable makes the matrix-vector product fast
    work = np.ascontiguousarray(np.asarray(x, dtype=float).T)
    idx = np.arange(n)
    sq = np.einsum("ji,ji->i", work, work)
    # removed records stay in the arrays until the next compaction, excluded by +-inf
    near_sq, far_sq = sq.copy(), sq.copy()
    total = work.sum(axis=1)
    alive = n
    group = 0

    def proj(point: np.ndarray) -> np.ndarray:
        # -2 x.c; adding |x|^2 gives the squared distance up to |c|^2, which changes no ranking
        return -2.0 * (point @ work)

    def k_nearest(d: np.ndarray, seed: int) -> np.ndarray:
        return _with_point(np.argpartition(d, k - 1)[:k], seed, d)

    def remove(pos: np.ndarray) -> None:
        nonlocal total, alive
        total = total - work[:, pos].sum(axis=1)
        near_sq[pos] = np.inf
        far_sq[pos] = -np.inf
        alive -= len(pos)

    def compact() -> None:
        nonlocal work, idx, near_sq, far_sq
        keep = np.isfinite(near_sq)
        work, idx, near_sq, far_sq = work[:, keep], idx[keep], near_sq[keep], far_sq[keep]

    while alive >= 3 * k:
        r = int(np.argmax(far_sq + proj(total / alive)))
        pr = proj(work[:, r].copy())
        g_r = k_nearest(near_sq + pr, r)
        d_far = far_sq + pr
        d_far[g_r] = -np.inf
        s = int(np.argmax(d_far))  # farthest from r, outside r's group
        remove(g_r)
        g_s = k_nearest(near_sq + proj(work[:, s].copy()), s)
        remove(g_s)
        labels[idx[g_r]] = group
        labels[idx[g_s]] = group + 1
        group += 2
        if 2 * alive < len(idx):
            compact()
    if alive >= 2 * k:
        r = int(np.argmax(far_sq + proj(total / alive)))
        g_r = k_nearest(near_sq + proj(work[:, r].copy()), r)
        labels[idx[g_r]] = group
        group += 1
        remove(g_r)
    labels[idx[np.isfinite(near_sq)]] = group
    return labels


def _with_point(pos: np.ndarray, point: int, d: np.ndarray) -> np.ndarray:
    """Make sure the seed record is in its own group (ties at distance 0 may leave it out)."""
    if point in pos:
        return pos
    pos = pos.copy()
    pos[int(np.argmax(d[pos]))] = point
    return pos


def individual_ranking_groups(x: np.ndarray, k: int) -> np.ndarray:
    """Per-column group labels: sort each column, cut into runs of k (the last run takes the remainder)."""
    n, p = x.shape
    labels = np.empty((n, p), dtype=np.int64)
    n_groups = max(n // k, 1)
    ranks = np.minimum(np.arange(n) // k, n_groups - 1)
    for j in range(p):
        order = np.argsort(x[:, j], kind="stable")
        labels[order, j] = ranks
    return labels


def aggregate_groups(values: np.ndarray, labels: np.ndarray, how: str) -> np.ndarray:
    """Replace each value by its group's mean or median (NaN ignored; a missing value stays missing)."""
    out = np.array(values, dtype=float, copy=True)
    if out.size == 0:
        return out
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    vals = values[order]
    if how == "mean":
        ok = ~np.isnan(vals)
        sums = np.add.reduceat(np.where(ok, vals, 0.0), starts, axis=0)
        counts = np.add.reduceat(ok.astype(float), starts, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            agg = sums / counts
    else:
        sizes = np.diff(np.r_[starts, len(vals)])
        agg = np.vstack([np.nanmedian(vals[a : a + m], axis=0) for a, m in zip(starts, sizes, strict=True)])
    per_row = np.repeat(agg, np.diff(np.r_[starts, len(vals)]), axis=0)
    res = np.empty_like(out)
    res[order] = per_row
    return np.where(np.isnan(values), np.nan, res)


def rank_swap(values: np.ndarray, p: float, rng: np.random.Generator) -> np.ndarray:
    """Rank swapping within windows: values are permuted at random inside consecutive rank blocks.

    Blocks hold ``max(2, round(p/100 * n))`` records, so a value moves by fewer
    ranks than the block size; the column's multiset of values is unchanged.
    NaN values stay in place.
    """
    out = values.astype(float, copy=True)
    ok = np.flatnonzero(~np.isnan(values))
    n = len(ok)
    if n < 2:
        return out
    block = max(2, round(p / 100.0 * n))
    order = ok[np.argsort(values[ok], kind="stable")]
    blocks = np.arange(n) // block
    shuffled = np.lexsort((rng.random(n), blocks))  # random order within each block
    out[order] = values[order[shuffled]]
    return out
