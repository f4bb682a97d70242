"""Attack, Metric, SDCMethod and Profiler run_step: what each reads from StepInputs and returns."""

from __future__ import annotations

from typing import Any

import numpy as np

from safedata_core import AttackResult, MetricResult, SDCResult, Table
from safedata_core.components import StepInputs
from safedata_core.default_plugins.profile import ProfileStep
from safedata_core.testing.fixtures import tiny_table
from tests.fake_plugins.mechanisms import BlankSDC, CoinAttack


class _Spy(CoinAttack):
    def run(self, original: Any, released: Any, control: Any, *, seed: int) -> AttackResult:
        self.args = (original, released, control, seed)
        return AttackResult.from_counts(successes=1, baseline_successes=0, n_attempts=2)


def test_attack_reads_data_target_and_holdout() -> None:
    data, target, holdout = tiny_table(10), tiny_table(8, seed=1), tiny_table(4, seed=2)
    spy = _Spy()
    out = spy.run_step(StepInputs(step="a", use="x", source=data, seed=3, data=data, target=target, holdout=holdout))
    assert spy.args == (data, target, holdout, 3) and out.result["success_rate"] == 0.5 and out.table is None


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


def test_sdc_applies_to_the_targeted_rows() -> None:
    class Mark(BlankSDC):
        def apply(self, table: Any, *, seed: int, rows: Any = None) -> SDCResult:
            return SDCResult(table, {"records_modified": int(np.sum(rows))})

    table, mask = tiny_table(6), np.array([True, False, True, False, False, False])
    out = Mark().run_step(StepInputs(step="s", use="m", source=table, seed=0, rows_mask=mask))
    assert out.table is table and out.result == {"records_modified": 2}


def test_profile_step_leaves_the_profile_and_rare_mask_as_facts() -> None:
    table = tiny_table(60)
    out = ProfileStep({"k": 3}).run_step(StepInputs(step="p", use="profile", source=table, seed=0))
    assert out.result is out.facts["profile"] and out.result["quasi_identifiers"] == ["age", "sex", "region"]
    assert out.facts["rare_mask"].shape == (60,) and out.facts["rare_mask"].dtype == bool and out.table is None
