"""DP budgeting for the deep synthesizers: preprocessing queries and the DP-SGD plan.

Budget split rule (documented in docs/plugins/ctgan-tvae.md):

* ``dp_preprocess_fraction`` (default 10%) of the step's epsilon goes to
  preprocessing, split evenly over its queries: one Laplace histogram per
  numeric column (modes of the Bayesian GMM), one Laplace row count (sets the
  Poisson sample rate), one thresholded category selection per categorical
  column without a public domain, and for CTGAN one Laplace histogram per
  discrete column (conditional-vector frequencies). Category selections also
  get the same fraction of delta, split evenly.
* DP-SGD gets whatever the share has left after preprocessing (epsilon and
  delta, basic composition), with the noise multiplier calibrated by
  ``calibrate_noise`` for the exact number of steps, charged once as a
  ``subsampled_gaussian`` event *before* training, and training runs exactly
  that many steps.

Torch-free: the synthesizers use it before any model exists.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from safedata_core import PrivacyBudgetError

__all__ = ["DPQueries", "DPSGDPlan", "charge_dpsgd", "dp_setting_warnings", "plan_dpsgd"]

#: beyond this noise multiplier DP-SGD learns next to nothing; refuse instead of wasting the budget
MAX_NOISE_MULTIPLIER = 1e3


class DPQueries:
    """The preprocessing queries of one DP fit, each charged to ``budget`` before its answer is used."""

    def __init__(
        self,
        budget: Any,
        rng: np.random.Generator,
        *,
        n_counting: int,
        n_select: int,
        fraction: float,
        component: str,
    ) -> None:
        self.budget = budget
        self.rng = rng
        self.component = component
        n_queries = n_counting + n_select
        self.epsilon_each = fraction * budget.epsilon / max(n_queries, 1)
        self.delta_each = fraction * budget.delta / n_select if n_select else 0.0
        if n_select and self.delta_each <= 0:
            raise PrivacyBudgetError(
                f"{component}: selecting the categories of a column without a public domain needs delta > 0 "
                "(give the step a delta, or declare the categories in the metadata)"
            )

    def histogram(self, codes: np.ndarray, n_cells: int, note: str) -> np.ndarray:
        """Laplace-noised counts of ``codes`` in ``[0, n_cells)`` (one row changes one cell by 1)."""
        from safedata_core.privacy import noisy_histogram

        return np.asarray(
            noisy_histogram(
                np.asarray(codes, dtype=np.int64),
                n_cells,
                budget=self.budget,
                epsilon=self.epsilon_each,
                rng=self.rng,
                mechanism="laplace",
                note=f"{self.component}: {note}",
            ),
            dtype=float,
        )

    def row_count(self, n_rows: int) -> float:
        """A DP estimate of the number of rows (a one-cell histogram), at least 1."""
        noisy = self.histogram(np.zeros(n_rows, dtype=np.int64), 1, "row count (sets the DP-SGD sample rate)")
        return max(1.0, float(noisy[0]))

    def select_categories(self, values: np.ndarray, note: str) -> list[str]:
        """Categories of a column without a public domain, by thresholded noisy counts."""
        from safedata_core.privacy import dp_select_categories

        return [
            str(c)
            for c in dp_select_categories(
                values,
                budget=self.budget,
                epsilon=self.epsilon_each,
                delta=self.delta_each,
                rng=self.rng,
                note=f"{self.component}: {note}",
            )
        ]


@dataclass(frozen=True)
class DPSGDPlan:
    """Everything DP-SGD needs, fixed before training starts."""

    noise_multiplier: float
    sample_rate: float
    steps: int
    steps_per_epoch: int
    epochs: int
    clip_norm: float
    expected_batch: float
    epsilon: float
    delta: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def epsilon_after(self, steps: int) -> float:
        """Epsilon of the first ``steps`` steps alone, by RDP (for the progress bar; the ledger is charged once)."""
        if steps <= 0:
            return 0.0
        from safedata_core.privacy import rdp_curves

        orders, curve = _step_rdp(self.noise_multiplier, self.sample_rate)
        eps, _ = rdp_curves.rdp_to_epsilon(curve * steps, orders, self.delta)
        return float(min(eps, self.epsilon)) if steps >= self.steps else float(eps)


@functools.lru_cache(maxsize=8)
def _step_rdp(sigma: float, sample_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """RDP curve of one subsampled-Gaussian step (computed once per plan, then scaled by the steps)."""
    from safedata_core.privacy import rdp_curves

    orders = rdp_curves.DEFAULT_ORDERS
    return orders, rdp_curves.subsampled_gaussian_rdp(sigma, sample_rate, orders)


def plan_dpsgd(
    *, epsilon: float, delta: float, n_rows: float, batch_size: int, epochs: int, clip_norm: float, component: str
) -> DPSGDPlan:
    """Sample rate from the DP row count, steps from the epochs, sigma calibrated for exactly those steps."""
    from safedata_core.privacy import calibrate_noise, dpsgd_epsilon

    if delta <= 0:
        raise PrivacyBudgetError(
            f"{component}: DP-SGD needs delta > 0 in the step's privacy share (give the pipeline a delta, e.g. 1e-6)"
        )
    if epsilon <= 0:
        raise PrivacyBudgetError(
            f"{component}: no epsilon left for DP-SGD after preprocessing; raise the step's privacy share"
        )
    sample_rate = min(1.0, batch_size / max(n_rows, 1.0))
    steps_per_epoch = max(1, round(1.0 / sample_rate))
    steps = epochs * steps_per_epoch
    # rtol 1e-4: the returned sigma is always on the feasible side, so epsilon never exceeds the target
    sigma = float(calibrate_noise(epsilon, delta, sample_rate, steps, rtol=1e-4))
    if not math.isfinite(sigma) or sigma > MAX_NOISE_MULTIPLIER:
        raise PrivacyBudgetError(
            f"{component}: epsilon={epsilon:.3g} is too small for {steps} DP-SGD steps (noise multiplier "
            f"{sigma:.3g}); raise the step's privacy share or lower epochs"
        )
    spent = float(dpsgd_epsilon(sigma, sample_rate, steps, delta))
    return DPSGDPlan(
        noise_multiplier=sigma,
        sample_rate=sample_rate,
        steps=steps,
        steps_per_epoch=steps_per_epoch,
        epochs=epochs,
        clip_norm=clip_norm,
        expected_batch=sample_rate * max(n_rows, 1.0),
        epsilon=min(spent, epsilon),
        delta=delta,
    )


def charge_dpsgd(budget: Any, plan: DPSGDPlan, note: str) -> None:
    """Charge the whole training run (one subsampled-Gaussian event, count = steps) before it starts."""
    budget.charge(
        "subsampled_gaussian",
        epsilon=plan.epsilon,
        delta=plan.delta,
        count=plan.steps,
        note=note,
        noise_multiplier=plan.noise_multiplier,
        sample_rate=plan.sample_rate,
        clip_norm=plan.clip_norm,
        steps=plan.steps,
    )


def dp_setting_warnings(
    *, batch_size: int, epochs: int, n_rows: int | None, epsilon: float | None, delta: float | None
) -> list[str]:
    """Plain warnings about DP settings that train poorly (for ``safedata validate`` and the report)."""
    out: list[str] = []
    if batch_size < 64:
        out.append(f"batch_size={batch_size} is small for DP-SGD: noise dominates; use several hundred rows or more")
    if n_rows is not None and n_rows > 0:
        rate = min(1.0, batch_size / n_rows)
        steps = epochs * max(1, round(1 / rate))
        if steps < 100:
            out.append(
                f"only {steps} DP-SGD steps ({epochs} epochs x {max(1, round(1 / rate))}); the model will underfit"
            )
        if rate < 1e-3:
            out.append(f"sample rate {rate:.2g} is tiny: raise batch_size (DP-SGD works best at 1%-10% of the rows)")
        if epsilon is not None and delta:
            try:
                from safedata_core.privacy import calibrate_noise

                sigma = float(calibrate_noise(0.9 * epsilon, delta, rate, steps))
            except Exception:
                return out
            if sigma > 5:
                out.append(
                    f"noise multiplier would be ~{sigma:.3g} for epsilon={epsilon:g}: too high to learn; "
                    "lower epochs, raise batch_size or the budget"
                )
    return out
