"""A throwaway PostgreSQL cluster for the tests: initdb into a temp folder, pg_ctl start on 127.0.0.1.

Uses the Debian ``postgresql`` package's binaries (``/usr/lib/postgresql/<v>/bin``, installed by
``.ci/run``) or those on PATH. As root, the cluster runs as the ``postgres`` user (PostgreSQL refuses
root). :func:`start_cluster` returns ``(url, stop)`` or raises :class:`Unavailable` with the reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path


class Unavailable(Exception):
    """PostgreSQL cannot be started here (the reason is the message)."""


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    raise Unavailable("PostgreSQL binaries not found (apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_cluster() -> tuple[str, Callable[[], None]]:
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="safedata-pg-"))
    prefix: list[str] = []
    user = "postgres"
    if os.geteuid() == 0:
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("running as root and there is no 'postgres' user to run the server") from None
        os.chown(root, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"] if shutil.which("runuser") else []
        if not prefix:
            raise Unavailable("running as root without runuser to drop to the postgres user")
    else:
        import getpass

        user = getpass.getuser()
    data, port = root / "data", _free_port()
    env = {**os.environ, "LC_ALL": "C"}
    try:
        subprocess.run(
            [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
            env=env,
            timeout=120,
        )
        subprocess.run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "log"),
                "-w",
                "-t",
                "60",
                "-o",
                f"-h 127.0.0.1 -p {port} -k {root} -F -c max_connections=200",
                "start",
            ],
            check=True,
            capture_output=True,
            env=env,
            timeout=120,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        detail = getattr(exc, "stderr", b"") or b""
        raise Unavailable(f"PostgreSQL did not start: {exc} {detail.decode(errors='replace')[-300:]}") from None

    def stop() -> None:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)

    return f"postgresql+psycopg://{user}@127.0.0.1:{port}/postgres", stop
