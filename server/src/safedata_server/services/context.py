"""What every service operation receives: a :class:`Ctx` (database session, caller, runtime, request).

Service errors are :class:`~safedata_core.SafedataError` subclasses with an HTTP
status, so the API (and the web pages) turn them into one-line answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session

from safedata_core import SafedataError
from safedata_server.auth import Principal, PrincipalCache

if TYPE_CHECKING:
    from safedata_core import Engine
    from safedata_core.audit import AuditKey
    from safedata_server.config import Settings
    from safedata_server.db import Database
    from safedata_server.jobs.executor import Executor
    from safedata_server.offload import RequestPool
    from safedata_server.storage import ObjectStore

__all__ = [
    "Conflict",
    "Ctx",
    "Forbidden",
    "Invalid",
    "NotFound",
    "Runtime",
    "ServiceError",
    "TooLarge",
    "authorize",
]


T = TypeVar("T")


class ServiceError(SafedataError):
    """A refused service call; ``status`` is its HTTP status code."""

    status = 400


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    status = 422


class TooLarge(ServiceError):
    status = 413


@dataclass
class Runtime:
    """Process-wide state: settings, database, encrypted store, audit key, job executor."""

    settings: Settings
    db: Database
    store: ObjectStore
    audit_key: AuditKey
    executor: Executor | None = None
    counters: dict[str, float] = field(default_factory=dict)
    cpu: RequestPool | None = None  # helper processes for a request's CPU work (safedata_server.offload)
    principals: PrincipalCache = field(default_factory=PrincipalCache)  # live API keys, 1 s (auth.PrincipalCache)
    in_flight: int = 0  # requests being answered by this process (the access-log middleware counts them)

    def busy(self) -> bool:
        """Whether this process is answering a request now (the dispatcher defers generation jobs meanwhile)."""
        return self.in_flight > 0

    def offload(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a helper process (this thread waits; others run), or here without the pool."""
        return self.cpu.run(fn, *args) if self.cpu is not None else fn(*args)

    async def offload_async(self, fn: Callable[..., T], *args: Any, here: bool = False) -> T:
        """:meth:`offload` awaited on the event loop (the loop serves other requests meanwhile); ``here``: small
        work, run in this thread (:meth:`RequestPool.run_async`)."""
        return await self.cpu.run_async(fn, *args, here=here) if self.cpu is not None else fn(*args)

    @cached_property
    def engine(self) -> Engine:
        """The core engine (installed plugins), built on first use."""
        from safedata_core import Engine

        return Engine()

    def count(self, name: str, value: float = 1.0) -> None:
        self.counters[name] = self.counters.get(name, 0.0) + value


@dataclass
class Ctx:
    """One call: the open transaction, who calls, the runtime, and where from (route, method).

    A call starts in a *read* transaction; an operation that writes calls
    :meth:`begin_write` first (after its slow reading and computing), which ends
    the read transaction and opens a write one (on SQLite the database write lock
    is held only from there on). Audit events of a call that never wrote are
    written in a write transaction of their own right after it, before the call returns.
    """

    session: Session
    principal: Principal | None
    rt: Runtime
    route: str = ""
    method: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    writing: bool = False
    pending_audit: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def begin_write(self) -> None:
        """Switch to a write transaction (idempotent). Re-read (lock) any row the write depends on."""
        if self.writing:
            return
        self.rt.db.promote(self.session)
        self.writing = True

    @property
    def who(self) -> Principal:
        if self.principal is None:
            raise Forbidden("this operation needs an API key (send Authorization: Bearer <key>)")
        return self.principal


def authorize(ctx: Ctx, roles: frozenset[str], what: str) -> Principal:
    """The caller, when its role is in ``roles``; else :class:`Forbidden` naming ``what``."""
    who = ctx.who
    if not who.can(roles):
        raise Forbidden(f"{what}: role '{who.role}' may not do this (needs one of: {', '.join(sorted(roles))})")
    return who
