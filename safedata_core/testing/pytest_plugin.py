"""pytest fixtures for safedata plugin tests (loaded through the ``pytest11`` entry point).

Kept import-light: the contract kit and the engine load only when a fixture is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


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
