"""DP planning checks that close gaps `make mutation` found in safedata_deep (each states what it pins down)."""

from __future__ import annotations

from safedata_deep.dpplan import dp_setting_warnings

SMALL_BATCH = "batch_size=32 is small for DP-SGD: noise dominates; use several hundred rows or more"


def test_setting_warnings_name_small_batches_tiny_rates_and_few_steps() -> None:
    # 32 of 100,000 rows: rate 0.00032 (< 1e-3), 2 x 3125 steps (enough); no epsilon: no noise estimate
    assert dp_setting_warnings(batch_size=32, epochs=2, n_rows=100_000, epsilon=None, delta=None) == [
        SMALL_BATCH,
        "sample rate 0.00032 is tiny: raise batch_size (DP-SGD works best at 1%-10% of the rows)",
    ]
    # without a row count only the batch size can be judged
    assert dp_setting_warnings(batch_size=32, epochs=2, n_rows=None, epsilon=1.0, delta=1e-5) == [SMALL_BATCH]
    assert dp_setting_warnings(batch_size=32, epochs=2, n_rows=0, epsilon=1.0, delta=1e-5) == [SMALL_BATCH]


def test_setting_warnings_estimate_the_noise_at_nine_tenths_of_epsilon() -> None:
    # rate 0.2: 5 steps per epoch, 10 steps; sigma for epsilon 0.9 * 0.1 over 10 steps at rate 0.2 is ~24.2
    # (at the full epsilon 0.1 it would be ~22; rate 0.2 keeps the calibration fast for `make mutation`)
    assert dp_setting_warnings(batch_size=64, epochs=2, n_rows=320, epsilon=0.1, delta=1e-5) == [
        "only 10 DP-SGD steps (2 epochs x 5); the model will underfit",
        "noise multiplier would be ~24.2 for epsilon=0.1: too high to learn; lower epochs, raise batch_size or "
        "the budget",
    ]


def test_setting_warnings_boundaries_and_a_failed_estimate_are_silent() -> None:
    # batch 64 and exactly 100 steps (20 epochs x 5) are fine; epsilon 10 needs little noise
    assert dp_setting_warnings(batch_size=64, epochs=20, n_rows=320, epsilon=10.0, delta=1e-5) == []
    # a negative epsilon cannot be calibrated: the warnings found so far are returned, nothing is raised
    assert dp_setting_warnings(batch_size=64, epochs=1, n_rows=320, epsilon=-1.0, delta=1e-5) == [
        "only 5 DP-SGD steps (1 epochs x 5); the model will underfit"
    ]
    # no delta: no noise estimate
    assert dp_setting_warnings(batch_size=64, epochs=20, n_rows=320, epsilon=0.01, delta=0.0) == []


def test_category_selection_returns_strings_charged_at_the_query_share() -> None:
    import numpy as np
    import pytest
    from safedata_deep.dpplan import DPQueries

    from safedata_core.testing import make_budget

    budget = make_budget(4.0, 1e-6)
    queries = DPQueries(budget, n_counting=1, n_select=1, fraction=0.5, component="tvae")
    assert queries.epsilon_each == pytest.approx(1.0) and queries.delta_each == pytest.approx(5e-7)
    values = np.array([1] * 3000 + [2] * 2000 + [3])  # two frequent integer codes, one singleton
    kept = queries.select_categories(values, "categories of 'c'")
    assert sorted(kept) == ["1", "2"] and all(isinstance(c, str) for c in kept)
    (charge,) = budget.charges
    assert charge.note == "tvae: categories of 'c'"
    assert charge.event.epsilon == pytest.approx(1.0) and charge.event.delta == pytest.approx(5e-7)


def test_row_estimate_is_the_rounded_noisy_count_and_at_least_one() -> None:
    from types import SimpleNamespace

    from safedata_deep.base import DeepSynthesizer

    estimate = DeepSynthesizer.estimated_rows
    assert estimate(SimpleNamespace(_n_hat=None)) is None  # type: ignore[arg-type]
    assert estimate(SimpleNamespace(_n_hat=1.2)) == 1  # type: ignore[arg-type]
    assert estimate(SimpleNamespace(_n_hat=0.3)) == 1  # type: ignore[arg-type]
    assert estimate(SimpleNamespace(_n_hat=1.6)) == 2  # type: ignore[arg-type]
    assert estimate(SimpleNamespace(_n_hat=41.5)) == 42  # type: ignore[arg-type]


def test_linear_engine_close_removes_its_hooks_and_can_run_twice() -> None:
    import numpy as np
    import torch
    from safedata_deep.dpplan import DPSGDPlan
    from safedata_deep.dpsgd import LinearDPSGD
    from torch import nn

    plan = DPSGDPlan(
        noise_multiplier=1.0, sample_rate=0.1, steps=1, steps_per_epoch=1, epochs=1,
        clip_norm=1.0, expected_batch=4.0, epsilon=1.0, delta=1e-5,
    )  # fmt: skip
    net = nn.Linear(3, 1)
    dp = LinearDPSGD(net, torch.optim.SGD(net.parameters(), lr=0.1), plan, np.random.default_rng(0))
    assert net._forward_hooks and net._backward_hooks
    dp.close()
    assert not net._forward_hooks and not net._backward_hooks
    dp.close()  # idempotent
    assert dp._handles == []
