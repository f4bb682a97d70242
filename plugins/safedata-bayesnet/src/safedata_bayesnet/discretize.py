"""Column codecs: turn every column into small integer codes and back.

A numeric column is cut into ordered *fine cells* (integer ranges or float
intervals; a cell can be a single value, e.g. ``capital_gain == 0``) whose
weights are the exact counts in non-private mode or a Laplace histogram over
the column's public bounds under DP. Fine cells are merged by mass into about
``n_bins`` *bins* (a fine cell heavier than one bin's share keeps a bin of its
own, so point masses survive). Models work on bin codes; decoding draws a fine
cell inside the bin by weight and then a value uniformly inside that cell, so
synthetic values spread within the bin like the (noisy) data, not at its centre.

Categorical and boolean columns map to their categories. Missing values get a
code of their own (always the last one) whenever the column has missing values;
under DP always for categorical and boolean columns, and for numeric columns
when the noisy missing cell of their histogram says so (whether a column has
missing values is not public).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta

__all__ = ["ColumnCodec", "build_codecs", "dp_fine_cells", "group_by_mass"]

CodecKind = Literal["numeric", "categorical", "boolean"]

#: DP: a numeric column keeps a missing code when its noisy missing count exceeds this many Laplace scales
MISSING_NOISE_SCALES = 2.0


def group_by_mass(weights: np.ndarray, n_groups: int) -> np.ndarray:
    """Group consecutive cells into about ``n_groups`` groups of equal mass; heavy cells stay alone.

    Returns a non-decreasing group id per cell, starting at 0.
    """
    w = np.clip(np.asarray(weights, dtype=float), 0.0, None)
    total = float(w.sum())
    if len(w) <= n_groups or total <= 0:
        return np.arange(len(w))
    target = total / n_groups
    heavy = w >= target
    slot = np.floor((np.cumsum(w) - w) / target)
    start = np.r_[True, (slot[1:] != slot[:-1]) | heavy[1:] | heavy[:-1]]
    return np.cumsum(start) - 1


def dp_fine_cells(bounds: tuple[float, float], integer: bool, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Data-independent fine cells over public ``bounds``: (low ends, high ends).

    Integer columns get one cell per value when the range is small, otherwise the
    two bounds as single-value cells (zero spikes, top codes) and equal integer
    ranges in between. Float columns get equal-width intervals.
    """
    lo, hi = float(bounds[0]), float(bounds[1])
    if integer:
        lo, hi = float(np.ceil(lo)), float(np.floor(hi))
        if hi - lo + 1 <= n_cells:
            v = np.arange(lo, hi + 1)
            return v, v.copy()
        m = hi - lo - 1  # interior values lo+1 .. hi-1
        k = n_cells - 2
        starts = np.unique(lo + 1 + np.floor(np.arange(k) * m / k))
        ends = np.r_[starts[1:] - 1, hi - 1]
        return np.r_[lo, starts, hi], np.r_[lo, ends, hi]
    edges = np.linspace(lo, hi, n_cells + 1)
    return edges[:-1], edges[1:]


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
        """Fine-cell index of every non-missing value, and ``len(cells)`` for missing ones."""
        assert self.cell_hi is not None
        x = s.to_numpy(dtype=float)
        idx = np.clip(np.searchsorted(self.cell_hi, x, side="left"), 0, len(self.cell_hi) - 1)
        return np.where(np.isnan(x), len(self.cell_hi), idx)

    def encode(self, s: pd.Series) -> np.ndarray:
        """Codes of the values of ``s`` (missing or out-of-domain -> the missing code, or 0 if none)."""
        missing_code = self.n_values if self.missing else 0
        if self.kind == "numeric":
            assert self.cell_bin is not None
            fine = self.fine_codes(s)
            codes = np.append(self.cell_bin, missing_code)[fine]
        elif self.kind == "boolean":
            b = s.astype("boolean")
            codes = np.where(b.isna().to_numpy(), missing_code, b.fillna(False).to_numpy(dtype=bool).astype(int))
        else:
            assert self.labels is not None
            cat = pd.Categorical(s.astype(object).where(s.notna(), None), categories=self.labels)
            codes = np.where(cat.codes < 0, missing_code, cat.codes)
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
        def arr(a: np.ndarray | None) -> list[float] | None:
            return None if a is None else np.asarray(a).tolist()

        return {"name": self.name, "kind": self.kind, "missing": self.missing, "labels": self.labels,
                "integer": self.integer, "cell_lo": arr(self.cell_lo), "cell_hi": arr(self.cell_hi),
                "cell_weight": arr(self.cell_weight), "cell_bin": arr(self.cell_bin)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ColumnCodec:
        def arr(a: list[float] | None, dtype: Any = float) -> np.ndarray | None:
            return None if a is None else np.asarray(a, dtype=dtype)

        return cls(name=d["name"], kind=d["kind"], missing=d["missing"], labels=d["labels"], integer=d["integer"],
                   cell_lo=arr(d["cell_lo"]), cell_hi=arr(d["cell_hi"]), cell_weight=arr(d["cell_weight"]),
                   cell_bin=arr(d["cell_bin"], np.int64))


def _kind(name: str, meta: ColumnMeta, where: str) -> CodecKind:
    if meta.is_numeric:
        return "numeric"
    if meta.type == "boolean":
        return "boolean"
    if meta.type == "categorical":
        return "categorical"
    raise ComponentError(
        f"{where}: column '{name}' has type {meta.type}, which is not supported; drop the column or "
        "declare it categorical/numerical in the metadata"
    )


def _empirical_cells(x: np.ndarray, integer: bool, n_cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-private fine cells from the observed values: (low ends, high ends, counts)."""
    if x.size == 0:
        return np.zeros(1), np.zeros(1), np.zeros(1)
    values, counts = np.unique(x, return_counts=True)
    group = group_by_mass(counts.astype(float), n_cells)
    n_groups = int(group[-1]) + 1
    lo = np.full(n_groups, np.inf)
    np.minimum.at(lo, group, values)
    hi = np.full(n_groups, -np.inf)
    np.maximum.at(hi, group, values)
    return lo, hi, np.bincount(group, weights=counts.astype(float), minlength=n_groups)


def build_codecs(
    table: Table,
    *,
    n_bins: int,
    n_fine: int,
    budget: Any | None,
    epsilon: float,
    delta: float,
    rng: np.random.Generator,
    where: str,
) -> list[ColumnCodec]:
    """Codecs for all columns of ``table``.

    With ``budget`` (DP), every column must be declared in the metadata (an
    inferred type is read from the data), every column gets a missing code
    (``nullable`` may be inferred, so it is not trusted; a numeric column only
    when the noisy missing cell of its histogram clears ``MISSING_NOISE_SCALES``
    noise scales), numeric columns need
    public bounds; their fine-cell
    weights come from one Laplace histogram each, and categorical columns
    without public categories get a DP-selected domain; ``epsilon`` (and
    ``delta`` for category selection) is split evenly over the columns that
    need it. Without a budget everything is read from the data.
    """
    meta = table.metadata
    kinds = {c: _kind(c, meta.columns[c], where) for c in table.columns}
    dp = budget is not None
    if dp:
        for c, k in kinds.items():
            if meta.columns[c].inferred:
                raise ComponentError(
                    f"{where}: column '{c}' is not declared in the metadata, so its type was inferred from the data "
                    "(which would leak under DP); declare it (type, and bounds or categories) in the metadata"
                )
            if k == "numeric" and (meta.columns[c].bounds is None or not meta.columns[c].is_public_domain):
                raise ComponentError(
                    f"{where}: numeric column '{c}' has no public bounds; declare bounds: [low, high] for it in "
                    "the metadata (reading them from the data would leak)"
                )
    needs = [c for c, k in kinds.items()
             if k == "numeric" or (k == "categorical" and not meta.columns[c].is_public_domain)]
    n_select = sum(1 for c in needs if kinds[c] == "categorical")
    if dp and n_select and delta <= 0:
        first = next(c for c in needs if kinds[c] == "categorical")
        raise ComponentError(
            f"{where}: categorical column '{first}' has no public categories and the step has delta=0; declare its "
            "categories in the metadata or give the step a delta > 0"
        )
    eps_col = epsilon / len(needs) if needs else 0.0
    codecs: list[ColumnCodec] = []
    for col in table.columns:
        cm = meta.columns[col]
        s = table.df[col]
        kind = kinds[col]
        has_missing = bool(s.isna().any())
        # DP: every column keeps a missing code. ``nullable`` is not public: Table.from_dataframe fills it in
        # from the data when the metadata does not declare it, so one record with a missing value would flip it.
        missing = True if dp else has_missing
        if kind == "boolean":
            codecs.append(ColumnCodec(col, "boolean", missing, labels=[False, True]))
            continue
        if kind == "categorical":
            if cm.categories is not None and (cm.is_public_domain or not dp):
                labels = [str(v) for v in cm.categories]
            elif dp:
                from safedata_core.privacy import dp_select_categories

                values = s.dropna().astype(str).to_numpy()
                labels = sorted(dp_select_categories(values, budget=budget, epsilon=eps_col, delta=delta / n_select,
                                                     rng=rng, note=f"{where}: domain of '{col}'"))
            else:
                labels = sorted(s.dropna().astype(str).unique().tolist())
            if not labels:
                labels = ["(none)"]
            if not dp and not has_missing and not set(s.astype(str)) <= set(labels):
                missing = True  # values outside the declared categories become 'missing'
            codecs.append(ColumnCodec(col, "categorical", missing, labels=labels))
            continue
        integer = cm.type == "integer"
        if dp:
            assert cm.bounds is not None
            lo, hi = dp_fine_cells(cm.bounds, integer, n_fine)
            codec = ColumnCodec(col, "numeric", missing, integer=integer, cell_lo=lo, cell_hi=hi)
            fine = codec.fine_codes(s)
            n_cells = len(hi) + 1  # + missing
            from safedata_core.privacy import noisy_histogram

            noisy = noisy_histogram(fine, n_cells, budget=budget, epsilon=eps_col, rng=rng,
                                    note=f"{where}: fine histogram of '{col}'")
            weight = np.clip(np.asarray(noisy, dtype=float)[: len(hi)], 0.0, None)
            # post-processing of the released missing cell: a missing code only when its noisy count is clearly
            # above the noise, so columns without missing values do not get a noise-only code
            missing = bool(noisy[-1] > MISSING_NOISE_SCALES / eps_col)
        else:
            x = s.dropna().to_numpy(dtype=float)
            lo, hi, weight = _empirical_cells(x, integer, n_fine)
        codecs.append(ColumnCodec(col, "numeric", missing, integer=integer, cell_lo=lo, cell_hi=hi,
                                  cell_weight=weight, cell_bin=group_by_mass(weight, n_bins)))
    return codecs
