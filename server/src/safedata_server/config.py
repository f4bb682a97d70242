"""Server settings: where the database, the encrypted objects and the keys live, and limits.

Defaults give the embedded setup of ``safedata serve``: SQLite and storage under
``./safedata-data/``. Environment: ``SAFEDATA_DATABASE_URL`` (e.g.
``postgresql+psycopg://user@host/db``), ``SAFEDATA_DATA_DIR``, ``SAFEDATA_MASTER_KEY``
(hex or base64, 32 bytes) or ``SAFEDATA_MASTER_KEY_FILE``, ``SAFEDATA_MAX_UPLOAD_MB``,
``SAFEDATA_WORKERS`` (job worker processes; default: half the cores, at least 1),
``SAFEDATA_QUICK_WORKERS`` (workers for profile, PII detection and evaluations, so they do
not queue behind long generations; default 1), ``SAFEDATA_WORKER_NICE`` (CPU priority
added to every worker, default 10: jobs yield the CPU to the request handlers),
``SAFEDATA_SYNC_WAIT_SECONDS`` (how long profile/PII requests wait for their job before
answering 202, default 20), ``SAFEDATA_REQUEST_PROCESSES`` (helper processes that parse uploads
and check metadata off the server process, default 1; 0: in the request thread),
``SAFEDATA_PROCESSES`` (server processes answering requests, default: the cores, at most 4),
``SAFEDATA_SESSION_CREDIT`` (seconds a client's next request may go ahead of newer clients' requests,
default 1; 0: plain arrival order, see ``api/ordering.py``),
``SAFEDATA_EXECUTOR`` (``local``, the default, or ``dask`` with ``SAFEDATA_DASK_ADDRESS``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings", "default_processes", "default_workers"]


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def default_processes() -> int:
    """One server process per core (at most 4): a request's CPU work runs in parallel across them."""
    return max(1, min(4, os.cpu_count() or 1))


def default_workers() -> int:
    """Half the cores (at least 1): the other half stays free for the request handlers."""
    return max(1, (os.cpu_count() or 2) // 2)


@dataclass
class Settings:
    """Everything the app factory needs; ``from_env`` reads the environment."""

    data_dir: Path = field(default_factory=lambda: Path("safedata-data"))
    database_url: str | None = None
    master_key: str | None = field(default=None, repr=False)
    master_key_file: Path | None = None
    max_upload_bytes: int = 50 * 2**20
    workers: int = field(default_factory=default_workers)
    quick_workers: int = 1
    worker_nice: int = 10
    sync_wait_seconds: float = 20.0
    request_processes: int = 1
    executor: str = "local"
    start_workers: bool = True
    processes: int = field(default_factory=default_processes)
    session_credit: float = 1.0

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).absolute()

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None, **overrides: object) -> Settings:
        base = Path(data_dir or os.environ.get("SAFEDATA_DATA_DIR") or "safedata-data")
        key_file = os.environ.get("SAFEDATA_MASTER_KEY_FILE")
        settings = cls(
            data_dir=base,
            database_url=os.environ.get("SAFEDATA_DATABASE_URL") or None,
            master_key=os.environ.get("SAFEDATA_MASTER_KEY") or None,
            master_key_file=Path(key_file) if key_file else None,
            max_upload_bytes=_env_int("SAFEDATA_MAX_UPLOAD_MB", 50) * 2**20,
            workers=_env_int("SAFEDATA_WORKERS", default_workers()),
            quick_workers=_env_int("SAFEDATA_QUICK_WORKERS", 1),
            worker_nice=_env_int("SAFEDATA_WORKER_NICE", 10),
            sync_wait_seconds=float(os.environ.get("SAFEDATA_SYNC_WAIT_SECONDS") or 20.0),
            request_processes=_env_int("SAFEDATA_REQUEST_PROCESSES", 1),
            executor=os.environ.get("SAFEDATA_EXECUTOR") or "local",
            processes=_env_int("SAFEDATA_PROCESSES", default_processes()),
            session_credit=float(os.environ.get("SAFEDATA_SESSION_CREDIT") or 1.0),
        )
        for key, value in overrides.items():
            setattr(settings, key, value)
        return settings

    @property
    def url(self) -> str:
        """The SQLAlchemy database URL (SQLite in the data folder unless set)."""
        return self.database_url or f"sqlite:///{self.data_dir / 'safedata.db'}"

    @property
    def objects_dir(self) -> Path:
        """Encrypted objects, one file each."""
        return self.data_dir / "objects"

    @property
    def work_dir(self) -> Path:
        """Scratch run directories of jobs (decrypted inputs live only here, only while a job runs)."""
        return self.data_dir / "work"

    @property
    def key_path(self) -> Path:
        return self.master_key_file or self.data_dir / "master.key"

    @property
    def audit_key_path(self) -> Path:
        return self.data_dir / "audit.key"
