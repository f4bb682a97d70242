"""What a running pipeline knows: ``RunContext`` (shared state) and ``StepOutcome`` (one step's result).

Both are handed to the lifecycle hooks (``before_step``, ``after_step``,
``on_step_error``). Plugins may read them; only the runner changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from safedata_core.audit import AuditLog
from safedata_core.data import Table
from safedata_core.pipeline.record import RunWarning
from safedata_core.privacy import Budget, Ledger

__all__ = ["RunContext", "StepOutcome"]


@dataclass
class StepOutcome:
    """The result of one step: a released table and/or a JSON-serialisable result."""

    step: str
    use: str
    kind: str
    table: Table | None = None
    result: dict[str, Any] = field(default_factory=dict)
    spent: Budget | None = None
    share: Budget | None = None
    seconds: float = 0.0
    extras: dict[str, Any] = field(default_factory=dict)
    released: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "use": self.use,
            "kind": self.kind,
            "rows": len(self.table) if self.table is not None else None,
            "released": self.released,
            "result": self.result,
            "share": self.share.to_dict() if self.share else None,
            "spent": self.spent.to_dict() if self.spent else None,
            "seconds": round(self.seconds, 3),
            "extras": self.extras,
        }


@dataclass
class RunContext:
    """State of one pipeline run.

    ``facts`` holds what steps leave for later steps (``StepOutput.facts``): the
    profile step leaves ``profile`` and ``rare_mask``. Warnings go through
    :meth:`warn`, with a code from :data:`~safedata_core.pipeline.record.WARNING_CODES`.
    """

    run_id: str
    name: str
    seed: int
    ledger: Ledger
    audit: AuditLog
    data: Table
    holdout: Table | None = None
    out: Path | None = None
    secure_noise: bool = False
    facts: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    outcomes: list[StepOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    coded_warnings: list[RunWarning] = field(default_factory=list)
    dropped_identifiers: list[str] = field(default_factory=list)

    def warn(self, code: str, message: str, *, step: str | None = None) -> None:
        """Record a warning: its text in ``warnings`` (the report's list) and its code in ``coded_warnings``."""
        self.warnings.append(message)
        self.coded_warnings.append(RunWarning(code=code, message=message, step=step))

    def table(self, ref: str) -> Table:
        """The run's input (``"data"``) or the table an earlier step produced."""
        return self.data if ref == "data" else self.tables[ref]

    @property
    def profile(self) -> dict[str, Any] | None:
        """The profile an earlier ``profile`` step left (the fact ``profile``), if any."""
        value = self.facts.get("profile")
        return value if isinstance(value, dict) else None

    @property
    def rare_mask(self) -> np.ndarray | None:
        """The rare-record mask an earlier ``profile`` step left (the fact ``rare_mask``), if any."""
        value = self.facts.get("rare_mask")
        return value if isinstance(value, np.ndarray) else None
