"""Building the process runtime: folders, keys, database schema, first admin key, recovery, executor."""

from __future__ import annotations

import os

from sqlalchemy import select

from safedata_core.audit import AuditKey
from safedata_core.audit.key import ENV_KEY, parse_key, read_key_file
from safedata_server.config import Settings
from safedata_server.crypto import MasterKey, load_master_key, write_key_file
from safedata_server.db import Database, upgrade
from safedata_server.jobs.executor import Executor, make_executor
from safedata_server.jobs.recovery import mark_crashed, recover
from safedata_server.jobs.worker import WorkerConfig
from safedata_server.models import StoredObject
from safedata_server.services.context import Runtime
from safedata_server.services.keys import bootstrap
from safedata_server.storage import ObjectStore

__all__ = ["create_runtime", "finish_rotation", "load_audit_key", "warm_up", "worker_config"]


def load_audit_key(settings: Settings) -> AuditKey:
    """``SAFEDATA_AUDIT_KEY`` or ``<data>/audit.key`` (created 0600 on first start)."""
    env = os.environ.get(ENV_KEY)
    if env:
        return AuditKey(parse_key(env, source=f"${ENV_KEY}"), f"${ENV_KEY}")
    path = settings.audit_key_path
    if not path.is_file():
        write_key_file(path, os.urandom(32))
    return read_key_file(path)


def worker_config(rt: Runtime) -> WorkerConfig:
    return WorkerConfig(
        database_url=rt.settings.url,
        objects_dir=str(rt.settings.objects_dir),
        work_dir=str(rt.settings.work_dir),
        master_key=rt.store.master.secret.hex(),
        audit_key=rt.audit_key.secret.hex(),
        audit_key_source=rt.audit_key.source,
        nice=rt.settings.worker_nice,
    )


def finish_rotation(settings: Settings, db: Database, master: MasterKey) -> MasterKey:
    """Complete or undo a ``rotate-key`` that stopped between its commit and the key-file rename."""
    pending = settings.key_path.with_name(settings.key_path.name + ".new")
    if settings.master_key or not pending.exists():
        return master
    new = load_master_key(None, pending, create=False)
    with db.session(write=False) as s:
        q = select(StoredObject.master_key_id).where(StoredObject.wrapped_key.is_not(None)).distinct()
        used = set(s.scalars(q))
    if used and used <= {new.id}:  # the rewrap committed: the new key is the key
        os.replace(pending, settings.key_path)
        return new
    pending.unlink()  # the rewrap never committed: the old key still opens everything
    return master


def warm_up(rt: Runtime) -> None:
    """Build the core engine (plugin registry) and load the privacy accountants before the first request.

    Otherwise the first generate and ledger requests pay for it (over a second of CPU on the server's one
    interpreter), in the middle of the opening burst of requests.
    """
    from safedata_core.privacy.accountants import create_accountant
    from safedata_core.privacy.noise import secure_backend

    _ = rt.engine
    create_accountant("rdp")
    secure_backend()  # imports the CSPRNG's bit generator, which every budget share draws from


def create_runtime(settings: Settings) -> tuple[Runtime, str | None]:
    """A ready runtime and, on a new database, the one-time admin key (else ``None``)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.data_dir, 0o700)
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    master = load_master_key(settings.master_key, settings.key_path, create=True)
    upgrade(settings.url)
    db = Database(settings.url)
    master = finish_rotation(settings, db, master)
    rt = Runtime(
        settings=settings, db=db, store=ObjectStore(settings.objects_dir, master), audit_key=load_audit_key(settings)
    )
    with db.session() as s:
        admin_key = bootstrap(rt, s)
    if not settings.start_workers:
        recover(rt)  # no dispatcher in this process: recover here (jobs with a live lease are left alone)
        return rt, admin_key
    from safedata_server.jobs.dispatch import Dispatcher
    from safedata_server.offload import RequestPool

    warm_up(rt)
    rt.cpu = RequestPool(settings.request_processes)

    def make_pools() -> Executor:
        return make_executor(
            settings.executor,
            worker_config(rt),
            workers=settings.workers,
            address=os.environ.get("SAFEDATA_DASK_ADDRESS"),
            on_crash=lambda job_id, reason: mark_crashed(rt, job_id, reason),
            quick_workers=settings.quick_workers,
        )

    # one dispatcher leads (the worker pools, recovery) whatever the number of server processes
    rt.executor = Dispatcher(
        db, settings.data_dir / "dispatcher.lock", make_pools, lambda me: recover(rt, me), busy=rt.busy
    )
    return rt, admin_key
