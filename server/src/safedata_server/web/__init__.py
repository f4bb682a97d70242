"""The web UI of safedata-server: server-rendered pages at ``/ui`` (and ``/`` redirecting there).

:func:`mount` is called by :func:`safedata_server.api.app.create_app`. The pages
are a FastAPI app of their own mounted at ``/ui``, so the API's route table
(``api/policy.py``) stays the API's; the pages have their own rule table
(:mod:`safedata_server.web.policy`) with a generated test. Every page calls the
service layer (``safedata_server.services``), like the API. Templates and the
small script and stylesheet are package data: nothing is loaded from elsewhere.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

__all__ = ["PREFIX", "mount"]

PREFIX = "/ui"


def mount(app: FastAPI) -> None:
    """Mount the UI at ``/ui`` and send ``GET /`` there."""
    from safedata_server.web.pages import build_app

    app.mount(PREFIX, build_app(app), name="ui")

    async def root(_request: Request) -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=303)

    # a plain route (not an API route): the API's route table and its generated test do not cover it
    app.router.routes.append(Route("/", root, methods=["GET"], include_in_schema=False))
