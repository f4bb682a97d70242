"""Column domains: map every column to a small set of integer codes and back.

Each column is first split into data-independent *fine cells*: one per public
category (categorical, boolean), or ranges over the column's public bounds
(numeric: a single-value cell at each bound, so spikes such as
``capital_gain == 0`` keep a cell of their own, and equal ranges in between),
plus one cell for missing values (numeric, boolean: when the column is nullable;
categorical: always, shared with values outside the public categories). The fine-cell
histogram is measured once (noisily under DP, by the caller's ``measure``)
and then serves three purposes, all post-processing:

* it groups fine cells into *codes*: numeric cells by mass into about
  ``n_bins`` ordered bins (a heavy cell keeps a bin of its own), rare
  categories (noisy count below a threshold) into one shared code;
* summed per code, it is the 1-way measurement the graphical model is fit to;
* decoding draws a fine cell inside the code by its (thresholded) noisy
  weight and then a value uniformly inside that cell, so synthetic values
  follow the measured distribution inside a bin instead of sitting at its midpoint.

Categories never come from the data: they are the public metadata list (or a
DP selection done by the caller), so a value seen only in the data cannot appear.
A column declared ``nullable: false`` never decodes to a missing value: its
trailing cell (values outside the public categories) decodes to a public
category drawn by the noisy 1-way weights. Under DP the metadata must be
declared (an inferred type or ``nullable`` would make the domain depend on one record).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from safedata_core import ComponentError
from safedata_core.data import ColumnMeta

__all__ = ["ColumnDomain", "Measure", "build_domain", "fine_cells", "fine_layout", "group_ordered"]

DomainKind = Literal["numeric", "categorical", "boolean"]
#: measure(exact_counts, note) -> (released counts, per-cell noise std); exact counts when non-private
Measure = Callable[["np.ndarray", str], tuple["np.ndarray", float]]


def fine_cells(lo: float, hi: float, integer: bool, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Data-independent cells over ``[lo, hi]``: (low ends, high ends), ordered.

    Integer ranges small enough get one cell per value; otherwise each bound is a
    single-value cell and the interior is cut into equal ranges.
    """
    n_cells = max(int(n_cells), 3)
    if integer:
        lo, hi = float(np.ceil(lo)), float(np.floor(hi))
        if hi < lo:
            hi = lo
        if hi - lo + 1 <= n_cells:
            v = np.arange(lo, hi + 1)
            return v, v.copy()
        k = n_cells - 2
        starts = np.unique(lo + 1 + np.floor(np.arange(k) * (hi - lo - 1) / k))
        ends = np.r_[starts[1:] - 1, hi - 1]
        return np.r_[lo, starts, hi], np.r_[lo, ends, hi]
    if hi <= lo:
        return np.array([lo]), np.array([lo])
    inner = np.linspace(lo, hi, n_cells - 1)
    top = np.nextafter(hi, -np.inf)
    ends = np.r_[lo, inner[1:-1], top, hi]
    starts = np.r_[lo, inner[:-2], top, hi]
    return starts, ends


def group_ordered(weights: np.ndarray, n_groups: int) -> np.ndarray:
    """Group consecutive cells into about ``n_groups`` groups of equal mass; a heavy cell stays alone."""
    w = np.clip(np.asarray(weights, dtype=float), 0.0, None)
    total = float(w.sum())
    if len(w) <= n_groups or total <= 0:
        return np.arange(len(w))
    # heavy cells (a spike such as capital_gain == 0) keep a bin each and leave the other bins to the rest
    heavy = np.zeros(len(w), dtype=bool)
    for _ in range(n_groups):
        rest = max(n_groups - int(heavy.sum()), 1)
        target = float(w[~heavy].sum()) / rest if (~heavy).any() else total
        now = w >= target if target > 0 else heavy
        if (now == heavy).all():
            break
        heavy = now
    target = max(target, 1e-12)
    light = np.where(heavy, 0.0, w)
    slot = np.floor((np.cumsum(light) - light) / target)
    new = np.r_[True, (slot[1:] != slot[:-1]) | heavy[1:] | heavy[:-1]]
    return np.cumsum(new) - 1


@dataclass
class ColumnDomain:
    """Fine cells of one column, their decoding weights and their grouping into codes."""

    name: str
    kind: DomainKind
    integer: bool
    labels: list[Any]  # categorical/boolean values (empty for numeric)
    lo: np.ndarray  # numeric fine cells (empty for discrete)
    hi: np.ndarray
    has_missing: bool  # the last fine cell is 'missing'
    weight: np.ndarray  # decoding weight per fine cell (>= 0)
    group: np.ndarray  # fine cell -> code
    nullable: bool = True  # False: never decode to a missing value

    @property
    def n_fine(self) -> int:
        return len(self.group)

    @property
    def size(self) -> int:
        """Number of codes."""
        return int(self.group.max()) + 1

    # -- encode ----------------------------------------------------------------
    def fine_index(self, s: pd.Series) -> np.ndarray:
        """Fine cell of every value; missing and unknown values go to the missing cell (or cell 0)."""
        fallback = self.n_fine - 1 if self.has_missing else 0
        if self.kind == "numeric":
            x = s.to_numpy(dtype=float)
            idx = np.clip(np.searchsorted(self.hi, x, side="left"), 0, len(self.hi) - 1)
            return np.where(np.isnan(x), fallback, idx).astype(np.int64)
        if self.kind == "boolean":
            b = s.astype("boolean")
            miss = b.isna().to_numpy()
            return np.where(miss, fallback, b.fillna(False).to_numpy(dtype=bool).astype(np.int64))
        obj = s.astype(object)
        cat = pd.Categorical(obj.where(obj.isna(), obj.astype(str)), categories=[str(x) for x in self.labels])
        return np.where(cat.codes < 0, fallback, cat.codes).astype(np.int64)

    def encode(self, s: pd.Series) -> np.ndarray:
        return self.group[self.fine_index(s)]

    # -- decode ----------------------------------------------------------------
    def decode(self, codes: np.ndarray, rng: np.random.Generator) -> Any:
        """Values for ``codes``: a fine cell drawn by weight inside the code, then a value inside the cell."""
        fine = self._draw_fine(np.asarray(codes, dtype=np.int64), rng)
        if self.has_missing and not self.nullable:
            stray = fine == self.n_fine - 1
            if stray.any():
                fine[stray] = self._draw_known(int(stray.sum()), rng)
        missing = (fine == self.n_fine - 1) if self.has_missing else np.zeros(len(fine), dtype=bool)
        if self.kind == "numeric":
            cell = np.minimum(fine, len(self.lo) - 1)
            lo, hi = self.lo[cell], self.hi[cell]
            u = rng.random(len(fine))
            vals = np.minimum(lo + np.floor(u * (hi - lo + 1)), hi) if self.integer else lo + u * (hi - lo)
            return np.where(missing, np.nan, vals)
        values = np.array([*self.labels, None], dtype=object)[np.minimum(fine, len(self.labels))]
        if self.kind == "boolean":
            return pd.array(values, dtype="boolean")
        values[missing] = np.nan
        return values

    def _draw_known(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """Fine cells other than the trailing one, drawn by decoding weight (uniformly if all are zero)."""
        w = np.clip(self.weight[: self.n_fine - 1], 0.0, None)
        p = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))
        return rng.choice(len(w), size=size, p=p)

    def _draw_fine(self, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        order = np.argsort(self.group, kind="stable")
        g = self.group[order]
        w = np.clip(self.weight[order], 0.0, None)
        tot = np.bincount(g, weights=w, minlength=self.size)
        cnt = np.bincount(g, minlength=self.size)
        share = np.where(tot[g] > 0, w / np.where(tot[g] > 0, tot[g], 1.0), 1.0 / cnt[g])
        first = np.searchsorted(g, np.arange(self.size), side="left")
        last = np.searchsorted(g, np.arange(self.size), side="right") - 1
        csum = np.cumsum(share)
        before = np.where(first > 0, csum[np.maximum(first - 1, 0)], 0.0)
        within = g + csum - before[g]  # code c spans (c, c + 1]
        pos = np.searchsorted(within, codes + rng.random(len(codes)), side="left")
        return order[np.clip(pos, first[codes], last[codes])]

    # -- state -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "integer": self.integer,
            "labels": list(self.labels),
            "lo": self.lo.tolist(),
            "hi": self.hi.tolist(),
            "has_missing": self.has_missing,
            "weight": self.weight.tolist(),
            "group": self.group.tolist(),
            "nullable": self.nullable,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ColumnDomain:
        return cls(
            name=d["name"],
            kind=d["kind"],
            integer=d["integer"],
            labels=list(d["labels"]),
            lo=np.asarray(d["lo"], dtype=float),
            hi=np.asarray(d["hi"], dtype=float),
            has_missing=d["has_missing"],
            weight=np.asarray(d["weight"], dtype=float),
            group=np.asarray(d["group"], dtype=np.int64),
            nullable=bool(d.get("nullable", True)),
        )


def fine_layout(
    name: str,
    s: Any,
    meta: ColumnMeta,
    *,
    private: bool,
    labels: list[Any] | None = None,
    n_fine: int = 64,
    where: str = "marginal",
) -> ColumnDomain:
    """The fine cells of one column before any count (one code per cell): see :func:`build_domain`.

    ``s`` is read only for a non-private column without declared bounds/categories.
    """
    if private and meta.inferred:
        raise ComponentError(
            f"{where}: column '{name}' is not declared in the metadata (its type was inferred from the data); "
            f"declare it, e.g. `{name}: {{type: categorical, categories: [...], nullable: false}}`"
        )
    # categoricals always get the trailing cell: it also holds values outside the public categories
    has_missing = bool(meta.nullable) or meta.type == "categorical"
    if meta.is_numeric:
        kind: DomainKind = "numeric"
        if meta.bounds is not None:
            lo_b, hi_b = float(meta.bounds[0]), float(meta.bounds[1])
        elif not private:
            x = s.dropna().to_numpy(dtype=float)
            lo_b, hi_b = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
        else:
            raise ComponentError(
                f"{where}: numeric column '{name}' has no public bounds; declare bounds: [low, high] in the "
                "metadata (reading them from the data would leak)"
            )
        integer = meta.type == "integer"
        lo, hi = fine_cells(lo_b, hi_b, integer, n_fine)
        cat_labels: list[Any] = []
    elif meta.type == "boolean":
        kind, integer, lo, hi, cat_labels = "boolean", False, np.empty(0), np.empty(0), [False, True]
    elif meta.type == "categorical":
        kind, integer, lo, hi = "categorical", False, np.empty(0), np.empty(0)
        if labels is not None:
            cat_labels = list(labels)
        elif meta.categories is not None:
            cat_labels = [str(c) for c in meta.categories]
        elif not private:
            cat_labels = sorted(s.dropna().astype(str).unique().tolist())
        else:
            raise ComponentError(
                f"{where}: categorical column '{name}' has no public categories; declare categories in the "
                "metadata or let the synthesizer select them privately"
            )
        if not cat_labels and not meta.nullable:
            raise ComponentError(
                f"{where}: categorical column '{name}' has no category to sample (none declared, none "
                "selected or found) and is not nullable; declare its categories in the metadata"
            )
    else:
        raise ComponentError(
            f"{where}: column '{name}' has type {meta.type}, which is not supported; drop it or declare it "
            "categorical, boolean or numerical in the metadata"
        )
    n_cells = (len(lo) if kind == "numeric" else len(cat_labels)) + int(has_missing)
    return ColumnDomain(
        name, kind, integer, cat_labels, lo, hi, has_missing, np.ones(n_cells), np.zeros(n_cells, int), meta.nullable
    )


def build_domain(
    name: str,
    s: Any,
    meta: ColumnMeta,
    *,
    measure: Measure,
    private: bool,
    labels: list[Any] | None = None,
    n_bins: int = 16,
    n_fine: int = 64,
    threshold: float = 3.0,
    where: str = "marginal",
    exact: np.ndarray | None = None,
) -> tuple[ColumnDomain, np.ndarray, np.ndarray]:
    """Build the domain of one column from one (noisy) fine-cell histogram.

    ``labels`` overrides the category list (e.g. a DP selection). Returns the
    domain, the released 1-way counts per code and their noise std per code.
    Under ``private`` the column must be declared (not inferred) and its domain
    public (bounds, categories, or ``labels``); without it missing
    bounds/categories are read from the data. ``exact``: the exact fine-cell
    histogram when the caller counted it already (e.g. over Dask partitions).
    """
    dom = fine_layout(name, s, meta, private=private, labels=labels, n_fine=n_fine, where=where)
    kind, n_cells, has_missing = dom.kind, dom.n_fine, dom.has_missing
    if exact is None:
        exact = np.bincount(dom.fine_index(s), minlength=n_cells).astype(float)
    noisy, std = measure(exact, f"1-way fine histogram of '{name}'")
    cut = threshold * std if private else 0.0
    # decoding weights: counts that could be noise are zeroed (post-processing)
    weight = np.where(noisy >= (2.0 * std if private else 0.5), noisy, 0.0)
    if kind == "numeric":
        n_num = len(dom.lo)
        group = group_ordered(weight[:n_num], n_bins)
        if has_missing:
            if noisy[-1] >= max(cut, 0.5):
                group = np.r_[group, group[-1] + 1]
            else:  # too rare to model: decode it inside the last bin
                group = np.r_[group, group[-1]]
    else:
        keep = noisy >= max(cut, 0.5)
        rank = np.cumsum(keep) - 1
        n_keep = int(keep.sum())
        group = np.where(keep, rank, n_keep)
        if n_keep == 0:
            group = np.zeros(n_cells, dtype=np.int64)
        elif float(noisy[~keep].sum()) < max(cut * math.sqrt(max(int((~keep).sum()), 1)), 0.5):
            # the rest is too small to be a code of its own: it joins the largest code (an empty
            # 'other' code would make every marginal with this column bigger and noisier)
            group = np.where(keep, rank, rank[int(np.argmax(np.where(keep, noisy, -np.inf)))])
    dom.weight = weight.astype(float)
    dom.group = np.asarray(group, dtype=np.int64)
    n_codes = dom.size
    y = np.bincount(dom.group, weights=noisy, minlength=n_codes)
    per_code_std = std * np.sqrt(np.bincount(dom.group, minlength=n_codes).astype(float))
    return dom, y, per_code_std
