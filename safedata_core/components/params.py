"""Params helpers: ``DPParams`` (the ``dp`` switch) and ``fit_params`` for callers that offer defaults."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["DPParams", "fit_params"]


class DPParams(BaseModel):
    """Base ``Params`` of a ``privacy = "dp"`` component that also offers a non-private mode.

    ``dp: true`` (the default) runs under differential privacy: the step gets a
    budget share, the base ``Synthesizer.fit`` refuses to run without one and
    every data access must be charged. ``dp: false`` makes the step spend no
    budget (the validator then refuses a ``privacy`` block on the step) and its
    output carries no DP guarantee; the report says so. Subclass it and add
    your own fields; unknown keys are refused.
    """

    model_config = ConfigDict(extra="forbid")

    dp: bool = Field(
        True,
        description="Run under differential privacy (spends the step's budget share); "
        "false: a non-private fit with no DP guarantee.",
    )


def fit_params(
    params_model: type[BaseModel], offered: dict[str, Any], extra: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The subset of ``offered`` (plus ``extra``) that ``params_model`` accepts, or ``None`` if it cannot validate.

    Offered values whose type the model rejects are dropped one by one; when a
    required field is still missing the component is not usable by the demo.
    """
    fields = params_model.model_fields
    chosen = {k: v for k, v in {**offered, **(extra or {})}.items() if k in fields}
    for _ in range(len(chosen) + 1):
        try:
            params_model.model_validate(chosen)
            return chosen
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"] and str(e["loc"][0]) in chosen}
            if not bad:
                return None
            for key in bad:
                chosen.pop(key)
    return None
