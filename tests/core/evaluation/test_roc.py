"""ROC figures (safedata_core/evaluation/roc.py): rank AUC with ties, TPR at a false-positive budget."""

from __future__ import annotations

import math

import numpy as np
import pytest

from safedata_core.evaluation.roc import roc_summary, tpr_at_fpr


def test_auc_counts_ties_as_one_half() -> None:
    assert roc_summary(np.array([3.0, 4.0]), np.array([1.0, 2.0]))["auc"] == 1.0
    assert roc_summary(np.array([1.0, 2.0]), np.array([3.0, 4.0]))["auc"] == 0.0
    assert roc_summary(np.array([1.0]), np.array([1.0]))["auc"] == 0.5
    # 2 members x 2 non-members: pairs (2>1), (2=2: 1/2), (3>1), (3>2) -> 3.5 / 4
    assert roc_summary(np.array([2.0, 3.0]), np.array([1.0, 2.0]))["auc"] == pytest.approx(0.875)


def test_tpr_at_fpr_allows_only_the_floor_of_fpr_times_n_false_positives() -> None:
    neg = np.arange(100, dtype=float)  # 0..99
    pos = np.array([98.5, 99.5, 50.0])
    assert tpr_at_fpr(pos, neg, 0.0) == pytest.approx(1 / 3)  # none allowed: only scores above 99
    assert tpr_at_fpr(pos, neg, 0.01) == pytest.approx(2 / 3)  # one allowed (99): scores above 98
    assert tpr_at_fpr(pos, neg, 0.019) == pytest.approx(2 / 3)  # 1.9 rounds down to one
    assert tpr_at_fpr(pos, neg, 0.5) == 1.0  # fifty allowed: scores above 49
    assert tpr_at_fpr(pos, neg, 1.0) == 1.0  # every non-member may be flagged: every member is
    ties = np.full(10, 5.0)
    assert tpr_at_fpr(np.array([5.0]), ties, 0.5) == 0.0  # tied non-members are flagged together or not at all


def test_empty_inputs_give_nan() -> None:
    summary = roc_summary(np.array([]), np.array([1.0]))
    assert all(math.isnan(v) for v in summary.values())
    assert math.isnan(tpr_at_fpr(np.array([1.0]), np.array([]), 0.01))
