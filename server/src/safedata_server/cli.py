"""``safedata serve`` and ``safedata serve rotate-key``."""

from __future__ import annotations

import argparse
import os
import secrets
import sys

from safedata_core import SafedataError
from safedata_server.config import Settings

__all__ = ["rotate_key", "serve"]


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env(args.data)
    if args.workers is not None:
        settings.workers = max(1, args.workers)
    if getattr(args, "processes", None) is not None:
        settings.processes = max(1, args.processes)
    return settings


def serve(args: argparse.Namespace) -> int:
    """Start the service in the foreground; Ctrl-C stops it (running jobs are failed on the next start).

    With ``processes`` > 1, that many server processes share the port (``safedata_server.processes``), each
    serving the same app (``app_from_env``: the settings travel in the environment); one of them leads the job
    dispatcher (``safedata_server.jobs.dispatch``). This process only prepares the data folder and supervises.
    """
    import uvicorn

    from safedata_server.logs import configure_logging

    configure_logging()  # JSON lines on stderr from the start (stdout carries the URL and the admin key)
    settings = _settings(args)
    url = f"http://{args.host}:{args.port}"
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print("warning: listening beyond this machine; put TLS (a reverse proxy) in front", file=sys.stderr)
    run = {"host": args.host, "port": args.port, "log_config": None, "access_log": False, "timeout_keep_alive": 75}
    if settings.processes > 1:
        from safedata_server.runtime import create_runtime

        prepare = Settings.from_env(settings.data_dir, workers=settings.workers, start_workers=False)
        rt, admin_key = create_runtime(prepare)  # folders, keys, schema, recovery, the one-time admin key
        rt.db.dispose()
        os.environ["SAFEDATA_DATA_DIR"] = str(settings.data_dir)
        os.environ["SAFEDATA_WORKERS"] = str(settings.workers)
        os.environ["SAFEDATA_PROCESSES"] = str(settings.processes)
        # one web-session secret for all server processes (made now: a restart still signs everybody out)
        os.environ["SAFEDATA_WEB_SESSION_SECRET"] = secrets.token_hex(32)
        from safedata_server.processes import supervise

        return supervise(
            settings.processes,
            args.host,
            args.port,
            {k: v for k, v in run.items() if k not in ("host", "port")},
            on_ready=lambda: _announce(url, settings, rt.db.is_sqlite, admin_key, settings.processes),
        )

    from safedata_server.api.app import create_app
    from safedata_server.runtime import create_runtime

    rt, admin_key = create_runtime(settings)
    _announce(url, settings, rt.db.is_sqlite, admin_key, 1)
    app = create_app(settings, runtime=rt)
    try:
        uvicorn.run(app, **run)
    finally:
        if rt.executor is not None:
            rt.executor.shutdown(wait=False)
        if rt.cpu is not None:
            rt.cpu.shutdown()
        rt.db.dispose()
    return 0


def _announce(url: str, settings: Settings, sqlite: bool, admin_key: str | None, processes: int) -> None:
    print(
        f"safedata service on {url}  (API docs: {url}/docs; data: {settings.data_dir}; database: "
        f"{'SQLite' if sqlite else 'PostgreSQL'}; {processes} server process{'es' if processes > 1 else ''})",
        flush=True,
    )
    if admin_key:
        print(f"admin API key (shown once, keep it safe): {admin_key}", flush=True)


def rotate_key(args: argparse.Namespace) -> int:
    """Rewrap every data key under a new master key, in one transaction; the objects are not rewritten.

    With a key file: a new key is written next to it (``.new``), the database is
    rewrapped, then the new file replaces the old. With ``SAFEDATA_MASTER_KEY``:
    the new key is read from ``SAFEDATA_NEW_MASTER_KEY``.
    """
    import secrets

    from safedata_server.crypto import KEY_BYTES, MasterKey, load_master_key, parse_key, write_key_file
    from safedata_server.db import Database, upgrade
    from safedata_server.storage import ObjectStore

    settings = _settings(args)
    old = load_master_key(settings.master_key, settings.key_path, create=False)
    pending = settings.key_path.with_name(settings.key_path.name + ".new")
    if settings.master_key:
        new_env = os.environ.get("SAFEDATA_NEW_MASTER_KEY")
        if not new_env:
            raise SafedataError(
                "rotate-key: the master key comes from SAFEDATA_MASTER_KEY; put the new key in "
                "SAFEDATA_NEW_MASTER_KEY (32 bytes, hex or base64)"
            )
        new = MasterKey(parse_key(new_env, source="$SAFEDATA_NEW_MASTER_KEY"), "$SAFEDATA_NEW_MASTER_KEY")
    else:
        write_key_file(pending, secrets.token_bytes(KEY_BYTES))
        new = load_master_key(None, pending, create=False)
    upgrade(settings.url)
    db = Database(settings.url)
    try:
        with db.session() as s:
            count = ObjectStore(settings.objects_dir, old).rewrap(s, new)
    finally:
        db.dispose()
    if not settings.master_key:
        os.replace(pending, settings.key_path)
    print(f"rewrapped {count} data key(s): master key {old.id} -> {new.id}")
    if settings.master_key:
        print("now start the server with SAFEDATA_MASTER_KEY set to the new key")
    return 0
