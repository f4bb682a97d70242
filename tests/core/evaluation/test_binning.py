"""Quantile bins keep point masses as bins of their own; uniform bins are SDMetrics' equal widths."""

from __future__ import annotations

import numpy as np
import pytest

from safedata_core.evaluation.binning import make_bins, quantile_bins, uniform_bins


def _spiky(n: int, spike: float, seed: int) -> np.ndarray:
    """``spike`` of the rows hold exactly 0; the rest are log-normal amounts (like Adult's capital_gain)."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random(n) < spike, 0.0, np.round(rng.lognormal(8, 1, n)))


def test_a_spike_is_its_own_bin_and_its_neighbours_are_not_in_it() -> None:
    x = _spiky(5000, 0.9, seed=0)
    bins = quantile_bins(x, 10)
    codes = bins.codes(x)
    zero = bins.codes(np.array([0.0]))[0]
    assert np.mean(codes == zero) == pytest.approx(np.mean(x == 0))  # exactly the zeros
    near = bins.codes(np.array([0.5, 1.0, 50.0]))
    assert (near != zero).all()
    assert bins.labels()[zero] == "0"
    # the rest is cut at quantiles: the non-zero values spread evenly over the intervals
    rest = np.bincount(codes[x != 0], minlength=bins.n_codes)
    filled = rest[rest > 0]
    assert len(filled) == 9 and filled.max() - filled.min() <= 2
    # equal widths cannot separate the spike from the small amounts next to it
    uni = uniform_bins(x, 10)
    assert (uni.codes(np.array([0.0, 0.5, 50.0])) == uni.codes(np.array([0.0]))[0]).all()


def test_masses_inside_the_range_and_missing_values() -> None:
    rng = np.random.default_rng(1)
    hours = np.concatenate([np.full(500, 40.0), rng.integers(1, 99, 500).astype(float), [np.nan] * 10])
    bins = quantile_bins(hours, 10)
    labels = bins.labels()
    c40, c41, c39 = bins.codes(np.array([40.0, 41.0, 39.0]))
    assert labels[c40] == "40" and c39 < c40 < c41  # codes follow the values' order
    assert bins.codes(np.array([np.nan]))[0] == bins.n_codes - 1 and labels[-1] == "(missing)"
    assert set(np.unique(bins.codes(hours))) <= set(bins.used())
    # out-of-range values land in the open outer intervals
    lo, hi = bins.codes(np.array([-1e9, 1e9]))
    assert lo == 0 and hi == 2 * len(bins.cuts)


def test_make_bins_names_and_empty_input() -> None:
    x = _spiky(300, 0.5, seed=2)
    assert (make_bins(x, 5, "uniform").cuts == uniform_bins(x, 5).cuts).all()
    assert (make_bins(x, 5).cuts == quantile_bins(x, 5).cuts).all()
    with pytest.raises(ValueError, match="equal"):
        make_bins(x, 5, "equal")
    empty = quantile_bins(np.array([np.nan, np.nan]))
    assert empty.n_codes == 2 and list(empty.codes(np.array([1.0, np.nan]))) == [0, 1]
