"""Registers a synthesizer whose name is not snake_case."""

from __future__ import annotations

from typing import Any

from safedata_core import Synthesizer, hookimpl


class ShoutingSynthesizer(Synthesizer):
    """Bad name.

    **Privacy guarantee**: none.

    **Assumptions**: none.
    """

    name = "CTGAN"
    privacy = "none"

    def fit(self, table: Any, *, budget: Any, seed: int) -> None: ...

    def sample(self, n: int, *, seed: int) -> Any: ...


@hookimpl
def register_synthesizers(register: Any) -> None:
    register(ShoutingSynthesizer)
