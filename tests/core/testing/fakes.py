"""Broken and correct components for testing the contract kit itself (each breaks exactly one promise)."""

from __future__ import annotations

from typing import Any

import numpy as np

from safedata_core import Attack, AttackResult, ComponentError, Metric, MetricResult, PrivacyBudgetError, Table
from safedata_core.components import SDCMethod, SDCResult
from safedata_core.default_plugins.mechanisms import ExponentialMechanism, LaplaceMechanism
from tests.core.dpaudit.fakes import OneColumnDPSynthesizer, noise_generator


class WideLaplace(LaplaceMechanism):
    """Charges Laplace(s/eps) but adds noise 1.5 times wider.

    **Privacy guarantee**: more than claimed, but its noise does not match its charge.

    **Assumptions**: tests only.
    """

    name = "wide_laplace"

    def randomise(self, values: np.ndarray, *, budget: Any, rng: np.random.Generator) -> np.ndarray:
        eps, sens = budget.remaining_epsilon(), self.params.sensitivity
        budget.charge("laplace", epsilon=eps, sensitivity=sens, scale=sens / eps)
        x = np.asarray(values, dtype=float)
        return x + rng.laplace(0.0, 1.5 * sens / eps, x.shape)


class NarrowLaplace(WideLaplace):
    """Charges Laplace(s/eps) but adds noise 1.5 times narrower (a privacy bug).

    **Privacy guarantee**: less than claimed.

    **Assumptions**: tests only.
    """

    name = "narrow_laplace"

    def randomise(self, values: np.ndarray, *, budget: Any, rng: np.random.Generator) -> np.ndarray:
        eps, sens = budget.remaining_epsilon(), self.params.sensitivity
        budget.charge("laplace", epsilon=eps, sensitivity=sens, scale=sens / eps)
        x = np.asarray(values, dtype=float)
        return x + rng.laplace(0.0, sens / eps / 1.5, x.shape)


class SharpExponential(ExponentialMechanism):
    """Exponential mechanism whose score scale is doubled (exp(eps u / s) instead of exp(eps u / 2s)).

    **Privacy guarantee**: 2 eps, not the eps it charges.

    **Assumptions**: tests only.
    """

    name = "sharp_exponential"

    def randomise(self, values: np.ndarray, *, budget: Any, rng: np.random.Generator) -> np.ndarray:
        u = np.asarray(values, dtype=float)
        eps = budget.remaining_epsilon()
        budget.charge("exponential", epsilon=eps, epsilon_each=eps, sensitivity=self.params.sensitivity)
        idx = int(np.argmax(eps * u / self.params.sensitivity + rng.gumbel(size=u.size)))
        out = np.zeros(u.size)
        out[idx] = 1.0
        return out


class ConstantMetric(Metric):
    """Scores every release 0.5 (higher is better).

    **Privacy guarantee**: none; an evaluation.

    **Assumptions**: tests only.
    """

    name = "constant_metric"

    def compute(self, original: Table, released: Table, *, holdout: Table | None = None, seed: int = 0) -> MetricResult:
        return MetricResult(score=0.5)


class BlindAttack(Attack):
    """Never succeeds: reports 0 on any release, exact copies included.

    **Privacy guarantee**: none; an evaluation.

    **Assumptions**: tests only.
    """

    name = "blind_attack"

    def run(self, original: Table, released: Table, control: Table | None, *, seed: int) -> AttackResult:
        return AttackResult.from_counts(successes=0, baseline_successes=0, n_attempts=50, control_successes=0)


class DroppingSDC(SDCMethod):
    """Drops the last record, targeted or not.

    **Privacy guarantee**: none.

    **Assumptions**: tests only.
    """

    name = "dropping_sdc"

    def apply(self, table: Table, *, seed: int, rows: np.ndarray | None = None) -> SDCResult:
        df = table.df.iloc[:-1].reset_index(drop=True)
        return SDCResult(table.with_df(df), {"records_modified": 1, "cells_modified": 0})


class DeclaredOnlyDP(OneColumnDPSynthesizer):
    """The correct DP fake, refusing fits without a budget and tables with undeclared columns.

    **Privacy guarantee**: epsilon-DP (one Laplace histogram of ``region``, sensitivity 1).

    **Assumptions**: every column is declared.
    """

    name = "declared_only_dp"

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        if budget is None:
            raise PrivacyBudgetError("declared_only_dp: DP fit needs a budget share")
        undeclared = [c for c, m in table.metadata.columns.items() if m.inferred]
        if undeclared:
            raise ComponentError(
                f"declared_only_dp: column '{undeclared[0]}' is not declared in the metadata (declare it)"
            )
        super().fit(table, budget=budget, seed=seed)


class SeedNoiseDP(DeclaredOnlyDP):
    """Draws its 'DP' noise from the published seed.

    **Privacy guarantee**: none in truth: the noise can be regenerated from the seed.

    **Assumptions**: tests only.
    """

    name = "seed_noise_dp"

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        budget.charge("laplace", epsilon=budget.epsilon, sensitivity=1.0, scale=1.0 / budget.epsilon)
        self._fit_counts(table, np.random.default_rng(seed), 1.0 / budget.epsilon)


class HalfSpendDP(DeclaredOnlyDP):
    """Spends half its share (noise calibrated to the half it charges).

    **Privacy guarantee**: epsilon/2-DP.

    **Assumptions**: tests only.
    """

    name = "half_spend_dp"

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        eps = budget.epsilon / 2
        budget.charge("laplace", epsilon=eps, sensitivity=1.0, scale=1.0 / eps)
        self._fit_counts(table, noise_generator(budget, seed), 1.0 / eps)
