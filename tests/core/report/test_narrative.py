"""The release narrative (safedata_core/report/narrative.py): read from a release view alone, one sentence a fact."""

from __future__ import annotations

import copy

from safedata_core.report.narrative import release_narrative
from tests.core.report.views import SHA, example_view


def test_each_release_and_the_ledger_get_a_sentence() -> None:
    lines = release_narrative(example_view())
    assert lines[0] == (f"safedata-core 0.9 ran pipeline 'demo' (SHA-256 {SHA[:16]}…) with seed 7 on people.csv.")
    assert "cryptographically secure generator" in lines[1]
    assert lines[2] == (
        "Step 'synthetic' released 300 rows made by 'example' (synthesizer) under differential privacy, "
        "spending epsilon=0.5, delta=1e-07."
    )
    assert lines[3] == (
        "Step 'sdc' released 300 real records treated by 'suppress' (SDC): not DP: statistical disclosure control."
    )
    assert lines[4].startswith("The privacy ledger records 1 charges, composed with the basic accountant")
    assert len(lines) == 5


def test_test_noise_and_a_failed_run_are_said() -> None:
    view = copy.deepcopy(example_view())
    view["privacy"]["noise"] = "seeded"
    view["run"]["status"] = "failed"
    view["run"]["failed_step"] = {"step": "synthetic", "use": "example", "kind": "synthesizer", "dp": True}
    view["releases"] = []
    view["privacy"]["ledger"]["budget"] = None
    lines = release_narrative(view)
    assert "reproducible test generator ('seeded')" in lines[1]
    assert lines[-1] == "The run FAILED at step 'synthetic' (example): nothing was released."
    assert not any("ledger" in line for line in lines)  # no budget: no ledger sentence
