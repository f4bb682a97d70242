"""Column type inference: guess each column's logical type from its values.

Used when a pipeline gives no metadata, and by ``safedata profile`` (which adds
reasons and identifier findings on top). Inferred metadata is marked
``inferred=True``: its domains were read from the data and are therefore *not*
public, so DP components must not use them for free.

Numbers written with thousands separators ("1,000", "12,500.5") read as
numbers when every value is either a plain number or a correctly grouped one.
Whole numbers beyond 2^53 cannot be held exactly as floats, so a column of
such integers is kept as exact text (categorical); infinities are refused.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from safedata_core.data.codes import TextCodes
from safedata_core.data.metadata import ColumnMeta, ColumnType, Metadata
from safedata_core.errors import DataError

MAX_EXACT_INT = 2**53  # float64 holds every whole number up to here exactly
GROUPED_NUMBER = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"
PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
WHOLE_NUMBER = r"[+-]?\d+"

MISSING_MARKERS: tuple[str, ...] = ("?", "", "NA", "N/A", "n/a", "na", "null", "NULL", "None", "nan", "NaN", "-")
_BOOL_WORDS = {"true", "false", "yes", "no", "y", "n", "t", "f"}

__all__ = [
    "MAX_EXACT_INT",
    "MISSING_MARKERS",
    "clean_missing",
    "infer_column_type",
    "infer_metadata",
    "refuse_infinities",
    "sample_positions",
    "to_numbers",
]


def clean_missing(series: pd.Series) -> pd.Series:
    """Strip whitespace from strings and turn missing markers such as '?' into NA."""
    if series.dtype != object and not pd.api.types.is_string_dtype(series):
        return series
    # clean each distinct value once (columns repeat values; a million rows rarely hold a million values)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    u = pd.Series(uniques, dtype=object).astype("string").str.strip()
    u = u.mask(u.isin(MISSING_MARKERS))
    return pd.Series(u.array.take(codes, allow_fill=True), index=series.index, name=series.name)


def infer_column_type(
    series: pd.Series,
    *,
    max_categories: int = 50,
    cleaned: pd.Series | None = None,
    coded: TextCodes | None = None,
) -> tuple[ColumnType, str]:
    """Return the inferred logical type of ``series`` and a one-line reason.

    ``cleaned`` is ``clean_missing(series)`` when the caller has it already; ``coded`` the column's
    :func:`~safedata_core.data.codes.text_codes` (a text column cleaned and coded in one pass). Checks
    that depend only on which values occur (distinct counts, true/false words, number formats) look at
    each distinct value once; shares and probes use the rows, so the answer is the same as value by value.
    """
    if coded is not None:
        n = coded.present
        markers = coded.raw_present - n
    else:
        cleaned = clean_missing(series) if cleaned is None else cleaned
        s = cleaned.dropna()
        n = len(s)
        markers = int(series.notna().sum()) - n  # '?', blanks, 'NA'... read as missing
    note = f" ({markers} missing-value markers such as '?' read as missing)" if markers else ""
    if n == 0:
        return "categorical", "column is entirely missing" + note
    if coded is None:
        if pd.api.types.is_bool_dtype(s):
            return "boolean", "boolean dtype"
        if pd.api.types.is_datetime64_any_dtype(s):
            return "datetime", "datetime dtype"
        if pd.api.types.is_numeric_dtype(s):
            if pd.api.types.is_integer_dtype(s) and _beyond_exact(s.to_numpy(dtype=float)):
                return "categorical", _BIG_INTS + note
            ntype, reason = _numeric_type(s.to_numpy(dtype=float))
            return ntype, reason + note
        coded = TextCodes.from_text(s.astype("string"))
    return _text_type(coded, n, note, max_categories)


def _text_type(coded: TextCodes, n: int, note: str, max_categories: int) -> tuple[ColumnType, str]:
    distinct = coded.distinct
    nunique = len(distinct)
    if nunique <= 2 and set(distinct.str.lower().unique()) <= _BOOL_WORDS:
        return "boolean", "two values that read as true/false" + note
    grouped = _grouped_numbers(distinct)
    if grouped is not None:
        ntype, reason = _numeric_type(grouped.to_numpy(dtype=float))
        return ntype, f"numbers with thousands separators (1,000); {reason}{note}"
    probe = coded.values_at(np.arange(n)) if n <= _PROBE else coded.values_at(sample_positions(n, _PROBE))
    share_numeric = float(pd.to_numeric(probe, errors="coerce").notna().mean())
    if share_numeric >= 0.98:
        numbers = pd.to_numeric(distinct, errors="coerce")
        share_numeric = float(coded.counts[numbers.notna().to_numpy()].sum() / n)
        if share_numeric >= 0.98:
            whole = numbers.notna() & distinct.str.fullmatch(WHOLE_NUMBER).fillna(False).astype(bool)
            if _beyond_exact(numbers[whole].to_numpy(dtype=float)):
                return "categorical", _BIG_INTS + note
            ntype, reason = _numeric_type(numbers.dropna().to_numpy(dtype=float))
            return ntype, f"{share_numeric:.0%} of values parse as numbers; {reason}{note}"
    if nunique > max_categories and _looks_like_dates(coded.head(200)):
        return "datetime", "values parse as dates" + note
    mean_len = float(probe.str.len().mean())
    if nunique > max_categories and (mean_len > 30 or probe.str.contains(" ", regex=False).mean() > 0.5):
        return "text", f"{nunique} distinct values, mean length {mean_len:.0f}: free text" + note
    if share_numeric >= 0.5:
        return "categorical", (
            f"mixed values: {share_numeric:.0%} numbers and {1 - share_numeric:.0%} text, {nunique} distinct{note}"
        )
    return "categorical", f"{nunique} distinct non-numeric values" + note


_PROBE = 5000


@functools.lru_cache(maxsize=8)
def _positions(n: int, size: int) -> np.ndarray:
    positions = np.random.RandomState(0).choice(n, size=size, replace=False).astype(np.intp)
    positions.setflags(write=False)
    return positions


def sample_positions(n: int, size: int) -> np.ndarray:
    """The rows ``Series.sample(size, random_state=0)`` picks from ``n`` rows (computed once per n and size).

    Same draw as pandas (a RandomState(0) choice without replacement); every column of a table has
    the same length, so the permutation of a million rows is drawn once, not once per column.
    """
    return _positions(n, size)


def _any_comma(text: pd.Series) -> bool:
    """Does any value hold a ',' (one substring search over the joined values, not one per value)?"""
    values = text.dropna()
    if isinstance(values.dtype, pd.StringDtype):  # already strings
        return bool(len(values)) and "," in "\x00".join(values.tolist())
    return bool(len(values)) and "," in "\x00".join(values.astype(str).tolist())


_BIG_INTS = "whole numbers beyond 2^53 cannot be held exactly as numbers: kept as exact text"


def _beyond_exact(values: np.ndarray) -> bool:
    return bool(values.size) and bool(np.nanmax(np.abs(values)) > MAX_EXACT_INT)


def _grouped_numbers(text: pd.Series) -> pd.Series | None:
    """Numbers when the values use ',' thousands separators unambiguously, else ``None``.

    Every value must be a plain number or a correctly grouped one (1-3 digits,
    then groups of exactly 3), and at least one must be grouped: "1,5" (a
    decimal comma?) leaves the column as text.
    """
    if not _any_comma(text):
        return None
    grouped = text.str.fullmatch(GROUPED_NUMBER).fillna(False).astype(bool)
    plain = text.str.fullmatch(PLAIN_NUMBER).fillna(False).astype(bool)
    if not grouped.any() or not (grouped | plain).all():
        return None
    return pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")


def to_numbers(series: pd.Series) -> pd.Series:
    """``series`` (after :func:`clean_missing`) as float64; thousands separators read when unambiguous."""
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        text = series.dropna().astype("string")
        grouped = _grouped_numbers(text)
        if grouped is not None:
            return grouped.reindex(series.index).astype(float)
    return pd.to_numeric(series, errors="coerce").astype(float)


def refuse_infinities(name: str, values: pd.Series | np.ndarray, *, source: str = "data") -> None:
    """Raise a one-line DataError when ``values`` hold +-inf (they have no place in a bounded domain)."""
    arr = np.asarray(values, dtype=float)
    bad = np.isinf(arr)
    if bad.any():
        raise DataError(
            f"{source}: column '{name}' holds {int(bad.sum())} infinite value(s) (inf/-inf), first at row "
            f"{int(np.argmax(bad))}; replace them with numbers or leave the cells empty"
        )


def _numeric_share(text: pd.Series) -> float:
    """Share of values that parse as numbers, from a fixed sample of large columns."""
    probe = text if len(text) <= _PROBE else text.iloc[sample_positions(len(text), _PROBE)]
    return float(pd.to_numeric(probe, errors="coerce").notna().mean())


def _numeric_type(values: np.ndarray) -> tuple[ColumnType, str]:
    finite = values[np.isfinite(values)]
    if finite.size and np.all(np.isin(finite, (0.0, 1.0))) and np.unique(finite).size == 2:
        return "boolean", "numeric values are only 0 and 1"
    if finite.size and np.all(np.mod(finite, 1) == 0):
        if _beyond_exact(finite):
            return "numerical", "whole numbers beyond 2^53, kept as real numbers"
        return "integer", "all values are whole numbers"
    return "numerical", "numbers with fractional parts"


def _looks_like_dates(text: pd.Series) -> bool:
    sample = text.head(200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() >= 0.9)


def _sorted_texts(values: list[str]) -> list[str]:
    """``sorted(values)`` for strings; pyarrow sorts large lists (UTF-8 byte order is code point order)."""
    if len(values) < 10_000:
        return sorted(values)
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(values, type=pa.string())
    except (pa.ArrowException, UnicodeError):  # e.g. lone surrogates, which UTF-8 cannot hold
        return sorted(values)
    return list(arr.take(pc.array_sort_indices(arr)).to_pylist())


def infer_metadata(
    df: pd.DataFrame,
    *,
    source: str = "data",
    cleaned: dict[str, pd.Series] | None = None,
    coded: dict[str, TextCodes] | None = None,
    columns: Iterable[str] | None = None,
) -> Metadata:
    """Infer a :class:`Metadata` for ``df``. Domains are recorded but marked inferred.

    ``cleaned``: ``clean_missing`` of each column when the caller has them (filled in otherwise);
    ``coded``: text columns cleaned and coded by :func:`~safedata_core.data.codes.text_codes` (these
    need no ``cleaned`` entry); ``columns``: infer only these (in ``df``'s order; default: all).
    """
    inferred: dict[str, ColumnMeta] = {}
    cleaned = {} if cleaned is None else cleaned
    coded = {} if coded is None else coded
    wanted = None if columns is None else set(columns)
    for name in df.columns:
        if wanted is not None and name not in wanted:
            continue
        bounds = None
        categories = None
        tc = coded.get(name)
        if tc is not None:
            ctype, _ = infer_column_type(df[name], coded=tc)
            if ctype in ("integer", "numerical"):
                num = to_numbers(tc.distinct).to_numpy(dtype=float)
                if np.isinf(num).any():  # the message names the row: find it on the rows
                    rows = tc.spread(num)
                    refuse_infinities(str(name), rows[~np.isnan(rows)], source=source)
                num = num[~np.isnan(num)]
                if len(num):
                    bounds = (float(num.min()), float(num.max()))
            elif ctype in ("categorical", "boolean"):
                categories = _sorted_texts(tc.distinct.astype(str).tolist())
            nullable = tc.present < len(tc.codes)
        else:
            if name not in cleaned:
                cleaned[name] = clean_missing(df[name])
            s = cleaned[name]
            ctype, _ = infer_column_type(df[name], cleaned=s)
            if ctype in ("integer", "numerical"):
                num = to_numbers(s).dropna()
                refuse_infinities(str(name), num.to_numpy(), source=source)
                if len(num):
                    bounds = (float(num.min()), float(num.max()))
            elif ctype in ("categorical", "boolean"):
                categories = sorted(pd.Series(s.dropna().unique()).astype(str).unique().tolist())
            nullable = bool(s.isna().any())
        inferred[str(name)] = ColumnMeta(
            type=ctype,
            bounds=bounds,
            categories=categories,
            nullable=nullable,
            inferred=True,
        )
    return Metadata(columns=inferred)
