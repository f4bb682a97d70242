"""Signing in to the web UI from a TestClient (tests of server/tests/web/)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(app: Any, key: str, *, base_url: str = "http://testserver") -> tuple[TestClient, str]:
    """A client with a web session for ``key`` and the session's CSRF token."""
    client = TestClient(app, base_url=base_url)
    token = csrf_of(client.get("/ui/login").text)
    r = client.post("/ui/login", data={"api_key": key, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/ui/datasets")
    assert page.status_code == 200, page.text
    return client, csrf_of(page.text)


def ui_app(app: Any) -> Any:
    """The UI app mounted at /ui in ``app``."""
    from starlette.routing import Mount

    return next(r.app for r in app.routes if isinstance(r, Mount) and r.path == "/ui")
