"""The service's audit log: every data-touching call, sealed in the core's keyed hash chain.

Each event is ``{action, key_id, role, project_id, route, method, object, epsilon, ...}``
(ids and numbers, never keys or data values), chained exactly as a run's
``audit.jsonl`` (:func:`safedata_core.audit.log.event_hash` over the canonical
event plus the previous hash, sealed with :func:`~safedata_core.audit.log.event_mac`
under the audit key). Appends lock the chain head row, so the chain stays
linear under concurrent requests; :func:`verify_chain` re-checks it all and
:func:`export_jsonl` writes it in the run-log format.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from safedata_core import SafedataError
from safedata_core.audit import AuditKey
from safedata_core.audit.log import CHAIN, GENESIS, event_hash, event_mac
from safedata_server.auth import ADMIN
from safedata_server.db import refuse_read_only
from safedata_server.models import AuditEvent, AuditHead
from safedata_server.services.context import Ctx, authorize

__all__ = ["ensure_head", "export_jsonl", "list_events", "record", "record_event", "verify_chain"]


def ensure_head(session: Session) -> None:
    """Create the chain head row when the database is new."""
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1, seq=0, hash=GENESIS))
        session.flush()


_HEAD: Table = AuditHead.__table__  # type: ignore[assignment]
_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
# built once (building a statement costs more than running it on SQLite); values are bound per append
_READ_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_INSERT = _EVENTS.insert()
_MOVE_HEAD = (
    _HEAD.update()
    .where(_HEAD.c.id == 1, _HEAD.c.seq == bindparam("at"))
    .values(seq=bindparam("next"), hash=bindparam("digest"))
)


def record_event(session: Session, key: AuditKey, action: str, **fields: Any) -> None:
    """Append one sealed event (in the caller's transaction: it commits with the action it records).

    Plain SQL statements on the session's connection (no ORM unit of work: every audited request pays this):
    the head row is read locked (PostgreSQL ``FOR UPDATE``; SQLite write transactions are exclusive), the
    event inserted and the head moved, so concurrent appends from any process form one linear chain.
    """
    refuse_read_only(session)
    conn = session.connection()
    seq, prev = conn.execute(_READ_HEAD).one()
    stamp = datetime.now(UTC)
    body: dict[str, Any] = {"event": action, "seq": seq, "ts": stamp.isoformat(), **fields}
    body["prev_hash"] = prev
    if seq == 0:
        body["key_id"] = key.id
        body["chain"] = CHAIN
    digest = event_hash(prev, body)
    row = {
        "seq": seq,
        "ts": stamp,
        "project_id": fields.get("project_id"),
        "event": body,
        "prev_hash": prev,
        "hash": digest,
        "mac": event_mac(key.secret, digest),
    }
    conn.execute(_INSERT, row)
    moved = conn.execute(_MOVE_HEAD, {"at": seq, "next": seq + 1, "digest": digest})
    if moved.rowcount != 1:  # cannot happen under the lock; never leave a forked chain behind
        raise SafedataError("the audit chain head moved during an append; the request was rolled back")


def record(ctx: Ctx, action: str, *, obj: str | None = None, epsilon: float | None = None, **fields: Any) -> None:
    """Audit ``action`` by the caller of ``ctx`` on object ``obj`` (an id).

    In a write transaction the event commits with the change it records; after
    a read-only call it is written right after the read, before the call returns.
    """
    p = ctx.principal
    body: dict[str, Any] = {
        "actor": p.key_id if p else None,
        "role": p.role if p else None,
        "project_id": p.project_id if p else fields.pop("project_id", None),
        "route": ctx.route,
        "method": ctx.method,
        "object": obj,
        "epsilon": epsilon,
        **fields,
    }
    if ctx.writing:
        record_event(ctx.session, ctx.rt.audit_key, action, **body)
    else:
        ctx.pending_audit.append((action, body))


def verify_chain(session: Session, key: AuditKey) -> dict[str, Any]:
    """Re-hash and re-MAC the whole chain; ``{"ok", "events", "first_bad"}``."""
    prev = GENESIS
    count = 0
    for row in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        body = dict(row.event)
        if row.seq != count or body.get("prev_hash") != prev or row.prev_hash != prev:
            return {"ok": False, "events": count, "first_bad": row.seq, "reason": "broken link"}
        digest = event_hash(prev, body)
        if digest != row.hash:
            return {"ok": False, "events": count, "first_bad": row.seq, "reason": "hash mismatch (edited event)"}
        if event_mac(key.secret, digest) != row.mac:
            return {"ok": False, "events": count, "first_bad": row.seq, "reason": "MAC mismatch (re-sealed)"}
        prev = digest
        count += 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != count or head.hash != prev):
        return {"ok": False, "events": count, "first_bad": count, "reason": "events missing after the last one"}
    return {"ok": True, "events": count, "first_bad": None, "reason": None}


def list_events(ctx: Ctx, *, limit: int = 100, object_id: str | None = None) -> list[dict[str, Any]]:
    """The newest events of the caller's project (admin)."""
    who = authorize(ctx, ADMIN, "audit events")
    q = select(AuditEvent).where(AuditEvent.project_id == who.project_id).order_by(AuditEvent.seq.desc())
    rows = ctx.session.scalars(q.limit(max(1, min(limit, 1000)))).all()
    events = [dict(r.event) | {"hash": r.hash} for r in rows]
    if object_id is not None:
        events = [e for e in events if e.get("object") == object_id or e.get("dataset_id") == object_id]
    return events


def export_jsonl(session: Session) -> str:
    """The whole chain as JSON lines (each with ``hash`` and ``mac``), the run-log format."""
    lines = []
    for row in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        lines.append(json.dumps(dict(row.event) | {"hash": row.hash, "mac": row.mac}, sort_keys=True))
    return "\n".join(lines) + ("\n" if lines else "")
