"""What a component receives and returns when it runs as a pipeline step.

The runner builds one :class:`StepInputs` per step and calls
``component.run_step(inputs)``; each component kind's base class turns that
into its own calls (``fit`` and ``sample``, ``apply``, ``run``, ...) and
returns a :class:`StepOutput`. The runner never looks at the kind, so a new
kind needs only its base class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from safedata_core.errors import ComponentError

if TYPE_CHECKING:
    import numpy as np

    from safedata_core.data import Table
    from safedata_core.privacy import BudgetShare

__all__ = ["RowCountPolicy", "StepInputs", "StepOutput"]

RowCountPolicy = Callable[[], int]
"""Called by a table-making step after it learned: how many rows to release (see ``StepInputs.row_count``)."""


def _no_rows() -> int:
    raise ComponentError("this step has no row-count policy (only synthesizer steps sample rows)")


@dataclass(frozen=True)
class StepInputs:
    """Everything a step may read.

    * ``source``: the step's ``input`` (the run's data or an earlier step's table);
    * ``data`` / ``holdout``: the run's (training) input and the real records kept
      out of it; ``None`` for a component with ``reads_data = False``, which sees
      only earlier releases;
    * ``target``: the table an evaluation step scores (``target: <step id>``);
    * ``budget``: the step's budget share (``None`` for a step that spends none);
    * ``seed``: the step's seed, for non-DP randomness only (it is published);
    * ``rows_mask``: the records a targeted step treats (``target: rare``), or ``None`` for all;
    * ``row_count``: the runner's row-count policy, called after fitting: the
      step's ``rows``, else a DP step's own estimate, else the input size.
    """

    step: str
    use: str
    source: Table
    seed: int
    data: Table | None = None
    holdout: Table | None = None
    target: Table | None = None
    budget: BudgetShare | None = None
    rows_mask: np.ndarray | None = None
    row_count: RowCountPolicy = _no_rows

    @property
    def where(self) -> str:
        """``step '<id>' (<use>)``, for messages."""
        return f"step '{self.step}' ({self.use})"

    def require_data(self) -> Table:
        """The run's input table; refuses when the component was given none (``reads_data = False``)."""
        if self.data is None:
            raise ComponentError(
                f"{self.where}: the component reads the input data but declares reads_data = False "
                "(set reads_data = True on its class)"
            )
        return self.data

    def require_budget(self) -> BudgetShare:
        """The step's budget share; refuses a DP step that has none."""
        if self.budget is None:
            raise ComponentError(
                f"{self.where}: a DP step needs a privacy budget share "
                "(give the pipeline privacy: {epsilon: ..., delta: ...})"
            )
        return self.budget


@dataclass
class StepOutput:
    """What a step produced.

    * ``table``: the step's output table (released unless the step is an intermediate);
    * ``result``: a JSON-serialisable result (SDC changes, attack or metric figures, a profile);
    * ``extras``: extra facts for the report, added to the component's ``report_extras()``;
    * ``facts``: named facts later steps may use (the profile step leaves
      ``profile`` and ``rare_mask``, read by ``target: rare``).
    """

    table: Table | None = None
    result: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
