"""Job leases: which server process dispatched a job, and whether that process still lives.

A server process that dispatches jobs (the one holding the dispatcher lock, see
:mod:`.dispatch`) writes its *owner token* (``host/pid/start-time``) and an
expiry into every job it claims, and renews the expiry while it lives. A lease
is *dead* when it has no owner, when it expired, or when its owner is a process
on this machine that no longer runs (a SIGKILL'd server: its jobs need not wait
for the expiry). Start-up recovery fails only running jobs whose lease is dead,
so a second server process starting never touches the jobs of a live one.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from functools import cache

__all__ = ["LEASE_SECONDS", "lease_dead", "lease_until", "owner_alive", "owner_token"]

LEASE_SECONDS = 30.0  # how long a claim holds without renewal (the dispatcher renews every LEASE_SECONDS / 3)


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux ``/proc``), ``""`` elsewhere, ``None`` if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except FileNotFoundError:
        return None
    except OSError:
        return ""
    return stat.rsplit(b")", 1)[1].split()[19].decode()


@cache
def _host() -> str:
    return socket.gethostname().replace("/", "_")


def owner_token(pid: int | None = None) -> str:
    """``host/pid/start``: names one process for its whole life (a reused pid has another start time)."""
    pid = os.getpid() if pid is None else pid
    if not os.path.exists("/proc/self/stat"):
        return f"{_host()}/{pid}/"
    return f"{_host()}/{pid}/{_start_ticks(pid) or ''}"


def owner_alive(owner: str) -> bool | None:
    """Whether the owner process runs: ``True``/``False`` for a process of this machine, ``None`` (unknown)
    for another machine's."""
    host, _, rest = owner.partition("/")
    pid_text, _, start = rest.partition("/")
    if host != _host() or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    if os.path.exists("/proc/self/stat"):
        ticks = _start_ticks(pid)
        return ticks is not None and (not start or ticks == start)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lease_until(seconds: float = LEASE_SECONDS) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def lease_dead(owner: str | None, expires: datetime | None, *, me: str | None = None) -> bool:
    """A claim nobody holds any more: no owner, expired, or an owner process of this machine that is gone.
    ``me`` (the caller's own token) never counts as dead."""
    if owner is not None and owner == me:
        return False
    if owner is None or expires is None:
        return True
    if expires.tzinfo is None:  # SQLite keeps no zone: the values are written in UTC
        expires = expires.replace(tzinfo=UTC)
    if expires <= datetime.now(UTC):
        return True
    return owner_alive(owner) is False
