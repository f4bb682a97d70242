"""A text column as integer codes into its distinct cleaned values, computed once per column.

Building a :class:`~safedata_core.data.table.Table` normalises text (:mod:`.normalize`), turns
missing-value markers into NA (:func:`~safedata_core.data.infer.clean_missing`), infers a type and
casts to it. Every one of those rules works value by value, so they can run on the distinct values
of a column and be spread back to the rows through integer codes: :func:`text_codes` hashes each
column once (a pandas Categorical, as the pyarrow CSV reader returns it, is hashed not at all) and
inference and coercion then look at each distinct value once. The results are the same as applying
the rules row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from safedata_core.data.normalize import normalize_values, texts_normalized

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from pandas import Series

__all__ = ["TextCodes", "is_text_column", "text_codes"]


@dataclass(frozen=True, eq=False)
class TextCodes:
    """Rows of a cleaned text column as ``codes`` (-1: missing) into ``distinct`` (string dtype, each once)."""

    codes: NDArray[Any]  # names without a module prefix: dataclass() would import numpy to check them
    distinct: Series
    raw_present: int  # non-missing values before markers such as '?' were read as missing

    @classmethod
    def from_text(cls, text: pd.Series) -> TextCodes:
        """Codes of a cleaned text series (string dtype, NA for missing)."""
        codes, uniques = pd.factorize(text, use_na_sentinel=True)
        present = int((codes >= 0).sum())
        return cls(codes.astype(np.int64, copy=False), pd.Series(uniques, dtype="string"), present)

    @cached_property
    def present(self) -> int:
        """Rows holding a value (not missing after cleaning)."""
        return len(self.valid)

    @cached_property
    def valid(self) -> np.ndarray:
        """Positions of the rows holding a value."""
        return np.flatnonzero(self.codes >= 0)

    @cached_property
    def counts(self) -> np.ndarray:
        """Rows per distinct value."""
        return np.bincount(self.codes[self.valid], minlength=len(self.distinct))

    def values_at(self, positions: np.ndarray) -> pd.Series:
        """The values of the ``positions``-th non-missing rows (as ``text.dropna().iloc[positions]``)."""
        return pd.Series(self.distinct.array.take(self.codes[self.valid[positions]]), dtype="string")

    def head(self, n: int) -> pd.Series:
        """The first ``n`` non-missing values."""
        return self.values_at(np.arange(min(n, self.present)))

    def spread(self, per_value: Any, fill: Any = float("nan")) -> Any:
        """An array holding ``per_value[code]`` on each row and ``fill`` on missing rows.

        ``per_value``: a numpy array or a pandas extension array aligned with ``distinct``.
        """
        if isinstance(per_value, np.ndarray):
            return np.append(per_value, np.asarray([fill], dtype=per_value.dtype))[self.codes]
        return per_value.take(self.codes, allow_fill=True)


def is_text_column(series: pd.Series) -> bool:
    """Columns the text rules apply to: object, string, and categorical with text categories."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return bool(dtype.categories.inferred_type == "string")
    return pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)


def text_codes(series: pd.Series, markers: tuple[str, ...]) -> TextCodes:
    """Normalise, strip and read ``markers`` as missing in one pass over ``series`` (a text column).

    The same values as ``clean_missing(normalize(series))`` value by value, as codes.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        raw = series.cat.codes.to_numpy(dtype=np.int64)
        uniques = np.asarray(series.cat.categories, dtype=object)
    else:
        raw, found = pd.factorize(series, use_na_sentinel=True)
        raw = raw.astype(np.int64, copy=False)
        uniques = np.asarray(found, dtype=object)
    if texts_normalized(uniques.tolist()):  # all text, already stripped and NFC: only markers change
        u = pd.Series(uniques, dtype="string")
        missing = u.isin(markers).to_numpy()
        per_unique = np.full(len(u), -1, dtype=np.int64)
        per_unique[~missing] = np.arange(int((~missing).sum()))
        distinct: Any = u[~missing].array
    else:
        norm = normalize_values(uniques)
        u = pd.Series(uniques if norm is None else norm, dtype=object).astype("string").str.strip()
        u = u.mask(u.isin(markers))
        found_codes, distinct = pd.factorize(u, use_na_sentinel=True)
        per_unique = found_codes.astype(np.int64)
    codes = np.append(per_unique, -1)[raw]  # raw -1 (missing) picks the appended -1
    raw_present = int((raw >= 0).sum())
    distinct_s = pd.Series(distinct, dtype="string")
    used = np.bincount(codes[codes >= 0], minlength=len(distinct_s)) > 0
    if not used.all():  # categories no row holds (a Categorical's unused categories)
        remap = np.full(len(distinct_s) + 1, -1, dtype=np.int64)
        remap[np.flatnonzero(used)] = np.arange(int(used.sum()))
        codes = remap[codes]
        distinct_s = distinct_s[used].reset_index(drop=True)
    return TextCodes(codes, distinct_s, raw_present)
