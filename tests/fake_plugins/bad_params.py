"""Registers a synthesizer whose Params accept unknown keys (extra='forbid' is missing)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from safedata_core import Synthesizer, hookimpl


class LooseParams(BaseModel):
    epochs: int = 1


class LooseSynthesizer(Synthesizer):
    """Has loose Params.

    **Privacy guarantee**: none.

    **Assumptions**: none.
    """

    name = "loose"
    privacy = "none"
    Params = LooseParams

    def fit(self, table: Any, *, budget: Any, seed: int) -> None: ...

    def sample(self, n: int, *, seed: int) -> Any: ...


@hookimpl
def register_synthesizers(register: Any) -> None:
    register(LooseSynthesizer)
