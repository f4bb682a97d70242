"""Accountant registry and basic composition: exact sums, the delta edge, registration, one-line errors."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import pytest

from safedata_core.errors import SafedataError
from safedata_core.privacy import PrivacyEvent, accountant_names, create_accountant, register_accountant
from safedata_core.privacy import accountants as acc


def test_builtin_names() -> None:
    assert accountant_names() == ["basic", "prv", "rdp"]
    assert type(create_accountant("basic")).__name__ == "BasicAccountant"
    assert type(create_accountant("rdp")).__name__ == "RDPAccountant"


def test_basic_adds_epsilons_and_refuses_deltas_beyond_the_total() -> None:
    basic = create_accountant("basic")
    events = [PrivacyEvent("pure", 0.25), PrivacyEvent("approx", 0.5, 3e-6), PrivacyEvent("approx", 0.125, 2e-6)]
    assert basic.epsilon(events, 5e-6) == 0.875  # deltas sum exactly to the total: still payable
    assert basic.epsilon(events, 5e-6 * (1 - 1e-9)) == math.inf
    assert basic.epsilon([], 0.0) == 0.0
    assert isinstance(basic.epsilon([PrivacyEvent("pure", 1)], 0.0), float)


def test_unknown_accountant_names_the_choices() -> None:
    with pytest.raises(SafedataError, match=r"^unknown accountant 'moments' \(choose one of: basic, prv, rdp\)$"):
        create_accountant("moments")


@pytest.fixture
def restore_registry() -> Iterator[None]:
    saved = dict(acc._ACCOUNTANTS)
    yield
    acc._ACCOUNTANTS.clear()
    acc._ACCOUNTANTS.update(saved)


@pytest.mark.usefixtures("restore_registry")
def test_register_accountant_makes_it_creatable_by_name() -> None:
    class Doubling(acc.Accountant):
        name = "doubling"

        def epsilon(self, events: Sequence[PrivacyEvent], delta: float) -> float:
            return 2.0 * sum(e.epsilon for e in events)

    assert register_accountant(Doubling) is Doubling
    assert "doubling" in accountant_names()
    made = create_accountant("doubling")
    assert isinstance(made, Doubling) and made.epsilon([PrivacyEvent("pure", 0.5)], 0.0) == 1.0


def test_missing_optional_accountant_module_is_skipped_but_other_import_errors_surface(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    real = importlib.import_module

    def fake(name: str, package: str | None = None):  # type: ignore[no-untyped-def]
        if name == "safedata_core.privacy.prv":
            raise ModuleNotFoundError("no prv", name="safedata_core.privacy.prv")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", fake)
    acc._load_builtin_accountants()  # the accountant module itself is missing: skipped quietly

    def broken(name: str, package: str | None = None):  # type: ignore[no-untyped-def]
        if name == "safedata_core.privacy.prv":
            raise ModuleNotFoundError("no dp_accounting", name="dp_accounting")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", broken)
    with pytest.raises(ModuleNotFoundError, match="dp_accounting"):
        acc._load_builtin_accountants()
