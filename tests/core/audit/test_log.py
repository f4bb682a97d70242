"""The audit log is hash-chained and keyed: any edit, deletion, insertion, reorder or truncation is caught."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safedata_core.audit import AuditLog, AuditVerification, verify_audit_log
from safedata_core.errors import SafedataError


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for i in range(5):
        log.event("step_end", step=f"s{i}", rows=i)
    log.close()
    return path


def test_intact_log_verifies(log_path: Path) -> None:
    assert verify_audit_log(log_path) == 6


def test_one_byte_edit_is_caught(log_path: Path) -> None:
    raw = bytearray(log_path.read_bytes())
    pos = raw.index(b'"rows":3') + 7
    raw[pos] = ord("4")
    log_path.write_bytes(bytes(raw))
    with pytest.raises(AuditVerification, match=r"audit.jsonl:4: hash mismatch"):
        verify_audit_log(log_path)


@pytest.mark.parametrize("mutation", ["delete", "insert", "swap", "truncate"])
def test_structural_tampering_is_caught(log_path: Path, mutation: str) -> None:
    lines = log_path.read_text().splitlines()
    if mutation == "delete":
        del lines[2]
    elif mutation == "insert":
        lines.insert(2, lines[2])
    elif mutation == "swap":
        lines[1], lines[2] = lines[2], lines[1]
    else:
        lines = lines[:-1]
    log_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(AuditVerification):
        verify_audit_log(log_path)


def test_events_carry_chain_fields(log_path: Path) -> None:
    first, second = (json.loads(x) for x in log_path.read_text().splitlines()[:2])
    assert first["prev_hash"] == "0" * 64 and second["prev_hash"] == first["hash"]
    assert {"ts", "seq", "event"} <= set(first)


def test_events_are_sealed_with_the_key(tmp_path: Path) -> None:
    from safedata_core.audit.key import AuditKey
    from safedata_core.audit.log import event_mac

    key = AuditKey(b"k" * 32, "test")
    log = AuditLog(tmp_path / "audit.jsonl", key=key)
    log.event("run_start", run_id="r")
    log.close()
    events = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert events[0]["key_id"] == key.id and events[0]["chain"] == "sha256+hmac-sha256"
    assert all(e["mac"] == event_mac(key.secret, e["hash"]) for e in events)
    assert "key_id" not in events[1]
    assert b"k" * 32 not in (tmp_path / "audit.jsonl").read_bytes()


def test_lone_surrogate_is_written_and_verifies(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.event("run_start", pipeline="bad\udc80name")
    log.close()
    (tmp_path / "audit.jsonl").read_bytes().decode("utf-8")  # the file is valid UTF-8
    assert verify_audit_log(tmp_path) == 2


def test_closed_log_refuses_events_and_abort_is_a_no_op(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.close()
    log.abort(step="x", reason="SIGTERM")
    log.close()
    assert len(log.lines) == 1
    with pytest.raises(SafedataError, match="after the log was closed"):
        log.event("late")


def test_key_file_inside_the_run_directory_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFEDATA_AUDIT_KEY_FILE", str(tmp_path / "run" / "audit.key"))
    (tmp_path / "run").mkdir()
    with pytest.raises(SafedataError, match="inside the run directory"):
        AuditLog(tmp_path / "run" / "audit.jsonl")
