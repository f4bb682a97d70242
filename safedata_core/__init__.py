"""safedata: a plugin-based engine for privacy-preserving data release.

Public API::

    from safedata_core import Engine, hookimpl, Synthesizer, Table

One component on one DataFrame (see docs/api.md)::

    from safedata_core.quick import Synthesizer, SDC   # also safedata_core.QuickSynthesizer / QuickSDC

    synthetic = Synthesizer("mst", epsilon=1.0, delta=1e-6, metadata="meta.yaml").fit(df).sample(1000)

``safedata_core.Synthesizer`` is the base class plugins subclass;
``QuickSynthesizer`` is the ready-to-use handle.

Importing this package is light: names are imported on first use (no pandas, no torch, no plugin
imports, no I/O until then).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
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
    from safedata_core.privacy import Budget, BudgetShare, Ledger
    from safedata_core.quick import SDC as QuickSDC
    from safedata_core.quick import Synthesizer as QuickSynthesizer

# name -> (module, attribute): imported on first use, so ``import safedata_core`` (and the CLI) stays fast
_LAZY: dict[str, tuple[str, str]] = {
    "confirm_metadata": ("safedata_core.own_data", "confirm_metadata"),
    "draft_metadata": ("safedata_core.own_data", "draft_metadata"),
    **{
        n: ("safedata_core.components", n)
        for n in (
            "Attack",
            "AttackResult",
            "Component",
            "Mechanism",
            "Metric",
            "MetricResult",
            "NoParams",
            "SDCMethod",
            "SDCResult",
            "Synthesizer",
            "wilson_interval",
        )
    },
    **{n: ("safedata_core.data", n) for n in ("ColumnMeta", "Metadata", "Table")},
    "Engine": ("safedata_core.engine", "Engine"),
    **{n: ("safedata_core.privacy", n) for n in ("Budget", "BudgetShare", "Ledger")},
    "QuickSDC": ("safedata_core.quick", "SDC"),
    "QuickSynthesizer": ("safedata_core.quick", "Synthesizer"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'safedata_core' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
    "QuickSDC",
    "QuickSynthesizer",
    "SDCMethod",
    "SDCResult",
    "SafedataError",
    "Synthesizer",
    "Table",
    "UnknownComponentError",
    "__version__",
    "confirm_metadata",
    "draft_metadata",
    "hookimpl",
    "hookspec",
    "wilson_interval",
]
