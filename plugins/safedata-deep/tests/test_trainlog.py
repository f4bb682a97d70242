"""The training log: what goes into the report, with and without DP."""

from __future__ import annotations

from safedata_deep.trainlog import TrainLog


def test_timing_is_reported_only_for_non_private_fits() -> None:
    log = TrainLog(losses=[1.234567, 0.5], epoch_seconds=[2.0, 4.0])
    assert log.to_dict(dp=False) == {"loss_per_epoch": [1.23457, 0.5], "seconds_per_epoch": 3.0}
    assert log.to_dict(dp=True) == {"loss_per_epoch": [1.23457, 0.5]}  # epoch time depends on the row count
