"""The audit log is hash-chained: any edit, deletion, insertion, reorder or truncation is caught."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safedata_core.audit import AuditLog, AuditVerification, verify_audit_log


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
