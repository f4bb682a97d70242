"""fit_params: the subset of offered values a component's Params accepts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from safedata_core.components.params import fit_params


def test_fit_params_keeps_what_the_model_accepts() -> None:
    class P(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)
        k: int = Field(2, description="k")
        label: str = Field(description="label")
        columns: list[str] | None = Field(None, description="cols")

    assert fit_params(P, {"k": 5, "label": "income", "hierarchies": {}}) == {"k": 5, "label": "income"}
    assert fit_params(P, {"k": "five", "label": "income"}) == {"label": "income"}
    assert fit_params(P, {"k": 5}) is None  # the required label is not offered
