"""Web session cookies: the server processes of one ``safedata serve`` share the signing secret."""

from __future__ import annotations

import pytest
from fastapi import Request
from fastapi.responses import Response
from safedata_server.web.session import COOKIE, SECRET_ENV, Sessions


def _request(cookie: str | None = None) -> Request:
    headers = [(b"cookie", f"{COOKIE}={cookie}".encode())] if cookie else []
    return Request({"type": "http", "method": "GET", "path": "/ui/", "headers": headers, "scheme": "http"})


def _issued_by(sessions: Sessions) -> str:
    response = Response()
    sessions.issue(_request(), response, "key123")
    cookie = response.headers["set-cookie"].split(";", 1)[0]
    return cookie.split("=", 1)[1]


def test_processes_given_the_shared_secret_read_each_others_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "ab" * 32)
    one, two = Sessions(), Sessions()  # two server processes of one server
    session = two.read(_request(_issued_by(one)))
    assert session is not None and session.key_id == "key123"
    assert session.csrf == one.csrf_for(session.nonce)  # a form made by one process posts to the other


@pytest.mark.parametrize("value", [None, "", "zz", "ab" * 8])  # unset, empty, not hex, too short
def test_without_a_usable_shared_secret_each_process_has_its_own(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv(SECRET_ENV, raising=False)
    else:
        monkeypatch.setenv(SECRET_ENV, value)
    one, two = Sessions(), Sessions()
    assert one.secret != two.secret and len(one.secret) == 32
    assert two.read(_request(_issued_by(one))) is None and one.read(_request(_issued_by(one))) is not None
