"""Budget shares for audited fits: secure DP noise by default, reproducible noise only for tests.

Supports the ``BudgetShare.noise`` interface (a
:class:`~safedata_core.privacy.NoiseSource`, secure by default, with
``NoiseSource.reproducible(seed)``) and, where it does not exist yet, the older
``BudgetShare.secure`` switch read by ``BudgetShare.noise_rng(seed)``.
"""

from __future__ import annotations

from typing import Any

from safedata_core.privacy import Budget, Ledger, NoiseSource

__all__ = ["new_share", "noise_mode"]


def new_share(
    epsilon: float,
    delta: float,
    *,
    step: str = "audit",
    component: str = "audit",
    accountant: str = "rdp",
    noise_seed: int | None = None,
) -> Any:
    """A fresh ledger with one step share of (epsilon, delta); secure noise unless ``noise_seed`` is given."""
    ledger = Ledger(Budget(epsilon, delta), accountant=accountant)
    share = ledger.share(step, component, Budget(epsilon, delta))
    if noise_seed is not None:
        share.noise = NoiseSource.reproducible(noise_seed)  # TEST ONLY: replayable noise, not DP
    return share


def noise_mode(share: Any) -> str:
    """``"secure"`` or ``"reproducible-test"``: how ``share`` draws its DP noise."""
    noise = getattr(share, "noise", None)
    if noise is not None and hasattr(noise, "mode"):
        return str(noise.mode)
    return "secure" if getattr(share, "secure", False) else "reproducible-test"
