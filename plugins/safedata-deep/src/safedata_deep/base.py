"""``DeepSynthesizer``: what the DP-SGD synthesizers (``tvae`` in safedata-tvae, ``ctgan`` in safedata-ctgan) share.

The budget refusal, the refusal of undeclared columns under DP, the
``safedata validate`` warnings, where training randomness comes from,
planning and charging DP-SGD so the step spends exactly its share, the DP row
estimate (:meth:`DeepSynthesizer.estimated_rows`) and the report extras.
Torch is imported only inside the methods that need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from safedata_core import Metadata, PrivacyBudgetError, Synthesizer, Table
from safedata_deep.dpplan import DPSGDPlan, charge_dpsgd, dp_setting_warnings, plan_dpsgd
from safedata_deep.params import DeepParams
from safedata_deep.transformer import DataTransformer

if TYPE_CHECKING:
    import torch

__all__ = ["DeepSynthesizer"]


class DeepSynthesizer(Synthesizer):
    """Base of the deep synthesizers; subclasses set ``name``, ``Params`` and implement fit/sample."""

    privacy = "dp"
    requires_delta = True  # DP-SGD (subsampled Gaussian): validate refuses a share with delta 0

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        self._extras: dict[str, Any] = {}
        self._n_hat: float | None = None
        self._transformer: DataTransformer | None = None
        self._metadata: Metadata | None = None

    @classmethod
    def dp_warnings(cls, params: Any, *, n_rows: int | None, epsilon: float | None, delta: float | None) -> list[str]:
        """Warnings about DP settings that train poorly (for ``safedata validate``)."""
        p = params if isinstance(params, cls.Params) else cls.Params.model_validate(params)
        if not isinstance(p, DeepParams) or not p.dp:
            return []
        return dp_setting_warnings(
            batch_size=p.batch_size, epochs=p.epochs, n_rows=n_rows, epsilon=epsilon, delta=delta
        )

    def _start_fit(self, table: Table, budget: Any) -> None:
        """Refuse a DP fit without a budget or with a column that is not declared public metadata."""
        self._extras, self._n_hat = {}, None
        if not self.params.dp:
            return
        if budget is None:
            raise PrivacyBudgetError(
                f"{self.name}: DP fit needs a privacy budget share (give the step privacy: {{epsilon: ...}}, "
                "or set params.dp: false for a non-private fit)"
            )
        from safedata_core.privacy import require_declared

        require_declared(table, where=f"step '{getattr(budget, 'step', '?')}'", component=self.name)

    def _side_generators(self, budget: Any, seed: int) -> tuple[np.random.Generator, torch.Generator]:
        """(numpy, torch) generators for every training draw.

        Under DP both come from the share's noise source (secure by default): Poisson
        sampling, DP-SGD noise, and the per-row side draws a DP-SGD proof relies on
        (reparameterisation noise, condition vectors, generated rows, dropout masks,
        numeric mode assignment). Non-private fits draw them from ``seed``.
        """
        import torch

        if self.params.dp:
            return budget.noise.generator, budget.noise.torch_generator()
        return np.random.default_rng(seed), torch.Generator().manual_seed(seed)

    def _plan_training(self, budget: Any, n_hat: float, note: str) -> tuple[DPSGDPlan, float]:
        """Plan DP-SGD from the DP row count so the step spends its share, charge it before training.

        Returns (plan, epsilon composed over the preprocessing charges alone).
        """
        p = self.params
        eps_pre = float(budget.compose())
        plan = plan_dpsgd(
            budget, n_rows=n_hat, batch_size=p.batch_size, epochs=p.epochs, clip_norm=p.clip_norm,
            component=self.name,
        )  # fmt: skip
        charge_dpsgd(budget, plan, note=note)
        self._n_hat = float(n_hat)
        return plan, eps_pre

    def estimated_rows(self) -> int | None:
        """After a DP fit: the DP estimate of the input's row count (the charged noisy count), else ``None``."""
        return None if self._n_hat is None else max(1, round(self._n_hat))

    def report_extras(self) -> dict[str, Any]:
        return dict(self._extras)
