"""Output helpers: the Pareto front and the ready pipeline."""

from __future__ import annotations

from typing import Any

from safedata_core.tune.output import pareto_front


def row(eps: float, obj: float, risk: float | None = None, status: str = "ok") -> dict[str, Any]:
    return {"epsilon": eps, "objective": obj, "risk": risk, "status": status, "trial": 0}


def test_pareto_front_keeps_the_non_dominated_trials() -> None:
    rows = [
        row(1.0, 0.80),  # front: cheapest at its utility
        row(2.0, 0.85),  # front: best utility
        row(2.0, 0.70),  # dominated by both
        row(1.0, 0.80),  # a tie is not dominated
        row(0.5, 0.99, status="error: boom"),  # failed trials never count
    ]
    assert pareto_front(rows) == [0, 1, 3]
    with_risk = [row(1.0, 0.8, 0.6), row(1.0, 0.8, 0.5), row(1.0, 0.9, 0.7)]
    assert pareto_front(with_risk) == [1, 2]
