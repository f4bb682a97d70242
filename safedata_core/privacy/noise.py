"""Random number generators for DP noise.

``secure=False`` (the default, for experiments): a PCG64 generator seeded from
the pipeline seed, so runs are reproducible; the report warns about it.

``secure=True`` (for real releases): the seed is ignored and fresh entropy is
taken from the operating system's CSPRNG (``secrets``) on every call, so the
noise cannot be reproduced from anything in the pipeline file. When the
optional ``randomgen`` package is installed the bit stream itself is
cryptographic (ChaCha20, as opacus's secure mode uses a CSPRNG); otherwise it
is PCG64 seeded with 256 OS-entropy bits, which is unpredictable from the
outside but not a CSPRNG if raw draws were ever exposed. :func:`secure_backend`
says which one is in use, for the report.

Floating-point attacks on textbook Laplace/Gaussian samplers (Mironov 2012)
are out of scope of this switch; for counts, the ``geometric`` mechanism
samples exact integers and avoids them. See docs/concepts/privacy.md.
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np

__all__ = ["make_noise_rng", "secure_backend"]


def _chacha() -> Any:
    try:
        from randomgen import ChaCha
    except ImportError:
        return None
    return ChaCha


def secure_backend() -> str:
    """Name of the bit generator ``secure=True`` uses: ``chacha20`` or ``pcg64-os-entropy``."""
    return "chacha20" if _chacha() is not None else "pcg64-os-entropy"


def make_noise_rng(seed: int, *, secure: bool = False) -> np.random.Generator:
    """A numpy Generator for DP noise: reproducible from ``seed`` unless ``secure``."""
    if not secure:
        return np.random.default_rng(seed)
    chacha = _chacha()
    if chacha is not None:
        return np.random.Generator(chacha(seed=secrets.randbits(256), rounds=20))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(secrets.randbits(256))))
