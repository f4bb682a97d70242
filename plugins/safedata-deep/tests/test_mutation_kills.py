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
