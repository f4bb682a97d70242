"""``DeepSynthesizer``: what the DP-SGD synthesizers (``tvae``, and ``ctgan`` built on it) share.

The budget refusal, the ``safedata validate`` warnings, planning and charging
DP-SGD from what the share has left after preprocessing, and the report
extras. Torch-free, like :mod:`safedata_tvae.dpplan`.
"""

from __future__ import annotations

from typing import Any

from safedata_core import PrivacyBudgetError, Synthesizer
from safedata_tvae.dpplan import DPSGDPlan, charge_dpsgd, dp_setting_warnings, plan_dpsgd

__all__ = ["DeepSynthesizer"]


class DeepSynthesizer(Synthesizer):
    """Base of the deep synthesizers; subclasses set ``name``, ``Params`` and implement fit/sample."""

    privacy = "dp"

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        self._extras: dict[str, Any] = {}

    @classmethod
    def dp_warnings(cls, params: Any, *, n_rows: int | None, epsilon: float | None, delta: float | None) -> list[str]:
        """Warnings about DP settings that train poorly (for ``safedata validate``)."""
        p = params if isinstance(params, cls.Params) else cls.Params.model_validate(params)
        if not p.dp:
            return []
        return dp_setting_warnings(
            batch_size=p.batch_size, epochs=p.epochs, n_rows=n_rows, epsilon=epsilon, delta=delta
        )

    def _require_budget(self, budget: Any) -> None:
        if self.params.dp and budget is None:
            raise PrivacyBudgetError(
                f"{self.name}: DP fit needs a privacy budget share (give the step privacy: {{epsilon: ...}}, "
                "or set params.dp: false for a non-private fit)"
            )

    def _plan_training(self, budget: Any, n_rows: float, note: str) -> tuple[DPSGDPlan, float]:
        """Plan DP-SGD on what the share has left, charge it before training; returns (plan, epsilon used so far)."""
        p = self.params
        eps_pre = budget.epsilon - budget.remaining_epsilon()
        plan = plan_dpsgd(
            epsilon=budget.remaining_epsilon(), delta=budget.remaining_delta(), n_rows=n_rows,
            batch_size=p.batch_size, epochs=p.epochs, clip_norm=p.clip_norm, component=self.name,
        )  # fmt: skip
        charge_dpsgd(budget, plan, note=note)
        return plan, eps_pre

    def report_extras(self) -> dict[str, Any]:
        return dict(self._extras)
