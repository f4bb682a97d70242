"""Bins for numeric columns that keep point masses: quantile intervals, plus one bin per frequent exact value.

Equal-width bins (SDMetrics' default, :func:`uniform_bins`) put a spike such as
``capital_gain = 0`` (92% of Adult) in the same bin as every small positive
value, so a release that halves the spike and smears the rest just above 0
looks perfect. :func:`quantile_bins` instead:

* makes every value held by at least ``1 / bins`` of the present values a
  **point mass**: a bin of its own holding exactly that value;
* cuts the remaining values at their quantiles into about
  ``bins - len(point masses)`` intervals (duplicate cut points merged).

Both tables are coded on the bins of the first one (the original); values
outside its range fall in the outer intervals (they are open), missing values
get a code of their own. A released value equal to a point mass lands in the
mass bin, a value next to it in the neighbouring interval, so moving mass off
a spike shows up as a distance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["BINNINGS", "Bins", "make_bins", "quantile_bins", "uniform_bins"]

BINNINGS = ("quantile", "uniform")


@dataclass(frozen=True)
class Bins:
    """Sorted cut points; ``mass[i]`` says whether ``cuts[i]`` is a point mass (a bin of its own).

    Codes: ``2 t`` is the interval just below cut ``t`` (``[cuts[t-1], cuts[t])``,
    or below ``cuts[t]`` when ``t`` is 0 or follows a point mass), ``2 t + 1`` the
    point mass at cut ``t``, ``2 len(cuts)`` the last interval and
    ``2 len(cuts) + 1`` missing values. Odd codes of cuts that are not masses
    never occur.
    """

    cuts: np.ndarray
    mass: np.ndarray

    @property
    def n_codes(self) -> int:
        """Size of the code alphabet (including the missing code)."""
        return 2 * len(self.cuts) + 2

    def codes(self, values: np.ndarray) -> np.ndarray:
        """Integer codes of ``values`` (float array, NaN for missing) on these bins."""
        v = np.asarray(values, dtype=float)
        if len(self.cuts) == 0:
            return np.where(np.isnan(v), 1, 0).astype(np.int64)
        j = np.searchsorted(self.cuts, v, side="right")  # cut points <= v
        prev = np.clip(j - 1, 0, len(self.cuts) - 1)
        on_mass = (j > 0) & self.mass[prev] & (self.cuts[prev] == v)
        out = np.where(on_mass, 2 * j - 1, 2 * j)
        return np.where(np.isnan(v), self.n_codes - 1, out).astype(np.int64)

    def used(self) -> np.ndarray:
        """Codes that can occur (point masses, every interval, missing), in order of value."""
        odd = 2 * np.flatnonzero(self.mass) + 1
        even = 2 * np.arange(len(self.cuts) + 1)
        return np.sort(np.concatenate([even, odd, [self.n_codes - 1]])).astype(np.int64)

    def labels(self, fmt: Callable[[float], str] = lambda x: f"{x:.4g}") -> list[str]:
        """A label per code (``n_codes`` of them): ``"0"`` for a point mass, ``"a–b"`` for an interval."""
        out = []
        c = self.cuts
        for code in range(self.n_codes - 1):
            t, odd = divmod(code, 2)
            if odd:
                out.append(fmt(c[t]) if self.mass[t] else "")
            elif len(c) == 0:
                out.append("all")
            elif t == 0:
                out.append(f"< {fmt(c[0])}")
            elif t == len(c):
                out.append(f"≥ {fmt(c[-1])}" if not self.mass[-1] else f"> {fmt(c[-1])}")
            else:
                out.append(f"{fmt(c[t - 1])}–{fmt(c[t])}")
        return [*out, "(missing)"]


def _present(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return np.asarray(v[~np.isnan(v)])


def quantile_bins(values: np.ndarray, bins: int = 10) -> Bins:
    """Point masses (values held by >= ``1 / bins`` of the present values) plus quantile intervals of the rest."""
    v = _present(values)
    if v.size == 0:
        return Bins(np.array([]), np.array([], dtype=bool))
    uniq, counts = np.unique(v, return_counts=True)
    is_mass = counts >= v.size / bins
    masses = uniq[is_mass]
    rest = v[~np.isin(v, masses)]
    cuts = np.array([])
    n_int = max(bins - len(masses), 1)
    if rest.size and n_int > 1:
        inner = np.quantile(rest, np.linspace(0, 1, n_int + 1)[1:-1])
        cuts = np.unique(inner)
        if np.unique(rest).size == 1:
            cuts = np.array([])
    if rest.size:  # the interval between a lower mass and the rest starts at the rest's minimum
        cuts = np.unique(np.concatenate([cuts, [rest.min()]]))
    all_cuts = np.union1d(cuts, masses)
    return Bins(all_cuts, np.isin(all_cuts, masses))


def uniform_bins(values: np.ndarray, bins: int = 10) -> Bins:
    """``bins`` equal-width intervals over the present values' range (no point masses; SDMetrics' default)."""
    v = _present(values)
    if v.size == 0:
        return Bins(np.array([]), np.array([], dtype=bool))
    edges = np.histogram_bin_edges(v, bins=bins)[1:-1]
    cuts = np.unique(edges)
    return Bins(cuts, np.zeros(len(cuts), dtype=bool))


def make_bins(values: np.ndarray, bins: int = 10, binning: str = "quantile") -> Bins:
    """:func:`quantile_bins` or :func:`uniform_bins` of ``values`` by name (one of :data:`BINNINGS`)."""
    if binning not in BINNINGS:
        raise ValueError(f"binning {binning!r} is not one of {', '.join(BINNINGS)}")
    return quantile_bins(values, bins) if binning == "quantile" else uniform_bins(values, bins)
