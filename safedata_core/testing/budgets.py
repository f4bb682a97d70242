"""Budget shares for tests and audits: secure noise by default, reproducible noise only on request.

:func:`make_budget` returns a :class:`~safedata_core.privacy.BudgetShare` on a
fresh ledger. Its DP noise is secure (drawn from OS entropy, never from the
fit's seed) unless ``noise_seed`` is given, in which case it is reproducible
(for tests that compare two fits, never for a release).

Two noise interfaces are supported: the ``BudgetShare.noise`` object
(:class:`~safedata_core.privacy.NoiseSource`, secure by default, with
``NoiseSource.reproducible(seed)``) and, where that does not exist yet, the
older ``BudgetShare.secure`` switch read by ``BudgetShare.noise_rng(seed)``.
"""

from __future__ import annotations

from typing import Any

from safedata_core.privacy import Budget, Ledger

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
    ledger = Ledger(Budget(epsilon, delta), accountant=accountant)
    share = ledger.share(step, component, Budget(epsilon, delta))
    _set_noise(share, noise_seed)
    return share


def _set_noise(share: Any, noise_seed: int | None) -> None:
    from safedata_core import privacy

    source_cls = getattr(privacy, "NoiseSource", None)
    if source_cls is not None:
        if noise_seed is not None:
            share.noise = source_cls.reproducible(noise_seed)
        return
    # older interface: ``noise_rng(seed)`` reads the ``secure`` switch and, when off, seeds from the fit's seed
    share.secure = noise_seed is None


def noise_mode(share: Any) -> str:
    """``"secure"`` or ``"reproducible-test"``: how the share draws its DP noise."""
    noise = getattr(share, "noise", None)
    if noise is not None and hasattr(noise, "mode"):
        return str(noise.mode)
    return "secure" if getattr(share, "secure", False) else "reproducible-test"
