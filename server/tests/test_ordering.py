"""SessionOrder: a client's next request goes ahead of newer clients' first ones, within its credit; slots are
kept briefly for a client's next request, given up by long requests, and never lost to errors or cancellation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from safedata_server.api.ordering import SessionOrder

A, B, C = ("127.0.0.1", 1001), ("127.0.0.1", 1002), ("127.0.0.1", 1003)


class App:
    """Records the client of each request it starts; a request whose path is in ``blocked`` waits for its event."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.blocked: dict[str, asyncio.Event] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.started.append(scope["path"])
        if scope["path"] in self.blocked:
            await self.blocked[scope["path"]].wait()
        if scope["path"].startswith("/fail"):
            raise RuntimeError("boom")


def request(gate: SessionOrder, client: tuple[str, int] | None, path: str) -> asyncio.Task[None]:
    scope = {"type": "http", "client": client, "path": path}
    return asyncio.ensure_future(gate(scope, None, None))


async def turns(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def blocked_request(app: App, gate: SessionOrder, client: tuple[str, int], path: str) -> asyncio.Task[None]:
    """A request that takes its slot and keeps it until ``app.blocked[path]`` is set."""
    app.blocked[path] = asyncio.Event()
    task = request(gate, client, path)
    await turns()
    return task


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_a_clients_next_request_goes_ahead_of_a_newer_clients_first_one() -> None:
    async def main() -> list[str]:
        app = App()
        gate = SessionOrder(app, slots=1, credit=10.0, hold=10.0, anticipate=0.0)
        first = await blocked_request(app, gate, A, "/a1")
        later = [request(gate, B, "/b1"), request(gate, C, "/c1")]
        await turns()
        again = request(gate, A, "/a2")  # A's session began first: ahead of B and C, which came before this
        await turns()
        assert app.started == ["/a1"]
        app.blocked["/a1"].set()
        await asyncio.gather(first, again, *later)
        assert gate.running == 0
        return app.started

    assert run(main()) == ["/a1", "/a2", "/b1", "/c1"]


def test_no_request_goes_ahead_of_one_that_waited_longer_than_the_credit() -> None:
    async def main() -> list[str]:
        app = App()
        gate = SessionOrder(app, slots=1, credit=0.5, hold=10.0, anticipate=0.0)
        holder = await blocked_request(app, gate, C, "/c1")
        sent = [request(gate, A, "/a1")]  # A's session begins
        await turns()
        sent.append(request(gate, B, "/b1"))
        await asyncio.sleep(0.3)
        sent.append(request(gate, A, "/a2"))  # within its credit of A's first request: ahead of B
        await asyncio.sleep(0.3)
        sent.append(request(gate, A, "/a3"))  # B has waited longer than the credit: B goes first
        await turns()
        app.blocked["/c1"].set()
        await asyncio.gather(holder, *sent)
        return app.started

    assert run(main()) == ["/c1", "/a1", "/a2", "/b1", "/a3"]


def test_the_slot_is_kept_for_the_clients_next_request_then_given_to_the_others() -> None:
    async def main() -> tuple[list[str], list[str]]:
        app = App()
        gate = SessionOrder(app, slots=1, credit=10.0, hold=10.0, anticipate=0.5)
        first = await blocked_request(app, gate, A, "/a1")
        newer = request(gate, B, "/b1")
        await turns()
        app.blocked["/a1"].set()
        await first
        await asyncio.sleep(0.05)  # A's answer is out; B still waits: the slot is kept for A
        kept = list(app.started)
        await request(gate, A, "/a2")  # A's next request takes the kept slot at once
        await asyncio.wait_for(newer, 5)
        return kept, app.started

    kept, started = run(main())
    assert kept == ["/a1"] and started == ["/a1", "/a2", "/b1"]


async def wait_of_b_after_a_ends(*, credit: float, anticipate: float, b_waited: float) -> float:
    """A's request runs while B's waits ``b_waited`` seconds; A never sends another: how long B still waits."""
    app = App()
    gate = SessionOrder(app, slots=1, credit=credit, hold=10.0, anticipate=anticipate)
    first = await blocked_request(app, gate, A, "/a1")
    newer = request(gate, B, "/b1")
    await asyncio.sleep(b_waited)
    loop = asyncio.get_running_loop()
    app.blocked["/a1"].set()
    await first
    ended = loop.time()
    await asyncio.wait_for(newer, 5)
    assert app.started == ["/a1", "/b1"] and gate.running == 0
    return loop.time() - ended


def test_a_kept_slot_is_given_up_when_the_client_does_not_come_back() -> None:
    assert run(wait_of_b_after_a_ends(credit=10.0, anticipate=0.1, b_waited=0.0)) >= 0.09


def test_no_slot_is_kept_for_a_client_that_would_not_go_first() -> None:
    # B has waited longer than A's credit: A's next request would not go ahead of it
    assert run(wait_of_b_after_a_ends(credit=0.05, anticipate=2.0, b_waited=0.2)) < 1.0


def test_a_long_request_gives_up_its_slot() -> None:
    async def main() -> list[str]:
        app = App()
        gate = SessionOrder(app, slots=1, credit=10.0, hold=0.02, anticipate=0.0)
        slow = await blocked_request(app, gate, A, "/slow")
        await asyncio.wait_for(request(gate, B, "/b1"), 5)  # runs while /slow still waits
        started = list(app.started)
        app.blocked["/slow"].set()
        await slow
        assert gate.running == 0
        return started

    assert run(main()) == ["/slow", "/b1"]


def test_errors_and_cancelled_waits_lose_no_slot() -> None:
    async def main() -> list[str]:
        app = App()
        gate = SessionOrder(app, slots=1, credit=10.0, hold=10.0, anticipate=0.0)
        with pytest.raises(RuntimeError):
            await request(gate, A, "/fail")
        holder = await blocked_request(app, gate, B, "/b1")
        gone = request(gate, C, "/c1")
        await turns()
        gone.cancel()
        await turns()
        app.blocked["/b1"].set()
        await holder
        await asyncio.wait_for(request(gate, None, "/d1"), 5)  # (no client address: ranked by arrival)
        assert gate.running == 0 and gone.cancelled()
        return app.started

    assert run(main()) == ["/fail", "/b1", "/d1"]


def test_a_new_event_loop_starts_afresh_and_another_threads_loop_passes_through() -> None:
    import threading

    app = App()
    gate = SessionOrder(app, slots=1, credit=10.0, hold=10.0, anticipate=10.0)

    async def left_busy() -> None:  # ends with its slot taken and a request waiting
        await blocked_request(app, gate, A, "/a1")
        request(gate, B, "/b1")
        await turns()

    run(left_busy())

    async def one(path: str) -> None:
        await asyncio.wait_for(request(gate, C, path), 5)

    run(one("/c1"))  # a later loop is not held up by the first one's state
    other = threading.Thread(target=run, args=(one("/t1"),))

    async def while_another_thread_runs() -> None:
        held = await blocked_request(app, gate, C, "/c2")
        other.start()
        await asyncio.to_thread(other.join, 5)  # its request passed through the held slot
        app.blocked["/c2"].set()
        await held
        assert gate.running == 0  # the other thread's request touched none of this loop's slots

    run(while_another_thread_runs())
    assert app.started == ["/a1", "/c1", "/c2", "/t1"]


def test_other_scopes_pass_through_and_the_app_is_ordered_unless_the_credit_is_zero(tmp_path: Any) -> None:
    from conftest import make_settings
    from safedata_server.api.app import create_app

    seen: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    run(SessionOrder(app)({"type": "lifespan"}, None, None))
    assert seen == ["lifespan"]
    settings = make_settings(tmp_path / "data", start_workers=False)
    assert SessionOrder in [m.cls for m in create_app(settings).user_middleware]
    settings.session_credit = 0.0
    assert SessionOrder not in [m.cls for m in create_app(settings).user_middleware]
