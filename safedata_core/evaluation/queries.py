"""Singling-out predicates (anonymeter's definitions), evaluated in batches with numpy.

A table becomes a float matrix: numbers as values, categories as shared integer
codes, booleans as 0/1, missing as NaN. A batch of predicates is three (B x S)
arrays: the column, the operator and the value of each of S conditions; a row
satisfies a predicate when it satisfies all of its conditions. Counting matches
is a (B x N) boolean reduction per (column, operator) group, never a loop over rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.data import Table
from safedata_core.evaluation.columns import as_numbers, is_numeric_column

__all__ = [
    "EQ",
    "GE",
    "GT",
    "ISNULL",
    "LE",
    "LT",
    "NE",
    "NOTNULL",
    "QueryBatch",
    "count_matches",
    "count_matches_capped",
    "encode_for_queries",
    "match_matrix",
    "multivariate_queries",
    "random_queries",
    "singling_out_integral",
    "size_correction",
    "univariate_queries",
]

EQ, NE, GT, LT, GE, LE, ISNULL, NOTNULL = range(8)
KIND_NUMERIC, KIND_CATEGORICAL, KIND_BOOLEAN = 0, 1, 2
#: query rows x data rows evaluated at once
_CELLS = 20_000_000


@dataclass(frozen=True)
class QueryBatch:
    """Predicates as arrays of shape (B, S): column index, operator code and comparison value."""

    cols: np.ndarray
    ops: np.ndarray
    vals: np.ndarray

    def __len__(self) -> int:
        return int(self.cols.shape[0])

    def take(self, rows: np.ndarray) -> QueryBatch:
        return QueryBatch(self.cols[rows], self.ops[rows], self.vals[rows])

    @classmethod
    def concat(cls, batches: Sequence[QueryBatch]) -> QueryBatch:
        return cls(*(np.concatenate([getattr(b, f) for b in batches]) for f in ("cols", "ops", "vals")))

    def keys(self) -> np.ndarray:
        """One hashable byte key per predicate, independent of the order of its conditions."""
        order = np.lexsort((self.vals, self.ops, self.cols), axis=1) if self.cols.shape[1] > 1 else None
        c, o, v = self.cols, self.ops, self.vals
        if order is not None:
            c, o, v = (np.take_along_axis(a, order, axis=1) for a in (c, o, v))
        v = np.where(np.isnan(v), np.inf, v)  # NaN payloads may differ; unused values are NaN
        packed = np.concatenate([c.astype(np.float64), o.astype(np.float64), v], axis=1)
        return np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1] * 8))).ravel()


def encode_for_queries(tables: Sequence[Table], columns: Sequence[str]) -> tuple[list[np.ndarray], np.ndarray]:
    """Float matrices (one per table, columns in order) on shared category codes, and each column's kind."""
    mats: list[list[np.ndarray]] = [[] for _ in tables]
    kinds = []
    for col in columns:
        s0 = tables[0].df[col]
        if pd.api.types.is_bool_dtype(s0) or (
            tables[0].metadata.columns.get(col) is not None and tables[0].metadata.columns[col].type == "boolean"
        ):
            kinds.append(KIND_BOOLEAN)
            for i, t in enumerate(tables):
                s = t.df[col].astype("boolean")
                mats[i].append(s.astype("Float64").to_numpy(dtype=float, na_value=np.nan))
        elif is_numeric_column(tables[0], col):
            kinds.append(KIND_NUMERIC)
            for i, t in enumerate(tables):
                mats[i].append(as_numbers(t.df[col]))
        else:
            kinds.append(KIND_CATEGORICAL)
            joined = pd.concat([t.df[col].reset_index(drop=True).astype(object) for t in tables], ignore_index=True)
            miss = joined.isna().to_numpy()
            labels = joined.astype(str).to_numpy(dtype=object)
            labels[miss] = None
            codes, _ = pd.factorize(labels, use_na_sentinel=True)
            codes = np.where(codes < 0, np.nan, codes.astype(float))
            start = 0
            for i, t in enumerate(tables):
                mats[i].append(codes[start : start + len(t.df)])
                start += len(t.df)
    return [np.column_stack(m) for m in mats], np.asarray(kinds)


def _condition(x: np.ndarray, op: int, v: np.ndarray) -> np.ndarray:
    """Rows of ``x`` (N,) meeting ``op`` against each value in ``v`` (B,): a (B, N) boolean matrix."""
    xs, vs = x[None, :], v[:, None]
    with np.errstate(invalid="ignore"):
        if op == EQ:
            return np.asarray(xs == vs)
        if op == NE:
            return np.asarray((xs != vs) & ~np.isnan(xs))
        if op == GT:
            return xs > vs
        if op == LT:
            return xs < vs
        if op == GE:
            return xs >= vs
        if op == LE:
            return xs <= vs
    if op == ISNULL:
        return np.broadcast_to(np.isnan(x)[None, :], (len(v), len(x)))
    return np.broadcast_to(~np.isnan(x)[None, :], (len(v), len(x)))


def match_matrix(data: np.ndarray, queries: QueryBatch) -> np.ndarray:
    """(B, N) boolean matrix: does data row n satisfy predicate b."""
    n_q, n_rows = len(queries), data.shape[0]
    out = np.ones((n_q, n_rows), dtype=bool)
    for s in range(queries.cols.shape[1]):
        cols, ops = queries.cols[:, s], queries.ops[:, s]
        for c in np.unique(cols):
            for op in np.unique(ops[cols == c]):
                sel = np.flatnonzero((cols == c) & (ops == op))
                out[sel] &= _condition(data[:, c], int(op), queries.vals[sel, s])
    return out


def count_matches(data: np.ndarray, queries: QueryBatch) -> np.ndarray:
    """How many rows of ``data`` each predicate matches (evaluated in memory-bounded chunks)."""
    if len(queries) == 0:
        return np.zeros(0, dtype=np.int64)
    step = max(1, _CELLS // max(data.shape[0], 1))
    parts = [
        match_matrix(data, queries.take(np.arange(s, min(s + step, len(queries))))).sum(axis=1)
        for s in range(0, len(queries), step)
    ]
    return np.concatenate(parts)


def count_matches_capped(data: np.ndarray, queries: QueryBatch, cap: int = 2, *, first_block: int = 512) -> np.ndarray:
    """``min(count, cap)`` per predicate, exactly: rows are scanned in blocks growing fourfold and a predicate
    leaves the scan once it has matched ``cap`` rows. Broad predicates (most random ones) are settled on the
    first few hundred rows, so deciding "matches exactly one row" costs a fraction of a full count."""
    n_q, n_rows = len(queries), data.shape[0]
    counts = np.zeros(n_q, dtype=np.int64)
    active = np.arange(n_q)
    start, block = 0, first_block
    while start < n_rows and active.size:
        stop = min(n_rows, start + block)
        counts[active] += count_matches(data[start:stop], queries.take(active))
        active = active[counts[active] < cap]
        start, block = stop, block * 4
    return np.minimum(counts, cap)


def _unique_singling_out(queries: QueryBatch, counts: np.ndarray, seen: set[bytes], limit: int) -> np.ndarray:
    """Positions of predicates matching exactly one row, new to ``seen``, at most ``limit`` (updates ``seen``)."""
    keep: list[int] = []
    keys = queries.keys()
    for i in np.flatnonzero(counts == 1):
        if len(keep) >= limit:
            break
        key = keys[i].tobytes()
        if key not in seen:
            seen.add(key)
            keep.append(int(i))
    return np.asarray(keep, dtype=np.int64)


def univariate_queries(data: np.ndarray, kinds: np.ndarray, n_queries: int, rng: np.random.Generator) -> QueryBatch:
    """anonymeter's univariate attack: ``col is null`` (one missing), ``col <= min`` / ``col >= max`` for numbers,
    and ``col == v`` for every value seen once; shuffled, kept when they single out one row of ``data``."""
    cols: list[Any] = []
    ops: list[Any] = []
    vals: list[Any] = []
    counts: list[Any] = []
    for c in range(data.shape[1]):
        x = data[:, c]
        miss = np.isnan(x)
        if miss.sum() == 1:
            cols.append([c])
            ops.append([ISNULL])
            vals.append([np.nan])
            counts.append([1])
        present = x[~miss]
        if kinds[c] == KIND_NUMERIC and present.size:
            lo, hi = present.min(), present.max()
            cols.append([c, c])
            ops.append([LE, GE])
            vals.append([lo, hi])
            counts.append([int((present == lo).sum()), int((present == hi).sum())])
        uniq, cnt = np.unique(present, return_counts=True)
        rare = uniq[cnt == 1]
        cols.append(np.full(rare.size, c))
        ops.append(np.full(rare.size, EQ))
        vals.append(rare)
        counts.append(np.ones(rare.size, dtype=int))
    batch = QueryBatch(
        np.concatenate([np.asarray(a, dtype=np.int64) for a in cols])[:, None],
        np.concatenate([np.asarray(a, dtype=np.int64) for a in ops])[:, None],
        np.concatenate([np.asarray(a, dtype=float) for a in vals])[:, None],
    )
    count_arr = np.concatenate([np.asarray(a, dtype=np.int64) for a in counts])
    order = rng.permutation(len(batch))
    batch, count_arr = batch.take(order), count_arr[order]
    keep = _unique_singling_out(batch, count_arr, set(), n_queries)
    return batch.take(keep)


def multivariate_queries(
    data: np.ndarray,
    kinds: np.ndarray,
    n_queries: int,
    n_cols: int,
    rng: np.random.Generator,
    *,
    max_attempts: int | None,
    batch_size: int = 1000,
) -> tuple[QueryBatch, int]:
    """anonymeter's multivariate attack: predicates built from random rows of ``data`` on ``n_cols`` random
    columns (``>= v`` above the median, ``<= v`` otherwise for numbers, ``== v`` for categories, ``is null``
    for missing), kept when they single out one row. Returns the predicates and the attempts made."""
    n_rows, n_all = data.shape
    n_cols = min(n_cols, n_all)
    medians = np.full(n_all, np.nan)
    for c in np.flatnonzero(kinds == KIND_NUMERIC):
        present = data[:, c][~np.isnan(data[:, c])]
        medians[c] = np.median(present) if present.size else np.nan
    seen: set[bytes] = set()
    found: list[QueryBatch] = []
    n_found, attempts = 0, 0
    while n_found < n_queries and (max_attempts is None or attempts < max_attempts):
        b = batch_size if max_attempts is None else max(1, min(batch_size, max_attempts - attempts))
        rows = rng.integers(0, n_rows, size=b)
        cols = np.argsort(rng.random((b, n_all)), axis=1)[:, :n_cols]
        vals = data[rows[:, None], cols]
        numeric = kinds[cols] == KIND_NUMERIC
        ops = np.where(numeric, np.where(vals > medians[cols], GE, LE), EQ)
        ops = np.where(np.isnan(vals), ISNULL, ops)
        batch = QueryBatch(cols.astype(np.int64), ops.astype(np.int64), vals)
        keep = _unique_singling_out(batch, count_matches_capped(data, batch), seen, n_queries - n_found)
        if keep.size:
            found.append(batch.take(keep))
            n_found += keep.size
        attempts += b
    if not found:
        return QueryBatch(*(np.zeros((0, n_cols), dtype=t) for t in (np.int64, np.int64, float))), attempts
    return QueryBatch.concat(found), attempts


def random_queries(
    data: np.ndarray, kinds: np.ndarray, n_queries: int, n_cols: int, rng: np.random.Generator
) -> QueryBatch:
    """anonymeter's baseline: ``n_cols`` random columns, each compared with a random value seen in ``data``
    by a random operator (==/!= for categories, is/is-not true for booleans, any comparison for numbers)."""
    n_all = data.shape[1]
    n_cols = min(n_cols, n_all)
    cols = np.argsort(rng.random((n_queries, n_all)), axis=1)[:, :n_cols]
    vals = np.empty(cols.shape)
    for c in range(n_all):  # one pass per column: pick values among its distinct ones (missing included)
        uniq = np.unique(data[:, c])  # NaN, if any, sorts last and is kept once
        uniq = np.concatenate([uniq[~np.isnan(uniq)], uniq[np.isnan(uniq)][:1]])
        mask = cols == c
        vals[mask] = uniq[rng.integers(0, max(len(uniq), 1), size=int(mask.sum()))] if uniq.size else np.nan
    kind = kinds[cols]
    pick = rng.random(cols.shape)
    ops = np.where(kind == KIND_NUMERIC, (pick * 6).astype(np.int64), np.where(pick < 0.5, EQ, NE))
    is_bool = kind == KIND_BOOLEAN
    # booleans: "is true" / "is false" (the drawn value only matters when missing)
    vals = np.where(is_bool & ~np.isnan(vals), np.where(ops == EQ, 1.0, 0.0), vals)
    ops = np.where(is_bool & ~np.isnan(vals), EQ, ops)
    missing = np.isnan(vals)
    ops = np.where(missing & is_bool, np.where(pick < 0.5, ISNULL, NOTNULL), ops)
    ops = np.where(missing & ~is_bool, NOTNULL, ops)  # anonymeter: a missing value gives "is not null"
    return QueryBatch(cols.astype(np.int64), ops.astype(np.int64), vals)


def singling_out_integral(n: float | np.ndarray, w_min: float, w_max: float | np.ndarray) -> np.ndarray:
    """Integral over query weight w in [w_min, w_max] of P(w, n) = n w (1 - w)^(n - 1) (Cohen and Nissim 2020)."""
    n = np.asarray(n, dtype=float)
    return np.asarray(((n * w_min + 1) * (1 - w_min) ** n - (n * w_max + 1) * (1 - w_max) ** n) / (n + 1))


def size_correction(
    matches: np.ndarray, n_target: int, rng: np.random.Generator, *, n_repeat: int = 5, n_sizes: int = 10
) -> float:
    """Factor rescaling singling-out successes measured on a control set of another size than the target set.

    ``matches`` is the (queries x control rows) match matrix. Successes are counted on
    random subsets of 1000..all control rows and fitted with ``norm * integral(n, 0, w)``;
    the factor is the fitted value at ``n_target`` over the value at the control's size.
    """
    from scipy.optimize import curve_fit

    n_rows = matches.shape[1]
    sizes, successes = [], []
    for size in np.linspace(min(1000, n_rows), n_rows, n_sizes).astype(int):
        for _ in range(n_repeat):
            rows = rng.choice(n_rows, size=size, replace=False)
            successes.append(int((matches[:, rows].sum(axis=1) == 1).sum()))
            sizes.append(size)
    x, y = np.asarray(sizes, dtype=float), np.asarray(successes, dtype=float)

    def model(n: np.ndarray, w: float, norm: float) -> np.ndarray:
        return norm * singling_out_integral(n, 0.0, w)

    w0 = 1 / x.max()
    p0 = (w0, 1 / float(singling_out_integral(x.max(), 0.0, w0)))
    try:
        (w, norm), _ = curve_fit(model, x, y, p0=p0, bounds=(0, (1, np.inf)))
    except (RuntimeError, ValueError):
        return 1.0
    denom = float(model(np.asarray(float(n_rows)), w, norm))
    return float(model(np.asarray(float(n_target)), w, norm)) / denom if denom > 0 else 1.0
