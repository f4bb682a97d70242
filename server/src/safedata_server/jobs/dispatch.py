"""One job dispatcher for the whole server, however many server processes serve requests.

Every server process has a :class:`Dispatcher` as its executor, but only one of
them *leads*: the one holding an exclusive lock on ``<data>/dispatcher.lock``
(``flock``; the others retry every second, so when the leader dies another takes
over). The leader alone owns the worker pools (the bounded
:class:`~.executor.LocalProcessExecutor`, or the Dask client) and runs start-up
recovery. A request in any process commits its job as ``queued`` and wakes the
dispatcher (in the leader: at once; a follower's jobs are found by the leader's
poll, every ``poll`` seconds). The leader *claims* a queued job by writing its
lease (owner token and expiry, :mod:`.leases`) in a conditional ``UPDATE``, then
hands it to a pool: a job is dispatched once, by one process. The leader renews
the leases of its jobs every ``LEASE_SECONDS / 3``; recovery fails only running
jobs whose lease is dead, so a process starting never fails a live one's job.

Requests first: while the leader is answering requests (``busy()``), it leaves
queued generation and pipeline jobs unclaimed, and claims them once it has
answered every request in flight or after ``max_defer`` seconds, whichever comes
first. Jobs take CPU at a lower priority, but on a small machine a job that
starts in the middle of a burst of requests still takes a share of the cores
those requests wait for, and every claim is a write the requests queue behind;
the wait is short (the jobs are queued anyway) and bounded. Jobs of the quick lane
(profiles, PII detection, evaluations: a request waits for them) are claimed at once.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import structlog
from sqlalchemy import or_, select, update

from safedata_server.jobs.executor import Executor
from safedata_server.jobs.leases import LEASE_SECONDS, lease_dead, lease_until, owner_token
from safedata_server.models import QUICK_JOB_KINDS, Job

__all__ = ["DEFER_CHECK", "Dispatcher"]

DEFER_CHECK = 0.02  # seconds between checks whether held generation jobs may be claimed

log = structlog.get_logger("safedata_server.jobs")


class Dispatcher(Executor):
    """The executor of a server process: submits to the pools when this process leads, else leaves the
    job to the leader. ``make_pools()`` builds the real executor (only ever in the leader); ``recover()``
    runs once when this process becomes the leader."""

    def __init__(
        self,
        db: Any,
        lock_path: Path,
        make_pools: Callable[[], Executor],
        recover: Callable[[str], object],
        *,
        poll: float = 0.25,
        retry: float = 1.0,
        lease_seconds: float = LEASE_SECONDS,
        busy: Callable[[], bool] | None = None,
        max_defer: float = 2.0,
    ) -> None:
        self.db, self.lock_path = db, lock_path
        self.owner = owner_token()
        self._make_pools, self._recover = make_pools, recover
        self.poll, self.retry, self.lease_seconds = poll, retry, lease_seconds
        self._busy, self.max_defer = busy, max_defer
        self._holding_since: float | None = None  # when the leader started leaving generation jobs queued
        self._quick = False  # a quick-lane job was submitted since the last claim
        self.pools: Executor | None = None
        self._lock_file: IO[bytes] | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._started = threading.Lock()
        if self._try_lead():
            self._lead()
        self._thread = threading.Thread(target=self._loop, name="job-dispatcher", daemon=True)
        self._thread.start()

    @property
    def leader(self) -> bool:
        return self.pools is not None

    def submit(self, job_id: str, *, quick: bool = False) -> None:
        """The job's row is committed ``queued``: the leader claims and starts it (here: wake it now)."""
        self._quick |= quick
        self._wake.set()

    def shutdown(self, *, wait: bool = False) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5.0)
        if self.pools is not None:
            self.pools.shutdown(wait=wait)
        if self._lock_file is not None:
            self._lock_file.close()  # releases the lock: another server process may lead now
            self._lock_file = None

    # -- leadership -------------------------------------------------------------------------------------------
    def _try_lead(self) -> bool:
        fh = open(self.lock_path, "ab")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        os.chmod(self.lock_path, 0o600)
        self._lock_file = fh
        return True

    def _lead(self) -> None:
        self._recover(self.owner)  # jobs of dead leases only: failed (running) or dispatched again (queued)
        self.pools = self._make_pools()
        log.info("job_dispatcher_leads", pid=os.getpid())
        self._dispatch()

    def _loop(self) -> None:
        renew_at = time.monotonic() + self.lease_seconds / 3
        poll_at = 0.0
        while not self._stop.is_set():
            if not self.leader:
                if self._stop.wait(self.retry):
                    return
                try:
                    if self._try_lead():
                        self._lead()
                except Exception as exc:  # keep retrying; the log names the type only
                    log.error("job_dispatcher_error", error=type(exc).__name__)
                continue
            woken = self._wake.wait(DEFER_CHECK if self._holding_since is not None else self.poll)
            self._wake.clear()
            quick, self._quick = self._quick, False
            if self._stop.is_set():
                return
            try:
                now = time.monotonic()
                if now >= renew_at:
                    self._renew()
                    renew_at = now + self.lease_seconds / 3
                due = woken or now >= poll_at or self._holding_since is not None
                if due and self._holding():
                    if quick or now >= poll_at:  # a request may be waiting for a quick job (any process's)
                        self._dispatch(quick_only=True)
                        poll_at = time.monotonic() + self.poll
                    continue
                if due:
                    self._dispatch()
                    poll_at = time.monotonic() + self.poll
            except Exception as exc:
                log.error("job_dispatcher_error", error=type(exc).__name__)

    def _holding(self) -> bool:
        """Whether generation jobs stay queued now: requests are in flight here, for less than ``max_defer``."""
        if self._busy is None or not self._busy():
            self._holding_since = None
            return False
        now = time.monotonic()
        if self._holding_since is None:
            self._holding_since = now
        if now - self._holding_since < self.max_defer:
            return True
        self._holding_since = None  # held long enough: claim them now, and start holding afresh after
        return False

    # -- claims ----------------------------------------------------------------------------------------------
    def _dispatch(self, *, quick_only: bool = False) -> None:
        """Claim every queued job nobody (alive) holds (``quick_only``: of the quick lane), then start them,
        oldest first."""
        with self.db.session(write=False) as s:
            q = (
                select(Job.id, Job.kind, Job.lease_owner, Job.lease_expires)
                .where(Job.status == "queued", or_(Job.lease_owner.is_(None), Job.lease_owner != self.owner))
                .order_by(Job.created_at)
            )
            if quick_only:
                q = q.where(Job.kind.in_(QUICK_JOB_KINDS))
            candidates = [row for row in s.execute(q) if lease_dead(row[2], row[3])]
        if not candidates:
            return
        claimed: list[tuple[str, str]] = []
        until = lease_until(self.lease_seconds)
        with self.db.session() as s:
            for job_id, kind, owner, _expires in candidates:
                held = Job.lease_owner.is_(None) if owner is None else Job.lease_owner == owner
                done = s.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == "queued", held)
                    .values(lease_owner=self.owner, lease_expires=until)
                    .execution_options(synchronize_session=False)
                )
                if getattr(done, "rowcount", 0) == 1:
                    claimed.append((job_id, kind))
        pools = self.pools
        assert pools is not None
        for job_id, kind in claimed:
            pools.submit(job_id, quick=kind in QUICK_JOB_KINDS)

    def _renew(self) -> None:
        with self.db.session() as s:
            s.execute(
                update(Job)
                .where(Job.lease_owner == self.owner, Job.status.in_(("queued", "running")))
                .values(lease_expires=lease_until(self.lease_seconds))
                .execution_options(synchronize_session=False)
            )
