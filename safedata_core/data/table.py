"""``Table``: a pandas DataFrame together with its :class:`Metadata`.

Every component receives and returns Tables. Construction normalises values to
the declared types (missing markers become NA, numbers become numbers), so a
component can rely on ``table.df[col]`` having the dtype its metadata says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.data.codes import TextCodes, is_text_column, text_codes
from safedata_core.data.infer import (
    MAX_EXACT_INT,
    MISSING_MARKERS,
    clean_missing,
    infer_metadata,
    refuse_infinities,
    to_numbers,
)
from safedata_core.data.metadata import ColumnMeta, Metadata
from safedata_core.data.normalize import normalize_frame
from safedata_core.errors import DataError

__all__ = ["Table"]


@dataclass(frozen=True)
class Table:
    """An immutable pairing of a DataFrame and its metadata."""

    df: pd.DataFrame
    metadata: Metadata

    @classmethod
    def from_dataframe(cls, df: pd.DataFrame, metadata: Metadata | None = None, *, source: str = "data") -> Table:
        """Build a Table, inferring metadata for columns ``metadata`` does not declare."""
        if df.shape[1] == 0:
            raise DataError(f"{source}: the table has no columns (check the file and its delimiter)")
        if df.shape[0] == 0:
            raise DataError(f"{source}: the table has no rows (give a non-empty file)")
        df = df.copy()
        df.columns = [str(c).strip() for c in df.columns]
        if df.columns.duplicated().any():
            dups = sorted(set(df.columns[df.columns.duplicated()]))
            raise DataError(
                f"{source}: column name(s) {', '.join(repr(d) for d in dups)} appear more than once (rename them)"
            )
        if metadata is not None:
            unknown = [c for c in metadata.columns if c not in df.columns]
            if unknown:
                raise DataError(
                    f"{source}: metadata names column '{unknown[0]}' which the data does not have "
                    f"(columns are: {', '.join(df.columns[:12])}{'...' if df.shape[1] > 12 else ''})"
                )
        # text columns: normalised (data/normalize.py), cleaned and coded once, in one pass each;
        # other columns go through normalize_frame (a no-op for them) and clean_missing
        coded = {name: text_codes(df[name], MISSING_MARKERS) for name in df.columns if is_text_column(df[name])}
        other = [name for name in df.columns if name not in coded and isinstance(df[name].dtype, pd.CategoricalDtype)]
        if other:  # categories that are not all text
            normalized = normalize_frame(df[other])
            for name in other:
                df[name] = normalized[name]
        cleaned: dict[str, pd.Series] = {}  # clean_missing of each other column, computed once for both passes
        if metadata is None:
            meta = infer_metadata(df, source=source, cleaned=cleaned, coded=coded)
        else:
            # a declared column's entry is its declaration alone (Metadata.merged_over takes nothing else from
            # inference), so only undeclared columns are inferred; inference also refuses a column whose values
            # read as numbers and hold an infinity, so a declared column holding one is inferred too (same refusal)
            infer = [c for c in df.columns if c not in metadata.columns or _may_refuse(df[c], coded.get(c))]
            inferred = infer_metadata(df, source=source, cleaned=cleaned, coded=coded, columns=infer)
            placeholders = {  # merged_over replaces these by the declarations
                c: inferred.columns.get(c) or ColumnMeta(type=metadata.columns[c].type, inferred=True)
                for c in df.columns
            }
            meta = metadata.merged_over(Metadata(columns=placeholders))
        return cls(df=coerce_to_metadata(df, meta, source=source, cleaned=cleaned, coded=coded), metadata=meta)

    # -- convenience ------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        return list(self.df.columns)

    def __len__(self) -> int:
        return len(self.df)

    def select(self, columns: Iterable[str]) -> Table:
        cols = list(columns)
        self.require_columns(cols, where="select")
        return Table(self.df[cols].copy(), self.metadata.subset(cols))

    def with_df(self, df: pd.DataFrame) -> Table:
        """Return a table with new values and the metadata of the columns kept."""
        return Table(df, self.metadata.subset(list(df.columns)))

    def require_columns(self, columns: Iterable[str], *, where: str) -> None:
        missing = [c for c in columns if c not in self.df.columns]
        if missing:
            raise DataError(f"{where}: unknown column '{missing[0]}' (available: {', '.join(self.df.columns)})")


# text that may read as an infinite number: 'inf'/'infinity' in any case, an exponent of 3 or more digits
# ('1e999'); a value of 200 characters or more may hold over 308 digits (checked by its length)
_MAY_BE_INFINITE = re.compile(r"inf|[eE][+-]?\d{3}", re.IGNORECASE)


def _may_refuse(series: pd.Series, coded: TextCodes | None) -> bool:
    """Could inferring this column refuse it? Only when a value reads as an infinite number (cheap to rule out:
    a text column is inferred when one of its distinct values looks like one, then decided by inference)."""
    if coded is not None:
        values = coded.distinct.tolist()
        if not values:
            return False
        joined = "\x00".join(values)
        return bool(_MAY_BE_INFINITE.search(joined)) or max(map(len, values)) >= 200
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return False
    if pd.api.types.is_integer_dtype(series):
        return False
    if pd.api.types.is_float_dtype(series):
        return bool(np.isinf(series.to_numpy(dtype=float, na_value=np.nan)).any())
    return True  # any other dtype (mixed objects, categoricals): inferred, as before


def coerce_to_metadata(
    df: pd.DataFrame,
    meta: Metadata,
    *,
    source: str = "data",
    cleaned: dict[str, pd.Series] | None = None,
    coded: dict[str, TextCodes] | None = None,
) -> pd.DataFrame:
    """Return ``df`` with each column cast to the dtype its metadata declares.

    Numeric columns refuse infinities, and integer columns refuse whole numbers
    beyond 2^53 (a float64 cannot hold them exactly), naming the column.
    ``coded``: text columns already cleaned and coded (:func:`~safedata_core.data.codes.text_codes`);
    their values are cast once per distinct value.
    """
    out = {}
    for name in df.columns:
        col = meta.columns[name]
        tc = coded.get(name) if coded is not None else None
        if tc is not None:
            out[name] = pd.Series(_coerce_coded(tc, col.type), index=df.index)
            if col.type in ("integer", "numerical"):
                _check_numbers(name, out[name], col.type, source)
            continue
        s = cleaned[name] if cleaned is not None and name in cleaned else clean_missing(df[name])
        if col.type in ("integer", "numerical"):
            # numbers are float64 in memory (NaN = missing); integer columns are
            # written back as whole numbers by write_table
            numbers = to_numbers(s)
            _check_numbers(name, numbers, col.type, source)
            out[name] = numbers
        elif col.type == "boolean":
            out[name] = _to_bool(s)
        elif col.type == "datetime":
            out[name] = pd.to_datetime(s, errors="coerce", format="mixed")
        else:
            # categorical and text values are strings; missing is NaN
            out[name] = s.astype("string").astype(object).where(s.notna(), np.nan)
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


def _check_numbers(name: str, numbers: pd.Series, ctype: str, source: str) -> None:
    refuse_infinities(name, numbers.to_numpy(), source=source)
    if ctype == "integer" and bool((numbers.abs() > MAX_EXACT_INT).any()):
        raise DataError(
            f"{source}: column '{name}' is declared integer but holds whole numbers beyond 2^53, which "
            "cannot be held exactly; declare it categorical (a code or identifier) or numerical"
        )


def _coerce_coded(tc: TextCodes, ctype: str) -> Any:
    """The rows of a coded text column cast to ``ctype``: each distinct value cast once, then spread."""
    if ctype in ("integer", "numerical"):
        return tc.spread(to_numbers(tc.distinct).to_numpy(dtype=float))
    if ctype == "boolean":
        return tc.spread(_to_bool(tc.distinct).array)
    if ctype == "datetime":
        return tc.spread(pd.to_datetime(tc.distinct, errors="coerce", format="mixed").array)
    return tc.spread(tc.distinct.to_numpy(dtype=object))


def _to_bool(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    mapping = {
        "true": True,
        "yes": True,
        "y": True,
        "t": True,
        "1": True,
        "1.0": True,
        "false": False,
        "no": False,
        "n": False,
        "f": False,
        "0": False,
        "0.0": False,
    }
    return s.astype("string").str.lower().map(mapping).astype("boolean")
