"""Build the profile: per-column types, roles and findings, chosen QIs, and the disclosure risk on them.

:func:`build_profile` is what both ``safedata profile`` and the pipeline's
``profile`` step call; it returns a JSON-ready dict (the shape of
``profile.json``) and the mask of records in QI classes smaller than ``k``.
Logs carry column names and counts only, never values.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from safedata_core.data import Metadata, Table
from safedata_core.data.infer import infer_column_type, sample_positions
from safedata_core.errors import DataError
from safedata_core.inventory.diversity import l_diversity, t_closeness
from safedata_core.inventory.freq import freq_calc, individual_risk, risk_summary
from safedata_core.inventory.identifiers import DIRECT_THRESHOLD, detect_identifiers
from safedata_core.inventory.keys import column_codes, group_ids
from safedata_core.inventory.qi import suggest_quasi_identifiers, suggest_sensitive
from safedata_core.inventory.risk import (
    class_size_distribution,
    k_anonymity_summary,
    rare_combinations,
    uniqueness_contribution,
)

PROGRESS_ROWS = 100_000
REASON_SAMPLE = 50_000

__all__ = ["PROGRESS_ROWS", "build_profile", "profile_metadata", "require_profilable"]

log = logging.getLogger("safedata.inventory")


def build_profile(
    table: Table,
    *,
    quasi_identifiers: Sequence[str] | None = None,
    sensitive: Sequence[str] | None = None,
    weight: str | None = None,
    k: int = 5,
    max_rare_combinations: int = 50,
    sample_size: int = 2000,
    progress: bool | None = None,
    seed: int = 0,
) -> tuple[dict[str, Any], np.ndarray]:
    """Profile ``table``; returns ``(profile, rare_mask)`` where ``rare_mask`` marks records in classes < k."""
    df, meta = table.df, table.metadata
    n = len(df)
    for what, cols in (
        ("quasi_identifiers (--qi)", quasi_identifiers or []),
        ("sensitive (--sensitive)", sensitive or []),
        ("weight (--weight)", [weight] if weight else []),
    ):
        table.require_columns(cols, where=f"profile {what}")
    show = (n >= PROGRESS_ROWS) if progress is None else progress
    bar = _progress(total=len(df.columns) + 4, enabled=show)

    columns: dict[str, dict[str, Any]] = {}
    findings: dict[str, list[dict[str, Any]]] = {}
    codes: dict[str, tuple[np.ndarray, int]] = {}  # each column factorised once (-1: missing), shared below
    for i, name in enumerate(df.columns):
        col = meta.columns[name]
        bar.set_postfix_str(f"column {i + 1}/{len(df.columns)}")
        found, uniques = pd.factorize(df[name], use_na_sentinel=True)
        codes[name] = (found.astype(np.int64, copy=False), len(uniques))
        distinct = len(uniques)
        missing = int((codes[name][0] < 0).sum())
        found = detect_identifiers(
            df[name], name, col.type, sample_size=sample_size, seed=seed, distinct=distinct, non_missing=n - missing
        )
        findings[name] = found
        columns[name] = {
            "type": col.type,
            "type_reason": _type_reason(df[name], col.inferred, col.type),
            "declared": not col.inferred,
            "role": col.role,
            "missing": missing,
            "distinct": distinct,
            "findings": found,
        }
        log.info("profile column %s: type=%s findings=%d", name, col.type, len(found))
        bar.update(1)

    roles = choose_roles(
        df, meta, findings, quasi_identifiers=quasi_identifiers, sensitive=sensitive, weight=weight, codes=codes
    )
    direct, warnings, weight = roles.direct, roles.warnings, roles.weight
    suggestions, qis, qi_source, sens = roles.suggestions, roles.qis, roles.qi_source, roles.sensitive

    for name, info in columns.items():
        info["role"] = _role(name, direct, qis, sens, weight)

    bar.set_postfix_str("k-anonymity")
    coded, wildcard = _coded(df, qis, sens, codes)
    ids, n_groups = group_ids(coded, qis)
    sizes = np.bincount(ids, minlength=n_groups)[ids] if n else np.zeros(0, dtype=np.int64)
    risk = k_anonymity_summary(coded, qis)
    if str(k) not in risk["records_below_k"]:  # the user's k, besides 2, 3, 5, 10
        risk["records_below_k"][str(k)] = int((sizes < k).sum())
        risk["share_below_k"][str(k)] = risk["records_below_k"][str(k)] / n if n else 0.0
    risk["class_size_distribution"] = class_size_distribution(sizes)
    risk["uniqueness_contribution"] = uniqueness_contribution(coded, qis, sizes=sizes) if 1 < len(qis) <= 12 else {}
    bar.update(1)

    bar.set_postfix_str("l-diversity / t-closeness")
    risk["l_diversity"] = {s: l_diversity(coded, qis, s, class_ids=(ids, n_groups)) for s in sens}
    risk["t_closeness"] = {s: t_closeness(coded, qis, s, class_ids=(ids, n_groups)) for s in sens}
    bar.update(1)

    bar.set_postfix_str("individual risk")
    if weight:
        wildcard[weight] = df[weight]
    freq = freq_calc(wildcard, qis, weight)
    indiv = individual_risk(freq.fk, freq.Fk)
    risk["individual_risk"] = risk_summary(freq, indiv, weighted=weight is not None)
    bar.update(1)

    bar.set_postfix_str("rare combinations")
    risk["rare_combinations"] = rare_combinations(df, qis, k, limit=max_rare_combinations, class_ids=(ids, n_groups))
    bar.update(1)
    bar.close()

    mask = sizes < k
    profile: dict[str, Any] = {
        "rows": n,
        "n_columns": len(df.columns),
        "columns": columns,
        "direct_identifiers": direct,
        "quasi_identifiers": qis,
        "quasi_identifier_source": qi_source,
        "quasi_identifier_suggestions": suggestions,
        "sensitive": sens,
        "weight": weight,
        "k": k,
        "rare_records": int(mask.sum()),
        "risk": risk,
        "warnings": warnings,
    }
    log.info("profile: %d rows, %d direct identifiers, %d QIs, k=%d", n, len(direct), len(qis), risk["k_anonymity"])
    return profile, mask


class Roles(NamedTuple):
    """The columns' roles in a profile: what was declared, overridden or suggested."""

    direct: list[str]
    warnings: list[str]
    weight: str | None
    suggestions: list[dict[str, Any]]
    qis: list[str]
    qi_source: str
    sensitive: list[str]


def choose_roles(
    frame: pd.DataFrame,
    meta: Metadata,
    findings: dict[str, list[dict[str, Any]]],
    *,
    quasi_identifiers: Sequence[str] | None,
    sensitive: Sequence[str] | None,
    weight: str | None,
    codes: dict[str, tuple[np.ndarray, int]] | None = None,
) -> Roles:
    """Direct identifiers, QIs and sensitive columns: overrides, else declarations, else suggestions.

    ``frame`` is the table (local path) or a sample of it (Dask path); ``codes`` its factorised columns.
    """
    names = [str(c) for c in frame.columns]
    declared_roles: dict[str, str] = {name: c.role for name, c in meta.columns.items() if not c.inferred}
    direct = [name for name in names if _is_direct(name, declared_roles, findings)]
    warnings = [
        f"column '{name}' is declared '{declared_roles[name]}' but looks like a direct identifier "
        f"({findings[name][0]['kind']}, confidence {findings[name][0]['confidence']:.2f})"
        for name in names
        if name in declared_roles
        and declared_roles[name] != "direct_identifier"
        and name in direct
        and _strong_direct(findings[name])
    ]
    direct = [d for d in direct if declared_roles.get(d, "direct_identifier") == "direct_identifier"]
    types = {name: c.type for name, c in meta.columns.items()}
    weight = weight or meta.weight_column
    suggestions = suggest_quasi_identifiers(frame, types, findings, exclude=[*direct, *([weight] if weight else [])])
    declared_qis = [q for q in meta.quasi_identifiers if q in declared_roles]
    if quasi_identifiers:
        qis, qi_source = list(quasi_identifiers), "override"
    elif declared_qis:
        qis, qi_source = declared_qis, "declared"
    else:
        qis, qi_source = [s["column"] for s in suggestions], "suggested"
    declared_sensitive = [s for s in meta.sensitive if s in declared_roles]
    if sensitive:
        sens = list(sensitive)
    elif declared_sensitive:
        sens = declared_sensitive
    else:
        exclude = [*direct, *qis, *([weight] if weight else [])]
        sens = suggest_sensitive(frame, types, exclude=exclude, codes=codes)
    sens = [s for s in sens if s not in qis]
    return Roles(direct, warnings, weight, suggestions, qis, qi_source, sens)


def profile_metadata(table: Table, profile: dict[str, Any], *, with_domains: bool = False) -> Metadata:
    """Metadata with the profiled roles, reusable by ``safedata run``.

    Domains (bounds, categories) read from the data are left out unless ``with_domains``:
    metadata handed to a pipeline is treated as *public*, and data-derived domains are not.
    Declared domains are kept.
    """
    cols = {}
    for name, col in table.metadata.columns.items():
        info = profile["columns"][name]
        data = col.model_dump()
        data["role"] = info["role"]
        keep = (not col.inferred) or with_domains
        if not keep or info["role"] == "direct_identifier" or col.type == "text":
            data["bounds"], data["categories"] = None, None
        data["inferred"] = False
        cols[name] = data
    return Metadata.from_dict({"columns": cols}, source="profile metadata")


def _coded(
    df: pd.DataFrame, qis: list[str], sensitive: list[str], codes: dict[str, tuple[np.ndarray, int]] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """QIs as integer codes, so repeated group-bys skip hashing strings.

    Returns (codes with missing as a code of its own, codes with missing as NaN for the wildcard rule).
    ``codes``: each column's :func:`column_codes` (missing as -1) when the caller has them.
    """
    own, wild = {}, {}
    for q in qis:
        found, card = codes[q] if codes is not None and q in codes else column_codes(df[q], na_code=False)
        own[q] = np.where(found < 0, card, found)
        wild[q] = np.where(found < 0, np.nan, found.astype(float))
    coded = pd.DataFrame(own, index=df.index)
    for s in sensitive:
        coded[s] = df[s]
    return coded, pd.DataFrame(wild, index=df.index)


def _type_reason(series: pd.Series, inferred: bool, ctype: str) -> str:
    if not inferred:
        return "declared in metadata"
    s = series if len(series) <= REASON_SAMPLE else series.iloc[sample_positions(len(series), REASON_SAMPLE)]
    _, reason = infer_column_type(s)
    return reason if len(series) <= REASON_SAMPLE else f"{reason} (reason from a {REASON_SAMPLE:,}-row sample)"


def _strong_direct(found: list[dict[str, Any]]) -> bool:
    return any(f["category"] == "direct_identifier" and f["confidence"] >= DIRECT_THRESHOLD for f in found)


def _is_direct(name: str, declared: dict[str, str], findings: dict[str, list[dict[str, Any]]]) -> bool:
    if declared.get(name) == "direct_identifier":
        return True
    return _strong_direct(findings[name])


def _role(name: str, direct: list[str], qis: list[str], sens: list[str], weight: str | None) -> str:
    if name in direct:
        return "direct_identifier"
    if name == weight:
        return "weight"
    if name in qis:
        return "quasi_identifier"
    if name in sens:
        return "sensitive"
    return "other"


class _NoBar:
    def update(self, _: int = 1) -> None:
        return None

    def set_postfix_str(self, _: str) -> None:
        return None

    def close(self) -> None:
        return None


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="profiling", unit="step", file=sys.stderr, leave=False)


def require_profilable(table: Table, source: str) -> None:
    """Reject inputs that cannot be profiled meaningfully (one line, exit 2 on the CLI)."""
    if table.df.shape[1] < 2:
        only = table.df.columns[0] if table.df.shape[1] else "?"
        raise DataError(
            f"{source}: the table has a single column '{only}' (check the delimiter; profiling needs two or more)"
        )
