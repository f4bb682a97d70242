"""API keys and roles.

A key is 32 random bytes, shown once as ``sd_<64 hex>``; only its SHA-256 is
stored (the key has full entropy, so a slow password hash adds nothing). Roles:
``admin`` (keys, projects, budgets; everything a steward can do), ``steward``
(upload, profile, generate, raw-data reports) and ``analyst`` (released data and
DP release packages only). Every key belongs to one project and sees only its
objects.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TypeGuard

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from safedata_server.models import ApiKey

__all__ = [
    "ADMIN",
    "ANY_ROLE",
    "PUBLIC",
    "ROLES",
    "STEWARD",
    "Principal",
    "PrincipalCache",
    "authenticate",
    "hash_key",
    "new_key",
]

ROLES = ("admin", "steward", "analyst")
ADMIN: frozenset[str] = frozenset({"admin"})
STEWARD: frozenset[str] = frozenset({"admin", "steward"})
ANY_ROLE: frozenset[str] = frozenset(ROLES)
PUBLIC: frozenset[str] = frozenset()  # no key needed
KEY_PREFIX = "sd_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id (never the key), its project and role."""

    key_id: str
    project_id: str
    role: str
    name: str = ""

    def can(self, roles: frozenset[str]) -> bool:
        return not roles or self.role in roles


def new_key() -> str:
    """A fresh API key: ``sd_`` + 32 random bytes in hex."""
    return KEY_PREFIX + secrets.token_bytes(32).hex()


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _well_formed(key: str | None) -> TypeGuard[str]:
    return key is not None and key.startswith(KEY_PREFIX) and len(key) == len(KEY_PREFIX) + 64


def authenticate(session: Session, key: str | None) -> Principal | None:
    """The principal of a live key, or ``None`` (unknown, malformed or revoked)."""
    if not _well_formed(key):
        return None
    return _lookup(session, hash_key(key))


class PrincipalCache:
    """Live principals by key hash, each kept ``ttl`` seconds (memory only), so a burst of requests with one
    key reads its row once. Only live keys are kept (a new key works at once); :meth:`clear` on revocation
    (this process) and the short ``ttl`` (another process) bound how long a revoked key still works."""

    def __init__(self, ttl: float = 1.0, size: int = 4096) -> None:
        self.ttl, self.size = ttl, size
        self._live: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def authenticate(self, session: Session, key: str | None) -> Principal | None:
        """:func:`authenticate`, answered from the cache while the entry is fresh."""
        if not _well_formed(key):
            return None
        digest = hash_key(key)
        now = time.monotonic()
        hit = self._live.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        principal = _lookup(session, digest)
        with self._lock:
            if principal is None:
                self._live.pop(digest, None)
            else:
                if len(self._live) >= self.size:
                    self._live.clear()
                self._live[digest] = (now + self.ttl, principal)
        return principal

    def clear(self) -> None:
        with self._lock:
            self._live.clear()


_BY_HASH = select(ApiKey.id, ApiKey.project_id, ApiKey.role, ApiKey.name, ApiKey.key_hash, ApiKey.revoked_at).where(
    ApiKey.key_hash == bindparam("digest")
)  # built once: only the columns a principal needs, no ORM object


def _lookup(session: Session, digest: str) -> Principal | None:
    row = session.execute(_BY_HASH, {"digest": digest}).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, digest):
        return None
    return Principal(key_id=row.id, project_id=row.project_id, role=row.role, name=row.name)
