"""Database engine and sessions; schema upgrades through Alembic.

Two kinds of transaction: ``session(write=False)`` reads (on SQLite a
deferred ``BEGIN``: readers run side by side under WAL) and ``session(write=True)``
writes (on SQLite ``BEGIN IMMEDIATE``, so writers queue on the database lock
instead of failing on a stale snapshot or overspending: a budget check and its
charge happen in one write transaction). A read session refuses to flush
changes, so a write in the wrong kind of transaction fails loudly.
PostgreSQL: row locks (``SELECT ... FOR UPDATE``) serialise the writers that
need it; both kinds are ordinary transactions.

On SQLite, writers queue for the write lock in order, across threads and processes
(a lock, then an ``flock`` on ``<database>-writer.lock``), rather than in SQLite's busy
handler, which sleeps between attempts and adds up to 100 ms per wait.

SQLite runs in WAL mode with ``synchronous=NORMAL``: a commit is not synced
to disk on its own, which saves an fsync per request under the writer lock.
Committed transactions survive a crash or SIGKILL of the server; only a power
loss or an operating-system crash can drop the last few commits (the database
stays consistent). A transaction that must survive even that (a budget charge:
it is made before any DP work runs, and DP requires it to stay charged) marks
its session ``durable`` (:func:`mark_durable`): its commit is followed by an
fsync of the WAL file, what ``synchronous=FULL`` does for every commit.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from safedata_core import SafedataError

__all__ = ["Database", "mark_durable", "refuse_read_only", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


class Database:
    """One SQLAlchemy engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 60, "check_same_thread": False}
            # a connection per request thread: a request waiting for its helper process holds its read
            # transaction, and must not make the short ones queue for a connection (the default pool is 5 + 10)
            kwargs.update(pool_size=10, max_overflow=200)
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _sqlite_begin(self.engine)
        self.write_engine: Engine = self.engine.execution_options(sqlite_immediate=True)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        self._wal = _wal_path(url) if self.is_sqlite else None
        # SQLite: writers queue here instead of in SQLite's sleeping busy handler (it polls the lock with sleeps
        # of up to 100 ms): first this process's threads (a lock), then the processes (an flock on a file next to
        # the database: server processes and job workers), each woken the moment the writer before it is done
        self._writer = threading.Lock() if self.is_sqlite else None
        self._writer_file = _lock_file(url) if self.is_sqlite else None

    def _lock(self, s: Session) -> None:
        if self._writer is not None and not s.info.get("locked"):
            self._writer.acquire()
            if self._writer_file is not None:
                try:
                    fcntl.flock(self._writer_file, fcntl.LOCK_EX)
                except BaseException:
                    self._writer.release()
                    raise
            s.info["locked"] = True

    def _unlock(self, s: Session) -> None:
        if self._writer is not None and s.info.pop("locked", False):
            if self._writer_file is not None:
                fcntl.flock(self._writer_file, fcntl.LOCK_UN)
            self._writer.release()

    def open(self, *, write: bool) -> Session:
        """A new session (the caller commits and closes); see :meth:`session`."""
        s = self._factory(bind=self.write_engine if write else self.engine)
        s.info["read_only"] = not write
        if write:
            self._lock(s)
        return s

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A transaction: committed when the block ends normally, rolled back on an exception."""
        s = self.open(write=write)
        try:
            yield s
            durable = s.info.pop("durable", False)
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()
            self._unlock(s)
        if durable:
            self.sync()

    def sync(self) -> None:
        """Make every committed transaction durable (SQLite: fsync the WAL file; PostgreSQL commits are)."""
        if self._wal is None:
            return
        try:
            fd = os.open(self._wal, os.O_RDONLY)
        except FileNotFoundError:  # checkpointed and removed: the database file itself was synced
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def promote(self, session: Session) -> None:
        """End a read session's transaction and make its next one a write transaction."""
        session.commit()
        self._lock(session)
        session.bind = self.write_engine
        session.info["read_only"] = False

    def dispose(self) -> None:
        self.engine.dispose()
        if self._writer_file is not None:
            os.close(self._writer_file)
            self._writer_file = None


def mark_durable(session: Session) -> None:
    """Have this session's commit reach the disk before :meth:`Database.session` returns (a budget charge)."""
    session.info["durable"] = True


def _lock_file(url: str) -> int | None:
    """An open descriptor of ``<database>-writer.lock`` (the cross-process writer queue), for a file database."""
    path = _wal_path(url)
    if path is None:
        return None
    return os.open(path[: -len("-wal")] + "-writer.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def _wal_path(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database + "-wal"


def refuse_read_only(session: Session) -> None:
    """Refuse a write in a read transaction: for plain SQL writes, which the ORM's flush check never sees."""
    if session.info.get("read_only"):
        raise SafedataError("a write in a read-only transaction (a service bug: call ctx.begin_write() first)")


@event.listens_for(Session, "before_flush")
def _refuse_writes_in_read_sessions(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        refuse_read_only(session)


def _sqlite_begin(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a commit appends to the WAL without an fsync (the WAL is synced at checkpoints). A crash
        # of the server process loses nothing committed; a power loss or OS crash may lose the last commits,
        # never corrupts the database. FULL (the default) costs an fsync per commit, under the writer lock.
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # on the driver connection: the same statement without a round through SQLAlchemy's execution machinery
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


def upgrade(url: str) -> None:
    """Bring the database at ``url`` to the newest schema (Alembic ``upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
