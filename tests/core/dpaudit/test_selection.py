"""Choosing the test on one half and bounding on the other."""

from __future__ import annotations

import numpy as np
import pytest

from safedata_core.dpaudit.bounds import eps_lower_bound
from safedata_core.dpaudit.selection import ChosenTest, evaluate_test, hits, select_test


def test_select_picks_the_separating_statistic_threshold_and_direction() -> None:
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 10, size=(50, 1)).astype(float)
    # statistic 1 separates: D runs give 0, D' runs give 3; statistic 2 separates the other way round
    d = np.hstack([noise, np.zeros((50, 1)), np.full((50, 1), 5.0)])
    dp = np.hstack([rng.integers(0, 10, size=(50, 1)).astype(float), np.full((50, 1), 3.0), np.zeros((50, 1))])
    test = select_test(d[:, :2], dp[:, :2], ["noise", "sep"], delta=0.0, confidence=0.95)
    assert (test.statistic, test.direction, test.index) == ("sep", "ge", 1)
    assert 0 < test.threshold <= 3
    rev = select_test(d[:, [0, 2]], dp[:, [0, 2]], ["noise", "rev"], delta=0.0, confidence=0.95)
    assert rev.statistic == "rev" and rev.selection_eps == pytest.approx(test.selection_eps)


def test_evaluate_counts_hits_and_bounds() -> None:
    test = ChosenTest(0, "s", 2.0, "ge", 0.0)
    d = np.array([[0.0], [1.0], [2.0], [0.0]])
    dp = np.array([[2.0], [5.0], [1.0], [3.0]])
    out = evaluate_test(test, d, dp, delta=0.0, confidence=0.9)
    assert (out["true_positives"], out["false_positives"]) == (3, 1)
    assert out["eps_lower"] == eps_lower_bound(3, 4, 1, 4, confidence=0.9)["eps_lower"]
    assert hits(np.array([1, 2, 3]), 2, "le") == 2
