"""Exact "shared nearest released record" for two views, on unique rows and category groups.

Same answer as :func:`safedata_core.evaluation.shared_nearest` (ties with the
k-th nearest included, the same floating-point sums), much less work:

1. Each view is reduced to its distinct rows (queries and candidates); a
   distance depends only on the two rows, so it is computed once per pair of
   distinct rows, and candidates are weighted by how often their row occurs.
2. Every categorical mismatch adds 1 to a Gower sum, so a candidate whose
   categories differ from the query's is at least 1 away. A query is first
   compared with the candidates of its own category combination only; when at
   least ``k`` of them (counted with multiplicity) lie closer than 1, they hold
   every candidate within the k-th nearest distance and the query is settled.
   The remaining queries are compared with every distinct candidate, summing
   the parts in the order the core does (numbers, small categories, then each
   large category).
3. A target is linked when a released record lies in both near sets: the near
   pairs of the two views are joined through the distinct (view A row, view B
   row) pairs of the release, in bounded chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from safedata_core.evaluation.encoding import GowerEncoded
from safedata_core.evaluation.neighbors import MAX_ONEHOT_CODES

__all__ = ["shared_nearest_unique"]

#: pair cells (query rows x candidate rows) handled at once
CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class _Unique:
    """The distinct rows of an encoded table, with each row's index into them and their counts."""

    rows: GowerEncoded
    inverse: np.ndarray
    counts: np.ndarray


def _unique(enc: GowerEncoded) -> _Unique:
    mat = np.ascontiguousarray(np.column_stack([enc.numeric, enc.codes.astype(np.float64)]))
    if mat.shape[1] == 0:
        mat = np.zeros((len(enc), 1))
    keys = mat.view(np.dtype((np.void, mat.shape[1] * 8))).ravel()
    _, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
    return _Unique(enc.take(first), inverse.ravel().astype(np.int64), counts.astype(np.int64))


def _segments(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For segments of ``sizes``: the segment of every element and its position inside the segment."""
    owner = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.cumsum(sizes) - sizes
    return owner, np.arange(int(sizes.sum())) - starts[owner]


def _chunks(sizes: np.ndarray, cells: int = CHUNK_CELLS) -> list[slice]:
    """Consecutive ranges of items whose ``sizes`` sum to about ``cells`` (at least one item each)."""
    ends = np.cumsum(sizes)
    out, start = [], 0
    while start < len(sizes):
        base = ends[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, base + cells, side="right")))
        out.append(slice(start, stop))
        start = stop
    return out


def _weighted_kth(d: np.ndarray, owner: np.ndarray, weight: np.ndarray, n_owner: int, k: int) -> np.ndarray:
    """Per owner, the k-th smallest of its ``d`` values counted ``weight`` times (inf when fewer than k)."""
    out = np.full(n_owner, np.inf)
    if d.size == 0:
        return out
    if k == 1:
        np.minimum.at(out, owner, d)
        return out
    order = np.lexsort((d, owner))
    own, w = owner[order], weight[order]
    cum = np.cumsum(w)
    seg_start = np.searchsorted(own, own, side="left")
    before = np.where(seg_start > 0, cum[seg_start - 1], 0)
    reached = (cum - before >= k) & ((cum - w - before) < k)
    out[own[reached]] = d[order][reached]
    return out


def _numeric_sum(q: np.ndarray, c: np.ndarray) -> np.ndarray:
    """L1 sums of the rows of ``q`` against the rows of ``c`` paired element-wise, dimension by dimension."""
    total = np.zeros(len(q))
    for j in range(q.shape[1]):
        total += np.abs(q[:, j] - c[:, j])
    return total


def _near_in_groups(q: GowerEncoded, c: _Unique, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Near pairs of queries settled inside their category group: ``(query, candidate, settled mask)``."""
    n_q, n_c = len(q), len(c.rows)
    if q.codes.shape[1]:
        joined = np.concatenate([q.codes, c.rows.codes]).astype(np.int64)
        _, group = np.unique(joined, axis=0, return_inverse=True)
        group = group.ravel()
        gq, gc = group[:n_q], group[n_q:]
    else:
        gq, gc = np.zeros(n_q, dtype=np.int64), np.zeros(n_c, dtype=np.int64)
    n_groups = int(max(gq.max(initial=-1), gc.max(initial=-1))) + 1
    cand_order = np.argsort(gc, kind="stable")
    size = np.bincount(gc, minlength=n_groups)
    start = np.cumsum(size) - size
    mult = np.bincount(gc, weights=c.counts, minlength=n_groups)
    per_q = size[gq]
    if per_q.sum() > n_q * n_c // 4:  # groups too coarse to save work: compare every query with everything
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(n_q, dtype=bool)
    kth = np.full(n_q, np.inf)
    qs, cs, ds = [], [], []
    for sl in _chunks(per_q):
        sizes = per_q[sl]
        owner, pos = _segments(sizes)
        qi = owner + sl.start
        ci = cand_order[start[gq[qi]] + pos]
        d = _numeric_sum(q.numeric[qi], c.rows.numeric[ci])
        kth[sl] = _weighted_kth(d, owner, c.counts[ci], len(sizes), k)
        qs.append(qi)
        cs.append(ci)
        ds.append(d)
    whole = n_groups == 1 and q.codes.shape[1] == 0
    settled = (mult[gq] >= k) & ((kth < 1.0) | whole)
    qi, ci, d = (np.concatenate(x) if x else np.zeros(0) for x in (qs, cs, ds))
    qi, ci = qi.astype(np.int64), ci.astype(np.int64)
    keep = settled[qi] & (d <= kth[qi])
    return qi[keep], ci[keep], settled


def _dense_block(q: GowerEncoded, c: GowerEncoded, c_num_t: np.ndarray) -> np.ndarray:
    """Summed Gower distances of ``q`` to every row of ``c``, added in the core's order."""
    d = np.zeros((len(q), len(c)))
    tmp = np.empty_like(d)
    for j in range(c_num_t.shape[0]):
        np.subtract(q.numeric[:, j : j + 1], c_num_t[j][None, :], out=tmp)
        np.abs(tmp, out=tmp)
        d += tmp
    small = [j for j, card in enumerate(c.cardinalities) if card <= MAX_ONEHOT_CODES]
    large = [j for j, card in enumerate(c.cardinalities) if card > MAX_ONEHOT_CODES]
    if small:
        mismatch = np.zeros(d.shape, dtype=np.int32)
        for j in small:
            mismatch += q.codes[:, j][:, None] != c.codes[:, j][None, :]
        d += mismatch
    for j in large:
        d += q.codes[:, j][:, None] != c.codes[:, j][None, :]
    return d


def _near_dense(q: GowerEncoded, rows: np.ndarray, c: _Unique, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Near pairs of the queries ``rows`` against every distinct candidate."""
    n_c = len(c.rows)
    c_num_t = np.ascontiguousarray(c.rows.numeric.T)
    qs, cs = [], []
    step = max(1, CHUNK_CELLS // max(n_c, 1))
    for s in range(0, len(rows), step):
        block = rows[s : s + step]
        d = _dense_block(q.take(block), c.rows, c_num_t)
        if k == 1:
            kth = d.min(axis=1)
        else:
            # the weighted k-th nearest is among the k nearest distinct rows (every weight is at least 1)
            part = np.argpartition(d, k - 1, axis=1)[:, :k]
            vals = np.take_along_axis(d, part, axis=1)
            order = np.argsort(vals, axis=1)
            cum = np.cumsum(c.counts[np.take_along_axis(part, order, axis=1)], axis=1)
            at = (cum < k).sum(axis=1)
            kth = np.take_along_axis(np.take_along_axis(vals, order, axis=1), at[:, None], axis=1)[:, 0]
        bi, ci = np.nonzero(d <= kth[:, None])
        qs.append(block[bi])
        cs.append(ci)
    if not qs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(qs).astype(np.int64), np.concatenate(cs).astype(np.int64)


def _near_pairs(queries: GowerEncoded, candidates: _Unique, k: int) -> tuple[_Unique, np.ndarray, np.ndarray]:
    """Distinct query rows, and the (distinct query, distinct candidate) pairs within the k-th nearest distance."""
    uq = _unique(queries)
    qi, ci, settled = _near_in_groups(uq.rows, candidates, k)
    rest = np.flatnonzero(~settled)
    if rest.size:
        qr, cr = _near_dense(uq.rows, rest, candidates, k)
        qi, ci = np.concatenate([qi, qr]), np.concatenate([ci, cr])
    return uq, qi, ci


def shared_nearest_unique(
    queries: tuple[GowerEncoded, GowerEncoded], candidates: tuple[GowerEncoded, GowerEncoded], k: int = 1
) -> np.ndarray:
    """For two views of each query row, is some candidate among the ``k`` nearest in *both* views?

    The same answer as :func:`safedata_core.evaluation.shared_nearest` (see the module docstring).
    """
    n_q, n_c = len(queries[0]), len(candidates[0])
    k = max(1, min(k, n_c))
    cand = [_unique(c) for c in candidates]
    near = [_near_pairs(q, c, k) for q, c in zip(queries, cand, strict=True)]
    (ua, a_q, a_c), (ub, b_q, b_c) = near
    n_ub = len(cand[1].rows)
    # distinct released (A row, B row) pairs, grouped by A row
    pair_key = np.unique(cand[0].inverse * n_ub + cand[1].inverse)
    pair_a, pair_b = pair_key // n_ub, pair_key % n_ub
    pair_start = np.searchsorted(pair_a, np.arange(len(cand[0].rows) + 1))
    # B near pairs as sorted keys (distinct query B row, distinct candidate B row)
    b_keys = np.unique(b_q * n_ub + b_c)
    # distinct query (A row, B row) pairs
    q_key, q_inv = np.unique(ua.inverse * len(ub.rows) + ub.inverse, return_inverse=True)
    qa, qb = q_key // len(ub.rows), q_key % len(ub.rows)
    # A near pairs grouped by distinct query A row
    a_order = np.lexsort((a_c, a_q))
    a_q, a_c = a_q[a_order], a_c[a_order]
    a_start = np.searchsorted(a_q, np.arange(len(ua.rows) + 1))
    # per query pair: its A near rows, then each one's released pairs -> is the B row near?
    n_near = a_start[qa + 1] - a_start[qa]
    linked = np.zeros(len(q_key), dtype=bool)
    first = np.repeat(np.arange(len(q_key)), n_near)
    _, pos = _segments(n_near)
    a_rows = a_c[a_start[qa[first]] + pos]
    n_pairs = pair_start[a_rows + 1] - pair_start[a_rows]
    for sl in _chunks(n_pairs):
        owner, at = _segments(n_pairs[sl])
        who = first[sl][owner]
        b_rows = pair_b[pair_start[a_rows[sl][owner]] + at]
        key = qb[who] * n_ub + b_rows
        at_key = np.minimum(np.searchsorted(b_keys, key), max(len(b_keys) - 1, 0))
        hit = b_keys[at_key] == key if len(b_keys) else np.zeros(len(key), dtype=bool)
        linked[who[hit]] = True
    return linked[q_inv.ravel()][:n_q]
