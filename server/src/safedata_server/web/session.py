"""Web sessions: a signed cookie naming the signed-in key, and the CSRF token every form carries.

Signing in checks the API key once (:func:`safedata_server.auth.authenticate`);
the cookie then holds ``key id . expiry . nonce . HMAC`` under a secret that lives
in memory (a restart signs everybody out), never the key. With several server
processes (``safedata serve --processes N``) they share the secret, which
``safedata serve`` makes at start and hands them in ``SAFEDATA_WEB_SESSION_SECRET``:
a browser's connections may reach any of them. Every request
re-reads the key row, so a revoked key loses its sessions at once. The cookie is
HttpOnly, SameSite=Strict, scoped to the UI's path, and Secure when the request
came over TLS. The CSRF token of a session is an HMAC of its nonce; the sign-in
form, before any session, uses a double-submit cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from safedata_server.auth import Principal
from safedata_server.models import ApiKey

__all__ = ["COOKIE", "PRE_COOKIE", "SECRET_ENV", "SESSION_SECONDS", "Sessions", "WebSession"]

COOKIE = "sd_session"
SECRET_ENV = "SAFEDATA_WEB_SESSION_SECRET"  # set by ``safedata serve --processes N`` for its server processes
PRE_COOKIE = "sd_login_csrf"
SESSION_SECONDS = 8 * 3600


def _shared_secret() -> bytes | None:
    """The session secret shared by the server processes of one ``safedata serve`` (hex in the environment)."""
    raw = os.environ.get(SECRET_ENV, "")
    try:
        secret = bytes.fromhex(raw)
    except ValueError:
        return None
    return secret if len(secret) >= 32 else None


@dataclass(frozen=True)
class WebSession:
    """A verified session cookie: the key it stands for, and its CSRF token."""

    key_id: str
    nonce: str
    csrf: str


@dataclass
class Sessions:
    """Issues and checks session cookies and CSRF tokens (one per app, secret made at start)."""

    path: str = "/ui"
    secret: bytes = field(default_factory=lambda: _shared_secret() or secrets.token_bytes(32), repr=False)
    ended: set[str] = field(default_factory=set)

    def _mac(self, text: str) -> str:
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()

    def csrf_for(self, nonce: str) -> str:
        return self._mac(f"csrf.{nonce}")[:40]

    def issue(self, request: Request, response: Response, key_id: str) -> WebSession:
        """Set a fresh session cookie for ``key_id`` on ``response``."""
        nonce = secrets.token_hex(16)
        body = f"{key_id}.{int(time.time()) + SESSION_SECONDS}.{nonce}"
        self._set(request, response, COOKIE, f"{body}.{self._mac(body)}", SESSION_SECONDS)
        response.delete_cookie(PRE_COOKIE, path=self.path)
        return WebSession(key_id, nonce, self.csrf_for(nonce))

    def read(self, request: Request) -> WebSession | None:
        """The request's session when its cookie is intact, unexpired and not signed out; else ``None``."""
        raw = request.cookies.get(COOKIE, "")
        parts = raw.split(".")
        if len(parts) != 4:
            return None
        key_id, expires, nonce, mac = parts
        if not hmac.compare_digest(mac.encode(), self._mac(f"{key_id}.{expires}.{nonce}").encode()):
            return None
        if not expires.isdigit() or int(expires) < time.time() or nonce in self.ended:
            return None
        return WebSession(key_id, nonce, self.csrf_for(nonce))

    def end(self, request: Request, response: Response) -> None:
        """Sign out: the nonce is refused from now on and the cookie is cleared."""
        current = self.read(request)
        if current is not None:
            self.ended.add(current.nonce)
        response.delete_cookie(COOKIE, path=self.path)

    def login_token(self, request: Request) -> str:
        """The sign-in form's CSRF token (double-submit: the same value in a cookie and in the form)."""
        return request.cookies.get(PRE_COOKIE) or secrets.token_hex(16)

    def set_login_token(self, request: Request, response: Response, token: str) -> None:
        self._set(request, response, PRE_COOKIE, token, 3600)

    def login_token_ok(self, request: Request, sent: str) -> bool:
        cookie = request.cookies.get(PRE_COOKIE, "")
        return bool(cookie) and hmac.compare_digest(cookie.encode(), sent.encode())

    def _set(self, request: Request, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=self.path,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )


def principal_of(session: Session, key_id: str) -> Principal | None:
    """The principal of a live key by its id (``None`` when unknown or revoked)."""
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return None
    return Principal(key_id=row.id, project_id=row.project_id, role=row.role, name=row.name)
