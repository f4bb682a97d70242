"""Verify a run's audit log: the chain, the key (HMAC), the closing event, and the run files it describes.

:func:`verify_run` walks ``audit.jsonl`` line by line (sequence, ``prev_hash``,
``hash``, and with the audit key every ``mac``), requires a closing
``run_end`` or ``run_aborted`` event, then cross-checks the run directory:

* every ``report.json`` (top level, ``release/`` and ``internal/``): its
  ``run.audit_head``, run id, pipeline SHA-256 and status agree with the log;
* every ``ledger.json`` (top level and ``release/``): each step's charges agree
  with the count (and, when recorded, the digest) in its ``step_end`` event;
* ``pipeline.lock.json``: its SHA-256 (when ``run_start`` records one), run id
  and pipeline SHA-256 agree with ``run_start``;
* released files whose SHA-256 the ``run_succeeded`` event records.

Any mismatch raises :class:`AuditVerification`. Without the key the chain is
still checked, and the result says plainly that it is *not authenticated*:
anyone can recompute a bare hash chain after editing it.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from safedata_core.audit.key import AuditKey, load_key
from safedata_core.audit.log import CLOSING_EVENTS, GENESIS, charges_digest, event_hash, event_mac, file_sha256
from safedata_core.errors import SafedataError

REPORT_PATHS = ("report.json", "release/report.json", "internal/report.json")
LEDGER_PATHS = ("ledger.json", "release/ledger.json")

__all__ = ["AuditReport", "AuditVerification", "verify_audit_log", "verify_run"]


class AuditVerification(SafedataError):
    """The audit log or the run files failed verification; the message names the first problem."""


@dataclass
class AuditReport:
    """What verification established about a run."""

    path: Path
    events: int
    outcome: Literal["succeeded", "failed", "aborted", "ended"]
    authenticated: bool
    key_id: str | None  # the key the log was sealed with (None: a log without MACs)
    key_problem: str | None = None  # why the log is not authenticated
    aborted_step: str | None = None
    abort_reason: str | None = None
    checks: list[str] = field(default_factory=list)  # cross-checks that passed
    skipped: list[str] = field(default_factory=list)  # cross-checks not possible (file absent)


def verify_audit_log(path: str | Path, *, key: AuditKey | Literal["auto"] | None = "auto") -> int:
    """Number of events when the log (and the run files beside it) verify; raise otherwise.

    An unauthenticated log (no key available) is not an error here; use
    :func:`verify_run` to tell the two apart.
    """
    return verify_run(path, key=key).events


def verify_run(path: str | Path, *, key: AuditKey | Literal["auto"] | None = "auto") -> AuditReport:
    """Verify the audit log of a run directory (or an ``audit.jsonl``) and cross-check the run's files.

    ``key``: the audit key, ``None`` for none, or ``"auto"`` to load the
    configured one (never created here).
    """
    log_path = Path(path)
    if log_path.is_dir():
        log_path = log_path / "audit.jsonl"
    if not log_path.is_file():
        raise SafedataError(f"audit log '{log_path}' not found (give a run directory made by 'safedata run')")
    audit_key = load_key(create=False) if key == "auto" else key
    events = _read_events(log_path)
    first = events[0]
    sealed_with = first.get("key_id") if isinstance(first.get("key_id"), str) else None
    key_problem = _key_problem(log_path, sealed_with, audit_key, events)
    check_macs = key_problem is None
    prev = GENESIS
    for i, event in enumerate(events):
        where = f"{log_path}:{i + 1}"
        if event.get("seq") != i:
            raise AuditVerification(
                f"{where}: sequence number {event.get('seq')} where {i} was expected: "
                "an event was deleted, inserted or moved"
            )
        if event.get("prev_hash") != prev:
            raise AuditVerification(
                f"{where}: prev_hash does not match the previous event: an event was deleted, inserted or moved"
            )
        if event_hash(prev, event) != event["hash"]:
            raise AuditVerification(f"{where}: hash mismatch: this event was edited")
        if check_macs:
            assert audit_key is not None
            mac = event.get("mac")
            if not isinstance(mac, str) or not hmac.compare_digest(mac, event_mac(audit_key.secret, event["hash"])):
                raise AuditVerification(
                    f"{where}: MAC mismatch under key {audit_key.id}: this event or one before it was edited, "
                    "deleted or re-chained without the key"
                )
        prev = event["hash"]
        if event.get("event") in CLOSING_EVENTS and i != len(events) - 1:
            raise AuditVerification(
                f"{where}: a closing '{event.get('event')}' event in the middle: the log was edited"
            )
    report = _closing(log_path, events)
    report.authenticated = check_macs
    report.key_id = sealed_with
    report.key_problem = key_problem
    _cross_check(log_path.parent, events, report)
    return report


def _read_events(p: Path) -> list[dict[str, Any]]:
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AuditVerification(f"{p}: not valid UTF-8 at byte {exc.start}: the log was altered") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise AuditVerification(f"{p}: the log is empty: the run wrote nothing or the log was emptied")
    events = []
    for i, line in enumerate(lines, start=1):
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            raise AuditVerification(f"{p}:{i}: not a JSON event: the log was altered or cut mid-line") from None
        if not isinstance(event, dict) or not isinstance(event.get("hash"), str):
            raise AuditVerification(f"{p}:{i}: event has no hash: the log was altered")
        events.append(event)
    return events


def _key_problem(p: Path, sealed_with: str | None, key: AuditKey | None, events: list[dict[str, Any]]) -> str | None:
    """Why the MACs cannot be checked (``None``: they can); raises when a present key must refuse the log."""
    macs = sum(1 for e in events if "mac" in e)
    if sealed_with is None or macs == 0:
        if key is not None:
            raise AuditVerification(
                f"{p}: the log carries no MACs, so key {key.id} cannot authenticate it: it was written "
                "without a key (safedata before keyed audit logs) or its MACs were stripped"
            )
        return "the log carries no MACs (written before keyed audit logs); its hash chain alone proves nothing"
    if macs != len(events):
        raise AuditVerification(f"{p}: {len(events) - macs} event(s) have no MAC: the log was edited")
    if key is None:
        return (
            f"no audit key found (the log was sealed with key {sealed_with}; set SAFEDATA_AUDIT_KEY or "
            "SAFEDATA_AUDIT_KEY_FILE to that key)"
        )
    if key.id != sealed_with:
        raise AuditVerification(
            f"{p}: the log claims key {sealed_with} but the key from {key.source} is {key.id}: it was re-sealed "
            f"with another key, or you need key {sealed_with} (set SAFEDATA_AUDIT_KEY or SAFEDATA_AUDIT_KEY_FILE)"
        )
    return None


def _closing(p: Path, events: list[dict[str, Any]]) -> AuditReport:
    last = events[-1]
    n = len(events)
    if last.get("event") not in CLOSING_EVENTS or last.get("events_before") != n - 1:
        raise AuditVerification(
            f"{p}:{n}: the log does not end with a run_end or run_aborted event: it was truncated or edited "
            "(an interrupted run closes its log with run_aborted)"
        )
    names = {e.get("event") for e in events}
    if last["event"] == "run_aborted":
        step = last.get("step")
        return AuditReport(
            p,
            n,
            "aborted",
            False,
            None,
            aborted_step=step if isinstance(step, str) else None,
            abort_reason=str(last.get("reason") or "interrupted"),
        )
    outcome: Literal["succeeded", "failed", "ended"] = (
        "succeeded" if "run_succeeded" in names else "failed" if "run_failed" in names else "ended"
    )
    return AuditReport(p, n, outcome, False, None)


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        raise AuditVerification(f"{path}: not a readable JSON file: it was altered") from None


def _cross_check(run_dir: Path, events: list[dict[str, Any]], report: AuditReport) -> None:
    start = next((e for e in events if e.get("event") == "run_start"), None)
    if start is None:
        report.skipped.append("run files (the log has no run_start event)")
        return
    _check_lock(run_dir, start, report)
    _check_reports(run_dir, start, events, report)
    _check_ledgers(run_dir, events, report)
    _check_released(run_dir, events, report)


def _check_lock(run_dir: Path, start: dict[str, Any], report: AuditReport) -> None:
    lock_path = run_dir / "pipeline.lock.json"
    recorded = start.get("lock_sha256")
    if not lock_path.is_file():
        if recorded is not None:
            raise AuditVerification(f"{lock_path}: missing, but the log records its SHA-256: it was removed")
        report.skipped.append("pipeline.lock.json (absent)")
        return
    if recorded is not None and file_sha256(lock_path) != recorded:
        raise AuditVerification(
            f"{lock_path}: SHA-256 differs from the one run_start records: the lock file was edited"
        )
    lock = _load_json(lock_path)
    for key in ("run_id", "pipeline_sha256"):
        if isinstance(lock, dict) and key in lock and key in start and lock[key] != start[key]:
            raise AuditVerification(f"{lock_path}: {key} {lock[key]!r} differs from the log's {start[key]!r}")
    report.checks.append("pipeline.lock.json " + ("SHA-256" if recorded is not None else "run id and pipeline hash"))


def _check_reports(run_dir: Path, start: dict[str, Any], events: list[dict[str, Any]], report: AuditReport) -> None:
    found = False
    names = {e.get("event") for e in events}
    for rel in REPORT_PATHS:
        path = run_dir / rel
        if not path.is_file():
            continue
        found = True
        data = _load_json(path)
        run = data.get("run") if isinstance(data, dict) else None
        if not isinstance(run, dict):
            raise AuditVerification(f"{path}: has no 'run' section: it was altered")
        release_view = data.get("kind") == "release"  # the publishable view leaves the log's hash out
        if not release_view and run.get("audit_head") != events[-1]["hash"]:
            raise AuditVerification(
                f"{path}: run.audit_head {str(run.get('audit_head'))[:16]}… is not the log's last hash "
                f"{events[-1]['hash'][:16]}…: the report or the log was replaced"
            )
        for key, logged in (("id", start.get("run_id")), ("pipeline_sha256", start.get("pipeline_sha256"))):
            if (key in run or not release_view) and run.get(key) != logged:
                raise AuditVerification(f"{path}: run {key} differs from the log's run_start")
        if run.get("audit_events") is not None and run["audit_events"] != len(events):
            raise AuditVerification(f"{path}: run.audit_events={run['audit_events']} but the log has {len(events)}")
        status = run.get("status")
        expected = {
            "succeeded": {"run_succeeded"},
            "failed": {"run_failed", "run_aborted"},
            "aborted": {"run_aborted"},
        }.get(str(status))
        if (status is not None or not release_view) and (expected is None or not expected & names):
            raise AuditVerification(f"{path}: run.status '{status}' is not what the log records")
        report.checks.append(f"{rel} run identity" if release_view else f"{rel} audit_head")
    if not found:
        report.skipped.append("report.json (absent)")


def _check_ledgers(run_dir: Path, events: list[dict[str, Any]], report: AuditReport) -> None:
    ends = {e.get("step"): e for e in events if e.get("event") == "step_end"}
    started = {e.get("step") for e in events if e.get("event") == "step_start"}
    found = False
    for rel in LEDGER_PATHS:
        path = run_dir / rel
        if not path.is_file():
            continue
        found = True
        data = _load_json(path)
        charges = data.get("charges") if isinstance(data, dict) else None
        if not isinstance(charges, list) or not all(isinstance(c, dict) for c in charges):
            raise AuditVerification(f"{path}: has no list of charges: it was altered")
        by_step: dict[str, list[dict[str, Any]]] = {}
        for c in charges:
            by_step.setdefault(str(c.get("step")), []).append(c)
        for step, ev in ends.items():
            if "charges" not in ev:
                continue
            mine = by_step.get(str(step), [])
            if len(mine) != ev["charges"]:
                raise AuditVerification(
                    f"{path}: step '{step}' has {len(mine)} charge(s) but the log records {ev['charges']}: "
                    "the ledger was edited"
                )
            if "charges_sha256" in ev and charges_digest(mine) != ev["charges_sha256"]:
                raise AuditVerification(f"{path}: step '{step}' charges differ from the digest the log records")
        for step in by_step:
            if step not in ends and step not in started:
                raise AuditVerification(f"{path}: charges for step '{step}', which the log never ran")
        report.checks.append(f"{rel} charges ({len(charges)})")
    if not found:
        report.skipped.append("ledger.json (absent)")


def _check_released(run_dir: Path, events: list[dict[str, Any]], report: AuditReport) -> None:
    done = next((e for e in events if e.get("event") == "run_succeeded"), None)
    files = done.get("files") if done is not None else None
    if not isinstance(files, dict):
        return
    for rel, digest in sorted(files.items()):
        path = run_dir / str(rel)
        if ".." in Path(str(rel)).parts or Path(str(rel)).is_absolute():
            raise AuditVerification(f"{run_dir}: the log records a released file outside the run: '{rel}'")
        if not path.is_file():
            raise AuditVerification(f"{path}: released file the log records is missing")
        if file_sha256(path) != digest:
            raise AuditVerification(f"{path}: SHA-256 differs from the one the log records: the release was edited")
    report.checks.append(f"released files ({len(files)})")
