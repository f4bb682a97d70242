"""pytest fixtures and hooks for safedata tests (loaded through the ``pytest11`` entry point).

Fixtures: ``tiny_table``, ``make_budget``, ``fresh_engine``. Hook: a test
marked ``reference`` (it compares with published values in shared/data) that
skips becomes a failure when ``SAFEDATA_REQUIRE_REFERENCE=1`` (CI sets it);
without it a user without the data sees a clean skip with its reason.
Kept import-light: the contract kit and the engine load only when a fixture is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

REFERENCE_MARKER = "reference"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{REFERENCE_MARKER}: compares with published reference values in shared/data "
        "(skips when absent; fails instead under SAFEDATA_REQUIRE_REFERENCE=1)",
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Turn the skip of a ``reference`` test into a failure when reference data is required."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail") or item.get_closest_marker(REFERENCE_MARKER) is None:
        return
    from safedata_core.testing.reference import REQUIRE_ENV, reference_required

    if not reference_required():
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    report.outcome = "failed"
    report.longrepr = f"reference test skipped while {REQUIRE_ENV}=1 requires it to run: {reason}"


@pytest.fixture
def tiny_table() -> Any:
    """A deterministic mixed-type table with declared public metadata."""
    from safedata_core.testing.fixtures import tiny_table as make

    return make()


@pytest.fixture
def make_budget() -> Callable[..., Any]:
    """Factory for a budget share on a fresh ledger: ``make_budget(epsilon, delta)``."""
    from safedata_core.testing.contracts import make_budget as factory

    return factory


@pytest.fixture
def fresh_engine() -> Callable[..., Any]:
    """Factory for an :class:`~safedata_core.Engine`: ``fresh_engine(autoload=False, plugins=[...])``."""
    from safedata_core.engine import Engine

    return Engine
