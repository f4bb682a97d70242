"""Pipeline schema: pydantic envelope, two-phase validation and JSON Schema export."""

from __future__ import annotations

from safedata_core.schema.pipeline import DataSpec, Pipeline, PrivacySpec, ReportSpec, StepPrivacy, StepSpec
from safedata_core.schema.validate import PlannedStep, ResolvedPipeline, load_pipeline, resolve_pipeline

__all__ = [
    "DataSpec",
    "Pipeline",
    "PlannedStep",
    "PrivacySpec",
    "ReportSpec",
    "ResolvedPipeline",
    "StepPrivacy",
    "StepSpec",
    "load_pipeline",
    "resolve_pipeline",
]
