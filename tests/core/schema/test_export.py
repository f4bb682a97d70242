"""Schema export (safedata_core/schema/export.py): every schemas/ file generated, stale, missing and extra named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safedata_core import Engine
from safedata_core.registry import Registry
from safedata_core.schema.export import check_schemas, generate_schemas, write_schemas


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Engine(autoload=False).registry


def test_generate_covers_both_reports_the_pipeline_tune_and_each_params(registry: Registry) -> None:
    files = generate_schemas(registry)
    assert {"pipeline.schema.json", "report.schema.json", "release-report.schema.json", "tune.schema.json"} <= set(
        files
    )
    tv = json.loads(files["components/metric.tv_complement.params.schema.json"])
    assert tv["title"] == "tv_complement params" and tv["description"]
    assert all(text.endswith("}\n") for text in files.values())


def test_check_names_each_stale_missing_and_extra_file(registry: Registry, tmp_path: Path) -> None:
    written = write_schemas(registry, tmp_path)
    assert len(written) == len(generate_schemas(registry)) and check_schemas(registry, tmp_path) == []
    (tmp_path / "release-report.schema.json").write_text("{}\n")  # generated like the others: no file is exempt
    (tmp_path / "tune.schema.json").unlink()
    (tmp_path / "components" / "metric.gone.params.schema.json").write_text("{}\n")
    assert sorted(check_schemas(registry, tmp_path)) == [
        f"{tmp_path / 'components' / 'metric.gone.params.schema.json'}: no longer generated",
        f"{tmp_path / 'release-report.schema.json'}: out of date",
        f"{tmp_path / 'tune.schema.json'}: missing",
    ]


def test_write_removes_files_no_longer_generated(registry: Registry, tmp_path: Path) -> None:
    stale = tmp_path / "components" / "synthesizer.gone.params.schema.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}\n")
    write_schemas(registry, tmp_path)
    assert not stale.exists() and check_schemas(registry, tmp_path) == []
