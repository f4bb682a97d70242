"""How one column maps to small integer codes and back (:class:`ColumnCodec`).

A numeric column is cut into ordered *fine cells* (integer ranges or float
intervals; a cell can be a single value, e.g. ``capital_gain == 0``) whose
weights are exact counts without DP or a released noisy histogram under DP.
Fine cells are merged by mass into *bins*; models work on bin codes, and
decoding draws a fine cell inside the bin by weight and then a value uniformly
inside that cell, so synthetic values spread within the bin like the (noisy)
data, not at its centre. Categorical and boolean columns map to their labels.

When the codec has a missing code (always the last one), missing and
out-of-domain values get it; otherwise :meth:`ColumnCodec.encode` gives them
``-1`` and the caller leaves those records out (a per-record rule, so it is
DP-safe).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from safedata_core.privacy.discretize import cell_index

__all__ = ["CodecKind", "ColumnCodec"]

CodecKind = Literal["numeric", "categorical", "boolean"]


_PLAIN_FIELDS = ("name", "kind", "missing", "labels", "integer")  # saved as they are
_ARRAY_FIELDS = ("cell_lo", "cell_hi", "cell_weight", "cell_bin")  # saved as lists


@dataclass
class ColumnCodec:
    """How one column maps to codes ``0 .. size-1`` (the last one is 'missing' when ``missing``)."""

    name: str
    kind: CodecKind
    missing: bool
    labels: list[Any] | None = None  # categorical / boolean values
    integer: bool = False
    cell_lo: np.ndarray | None = None  # numeric fine cells, ordered
    cell_hi: np.ndarray | None = None
    cell_weight: np.ndarray | None = None
    cell_bin: np.ndarray | None = None  # fine cell -> bin code (non-decreasing)

    @property
    def n_values(self) -> int:
        """Number of non-missing codes."""
        if self.kind == "numeric":
            assert self.cell_bin is not None
            return int(self.cell_bin[-1]) + 1
        assert self.labels is not None
        return len(self.labels)

    @property
    def size(self) -> int:
        return self.n_values + int(self.missing)

    # -- encode ------------------------------------------------------------
    def fine_codes(self, s: pd.Series) -> np.ndarray:
        """Fine-cell index of every value (clipped to the cells), and ``len(cells)`` for missing ones."""
        assert self.cell_hi is not None
        return cell_index(s.to_numpy(dtype=float), self.cell_hi)

    def encode(self, s: pd.Series) -> np.ndarray:
        """Codes of the values of ``s``; missing or out-of-domain values get the missing code, or -1 if none."""
        other = self.n_values if self.missing else -1
        if self.kind == "numeric":
            assert self.cell_bin is not None
            codes = np.append(self.cell_bin, other)[self.fine_codes(s)]
        elif self.kind == "boolean":
            b = s.astype("boolean")
            codes = np.where(b.isna().to_numpy(), other, b.fillna(False).to_numpy(dtype=bool).astype(int))
        else:
            assert self.labels is not None
            cat = pd.Categorical(s.astype(object).where(s.notna(), None), categories=self.labels)
            codes = np.where(cat.codes < 0, other, cat.codes)
        return codes.astype(np.int64)

    # -- decode ------------------------------------------------------------
    def decode(self, codes: np.ndarray, rng: np.random.Generator) -> Any:
        """Values for ``codes``: numbers drawn inside their bin, categories, or booleans."""
        codes = np.asarray(codes, dtype=np.int64)
        is_missing = (codes == self.n_values) if self.missing else np.zeros(len(codes), dtype=bool)
        if self.kind == "numeric":
            return self._decode_numeric(np.where(is_missing, 0, codes), is_missing, rng)
        assert self.labels is not None
        values = np.array([*self.labels, None], dtype=object)[np.where(is_missing, len(self.labels), codes)]
        if self.kind == "boolean":
            return pd.array(values, dtype="boolean")
        values[is_missing] = np.nan
        return values

    def _decode_numeric(self, bins: np.ndarray, is_missing: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        assert self.cell_lo is not None and self.cell_hi is not None and self.cell_bin is not None
        assert self.cell_weight is not None
        cb = self.cell_bin
        w = np.clip(self.cell_weight, 0.0, None)
        bin_total = np.bincount(cb, weights=w, minlength=self.n_values)
        bin_cells = np.bincount(cb, minlength=self.n_values)
        share = np.where(bin_total[cb] > 0, w / np.where(bin_total[cb] > 0, bin_total[cb], 1.0), 1.0 / bin_cells[cb])
        # cumulative share restarted at every bin, shifted by the bin code: bin b spans (b, b+1]
        first = np.searchsorted(cb, np.arange(self.n_values), side="left")
        last = np.searchsorted(cb, np.arange(self.n_values), side="right") - 1
        csum = np.cumsum(share)
        offset = np.where(first > 0, csum[np.maximum(first - 1, 0)], 0.0)
        within = cb + csum - offset[cb]
        u = rng.random(len(bins))
        cell = np.searchsorted(within, bins + u, side="left")
        cell = np.clip(cell, first[bins], last[bins])
        lo, hi = self.cell_lo[cell], self.cell_hi[cell]
        v = rng.random(len(bins))
        if self.integer:
            vals = np.minimum(lo + np.floor(v * (hi - lo + 1)), hi)
        else:
            vals = lo + v * (hi - lo)
        return np.where(is_missing, np.nan, vals)

    # -- state -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        state = {key: getattr(self, key) for key in _PLAIN_FIELDS}
        for key in _ARRAY_FIELDS:
            value = getattr(self, key)
            state[key] = None if value is None else np.asarray(value).tolist()
        return state

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ColumnCodec:
        state: dict[str, Any] = {key: d[key] for key in _PLAIN_FIELDS}
        for key in _ARRAY_FIELDS:
            dtype = np.int64 if key == "cell_bin" else float
            state[key] = None if d[key] is None else np.asarray(d[key], dtype=dtype)
        return cls(**state)
