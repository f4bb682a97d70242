"""The release narrative (safedata_core/report/narrative.py): read from a release view alone, one sentence a fact."""

from __future__ import annotations

import copy
from typing import Any

from safedata_core.report.narrative import release_narrative
from safedata_core.schema.release_report import ReleaseReport

SHA = "ab" * 32


def _release(step: str, kind: str, dp: bool, label: str) -> dict[str, Any]:
    return {
        "step": step,
        "use": "example" if kind != "sdc" else "suppress",
        "kind": kind,
        "privacy": "dp" if dp else "sdc",
        "dp": dp,
        "label": label,
        "noise": "secure" if dp else None,
        "epsilon": 0.5 if dp else None,
        "delta": 1e-7 if dp else None,
        "share": {"epsilon": 0.5, "delta": 1e-7} if dp else None,
        "params": {},
        "component": dict.fromkeys(
            ("summary", "plugin", "distribution", "version", "privacy_guarantee", "assumptions")
        ),
        "table": {"rows": 300, "columns": ["age"]},
    }


def _view() -> dict[str, Any]:
    charge = {"step": "synthetic", "component": "example", "mechanism": "laplace", "epsilon": 0.5, "delta": 1e-7}
    view = {
        "schema_version": 2,
        "kind": "release",
        "notice": "n",
        "dp_headline": "h",
        "run": {
            "id": "r1",
            "name": "demo",
            "status": "succeeded",
            "failed_step": None,
            "pipeline_sha256": SHA,
            "seed": 7,
            "versions": {"safedata-core": "0.9"},
            "released_on": "2026-12-03",
        },
        "data": {"source": "people.csv"},
        "privacy": {
            "dp_status": "claimed",
            "dp_claimed": True,
            "noise": "secure",
            "dp_steps": ["synthetic"],
            "dp_warnings": [],
            "ledger": {
                "accountant": "basic",
                "budget": {"epsilon": 1.0, "delta": 1e-6},
                "spent": {"epsilon": 0.5, "delta": 1e-7},
                "charges": [charge],
            },
        },
        "releases": [
            _release("synthetic", "synthesizer", True, "differentially private"),
            _release("sdc", "sdc", False, "not DP: statistical disclosure control"),
        ],
        "compliance": {"disclaimer": "d", "badge": None, "no_badge_reason": "r"},
        "privacy_explainer": dict.fromkeys(("epsilon", "delta", "scope", "spent", "docs"), "x"),
    }
    ReleaseReport.model_validate(view)  # the narrative reads a view of the published shape
    return view


def test_each_release_and_the_ledger_get_a_sentence() -> None:
    lines = release_narrative(_view())
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
    view = copy.deepcopy(_view())
    view["privacy"]["noise"] = "seeded"
    view["run"]["status"] = "failed"
    view["run"]["failed_step"] = {"step": "synthetic", "use": "example", "kind": "synthesizer", "dp": True}
    view["releases"] = []
    view["privacy"]["ledger"]["budget"] = None
    lines = release_narrative(view)
    assert "reproducible test generator ('seeded')" in lines[1]
    assert lines[-1] == "The run FAILED at step 'synthetic' (example): nothing was released."
    assert not any("ledger" in line for line in lines)  # no budget: no ledger sentence
