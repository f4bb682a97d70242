"""l-diversity and t-closeness of a Dask table in bounded memory: the figures of :mod:`.diversity`, exactly.

No (class, sensitive value) table is ever gathered in one process, and every
sensitive column is handled in the same passes:

1. a summary of every sensitive column, small by construction (it can ride on
   another pass over the table: the distributed profile folds it into its main
   pass): for a numeric column its distinct finite values with their counts while
   there are at most ``max_bins`` of them, and a histogram over up to 4096 split
   points taken from a sample; for a categorical column its value counts
   (bounded by its categories);
2. for the numeric columns with more distinct values, one pass collects the
   values of only the histogram buckets that hold the ranks ``np.quantile``
   needs: the exact quantile bin edges and the number of values per bin (the
   table distribution ``q``) follow without another pass;
3. one shuffle of the compact coded frame (an exact integer code per
   quasi-identifier value, the sensitive codes, and the raw value of a binned
   numeric column for its distinct count) on the QI codes, so that every
   equivalence class lies in one partition; each partition runs the local maths
   (:func:`.diversity.distinct_l`, :func:`.diversity.class_emd`) for every
   sensitive column and returns a handful of sums. Only those sums reach the
   client.

The QI value codes come from the distinct values of each quasi-identifier (the
profile passes them from its class-count table; otherwise they are collected in
pass 1). A table without quasi-identifiers is one class: its l is the exact
distinct count of the sensitive column, from that column's value counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.execution.counts import add_partials, group_counts, partition_reduce
from safedata_core.inventory.diversity import class_emd, codes_from_bins, distinct_l
from safedata_core.inventory.keys import group_ids

__all__ = [
    "exact_quantiles",
    "lt_distributed",
    "lt_distributed_many",
    "summary_merge",
    "summary_part",
    "summary_plan",
]

_SPLITS = 4096  # histogram split points for the exact quantile search
_COUNT = "__count"


def _is_numeric(dtype: Any) -> bool:
    return bool(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def _finite(pdf: pd.DataFrame, column: str) -> np.ndarray:
    x = pdf[column].to_numpy(dtype=float)
    return np.asarray(x[~np.isnan(x)])


def _splits(sample: np.ndarray) -> np.ndarray:
    """Up to 4096 histogram split points at the quantiles of ``sample`` (finite values)."""
    return np.unique(np.quantile(sample, np.linspace(0, 1, _SPLITS + 1))) if sample.size else np.zeros(0)


# -- pass 1: the summary of every sensitive column ----------------------------------------------
def summary_plan(ddf: Any, columns: Sequence[str], sample: pd.DataFrame, max_bins: int = 20) -> dict[str, Any]:
    """What :func:`summary_part` computes per column: histogram split points for a numeric one, else ``None``."""
    return {
        "max_bins": max_bins,
        "columns": {
            c: (_splits(_finite(sample, c)) if _is_numeric(ddf[c].dtype) else None) for c in dict.fromkeys(columns)
        },
    }


def summary_part(pdf: pd.DataFrame, plan: dict[str, Any], qis: Sequence[str] = ()) -> dict[str, Any]:
    """One partition's summary of every planned column (and the distinct values of ``qis``)."""
    cap = int(plan["max_bins"])
    out: dict[str, Any] = {}
    for column, splits in plan["columns"].items():
        if splits is None:
            counts = pdf[column].value_counts(dropna=False, sort=False)
            counts = counts[counts.to_numpy() > 0]  # a categorical dtype lists unobserved categories too
            out[column] = pd.DataFrame({"value": counts.index.to_numpy(), _COUNT: counts.to_numpy(dtype=np.int64)})
            continue
        finite = _finite(pdf, column)
        uniq, counts = np.unique(finite, return_counts=True)
        bucket = np.searchsorted(splits, finite, side="right")
        out[column] = {
            "n": len(finite),
            "missing": len(pdf) - len(finite),
            "uniq": uniq[: cap + 1],
            "counts": counts[: cap + 1].astype(np.int64),
            "over": len(uniq) > cap,
            "cap": cap,
            "hist": np.bincount(bucket, minlength=len(splits) + 1).astype(np.int64),
        }
    out["__qi_values"] = {q: pd.unique(pdf[q].dropna().to_numpy()) for q in qis}
    return out


def _numeric_merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    cap = int(parts[0]["cap"])
    uniq, inverse = np.unique(np.concatenate([p["uniq"] for p in parts]), return_inverse=True)
    counts = np.bincount(inverse, weights=np.concatenate([p["counts"] for p in parts]), minlength=len(uniq))
    return {
        "n": sum(p["n"] for p in parts),
        "missing": sum(p["missing"] for p in parts),
        "uniq": uniq[: cap + 1],
        "counts": counts[: cap + 1].astype(np.int64),
        "over": any(p["over"] for p in parts) or len(uniq) > cap,
        "cap": cap,
        "hist": add_partials([p["hist"] for p in parts]),
    }


def summary_merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge partial results of :func:`summary_part`."""
    out: dict[str, Any] = {}
    for column, first in parts[0].items():
        cols = [p[column] for p in parts]
        if column == "__qi_values":
            out[column] = {q: pd.unique(np.concatenate([c[q] for c in cols])) for q in first}
        elif isinstance(first, pd.DataFrame):
            frame = pd.concat(cols, ignore_index=True)
            out[column] = frame.groupby("value", dropna=False, sort=False).sum().reset_index()
        else:
            out[column] = _numeric_merge(cols)
    return out


# -- pass 2: exact quantile edges and their bin counts ------------------------------------------
def _bucket_values_part(pdf: pd.DataFrame, wanted: dict[str, tuple[np.ndarray, np.ndarray]]) -> list[pd.DataFrame]:
    out = []
    for column, (splits, buckets) in wanted.items():
        finite = _finite(pdf, column)
        keep = finite[np.isin(np.searchsorted(splits, finite, side="right"), buckets)]
        values, counts = np.unique(keep, return_counts=True)
        out.append(pd.DataFrame({"value": values, _COUNT: counts.astype(np.int64)}))
    return out


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's quantile interpolation, operation for operation (bit-identical results)."""
    diff = b - a
    out = a + diff * t
    high = t >= 0.5
    out[high] = (b - diff * (1 - t))[high]
    return np.asarray(out)


class _QuantileSearch:
    """``np.quantile`` (linear) of ``n`` values from their histogram over ``splits`` and the wanted buckets."""

    def __init__(self, n: int, qs: np.ndarray, splits: np.ndarray, hist: np.ndarray) -> None:
        h = (n - 1) * qs
        lo = np.floor(h)
        self.gamma = h - lo
        self.lo_rank = np.minimum(lo, n - 1).astype(np.int64)
        self.hi_rank = np.minimum(lo + 1, n - 1).astype(np.int64)
        self.ranks = np.unique(np.concatenate([self.lo_rank, self.hi_rank]))
        self.splits, self.hist = splits, hist
        self.ends = np.cumsum(hist)  # bucket b holds ranks ends[b-1] .. ends[b]-1
        self.buckets = np.searchsorted(self.ends, self.ranks, side="right")
        self.wanted = np.unique(self.buckets)

    def quantiles(self, found: pd.DataFrame) -> np.ndarray:
        """The quantiles, from the value counts ``found`` of the wanted buckets."""
        self.found = found.sort_values("value", kind="stable")
        values, cum = self.found["value"].to_numpy(dtype=float), np.cumsum(self.found[_COUNT].to_numpy())
        start = np.concatenate([[0], self.ends])[self.wanted]  # rank of each wanted bucket's first value
        offsets = np.concatenate([[0], np.cumsum(self.hist[self.wanted])])  # its first position in ``values``
        position = {int(b): int(o) - int(s) for b, s, o in zip(self.wanted, start, offsets[:-1], strict=True)}
        at = {
            int(r): float(values[np.searchsorted(cum, r + position[int(b)], side="right")])
            for r, b in zip(self.ranks, self.buckets, strict=True)
        }
        a = np.array([at[int(r)] for r in self.lo_rank])
        b = np.array([at[int(r)] for r in self.hi_rank])
        return _lerp(a, b, self.gamma)

    def count_below(self, edges: np.ndarray) -> np.ndarray | None:
        """The number of values ``< e`` for each edge; ``None`` when an edge falls in an unread, non-empty bucket.

        Edges interpolated between two adjacent ranks lie in their buckets or in empty ones between them.
        """
        values, counts = self.found["value"].to_numpy(dtype=float), self.found[_COUNT].to_numpy()
        value_bucket = np.searchsorted(self.splits, values, side="right")
        before = np.concatenate([[0], self.ends])  # values in the buckets before bucket b
        out = np.zeros(len(edges), dtype=np.int64)
        wanted = set(self.wanted.tolist())
        for i, e in enumerate(edges):
            b = int(np.searchsorted(self.splits, e, side="right"))
            if b not in wanted:
                if self.hist[b]:
                    return None
                out[i] = before[b]
                continue
            out[i] = before[b] + int(counts[(value_bucket == b) & (values < e)].sum())
        return out


def _count_below_part(pdf: pd.DataFrame, column: str, edges: np.ndarray) -> np.ndarray:
    finite = np.sort(_finite(pdf, column))
    return np.searchsorted(finite, edges, side="left").astype(np.int64)


def exact_quantiles(ddf: Any, column: str, n: int, qs: np.ndarray, sample: np.ndarray) -> np.ndarray:
    """``np.quantile`` (linear) of the ``n`` finite values of ``column``, without holding the column.

    ``sample`` (finite values) places up to 4096 split points; one pass counts the values per
    bucket, a second collects the value counts of only the buckets that hold the wanted ranks.
    """
    splits = _splits(sample)
    plan = {"max_bins": 0, "columns": {column: splits}}
    summary = partition_reduce(ddf[[column]], summary_part, plan, combine=summary_merge)
    search = _QuantileSearch(n, qs, splits, summary[column]["hist"])
    (found,) = partition_reduce(ddf[[column]], _bucket_values_part, {column: (search.splits, search.wanted)})
    return search.quantiles(found)


# -- the global coding of every sensitive column ------------------------------------------------
def _specs(ddf: Any, summaries: dict[str, Any], plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per sensitive column: its coding (the ``diversity.sensitive_codes`` of the full column) and ``q`` counts."""
    max_bins = int(plan["max_bins"])
    specs: dict[str, dict[str, Any]] = {}
    searches: dict[str, _QuantileSearch] = {}
    for column, splits in plan["columns"].items():
        s = summaries[column]
        if splits is None:
            present = s["value"].notna().to_numpy()
            missing = int(s.loc[~present, _COUNT].sum())
            counts = s.loc[present, _COUNT].to_numpy(dtype=np.int64)
            specs[column] = {
                "kind": "categorical",
                "categories": s.loc[present, "value"].to_numpy(dtype=object),
                "m": max(len(counts) + int(missing > 0), 1),
                "ordered": False,
                "q_counts": np.concatenate([counts, [missing]]) if missing else counts,
                "n": int(counts.sum()) + missing,
            }
        elif s["n"] == 0:
            specs[column] = {"kind": "none", "m": 1, "ordered": False, "q_counts": np.array([s["missing"]])}
        elif not s["over"]:
            missing = s["missing"] > 0
            specs[column] = {
                "kind": "numeric",
                "bins": s["uniq"],
                "distinct": True,
                "missing": missing,
                "m": len(s["uniq"]) + int(missing),
                "ordered": True,
                "q_counts": np.concatenate([s["counts"], [s["missing"]]]) if missing else s["counts"],
            }
        else:
            searches[column] = _QuantileSearch(s["n"], np.linspace(0, 1, max_bins + 1), splits, s["hist"])
    if searches:
        cols = list(searches)
        found = partition_reduce(
            ddf[cols], _bucket_values_part, {c: (searches[c].splits, searches[c].wanted) for c in cols}
        )
        for column, f in zip(cols, found, strict=True):
            s, search = summaries[column], searches[column]
            bins = np.unique(search.quantiles(f))
            inner = bins[1:-1]  # code = the number of inner edges <= value
            below = search.count_below(inner)
            if below is None:  # not expected (see count_below); count exactly in one more pass
                below = partition_reduce(ddf[[column]], _count_below_part, column, inner)
            counts = np.diff(np.concatenate([[0], below, [s["n"]]])).astype(np.int64)
            missing = s["missing"] > 0
            specs[column] = {
                "kind": "numeric",
                "bins": bins,
                "distinct": False,
                "missing": missing,
                "m": len(counts) + int(missing),
                "ordered": True,
                "q_counts": np.concatenate([counts, [s["missing"]]]) if missing else counts,
            }
    return {c: specs[c] for c in plan["columns"]}


def _codes(series: pd.Series, spec: dict[str, Any]) -> np.ndarray:
    if spec["kind"] == "none":
        return np.zeros(len(series), dtype=np.int64)
    if spec["kind"] == "numeric":
        codes, _ = codes_from_bins(
            series.to_numpy(dtype=float), spec["bins"], distinct=spec["distinct"], missing=spec["missing"]
        )
        return codes
    return _value_codes(series, spec["categories"])


def _value_codes(series: pd.Series, values: np.ndarray) -> np.ndarray:
    """Index of each value in ``values`` (distinct, non-missing); missing values get ``len(values)``."""
    # a fresh Index per call: a shared one's lazily built hash engine is not thread-safe
    codes = np.asarray(pd.Index(values, dtype=object).get_indexer(series.astype(object)), dtype=np.int64)
    codes[series.isna().to_numpy()] = len(values)
    return codes


def _coded_part(
    pdf: pd.DataFrame, qis: list[str], qi_values: list[np.ndarray], specs: dict[str, dict[str, Any]]
) -> pd.DataFrame:
    """The compact frame that is shuffled: QI value codes, sensitive codes, raw values of binned columns."""
    out: dict[str, np.ndarray] = {}
    for i, (q, values) in enumerate(zip(qis, qi_values, strict=True)):
        out[f"__q{i}"] = _value_codes(pdf[q], values)
    for j, (column, spec) in enumerate(specs.items()):
        out[f"__c{j}"] = _codes(pdf[column], spec)
        if spec["kind"] == "numeric" and not spec["distinct"]:  # codes merge values: l needs the values
            out[f"__v{j}"] = pdf[column].to_numpy(dtype=float)
    return pd.DataFrame(out, index=pdf.index)


def _class_part(pdf: pd.DataFrame, n_qis: int, specs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    n = len(pdf)
    if n == 0:
        empty = {"n": 0, "min_l": np.iinfo(np.int64).max, "sum_l": 0, "below": np.zeros(3, np.int64)}
        return {c: {**empty, "max_t": 0.0, "sum_t": 0.0} for c in specs}
    qcols = [f"__q{i}" for i in range(n_qis)]
    class_ids = group_ids(pdf, qcols)
    out = {}
    for j, (column, spec) in enumerate(specs.items()):
        values = f"__v{j}" if f"__v{j}" in pdf.columns else f"__c{j}"  # codes are the values' bijection otherwise
        per_l = distinct_l(pdf, qcols, values, class_ids=class_ids)
        m = int(spec["m"])
        if m >= 2:
            q = spec["q_counts"] / max(int(spec["q_counts"].sum()), 1)
            emd = class_emd(class_ids, pdf[f"__c{j}"].to_numpy(dtype=np.int64), m, q, bool(spec["ordered"]))
        else:
            emd = np.zeros(class_ids[1])
        out[column] = {
            "n": n,
            "min_l": int(per_l.min()),
            "sum_l": int(per_l.sum()),
            "below": np.array([(per_l < lv).sum() for lv in (2, 3, 5)], dtype=np.int64),
            "max_t": float(emd.max()),
            "sum_t": float(emd[class_ids[0]].sum()),
        }
    return out


def _class_merge(parts: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    out = {}
    for column in parts[0]:
        cols = [p[column] for p in parts]
        out[column] = {
            "n": sum(p["n"] for p in cols),
            "min_l": min(p["min_l"] for p in cols),
            "sum_l": sum(p["sum_l"] for p in cols),
            "below": add_partials([p["below"] for p in cols]),
            "max_t": max(p["max_t"] for p in cols),
            "sum_t": sum(p["sum_t"] for p in cols),
        }
    return out


def _without_qis(ddf: Any, column: str, spec: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """One class, the whole table (its distribution is the table's: t = 0)."""
    if spec["kind"] == "numeric" and not spec["distinct"]:
        (counts,) = group_counts(ddf[[column]], [[column]])
        n, lval = int(counts[_COUNT].sum()), len(counts)
    else:  # the codes are a bijection of the values
        n, lval = int(spec["q_counts"].sum()), int((spec["q_counts"] > 0).sum())
    lval = lval if n else 0
    ldiv = {
        "l": lval,
        "records_with_l_below": {str(lv): n if lval < lv else 0 for lv in (2, 3, 5)},
        "mean_l": float(lval) if n else 0.0,
    }
    return ldiv, {"t": 0.0, "mean_t": 0.0, "ordered": bool(spec["ordered"]), "bins": int(spec["m"])}


def lt_distributed_many(
    ddf: Any,
    qis: Sequence[str],
    columns: Sequence[str],
    sample: pd.DataFrame,
    *,
    max_bins: int = 20,
    plan: dict[str, Any] | None = None,
    summaries: dict[str, Any] | None = None,
    qi_values: dict[str, np.ndarray] | None = None,
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """``(diversity.l_diversity, diversity.t_closeness)`` of every sensitive column of a Dask frame.

    ``plan``/``summaries``: a :func:`summary_plan` and the merged :func:`summary_part` results of the
    table when the caller computed them in its own pass; ``qi_values``: the distinct non-missing values of
    each QI (else collected in the summary pass).
    """
    qis, columns = list(qis), list(dict.fromkeys(columns))
    if not columns:
        return {}
    ddf = ddf[list(dict.fromkeys([*qis, *columns]))]  # every pass below reads only these columns
    if plan is None or summaries is None:
        plan = summary_plan(ddf, columns, sample, max_bins)
        need = [] if qi_values is not None else qis
        summaries = partition_reduce(ddf, summary_part, plan, need, combine=summary_merge)
        if qi_values is None:
            qi_values = summaries["__qi_values"]
    specs = _specs(ddf, summaries, plan)
    if not qis:
        return {c: _without_qis(ddf, c, specs[c]) for c in columns}
    if qi_values is None:
        raise ValueError("qi_values are needed with precomputed summaries")
    values = [np.asarray(qi_values[q], dtype=object) for q in qis]
    meta = pd.DataFrame({f"__q{i}": np.zeros(0, np.int64) for i in range(len(qis))})
    for j, spec in enumerate(specs.values()):
        meta[f"__c{j}"] = np.zeros(0, np.int64)
        if spec["kind"] == "numeric" and not spec["distinct"]:
            meta[f"__v{j}"] = np.zeros(0, float)
    coded = ddf.map_partitions(_coded_part, qis, values, specs, meta=meta)
    shuffled = coded.shuffle(on=[f"__q{i}" for i in range(len(qis))])
    r = partition_reduce(shuffled, _class_part, len(qis), specs, combine=_class_merge)
    out = {}
    for column, spec in specs.items():
        c, m = r[column], int(spec["m"])
        n = c["n"]
        ldiv = {
            "l": int(c["min_l"]) if n else 0,
            "records_with_l_below": {str(lv): int(x) for lv, x in zip((2, 3, 5), c["below"], strict=True)},
            "mean_l": float(c["sum_l"] / n) if n else 0.0,
        }
        ordered = bool(spec["ordered"])
        if n == 0 or m < 2:
            out[column] = (ldiv, {"t": 0.0, "mean_t": 0.0, "ordered": ordered, "bins": m})
        else:
            out[column] = (
                ldiv,
                {"t": float(c["max_t"]), "mean_t": float(c["sum_t"] / n), "ordered": ordered, "bins": m},
            )
    return out


def lt_distributed(
    ddf: Any, qis: Sequence[str], column: str, sample: pd.DataFrame, *, max_bins: int = 20
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(diversity.l_diversity, diversity.t_closeness)`` of one sensitive column of a Dask frame."""
    return lt_distributed_many(ddf, qis, [column], sample, max_bins=max_bins)[column]
