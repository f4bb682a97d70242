"""verify_run: a forger who deletes, edits or reorders events and recomputes the chain is caught with the key;
the report, the ledger and the lock file are cross-checked against the log; an aborted run is told apart
from a truncated log; without the key the result says it is not authenticated."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from safedata_core.audit import AuditLog, AuditVerification, verify_run
from safedata_core.audit.key import AuditKey
from tests.core.audit.helpers import KEY_HEX, OTHER_KEY_HEX, make_run, read_events, rechain, write_events

KEY = AuditKey(bytes.fromhex(KEY_HEX), "test")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAFEDATA_AUDIT_KEY", KEY_HEX)
        yield make_run(tmp_path_factory.mktemp("audit") / "run")


@pytest.fixture
def run_dir(pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SAFEDATA_AUDIT_KEY", KEY_HEX)
    return Path(shutil.copytree(pristine, tmp_path / "run"))


def test_intact_run_is_authenticated_and_cross_checked(run_dir: Path) -> None:
    result = verify_run(run_dir)
    assert result.authenticated and result.outcome == "succeeded" and result.key_id == KEY.id
    assert result.events == len(read_events(run_dir / "audit.jsonl"))
    joined = " ".join(result.checks)
    assert "report.json audit_head" in joined and "ledger.json charges (2)" in joined
    assert "pipeline.lock.json" in joined


def _drop_step(events: list[dict], step: str) -> list[dict]:
    return [e for e in events if e.get("step") != step]


@pytest.mark.parametrize("how", ["keep_macs", "strip_macs", "own_key"])
def test_deleting_a_step_and_rechaining_fails_with_the_key(run_dir: Path, how: str) -> None:
    log = run_dir / "audit.jsonl"
    events = _drop_step(read_events(log), "agg2")
    head = rechain(
        events,
        strip_macs=how == "strip_macs",
        mac_key=bytes.fromhex(OTHER_KEY_HEX) if how == "own_key" else None,
    )
    write_events(log, events)
    # a careful forger also fixes the report's head and count, and drops the step's ledger charge
    for rel in ("internal/report.json",):
        report = json.loads((run_dir / rel).read_text())
        report["run"]["audit_head"], report["run"]["audit_events"] = head, len(events)
        (run_dir / rel).write_text(json.dumps(report))
    ledger = json.loads((run_dir / "release" / "ledger.json").read_text())
    ledger["charges"] = [c for c in ledger["charges"] if c["step"] != "agg2"]
    (run_dir / "release" / "ledger.json").write_text(json.dumps(ledger))
    # the bare chain is consistent again: only the key can tell
    assert not verify_run(run_dir, key=None).authenticated
    expected = {"keep_macs": "MAC mismatch", "strip_macs": "carries no MACs", "own_key": "re-sealed"}[how]
    with pytest.raises(AuditVerification, match=expected):
        verify_run(run_dir, key=KEY)


@pytest.mark.parametrize("mutation", ["edit", "reorder", "insert"])
def test_edit_reorder_insert_with_rechain_fail(run_dir: Path, mutation: str) -> None:
    log = run_dir / "audit.jsonl"
    events = read_events(log)
    ends = [i for i, e in enumerate(events) if e.get("event") == "step_end"]
    if mutation == "edit":
        events[ends[1]]["rows"] = 999
    elif mutation == "reorder":
        a, b = ends[0], ends[1]
        events[a], events[b] = events[b], events[a]
    else:
        events.insert(ends[0], dict(events[ends[0]]))
    rechain(events)
    write_events(log, events)
    with pytest.raises(AuditVerification, match="MAC mismatch"):
        verify_run(run_dir, key=KEY)


def test_without_the_key_the_chain_is_checked_but_unauthenticated(run_dir: Path) -> None:
    result = verify_run(run_dir, key=None)
    assert not result.authenticated and KEY.id in (result.key_problem or "")
    raw = bytearray((run_dir / "audit.jsonl").read_bytes())
    raw[raw.index(b'"rows":8') + 7] = ord("9")
    (run_dir / "audit.jsonl").write_bytes(bytes(raw))
    with pytest.raises(AuditVerification, match="hash mismatch"):
        verify_run(run_dir, key=None)


def test_report_audit_head_must_match(run_dir: Path) -> None:
    report = json.loads((run_dir / "internal" / "report.json").read_text())
    report["run"]["audit_head"] = "f" * 64
    (run_dir / "internal" / "report.json").write_text(json.dumps(report))
    with pytest.raises(AuditVerification, match=r"report.json: run.audit_head"):
        verify_run(run_dir)


def test_report_status_must_match_the_log(run_dir: Path) -> None:
    report = json.loads((run_dir / "internal" / "report.json").read_text())
    report["run"]["status"] = "failed"
    (run_dir / "internal" / "report.json").write_text(json.dumps(report))
    with pytest.raises(AuditVerification, match="run.status 'failed'"):
        verify_run(run_dir)


@pytest.mark.parametrize("edit", ["drop", "add"])
def test_ledger_charges_must_match(run_dir: Path, edit: str) -> None:
    ledger = json.loads((run_dir / "release" / "ledger.json").read_text())
    if edit == "drop":
        ledger["charges"] = ledger["charges"][1:]
    else:
        ledger["charges"].append({**ledger["charges"][0], "step": "ghost"})
    (run_dir / "release" / "ledger.json").write_text(json.dumps(ledger))
    with pytest.raises(AuditVerification, match="ledger.json"):
        verify_run(run_dir)


def test_lock_file_must_match(run_dir: Path) -> None:
    lock = json.loads((run_dir / "pipeline.lock.json").read_text())
    lock["pipeline_sha256"] = "0" * 64
    (run_dir / "pipeline.lock.json").write_text(json.dumps(lock))
    with pytest.raises(AuditVerification, match="pipeline.lock.json: pipeline_sha256"):
        verify_run(run_dir)


def test_new_layout_is_cross_checked(run_dir: Path) -> None:
    result = verify_run(run_dir)
    joined = " ".join(result.checks)
    assert "release/report.json" in joined and "internal/report.json" in joined and "release/ledger.json" in joined
    report = json.loads((run_dir / "internal" / "report.json").read_text())
    report["run"]["audit_head"] = "0" * 64
    (run_dir / "internal" / "report.json").write_text(json.dumps(report))
    with pytest.raises(AuditVerification, match="internal/report.json"):
        verify_run(run_dir)


def _keyed_log(path: Path) -> AuditLog:
    log = AuditLog(path, key=KEY)
    log.event("run_start", run_id="r1", pipeline_sha256="p" * 64)
    log.event("step_start", step="synth")
    return log


def test_aborted_run_is_told_apart_from_truncation(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = _keyed_log(path)
    log.abort(step="synth", reason="SIGINT")
    result = verify_run(path, key=KEY)
    assert result.outcome == "aborted" and result.aborted_step == "synth" and result.abort_reason == "SIGINT"
    assert result.authenticated
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")  # cut the closing event
    with pytest.raises(AuditVerification, match="truncated or edited"):
        verify_run(path, key=KEY)


def test_a_closing_event_in_the_middle_is_an_edit(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = _keyed_log(path)
    log.close()
    events = read_events(path)
    events.append(dict(events[1], seq=99))
    rechain(events, mac_key=KEY.secret)
    write_events(path, events)
    with pytest.raises(AuditVerification, match="in the middle"):
        verify_run(path, key=KEY)


def test_recorded_lock_and_release_digests_are_checked(tmp_path: Path) -> None:
    from safedata_core.audit import file_sha256

    (tmp_path / "pipeline.lock.json").write_text('{"run_id": "r1"}\n')
    (tmp_path / "release").mkdir()
    (tmp_path / "release" / "t.csv").write_text("a\n1\n")
    log = AuditLog(tmp_path / "audit.jsonl", key=KEY)
    log.event("run_start", run_id="r1", lock_sha256=file_sha256(tmp_path / "pipeline.lock.json"))
    log.event("run_succeeded", files={"release/t.csv": file_sha256(tmp_path / "release" / "t.csv")})
    log.close()
    assert "released files (1)" in verify_run(tmp_path, key=KEY).checks
    (tmp_path / "release" / "t.csv").write_text("a\n2\n")
    with pytest.raises(AuditVerification, match="t.csv: SHA-256 differs"):
        verify_run(tmp_path, key=KEY)
    (tmp_path / "release" / "t.csv").write_text("a\n1\n")
    (tmp_path / "pipeline.lock.json").write_text('{"run_id": "r1"} \n')
    with pytest.raises(AuditVerification, match="pipeline.lock.json: SHA-256 differs"):
        verify_run(tmp_path, key=KEY)


@pytest.mark.parametrize("fail", [False, True])
def test_the_log_holds_no_data_values(tmp_path: Path, fail: bool) -> None:
    import pandas as pd

    from safedata_core import Engine
    from safedata_core.data import ColumnMeta, Metadata, Table

    df = pd.DataFrame({"diagnosis": [f"SECRET-{i % 7}" for i in range(60)], "age": [20 + i % 50 for i in range(60)]})
    meta = Metadata(
        columns={
            "diagnosis": ColumnMeta(type="categorical", role="sensitive"),
            "age": ColumnMeta(type="integer", role="quasi_identifier", bounds=(0, 100)),
        }
    )
    steps = [
        {"id": "profile", "use": "profile"},
        {"id": "noise", "use": "noise"},
        {"id": "tv", "use": "tv_complement", **({"params": {"columns": ["SECRET-3"]}} if fail else {})},
    ]
    pipeline = {"name": "p", "data": {"source": "x.csv"}, "steps": steps}
    result = Engine(autoload=False).run(pipeline, data=Table.from_dataframe(df, meta), out=tmp_path / "run")
    assert result.ok is not fail
    assert "SECRET-1" not in (tmp_path / "run" / "audit.jsonl").read_text()
