"""Opening a service call: authenticate a key, open the transaction, start queued jobs after commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from safedata_server.auth import Principal
from safedata_server.services.context import Ctx, Runtime

__all__ = ["principal_for", "service_ctx"]


def principal_for(rt: Runtime, key: str | None) -> Principal | None:
    """The principal of an API key (``None`` for a missing, unknown or revoked key)."""
    with rt.db.session(write=False) as s:
        return rt.principals.authenticate(s, key)


@contextmanager
def service_ctx(rt: Runtime, principal: Principal | None, *, route: str = "", method: str = "") -> Iterator[Ctx]:
    """A :class:`Ctx` (read transaction first, see :meth:`Ctx.begin_write`); on success its deferred audit
    events are written, its ``after_commit`` hooks run and the jobs it queued start, before this returns."""
    with rt.db.session(write=False) as s:
        ctx = Ctx(session=s, principal=principal, rt=rt, route=route, method=method)
        yield ctx
        if ctx.pending_audit:  # a call that only read: its events, in a write transaction of the same session
            from safedata_server.services.audit import record_event

            ctx.begin_write()
            for action, fields in ctx.pending_audit:
                record_event(s, rt.audit_key, action, **fields)
    for hook in ctx.extra.get("after_commit", []):
        hook()
    for job_id in ctx.extra.get("submit", []):
        if rt.executor is not None:
            rt.executor.submit(job_id, quick=job_id in ctx.extra.get("quick", ()))
