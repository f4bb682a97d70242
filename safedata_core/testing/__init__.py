"""Test kit for plugin authors: contract classes and tiny tables.

Exposed to every plugin's pytest run through the ``pytest11`` entry point
(fixtures ``tiny_table``, ``make_budget``, ``fresh_engine``).
"""

from __future__ import annotations

from safedata_core.testing.contracts import (
    AttackContract,
    ComponentContract,
    MechanismContract,
    MetricContract,
    SDCContract,
    SynthesizerContract,
    make_budget,
)
from safedata_core.testing.fixtures import tiny_metadata, tiny_table

__all__ = [
    "AttackContract",
    "ComponentContract",
    "MechanismContract",
    "MetricContract",
    "SDCContract",
    "SynthesizerContract",
    "make_budget",
    "tiny_metadata",
    "tiny_table",
]
