"""Running a validated pipeline: context, runner and run-directory writer."""

from __future__ import annotations

from safedata_core.pipeline.context import RunContext, StepOutcome
from safedata_core.pipeline.runner import RunResult, run_pipeline

__all__ = ["RunContext", "RunResult", "StepOutcome", "run_pipeline"]
