"""One rule for category text, applied to data and metadata alike: strip surrounding whitespace, Unicode NFC.

A category copied from a codebook as ``"Married "`` or typed with a combining
accent (``"Montre\\u0301al"``) must match the data's ``"Married"`` /
``"Montréal"``. :func:`normalize_text` is the rule; :func:`normalize_frame`
applies it to every text column of a table as it is read (once per distinct
value, so it costs little on large tables) and :func:`normalize_categories` to
the categories a metadata file declares.

:func:`category_warnings` compares a table with its declared categories before
any step runs: declared categories that match no value and the number of values
outside the declared ones. It prints declared names (they are public) and
counts, never a data value.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from safedata_core.data.table import Table

__all__ = [
    "category_warnings",
    "normalize_categories",
    "normalize_frame",
    "normalize_text",
    "normalize_values",
    "texts_normalized",
]

MAX_NAMED = 5  # declared categories named in one warning; the rest are counted


def normalize_text(value: str) -> str:
    """``value`` without surrounding whitespace, in Unicode normal form NFC."""
    return unicodedata.normalize("NFC", value.strip())


@functools.cache
def _ascii_space() -> np.ndarray:
    """Lookup table byte -> is whitespace, for the ASCII characters str.isspace() accepts (built on first use)."""
    table = np.zeros(256, dtype=bool)
    table[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
    return table


def texts_normalized(values: Sequence[Any]) -> bool:
    """True when ``values`` are all strings that :func:`normalize_text` leaves as they are.

    ASCII values (the common case) are checked together, joined by NUL, with numpy: NFC leaves ASCII
    as it is, and a value with surrounding whitespace shows as whitespace next to a NUL or at an end.
    A value holding NUL itself may give a false "no" (the caller then takes the per-value path), never
    a false "yes". Other text is checked value by value for whitespace and at once for NFC (NFC does
    not cross the NUL separator).
    """
    try:
        joined = "\x00".join(values)
    except TypeError:  # a value that is not a string
        return False
    if not joined:
        return len(values) == 0
    if not joined.isascii():
        return not any(v[:1].isspace() or v[-1:].isspace() for v in values) and unicodedata.is_normalized("NFC", joined)
    b = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    space = _ascii_space()[b]
    if space[0] or space[-1]:
        return False
    sep = b == 0
    return not bool((space[1:] & sep[:-1]).any() or (space[:-1] & sep[1:]).any())


def normalize_categories(categories: list[Any] | None) -> list[Any] | None:
    """Declared categories with text normalised; duplicates the rule creates are dropped (first kept)."""
    if categories is None:
        return None
    if texts_normalized(categories) and len(set(categories)) == len(categories):
        return list(categories)  # nothing to change (the common case; cheap on a million categories)
    out: list[Any] = []
    seen: set[Any] = set()
    for value in categories:
        v = normalize_text(value) if isinstance(value, str) else value
        key = (type(v).__name__, v) if not isinstance(v, str) else v
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def normalize_values(values: np.ndarray) -> np.ndarray | None:
    """Distinct values (object array) with :func:`normalize_text` applied to the strings; None when none changes."""
    if not len(values) or texts_normalized(values.tolist()):
        return None
    norm = np.array([normalize_text(v) if isinstance(v, str) else v for v in values], dtype=object)
    if not any(isinstance(a, str) and a != b for a, b in zip(values, norm, strict=True)):
        return None
    return norm


def _normalize_series(s: pd.Series) -> pd.Series | None:
    """``s`` with its text values normalised, or None when nothing changes."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    norm = normalize_values(np.asarray(uniques, dtype=object))
    if norm is None:
        return None
    original = s.to_numpy(dtype=object)
    mapped = np.where(codes >= 0, norm[np.maximum(codes, 0)], original)
    return pd.Series(mapped, index=s.index, name=s.name, dtype=object)


def normalize_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text value normalised (other columns untouched); ``df`` itself when nothing changes.

    A Dask frame gets the same rule lazily, partition by partition.
    """
    if not isinstance(df, pd.DataFrame):
        return df.map_partitions(normalize_frame)
    changed: dict[Any, pd.Series] = {}
    for name in df.columns:
        s = df[name]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype | pd.CategoricalDtype):
            new = _normalize_series(s.astype(object) if isinstance(s.dtype, pd.CategoricalDtype) else s)
            if new is not None:
                changed[name] = new
    if not changed:
        return df
    out = df.copy()
    for name, s in changed.items():
        out[name] = s
    return out


def category_warnings(table: Table) -> list[str]:
    """One line per declared categorical column whose data and declared categories disagree.

    Names declared categories that match no value (public names) and counts the
    values outside the declared categories; never quotes a data value.
    """
    lines: list[str] = []
    if not isinstance(table.df, pd.DataFrame):  # a Dask frame: the check would need a pass of its own
        return lines
    for name, col in table.metadata.columns.items():
        if col.type != "categorical" or col.categories is None or col.inferred or name not in table.df.columns:
            continue
        values = table.df[name].dropna().astype(str)
        declared = [str(c) for c in col.categories]
        present = set(pd.unique(values.to_numpy()))
        unused = [c for c in declared if c not in present]
        outside = int((~values.isin(set(declared))).sum())
        if unused:
            shown = ", ".join(repr(c) for c in unused[:MAX_NAMED])
            more = f" and {len(unused) - MAX_NAMED} more" if len(unused) > MAX_NAMED else ""
            lines.append(
                f"column '{name}': declared categor{'y' if len(unused) == 1 else 'ies'} {shown}{more} "
                f"match{'es' if len(unused) == 1 else ''} no value in the data (check the spelling in the metadata)"
            )
        if outside:
            lines.append(
                f"column '{name}': {outside} value{'s are' if outside != 1 else ' is'} outside the declared "
                "categories (components that use the declared domain cannot represent them; declare every category)"
            )
    return lines
