"""The pipeline envelope: pydantic models for a pipeline file (phase one of validation).

Phase two (each step's ``params`` against its component's ``Params``, step
references and budget shares) needs the registry and lives in
:mod:`safedata_core.schema.validate`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_ID = "https://safedata.dev/schemas/pipeline.schema.json"
STEP_ID_PATTERN = r"^[a-z][a-z0-9_]*$"

__all__ = ["DataSpec", "Pipeline", "PrivacySpec", "ReportSpec", "StepPrivacy", "StepSpec"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataSpec(_Strict):
    """Where the input table comes from."""

    source: str = Field(description="Path to a CSV/Parquet file (relative to the pipeline file) or builtin:NAME.")
    metadata: str | None = Field(None, description="Metadata YAML/JSON file; inferred from the data when absent.")
    holdout: str | float | None = Field(
        None,
        description=(
            "Real rows kept out of every release, used as the attacks' control set and the "
            "metrics' test set: a fraction in (0, 1) split off at random, or a path / builtin:NAME."
        ),
    )
    columns: list[str] | None = Field(None, description="Use only these columns.")
    keep_direct_identifiers: bool = Field(
        False, description="Keep columns whose role is direct_identifier (the report flags it)."
    )

    @model_validator(mode="after")
    def _check_holdout(self) -> DataSpec:
        if isinstance(self.holdout, float) and not 0 < self.holdout < 1:
            raise ValueError("holdout fraction must be between 0 and 1 (e.g. 0.2)")
        return self


class PrivacySpec(_Strict):
    """The run's total privacy budget."""

    epsilon: float = Field(gt=0, description="Total epsilon for all DP steps together.")
    delta: float = Field(1e-6, ge=0, lt=1, description="Total delta for all DP steps together.")
    accountant: Literal["rdp", "prv", "basic"] = Field("rdp", description="How charges are composed.")
    secure: bool = Field(False, description="Draw DP noise from a cryptographically secure generator.")


class StepPrivacy(_Strict):
    """A step's share of the total budget."""

    epsilon: float = Field(gt=0)
    delta: float = Field(0.0, ge=0, lt=1)


class StepSpec(_Strict):
    """One pipeline step: a component (``use``), what it reads and its params."""

    id: str = Field(pattern=STEP_ID_PATTERN, description="Unique step id; names released/<id>.csv.")
    use: str = Field(description="Registered component name (see 'safedata plugins').")
    input: str = Field("data", description="Table the step reads: 'data' or an earlier step's id.")
    target: str | None = Field(
        None,
        description=(
            "Attacks and metrics: the id of the released table to evaluate (default: the last "
            "release). SDC methods: 'all' (default) or 'rare' to treat only records in rare "
            "quasi-identifier combinations found by the profile step."
        ),
    )
    privacy: StepPrivacy | None = Field(None, description="DP steps: this step's budget share.")
    rows: int | None = Field(None, gt=0, description="Synthesizers: rows to sample (default: input size).")
    release: bool | None = Field(
        None, description="Write this step's table to released/ (default: true for releasing steps)."
    )
    params: dict[str, Any] = Field(default_factory=dict, description="Component parameters.")


ReportFormat = Literal["json", "html"]
ReleaseFormat = Literal["csv", "parquet"]


def _default_report_formats() -> list[ReportFormat]:
    return ["json", "html"]


def _default_release_formats() -> list[ReleaseFormat]:
    return ["csv"]


class ReportSpec(_Strict):
    """What the run writes as its report."""

    formats: list[ReportFormat] = Field(default_factory=_default_report_formats)
    release_formats: list[ReleaseFormat] = Field(default_factory=_default_release_formats)
    thresholds: dict[str, float] = Field(
        default_factory=dict, description="Verdict thresholds, e.g. {max_risk: 0.1, min_utility: 0.8}."
    )


class Pipeline(_Strict):
    """A safedata pipeline (schema version 1)."""

    version: Literal[1] = Field(1, description="Pipeline schema version.")
    name: str = Field("pipeline", description="A name for the run.")
    requires: list[str] = Field(
        default_factory=list, description="PEP 508 requirements on plugins, e.g. 'safedata-ctgan>=0.1'."
    )
    data: DataSpec
    privacy: PrivacySpec | None = None
    steps: list[StepSpec] = Field(min_length=1)
    report: ReportSpec = Field(default_factory=ReportSpec)
    seed: int = Field(0, ge=0, description="Seed for every random component.")


def pipeline_json_schema() -> dict[str, Any]:
    """The envelope's JSON Schema, with ``$id`` and ``schema_version``."""
    schema = Pipeline.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, "schema_version": 1, **schema}
