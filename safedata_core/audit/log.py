"""Hash-chained audit log: structlog JSON events, each sealed with ``prev_hash`` and ``hash``.

``hash = sha256(prev_hash + canonical_json(event))`` where the canonical form
has sorted keys and no whitespace and excludes ``hash`` itself. The first
event's ``prev_hash`` is 64 zeros. The log ends with a ``run_end`` event that
states how many events came before it, so truncation is detected too.
Events carry step ids, component names, counts and budgets, never data values.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import structlog

GENESIS = "0" * 64

__all__ = ["GENESIS", "AuditLog", "canonical", "event_hash"]


def canonical(event: MutableMapping[str, Any]) -> str:
    body = {k: v for k, v in event.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def event_hash(prev_hash: str, event: MutableMapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()


class _Chain:
    """structlog processor: number the event, link it to the previous one and seal it."""

    def __init__(self) -> None:
        self.head = GENESIS
        self.seq = 0

    def __call__(self, _logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Any:
        event_dict["seq"] = self.seq
        event_dict["prev_hash"] = self.head
        event_dict["hash"] = event_hash(self.head, event_dict)
        self.head = event_dict["hash"]
        self.seq += 1
        return event_dict


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
    """An append-only audit log for one run (in memory, plus a file when ``path`` is given)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._fh = path.open("w", encoding="utf-8") if path is not None else None
        self._sink = _Sink(self._fh)
        self._chain = _Chain()
        self._log = structlog.wrap_logger(
            self._sink,
            processors=[
                structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
                self._chain,
                lambda _l, _m, ev: json.dumps(
                    ev, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False
                ),
            ],
        )

    @property
    def head(self) -> str:
        return self._chain.head

    @property
    def lines(self) -> list[str]:
        return list(self._sink.lines)

    def event(self, name: str, **fields: Any) -> None:
        self._log.info(name, **fields)

    def close(self) -> None:
        """Write the ``run_end`` event and close the file."""
        self.event("run_end", events_before=self._chain.seq, closed_at=datetime.now(UTC).isoformat())
        if self._fh is not None:
            self._fh.close()
            self._fh = None
