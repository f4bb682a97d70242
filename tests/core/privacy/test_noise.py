"""Noise generators: seeded reproducibility, secure mode ignores the seed, backends are valid generators."""

from __future__ import annotations

import numpy as np
import pytest

from safedata_core.privacy import noise
from safedata_core.testing.contracts import make_budget


def test_seeded_is_reproducible() -> None:
    a = noise.make_noise_rng(7).normal(size=5)
    np.testing.assert_array_equal(a, noise.make_noise_rng(7).normal(size=5))


def test_secure_ignores_seed_and_is_fresh() -> None:
    a = noise.make_noise_rng(7, secure=True).normal(size=5)
    b = noise.make_noise_rng(7, secure=True).normal(size=5)
    assert not np.array_equal(a, b)
    share = make_budget()
    share.secure = True
    assert not np.array_equal(share.noise_rng(1).laplace(size=4), share.noise_rng(1).laplace(size=4))


def test_fallback_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(noise, "_chacha", lambda: None)
    assert noise.secure_backend() == "pcg64-os-entropy"
    g = noise.make_noise_rng(0, secure=True)
    assert isinstance(g.bit_generator, np.random.PCG64)
    assert abs(g.normal(size=20_000).std() - 1) < 0.05


def test_chacha_backend_when_available() -> None:
    pytest.importorskip("randomgen", reason="optional randomgen (ChaCha20 CSPRNG) is not installed")
    assert noise.secure_backend() == "chacha20"
    g = noise.make_noise_rng(0, secure=True)
    assert type(g.bit_generator).__name__ == "ChaCha"
    assert abs(g.normal(size=20_000).std() - 1) < 0.05
