"""Where DP randomness comes from: :class:`NoiseSource`.

Every budget share carries a noise source, and every random draw a DP proof
relies on (Laplace/Gaussian noise, Poisson sampling, exponential-mechanism
draws, DP-SGD's per-sample side draws such as reparameterisation noise,
dropout masks and condition vectors) is taken from it.

* ``secure`` (the default): a ChaCha20 stream cipher (20 rounds, via
  ``randomgen``) keyed with 256 bits from the operating system's CSPRNG on
  every share. Nothing in the pipeline file or the run directory (seed
  included) lets anyone rebuild the noise.
* ``reproducible-test``: a PCG64 generator seeded from the pipeline seed. It
  exists so that tests can replay a run exactly; the report then says the
  release is **not DP** and shows no compliance badge, because the seed is
  published next to the release.

The pipeline seed keeps driving non-DP randomness (SDC swaps, sampling from a
fitted model, attack splits), so non-DP steps stay reproducible either way.
"""

from __future__ import annotations

import secrets
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = ["NoiseMode", "NoiseSource", "make_noise_rng", "secure_backend"]

NoiseMode = Literal["secure", "reproducible-test"]


def _chacha() -> Any:
    try:
        from randomgen import ChaCha
    except ImportError:  # pragma: no cover - randomgen is a core dependency
        return None
    return ChaCha


def secure_backend() -> str:
    """Name of the bit generator secure noise uses: ``chacha20`` or ``pcg64-os-entropy``."""
    return "chacha20" if _chacha() is not None else "pcg64-os-entropy"


def _secure_generator() -> np.random.Generator:
    chacha = _chacha()
    if chacha is not None:
        return np.random.Generator(chacha(seed=secrets.randbits(256), rounds=20))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(secrets.randbits(256))))


class NoiseSource:
    """The generator of one budget share's DP randomness (see the module docstring)."""

    def __init__(self, mode: NoiseMode = "secure", *, seed: int | None = None) -> None:
        if mode not in ("secure", "reproducible-test"):
            raise ValueError(f"noise mode must be 'secure' or 'reproducible-test', got {mode!r}")
        if mode == "reproducible-test" and seed is None:
            raise ValueError("the reproducible-test noise mode needs a seed")
        self.mode: NoiseMode = mode
        self._seed = seed

    @cached_property
    def generator(self) -> np.random.Generator:
        """The generator, made on first use (a share that never draws noise, such as a budget check's, never
        pays for seeding a CSPRNG); the same object on every later use."""
        if self.mode == "secure":
            return _secure_generator()
        return np.random.default_rng(np.random.SeedSequence([int(self._seed or 0), 7]))

    @classmethod
    def secure(cls) -> NoiseSource:
        """Fresh CSPRNG noise (the default for every share)."""
        return cls("secure")

    @classmethod
    def reproducible(cls, seed: int) -> NoiseSource:
        """TEST ONLY: noise replayable from ``seed``; a release made with it is not DP."""
        return cls("reproducible-test", seed=seed)

    @property
    def is_secure(self) -> bool:
        return self.mode == "secure"

    @property
    def backend(self) -> str:
        return secure_backend() if self.is_secure else "pcg64-seeded"

    def torch_generator(self) -> torch.Generator:
        """A ``torch.Generator`` seeded with 63 bits drawn from this source (for DP-SGD side draws)."""
        import torch

        gen = torch.Generator()
        gen.manual_seed(int(self.generator.integers(0, 1 << 63)))
        return gen

    def child_seed(self) -> int:
        """A 63-bit integer drawn from this source, to seed helper generators of DP randomness."""
        return int(self.generator.integers(0, 1 << 63))

    def __repr__(self) -> str:
        return f"NoiseSource(mode={self.mode!r}, backend={self.backend!r})"


def make_noise_rng(seed: int, *, secure: bool = True) -> np.random.Generator:
    """Deprecated helper: a generator for DP noise (secure unless ``secure=False``, which is test-only)."""
    return (NoiseSource.secure() if secure else NoiseSource.reproducible(seed)).generator
