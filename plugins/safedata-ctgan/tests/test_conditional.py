"""Conditional vectors and training-by-sampling."""

from __future__ import annotations

import numpy as np
from safedata_ctgan.conditional import CondSampler, RowIndex


def test_cond_frequencies_and_row_matching() -> None:
    rng = np.random.default_rng(0)
    codes = np.stack([rng.choice(3, 5000, p=[0.7, 0.2, 0.1]), rng.choice(2, 5000)], axis=1)
    widths = [3, 2]
    cond = CondSampler(widths, [np.bincount(codes[:, j], minlength=w) for j, w in enumerate(widths)])
    c, col, cat = cond.sample(20000, rng, log_frequency=False)
    assert c.shape == (20000, 5) and np.all(c.sum(axis=1) == 1)
    first = cat[col == 0]
    assert abs((first == 0).mean() - 0.7) < 0.02
    _, col_l, cat_l = cond.sample(20000, rng, log_frequency=True)
    assert (cat_l[col_l == 0] == 2).mean() > 0.2  # log-frequency lifts the rare category
    rows = RowIndex(codes, widths).sample(col, cat, rng)
    np.testing.assert_array_equal(codes[rows, col], cat)


def test_own_conditions_real_rows_on_their_category_and_negative_noisy_counts_are_clipped() -> None:
    rng = np.random.default_rng(1)
    codes = np.array([[0, 1], [2, 0], [1, 1]])
    cond = CondSampler([3, 2], [np.array([5.0, -3.0, 2.0]), np.array([0.0, 0.0])])
    assert cond.probs[0, 1] == 0.0 and np.allclose(cond.probs[1, :2], [0.5, 0.5])
    c, col, cat = cond.own(codes, rng)
    np.testing.assert_array_equal(cat, codes[np.arange(3), col])
    assert np.all(c[np.arange(3), cond.offsets[col] + cat] == 1)
    again = CondSampler.from_dict(cond.to_dict())
    np.testing.assert_array_equal(again.probs, cond.probs)


def test_disallowed_slots_are_never_drawn_as_conditions() -> None:
    rng = np.random.default_rng(2)
    allowed = [np.array([True, True, False]), np.array([False, True])]
    cond = CondSampler([3, 2], [np.array([5.0, 3.0, 40.0]), np.array([9.0, 0.0])], allowed)
    _, col, cat = cond.sample(5000, rng, log_frequency=False)
    assert not np.any((col == 0) & (cat == 2))  # 40 noisy counts, but masked (e.g. a non-nullable missing slot)
    assert np.all(cat[col == 1] == 1)  # the only allowed slot, even with a zero count
    np.testing.assert_allclose(cond.probs[0, :3], [5 / 8, 3 / 8, 0.0])
    np.testing.assert_array_equal(CondSampler.from_dict(cond.to_dict()).probs, cond.probs)
