"""Verify an audit log: every hash, every link, the sequence and the closing event."""

from __future__ import annotations

import json
from pathlib import Path

from safedata_core.audit.log import GENESIS, event_hash
from safedata_core.errors import SafedataError

__all__ = ["AuditVerification", "verify_audit_log"]


class AuditVerification(SafedataError):
    """The audit log failed verification; the message names the first bad line."""


def verify_audit_log(path: str | Path) -> int:
    """Return the number of events when ``path`` (a run dir or audit.jsonl) verifies; else raise."""
    p = Path(path)
    if p.is_dir():
        p = p / "audit.jsonl"
    if not p.is_file():
        raise SafedataError(f"audit log '{p}' not found (give a run directory made by 'safedata run')")
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise AuditVerification(f"{p}: not valid UTF-8: the log was altered") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise AuditVerification(f"{p}: the log is empty")
    prev = GENESIS
    for i, line in enumerate(lines, start=1):
        where = f"{p}:{i}"
        try:
            event = json.loads(line)
        except ValueError:
            raise AuditVerification(f"{where}: not a JSON event: the log was altered") from None
        if not isinstance(event, dict) or "hash" not in event:
            raise AuditVerification(f"{where}: event has no hash: the log was altered")
        if event.get("seq") != i - 1:
            raise AuditVerification(
                f"{where}: sequence number {event.get('seq')} where {i - 1} was "
                "expected: an event was deleted, inserted or moved"
            )
        if event.get("prev_hash") != prev:
            raise AuditVerification(
                f"{where}: prev_hash does not match the previous event: an event was deleted, inserted or moved"
            )
        if event_hash(prev, event) != event["hash"]:
            raise AuditVerification(f"{where}: hash mismatch: this event was edited")
        prev = event["hash"]
    last = json.loads(lines[-1])
    if last.get("event") != "run_end" or last.get("events_before") != len(lines) - 1:
        raise AuditVerification(f"{p}:{len(lines)}: the log does not end with its run_end event: it was truncated")
    return len(lines)
