"""Quasi-identifier and sensitive-column suggestion.

A column is suggested as a quasi-identifier when its name is demographic,
geographic or a date, when its values are postal codes or dates of birth, or
when it is a date. Without any such column the columns that drive sample
uniqueness are chosen greedily (at most three). Users override with ``--qi``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.inventory.keys import column_codes, group_ids
from safedata_core.inventory.names import QI_HINTS, SENSITIVE_HINTS, hint, tokens

__all__ = ["suggest_quasi_identifiers", "suggest_sensitive", "uniqueness_drivers"]


def suggest_quasi_identifiers(
    df: pd.DataFrame, types: Mapping[str, str], findings: Mapping[str, list[dict[str, Any]]], exclude: Sequence[str]
) -> list[dict[str, str]]:
    """Suggested QIs with a reason each, in column order."""
    out: list[dict[str, str]] = []
    skip = set(exclude)
    for name in df.columns:
        if name in skip or types.get(name) == "text":
            continue
        category = hint(name, QI_HINTS)
        strong = [f for f in findings.get(name, []) if f["category"] == "quasi_identifier" and f["confidence"] >= 0.6]
        if category:
            out.append({"column": name, "reason": f"name suggests a {category} attribute", "category": category})
        elif strong:
            out.append({"column": name, "reason": strong[0]["reason"], "category": strong[0]["kind"]})
        elif types.get(name) == "datetime":
            out.append({"column": name, "reason": "dates are quasi-identifiers", "category": "date"})
    if not out:
        for name, gain in uniqueness_drivers(df, types, exclude=skip):
            out.append(
                {"column": name, "reason": f"adds {gain} sample uniques to the combination", "category": "uniqueness"}
            )
    return out


def uniqueness_drivers(
    df: pd.DataFrame, types: Mapping[str, str], *, exclude: set[str], max_columns: int = 3
) -> list[tuple[str, int]]:
    """Greedy forward selection of the discrete columns that make the most records sample-unique.

    Each step adds the column giving the most sample uniques (ties: the most classes); returns
    ``(column, uniques it added)`` pairs.
    """
    n = len(df)
    candidates = [
        c
        for c in df.columns
        if c not in exclude
        and types.get(c) in ("categorical", "integer", "boolean")
        and 1 < df[c].nunique(dropna=False) <= max(2, n // 5)
    ]
    chosen: list[tuple[str, int]] = []
    current = (0, 1)  # (sample uniques, equivalence classes) of the chosen combination
    for _ in range(max_columns):
        best: tuple[str, tuple[int, int]] | None = None
        for c in candidates:
            if any(c == name for name, _ in chosen):
                continue
            ids, n_groups = group_ids(df, [name for name, _ in chosen] + [c])
            score = (int((np.bincount(ids, minlength=n_groups) == 1).sum()), n_groups)
            if best is None or score > best[1]:
                best = (c, score)
        if best is None or best[1][1] <= current[1]:
            break
        chosen.append((best[0], best[1][0] - current[0]))
        current = best[1]
    return chosen


def suggest_sensitive(
    df: pd.DataFrame,
    types: Mapping[str, str],
    exclude: Sequence[str],
    *,
    codes: Mapping[str, tuple[np.ndarray, int]] | None = None,
) -> list[str]:
    """Columns whose names suggest sensitive attributes (income, health, ...).

    ``codes``: each column's ``column_codes(.., na_code=False)`` when the caller has them.
    """
    skip = set(exclude)

    def values(c: str) -> int:  # distinct values, missing counted as one
        if codes is not None and c in codes:
            found, card = codes[c]
            return card + int(bool((found < 0).any()))
        return column_codes(df[c])[1]

    return [
        c
        for c in df.columns
        if c not in skip and types.get(c) != "text" and set(tokens(c)) & SENSITIVE_HINTS and values(c) > 1
    ]
