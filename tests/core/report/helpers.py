"""Shared helpers for the report tests: a small Adult run with the example plugin and two fake components."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from safedata_core import Attack, AttackResult, Engine, SDCMethod, SDCResult, Table, hookimpl

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT / "schemas" / "report.schema.json"
RELEASE_SCHEMA = ROOT / "schemas" / "release-report.schema.json"


class RaceSuppression(SDCMethod):
    """Test SDC method: blanks ``race`` for every record that is not 'White'.

    **Privacy guarantee**: none (a test double).

    **Assumptions**: the table has a ``race`` column.
    """

    name = "race_suppression"

    def apply(self, table: Table, *, seed: int, rows: np.ndarray | None = None) -> SDCResult:
        df = table.df.copy()
        mask = df["race"].notna() & (df["race"] != "White")
        df.loc[mask, "race"] = np.nan
        return SDCResult(table.with_df(df), {"records_modified": int(mask.sum()), "cells_modified": int(mask.sum())})


class ExactMatchLinkage(Attack):
    """Test attack: share of released rows that equal some original row.

    **Privacy guarantee**: none (an evaluation).

    **Assumptions**: released and original share columns.
    """

    name = "exact_linkage"

    def run(self, original: Table, released: Table, control: Table | None, *, seed: int) -> AttackResult:
        cols = list(original.columns)
        keys = set(map(tuple, original.df[cols].astype(str).to_numpy()))
        sample = released.df[cols].astype(str).head(300).to_numpy()
        hits = sum(tuple(r) in keys for r in sample)
        return AttackResult.from_counts(successes=hits, baseline_successes=0, n_attempts=len(sample))


class FakePlugin:
    @hookimpl
    def register_sdc_methods(self, register: Any) -> None:
        register(RaceSuppression)

    @hookimpl
    def register_attacks(self, register: Any) -> None:
        register(ExactMatchLinkage)


def make_engine() -> Engine:
    return Engine(autoload=False, plugins=["safedata_example", FakePlugin()])


def small_adult(engine: Engine, rows: int = 1500, seed: int = 3) -> Table:
    table = engine.read_table("builtin:adult")
    return table.with_df(table.df.sample(rows, random_state=seed).reset_index(drop=True))


def noise_setting(secure: bool) -> dict[str, Any]:
    """The ``privacy`` keys choosing secure or reproducible test noise (``noise``, or the older ``secure``)."""
    from safedata_core.schema.pipeline import PrivacySpec

    if "noise" in PrivacySpec.model_fields:
        annotation = str(PrivacySpec.model_fields["noise"].annotation)
        test_mode = next((m for m in ("reproducible-test", "reproducible", "test") if f"'{m}'" in annotation), "test")
        return {"noise": "secure" if secure else test_mode}
    return {"secure": secure}


def pipeline(*, secure: bool = True, **report: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "name": "report-test",
        "seed": 5,
        "data": {"source": "builtin:adult", "holdout": 0.25},
        "privacy": {"epsilon": 1.0, "delta": 1e-6, "accountant": "basic", **noise_setting(secure)},
        "steps": [
            {"id": "profile", "use": "profile"},
            {"id": "sdc", "use": "race_suppression"},
            {"id": "synthetic", "use": "example", "rows": 1000, "privacy": {"epsilon": 1.0}},
            {"id": "link_sdc", "use": "exact_linkage", "target": "sdc"},
            {"id": "link_synth", "use": "exact_linkage", "target": "synthetic"},
            {"id": "tv_sdc", "use": "tv_complement", "target": "sdc"},
            {"id": "tv_synth", "use": "tv_complement", "target": "synthetic"},
            {"id": "ks_synth", "use": "ks_complement", "target": "synthetic"},
        ],
        "report": report or {},
    }


def validate(report: dict[str, Any], schema_path: Path = SCHEMA) -> None:
    import jsonschema

    schema = json.loads(schema_path.read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report)


def validate_release(view: dict[str, Any]) -> None:
    validate(view, RELEASE_SCHEMA)
