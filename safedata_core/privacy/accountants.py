"""Accountants: compose :class:`PrivacyEvent` sequences into one (epsilon, delta).

An accountant is selected by name (``basic``, ``rdp``, ``prv``). Each answers
``epsilon(events, delta)``: the smallest epsilon it can prove for the whole
sequence at the given total delta (``inf`` when it cannot). New accountants are
added with :func:`register_accountant`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from safedata_core.errors import SafedataError
from safedata_core.privacy.budget import PrivacyEvent

__all__ = ["Accountant", "BasicAccountant", "accountant_names", "create_accountant", "register_accountant"]


class Accountant(ABC):
    """Composes privacy events. Stateless: the ledger owns the events."""

    name: ClassVar[str]

    @abstractmethod
    def epsilon(self, events: Sequence[PrivacyEvent], delta: float) -> float:
        """Smallest provable epsilon of ``events`` composed, at total ``delta``."""


class BasicAccountant(Accountant):
    """Basic (sequential) composition: epsilons add up, deltas add up."""

    name = "basic"

    def epsilon(self, events: Sequence[PrivacyEvent], delta: float) -> float:
        if sum(e.delta for e in events) > delta * (1 + 1e-12):
            return math.inf
        return float(sum(e.epsilon for e in events))


_ACCOUNTANTS: dict[str, type[Accountant]] = {"basic": BasicAccountant}


def register_accountant(cls: type[Accountant]) -> type[Accountant]:
    """Register an accountant class under ``cls.name`` (usable as a decorator)."""
    _ACCOUNTANTS[cls.name] = cls
    return cls


def accountant_names() -> list[str]:
    _load_builtin_accountants()
    return sorted(_ACCOUNTANTS)


def create_accountant(name: str) -> Accountant:
    """Return a new accountant by name; unknown names get a one-line error."""
    _load_builtin_accountants()
    try:
        return _ACCOUNTANTS[name]()
    except KeyError:
        raise SafedataError(f"unknown accountant '{name}' (choose one of: {', '.join(sorted(_ACCOUNTANTS))})") from None


def _load_builtin_accountants() -> None:
    """Import the modules that register the exact accountants (kept lazy)."""
    import importlib

    for module in ("safedata_core.privacy.rdp", "safedata_core.privacy.prv"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
