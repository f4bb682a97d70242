"""Opening a service call: authenticate a key, open the transaction, start queued jobs after commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from safedata_server.auth import Principal, authenticate
from safedata_server.services.context import Ctx, Runtime

__all__ = ["principal_for", "service_ctx"]


def principal_for(rt: Runtime, key: str | None) -> Principal | None:
    """The principal of an API key (``None`` for a missing, unknown or revoked key)."""
    with rt.db.session() as s:
        return authenticate(s, key)


@contextmanager
def service_ctx(rt: Runtime, principal: Principal | None, *, route: str = "", method: str = "") -> Iterator[Ctx]:
    """A :class:`Ctx` in one transaction; jobs queued inside start once it has committed."""
    with rt.db.session() as s:
        ctx = Ctx(session=s, principal=principal, rt=rt, route=route, method=method)
        yield ctx
    for job_id in ctx.extra.get("submit", []):
        if rt.executor is not None:
            rt.executor.submit(job_id)
