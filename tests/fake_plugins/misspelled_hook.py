"""A plugin with a misspelled hook name (register_synthesiser, British -s- and no final s)."""

from __future__ import annotations

from typing import Any

from safedata_core import hookimpl


@hookimpl
def register_synthesiser(register: Any) -> None:
    pass
