"""``Synthesizer``: learns a model of a table and samples synthetic rows from it."""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from safedata_core.components.base import Component

if TYPE_CHECKING:
    from safedata_core.data import Table
    from safedata_core.privacy import BudgetShare

__all__ = ["Synthesizer"]


class Synthesizer(Component):
    """Base class for synthesizers.

    ``privacy = "dp"`` synthesizers must refuse ``fit`` without a budget and spend
    only through ``budget.charge(...)``; ``privacy = "none"`` ones get
    ``budget=None``. Everything the model keeps must come from public metadata
    or from charged DP computations.
    """

    kind: ClassVar[Literal["synthesizer"]] = "synthesizer"  # type: ignore[misc]

    @abstractmethod
    def fit(self, table: Table, *, budget: BudgetShare | None, seed: int) -> None:
        """Learn from ``table``. DP synthesizers charge ``budget`` for every data access."""

    @abstractmethod
    def sample(self, n: int, *, seed: int) -> Table:
        """Return ``n`` synthetic rows with the fitted table's columns and metadata."""

    def estimated_rows(self) -> int | None:
        """A DP estimate of the fitted table's row count, or ``None`` when the model has none.

        Called by the runner after a DP ``fit`` when the step sets no ``rows``:
        releasing exactly ``len(table)`` rows would disclose the input size, so
        a DP synthesizer returns a count computed from quantities it already
        charged (e.g. the noisy total of a histogram it measured). It must not
        read the data again. The runner refuses a DP step without ``rows``
        whose synthesizer returns ``None``.
        """
        return None

    @classmethod
    def dp_warnings(cls, params: Any, *, n_rows: int | None, epsilon: float | None, delta: float | None) -> list[str]:
        """Warnings about DP settings likely to train poorly, shown by ``safedata validate``.

        ``n_rows`` is an estimate of the input size (``None`` when unknown). Default: none.
        """
        return []

    def state_dict(self) -> dict[str, Any] | None:
        """Return a JSON/pickle-able state of the fitted model, or ``None`` if unsupported."""
        return None

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a state produced by :meth:`state_dict`."""
        raise TypeError(f"{type(self).__name__} does not support loading a saved state")
