"""Which waiting request a server process runs next: the next one of a client already being served.

When many clients arrive at once (a class starting a lab, a batch of scripts), each
sending a few requests in a row, serving requests in arrival order interleaves all of
them: every client waits for nearly the whole burst at each of its steps, and all of
them finish at its end. Serving the clients that came first to the end of their work
before taking newer clients' first requests uses the same CPU, and the clients finish
one after another instead (the median client sooner, as with shortest-job-first
scheduling); the waiting moves to the first request of the clients that came last.

:class:`SessionOrder` is an ASGI middleware that lets ``slots`` requests at a time into
the app; the others wait ranked by when their client's session began (its first
request on this kept-alive connection), but never ranked more than ``credit`` seconds
ahead of their own arrival: no request waits for ``credit`` seconds behind requests that
came after it, and a session idle for ``credit`` seconds starts anew. Requests are let
in on the next turn of the event loop, after it has read what arrived meanwhile. When a
request ends while others wait, its slot is kept for ``anticipate`` seconds for the
same client's next request (it is sent as soon as the answer arrives), unless the
client's last request came later than that (a client that pauses between requests is
not waited for). A request that keeps its slot for ``hold`` seconds (it awaits a
thread, a helper process or a slow upload) gives it up, so long requests do not hold
up short ones. ``SAFEDATA_SESSION_CREDIT=0`` turns the ordering off.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["SessionOrder"]

MAX_CLIENTS = 4096  # sessions remembered; the oldest half is forgotten past this


@dataclass
class _Session:
    first: float  # its first request
    last: float  # its last request's arrival, then its answer
    prompt: bool = True  # its last request came within ``anticipate`` of the answer before

    def rank(self, now: float, credit: float) -> float:
        """The rank of its request sent at ``now`` (lower goes first): when it began, at most ``credit`` early."""
        return max(self.first, now - credit)


class SessionOrder:
    """Pure ASGI middleware: ``slots`` requests run at once; the others wait, earliest session first."""

    def __init__(
        self, app: Any, *, slots: int = 2, credit: float = 1.0, hold: float = 0.001, anticipate: float = 0.002
    ) -> None:
        self.app = app
        self.slots = slots
        self.credit = credit
        self.hold = hold
        self.anticipate = anticipate
        self._seq = itertools.count()
        self._sessions: dict[Any, _Session] = {}  # by connection (client host, port)
        self._start(None)

    def _start(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Order the requests of ``loop`` (a server process has one; a test client may start one per request)."""
        self._loop = loop
        self.running = 0  # slots given (a slot kept for a client counts)
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._kept_for: Any = None  # the connection a freed slot is kept for
        self._keeping: asyncio.TimerHandle | None = None
        self._dispatching = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            if self._loop is not None and self._loop.is_running():  # another thread's loop (a test client's)
                await self.app(scope, receive, send)
                return
            self._start(loop)
        client = scope.get("client")
        rank = self._arrive(client, time.monotonic())
        if client is not None and client == self._kept_for:  # the slot kept for this client
            self._kept_for = None
            if self._keeping is not None:
                self._keeping.cancel()
                self._keeping = None
        else:
            turn: asyncio.Future[None] = loop.create_future()
            heapq.heappush(self._waiting, (rank, next(self._seq), turn))
            self._dispatch_soon()
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():  # given a slot as it was cancelled: pass it on
                    self._release(None)
                raise
        held = True

        def give_up(ended: bool) -> None:
            nonlocal held
            if held:
                held = False
                self._release(client if ended else None)

        timer = loop.call_later(self.hold, give_up, False)
        try:
            await self.app(scope, receive, send)
        finally:
            timer.cancel()
            session = self._sessions.get(client)
            if session is not None:
                session.last = time.monotonic()  # the session goes on from the answer
            give_up(True)

    def _arrive(self, client: Any, now: float) -> float:
        """Record the request in its client's session; its rank (lower goes first)."""
        if client is None:
            return now
        session = self._sessions.get(client)
        if session is None or now - session.last > self.credit:  # new, idle, or a reused port: a new session
            session = self._sessions[client] = _Session(now, now)
            if len(self._sessions) > MAX_CLIENTS:
                for stale in list(itertools.islice(self._sessions, MAX_CLIENTS // 2)):
                    del self._sessions[stale]
        else:
            session.prompt = now - session.last <= self.anticipate
            session.last = now
        return session.rank(now, self.credit)

    def _dispatch_soon(self) -> None:
        if not self._dispatching and self.running < self.slots and self._kept_for is None:
            self._dispatching = True
            asyncio.get_running_loop().call_soon(self._dispatch)

    def _dispatch(self) -> None:
        """Give the free slots to the first-ranked waiting requests."""
        self._dispatching = False
        while self.running < self.slots and self._kept_for is None and self._waiting:
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():  # (a cancelled wait)
                turn.set_result(None)
                self.running += 1

    def _release(self, client: Any) -> None:
        """Free a slot; after an ended request, keep it for that client's next one when that would go first."""
        if client is not None and self._waiting and self._kept_for is None and self._goes_first(client):
            self._kept_for = client
            self._keeping = asyncio.get_running_loop().call_later(self.anticipate, self._stop_keeping)
            return
        self.running -= 1
        self._dispatch_soon()

    def _goes_first(self, client: Any) -> bool:
        session = self._sessions.get(client)
        if session is None or not session.prompt:
            return False
        return session.rank(time.monotonic(), self.credit) < self._waiting[0][0]

    def _stop_keeping(self) -> None:
        self._kept_for = None
        self._keeping = None
        self.running -= 1
        self._dispatch_soon()
