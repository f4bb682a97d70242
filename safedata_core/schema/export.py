"""JSON Schema export: the pipeline, tune and report schemas (``schemas/``) and one file per component Params.

Every file under ``schemas/`` is generated: the internal and the release
report from :mod:`safedata_core.schema.report` and
:mod:`safedata_core.schema.release_report`.

``safedata schema export --check`` compares the committed files with what the
code generates and fails when they are stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safedata_core.registry import Registry
from safedata_core.schema.pipeline import pipeline_json_schema
from safedata_core.schema.release_report import release_report_json_schema
from safedata_core.schema.report import report_json_schema

FIRST_PARTY_DISTRIBUTIONS: frozenset[str] = frozenset(
    {
        "safedata-core",
        "safedata-example",
        "safedata-ctgan",
        "safedata-tvae",
        "safedata-bayesnet",
        "safedata-copula",
        "safedata-microaggregation",
        "safedata-linkage",
    }
)

__all__ = ["FIRST_PARTY_DISTRIBUTIONS", "check_schemas", "generate_schemas", "write_schemas"]


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, indent=2, sort_keys=True) + "\n"


def generate_schemas(registry: Registry, *, installed: bool = False) -> dict[str, str]:
    """Relative path -> file text for every schema file (first-party components unless ``installed``)."""
    files = {
        "pipeline.schema.json": _dump(pipeline_json_schema()),
        "report.schema.json": _dump(report_json_schema()),
        "release-report.schema.json": _dump(release_report_json_schema()),
    }
    from safedata_core.tune.spec import tune_json_schema  # the TUNE file of `safedata tune`

    files["tune.schema.json"] = _dump(tune_json_schema())
    for info in registry:
        if not installed and info.distribution not in FIRST_PARTY_DISTRIBUTIONS:
            continue
        schema = info.cls.Params.model_json_schema()
        schema["title"] = f"{info.name} params"
        schema["description"] = info.cls.summary()
        files[f"components/{info.kind}.{info.name}.params.schema.json"] = _dump(schema)
    return files


def write_schemas(registry: Registry, directory: Path, *, installed: bool = False) -> list[Path]:
    """Write every generated schema file into ``directory`` and delete generated files no longer made."""
    files = generate_schemas(registry, installed=installed)
    written = []
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    for stale in _existing(directory) - set(files):
        (directory / stale).unlink()
    return written


def check_schemas(registry: Registry, directory: Path) -> list[str]:
    """Return one line per stale, missing or extra file (empty when up to date)."""
    files = generate_schemas(registry)
    problems = []
    for rel, text in files.items():
        path = directory / rel
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path}: out of date")
    for extra in sorted(_existing(directory) - set(files)):
        problems.append(f"{directory / extra}: no longer generated")
    return problems


def _existing(directory: Path) -> set[str]:
    if not directory.is_dir():
        return set()
    return {str(p.relative_to(directory)) for p in directory.rglob("*.json")}
