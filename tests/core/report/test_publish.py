"""The answer to "can I publish?": one plain-language decision per released table, and epsilon/delta explained."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from safedata_core.report.publish import PRIVACY_DOCS, privacy_explainer, publish_decisions
from tests.core.report.helpers import make_engine, pipeline, small_adult, validate


@pytest.fixture(scope="module")
def passing() -> dict[str, Any]:
    engine = make_engine()
    p = pipeline(thresholds={"max_risk": 1.0, "min_utility": 0.0})
    p["steps"] = [s for s in p["steps"] if s["id"] != "sdc" and s.get("target") != "sdc"]
    result = engine.run(p, data=small_adult(engine))
    assert result.ok, result.error
    return result.report


def test_a_passing_dp_release_may_be_published_and_says_why(passing: dict[str, Any]) -> None:
    validate(passing)
    (d,) = passing["summary"]["publish"]
    rel = passing["releases"][0]
    assert d["release"] == "synthetic" and d["decision"] == "yes" and d["problems"] == []
    assert d["dp"] is True and d["label"] == rel["label"] and rel["label"].startswith("differentially private")
    util = passing["utility"]["per_release"]["synthetic"]
    assert d["text"] == (
        f"Publish `synthetic`: yes, because it is differentially private (ε = {rel['epsilon']:.3g}, "
        f"δ = {rel['delta']:.3g}); 1 attack stayed within max_risk 1.00; "
        f"its mean utility {util:.3f} is at least min_utility 0.00."
    )


def test_decisions_follow_the_worst_check(passing: dict[str, Any]) -> None:
    report = copy.deepcopy(passing)
    rel = report["releases"][0]
    rel["verdict"] = "warn"
    report["utility"]["release_verdicts"]["synthetic"] = {
        "verdict": "warn",
        "reason": "mean utility 0.75 < min_utility 0.80",
    }
    (d,) = publish_decisions(report)
    assert d["decision"] == "review" and d["text"].startswith(
        "Publish `synthetic`: not before a review, because it is less faithful to the original data than required: "
        "mean utility 0.75 < min_utility 0.80"
    )
    rel["verdict"] = "fail"
    report["attacks"]["results"][0].update(verdict="fail", reason="dcr attack 'x': risk 0.900 > max_risk 0.10")
    (d,) = publish_decisions(report)
    assert d["decision"] == "no" and d["problems"] == [
        "dcr attack 'x': risk 0.900 > max_risk 0.10",
        "mean utility 0.75 < min_utility 0.80",
    ]
    assert "(and 1 more problem)" in d["text"] and "an attack on it succeeds more often than allowed" in d["text"]
    # an intermediate table (not released) gets no decision
    rel["released"] = False
    assert publish_decisions(report) == []


def test_epsilon_and_delta_in_plain_words() -> None:
    ex = privacy_explainer(1.0, 1e-6)
    assert "e^ε times more likely" in ex["epsilon"] and "×2.7" in ex["epsilon"]
    assert (
        ex["spent"] == "This run spent ε = 1 and δ = 1e-06 in total: at most ×2.72 for any conclusion about one person."
    )
    assert "SDC release" in ex["scope"] and ex["docs"] == PRIVACY_DOCS
    assert "No DP step ran" in privacy_explainer(None, None)["spent"]
    assert privacy_explainer(0.1, 0.0)["spent"].endswith("at most ×1.11 for any conclusion about one person.")
