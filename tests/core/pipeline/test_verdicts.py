"""A run's verdict for its caller: pass/fail/None, per release, with one reason line per failing release."""

from __future__ import annotations

from typing import Any

from safedata_core.pipeline.verdicts import run_outcome
from safedata_core.testing.fixtures import tiny_table
from tests.core.pipeline import fakes


def report(
    verdict: str, *, releases: list[dict[str, Any]], attacks: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "run": {"status": "succeeded"},
        "summary": {"verdict": verdict},
        "thresholds": {"max_risk": 0.1, "min_utility": 0.8, "utility_margin": 0.1},
        "releases": releases,
        "attacks": {"verdict": verdict, "reasons": [], "results": attacks or []},
        "utility": {"verdict": "not_applicable", "reasons": [], "results": [], "per_release": {}},
        "sdc": {"verdict": "not_applicable", "reasons": [], "steps": [], "chains": []},
        "privacy": {"verdict": "not_applicable", "reasons": []},
    }


def attack(target: str, risk: float, verdict: str) -> dict[str, Any]:
    return {
        "step": "link",
        "use": "linkage",
        "target": target,
        "risk": risk,
        "risk_ci": [0.0, risk + 0.1],
        "verdict": verdict,
    }


def test_failed_run_has_no_verdict() -> None:
    assert run_outcome({"run": {"status": "failed"}, "summary": {"verdict": "fail"}}).verdict is None


def test_releases_judged_from_the_sections_when_the_report_has_no_release_verdicts() -> None:
    r = report(
        "fail",
        releases=[{"step": "a", "released": True}, {"step": "b", "released": True}, {"step": "mid", "released": False}],
        attacks=[attack("a", 0.45, "fail"), attack("b", 0.05, "warn")],
    )
    out = run_outcome(r)
    assert out.verdict == "fail" and out.releases == {"a": "fail", "b": "pass"}
    assert out.failures == [
        "release 'a' FAILED: attack link (linkage): risk 0.450 (95% CI up to 0.550) vs max_risk 0.1"
    ]
    assert out.warnings == ["release 'b': attack link (linkage): risk 0.050 (95% CI up to 0.150) vs max_risk 0.1"]


def test_release_verdicts_from_the_report_win() -> None:
    r = report("fail", releases=[{"step": "a", "released": True, "verdict": "fail", "reasons": ["too risky"]}])
    out = run_outcome(r)
    assert out.releases == {"a": "fail"} and out.failures == ["release 'a' FAILED: too risky"]


def test_warn_is_a_pass_for_the_caller() -> None:
    out = run_outcome(report("warn", releases=[{"step": "a", "released": True, "verdict": "warn", "reasons": ["x"]}]))
    assert out.verdict == "pass" and out.releases == {"a": "pass"} and out.warnings == ["release 'a': x"]


def test_a_fail_not_tied_to_a_release_is_still_explained() -> None:
    r = report("fail", releases=[])
    r["utility"] = {"verdict": "fail", "reasons": ["'data': mean utility 0.1 < 0.70"], "per_release": {}}
    assert run_outcome(r).failures == ["utility FAILED: 'data': mean utility 0.1 < 0.70"]


def test_run_result_carries_the_verdicts() -> None:
    p = {
        "data": {"source": "mem"},
        "steps": [{"id": "copy", "use": "resample"}, {"id": "tv", "use": "tv_complement"}],
        "report": {"thresholds": {"min_utility": 2.0}},
    }
    result = fakes.engine().run(p, data=tiny_table(100))
    assert result.ok and result.verdict == "fail" and result.release_verdicts == {"copy": "fail"}
    assert result.verdict_failures[0].startswith("release 'copy' FAILED: mean utility ")
    relaxed = fakes.engine().run({**p, "report": {}}, data=tiny_table(100))
    assert relaxed.verdict == "pass" and relaxed.release_verdicts == {"copy": "pass"}
