"""The runner: run directory layout, no partial release, budget enforcement, seeding, secure noise, DP rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from safedata_core import Engine, SafedataError
from safedata_core.audit import verify_audit_log
from safedata_core.testing.fixtures import tiny_metadata, tiny_table


def pipeline(**overrides: Any) -> dict[str, Any]:
    p: dict[str, Any] = {
        "name": "t",
        "data": {"source": "builtin:adult"},
        "privacy": {"epsilon": 1.0, "delta": 1e-6, "accountant": "basic", "noise": "reproducible-test"},
        "steps": [
            {"id": "profile", "use": "profile"},
            {"id": "synth", "use": "example", "rows": 500},
            {"id": "ks", "use": "ks_complement"},
        ],
        "seed": 1,
    }
    p.update(overrides)
    return p


@pytest.fixture
def engine() -> Engine:
    return Engine(autoload=False, plugins=["safedata_example", "tests.fake_plugins.good_synth"])


def test_run_directory_layout(engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = engine.run(pipeline(), out=out)
    assert result.ok, result.error
    assert {p.name for p in out.iterdir()} == {"release", "internal", "audit.jsonl", "pipeline.lock.json", ".lock"}
    release = {p.name for p in (out / "release").iterdir()}
    assert release == {"synth.csv", "report.json", "report.html", "ledger.json", "model_card.md"}
    assert {"report.json", "report.html", "metadata.json", "NOT-FOR-PUBLICATION.txt"} <= {
        p.name for p in (out / "internal").iterdir()
    }
    released = pd.read_csv(out / "release" / "synth.csv")
    assert len(released) == 500 and list(released.columns) == list(result.released["synth"].columns)
    lock = json.loads((out / "pipeline.lock.json").read_text())
    assert len(lock["pipeline_sha256"]) == 64 and lock["seed"] == 1 and "safedata-core" in lock["versions"]
    ledger = json.loads((out / "release" / "ledger.json").read_text())
    assert ledger["spent"]["epsilon"] <= ledger["budget"]["epsilon"] and len(ledger["charges"]) == 15
    internal = json.loads((out / "internal" / "report.json").read_text())
    assert internal["run"]["id"] == json.loads((out / "release" / "report.json").read_text())["run"]["id"]
    assert internal["run"]["audit_head"] == json.loads((out / "audit.jsonl").read_text().splitlines()[-1])["hash"]
    assert verify_audit_log(out) > 5


def test_same_seed_same_release_in_reproducible_test_mode(engine: Engine) -> None:
    reproducible = {"epsilon": 1.0, "delta": 1e-6, "accountant": "basic", "secure": False}
    a = engine.run(pipeline(privacy=reproducible)).released["synth"]
    b = engine.run(pipeline(privacy=reproducible)).released["synth"]
    pd.testing.assert_frame_equal(a, b)
    c = engine.run(pipeline(privacy=reproducible, seed=2)).released["synth"]
    assert not a.equals(c)


def test_dp_noise_is_secure_by_default_and_non_dp_steps_stay_seeded(engine: Engine) -> None:
    p = pipeline(
        data={"source": "mem"},
        steps=[
            {"id": "synth", "use": "example", "rows": 300},
            {"id": "copy", "use": "resample", "rows": 300},
        ],
    )
    p["privacy"] = {k: v for k, v in p["privacy"].items() if k != "noise"}  # the default: secure
    first = engine.run(p, data=tiny_table(300))
    second = engine.run(p, data=tiny_table(300))
    assert first.ok and second.ok
    assert not first.released["synth"].equals(second.released["synth"])  # DP noise: fresh each run
    pd.testing.assert_frame_equal(first.released["copy"], second.released["copy"])  # seeded, not DP
    assert not any("reproducible" in w for w in first.report["warnings"])


def test_failed_step_releases_nothing(engine: Engine, tmp_path: Path) -> None:
    p = pipeline(
        steps=[
            {"id": "synth", "use": "example", "rows": 100},
            {"id": "ks", "use": "ks_complement", "params": {"columns": ["no_such_column"]}},
        ]
    )
    out = tmp_path / "run"
    result = engine.run(p, out=out)
    assert result.status == "failed" and "no_such_column" in (result.error or "")
    assert result.error is not None and result.error.startswith("step 'ks' (ks_complement): ")
    assert result.verdict is None and result.release_verdicts == {}
    assert not (out / "release").exists()
    assert {p.name for p in out.iterdir()} == {
        "internal",
        "audit.jsonl",
        "pipeline.lock.json",
        "run-failed.txt",
        ".lock",
    }
    report = json.loads((out / "internal" / "report.json").read_text())
    assert report["run"]["status"] == "failed" and report["privacy"]["dp_claimed"] is False
    note = (out / "run-failed.txt").read_text()
    assert note.count("\n") == 1 and "FAILED at step 'ks'" in note and "no_such_column" in note
    verify_audit_log(out)


def test_component_overspend_fails_the_run(engine: Engine) -> None:
    import dataclasses

    from safedata_core.privacy import BudgetShare

    original = BudgetShare.record

    def greedy(self: BudgetShare, event: Any, **kw: Any) -> Any:
        return original(self, dataclasses.replace(event, epsilon=event.epsilon * 2), **kw)

    pytest.MonkeyPatch().setattr(BudgetShare, "record", greedy)
    try:
        result = engine.run(pipeline())
    finally:
        pytest.MonkeyPatch().undo()
        BudgetShare.record = original  # type: ignore[method-assign]
    assert result.status == "failed" and "above its share" in (result.error or "")
    assert result.released == {}


def test_in_memory_dataframe_and_no_files(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    df = tiny_table(300).df
    p = {
        "data": {"source": "in-memory"},
        "steps": [{"id": "synth", "use": "resample"}, {"id": "tv", "use": "tv_complement"}],
    }
    result = engine.run(p, data=df)
    assert result.ok and result.run_dir is None and list(tmp_path.iterdir()) == []
    assert result.report["steps"][1]["result"]["score"] > 0.8


def test_two_engines_with_different_plugins_coexist() -> None:
    plain = Engine(autoload=False)
    rich = Engine(autoload=False, plugins=["tests.fake_plugins.good_synth"])
    assert "resample" in rich.registry and "resample" not in plain.registry
    df = tiny_table(120).df
    p = {"data": {"source": "mem"}, "steps": [{"id": "synth", "use": "resample"}]}
    assert rich.run(p, data=df).ok
    with pytest.raises(SafedataError, match="unknown component 'resample'"):
        plain.run(p, data=df)


def test_refuses_non_empty_run_dir(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "junk.txt").write_text("x")
    with pytest.raises(SafedataError, match="not empty"):
        engine.run(pipeline(), out=tmp_path)
    assert engine.run(pipeline(), out=tmp_path, force=True).ok
    assert (tmp_path / "junk.txt").read_text() == "x"  # --force replaces the run, not the user's files


def test_direct_identifiers_are_dropped(engine: Engine) -> None:
    table = tiny_table(100)
    df = table.df.assign(email=[f"p{i}@example.org" for i in range(100)])
    meta = tiny_metadata().model_dump()
    meta["columns"]["email"] = {"type": "text", "role": "direct_identifier"}
    from safedata_core import Metadata, Table

    t = Table.from_dataframe(df, Metadata.model_validate(meta))
    result = engine.run({"data": {"source": "mem"}, "steps": [{"id": "synth", "use": "resample"}]}, data=t)
    assert "email" not in result.released["synth"].columns
    assert result.report["data"]["dropped_direct_identifiers"] == ["email"]


def test_holdout_fraction_splits_rows(engine: Engine) -> None:
    p = {"data": {"source": "mem", "holdout": 0.25}, "steps": [{"id": "synth", "use": "resample"}]}
    result = engine.run(p, data=tiny_table(400).df)
    rows, held = result.report["data"]["rows"], result.report["data"]["holdout_rows"]
    assert rows + held == 400 and 60 <= held <= 140  # Binomial(400, 0.25): mean 100, sd 8.7


def test_sdc_target_rare_passes_mask(tmp_path: Path) -> None:
    from tests.fake_plugins.mechanisms import BlankSDC, make_plugin

    seen: dict[str, Any] = {}

    class Spy(BlankSDC):
        """Records the mask.

        **Privacy guarantee**: none.

        **Assumptions**: none.
        """

        name = "spy_sdc"

        def apply(self, table: Any, *, seed: int, rows: Any = None) -> Any:
            seen["rows"] = rows
            return super().apply(table, seed=seed, rows=rows)

    eng = Engine(autoload=False, plugins=[make_plugin("register_sdc_methods", Spy)])
    p = {
        "data": {"source": "builtin:adult"},
        "steps": [
            {"id": "profile", "use": "profile", "params": {"k": 3}},
            {"id": "protect", "use": "spy_sdc", "target": "rare"},
        ],
    }
    assert eng.run(p).ok
    assert seen["rows"] is not None and 0 < seen["rows"].sum() < 32561
