"""Shared DP discretisation: public fine cells, cell index, grouping by mass, the missing-cell rule."""

from __future__ import annotations

import math

import numpy as np

from safedata_core.privacy.discretize import (
    MISSING_NOISE_SCALES,
    cell_index,
    empirical_cells,
    fine_cells,
    group_by_mass,
    keeps_missing,
)
from safedata_core.privacy.samplers import discrete_laplace


def test_integer_cells_keep_the_bounds_as_single_values_and_tile_the_range() -> None:
    lo, hi = fine_cells((0, 99999), integer=True, n_cells=64)
    assert len(lo) <= 64 and (lo[0], hi[0]) == (0, 0) and (lo[-1], hi[-1]) == (99999, 99999)
    assert np.all(lo[1:] == hi[:-1] + 1) and np.all(hi >= lo)  # integer ranges tile the domain
    lo2, hi2 = fine_cells((17, 90), integer=True, n_cells=128)
    assert np.array_equal(lo2, hi2) and np.array_equal(lo2, np.arange(17, 91))  # one cell per value
    lo3, hi3 = fine_cells((0.5, 9.5), integer=True, n_cells=2)  # bounds rounded inward, at least 3 cells
    assert (lo3[0], hi3[-1]) == (1, 9) and np.all(lo3[1:] == hi3[:-1] + 1)


def test_float_cells_are_equal_width_and_do_not_depend_on_data() -> None:
    lo, hi = fine_cells((-1.0, 3.0), integer=False, n_cells=8)
    assert np.allclose(hi - lo, 0.5) and lo[0] == -1.0 and hi[-1] == 3.0


def test_cell_index_clips_out_of_bounds_values_and_marks_missing() -> None:
    _, hi = fine_cells((0, 9), integer=True, n_cells=16)
    idx = cell_index(np.array([-5.0, 0.0, 4.0, 9.0, 1e12, np.nan]), hi)
    assert idx.tolist() == [0, 0, 4, 9, 9, 10]


def test_group_by_mass_keeps_heavy_cell_alone_and_is_monotone() -> None:
    w = np.array([1, 1, 90, 1, 1, 1, 1, 1, 1, 2], dtype=float)
    g = group_by_mass(w, 4)
    assert np.all(np.diff(g) >= 0) and g[0] == 0
    assert np.sum(g == g[2]) == 1  # the 90% cell is a group of its own
    assert np.array_equal(group_by_mass(np.array([-3.0, -1.0]), 4), [0, 1])  # no mass: one group per cell


def test_keeps_missing_false_alarm_rate_for_columns_without_missing_values() -> None:
    scale = 20.0
    noise = discrete_laplace(scale, 200_000, np.random.default_rng(0))
    rate = np.mean([keeps_missing(float(x), scale) for x in noise[:20_000]])
    p = math.exp(-1 / scale)
    expected = p ** (math.floor(MISSING_NOISE_SCALES * scale) + 1) / (1 + p)  # P[Z > 5 scales]
    assert expected < 0.004 and abs(rate - expected) < 4.5 * math.sqrt(expected / 20_000) + 1e-4
    assert keeps_missing(6 * scale, scale) and not keeps_missing(4 * scale, scale)


def test_empirical_cells_group_observed_values() -> None:
    x = np.r_[np.zeros(900), np.arange(1, 101, dtype=float)]
    lo, hi, counts = empirical_cells(x, 10)
    assert (lo[0], hi[0], counts[0]) == (0.0, 0.0, 900.0) and counts.sum() == 1000
    assert empirical_cells(np.array([]), 4)[2].tolist() == [0.0]


def test_fine_cells_exact_small_cases() -> None:
    lo, hi = fine_cells((0, 20), integer=True, n_cells=6)  # bounds alone, 4 equal ranges of 1..19 between
    assert lo.tolist() == [0, 1, 5, 10, 15, 20] and hi.tolist() == [0, 4, 9, 14, 19, 20]
    lo, hi = fine_cells((0, 5), integer=True, n_cells=6)  # exactly n_cells values: one cell each
    assert lo.tolist() == hi.tolist() == [0, 1, 2, 3, 4, 5]
    lo, hi = fine_cells((0, 6), integer=True, n_cells=6)  # one value too many: ranges
    assert lo.tolist() == [0, 1, 2, 3, 4, 6] and hi.tolist() == [0, 1, 2, 3, 5, 6]
    lo, hi = fine_cells((0, 10), integer=True, n_cells=1)  # at least 3 cells
    assert lo.tolist() == [0, 1, 10] and hi.tolist() == [0, 9, 10]
    lo, hi = fine_cells((0.5, 0.7), integer=True, n_cells=4)  # no integer inside: the rounded-up low end
    assert lo.tolist() == hi.tolist() == [1]
    lo, hi = fine_cells((0, 1), integer=False, n_cells=2)
    assert lo.tolist() == [0.0, 1 / 3, 2 / 3] and hi.tolist() == [1 / 3, 2 / 3, 1.0]
    lo, hi = fine_cells((-2, 2), integer=False, n_cells=4.9)  # type: ignore[arg-type]
    assert lo.tolist() == [-2.0, -1.0, 0.0, 1.0] and hi.tolist() == [-1.0, 0.0, 1.0, 2.0]


def test_cell_index_puts_a_value_equal_to_a_high_end_in_that_cell() -> None:
    hi = np.array([0.5, 1.0, 1.5, 2.0])
    idx = cell_index(np.array([0.5, 0.5000001, 1.0, -1.0, 2.0, 2.5, np.nan]), hi)
    assert idx.dtype == np.int64 and idx.tolist() == [0, 1, 1, 0, 3, 3, 4]
    assert cell_index([3, 7], np.array([5.0, 10.0])).tolist() == [0, 1]  # lists of ints are fine


def test_group_by_mass_exact_small_cases() -> None:
    assert group_by_mass(np.array([1.0, 1.0, 1.0, 1.0]), 2).tolist() == [0, 0, 1, 1]
    assert group_by_mass(np.array([1.0, 5.0, 1.0, 1.0]), 2).tolist() == [0, 1, 2, 2]  # the heavy cell alone
    assert group_by_mass(np.array([-5.0, 2.0, 2.0]), 2).tolist() == [0, 1, 2]  # negative weight counts as 0
    assert group_by_mass(np.array([3.0, 1.0, 2.0]), 3).tolist() == [0, 1, 2]  # no more cells than groups
    assert group_by_mass(np.array([0.0, 0.0, 0.0, 0.0]), 2).tolist() == [0, 1, 2, 3]  # no mass
    assert group_by_mass(np.array([2.0, 2.0, 1.0, 1.0, 2.0]), 2).tolist() == [0, 0, 1, 1, 1]


def test_keeps_missing_is_strictly_above_five_scales() -> None:
    assert MISSING_NOISE_SCALES == 5.0
    assert not keeps_missing(10.0, 2.0) and keeps_missing(10.000001, 2.0)


def test_empirical_cells_exact_small_case() -> None:
    lo, hi, counts = empirical_cells(np.array([3.0, 1.0, 1.0, 2.0, 3.0, 3.0]), 2)
    assert lo.tolist() == [1.0, 3.0] and hi.tolist() == [2.0, 3.0] and counts.tolist() == [3.0, 3.0]
    lo, hi, counts = empirical_cells(np.zeros(0), 3)
    assert lo.tolist() == [0.0] and hi.tolist() == [0.0] and counts.tolist() == [0.0]


def test_fine_cells_never_exceed_n_cells_around_zero() -> None:
    lo, hi = fine_cells((-10, 10), integer=True, n_cells=6)  # 21 values: bounds alone and 4 ranges
    assert lo.tolist() == [-10, -9, -5, 0, 5, 10] and hi.tolist() == [-10, -6, -1, 4, 9, 10]


def test_fine_cells_away_from_zero() -> None:
    lo, hi = fine_cells((10, 14), integer=True, n_cells=6)
    assert lo.tolist() == hi.tolist() == [10, 11, 12, 13, 14]
    lo, hi = fine_cells((10, 30), integer=True, n_cells=6)  # 11..29 in 4 equal ranges
    assert lo.tolist() == [10, 11, 15, 20, 25, 30] and hi.tolist() == [10, 14, 19, 24, 29, 30]


def test_cell_index_reads_none_as_missing() -> None:
    idx = cell_index(np.array([1.0, None, 7.0], dtype=object), np.array([5.0, 10.0]))
    assert idx.tolist() == [0, 2, 1]


def test_group_by_mass_edges() -> None:
    assert group_by_mass(np.array([-1.0, 3.0, 3.0, 3.0]), 2).tolist() == [0, 0, 0, 1]  # -1 counts as 0
    assert group_by_mass(np.array([1.0, 1.0, 4.0]), 4).tolist() == [0, 1, 2]  # fewer cells than groups
    assert group_by_mass(np.array([1.0, 1.0, 4.0]), 3).tolist() == [0, 1, 2]  # as many cells as groups
    assert group_by_mass(np.array([0.2, 0.2, 0.2]), 2).tolist() == [0, 0, 1]  # a total below 1 is mass too
    assert group_by_mass(np.array([5.0, 1.0, 1.0, 1.0, 1.0, 1.0]), 2).tolist() == [0, 1, 1, 1, 1, 1]
