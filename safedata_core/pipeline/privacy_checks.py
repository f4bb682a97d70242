"""What the runner enforces around DP steps: declared inputs, secure noise and DP row counts.

* Before any step runs, every DP step's input columns must be declared in the
  metadata (not inferred from the data), and numeric ones need declared
  bounds: an inferred type or range is a fact about the private data, and a
  DP step that depends on it is not DP (review finding F3).
* Noise is secure (OS entropy) unless the pipeline asks for the
  reproducible-test mode.
* A DP synthesizer step without ``rows`` samples the synthesizer's own DP
  estimate of the input size (:meth:`Synthesizer.estimated_rows`), never the
  exact size, which would disclose it (finding F2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from safedata_core.components import Synthesizer
from safedata_core.errors import ComponentError
from safedata_core.privacy import require_declared

if TYPE_CHECKING:
    from safedata_core.data import Table
    from safedata_core.schema import Pipeline
    from safedata_core.schema.validate import PlannedStep, ResolvedPipeline

__all__ = ["check_dp_steps", "dp_steps", "reproducible_noise", "rows_to_sample"]


def dp_steps(resolved: ResolvedPipeline) -> list[PlannedStep]:
    """The steps that spend privacy budget."""
    return [p for p in resolved.steps if p.share is not None]


def reproducible_noise(pipeline: Pipeline) -> bool:
    """True in the reproducible-test noise mode: ``privacy.noise: reproducible-test`` or ``secure: false`` set."""
    priv = pipeline.privacy
    if priv is None:
        return False
    noise = getattr(priv, "noise", None)
    if noise is not None:
        return bool(noise == "reproducible-test")
    return "secure" in priv.model_fields_set and not priv.secure


def _columns_read(plan: PlannedStep, table: Table) -> list[str]:
    """The input columns a DP step reads: what its component declares (``columns_read``), else all of them."""
    reader = getattr(plan.info.cls, "columns_read", None) if plan.info is not None else None
    if reader is None:
        return list(table.columns)
    return [c for c in reader(plan.params, list(table.columns)) if c in table.columns]


def _no_estimate(plan: PlannedStep) -> ComponentError:
    return ComponentError(
        f"step '{plan.spec.id}': synthesizer '{plan.spec.use}' gives no DP row estimate; set rows: N in the step"
    )


def check_dp_steps(resolved: ResolvedPipeline, table: Table) -> None:
    """Refuse the run before any step when a DP step would read undeclared columns or has no row count."""
    for plan in dp_steps(resolved):
        require_declared(table, _columns_read(plan, table), where=f"step '{plan.spec.id}'", component=plan.spec.use)
        if plan.kind == "synthesizer" and plan.spec.rows is None and plan.info is not None:
            if getattr(plan.info.cls, "estimated_rows", None) is Synthesizer.estimated_rows:
                raise _no_estimate(plan)


def rows_to_sample(plan: PlannedStep, component: Any, source: Table) -> int:
    """``rows`` when the step sets it; else the DP estimate for a DP step; else the input's size."""
    if plan.spec.rows is not None:
        return plan.spec.rows
    if plan.share is None:
        return len(source)
    estimate = component.estimated_rows()
    if estimate is None:
        raise _no_estimate(plan)
    return max(1, round(float(estimate)))
