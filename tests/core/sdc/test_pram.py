"""PRAM: retention and invariant matrices by hand, validation, and the transition draw replayed."""

from __future__ import annotations

import numpy as np
import pytest

from safedata_core.errors import DataError
from safedata_core.sdc import apply_transition, check_matrix, invariant_matrix, uniform_retention_matrix


def test_uniform_retention_matrix() -> None:
    m = uniform_retention_matrix(3, 0.7)
    np.testing.assert_allclose(m, [[0.7, 0.15, 0.15], [0.15, 0.7, 0.15], [0.15, 0.15, 0.7]])
    assert uniform_retention_matrix(1, 0.2).tolist() == [[1.0]]


def test_invariant_matrix_keeps_expected_counts() -> None:
    counts = np.array([60.0, 30.0, 10.0])
    r = invariant_matrix(counts, 0.8)
    np.testing.assert_allclose(counts @ r, counts, rtol=1e-12)
    np.testing.assert_allclose(r.sum(axis=1), 1.0, rtol=1e-12)
    # Gouweleeuw et al.: R = P Q with Q the Bayes backward matrix of P under the counts
    p = uniform_retention_matrix(3, 0.8)
    joint = p * counts[:, None]
    q = (joint / joint.sum(axis=0)).T
    np.testing.assert_allclose(r, p @ q, rtol=1e-12)
    # nothing ever moves into an empty category
    r0 = invariant_matrix(np.array([5.0, 0.0, 5.0]), 0.5)
    assert r0[0, 1] == 0.0 and r0[2, 1] == 0.0
    np.testing.assert_allclose(r0[1], [0.5, 0.0, 0.5])
    np.testing.assert_allclose(np.array([5.0, 0.0, 5.0]) @ r0, [5.0, 0.0, 5.0])
    # with p_stay = 1 the empty category's row of P Q is all zero: it is made to stay itself
    ident = invariant_matrix(np.array([5.0, 0.0, 5.0]), 1.0)
    assert ident.tolist() == np.eye(3).tolist()


def test_check_matrix() -> None:
    good = check_matrix([[0.5, 0.5], [0.0, 1.0]], "pram")
    assert good.dtype == float
    for bad in ([[0.5, 0.5]], [[1.2, -0.2], [0.0, 1.0]], [[0.5, 0.4], [0.0, 1.0]], [0.5, 0.5]):
        with pytest.raises(
            DataError, match=r"^pram\.x: the transition matrix must be square, non-negative, with rows summing to 1$"
        ):
            check_matrix(bad, "pram.x")


def test_apply_transition_replays_the_cumulative_rows() -> None:
    m = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0]])
    codes = np.array([0, 1, -1, 2, 0, 0, 2])
    out = apply_transition(codes, m, np.random.default_rng(5))
    u = np.random.default_rng(5).random(6)
    cum = np.cumsum(m, axis=1)
    want = [int((ui > cum[c]).sum()) for ui, c in zip(u, [0, 1, 2, 0, 0, 2], strict=True)]
    assert out[2] == -1 and np.delete(out, 2).tolist() == want
    assert out[1] == 1  # a row with all its mass on itself never moves
    assert apply_transition(np.array([-1, -1]), m, np.random.default_rng(0)).tolist() == [-1, -1]
    # the last cumulative value is forced to 1: rounding can never push a draw past the last category
    almost = np.array([[0.3, 0.3, 0.3999999999]])
    assert apply_transition(np.zeros(2000, dtype=np.int64), almost, np.random.default_rng(6)).max() <= 2
