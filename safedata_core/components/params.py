"""Helpers for component ``Params`` models shared by the demo, bench and other callers that offer defaults."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

__all__ = ["fit_params"]


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
