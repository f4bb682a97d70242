"""The pipeline envelope: pydantic models for a pipeline file (phase one of validation).

Phase two (each step's ``params`` against its component's ``Params``, step
references and budget shares) needs the registry and lives in
:mod:`safedata_core.schema.validate`.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

SCHEMA_ID = "https://safedata.dev/schemas/pipeline.schema.json"
STEP_ID_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
# a run folder is named after the pipeline: no '/', no '..', no control characters, no leading dot
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
# marks a component Params field whose values are file paths (resolved against the pipeline file's folder)
PATH_FIELD: dict[str, Any] = {"x-safedata-path": True}

NoiseMode = Literal["secure", "reproducible-test"]

__all__ = [
    "NAME_PATTERN",
    "PATH_FIELD",
    "STEP_ID_PATTERN",
    "DataSpec",
    "ExecutionSpec",
    "FiniteReal",
    "NoiseMode",
    "Pipeline",
    "PrivacySpec",
    "ReportSpec",
    "StepPrivacy",
    "StepSpec",
]


def _real_number(value: Any) -> Any:
    """A number written as a number: not a boolean, not a string, finite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number such as 1.0, not {type(value).__name__} {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {value}")
    if isinstance(value, int) and abs(value) > 2**1023:
        raise ValueError("is too large to be a real number")
    return value


def _whole_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number, not {type(value).__name__} {value!r}")
    return value


FiniteReal = Annotated[float, BeforeValidator(_real_number)]
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]


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

    epsilon: FiniteReal = Field(gt=0, description="Total epsilon for all DP steps together (a finite number > 0).")
    delta: FiniteReal = Field(1e-6, ge=0, lt=1, description="Total delta for all DP steps together.")
    accountant: Literal["rdp", "prv", "basic"] = Field("rdp", description="How charges are composed.")
    noise: NoiseMode = Field(
        "secure",
        description=(
            "Where DP noise comes from: 'secure' (a CSPRNG keyed from OS entropy, the default) or "
            "'reproducible-test' (derived from the published seed: for tests only, the report says 'not DP')."
        ),
    )
    secure: bool | None = Field(
        None,
        description="Deprecated alias of noise: true means noise: secure, false means noise: reproducible-test.",
        json_schema_extra={"deprecated": True},
    )

    @model_validator(mode="before")
    @classmethod
    def _secure_alias(cls, data: Any) -> Any:
        """Map the deprecated ``secure`` onto ``noise`` and keep the two consistent."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        secure = data.get("secure")
        if secure is not None and not isinstance(secure, bool):
            raise ValueError("secure must be true or false (better: noise: secure | reproducible-test)")
        if isinstance(secure, bool):
            implied = "secure" if secure else "reproducible-test"
            if data.get("noise", implied) != implied:
                raise ValueError(
                    f"secure: {str(secure).lower()} contradicts noise: {data['noise']} (remove the deprecated secure)"
                )
            data["noise"] = implied
        data["secure"] = data.get("noise", "secure") == "secure"
        return data


class StepPrivacy(_Strict):
    """A step's share of the total budget."""

    epsilon: FiniteReal = Field(gt=0)
    delta: FiniteReal | None = Field(
        None,
        ge=0,
        lt=1,
        description="The step's delta; default: an equal part of the total delta that no step names.",
    )


class StepSpec(_Strict):
    """One pipeline step: a component (``use``), what it reads and its params."""

    id: str = Field(
        pattern=STEP_ID_PATTERN,
        description="Unique step id (lower-case letters, digits, '_'; at most 64); names release/<id>.csv.",
    )
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
    rows: WholeNumber | None = Field(None, gt=0, description="Synthesizers: rows to sample (default: input size).")
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
    thresholds: dict[str, FiniteReal] = Field(
        default_factory=dict, description="Verdict thresholds, e.g. {max_risk: 0.1, min_utility: 0.8}."
    )


class ExecutionSpec(_Strict):
    """Where the run computes: local pandas (the default) or a Dask cluster (see docs/concepts/scale.md)."""

    engine: Literal["local", "dask"] = Field("local", description="'local' (pandas in this process) or 'dask'.")
    address: str | None = Field(
        None,
        description="Dask scheduler address (tcp://host:8786) or 'local' for a LocalCluster (default: 'local').",
    )
    partitions: WholeNumber | None = Field(
        None, gt=0, description="Dask: repartition the input into this many partitions (default: as read)."
    )

    @model_validator(mode="after")
    def _dask_only(self) -> ExecutionSpec:
        if self.engine == "local" and (self.address is not None or self.partitions is not None):
            raise ValueError("address and partitions need engine: dask (or remove them)")
        return self


class Pipeline(_Strict):
    """A safedata pipeline (schema version 1)."""

    version: Literal[1] = Field(1, description="Pipeline schema version.")
    name: str = Field(
        "pipeline",
        pattern=NAME_PATTERN,
        description="A name for the run (letters, digits, '.', '_', '-'; names the run folder runs/<name>-<time>).",
    )
    requires: list[str] = Field(
        default_factory=list, description="PEP 508 requirements on plugins, e.g. 'safedata-ctgan>=0.1'."
    )
    data: DataSpec
    privacy: PrivacySpec | None = None
    steps: list[StepSpec] = Field(min_length=1)
    report: ReportSpec = Field(default_factory=ReportSpec)
    execution: ExecutionSpec = Field(
        default_factory=ExecutionSpec, description="Local pandas (default) or a Dask cluster for large tables."
    )
    seed: WholeNumber = Field(
        0, ge=0, lt=2**63, description="Seed for every non-DP random choice (published; never drives DP noise)."
    )

    @field_validator("name")
    @classmethod
    def _no_dot_dot(cls, value: str) -> str:
        if ".." in value:
            raise ValueError("must not contain '..' (the name becomes a folder name)")
        return value


def pipeline_json_schema() -> dict[str, Any]:
    """The envelope's JSON Schema, with ``$id`` and ``schema_version``."""
    schema = Pipeline.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, "schema_version": 1, **schema}
