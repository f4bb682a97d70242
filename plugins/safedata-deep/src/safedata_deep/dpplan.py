"""DP budgeting for the deep synthesizers: preprocessing queries and the DP-SGD plan.

Budget split rule (documented in docs/plugins/ctgan-tvae.md):

* ``dp_preprocess_fraction`` (default 10%) of the step's epsilon goes to
  preprocessing, split evenly over its queries: one discrete-Laplace histogram
  per numeric column (modes of the Bayesian GMM), one discrete-Laplace row
  count (sets the Poisson sample rate and is the DP row estimate the runner
  samples), one thresholded category selection per categorical column without
  a public domain, and for CTGAN one discrete-Laplace histogram per discrete
  column (conditional-vector frequencies). Category selections also get the
  same fraction of delta, split evenly.
* DP-SGD gets the rest: its noise multiplier is calibrated against the
  ledger's own composition of ALL the step's events (the preprocessing
  charges plus the planned ``subsampled_gaussian`` event, by
  ``share.compose``), so the step spends exactly its share (within 1e-7
  relative, never above). The run is charged once, before training, and
  training runs exactly that many steps.

All noise and sampling randomness is drawn from the share's
:class:`~safedata_core.privacy.NoiseSource` (secure by default), never from the
pipeline seed. Torch-free: the synthesizers use it before any model exists.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from safedata_core import PrivacyBudgetError
from safedata_core.privacy import PrivacyEvent

__all__ = ["DPQueries", "DPSGDPlan", "calibrate_to_share", "charge_dpsgd", "dp_setting_warnings", "plan_dpsgd"]

#: beyond this noise multiplier DP-SGD learns next to nothing; refuse instead of wasting the budget
MAX_NOISE_MULTIPLIER = 1e3
#: the calibrated step spends at least (1 - SPEND_RTOL) of its share, and never more than the share
SPEND_RTOL = 1e-7


class DPQueries:
    """The preprocessing queries of one DP fit, each charged to ``budget`` before its answer is used.

    Every query spends ``epsilon_each = fraction * budget.epsilon / (n_counting + n_select)``;
    category selections also spend ``delta_each = fraction * budget.delta / n_select``.
    """

    def __init__(self, budget: Any, *, n_counting: int, n_select: int, fraction: float, component: str) -> None:
        self.budget = budget
        self.component = component
        n_queries = n_counting + n_select
        self.epsilon_each = fraction * budget.epsilon / max(n_queries, 1)
        self.delta_each = fraction * budget.delta / n_select if n_select else 0.0
        self.n_hat: float | None = None
        if n_select and self.delta_each <= 0:
            raise PrivacyBudgetError(
                f"{component}: selecting the categories of a column without a public domain needs delta > 0 "
                "(give the step a delta, or declare the categories in the metadata)"
            )

    def histogram(self, codes: np.ndarray, n_cells: int, note: str) -> np.ndarray:
        """Discrete-Laplace counts of ``codes`` in ``[0, n_cells)`` (one row changes one cell by 1)."""
        from safedata_core.privacy import noisy_histogram

        return np.asarray(
            noisy_histogram(
                np.asarray(codes, dtype=np.int64),
                n_cells,
                budget=self.budget,
                epsilon=self.epsilon_each,
                mechanism="geometric",
                note=f"{self.component}: {note}",
            ),
            dtype=float,
        )

    def row_count(self, n_rows: int) -> float:
        """A DP estimate of the number of rows (a one-cell histogram), at least 1; kept as ``n_hat``."""
        noisy = self.histogram(np.zeros(n_rows, dtype=np.int64), 1, "row count (sets the DP-SGD sample rate)")
        self.n_hat = max(1.0, float(noisy[0]))
        return self.n_hat

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
                note=f"{self.component}: {note}",
            )
        ]


@dataclass(frozen=True)
class DPSGDPlan:
    """Everything DP-SGD needs, fixed before training starts.

    ``epsilon``/``delta``: the standalone guarantee of the DP-SGD event alone;
    ``step_epsilon``: the step's composed epsilon with it (preprocessing
    included), i.e. what the step spends.
    """

    noise_multiplier: float
    sample_rate: float
    steps: int
    steps_per_epoch: int
    epochs: int
    clip_norm: float
    expected_batch: float
    epsilon: float
    delta: float
    step_epsilon: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def event(self) -> PrivacyEvent:
        """The ``subsampled_gaussian`` ledger event of the whole run."""
        return sgd_event(self.noise_multiplier, self.sample_rate, self.steps, self.delta, self.clip_norm)


@functools.lru_cache(maxsize=64)
def _step_rdp(sigma: float, sample_rate: float) -> np.ndarray:
    """RDP curve of one subsampled-Gaussian step over the accountant's default orders (cached: it is slow)."""
    from safedata_core.privacy import rdp_curves

    return rdp_curves.subsampled_gaussian_rdp(sigma, sample_rate, rdp_curves.DEFAULT_ORDERS)


def sgd_event(sigma: float, sample_rate: float, steps: int, delta: float, clip_norm: float) -> PrivacyEvent:
    """A DP-SGD ledger event; its epsilon is the standalone RDP guarantee at ``delta`` (for basic composition).

    Equal to ``dpsgd_epsilon(sigma, sample_rate, steps, delta)`` (same curve, orders and conversion).
    """
    from safedata_core.privacy import rdp_curves

    eps = 0.0
    if steps > 0:
        eps, _ = rdp_curves.rdp_to_epsilon(_step_rdp(sigma, sample_rate) * steps, rdp_curves.DEFAULT_ORDERS, delta)
    params = {"noise_multiplier": sigma, "sample_rate": sample_rate, "clip_norm": clip_norm, "steps": steps}
    return PrivacyEvent("subsampled_gaussian", float(eps), delta, steps, params)


def calibrate_to_share(
    budget: Any, *, sample_rate: float, steps: int, delta: float, clip_norm: float
) -> tuple[float, float]:
    """(sigma, spent): the smallest noise multiplier with which the step's composed epsilon fits the share.

    The step's recorded events (preprocessing) and the planned DP-SGD event are
    composed by the ledger's own accountant; the result spends between
    ``(1 - SPEND_RTOL)`` and 1 times the share's epsilon. The ledger composes
    with ``min(accountant, basic composition)``; the search first ignores the
    basic branch (the planned event gets an infinite standalone epsilon, which
    saves one accountant curve per trial) and checks the answer with the real
    event, searching again with it in the rare case basic composition is the
    tighter one. ``spent`` is ``budget.compose`` with the DP-SGD event; sigma is
    ``inf`` when no noise multiplier up to 1e7 fits.
    """
    target = float(budget.epsilon)

    def gap(with_basic: bool) -> Callable[[float], float]:
        def at(log_sigma: float) -> float:
            sigma = math.exp(log_sigma)
            if with_basic:
                event = sgd_event(sigma, sample_rate, steps, delta, clip_norm)
            else:
                params = {"noise_multiplier": sigma, "sample_rate": sample_rate}
                event = PrivacyEvent("subsampled_gaussian", math.inf, delta, steps, params)
            return math.log(max(float(budget.compose([event])), 1e-300)) - math.log(target)

        return at

    sigma = _solve_log(gap(with_basic=False))
    if not math.isfinite(sigma):
        return sigma, math.inf
    real = gap(with_basic=True)
    if real(math.log(sigma)) < math.log1p(-SPEND_RTOL):
        sigma = _solve_log(real)
    return sigma, target * math.exp(real(math.log(sigma)))


def _solve_log(gap: Callable[[float], float]) -> float:
    """exp(x) for the x where the decreasing ``gap(x)`` crosses 0, on the feasible side (``gap <= 0``).

    Illinois variant of false position: a bracket is kept, so it cannot diverge,
    and it stops once ``log1p(-SPEND_RTOL) <= gap <= 0`` (a handful of calls).
    """
    # bracket: a overspends (gap > 0), b fits (gap <= 0), a < b
    b = 0.0
    gb = gap(b)
    a, ga = b, gb
    while gb > 0:
        a, ga = b, gb
        b += math.log(2.0)
        if b > math.log(1e7):
            return math.inf
        gb = gap(b)
    while ga <= 0:
        b, gb = a, ga
        a -= math.log(2.0)
        if a < math.log(1e-6):
            return math.exp(b)
        ga = gap(a)
    floor = math.log1p(-SPEND_RTOL)
    fa, fb, side = ga, gb, 0  # the values false position uses (Illinois halves a stale end's)
    for _ in range(200):
        if gb >= floor:
            break
        c = (a * fb - b * fa) / (fb - fa)
        if not a < c < b:
            c = (a + b) / 2
        gc = gap(c)
        if gc > 0:
            a, ga, fa = c, gc, gc
            if side == -1:
                fb /= 2
            side = -1
        else:
            b, gb, fb = c, gc, gc
            if side == 1:
                fa /= 2
            side = 1
    return math.exp(b)


def plan_dpsgd(
    budget: Any, *, n_rows: float, batch_size: int, epochs: int, clip_norm: float, component: str
) -> DPSGDPlan:
    """Sample rate from the DP row count, steps from the epochs, sigma calibrated so the step spends its share."""
    delta = budget.remaining_delta()
    if budget.delta <= 0 or delta <= 0:
        raise PrivacyBudgetError(
            f"{component}: DP-SGD needs delta > 0 in the step's privacy share (give the pipeline a delta, e.g. 1e-6)"
        )
    if budget.compose() >= budget.epsilon * (1 - 1e-9):
        raise PrivacyBudgetError(
            f"{component}: no epsilon left for DP-SGD after preprocessing; raise the step's privacy share"
        )
    sample_rate = min(1.0, batch_size / max(n_rows, 1.0))
    steps_per_epoch = max(1, round(1.0 / sample_rate))
    steps = epochs * steps_per_epoch
    sigma, spent = calibrate_to_share(budget, sample_rate=sample_rate, steps=steps, delta=delta, clip_norm=clip_norm)
    if not math.isfinite(sigma) or sigma > MAX_NOISE_MULTIPLIER:
        raise PrivacyBudgetError(
            f"{component}: epsilon={budget.epsilon:.3g} is too small for {steps} DP-SGD steps (noise multiplier "
            f"{sigma:.3g}); raise the step's privacy share or lower epochs"
        )
    event = sgd_event(sigma, sample_rate, steps, delta, clip_norm)
    return DPSGDPlan(
        noise_multiplier=sigma,
        sample_rate=sample_rate,
        steps=steps,
        steps_per_epoch=steps_per_epoch,
        epochs=epochs,
        clip_norm=clip_norm,
        expected_batch=sample_rate * max(n_rows, 1.0),
        epsilon=event.epsilon,
        delta=delta,
        step_epsilon=spent,
    )


def charge_dpsgd(budget: Any, plan: DPSGDPlan, note: str) -> None:
    """Charge the whole training run (one subsampled-Gaussian event, count = steps) before it starts."""
    budget.record(plan.event(), note=note)


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
