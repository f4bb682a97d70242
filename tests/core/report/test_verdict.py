"""Per-release verdicts with one-line reasons naming the failing check, and ``failing_releases`` for the CLI."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from safedata_core import Engine
from safedata_core.report import failing_releases
from tests.core.report.helpers import make_engine, noise_setting, pipeline, small_adult, validate


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    engine = make_engine()
    result = engine.run(pipeline(), data=small_adult(engine))
    assert result.ok, result.error
    return result.report


def test_each_release_has_a_verdict_naming_its_failing_check(report: dict[str, Any]) -> None:
    validate(report)
    releases = {r["step"]: r for r in report["releases"]}
    link = next(a for a in report["attacks"]["results"] if a["step"] == "link_sdc")
    assert link["verdict"] == "fail"
    sdc = releases["sdc"]
    assert sdc["verdict"] == "fail"
    assert sdc["reasons"][0] == f"exact_linkage attack 'link_sdc': risk {link['risk']:.3f} > max_risk 0.10"
    assert releases["synthetic"]["verdict"] in ("pass", "warn")
    assert all("\n" not in r for rel in releases.values() for r in rel["reasons"])
    assert failing_releases(report) == [("sdc", sdc["reasons"][0])]
    assert f"Release 'sdc' FAILS: {sdc['reasons'][0]}." in report["summary"]["messages"]
    assert report["summary"]["verdict"] == "fail"


def test_utility_and_sdc_checks_reach_the_release(report: dict[str, Any]) -> None:
    checks = report["utility"]["release_verdicts"]
    assert set(checks) == {"sdc", "synthetic"}
    for step, check in checks.items():
        rel = next(r for r in report["releases"] if r["step"] == step)
        if check["verdict"] != "pass":
            assert check["reason"] in rel["reasons"] and check["reason"].startswith("mean utility ")
    strict = dict(report)
    strict["utility"] = {**report["utility"], "release_verdicts": {"synthetic": {"verdict": "fail", "reason": "x"}}}
    strict["attacks"] = {**report["attacks"], "results": []}
    from safedata_core.report.verdict import release_verdicts

    assert release_verdicts(strict)["synthetic"] == ("fail", ["x"])


def test_schema_needs_reasons_for_a_failing_release(report: dict[str, Any]) -> None:
    import copy

    bad = copy.deepcopy(report)
    next(r for r in bad["releases"] if r["step"] == "sdc")["reasons"] = []
    with pytest.raises(jsonschema.ValidationError):
        validate(bad)


def test_dcr_reason_names_the_exact_copy_rate() -> None:
    engine = Engine(autoload=False, plugins=["tests.fake_plugins.good_synth"])
    p = {
        "name": "copies",
        "data": {"source": "builtin:adult", "holdout": 0.3},
        "steps": [
            {"id": "copy", "use": "resample", "rows": 300},
            {"id": "dcr", "use": "dcr", "target": "copy", "params": {"n_samples": 300}},
        ],
    }
    table = small_adult(engine, rows=800)
    result = engine.run(p, data=table)
    assert result.ok, result.error
    ((step, reason),) = failing_releases(result.report)
    a = result.report["attacks"]["results"][0]
    rate = a["details"]["exact_copy_rate"]
    assert step == "copy" and rate > 0.9
    assert reason == f"dcr attack 'dcr': risk {a['risk']:.3f} > max_risk 0.10 (exact-copy rate {rate:.2f})"


def test_failing_check_outside_the_releases_is_still_named() -> None:
    report = {
        "run": {"status": "succeeded"},
        "releases": [{"step": "synthetic", "verdict": "pass", "reasons": []}],
        "attacks": {"results": [{"step": "a1", "target": "data", "verdict": "fail", "reason": "r1"}]},
        "utility": {"release_verdicts": {"data": {"verdict": "fail", "reason": "r2"}}},
    }
    assert failing_releases(report) == [("a1", "r1"), ("data", "r2")]
    assert failing_releases({**report, "run": {"status": "failed"}}) == []


def test_noise_setting_helper_matches_the_pipeline_schema() -> None:
    from safedata_core.schema.pipeline import PrivacySpec

    for secure in (True, False):
        spec = PrivacySpec.model_validate({"epsilon": 1.0, **noise_setting(secure)})
        assert spec.noise == ("secure" if secure else "reproducible-test")
