"""Budget shares for tests: secure noise by default, reproducible noise only on request.

:func:`make_budget` returns a :class:`~safedata_core.privacy.BudgetShare` on a
fresh ledger. Its DP noise is secure (never derived from the fit's seed)
unless ``noise_seed`` is given, in which case it is reproducible (for tests
that compare two fits, never for a release). The same helper serves the
empirical audit (:func:`safedata_core.dpaudit.shares.new_share`).
"""

from __future__ import annotations

from typing import Any

from safedata_core.dpaudit.shares import new_share, noise_mode

__all__ = ["make_budget", "noise_mode"]


def make_budget(
    epsilon: float = 1.0,
    delta: float = 1e-5,
    *,
    step: str = "test",
    component: str = "test",
    accountant: str = "rdp",
    noise_seed: int | None = None,
) -> Any:
    """A fresh ledger with one step share of (epsilon, delta); returns the share.

    ``noise_seed=None`` (default): secure noise. An integer: reproducible noise
    from that seed, for tests that need two identical fits.
    """
    return new_share(epsilon, delta, step=step, component=component, accountant=accountant, noise_seed=noise_seed)
