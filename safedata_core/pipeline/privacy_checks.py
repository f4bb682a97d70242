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


def _require_declared(table: Table, columns: list[str], *, where: str, component: str) -> None:
    """Refuse columns whose metadata was inferred, and numeric columns without declared bounds.

    The runner's own copy of ``safedata_core.privacy.require_declared`` (contract C4), used
    until that function is available.
    """
    for name in columns:
        col = table.metadata.columns.get(name)
        if col is None or col.inferred:
            raise ComponentError(
                f"{where}: DP component '{component}' would read column '{name}', whose type was inferred "
                "from the data (that leaks under DP); declare it (type, and bounds or categories) in the "
                "metadata file named by data.metadata, or leave it out with data.columns"
            )
        if col.is_numeric and col.bounds is None:
            raise ComponentError(
                f"{where}: DP component '{component}' would read numeric column '{name}', which has no "
                "declared bounds; add bounds: [low, high] for it in the metadata file named by data.metadata"
            )


def _no_estimate(plan: PlannedStep) -> ComponentError:
    return ComponentError(
        f"step '{plan.spec.id}': synthesizer '{plan.spec.use}' gives no DP row estimate; set rows: N in the step"
    )


def check_dp_steps(resolved: ResolvedPipeline, table: Table) -> None:
    """Refuse the run before any step when a DP step would read undeclared columns or has no row count."""
    try:
        from safedata_core.privacy import require_declared  # type: ignore[attr-defined]
    except ImportError:
        require_declared = _require_declared
    for plan in dp_steps(resolved):
        require_declared(table, list(table.columns), where=f"step '{plan.spec.id}'", component=plan.spec.use)
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
