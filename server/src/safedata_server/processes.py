"""Several server processes on one port: ``safedata serve --processes N``.

Each server process is spawned fresh and binds its own listening socket to the
same address with ``SO_REUSEPORT``, so the kernel spreads new connections evenly
over the processes (with one shared socket, the process that wakes first accepts
a whole burst of connections and serves them all while the others idle). Every
process serves the same app (:func:`safedata_server.api.app.app_from_env`: the
settings travel in the environment); one of them leads the job dispatcher
(:mod:`safedata_server.jobs.dispatch`). The supervisor (this module, in the
``safedata serve`` process) starts them, starts a new one when one dies, and
stops them all on SIGINT/SIGTERM; a server process exits when its supervisor
is gone, even killed. ``SO_REUSEPORT`` lets only processes of the same user
share the port.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["BIND_FAILED", "supervise"]

BIND_FAILED = 3  # exit code of a server process that could not bind the address


def _listen(host: str, port: int) -> socket.socket:
    family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    # not listening yet: the event loop listens once the app has started (lifespan done), so the kernel never
    # queues connections on a process that cannot answer them
    return sock


def _answers(host: str, port: int) -> bool:
    """Whether something already accepts connections on ``host:port``."""
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    try:
        with socket.create_connection((target, port), timeout=1.0):
            return True
    except OSError:
        return False


def _serve_one(host: str, port: int, options: dict[str, Any], ready: Any) -> None:
    import sys

    import uvicorn

    try:
        sock = _listen(host, port)
    except OSError as exc:
        print(f"safedata serve: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        sys.exit(BIND_FAILED)
    config = uvicorn.Config("safedata_server.api.app:app_from_env", factory=True, **options)
    server = uvicorn.Server(config)

    def signal_ready() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            ready.set()

    threading.Thread(target=signal_ready, name="ready", daemon=True).start()
    server.run(sockets=[sock])


def supervise(
    processes: int, host: str, port: int, options: dict[str, Any], on_ready: Callable[[], None] | None = None
) -> int:
    """Run ``processes`` server processes until SIGINT/SIGTERM; returns the exit code. ``on_ready()`` runs
    once every server process answers (the URL is announced then: a client that starts at once reaches all
    of them, not only the first one up)."""
    import sys

    if _answers(host, port):  # SO_REUSEPORT would let us share a port another server of this user listens on
        print(f"safedata serve: {host}:{port} is in use by another server; choose another --port", file=sys.stderr)
        return 1
    ctx = multiprocessing.get_context("spawn")
    stop = threading.Event()

    readiness: list[Any] = [None] * processes

    def start(i: int) -> multiprocessing.process.BaseProcess:
        ready = ctx.Event()
        readiness[i] = ready
        proc = ctx.Process(target=_serve_one, args=(host, port, options, ready), name="safedata-server", daemon=False)
        proc.start()
        return proc

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    children = [start(i) for i in range(processes)]
    started = [time.monotonic()] * processes
    early_deaths = 0
    code = 0
    announced = on_ready is None
    try:
        while not stop.wait(0.05 if not announced else 0.5):
            if not announced and all(event.is_set() for event in readiness):
                assert on_ready is not None
                on_ready()
                announced = True
            for i, proc in enumerate(children):
                if proc.exitcode is None:
                    continue
                early_deaths += time.monotonic() - started[i] < 10.0
                if proc.exitcode == BIND_FAILED or early_deaths > 3:  # it cannot start: do not loop on it
                    stop.set()
                    code = 1
                    break
                children[i], started[i] = start(i), time.monotonic()  # a fresh one takes its place
    finally:
        for proc in children:
            if proc.exitcode is None and proc.pid is not None:
                proc.terminate()  # SIGTERM: uvicorn's orderly stop (the leader stops its job workers)
        deadline = time.monotonic() + 15
        for proc in children:
            proc.join(timeout=max(0.1, deadline - time.monotonic()))
            if proc.exitcode is None:
                proc.kill()
                proc.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code
