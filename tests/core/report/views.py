"""A hand-made release view of the published shape (checked against the release report models)."""

from __future__ import annotations

from typing import Any

from safedata_core.schema.release_report import ReleaseReport

SHA = "ab" * 32


def release_entry(step: str, kind: str, dp: bool, label: str) -> dict[str, Any]:
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


def example_view() -> dict[str, Any]:
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
            release_entry("synthetic", "synthesizer", True, "differentially private"),
            release_entry("sdc", "sdc", False, "not DP: statistical disclosure control"),
        ],
        "compliance": {"disclaimer": "d", "badge": None, "no_badge_reason": "r"},
        "privacy_explainer": dict.fromkeys(("epsilon", "delta", "scope", "spent", "docs"), "x"),
    }
    ReleaseReport.model_validate(view)  # the narrative reads a view of the published shape
    return view
