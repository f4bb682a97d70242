"""l-diversity and t-closeness of a Dask table in bounded memory: the figures of :mod:`.diversity`, exactly.

No (class, sensitive value) table is ever gathered in one process. The passes are:

1. the sensitive column's global summary, small by construction: for a numeric
   column its distinct finite values while there are at most ``max_bins`` of
   them, else its exact ``np.quantile`` bin edges found by counting (a histogram
   over split points taken from a sample, then the values of only the buckets
   that hold the wanted ranks); for a categorical column its value counts
   (bounded by its categories);
2. the table distribution ``q`` of the sensitive codes (one count per bin);
3. a shuffle of ``(QIs, sensitive)`` on a hash of the QI values, so that every
   equivalence class lies in one partition; each partition then runs the local
   maths (:func:`.diversity.distinct_l`, :func:`.diversity.class_emd`) on its
   classes and returns a handful of sums. Only those sums reach the client.

The one exception is a table without quasi-identifiers (one class): its l is the
exact distinct count of the sensitive column, from that column's value counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.execution.counts import add_partials, group_counts, partition_reduce
from safedata_core.inventory.diversity import class_emd, codes_from_bins, distinct_l
from safedata_core.inventory.keys import group_ids

__all__ = ["exact_quantiles", "lt_distributed"]

_SPLITS = 4096  # histogram split points for the exact quantile search
_HASH = "__class_hash"
_CODE = "__code"


def _is_numeric(dtype: Any) -> bool:
    return bool(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def _finite(pdf: pd.DataFrame, column: str) -> np.ndarray:
    x = pdf[column].to_numpy(dtype=float)
    return np.asarray(x[~np.isnan(x)])


def _numeric_part(pdf: pd.DataFrame, column: str, cap: int) -> dict[str, Any]:
    finite = _finite(pdf, column)
    uniq = np.unique(finite)
    return {
        "n": len(finite),
        "missing": len(pdf) - len(finite),
        "uniq": uniq[: cap + 1],
        "over": len(uniq) > cap,
        "cap": cap,
    }


def _numeric_merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    cap = int(parts[0]["cap"])
    uniq = np.unique(np.concatenate([p["uniq"] for p in parts]))
    return {
        "n": sum(p["n"] for p in parts),
        "missing": sum(p["missing"] for p in parts),
        "uniq": uniq[: cap + 1],
        "over": any(p["over"] for p in parts) or len(uniq) > cap,
        "cap": cap,
    }


def _histogram_part(pdf: pd.DataFrame, column: str, splits: np.ndarray) -> np.ndarray:
    bucket = np.searchsorted(splits, _finite(pdf, column), side="right")
    return np.bincount(bucket, minlength=len(splits) + 1).astype(np.int64)


def _bucket_values_part(pdf: pd.DataFrame, column: str, splits: np.ndarray, wanted: np.ndarray) -> pd.DataFrame:
    finite = _finite(pdf, column)
    keep = finite[np.isin(np.searchsorted(splits, finite, side="right"), wanted)]
    values, counts = np.unique(keep, return_counts=True)
    return pd.DataFrame({"value": values, "__count": counts.astype(np.int64)})


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's quantile interpolation, operation for operation (bit-identical results)."""
    diff = b - a
    out = a + diff * t
    high = t >= 0.5
    out[high] = (b - diff * (1 - t))[high]
    return np.asarray(out)


def exact_quantiles(ddf: Any, column: str, n: int, qs: np.ndarray, sample: np.ndarray) -> np.ndarray:
    """``np.quantile`` (linear) of the ``n`` finite values of ``column``, without holding the column.

    ``sample`` (finite values) places up to 4096 split points; one pass counts the values per
    bucket, a second collects the value counts of only the buckets that hold the wanted ranks.
    """
    h = (n - 1) * qs
    lo = np.floor(h)
    gamma = h - lo
    lo_rank = np.minimum(lo, n - 1).astype(np.int64)
    hi_rank = np.minimum(lo + 1, n - 1).astype(np.int64)
    ranks = np.unique(np.concatenate([lo_rank, hi_rank]))
    splits = np.unique(np.quantile(sample, np.linspace(0, 1, _SPLITS + 1))) if sample.size else np.zeros(0)
    hist = partition_reduce(ddf, _histogram_part, column, splits)
    ends = np.cumsum(hist)  # bucket b holds ranks ends[b-1] .. ends[b]-1
    buckets = np.searchsorted(ends, ranks, side="right")
    wanted = np.unique(buckets)
    found = partition_reduce(ddf, _bucket_values_part, column, splits, wanted)
    found = found.sort_values("value", kind="stable")
    values, cum = found["value"].to_numpy(dtype=float), np.cumsum(found["__count"].to_numpy())
    start = np.concatenate([[0], ends])[wanted]  # rank of each wanted bucket's first value
    offsets = np.concatenate([[0], np.cumsum(hist[wanted])])  # its first position in ``values``
    position = {int(b): int(o) - int(s) for b, s, o in zip(wanted, start, offsets[:-1], strict=True)}
    at = {
        int(r): float(values[np.searchsorted(cum, r + position[int(b)], side="right")])
        for r, b in zip(ranks, buckets, strict=True)
    }
    a = np.array([at[int(r)] for r in lo_rank])
    b = np.array([at[int(r)] for r in hi_rank])
    return _lerp(a, b, gamma)


def _categories(ddf: Any, column: str) -> tuple[np.ndarray, int]:
    (counts,) = group_counts(ddf[[column]], [[column]])
    present = counts[column].notna()
    return counts.loc[present, column].to_numpy(dtype=object), int(counts.loc[~present, "__count"].sum())


def _codes_part(pdf: pd.DataFrame, column: str, spec: dict[str, Any]) -> np.ndarray:
    return _codes(pdf[column], spec)


def _codes(series: pd.Series, spec: dict[str, Any]) -> np.ndarray:
    if spec["kind"] == "numeric":
        codes, _ = codes_from_bins(
            series.to_numpy(dtype=float), spec["bins"], distinct=spec["distinct"], missing=spec["missing"]
        )
        return codes
    # a fresh Index per call: a shared one's lazily built hash engine is not thread-safe
    codes = np.asarray(pd.Index(spec["categories"], dtype=object).get_indexer(series), dtype=np.int64)
    codes[series.isna().to_numpy()] = len(spec["categories"])
    return codes


def _q_part(pdf: pd.DataFrame, column: str, spec: dict[str, Any]) -> np.ndarray:
    return np.bincount(_codes(pdf[column], spec), minlength=spec["m"]).astype(np.int64)


def _with_hash(pdf: pd.DataFrame, qis: list[str], column: str, spec: dict[str, Any]) -> pd.DataFrame:
    out = pdf[[*qis, column]].copy()
    out[_HASH] = pd.util.hash_pandas_object(pdf[qis], index=False).to_numpy()
    out[_CODE] = _codes(pdf[column], spec)
    return out


def _class_part(pdf: pd.DataFrame, qis: list[str], column: str, m: int, q: np.ndarray, ordered: bool) -> dict[str, Any]:
    n = len(pdf)
    if n == 0:
        return {
            "n": 0,
            "min_l": np.iinfo(np.int64).max,
            "sum_l": 0,
            "below": np.zeros(3, np.int64),
            "max_t": 0.0,
            "sum_t": 0.0,
        }
    class_ids = group_ids(pdf, qis)
    per_l = distinct_l(pdf, qis, column, class_ids=class_ids)
    emd = class_emd(class_ids, pdf[_CODE].to_numpy(dtype=np.int64), m, q, ordered) if m >= 2 else np.zeros(class_ids[1])
    return {
        "n": n,
        "min_l": int(per_l.min()),
        "sum_l": int(per_l.sum()),
        "below": np.array([(per_l < lv).sum() for lv in (2, 3, 5)], dtype=np.int64),
        "max_t": float(emd.max()),
        "sum_t": float(emd[class_ids[0]].sum()),
    }


def _class_merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "n": sum(p["n"] for p in parts),
        "min_l": min(p["min_l"] for p in parts),
        "sum_l": sum(p["sum_l"] for p in parts),
        "below": add_partials([p["below"] for p in parts]),
        "max_t": max(p["max_t"] for p in parts),
        "sum_t": sum(p["sum_t"] for p in parts),
    }


def _spec(ddf: Any, column: str, max_bins: int, sample: pd.DataFrame) -> dict[str, Any]:
    """The global coding of the sensitive column (the ``diversity.sensitive_codes`` of the full column)."""
    if _is_numeric(ddf[column].dtype):
        summary = partition_reduce(ddf, _numeric_part, column, max_bins, combine=_numeric_merge)
        if summary["n"] == 0:
            return {"kind": "none", "m": 1, "ordered": False, "missing": summary["missing"]}
        if not summary["over"]:
            bins, distinct = summary["uniq"], True
        else:
            qs = np.linspace(0, 1, max_bins + 1)
            bins, distinct = np.unique(exact_quantiles(ddf, column, summary["n"], qs, _finite(sample, column))), False
        m = len(bins) if distinct else len(bins) - 1
        missing = summary["missing"] > 0
        return {
            "kind": "numeric",
            "bins": bins,
            "distinct": distinct,
            "missing": missing,
            "m": m + int(missing),
            "ordered": True,
        }
    categories, missing = _categories(ddf, column)
    return {
        "kind": "categorical",
        "categories": categories,
        "m": max(len(categories) + int(missing > 0), 1),
        "ordered": False,
    }


def lt_distributed(
    ddf: Any, qis: Sequence[str], column: str, sample: pd.DataFrame, *, max_bins: int = 20
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(diversity.l_diversity, diversity.t_closeness)`` of a Dask frame, in bounded memory."""
    qis = list(qis)
    ddf = ddf[[*qis, column]]  # every pass below reads only these columns
    spec = _spec(ddf[[column]], column, max_bins, sample)
    m, ordered = int(spec["m"]), bool(spec["ordered"])
    if not qis:  # one class: the whole table (its distribution is the table's: t = 0)
        (counts,) = group_counts(ddf[[column]], [[column]])
        n = int(counts["__count"].sum())
        lval = len(counts) if n else 0
        ldiv = {
            "l": lval,
            "records_with_l_below": {str(lv): n if lval < lv else 0 for lv in (2, 3, 5)},
            "mean_l": float(lval) if n else 0.0,
        }
        return ldiv, {"t": 0.0, "mean_t": 0.0, "ordered": ordered, "bins": m}
    if spec["kind"] == "none":
        q = np.ones(1)
    else:
        counts_q = partition_reduce(ddf, _q_part, column, spec)
        q = counts_q / max(int(counts_q.sum()), 1)
    meta = ddf[[*qis, column]]._meta.assign(**{_HASH: np.uint64(0), _CODE: np.int64(0)})
    if spec["kind"] == "none":
        hashed = ddf.map_partitions(_with_hash_none, qis, column, meta=meta)
    else:
        hashed = ddf.map_partitions(_with_hash, qis, column, spec, meta=meta)
    shuffled = hashed.shuffle(on=_HASH)
    r = partition_reduce(shuffled, _class_part, qis, column, m, q, ordered, combine=_class_merge)
    n = r["n"]
    ldiv = {
        "l": int(r["min_l"]) if n else 0,
        "records_with_l_below": {str(lv): int(c) for lv, c in zip((2, 3, 5), r["below"], strict=True)},
        "mean_l": float(r["sum_l"] / n) if n else 0.0,
    }
    if n == 0 or m < 2:
        return ldiv, {"t": 0.0, "mean_t": 0.0, "ordered": ordered, "bins": m}
    return ldiv, {"t": float(r["max_t"]), "mean_t": float(r["sum_t"] / n), "ordered": ordered, "bins": m}


def _with_hash_none(pdf: pd.DataFrame, qis: list[str], column: str) -> pd.DataFrame:
    out = pdf[[*qis, column]].copy()
    out[_HASH] = pd.util.hash_pandas_object(pdf[qis], index=False).to_numpy()
    out[_CODE] = np.zeros(len(pdf), dtype=np.int64)
    return out
