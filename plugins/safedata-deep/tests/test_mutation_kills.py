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


def _engine(net: object, rate: float = 0.5) -> object:
    import numpy as np
    import torch
    from safedata_deep.dpplan import DPSGDPlan
    from safedata_deep.dpsgd import LinearDPSGD

    plan = DPSGDPlan(
        noise_multiplier=1.0, sample_rate=rate, steps=3, steps_per_epoch=1, epochs=3,
        clip_norm=1.0, expected_batch=4.0, epsilon=1.0, delta=1e-5,
    )  # fmt: skip
    return LinearDPSGD(net, torch.optim.SGD(net.parameters(), lr=0.1), plan, np.random.default_rng(0))  # type: ignore[arg-type]


def test_linear_engine_counts_its_steps_and_an_empty_batch_has_no_loss() -> None:
    import math

    import torch
    from torch import nn

    torch.manual_seed(0)
    net = nn.Linear(3, 1)
    dp = _engine(net)
    assert dp.last_norms.numel() == 0 and dp.steps_taken == 0  # type: ignore[attr-defined]
    x = torch.randn(4, 3)
    loss = dp.step(lambda: (net(x) ** 2).sum(dim=1), 4)  # type: ignore[attr-defined]
    assert math.isfinite(loss)
    assert dp.last_norms.shape == (4,)  # type: ignore[attr-defined]
    empty = dp.step(lambda: torch.zeros(0), 0)  # type: ignore[attr-defined]
    assert isinstance(empty, float) and math.isnan(empty)  # no rows sampled: noise only, no loss
    dp.step(lambda: (net(x[:2]) ** 2).sum(dim=1), 2)  # type: ignore[attr-defined]
    assert dp.steps_taken == 3  # type: ignore[attr-defined]


def test_linear_engine_refuses_a_layer_outside_the_loss() -> None:
    import pytest
    import torch
    from torch import nn

    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    dp = _engine(net)
    x = torch.randn(4, 3)
    with pytest.raises(RuntimeError) as err:
        dp.step(lambda: net[0](x).sum(dim=1), 4)  # type: ignore[attr-defined]  # the second layer never runs
    assert str(err.value) == "LinearDPSGD: a trainable Linear layer took no part in the loss of this step"


def test_selection_delta_is_split_over_the_selections_and_zero_delta_is_refused() -> None:
    import pytest
    from safedata_deep.dpplan import DPQueries

    from safedata_core import PrivacyBudgetError
    from safedata_core.testing import make_budget

    queries = DPQueries(make_budget(3.0, 1e-6), n_counting=1, n_select=2, fraction=0.5, component="ctgan")
    assert queries.delta_each == pytest.approx(0.5 * 1e-6 / 2)  # half the delta, shared by two selections
    assert queries.epsilon_each == pytest.approx(0.5 * 3.0 / 3)
    with pytest.raises(PrivacyBudgetError) as err:
        DPQueries(make_budget(3.0, 0.0), n_counting=1, n_select=1, fraction=0.5, component="ctgan")
    assert str(err.value) == (
        "ctgan: selecting the categories of a column without a public domain needs delta > 0 "
        "(give the step a delta, or declare the categories in the metadata)"
    )


def test_solve_log_ends_of_the_search() -> None:
    import math

    import pytest
    from safedata_deep.dpplan import _solve_log

    assert _solve_log(lambda x: 1.0) == math.inf  # overspends at every noise level up to 1e7
    # feasible everywhere: the halving stops at the last power of two above 1e-6, 2^-19
    assert _solve_log(lambda x: -1.0) == pytest.approx(2.0**-19, rel=1e-12)


def test_plan_for_a_single_row_uses_one_expected_row_and_reports_the_event_epsilon() -> None:
    import pytest
    from safedata_deep.dpplan import plan_dpsgd

    from safedata_core.testing import make_budget

    budget = make_budget(2.0, 1e-5)
    plan = plan_dpsgd(budget, n_rows=1.0, batch_size=1, epochs=1, clip_norm=1.0, component="tvae")
    # E[batch] = q * n for Poisson sampling with rate q over n rows
    assert plan.expected_batch == pytest.approx(plan.sample_rate * 1.0)
    assert isinstance(plan.epsilon, float) and 0 < plan.epsilon <= 2.0 * (1 + 1e-6)
