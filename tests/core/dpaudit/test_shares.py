"""Audit shares: secure noise unless a test asks for reproducible noise."""

from __future__ import annotations

import numpy as np

from safedata_core.dpaudit.shares import new_share, noise_mode


def test_default_share_is_secure_and_draws_differ_for_one_seed() -> None:
    share = new_share(1.0, 1e-6)
    assert noise_mode(share) == "secure"
    assert (share.epsilon, share.delta) == (1.0, 1e-6)
    a, b = new_share(1.0, 0.0).noise_rng(3).random(4), new_share(1.0, 0.0).noise_rng(3).random(4)
    assert not np.array_equal(a, b)


def test_reproducible_share_is_named_as_such() -> None:
    share = new_share(1.0, 0.0, noise_seed=5)
    assert noise_mode(share) == "reproducible-test"
    assert np.array_equal(share.noise_rng(5).random(3), new_share(1.0, 0.0, noise_seed=5).noise_rng(5).random(3))
