"""Mixed-type encoding for Gower distances, fitted jointly on several tables.

The Gower distance between two records is the mean over columns of a per-column
distance in [0, 1]: for a number, ``|a - b| / range`` (range over all encoded
tables, as anonymeter does); for a category, 0 if equal and 1 if not. Missing
values equal each other (distance 0) and differ from any value (distance 1).

Numbers are embedded so that this is an L1 distance: a value ``x`` scaled to
[0, 1] becomes ``x``, or ``(x/2, -x/2)`` when the column has missing values,
with missing at ``(1/2, 1/2)``, which is exactly 1 away from every value.
Categories become integer codes (missing is its own code) shared by all tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from safedata_core.data import Table
from safedata_core.evaluation.columns import as_numbers, is_numeric_column

__all__ = ["GowerEncoded", "encode_gower"]


@dataclass(frozen=True)
class GowerEncoded:
    """One table's rows encoded for Gower distances.

    ``numeric`` is the L1 embedding of the numeric columns (n x p), ``codes`` the
    category codes (n x q, int32), ``cardinalities`` the number of codes of each
    categorical column, and ``n_columns`` the number of original columns (the
    divisor that turns the summed distance into the mean).
    """

    numeric: np.ndarray
    codes: np.ndarray
    cardinalities: tuple[int, ...]
    n_columns: int

    def __len__(self) -> int:
        return int(self.numeric.shape[0])

    def take(self, rows: np.ndarray) -> GowerEncoded:
        """The encoded rows at positions ``rows``."""
        return GowerEncoded(self.numeric[rows], self.codes[rows], self.cardinalities, self.n_columns)


def encode_gower(tables: Sequence[Table], columns: Sequence[str]) -> list[GowerEncoded]:
    """Encode ``columns`` of every table in ``tables`` on a common scale (see the module docstring).

    A column is numeric when the first table's metadata says so (numerical,
    integer, datetime); other columns are compared as categories.
    """
    ref = tables[0]
    nums: list[list[np.ndarray]] = [[] for _ in tables]
    codes: list[list[np.ndarray]] = [[] for _ in tables]
    cards: list[int] = []
    for col in columns:
        if is_numeric_column(ref, col):
            values = [as_numbers(t.df[col]) for t in tables]
            stacked = np.concatenate(values)
            finite = stacked[np.isfinite(stacked)]
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            span = hi - lo if hi > lo else 1.0
            has_missing = bool(np.isnan(stacked).any())
            for i, v in enumerate(values):
                x = (v - lo) / span
                if has_missing:
                    miss = np.isnan(x)
                    a = np.where(miss, 0.5, x / 2)
                    b = np.where(miss, 0.5, -x / 2)
                    nums[i].extend([a, b])
                else:
                    nums[i].append(x)
        else:
            series = [t.df[col] for t in tables]
            joined = pd.concat([s.reset_index(drop=True).astype(object) for s in series], ignore_index=True)
            miss = joined.isna().to_numpy()
            labels = joined.astype(str).to_numpy(dtype=object)
            labels[miss] = None
            all_codes, uniques = pd.factorize(labels, use_na_sentinel=True)
            all_codes = np.where(all_codes < 0, len(uniques), all_codes).astype(np.int32)
            start = 0
            for i, s in enumerate(series):
                codes[i].append(all_codes[start : start + len(s)])
                start += len(s)
            cards.append(len(uniques) + 1)
    out = []
    for i, t in enumerate(tables):
        n = len(t.df)
        numeric = np.column_stack(nums[i]) if nums[i] else np.zeros((n, 0))
        code_mat = np.column_stack(codes[i]) if codes[i] else np.zeros((n, 0), dtype=np.int32)
        out.append(GowerEncoded(np.ascontiguousarray(numeric, dtype=np.float64), code_mat, tuple(cards), len(columns)))
    return out
