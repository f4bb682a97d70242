"""report.json: schema-valid, sections filled from a real run, verdicts follow thresholds, failed DP is loud."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from safedata_core import Table
from safedata_core.pipeline.record import RunRecord
from safedata_core.report import build_report, render_model_card
from safedata_core.schema.report import Report
from tests.core.report.helpers import make_engine, pipeline, small_adult, validate


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    engine = make_engine()
    out = tmp_path_factory.mktemp("run")
    result = engine.run(pipeline(), data=small_adult(engine), out=out)
    assert result.ok, result.error
    return out


def test_report_json_validates_against_schema(run_dir: Path) -> None:
    report = json.loads((run_dir / "internal" / "report.json").read_text())
    validate(report)
    assert {"report.json", "report.html"} <= {p.name for p in (run_dir / "internal").iterdir()}
    assert "model_card.md" not in {p.name for p in (run_dir / "internal").iterdir()}  # the card travels with release/
    assert {"report.json", "report.html", "model_card.md"} <= {p.name for p in (run_dir / "release").iterdir()}


def test_sections_hold_real_numbers(run_dir: Path) -> None:
    report = json.loads((run_dir / "internal" / "report.json").read_text())
    releases = {r["step"]: r for r in report["releases"]}
    assert set(releases) == {"sdc", "synthetic"}
    assert releases["synthetic"]["dp"] and releases["synthetic"]["epsilon"] == pytest.approx(1.0)
    assert not releases["sdc"]["dp"]
    marg = {m["column"]: m for m in releases["synthetic"]["marginals"]}
    assert marg["sex"]["comparable"] and sum(marg["sex"]["original"]) == pytest.approx(1.0, abs=1e-3)
    assert 0 < marg["age"]["tvd"] < 0.5
    assoc = releases["synthetic"]["association"]
    # the example synthesizer samples columns independently: the relationship/sex association is lost
    i, j = assoc["columns"].index("relationship"), assoc["columns"].index("sex")
    assert assoc["difference"][i][j] > 0.3
    # SDC: exactly the non-White race values were blanked
    sdc = report["sdc"]["steps"][0]
    race_loss = sdc["information_loss"]["columns"]["race"]
    assert race_loss["suppressed"] == pytest.approx(race_loss["changed"]) and 0.05 < race_loss["suppressed"] < 0.3
    assert sdc["information_loss"]["columns"]["age"]["changed"] == 0
    assert sdc["changes"]["records_modified"] == round(race_loss["suppressed"] * sdc["rows_before"])
    # the exact-match linkage finds every SDC row with an untouched race in the original
    risks = {a["target"]: a for a in report["attacks"]["results"]}
    assert risks["sdc"]["risk"] > 0.7 and risks["sdc"]["verdict"] == "fail"
    assert risks["synthetic"]["risk"] < risks["sdc"]["risk"]
    assert report["summary"]["highest_risk"]["target"] == "sdc"
    assert report["attacks"]["verdict"] == "fail" and report["summary"]["verdict"] == "fail"
    assert set(report["utility"]["per_release"]) == {"sdc", "synthetic"}
    assert report["privacy"]["dp_status"] == "claimed"
    assert report["compliance"]["claim"] is False  # the attacks section failed
    assert any("Linkability" in i["notion"] and i["status"] == "not_supported" for i in report["compliance"]["items"])
    assert "not a legal determination" in report["compliance"]["disclaimer"]
    assert any("privacy ledger" in s for s in report["narrative"])


def test_html_has_plots_and_scatter(run_dir: Path) -> None:
    page = (run_dir / "internal" / "report.html").read_text()
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    assert page.count("<svg") >= 2 * 15  # marginals for two releases, heatmaps, risk bars, scatter
    assert "Privacy-utility: highest attack risk vs mean utility" in page
    assert "class='badge'" not in page


def test_thresholds_change_verdicts(tmp_path: Path) -> None:
    engine = make_engine()
    p = pipeline(thresholds={"max_risk": 1.0, "min_utility": 0.0, "bogus": 1})
    p["steps"] = [s for s in p["steps"] if s["id"] != "sdc" and s.get("target") != "sdc"]
    result = engine.run(p, data=small_adult(engine))
    report = result.report
    validate(report)
    assert report["thresholds"]["max_risk"] == 1.0
    assert report["attacks"]["verdict"] == "pass" and report["utility"]["verdict"] == "pass"
    assert any("bogus" in w for w in report["warnings"])
    assert report["summary"]["verdict"] == "pass"
    assert report["compliance"]["claim"] is True and report["compliance"]["badge"]["releases"] == ["synthetic"]
    strict = pipeline(thresholds={"min_utility": 0.999})
    report2 = engine.run(strict, data=small_adult(engine)).report
    assert report2["utility"]["verdict"] in ("warn", "fail")


def test_failed_dp_step_is_in_summary_and_blocks_compliance(tmp_path: Path) -> None:
    engine = make_engine()
    table = small_adult(engine)
    p = pipeline()
    # the DP step fails: 'workclass' is declared without its categories, so the example synthesizer refuses it
    meta = table.metadata.model_copy(deep=True)
    meta.columns["workclass"].categories = None
    result = engine.run(p, data=Table(table.df, meta), out=tmp_path / "run")
    assert not result.ok
    report = json.loads((tmp_path / "run" / "internal" / "report.json").read_text())
    validate(report)
    assert report["run"]["failed_step"] == {"step": "synthetic", "use": "example", "kind": "synthesizer", "dp": True}
    assert report["privacy"]["dp_status"] == "failed" and report["summary"]["verdict"] == "fail"
    assert any(
        "DP step 'synthetic'" in m and "no differential privacy guarantee" in m for m in report["summary"]["messages"]
    )
    assert report["compliance"]["claim"] is False and report["compliance"]["badge"] is None
    assert report["releases"] == []
    page = (tmp_path / "run" / "internal" / "report.html").read_text()
    summary = page[page.index("id='summary'") : page.index("id='data'")]
    assert "DP step FAILED" in summary and "role='alert'" in summary
    assert "class='badge'" not in page and "No compliance claim is made" in page
    assert not (tmp_path / "run" / "release").exists()
    card = render_model_card(report)
    assert "FAILED" in card


@pytest.fixture(scope="module")
def recorded() -> tuple[dict[str, Any], RunRecord]:
    engine = make_engine()
    result = engine.run(pipeline(), data=small_adult(engine, rows=600))
    assert result.ok and result.record is not None, result.error
    return result.report, result.record


def test_report_is_rebuilt_from_the_record_alone(recorded: tuple[dict[str, Any], RunRecord]) -> None:
    report, record = recorded
    stored = RunRecord.model_validate_json(record.model_dump_json())  # the record survives JSON
    rebuilt = build_report(stored)  # no tables: the sections that compare tables are empty
    validate(rebuilt)
    for key in ("data", "inventory", "profile", "components", "privacy", "attacks", "utility", "steps", "warnings"):
        assert rebuilt[key] == report[key], key
    assert {k: v for k, v in rebuilt["run"].items() if k != "finished_at"} == {
        k: v for k, v in report["run"].items() if k != "finished_at"
    }
    assert rebuilt["releases"] == [] and report["releases"]
    assert stored.data is not None and report["data"]["rows"] == stored.data.rows
    assert Report.model_validate(report).run.id == Report.model_validate(rebuilt).run.id == record.run_id
    assert [c.step for c in stored.components] == [s["step"] for s in report["components"]]


def test_a_dp_step_without_charges_in_the_record_is_flagged(recorded: tuple[dict[str, Any], RunRecord]) -> None:
    _, record = recorded
    steps = [s.model_copy(update={"charges": 0}) if s.id == "synthetic" else s for s in record.steps]
    report = build_report(record.model_copy(update={"steps": steps}))
    priv = report["privacy"]
    assert priv["silent_steps"] == ["synthetic"] and priv["verdict"] == "warn"
    assert any("recorded no charge" in w for w in priv["dp_warnings"])
    assert build_report(record)["privacy"]["silent_steps"] == []


def test_a_failed_step_in_the_record_is_the_failed_step(recorded: tuple[dict[str, Any], RunRecord]) -> None:
    _, record = recorded
    steps = [*record.steps[:2], record.step("synthetic").model_copy(update={"status": "failed", "error": "boom"})]
    report = build_report(record.model_copy(update={"steps": steps, "status": "failed", "error": "boom"}))
    validate(report)
    assert report["run"]["failed_step"] == {"step": "synthetic", "use": "example", "kind": "synthesizer", "dp": True}
    assert report["privacy"]["dp_status"] == "failed" and report["compliance"]["claim"] is False
