"""The app factory: ``create_app(settings)`` -> a FastAPI app with its runtime (database, store, workers).

The runtime starts with the app (lifespan): schema upgrade, the one-time admin
key on a new database, recovery of interrupted jobs, the worker pool. The web
UI, when installed (``safedata_server.web``), is mounted by :func:`create_app` too.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from safedata_core import SafedataError
from safedata_server import __version__
from safedata_server.api.calls import error_response
from safedata_server.api.ordering import SessionOrder
from safedata_server.api.routes import datasets, evaluations, generators, system
from safedata_server.config import Settings
from safedata_server.logs import configure_logging
from safedata_server.services.context import Runtime

__all__ = ["app_from_env", "create_app"]

log = structlog.get_logger("safedata_server.access")


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """A ready app. ``runtime``: an existing one (tests); else one is built from ``settings`` at startup."""
    configure_logging()
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime is None:
            from safedata_server.runtime import create_runtime

            rt, admin_key = create_runtime(settings)
            app.state.runtime, app.state.admin_key = rt, admin_key
        yield
        rt_now: Runtime = app.state.runtime
        if runtime is None:
            if rt_now.executor is not None:
                rt_now.executor.shutdown(wait=False)
            if rt_now.cpu is not None:
                rt_now.cpu.shutdown()
            rt_now.db.dispose()

    app = FastAPI(
        title="safedata",
        version=__version__,
        description="Privacy-preserving data release as a service: upload, profile, declare public metadata, "
        "generate DP synthetic data under a per-dataset lifetime budget, and download the release.",
        lifespan=lifespan,
    )
    if runtime is not None:
        app.state.runtime, app.state.admin_key = runtime, None
    for module in (system, datasets, generators, evaluations):
        app.include_router(module.router)
    _mount_web(app)

    @app.exception_handler(SafedataError)
    async def _safedata_error(_request: Request, exc: SafedataError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"detail": f"{where}: {first.get('msg', 'invalid request')}"}, status_code=422)

    if settings.session_credit > 0:  # inside the access log: its times include the wait for a turn
        app.add_middleware(SessionOrder, credit=settings.session_credit)
    app.add_middleware(AccessLog)
    import starlette.formparsers

    # uploads up to the limit stay in memory: a raw upload is never spooled to a plaintext temp file
    starlette.formparsers.MultiPartParser.spool_max_size = max(
        starlette.formparsers.MultiPartParser.spool_max_size, settings.max_upload_bytes + 2**16
    )
    return app


def app_from_env() -> FastAPI:
    """The app of one server process of ``safedata serve --processes N`` (uvicorn's factory; the settings come
    from the environment). The process stops when the supervising ``safedata serve`` is gone, even killed."""
    _exit_with_parent()
    return create_app(Settings.from_env())


def _exit_with_parent() -> None:
    import os
    import signal
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's orderly stop: lifespan shutdown stops the job workers
        time.sleep(10.0)
        os._exit(70)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class AccessLog:
    """Pure ASGI middleware: one JSON log line per request (method, route template, status, ms), a 413 for
    an upload whose declared size is over the limit, the request counter and the count of requests in flight
    (:meth:`Runtime.busy`). Never the query or headers."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]
        rt = getattr(scope["app"].state, "runtime", None) if "app" in scope else None
        if rt is not None and scope["method"] == "POST" and scope["path"] == "/datasets/upload":
            declared = dict(scope.get("headers") or []).get(b"content-length")
            if declared is not None and int(declared) > rt.settings.max_upload_bytes + 2**16:
                response = JSONResponse(
                    {"detail": f"upload is over the {rt.settings.max_upload_bytes // 2**20} MB limit"},
                    status_code=413,
                )
                await response(scope, receive, send)
                status[0] = 413
                log.info("request", method="POST", route="/datasets/upload", status=413, ms=0.0)
                return

        if rt is not None:
            rt.in_flight += 1

        async def send_status(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            log.info(
                "request",
                method=scope["method"],
                route=getattr(route, "path", "unmatched"),
                status=status[0],
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
            if rt is not None:
                rt.in_flight -= 1
                rt.count("http_requests")


def _mount_web(app: FastAPI) -> None:
    """Mount the web UI (``safedata_server.web.mount(app)``) when that package exists."""
    import importlib
    import importlib.util

    if importlib.util.find_spec("safedata_server.web") is None:
        return
    web = importlib.import_module("safedata_server.web")
    mount = getattr(web, "mount", None)
    if mount is not None:
        mount(app)
