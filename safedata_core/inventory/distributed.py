"""The profile of a Dask-backed table: the same ``profile.json`` as the local path, from counts over partitions.

Every risk figure in :mod:`.risk` and :mod:`.freq` depends on the records only
through the contingency table of the quasi-identifiers (with the sampling weight
when one is asked for). That table (one row per class) is computed exactly in one
pass over the partitions (:func:`~safedata_core.execution.counts.group_counts`),
and the local maths runs on it with each distinct combination weighted by its
count, so the figures are those of the local run. l-diversity and t-closeness
(:mod:`.diversity`) are computed by :mod:`.distributed_diversity` after one shuffle
by class for all sensitive columns (their summaries ride on the main pass), never
from a (class, sensitive value) table in one process. What is read from a sample is said so: column type
reasons and value patterns (identifier detection) come from a sample spread over
the partitions; missing and distinct counts are full passes (the distinct count
of a high-cardinality column is a HyperLogLog estimate, flagged ``distinct_approx``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.data import Table
from safedata_core.data.infer import infer_column_type
from safedata_core.execution.counts import add_partials, partition_groups, partition_reduce
from safedata_core.execution.hll import estimate, registers
from safedata_core.execution.reader import sample_frame
from safedata_core.inventory.distributed_diversity import lt_distributed_many, summary_merge, summary_part, summary_plan
from safedata_core.inventory.freq import FreqResult, freq_calc, individual_risk
from safedata_core.inventory.identifiers import detect_identifiers
from safedata_core.inventory.keys import group_ids
from safedata_core.inventory.profile import _role, choose_roles
from safedata_core.inventory.risk import K_LEVELS, SIZE_BUCKETS, _plain

__all__ = [
    "build_profile_distributed",
    "class_summary",
    "column_stats",
    "freq_summary",
]

log = logging.getLogger("safedata.inventory")

SAMPLE_ROWS = 50_000
EXACT_DISTINCT_RATIO = 0.2  # a column whose sample is more distinct than this gets a HyperLogLog count
COUNT = "__count"
WEIGHT = "__weight"


# -- column statistics ---------------------------------------------------------------------------
def _stats_part(pdf: pd.DataFrame, exact: dict[str, bool]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, is_exact in exact.items():
        s = pdf[name]
        values = s.dropna()
        out[name] = {
            "missing": int(s.isna().sum()),
            "values": pd.unique(values.to_numpy()) if is_exact else None,
            "hll": None if is_exact else registers(values),
        }
    return out


def _stats_merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for name in parts[0]:
        cols = [p[name] for p in parts]
        exact = cols[0]["values"] is not None
        out[name] = {
            "missing": sum(c["missing"] for c in cols),
            "values": pd.unique(np.concatenate([c["values"] for c in cols])) if exact else None,
            "hll": None if exact else np.maximum.reduce([c["hll"] for c in cols]),
        }
    return out


def _exact_columns(sample: pd.DataFrame) -> dict[str, bool]:
    out = {}
    for name in sample.columns:
        s = sample[name].dropna()
        out[str(name)] = len(s) == 0 or s.nunique() <= max(EXACT_DISTINCT_RATIO * len(s), 50)
    return out


def _finish_stats(merged: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for name, st in merged.items():
        if st["values"] is not None:
            distinct, approx = len(st["values"]), False
        else:
            distinct, approx = round(estimate(st["hll"])), True
        out[name] = {"missing": st["missing"], "distinct": distinct, "distinct_approx": approx}
    return out


def column_stats(ddf: Any, sample: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per column, in one pass: ``missing``, ``distinct`` and ``distinct_approx`` (HyperLogLog) counts."""
    return _finish_stats(partition_reduce(ddf, _stats_part, _exact_columns(sample), combine=_stats_merge))


def _profile_part(
    pdf: pd.DataFrame, exact: dict[str, bool], key_sets: Any, weight: str | None, sensitive: dict[str, Any]
) -> dict[str, Any]:
    """Everything the profile reads from one partition: column statistics, group counts, bad weights,
    and the summary of the sensitive columns that l-diversity and t-closeness start from."""
    bad = 0
    if weight is not None:
        w = pd.to_numeric(pdf[weight], errors="coerce").to_numpy(dtype=float)
        bad = int((np.isnan(w) | (w <= 0)).sum())
    return {
        "stats": _stats_part(pdf, exact),
        "groups": partition_groups(pdf, key_sets, weight),
        "bad": bad,
        "sensitive": summary_part(pdf, sensitive),
    }


def _profile_merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "stats": _stats_merge([p["stats"] for p in parts]),
        "groups": add_partials([p["groups"] for p in parts]),
        "bad": sum(p["bad"] for p in parts),
        "sensitive": summary_merge([p["sensitive"] for p in parts]),
    }


# -- risk from group counts ----------------------------------------------------------------------
def class_summary(counts: np.ndarray, qis: Sequence[str], k: int) -> dict[str, Any]:
    """``k_anonymity_summary`` plus the user's ``k`` and the class-size distribution, from class sizes."""
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    below = {str(kv): int(counts[counts < kv].sum()) for kv in sorted({*K_LEVELS, k})}
    order = [str(kv) for kv in K_LEVELS] + ([str(k)] if k not in K_LEVELS else [])
    below = {kv: below[kv] for kv in order}
    dist = []
    for lo, hi in SIZE_BUCKETS:
        inside = (counts >= lo) & (counts <= hi)
        label = str(lo) if lo == hi else (f"{lo}+" if hi >= 2**62 else f"{lo}-{hi}")
        dist.append({"size": label, "records": int(counts[inside].sum()), "classes": int(inside.sum())})
    groups = len(counts)
    return {
        "quasi_identifiers": list(qis),
        "k_anonymity": int(counts.min()) if n else 0,
        "records_below_k": below,
        "share_below_k": {kv: (v / n if n else 0.0) for kv, v in below.items()},
        "sample_uniques": int((counts == 1).sum()),
        "equivalence_classes": groups if n else 0,
        "classes_below_k": {str(kv): int((counts < kv).sum()) for kv in K_LEVELS},
        "mean_class_size": float(n / groups) if n and groups else 0.0,
        "class_size_distribution": dist,
    }


def _uniques(table: pd.DataFrame, keys: list[str]) -> int:
    if not keys:
        return int(table[COUNT].sum() == 1)
    ids, n_groups = group_ids(table, keys)
    return int((np.bincount(ids, weights=table[COUNT].to_numpy(), minlength=n_groups) == 1).sum())


def uniqueness_counts(table: pd.DataFrame, qis: Sequence[str]) -> dict[str, int]:
    """Leave-one-out sample uniques per QI, from the QI contingency table (see ``risk.uniqueness_contribution``)."""
    qis = list(qis)
    base = _uniques(table, qis)
    return {q: base - _uniques(table, [c for c in qis if c != q]) for q in qis}


def freq_summary(table: pd.DataFrame, qis: Sequence[str], *, weighted: bool) -> dict[str, Any]:
    """``freq.risk_summary`` of sdcMicro freqCalc + individual risk, from the QI contingency table.

    Each distinct combination stands for its records: ``fk`` is the count-weighted
    frequency and ``Fk`` the weight-weighted one (missing keys stay wildcards).
    """
    counts = table[COUNT].to_numpy(dtype=float)
    wsum = table[WEIGHT].to_numpy(dtype=float) if weighted else counts
    by_count = freq_calc(table, qis, counts)
    fk = np.rint(by_count.Fk).astype(np.int64)
    Fk = freq_calc(table, qis, wsum).Fk if weighted else by_count.Fk
    risk = individual_risk(fk, Fk)
    result = FreqResult(fk, Fk, by_count.wildcard_missing)
    n = float(counts.sum())
    thresholds = (0.01, 0.05, 0.1, 0.2, 0.5)
    expected = float((risk * counts).sum())
    return {
        "method": "sdcMicro freqCalc (missing key = wildcard) + Benedetti-Franconi individual risk",
        "weighted": weighted,
        "wildcard_missing": result.wildcard_missing,
        "n1_sample_uniques": int(counts[fk == 1].sum()),
        "n2": int(counts[fk == 2].sum()),
        "expected_reidentifications": expected,
        "mean_risk": expected / n if n else 0.0,
        "max_risk": float(risk.max()) if len(risk) else 0.0,
        "records_above": {str(t): int(counts[risk > t].sum()) for t in thresholds},
    }


def rare_from_counts(table: pd.DataFrame, qis: Sequence[str], k: int, *, limit: int = 50) -> dict[str, Any]:
    """``risk.rare_combinations`` from the QI contingency table (ties in count: in value order)."""
    qis = list(qis)
    if not qis or table.empty:
        return {"k": k, "count": 0, "records": 0, "combinations": [], "truncated": False}
    rare = table[table[COUNT] < k]
    rare = rare.sort_values([COUNT, *qis], kind="stable", na_position="last")
    shown = rare.head(limit)
    combos = [
        {"values": {c: _plain(row[c]) for c in qis}, "count": int(row[COUNT])}
        for row in shown.to_dict("records")  # bounded by ``limit``
    ]
    return {
        "k": k,
        "count": len(rare),
        "records": int(rare[COUNT].sum()),
        "combinations": combos,
        "truncated": bool(len(rare) > limit),
    }


# -- the profile ---------------------------------------------------------------------------------
def build_profile_distributed(
    table: Table,
    *,
    quasi_identifiers: Sequence[str] | None = None,
    sensitive: Sequence[str] | None = None,
    weight: str | None = None,
    k: int = 5,
    max_rare_combinations: int = 50,
    sample_rows: int = SAMPLE_ROWS,
    sample_size: int = 2000,
    seed: int = 0,
) -> dict[str, Any]:
    """Profile a table whose ``df`` is a Dask DataFrame; returns the ``profile.json`` dict of the local path."""
    from safedata_core.errors import DataError

    ddf, meta = table.df, table.metadata
    names = list(ddf.columns)
    for what, cols in (
        ("quasi_identifiers (--qi)", quasi_identifiers or []),
        ("sensitive (--sensitive)", sensitive or []),
        ("weight (--weight)", [weight] if weight else []),
    ):
        table.require_columns(cols, where=f"profile {what}")
    sample = sample_frame(ddf, sample_rows)

    findings = {
        name: detect_identifiers(sample[name], name, meta.columns[name].type, sample_size=sample_size, seed=seed)
        for name in names
    }
    roles = choose_roles(
        sample, meta, findings, quasi_identifiers=quasi_identifiers, sensitive=sensitive, weight=weight
    )
    direct, warnings, weight = roles.direct, roles.warnings, roles.weight
    suggestions, qis, qi_source, sens = roles.suggestions, roles.qis, roles.qi_source, roles.sensitive
    plan = summary_plan(ddf, sens, sample)
    merged = partition_reduce(ddf, _profile_part, _exact_columns(sample), [qis], weight, plan, combine=_profile_merge)
    if merged["bad"]:
        raise DataError(f"weight column '{weight}' must hold a positive number for every record (fix the weights)")
    stats = _finish_stats(merged["stats"])
    classes = merged["groups"][0].reset_index(drop=True).astype({COUNT: np.int64})
    columns: dict[str, dict[str, Any]] = {}
    for name in names:
        col, st = meta.columns[name], stats[name]
        columns[name] = {
            "type": col.type,
            "type_reason": "declared in metadata" if not col.inferred else infer_column_type(sample[name])[1],
            "declared": not col.inferred,
            "role": _role(name, direct, qis, sens, weight),
            "missing": st["missing"],
            "distinct": st["distinct"],
            **({"distinct_approx": True} if st["distinct_approx"] else {}),
            "findings": findings[name],
        }
    counts = classes[COUNT].to_numpy(dtype=np.int64)
    n_total = int(counts.sum())
    if len(sample) < n_total:
        for info in columns.values():
            if not info["declared"]:
                info["type_reason"] += f" (reason from a {len(sample):,}-row sample)"
    risk = class_summary(counts, qis, k)
    risk["uniqueness_contribution"] = uniqueness_counts(classes, qis) if 1 < len(qis) <= 12 else {}
    # every sensitive column in one shuffle by QI class; only per-partition sums reach this process
    qi_values = {q: pd.unique(classes[q].dropna().to_numpy()) for q in qis}
    diversity = lt_distributed_many(
        ddf, qis, sens, sample, plan=plan, summaries=merged["sensitive"], qi_values=qi_values
    )
    risk["l_diversity"] = {s: d[0] for s, d in diversity.items()}
    risk["t_closeness"] = {s: d[1] for s, d in diversity.items()}
    risk["individual_risk"] = freq_summary(classes, qis, weighted=weight is not None)
    risk["rare_combinations"] = rare_from_counts(classes, qis, k, limit=max_rare_combinations)
    log.info("distributed profile: %d rows, %d QIs, k=%d", n_total, len(qis), risk["k_anonymity"])
    return {
        "rows": n_total,
        "n_columns": len(names),
        "columns": columns,
        "direct_identifiers": direct,
        "quasi_identifiers": qis,
        "quasi_identifier_source": qi_source,
        "quasi_identifier_suggestions": suggestions,
        "sensitive": sens,
        "weight": weight,
        "k": k,
        "rare_records": risk["records_below_k"][str(k)],
        "risk": risk,
        "warnings": warnings,
        "execution": {
            "engine": "dask",
            "partitions": int(ddf.npartitions),
            "sample_rows": len(sample),
            "from_sample": ["type_reason", "findings", "quasi_identifier_suggestions (when suggested)"],
        },
    }
