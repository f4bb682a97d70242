"""Records lifecycle hook calls and overrides read_table for the 'memory:' scheme."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from safedata_core import Table, hookimpl

CALLS: list[tuple[str, str]] = []
CONFIGS: list[Any] = []


@hookimpl
def configure(config: Any) -> None:
    CONFIGS.append(config)


@hookimpl
def before_step(step: Any, context: Any) -> None:
    CALLS.append(("before", step.id))


@hookimpl
def after_step(step: Any, outcome: Any, context: Any) -> None:
    CALLS.append(("after", step.id))


@hookimpl
def on_step_error(step: Any, error: BaseException, context: Any) -> None:
    CALLS.append(("error", step.id))


@hookimpl
def read_table(source: str, options: Mapping[str, object]) -> Table | None:
    if not source.startswith("memory:"):
        return None
    n = int(source.split(":", 1)[1])
    return Table.from_dataframe(pd.DataFrame({"x": range(n), "g": ["a", "b"] * (n // 2) + ["a"] * (n % 2)}))
