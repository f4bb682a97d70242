"""Test kit for plugin authors: contract classes, tiny tables, budgets and statistical assertions.

Exposed to every plugin's pytest run through the ``pytest11`` entry point
(fixtures ``tiny_table``, ``make_budget``, ``fresh_engine``; the ``reference``
marker's hook). See docs/testing.md for every contract check.
"""

from __future__ import annotations

from safedata_core.testing.budgets import make_budget, noise_mode
from safedata_core.testing.contracts import (
    AttackContract,
    ComponentContract,
    MechanismContract,
    MetricContract,
    SDCContract,
    SynthesizerContract,
)
from safedata_core.testing.fixtures import tiny_metadata, tiny_table
from safedata_core.testing.reference import reference_path
from safedata_core.testing.stats import assert_noise_variance, expected_noise_variance

__all__ = [
    "AttackContract",
    "ComponentContract",
    "MechanismContract",
    "MetricContract",
    "SDCContract",
    "SynthesizerContract",
    "assert_noise_variance",
    "expected_noise_variance",
    "make_budget",
    "noise_mode",
    "reference_path",
    "tiny_metadata",
    "tiny_table",
]
