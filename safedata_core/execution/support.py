"""Which steps run on Dask: components declare it with the ``supports_dask`` trait; the others are refused.

Checked before any step runs, with one line naming the step, the components
that do run on Dask, and the local engine as the other way out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from safedata_core.errors import ComponentError, DataError

if TYPE_CHECKING:
    from safedata_core.components import Component
    from safedata_core.schema.validate import ResolvedPipeline

__all__ = ["require_dask_support"]


def require_dask_support(
    resolved: ResolvedPipeline, classes: Mapping[str, type[Component]], available: Iterable[type[Component]] = ()
) -> None:
    """Refuse a Dask run with a step whose component does not declare ``supports_dask``."""
    for plan in resolved.steps:
        cls = classes[plan.spec.id]
        if cls.supports_dask:
            continue
        ok = sorted({c.name for c in [*available, *classes.values()] if c.supports_dask})
        alternatives = f"components that run on Dask: {', '.join(ok)}" if ok else "no installed component runs on Dask"
        raise ComponentError(
            f"step '{plan.spec.id}' ({plan.spec.use}) does not run on Dask ({alternatives}); use one of them, "
            "or run locally (execution: {engine: local}, without --dask)"
        )
    if resolved.pipeline.data.holdout is not None:
        raise DataError(
            "data.holdout is not supported on Dask (split the holdout into its own file and evaluate locally, "
            "or run locally)"
        )
