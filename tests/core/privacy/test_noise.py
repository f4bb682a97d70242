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


def test_the_generator_is_made_on_first_use_and_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[np.random.Generator] = []
    real = noise._secure_generator

    def counting() -> np.random.Generator:
        made.append(real())
        return made[-1]

    monkeypatch.setattr(noise, "_secure_generator", counting)
    source = NoiseSource.secure()
    share = make_budget()  # a ledger share (a budget check) that never draws noise seeds nothing
    assert made == [] and share.secure
    first = source.generator
    assert made == [first] and source.generator is first and source.torch_generator() is not None
    assert len(made) == 1  # every later draw uses the same generator
    replay = NoiseSource.reproducible(3)
    assert replay.generator is replay.generator and len(made) == 1  # the test stream never seeds a CSPRNG


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


@pytest.mark.slow  # statistical/property test: CI runs it; mutation runs use the exact tests
def test_torch_generator_is_seeded_from_the_source() -> None:
    torch = pytest.importorskip("torch", reason="torch is installed with the deep-learning plugins only")
    a, b = NoiseSource.secure().torch_generator(), NoiseSource.secure().torch_generator()
    assert not torch.equal(torch.rand(4, generator=a), torch.rand(4, generator=b))
    c, d = NoiseSource.reproducible(1).torch_generator(), NoiseSource.reproducible(1).torch_generator()
    assert torch.equal(torch.rand(4, generator=c), torch.rand(4, generator=d))


def _replay(seed: int) -> np.random.Generator:
    """The documented reproducible-test stream, rebuilt independently: PCG64 from SeedSequence([seed, 7])."""
    return np.random.default_rng(np.random.SeedSequence([seed, 7]))


def test_reproducible_stream_and_child_seeds_are_exact() -> None:
    src = NoiseSource.reproducible(11)
    assert src.child_seed() == int(_replay(11).integers(0, 1 << 63))
    ref = _replay(11)
    ref.integers(0, 1 << 63)
    np.testing.assert_array_equal(src.generator.random(3), ref.random(3))
    seeds = [NoiseSource.reproducible(s).child_seed() for s in range(40)]
    assert all(0 <= s < 1 << 63 for s in seeds) and max(seeds) > 1 << 60  # the full 63-bit range is used
    assert repr(src) == "NoiseSource(mode='reproducible-test', backend='pcg64-seeded')"
    # seed 0 is a valid test seed, not "no seed"
    assert NoiseSource.reproducible(0).child_seed() == int(_replay(0).integers(0, 1 << 63))


def test_secure_generator_is_chacha20_with_a_fresh_key() -> None:
    a, b = NoiseSource.secure(), NoiseSource.secure()
    assert a.backend == "chacha20" and repr(a) == "NoiseSource(mode='secure', backend='chacha20')"
    state = a.generator.bit_generator.state["state"]
    assert state["rounds"] == 20
    assert not np.array_equal(state["keysetup"], b.generator.bit_generator.state["state"]["keysetup"])
    assert a.child_seed() != b.child_seed()


def test_make_noise_rng_is_secure_unless_asked_for_the_test_stream() -> None:
    g = noise.make_noise_rng(3)
    assert type(g.bit_generator).__name__ == "ChaCha"
    assert not np.array_equal(g.random(4), noise.make_noise_rng(3).random(4))
    np.testing.assert_array_equal(noise.make_noise_rng(3, secure=False).random(4), _replay(3).random(4))


def test_torch_generator_seed_is_the_next_63_bit_draw() -> None:
    pytest.importorskip("torch", reason="torch is installed with the deep-learning plugins only")
    gen = NoiseSource.reproducible(2).torch_generator()
    assert gen.initial_seed() == int(_replay(2).integers(0, 1 << 63))
