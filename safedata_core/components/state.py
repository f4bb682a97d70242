"""The saved state of a fitted synthesizer: what ``state_dict`` / ``load_state_dict`` share across plugins.

A fitted model's state is the table's metadata, the model's own parts (lists and
numbers, JSON-ready), the facts it reports and its DP estimate of the row count.
:class:`ModelState` writes and reads the common keys, so a plugin names only its
parts::

    def state_dict(self) -> dict[str, Any] | None:
        if self._metadata is None:
            return None
        return ModelState(self._metadata, {"cpts": ...}, self._facts, self._n_estimate).to_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        saved = ModelState.from_dict(state, ("cpts",), where=self.name)
        self._metadata, self._facts = saved.metadata, saved.facts
        ...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from safedata_core.data import Metadata
from safedata_core.errors import ComponentError

__all__ = ["COMMON_KEYS", "ModelState"]

#: the keys every saved state has; a model's own parts take other names
COMMON_KEYS: tuple[str, ...] = ("metadata", "facts", "estimated_rows")


@dataclass(frozen=True)
class ModelState:
    """A fitted synthesizer's state: ``metadata``, the model's ``parts``, its ``facts`` and ``estimated_rows``."""

    metadata: Metadata
    parts: dict[str, Any]
    facts: dict[str, Any] = field(default_factory=dict)
    estimated_rows: int | float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready state: the metadata, the parts, then the facts and the row estimate."""
        clash = sorted(set(COMMON_KEYS) & set(self.parts))
        if clash:
            raise ValueError(f"ModelState: the part names {clash} are reserved; rename those parts")
        return {
            "metadata": self.metadata.to_dict(),
            **self.parts,
            "facts": dict(self.facts),
            "estimated_rows": self.estimated_rows,
        }

    @classmethod
    def from_dict(cls, state: Mapping[str, Any], parts: Sequence[str], *, where: str) -> ModelState:
        """Read a state written by :meth:`to_dict`; ``parts`` are the model's keys it must have."""
        missing = [k for k in ("metadata", *parts) if k not in state]
        if missing:
            raise ComponentError(
                f"{where}: the saved state has no {', '.join(repr(k) for k in missing)}; "
                "it was written by another model or version: fit and save the model again"
            )
        rows = state.get("estimated_rows")
        if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int | float)):
            raise ComponentError(f"{where}: the saved state's estimated_rows is {rows!r}, not a number; save it again")
        return cls(
            metadata=Metadata.from_dict(state["metadata"]),
            parts={k: state[k] for k in parts},
            facts=dict(state.get("facts") or {}),
            estimated_rows=rows,
        )
