"""safedata: a plugin-based engine for privacy-preserving data release.

Public API::

    from safedata_core import Engine, hookimpl, Synthesizer, Table

Importing this package is light: no torch, no plugin imports, no I/O.
"""

from __future__ import annotations

from safedata_core.components import (
    Attack,
    AttackResult,
    Component,
    Mechanism,
    Metric,
    MetricResult,
    NoParams,
    SDCMethod,
    SDCResult,
    Synthesizer,
    wilson_interval,
)
from safedata_core.data import ColumnMeta, Metadata, Table
from safedata_core.engine import Engine
from safedata_core.errors import (
    ComponentError,
    DataError,
    PipelineValidationError,
    PluginLoadError,
    PluginRegistrationError,
    PrivacyBudgetError,
    SafedataError,
    UnknownComponentError,
)
from safedata_core.hookspecs import hookimpl, hookspec
from safedata_core.plugins import core_version
from safedata_core.privacy import Budget, BudgetShare, Ledger

__version__ = core_version()

__all__ = [
    "Attack",
    "AttackResult",
    "Budget",
    "BudgetShare",
    "ColumnMeta",
    "Component",
    "ComponentError",
    "DataError",
    "Engine",
    "Ledger",
    "Mechanism",
    "Metadata",
    "Metric",
    "MetricResult",
    "NoParams",
    "PipelineValidationError",
    "PluginLoadError",
    "PluginRegistrationError",
    "PrivacyBudgetError",
    "SDCMethod",
    "SDCResult",
    "SafedataError",
    "Synthesizer",
    "Table",
    "UnknownComponentError",
    "__version__",
    "hookimpl",
    "hookspec",
    "wilson_interval",
]
