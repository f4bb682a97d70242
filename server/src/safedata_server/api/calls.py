"""Running a service operation for a request: key, route rule, one transaction, errors as JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse

from safedata_core import SafedataError
from safedata_server.api.policy import ROUTE_ROLES
from safedata_server.auth import authenticate
from safedata_server.services.context import Ctx, Forbidden, Runtime, ServiceError
from safedata_server.services.session import service_ctx

__all__ = ["Unauthorized", "api_key", "call", "error_response", "route_rule", "runtime"]

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


def _admit(ctx: Ctx, key: str | None, roles: frozenset[str]) -> None:
    ctx.principal = authenticate(ctx.session, key)
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
