"""Attack.run_step: attacks the target with the data as members and the holdout as non-members."""

from __future__ import annotations

from typing import Any

from safedata_core import AttackResult
from safedata_core.components import StepInputs
from safedata_core.testing.fixtures import tiny_table
from tests.fake_plugins.mechanisms import CoinAttack


class _Spy(CoinAttack):
    def run(self, original: Any, released: Any, control: Any, *, seed: int) -> AttackResult:
        self.args = (original, released, control, seed)
        return AttackResult.from_counts(successes=1, baseline_successes=0, n_attempts=2)


def test_attack_reads_data_target_and_holdout() -> None:
    data, target, holdout = tiny_table(10), tiny_table(8, seed=1), tiny_table(4, seed=2)
    spy = _Spy()
    out = spy.run_step(StepInputs(step="a", use="x", source=data, seed=3, data=data, target=target, holdout=holdout))
    assert spy.args == (data, target, holdout, 3) and out.result["success_rate"] == 0.5 and out.table is None
