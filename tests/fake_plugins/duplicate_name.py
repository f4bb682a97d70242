"""Registers a metric whose name collides with the built-in 'ks_complement'."""

from __future__ import annotations

from typing import Any

from safedata_core import Metric, MetricResult, hookimpl


class ShadowKSMetric(Metric):
    """A second 'ks_complement'.

    **Privacy guarantee**: none.

    **Assumptions**: none.
    """

    name = "ks_complement"

    def compute(self, original: Any, released: Any, *, holdout: Any = None, seed: int = 0) -> MetricResult:
        return MetricResult(score=0.0)


@hookimpl
def register_metrics(register: Any) -> None:
    register(ShadowKSMetric)
