"""``Component``: what every synthesizer, mechanism, SDC method, attack and metric shares.

A component is a class. Its metadata lives on the class (``name``, ``kind``,
``privacy``, a nested pydantic ``Params`` model) and its docstring documents it
with at least a **Privacy guarantee** and an **Assumptions** section. The
registry checks all of this when a plugin registers the class.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

ComponentKind = Literal["synthesizer", "mechanism", "sdc", "attack", "metric"]
PrivacyKind = Literal["dp", "sdc", "none"]
KINDS: tuple[ComponentKind, ...] = ("synthesizer", "mechanism", "sdc", "attack", "metric")

__all__ = ["KINDS", "Component", "ComponentKind", "NoParams", "PrivacyKind"]


class NoParams(BaseModel):
    """Params of a component that takes none."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Component(ABC):
    """Base class of all components. Instances are created per pipeline step."""

    kind: ClassVar[ComponentKind]
    name: ClassVar[str]
    privacy: ClassVar[PrivacyKind]
    Params: ClassVar[type[BaseModel]] = NoParams

    def __init__(self, params: BaseModel | Mapping[str, Any] | None = None) -> None:
        if params is None or isinstance(params, Mapping):
            params = self.Params.model_validate(dict(params or {}))
        self.params: Any = params

    def report_extras(self) -> dict[str, Any]:
        """Extra JSON-serialisable facts for the report (e.g. a learned network). Default: none."""
        return {}

    @classmethod
    def summary(cls) -> str:
        """First line of the docstring."""
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""
