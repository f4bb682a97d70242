"""Generalisation hierarchies: ARX CSV files, numeric interval rules and the flat default.

A hierarchy maps every original value of one column to a value at each level
``0 .. height``; level 0 is the value itself and the top level is usually ``*``.

* ARX's file format is one row per original value, ``value;level1;level2;...``
  (semicolon separated, no header), e.g. ``39;35-39;30-39;*``.
* Interval rules for a numeric column give nested bin widths, e.g. ``[5, 10, 20]``:
  level 1 puts 37 into ``[35, 40)``, level 2 into ``[30, 40)``, level 3 into
  ``[20, 40)`` and the top level is ``*``. Each width must divide the next.
* A column without either gets the flat hierarchy ``value -> *``.

Missing values stay missing at every level below the top; at the top level
every value, missing or not, becomes the top value (``*``), so the top node
is always one class.
File paths may be absolute or relative to the current working directory.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from safedata_core.errors import DataError

TOP = "*"

__all__ = ["TOP", "Hierarchy", "flat_hierarchy", "interval_hierarchy", "load_arx_hierarchy", "value_keys"]


def value_keys(s: pd.Series) -> pd.Series:
    """The string key of each value as it appears in a hierarchy file (``39.0`` -> ``"39"``); NaN stays NaN."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        v = s.to_numpy(dtype=float)
        finite = np.isfinite(v)
        integral = finite & (v == np.round(v))
        out = np.full(len(v), np.nan, dtype=object)
        out[integral] = v[integral].astype(np.int64).astype(str)
        rest = finite & ~integral
        out[rest] = v[rest].astype(str)
        return pd.Series(out, index=s.index, dtype=object)
    return s.astype(str).astype(object).where(s.notna().to_numpy(), np.nan)


@dataclass(frozen=True)
class Hierarchy:
    """A generalisation hierarchy of one column with levels ``0 .. height``.

    Either ``table`` (original key -> tuple of values at levels 1..height) or
    ``widths`` (nested numeric bin widths; the top level is ``*``) is set.
    """

    column: str
    height: int
    table: dict[str, tuple[str, ...]] = field(default_factory=dict)
    widths: tuple[float, ...] = ()
    source: str = "flat"

    def generalise(self, s: pd.Series, level: int) -> pd.Series:
        """Values of ``s`` at ``level`` (level 0 returns ``s`` unchanged)."""
        if not 0 <= level <= self.height:
            raise DataError(
                f"generalize: level {level} of column '{self.column}' is outside 0..{self.height} "
                f"(the hierarchy from {self.source} has {self.height + 1} levels)"
            )
        if level == 0:
            return s
        if level == self.height:  # the top: every value, missing ones included, becomes one value
            return pd.Series(self._top_value(), index=s.index, dtype=object)
        if self.widths:
            return self._intervals(s, level)
        keys = value_keys(s)
        mapping = {k: v[level - 1] for k, v in self.table.items()}
        out = keys.map(mapping)
        unknown = keys.notna() & out.isna()
        if unknown.any():
            bad = keys[unknown].iloc[0]
            raise DataError(
                f"generalize: value '{bad}' of column '{self.column}' is not in its hierarchy {self.source} "
                "(add a row for it to the hierarchy file)"
            )
        return out.astype(object)

    def _top_value(self) -> str:
        tops = {v[-1] for v in self.table.values()}
        return tops.pop() if len(tops) == 1 else TOP

    def _intervals(self, s: pd.Series, level: int) -> pd.Series:
        v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
        w = self.widths[level - 1]
        finite = np.isfinite(v)
        q = v[finite] / w
        # v / w carries a few ulps of rounding (decimal widths such as 0.1 are inexact in binary): a value that
        # close to a bin edge starts that bin (0.7 / 0.1 = 6.999999999999999 -> [0.7, 0.8), not [0.6, 0.7))
        edge = np.rint(q)
        bins = np.where(np.abs(q - edge) <= 1e-12 * np.maximum(1.0, np.abs(q)), edge, np.floor(q))
        uniq, inv = np.unique(bins, return_inverse=True)  # label each distinct bin once
        names = np.array([f"[{_fmt_number(b * w)}, {_fmt_number((b + 1) * w)})" for b in uniq], dtype=object)
        labels = np.full(len(v), np.nan, dtype=object)
        labels[finite] = names[inv]
        return pd.Series(labels, index=s.index, dtype=object)


def _fmt_number(x: float) -> str:
    # 12 significant digits: drop the float noise of b * w (0.6000000000000001 -> 0.6), keep distinct bins apart
    return str(int(x)) if np.isfinite(x) and x == int(x) else f"{x:.12g}"


def flat_hierarchy(column: str) -> Hierarchy:
    """The two-level hierarchy ``value -> *``."""
    return Hierarchy(column=column, height=1, source="the flat default")


def interval_hierarchy(column: str, widths: list[float] | tuple[float, ...]) -> Hierarchy:
    """Nested equal-width intervals (each width a multiple of the previous) topped by ``*``."""
    ws = tuple(float(w) for w in widths)
    if not ws or any(w <= 0 for w in ws):
        raise DataError(f"generalize.intervals.{column}: give positive bin widths such as [5, 10, 20]")
    for a, b in itertools.pairwise(ws):
        ratio = b / a
        if b <= a or abs(ratio - round(ratio)) > 1e-9:
            raise DataError(
                f"generalize.intervals.{column}: width {b:g} is not a multiple of {a:g} "
                "(intervals must nest: give increasing widths that divide each other, e.g. [5, 10, 20])"
            )
    return Hierarchy(column=column, height=len(ws) + 1, widths=ws, source=f"intervals {list(ws)}")


def load_arx_hierarchy(column: str, path: str | Path) -> Hierarchy:
    """Read an ARX hierarchy CSV (``value;level1;...``); a relative path resolves against the working directory."""
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = Path.cwd() / p
    if not p.is_file():
        raise DataError(
            f"generalize.hierarchies.{column}: file '{path}' not found "
            "(give an absolute path or one relative to the current directory)"
        )
    rows = [line.rstrip("\r\n").split(";") for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    widths = {len(r) for r in rows}
    if len(widths) != 1 or min(widths) < 2:
        raise DataError(
            f"generalize.hierarchies.{column}: {p} must have the same number (>= 2) of ';'-separated "
            "fields on every line (ARX format value;level1;level2;...)"
        )
    table = {r[0]: tuple(r[1:]) for r in rows}
    if len(table) != len(rows):
        raise DataError(f"generalize.hierarchies.{column}: {p} lists a value twice (keep one row per value)")
    return Hierarchy(column=column, height=widths.pop() - 1, table=table, source=str(p))
