"""A plugin that adds a component kind of its own: ``Summary``, post-processing that reads only earlier releases.

Nothing in the core knows this kind: the plugin defines its base class (a
direct subclass of ``Component`` that sets ``kind`` and implements
``run_step``) and registers a component of it through ``register_components``.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from safedata_core import Component, Table, hookimpl
from safedata_core.components import Register, StepInputs, StepOutput


class Summary(Component[Any]):
    """Base class of the ``summary`` kind: describes an earlier release, never the private data."""

    kind: ClassVar[str] = "summary"
    privacy: ClassVar[Literal["none"]] = "none"
    reads_data: ClassVar[bool] = False

    @abstractmethod
    def describe(self, released: Table) -> dict[str, Any]:
        """A JSON-serialisable description of ``released``."""

    def run_step(self, inputs: StepInputs) -> StepOutput:
        SEEN.append({"data": inputs.data, "holdout": inputs.holdout, "budget": inputs.budget})
        return StepOutput(result=self.describe(inputs.source), extras={"described_rows": len(inputs.source)})


class ColumnsParams(BaseModel):
    """Which columns to count distinct values of."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    columns: list[str]


class DistinctCounts(Summary):
    """Counts the distinct values of some columns of a release.

    **Privacy guarantee**: post-processing of a release: adds no disclosure beyond it.

    **Assumptions**: the columns exist in the release.
    """

    name = "distinct_counts"
    Params = ColumnsParams

    def describe(self, released: Table) -> dict[str, Any]:
        return {c: int(released.df[c].nunique()) for c in self.params.columns}


SEEN: list[dict[str, Any]] = []


@hookimpl
def register_components(register: Register[Summary]) -> None:
    register(DistinctCounts)
