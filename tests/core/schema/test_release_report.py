"""schemas/release-report.schema.json is generated from safedata_core/schema/release_report.py and fits real runs."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from safedata_core import Engine
from safedata_core.report.release import RELEASE_SCHEMA_VERSION as VIEW_VERSION
from safedata_core.schema.release_report import (
    RELEASE_SCHEMA_ID,
    RELEASE_SCHEMA_VERSION,
    ReleaseReport,
    release_report_json_schema,
)
from safedata_core.testing.fixtures import tiny_table

ROOT = Path(__file__).resolve().parents[3]
COMMITTED = ROOT / "schemas" / "release-report.schema.json"
TOP_LEVEL = "schema_version kind notice dp_headline run data privacy releases compliance privacy_explainer".split()


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(COMMITTED.read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture(scope="module")
def release_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``release/report.json`` of a small run: a DP synthesizer and a metric, secure noise."""
    engine = Engine(autoload=False, plugins=["safedata_example"])
    pipeline = {
        "version": 1,
        "name": "release-schema",
        "seed": 3,
        "data": {"source": "tiny.csv", "holdout": 0.25},
        "privacy": {"epsilon": 1.0, "delta": 1e-6, "accountant": "basic"},
        "steps": [
            {"id": "synthetic", "use": "example", "privacy": {"epsilon": 1.0}, "rows": 100},
            {"id": "tv", "use": "tv_complement", "target": "synthetic"},
        ],
    }
    out = tmp_path_factory.mktemp("release")
    result = engine.run(pipeline, data=tiny_table(200), out=out)
    assert result.ok, result.error
    report: dict[str, Any] = json.loads((out / "release" / "report.json").read_text())
    return report


def test_generated_schema_is_the_committed_file_and_a_valid_schema() -> None:
    schema = release_report_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema == json.loads(COMMITTED.read_text())
    assert schema["$id"] == RELEASE_SCHEMA_ID and schema["schema_version"] == RELEASE_SCHEMA_VERSION == VIEW_VERSION
    assert schema["required"] == TOP_LEVEL and len(schema["allOf"]) == 3
    assert schema["additionalProperties"] is False


def test_a_real_release_report_fits_the_schema_and_the_models(release_report: dict[str, Any]) -> None:
    assert release_report["kind"] == "release" and release_report["privacy"]["dp_claimed"] is True
    _validator().validate(release_report)
    model = ReleaseReport.model_validate(release_report)
    assert [r.step for r in model.releases] == ["synthetic"] and model.releases[0].dp
    assert model.model_dump(mode="json", exclude_unset=True) == release_report


@pytest.mark.parametrize(
    ("where", "key"),
    [
        ((), "rows"),
        (("run",), "seconds"),
        (("data",), "rows"),
        (("releases", 0), "marginals"),
        (("releases", 0, "table"), "min"),
    ],
)
def test_a_real_data_field_anywhere_is_refused(
    release_report: dict[str, Any], where: tuple[Any, ...], key: str
) -> None:
    bad = copy.deepcopy(release_report)
    node = bad
    for part in where:
        node = node[part]
    node[key] = 1237
    assert not _validator().is_valid(bad)
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        ReleaseReport.model_validate(bad)


def test_a_dp_label_needs_secure_noise_and_a_claim(release_report: dict[str, Any]) -> None:
    test_noise = copy.deepcopy(release_report)
    test_noise["releases"][0]["noise"] = "seeded"
    assert not _validator().is_valid(test_noise)
    unclaimed = copy.deepcopy(release_report)
    unclaimed["privacy"]["dp_claimed"] = False
    unclaimed["compliance"]["badge"] = None
    assert not _validator().is_valid(unclaimed)  # a table labelled DP in a package that claims no DP
    unclaimed["releases"][0]["dp"] = False
    assert _validator().is_valid(unclaimed)
