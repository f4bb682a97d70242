"""The safedata plugin of the server: adds ``safedata serve`` through the core's ``register_commands`` hook.

Imports nothing heavy: FastAPI, SQLAlchemy and uvicorn load only when the command runs.
"""

from __future__ import annotations

import argparse
from typing import Any

from safedata_core import hookimpl

DESCRIPTION = (
    "Run the safedata REST service: API keys with roles, AES-256-GCM storage, a lifetime privacy budget per "
    "dataset and durable jobs. With no arguments: SQLite and storage under ./safedata-data/, bound to "
    "127.0.0.1:8000; a new database prints a one-time admin key. 'safedata serve rotate-key' rewraps every "
    "data key under a new master key (stop the server first)."
)
EXAMPLES = (
    "examples:\n"
    "  safedata serve\n"
    "  safedata serve --port 8080 --data /srv/safedata\n"
    "  safedata serve --processes 1\n"
    "  SAFEDATA_DATABASE_URL=postgresql+psycopg://safedata@db/safedata safedata serve --host 0.0.0.0\n"
    "  safedata serve rotate-key"
)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the REST service",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("action", nargs="?", choices=["rotate-key"], help="rotate-key: rewrap data keys and exit")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--data", default=None, help="data folder (default: $SAFEDATA_DATA_DIR or ./safedata-data)")
    p.add_argument(
        "--workers", type=int, default=None, help="job worker processes (default: half the cores; $SAFEDATA_WORKERS)"
    )
    p.add_argument(
        "--processes",
        type=int,
        default=None,
        help="server processes answering requests (default: the cores, at most 4; $SAFEDATA_PROCESSES); "
        "one of them dispatches the jobs",
    )
    return p


def run(args: argparse.Namespace) -> int:
    from safedata_server.cli import rotate_key, serve

    if args.action == "rotate-key":
        return rotate_key(args)
    return serve(args)


@hookimpl
def register_commands(register: Any) -> None:
    register("serve", add_parser, run)
