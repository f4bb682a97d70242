"""DP status: reproducible test noise is "not DP" with no badge; a DP step without a charge is found in the ledger."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import numpy as np
import pytest

from safedata_core import Engine, Synthesizer, Table, hookimpl
from safedata_core.report import release_view, render_html, render_model_card
from safedata_core.report.dpstatus import TEST_NOISE_LABEL
from tests.core.report.helpers import make_engine, pipeline, small_adult, validate, validate_release


def _passing(secure: bool) -> dict[str, Any]:
    """The helper pipeline without the SDC release, with thresholds every section passes."""
    p = pipeline(secure=secure, thresholds={"max_risk": 1.0, "min_utility": 0.0})
    p["steps"] = [s for s in p["steps"] if s["id"] != "sdc" and s.get("target") != "sdc"]
    return p


@pytest.fixture(scope="module")
def reports() -> dict[str, dict[str, Any]]:
    engine = make_engine()
    table = small_adult(engine, rows=600)
    out = {}
    for mode in ("secure", "reproducible"):
        result = engine.run(_passing(mode == "secure"), data=table)
        assert result.ok, result.error
        out[mode] = result.report
    return out


def test_reproducible_noise_is_not_dp_and_has_no_badge(reports: dict[str, dict[str, Any]]) -> None:
    report = reports["reproducible"]
    validate(report)
    priv = report["privacy"]
    assert priv["noise"] not in (None, "secure")
    assert priv["dp_status"] == "reproducible_noise" and priv["dp_claimed"] is False
    assert report["summary"]["dp_status"] == "reproducible_noise" and report["summary"]["verdict"] == "warn"
    assert any(TEST_NOISE_LABEL in r for r in priv["reasons"])
    assert report["compliance"]["badge"] is None and report["compliance"]["no_claim_reason"] == TEST_NOISE_LABEL
    (rel,) = report["releases"]
    assert rel["dp"] is False and rel["label"] == TEST_NOISE_LABEL and rel["verdict"] == "warn"
    page = render_html(report)
    summary = page[page.index("id='summary'") : page.index("id='data'")]
    assert "class='badge'" not in page and f"<code>{rel['step']}</code>: {TEST_NOISE_LABEL}" in summary
    publish = page[page.index("id='publish'") : page.index("id='summary'")]
    assert f"DP status of <code>{rel['step']}</code>: <b>{TEST_NOISE_LABEL}</b>" in publish
    view = release_view(report)
    validate_release(view)
    assert view["privacy"]["dp_claimed"] is False and view["compliance"]["badge"] is None
    assert view["dp_headline"].startswith("Not DP: noise reproducible from the seed (test mode)")
    assert view["releases"][0]["dp"] is False and view["releases"][0]["label"] == TEST_NOISE_LABEL
    card = render_model_card(report)
    assert "Not DP: noise reproducible from the seed (test mode)" in card and "DP guarantee held" not in card


def test_secure_noise_gets_the_badge(reports: dict[str, dict[str, Any]]) -> None:
    report = reports["secure"]
    validate(report)
    assert report["privacy"]["noise"] == "secure" and report["privacy"]["dp_status"] == "claimed"
    assert report["compliance"]["badge"]["releases"] == ["synthetic"]
    (rel,) = report["releases"]
    assert rel["dp"] is True and rel["label"].startswith("differentially private") and rel["verdict"] == "pass"
    view = release_view(report)
    validate_release(view)
    assert view["compliance"]["badge"]["releases"] == ["synthetic"] and view["privacy"]["dp_claimed"] is True
    assert "class='badge'" in render_html(view) and "DP guarantee held" in render_model_card(report)


def test_schemas_refuse_a_badge_without_secure_noise(reports: dict[str, dict[str, Any]]) -> None:
    forged = copy.deepcopy(reports["reproducible"])
    forged["compliance"]["badge"] = reports["secure"]["compliance"]["badge"]
    forged["compliance"]["claim"] = True
    with pytest.raises(jsonschema.ValidationError):
        validate(forged)
    view = release_view(reports["reproducible"])
    view["compliance"]["badge"] = release_view(reports["secure"])["compliance"]["badge"]
    with pytest.raises(jsonschema.ValidationError):
        validate_release(view)
    view = release_view(reports["reproducible"])
    view["releases"][0]["dp"] = True  # a DP label under test noise
    with pytest.raises(jsonschema.ValidationError):
        validate_release(view)


class SilentSynthesizer(Synthesizer):
    """Test double: a 'DP' synthesizer that never charges its budget share.

    **Privacy guarantee**: none (a broken component, for tests).

    **Assumptions**: none.
    """

    name = "silent"
    privacy = "dp"

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        self._table = table

    def sample(self, n: int, *, seed: int) -> Table:
        idx = np.random.default_rng(seed).integers(0, len(self._table), n)
        return self._table.with_df(self._table.df.iloc[idx].reset_index(drop=True))


class RewordingPlugin:
    """Registers the silent synthesizer and changes the wording of the run's warnings after each step."""

    @hookimpl
    def register_synthesizers(self, register: Any) -> None:
        register(SilentSynthesizer)

    @hookimpl
    def after_step(self, step: Any, outcome: Any, context: Any) -> None:
        context.warnings[:] = [w.replace("recorded no charge", "spent nothing") for w in context.warnings]
        if step.id == "synthetic":  # a misleading text about a step that did charge
            context.warnings.append("step 'synthetic': note that an older run recorded no charge")


def test_silent_dp_step_is_found_in_the_ledger_not_in_warning_text() -> None:
    engine = Engine(autoload=False, plugins=["safedata_example", RewordingPlugin()])
    p = pipeline()
    p["privacy"]["epsilon"] = 2.0
    p["steps"] = [
        {"id": "synthetic", "use": "example", "privacy": {"epsilon": 1.0}},
        {"id": "quiet", "use": "silent", "privacy": {"epsilon": 1.0}, "rows": 200},
    ]
    result = engine.run(p, data=small_adult(engine, rows=400))
    assert result.ok, result.error
    report = result.report
    validate(report)
    priv = report["privacy"]
    assert priv["silent_steps"] == ["quiet"] and priv["verdict"] == "warn"
    assert priv["reasons"] == ["step 'quiet': DP component 'silent' recorded no charge in the ledger"]
    releases = {r["step"]: r for r in report["releases"]}
    assert releases["synthetic"]["dp"] is True
    assert releases["quiet"]["dp"] is False and "recorded no charge" in releases["quiet"]["label"]
    assert report["compliance"]["badge"]["releases"] == ["synthetic"]
    view = release_view(report)
    assert view["privacy"]["dp_warnings"] == priv["reasons"]
    assert [r["step"] for r in view["releases"] if r["dp"]] == ["synthetic"]
