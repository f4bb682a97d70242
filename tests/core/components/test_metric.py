"""Metric.run_step: scores the target against the data."""

from __future__ import annotations

from safedata_core import MetricResult, Table
from safedata_core.components import StepInputs
from safedata_core.testing.fixtures import tiny_table


def test_metric_scores_the_target_against_the_data() -> None:
    from safedata_core.components import Metric

    class Rows(Metric):
        def compute(
            self, original: Table, released: Table, *, holdout: Table | None = None, seed: int = 0
        ) -> MetricResult:
            return MetricResult(score=len(released) / len(original), details={"holdout": holdout is None})

    data, target = tiny_table(10), tiny_table(5, seed=1)
    out = Rows().run_step(StepInputs(step="m", use="rows", source=data, seed=0, data=data, target=target))
    assert out.result == {"score": 0.5, "details": {"holdout": True}, "higher_is_better": True}
