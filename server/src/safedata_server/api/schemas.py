"""Request bodies of the API (the tutorial's field names; extra fields are kept for the component)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class SDCPostProcessing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    use: str = Field(description="An installed SDC method (safedata plugins: kind sdc), e.g. noise, mdav, pram.")
    params: dict[str, Any] = Field(default_factory=dict, description="The SDC method's parameters.")


class GenerateRequest(_Open):
    generator_type: str = Field(description="dp-ctgan, dp-tvae, ctgan, tvae, ... or an installed synthesizer name")
    num_rows: int | None = Field(None, gt=0, description="Rows to generate (default: the component's choice).")
    epochs: int | None = Field(None, gt=0)
    batch_size: int | None = Field(None, gt=0)
    target_epsilon: float | None = Field(None, gt=0, description="Epsilon of this generation (DP generators).")
    target_delta: float | None = Field(None, ge=0, lt=1, description="Delta (default 1e-6, capped by the budget).")
    max_grad_norm: float | None = Field(None, gt=0)
    params: dict[str, Any] = Field(default_factory=dict, description="Further component parameters.")
    seed: int | None = None
    sdc: SDCPostProcessing | None = Field(
        None, description="SDC applied to the synthetic output only (post-processing: the DP guarantee is kept)."
    )


class ValidateConfigRequest(GenerateRequest):
    dataset_id: str


class ComplianceRequest(BaseModel):
    framework: Literal["HIPAA", "GDPR", "CCPA", "hipaa", "gdpr", "ccpa"] = "GDPR"


class KeyRequest(BaseModel):
    name: str = "key"
    role: Literal["admin", "steward", "analyst"]


class ProjectRequest(BaseModel):
    name: str


class BudgetRequest(BaseModel):
    epsilon: float = Field(gt=0)
    delta: float = Field(ge=0, lt=1)


class EvaluationRunRequest(BaseModel):
    generator_id: str
    metrics: list[str] | None = None
    params: dict[str, Any] = Field(default_factory=dict)
