"""schemas/ is up to date with the code (the pipeline envelope and every first-party Params)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safedata_core import Engine
from safedata_core.schema.export import check_schemas

ROOT = Path(__file__).resolve().parents[1]


def test_schemas_up_to_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    problems = check_schemas(Engine().registry, ROOT / "schemas")
    assert not problems, "run 'safedata schema export' and commit schemas/: " + "; ".join(problems)


def test_pipeline_schema_has_id_and_version() -> None:
    schema = json.loads((ROOT / "schemas" / "pipeline.schema.json").read_text())
    assert schema["$id"].endswith("pipeline.schema.json") and schema["schema_version"] == 1
    assert "steps" in schema["required"]
