"""Random number generators for DP noise.

With ``secure=True`` the generator is seeded from the operating system's
cryptographically secure entropy source on every call, so the noise cannot be
reproduced from the pipeline seed. (Floating-point sampling attacks on the
Laplace/Gaussian samplers are out of scope here; see docs/concepts/privacy.md.)
"""

from __future__ import annotations

import secrets

import numpy as np

__all__ = ["make_noise_rng"]


def make_noise_rng(seed: int, *, secure: bool = False) -> np.random.Generator:
    """A numpy Generator for DP noise: reproducible from ``seed`` unless ``secure``."""
    if secure:
        return np.random.Generator(np.random.PCG64(secrets.randbits(128)))
    return np.random.default_rng(seed)
