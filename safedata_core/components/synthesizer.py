"""``Synthesizer``: learns a model of a table and samples synthetic rows from it."""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from safedata_core.components.base import Component, P
from safedata_core.components.step import StepInputs, StepOutput
from safedata_core.errors import PrivacyBudgetError

if TYPE_CHECKING:
    from safedata_core.data import Table
    from safedata_core.privacy import BudgetShare

__all__ = ["Synthesizer"]


class Synthesizer(Component[P]):
    """Base class for synthesizers.

    Implement ``_fit`` (learn from a table) and ``sample``. The base ``fit``
    refuses a DP fit without a budget (``privacy = "dp"`` and ``params.dp``
    true) and then calls ``_fit``, so a subclass never writes that check.
    Subclasses written before ``_fit`` existed override ``fit`` itself and keep
    working (they must then refuse a missing budget themselves).

    DP synthesizers spend only through their budget share; everything the
    model keeps must come from public metadata or from charged DP computations.
    """

    kind: ClassVar[str] = "synthesizer"
    releases_table: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.fit is not Synthesizer.fit and getattr(cls._fit, "__isabstractmethod__", False):
            # the older form: the subclass overrides fit and never calls _fit
            setattr(cls, "_fit", Synthesizer._fit_unused)  # noqa: B010 (a method cannot be assigned directly)

    def fit(self, table: Table, *, budget: BudgetShare | None, seed: int) -> None:
        """Learn from ``table``: refuses a DP fit without ``budget``, then calls :meth:`_fit`."""
        if budget is None and self.dp_active:
            raise PrivacyBudgetError(
                f"{self.name}: DP fit needs a privacy budget share (give the pipeline a privacy budget, "
                "or set params.dp: false for a non-private fit)"
            )
        self._fit(table, budget=budget, seed=seed)

    @abstractmethod
    def _fit(self, table: Table, *, budget: BudgetShare | None, seed: int) -> None:
        """Learn from ``table``; ``budget`` is set whenever the fit is DP. Charge it for every data access."""

    def _fit_unused(self, table: Table, *, budget: BudgetShare | None, seed: int) -> None:
        raise TypeError(f"{type(self).__name__} overrides fit; call fit, not _fit")

    @abstractmethod
    def sample(self, n: int, *, seed: int) -> Table:
        """Return ``n`` synthetic rows with the fitted table's columns and metadata."""

    def run_step(self, inputs: StepInputs) -> StepOutput:
        """Fit on the step's input, then sample the number of rows the runner's policy gives."""
        self.fit(inputs.source, budget=inputs.budget, seed=inputs.seed)
        return StepOutput(table=self.sample(inputs.row_count(), seed=inputs.seed + 1))

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
    def dp_warnings(
        cls, params: BaseModel, *, n_rows: int | None, epsilon: float | None, delta: float | None
    ) -> list[str]:
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
