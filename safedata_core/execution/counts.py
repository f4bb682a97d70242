"""Exact counts over partitions: one pass, per-partition numpy/pandas counts, summed in a tree.

Every function here returns the same objects the local path computes in memory
(numpy count arrays, a pandas frame of group counts), exactly: DP noise is added
afterwards, once, by the caller through the core's noise entry point.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["add_partials", "group_counts", "marginal_counts", "partition_groups", "partition_reduce"]

_FANIN = 8


def add_partials(parts: list[Any]) -> Any:
    """Sum of partial results: arrays add, frames of group counts merge, lists/dicts/tuples element-wise."""
    first = parts[0]
    if isinstance(first, np.ndarray) or np.isscalar(first):
        out = first.copy() if isinstance(first, np.ndarray) else first
        for p in parts[1:]:
            out = out + p
        return out
    if isinstance(first, pd.DataFrame):
        keys = [c for c in first.columns if not str(c).startswith("__")]
        frame = pd.concat(parts, ignore_index=True)
        if not keys:
            return frame.sum().to_frame().T
        return frame.groupby(keys, dropna=False, sort=False, observed=True).sum().reset_index()
    if isinstance(first, dict):
        return {k: add_partials([p[k] for p in parts]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(add_partials([p[i] for p in parts]) for i in range(len(first)))
    raise TypeError(f"cannot add partial results of type {type(first).__name__}")


def partition_reduce(
    ddf: Any, fn: Callable[..., Any], *args: Any, combine: Callable[[list[Any]], Any] | None = None
) -> Any:
    """``sum(fn(partition, *args) for partition in ddf)`` computed on the cluster in one pass.

    ``fn`` returns numpy arrays, group-count frames (key columns, then ``__``-prefixed sums) or
    lists/dicts/tuples of them; partial results are added (or merged by ``combine``, which takes
    a list of partial results) in a tree of fan-in 8.
    """
    from safedata_core.execution.dask_api import compute, delayed

    parts = [delayed(fn)(p, *args) for p in ddf.to_delayed()]
    add = delayed(combine or add_partials)
    while len(parts) > 1:
        parts = [add(parts[i : i + _FANIN]) for i in range(0, len(parts), _FANIN)]
    (result,) = compute(parts[0])
    return result


def _marginals(
    pdf: pd.DataFrame, encode: Callable[[pd.DataFrame], np.ndarray], attr_sets: Any, dom: Any
) -> list[np.ndarray]:
    codes = encode(pdf)
    out: list[np.ndarray] = []
    for attrs in attr_sets:
        shape = [dom[a] for a in attrs]
        size = math.prod(shape)
        flat = np.ravel_multi_index([codes[:, a] for a in attrs], shape) if attrs else np.zeros(len(codes), int)
        out.append(np.bincount(flat, minlength=size).astype(np.int64))
    return out


def marginal_counts(
    ddf: Any,
    encode: Callable[[pd.DataFrame], np.ndarray],
    attr_sets: Sequence[tuple[int, ...]],
    dom: Sequence[int],
) -> list[np.ndarray]:
    """Exact contingency tables (float arrays shaped by ``dom``) of every attribute set, in one pass.

    ``encode`` maps a pandas partition to its ``rows x columns`` integer code matrix.
    """
    sets = [tuple(a) for a in attr_sets]
    if not sets:
        return []
    flat = partition_reduce(ddf, _marginals, encode, sets, list(dom))
    return [f.reshape([dom[a] for a in s]).astype(float) for f, s in zip(flat, sets, strict=True)]


def partition_groups(pdf: pd.DataFrame, key_sets: Any, weight: str | None) -> list[pd.DataFrame]:
    """Group counts of one partition for every key set (see :func:`group_counts`)."""
    out = []
    for keys in key_sets:
        sub = pdf[list(keys)].copy()
        sub["__count"] = 1
        if weight is not None:
            sub["__weight"] = pd.to_numeric(pdf[weight], errors="coerce").to_numpy(dtype=float)
        if keys:
            g = sub.groupby(list(keys), dropna=False, sort=False, observed=True).sum().reset_index()
        else:
            g = sub.sum().to_frame().T
        out.append(g)
    return out


def group_counts(ddf: Any, key_sets: Sequence[Sequence[str]], *, weight: str | None = None) -> list[pd.DataFrame]:
    """For each key set, the distinct value combinations (missing kept) with ``__count`` (and ``__weight``)."""
    sets = [list(k) for k in key_sets]
    if not sets:
        return []
    frames = partition_reduce(ddf, partition_groups, sets, weight)
    out = []
    for f in frames:
        f = f.reset_index(drop=True)
        f["__count"] = f["__count"].astype(np.int64)
        out.append(f)
    return out
