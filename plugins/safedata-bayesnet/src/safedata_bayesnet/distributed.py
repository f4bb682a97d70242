"""Dask count paths of ``bayes_net`` (PrivBayes): exact counts over partitions, noised once by the core.

On a Dask-backed table the DP fit never holds the records. The binning
measurements (numeric fine-cell histograms, missing counts) are counted in one
pass; the code matrix stays lazy (:class:`DaskCodes`): each round of the greedy
structure counts every candidate's (parents, attribute) table in one pass, and
the conditionals in one more. The counts go to the same noise calls, with the
same parameters, as in a local fit (:func:`~safedata_core.execution.primitives.noisy_histogram_counts`
is ``noisy_histogram`` for counts), so the ledger is that of the local run.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from safedata_bayesnet.codec import ColumnCodec
from safedata_core import ComponentError, Table
from safedata_core.execution.counts import marginal_counts, partition_reduce
from safedata_core.privacy.discretize import fine_cells

__all__ = ["CodeMatrix", "DaskCodes", "column_counts"]


class CodeMatrix:
    """A pandas partition -> its code matrix, records with a value outside every code left out (as locally)."""

    def __init__(self, codecs: Sequence[ColumnCodec]) -> None:
        self.codecs = list(codecs)

    def __call__(self, pdf: pd.DataFrame) -> np.ndarray:
        codes = np.column_stack([c.encode(pdf[c.name]) for c in self.codecs])
        return codes[(codes >= 0).all(axis=1)]


class DaskCodes:
    """The code matrix of a Dask table, never materialised: joint counts over partitions, cached by column tuple."""

    def __init__(self, frame: Any, codecs: Sequence[ColumnCodec]) -> None:
        self.frame = frame
        self.encode = CodeMatrix(codecs)
        self.sizes = [c.size for c in codecs]
        self._joint: dict[tuple[int, ...], np.ndarray] = {}
        (total,) = marginal_counts(frame, self.encode, [()], self.sizes)
        self.shape = (int(total), len(self.sizes))

    def prefetch(self, column_sets: Sequence[Sequence[int]]) -> None:
        """Count every joint table of ``column_sets`` not counted yet, in one pass."""
        todo = [s for s in dict.fromkeys(tuple(c) for c in column_sets) if s not in self._joint]
        if todo:
            counted = marginal_counts(self.frame, self.encode, todo, self.sizes)
            self._joint.update((s, c.ravel()) for s, c in zip(todo, counted, strict=True))

    def joint(self, columns: Sequence[int]) -> np.ndarray:
        """Flat counts over the cells of ``columns`` (row-major, as ``privbayes.joint_index``)."""
        key = tuple(columns)
        self.prefetch([key])
        return self._joint[key]


def _counts_part(pdf: pd.DataFrame, numeric: dict[str, tuple[ColumnCodec, bool]], missing: dict[str, ColumnCodec]):
    out: dict[str, Any] = {}
    for name, (codec, nullable) in numeric.items():
        fine = codec.fine_codes(pdf[name])
        n_cells = len(codec.cell_hi) + int(nullable)  # type: ignore[arg-type]
        out[name] = np.bincount(fine[fine < n_cells], minlength=n_cells).astype(np.int64)
    for name, codec in missing.items():
        out[name] = np.array(int((codec.encode(pdf[name]) < 0).sum()))
    return out


def column_counts(table: Table, tasks: Collection[tuple[str, str]], n_fine: int, where: str) -> dict[str, np.ndarray]:
    """The exact counts behind the binning measurements, one pass: fine-cell histograms and missing counts."""
    meta = table.metadata
    numeric: dict[str, tuple[ColumnCodec, bool]] = {}
    missing: dict[str, ColumnCodec] = {}
    for col, task in sorted(tasks):
        cm = meta.columns[col]
        if task == "select":
            raise ComponentError(
                f"{where} on Dask: categorical column '{col}' has no public categories; declare its categories "
                "in the metadata (or run locally, where they can be selected privately)"
            )
        if task == "histogram":
            assert cm.bounds is not None
            lo, hi = fine_cells(cm.bounds, cm.type == "integer", n_fine)
            codec = ColumnCodec(col, "numeric", False, integer=cm.type == "integer", cell_lo=lo, cell_hi=hi)
            numeric[col] = (codec, bool(cm.nullable))
        elif task == "missing":
            labels: list[object] = [False, True] if cm.type == "boolean" else [str(v) for v in cm.categories or []]
            missing[col] = ColumnCodec(col, cm.type, False, labels=labels)  # type: ignore[arg-type]
    if not numeric and not missing:
        return {}
    return partition_reduce(table.df, _counts_part, numeric, missing)
