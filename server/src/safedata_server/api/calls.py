"""Running a service operation for a request: key, route rule, one transaction, errors as JSON.

Where a call runs: short calls (a few rows read or written, small objects) are
made by ``async`` endpoints, on the event loop itself; calls that may take
long (reading or writing a dataset's rows or a release, reports) are made by
plain ``def`` endpoints, which FastAPI runs in its thread pool. A server
process thus has few threads wanting its one interpreter lock at a time: with a
thread per request, a thread that waits (on the database, the disk, a helper
process) queues behind the running ones for the lock each time it resumes, and
a burst of requests spends most of its time in that queue. A CPU-heavy step
(parsing an upload, checking metadata) is awaited in a helper process
(:meth:`~safedata_server.services.context.Runtime.offload_async`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse

from safedata_core import SafedataError
from safedata_server.api.policy import ROUTE_ROLES
from safedata_server.services.context import Ctx, Forbidden, Runtime, ServiceError
from safedata_server.services.session import service_ctx

__all__ = ["Unauthorized", "api_key", "call", "call_async", "error_response", "route_rule", "runtime", "wait_job"]

T = TypeVar("T")


class Unauthorized(ServiceError):
    status = 401


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def api_key(request: Request) -> str | None:
    """The key from ``Authorization: Bearer <key>`` or ``X-API-Key``."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key")


def route_rule(request: Request) -> tuple[str, frozenset[str]]:
    route = request.scope.get("route")
    template = getattr(route, "path", request.url.path)
    rule = ROUTE_ROLES.get((request.method, template))
    if rule is None:
        raise RuntimeError(f"route {request.method} {template} has no authorization rule in api/policy.py")
    return template, rule


def call(request: Request, op: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Authenticate, apply the route's rule, and run ``op(ctx, *args, **kwargs)`` in one transaction."""
    rt = runtime(request)
    template, roles = route_rule(request)
    with service_ctx(rt, None, route=template, method=request.method) as ctx:
        _admit(ctx, api_key(request), roles)
        return op(ctx, *args, **kwargs)


async def call_async(request: Request, op: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """:func:`call` in the thread pool: database work and computation never run on the event loop."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(call, request, op, *args, **kwargs)


def _job_state(rt: Runtime, job_id: str) -> tuple[str, str | None]:
    from safedata_server.models import Job

    with rt.db.session(write=False) as s:
        job = s.get(Job, job_id)
        return (job.status, job.error) if job is not None else ("missing", None)


async def wait_job(rt: Runtime, job_id: str, timeout: float) -> tuple[str, str | None]:
    """(status, error) of job ``job_id`` once it ended, or its status after ``timeout`` seconds.

    Awaits between polls (no thread is held while the job runs); each poll is one short read in the pool.
    """
    import asyncio
    import time

    from starlette.concurrency import run_in_threadpool

    deadline = time.monotonic() + timeout
    pause = 0.05
    while True:
        status, error = await run_in_threadpool(_job_state, rt, job_id)
        if status in ("succeeded", "failed", "cancelled", "missing") or time.monotonic() >= deadline:
            return status, error
        await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 1.5, 0.5)


def _admit(ctx: Ctx, key: str | None, roles: frozenset[str]) -> None:
    ctx.principal = ctx.rt.principals.authenticate(ctx.session, key)
    if not roles:
        return
    if ctx.principal is None:
        raise Unauthorized("a valid API key is required (Authorization: Bearer <key>)")
    if not ctx.principal.can(roles):
        raise Forbidden(f"role '{ctx.principal.role}' may not call this route (needs: {', '.join(sorted(roles))})")


def error_response(exc: SafedataError) -> JSONResponse:
    status = exc.status if isinstance(exc, ServiceError) else 422
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {"detail": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}, status_code=status, headers=headers
    )
