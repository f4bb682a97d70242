"""Keyed, hash-chained audit log: structlog JSON events, each with ``prev_hash``, ``hash`` and ``mac``.

``hash = sha256(prev_hash + canonical_json(event))`` where the canonical form
has sorted keys and no whitespace and leaves out ``hash`` and ``mac``; the
first event's ``prev_hash`` is 64 zeros. ``mac = HMAC-SHA256(key, "safedata-audit-v2:" + hash)``
seals the event *and*, through the chain, everything before it. The hash
chain alone only catches accidents: anyone can recompute it after deleting an
event. The MAC needs the audit key (see :mod:`safedata_core.audit.key`), which
is kept outside the run directory.

The first event records ``key_id`` and ``chain`` (the sealing scheme), so
verification can name the key it needs. The log ends with a ``run_end`` event
(a finished run, failed or not) or a ``run_aborted`` event (the run was
interrupted, e.g. by SIGINT/SIGTERM); both state how many events came before
them, so a log cut anywhere is told apart from an interrupted run.
Events carry step ids, component names, counts and budgets, never data values.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import structlog

from safedata_core.audit.key import AuditKey, load_key
from safedata_core.errors import SafedataError

GENESIS = "0" * 64
CHAIN = "sha256+hmac-sha256"
MAC_CONTEXT = b"safedata-audit-v2:"
CLOSING_EVENTS = ("run_end", "run_aborted")

__all__ = [
    "CHAIN",
    "CLOSING_EVENTS",
    "GENESIS",
    "AuditLog",
    "canonical",
    "charges_digest",
    "event_hash",
    "event_mac",
    "file_sha256",
]


def canonical(event: MutableMapping[str, Any]) -> str:
    body = {k: v for k, v in event.items() if k not in ("hash", "mac")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def event_hash(prev_hash: str, event: MutableMapping[str, Any]) -> str:
    # surrogatepass: a lone surrogate in a field must not stop the log from being written
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8", "surrogatepass")).hexdigest()


def event_mac(secret: bytes, chain_hash: str) -> str:
    """HMAC-SHA256 of an event's chain hash under the audit key."""
    return hmac.new(secret, MAC_CONTEXT + chain_hash.encode("ascii"), hashlib.sha256).hexdigest()


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (the runner records the lock file's in ``run_start``)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(2**20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def charges_digest(charges: list[dict[str, Any]]) -> str:
    """SHA-256 of a step's ledger charges (as in ``ledger.json``), for the ``step_end`` event.

    ``safedata audit verify`` recomputes it from ``ledger.json`` so an edited
    or dropped charge is caught.
    """
    text = json.dumps(charges, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class _Chain:
    """structlog processor: number the event, link it to the previous one and seal it."""

    def __init__(self, key: AuditKey) -> None:
        self.key = key
        self.head = GENESIS
        self.seq = 0

    def __call__(self, _logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Any:
        event_dict["seq"] = self.seq
        event_dict["prev_hash"] = self.head
        if self.seq == 0:
            event_dict["key_id"] = self.key.id
            event_dict["chain"] = CHAIN
        event_dict["hash"] = event_hash(self.head, event_dict)
        event_dict["mac"] = event_mac(self.key.secret, event_dict["hash"])
        self.head = event_dict["hash"]
        self.seq += 1
        return event_dict


def _render(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> str:
    line = json.dumps(event_dict, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    # a lone surrogate (e.g. from a file name) is written as its escape so the line stays valid UTF-8
    return line.encode("utf-8", "backslashreplace").decode("utf-8") if _has_surrogate(line) else line


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _Sink:
    """structlog logger factory target: keeps events in memory and optionally writes lines."""

    def __init__(self, fh: IO[str] | None) -> None:
        self.fh = fh
        self.lines: list[str] = []

    def msg(self, line: str) -> None:
        self.lines.append(line)
        if self.fh is not None:
            self.fh.write(line + "\n")
            self.fh.flush()

    info = msg


class AuditLog:
    """An append-only, keyed audit log for one run (in memory, plus a file when ``path`` is given).

    ``key``: the audit key; by default the configured one, created on first use
    (see :func:`safedata_core.audit.key.load_key`). A key file inside the run
    directory is refused: it would let whoever edits the run re-seal the log.
    """

    def __init__(self, path: Path | None = None, *, key: AuditKey | None = None) -> None:
        self.key = key if key is not None else load_key(create=True)
        assert self.key is not None
        if path is not None:
            _refuse_key_inside(self.key, path.parent)
        self.path = path
        self._fh = path.open("w", encoding="utf-8") if path is not None else None
        self._sink = _Sink(self._fh)
        self._chain = _Chain(self.key)
        self.closed = False
        self._log = structlog.wrap_logger(
            self._sink,
            processors=[
                structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
                self._chain,
                _render,
            ],
        )

    @property
    def head(self) -> str:
        return self._chain.head

    @property
    def lines(self) -> list[str]:
        return list(self._sink.lines)

    def event(self, name: str, **fields: Any) -> None:
        if self.closed:
            raise SafedataError(f"audit event '{name}' after the log was closed (a runner bug)")
        self._log.info(name, **fields)

    def close(self) -> None:
        """Write the closing ``run_end`` event, sync and close the file."""
        if self.closed:
            return
        self.event("run_end", events_before=self._chain.seq, closed_at=datetime.now(UTC).isoformat())
        self._finish()

    def abort(self, *, step: str | None, reason: str) -> None:
        """Write the closing ``run_aborted`` event (the run was interrupted at ``step``), sync and close.

        Call it from ordinary control flow after the interrupt was caught (not
        from inside a signal handler). Does nothing when the log is closed.
        """
        if self.closed:
            return
        self.event(
            "run_aborted",
            events_before=self._chain.seq,
            step=step,
            reason=reason,
            closed_at=datetime.now(UTC).isoformat(),
        )
        self._finish()

    def _finish(self) -> None:
        self.closed = True
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None


def _refuse_key_inside(key: AuditKey, run_dir: Path) -> None:
    if key.source.startswith("$"):
        return
    try:
        Path(key.source).resolve().relative_to(run_dir.resolve())
    except ValueError:
        return
    raise SafedataError(
        f"the audit key file '{key.source}' is inside the run directory '{run_dir}'; keep it elsewhere "
        "(set SAFEDATA_AUDIT_KEY_FILE to a path outside the run)"
    )
