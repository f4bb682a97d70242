"""schemas/report.schema.json is generated from the report models: same required keys, same rules, valid schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from safedata_core.schema.report import REPORT_SCHEMA_ID, REPORT_SCHEMA_VERSION, Report, report_json_schema

ROOT = Path(__file__).resolve().parents[3]
TOP_LEVEL = (
    "schema_version kind notice run thresholds data inventory components privacy releases sdc attacks utility "
    "steps warnings summary narrative compliance"
).split()


def _validator(definition: str) -> jsonschema.Draft202012Validator:
    schema = report_json_schema()
    sub = {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    return jsonschema.Draft202012Validator(sub, format_checker=jsonschema.FormatChecker())


def test_generated_schema_is_a_valid_schema_with_id_and_version() -> None:
    schema = report_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == REPORT_SCHEMA_ID and schema["schema_version"] == REPORT_SCHEMA_VERSION == 4
    assert schema["required"] == TOP_LEVEL and len(schema["allOf"]) == 3
    assert schema == json.loads((ROOT / "schemas" / "report.schema.json").read_text())


def test_optional_fields_are_absent_or_typed_never_null() -> None:
    data = _validator("DataSummary")
    assert data.is_valid({"source": "builtin:adult"}) and data.is_valid({"source": "x", "rows": 3, "extra": 1})
    assert not data.is_valid({"source": "x", "rows": None}) and not data.is_valid({"rows": 3})
    run = _validator("RunInfo").schema["$defs"]["RunInfo"]
    assert run["properties"]["pipeline_sha256"]["pattern"] == "^[0-9a-f]{64}$"
    assert run["properties"]["finished_at"]["format"] == "date-time"


def test_enums_and_closed_objects() -> None:
    check = _validator("Check")
    assert check.is_valid({"check": "dp", "verdict": "warn", "reason": None})
    assert not check.is_valid({"check": "dp", "verdict": "maybe", "reason": None})
    assert not check.is_valid({"check": "dp", "verdict": "warn", "reason": "two\nlines"})
    explainer = _validator("PrivacyExplainer")
    five = dict.fromkeys(("epsilon", "delta", "scope", "spent", "docs"), "text")
    assert explainer.is_valid(five) and not explainer.is_valid({**five, "more": "x"})
    assert not explainer.is_valid({**five, "docs": ""})


@pytest.mark.parametrize(
    ("claim", "badge", "ok"), [(False, None, True), (False, {"label": "x", "releases": [], "basis": "y"}, False)]
)
def test_badge_rules(claim: bool, badge: dict[str, Any] | None, ok: bool) -> None:
    rules = jsonschema.Draft202012Validator({"allOf": report_json_schema()["allOf"]})
    doc = {"compliance": {"claim": claim, "badge": badge}, "privacy": {"dp_status": "claimed", "noise": "secure"}}
    assert rules.is_valid(doc) is ok


def test_models_parse_what_they_describe() -> None:
    fields = Report.model_fields
    assert [name for name, field in fields.items() if field.is_required()] == TOP_LEVEL
    assert fields["profile"].is_required() is False and fields["run"].is_required()


def test_nested_rules_a_failing_release_says_why_and_publish_follows_the_verdict() -> None:
    releases = report_json_schema()["$defs"]["ReleaseEntry"]
    rule = jsonschema.Draft202012Validator({"allOf": releases["allOf"]})
    assert not rule.is_valid({"verdict": "fail", "reasons": []}) and rule.is_valid({"verdict": "pass", "reasons": []})
    assert releases["properties"]["reasons"]["items"]["pattern"] == "^[^\\n]*$"
    publish = jsonschema.Draft202012Validator({"allOf": report_json_schema()["$defs"]["PublishDecision"]["allOf"]})
    assert publish.is_valid({"verdict": "warn", "decision": "review"})
    assert not publish.is_valid({"verdict": "fail", "decision": "yes"})
