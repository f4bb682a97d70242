"""Noise sources: secure by default and fresh, test-only replay mode, backends, torch generators."""

from __future__ import annotations

import numpy as np
import pytest

from safedata_core.privacy import NoiseSource, noise
from safedata_core.testing.contracts import make_budget


def test_secure_is_the_default_and_fresh() -> None:
    a, b = NoiseSource(), NoiseSource.secure()
    assert a.mode == "secure" and a.is_secure
    assert not np.array_equal(a.generator.normal(size=5), b.generator.normal(size=5))
    share = make_budget()
    assert share.secure
    # the deprecated seeded accessor ignores the seed: two calls with the same seed give different draws
    assert not np.array_equal(share.noise_rng(1).laplace(size=4), share.noise_rng(1).laplace(size=4))
    assert not np.array_equal(make_budget().noise_rng(1).random(4), make_budget().noise_rng(1).random(4))


def test_reproducible_mode_is_test_only_and_replays() -> None:
    a, b = NoiseSource.reproducible(7), NoiseSource.reproducible(7)
    assert a.mode == "reproducible-test" and not a.is_secure and a.backend == "pcg64-seeded"
    np.testing.assert_array_equal(a.generator.normal(size=5), b.generator.normal(size=5))
    # the replay stream is not the plain default_rng(seed) stream a reader of the seed would try first
    assert not np.array_equal(NoiseSource.reproducible(7).generator.random(5), np.random.default_rng(7).random(5))
    with pytest.raises(ValueError, match="seed"):
        NoiseSource("reproducible-test")
    with pytest.raises(ValueError, match="mode"):
        NoiseSource("fast")  # type: ignore[arg-type]


def test_fallback_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(noise, "_chacha", lambda: None)
    assert noise.secure_backend() == "pcg64-os-entropy"
    g = NoiseSource.secure().generator
    assert isinstance(g.bit_generator, np.random.PCG64)
    assert abs(g.normal(size=20_000).std() - 1) < 0.05


def test_chacha_backend() -> None:
    assert noise.secure_backend() == "chacha20"
    g = NoiseSource.secure().generator
    assert type(g.bit_generator).__name__ == "ChaCha"
    assert abs(g.normal(size=20_000).std() - 1) < 0.05


def test_torch_generator_is_seeded_from_the_source() -> None:
    torch = pytest.importorskip("torch", reason="torch is installed with the deep-learning plugins only")
    a, b = NoiseSource.secure().torch_generator(), NoiseSource.secure().torch_generator()
    assert not torch.equal(torch.rand(4, generator=a), torch.rand(4, generator=b))
    c, d = NoiseSource.reproducible(1).torch_generator(), NoiseSource.reproducible(1).torch_generator()
    assert torch.equal(torch.rand(4, generator=c), torch.rand(4, generator=d))
