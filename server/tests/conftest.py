"""Fixtures of the server tests: runtimes on temp folders, keys of every role in two projects, data.

The shared ``world`` (one runtime with two worker processes, a dataset with
declared metadata and a finished generator per project) is built once per
session; tests that need their own state build a runtime with ``make_runtime``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))

from safedata_server.api.app import create_app
from safedata_server.config import Settings
from safedata_server.runtime import create_runtime
from safedata_server.services.context import Runtime

SECRET_NAMES = [f"Quillfeather{i:04d}" for i in range(400)]  # plaintext markers searched for on disk

META = {
    "columns": {
        "name": {"type": "text", "role": "direct_identifier"},
        "age": {"type": "integer", "role": "quasi_identifier", "bounds": [18, 90]},
        "sex": {"type": "categorical", "role": "quasi_identifier", "categories": ["F", "M"]},
        "income": {"type": "categorical", "role": "sensitive", "categories": ["<=50K", ">50K"]},
    }
}


def people(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "name": SECRET_NAMES[:n],
            "age": rng.integers(18, 91, n),
            "sex": rng.choice(["F", "M"], n),
            "income": rng.choice(["<=50K", ">50K"], n, p=[0.7, 0.3]),
        }
    )


def csv_bytes(n: int = 300, seed: int = 0) -> bytes:
    return people(n, seed).to_csv(index=False).encode()


def children(pid: int) -> list[int]:
    """The live (not zombie) processes whose parent is ``pid`` (Linux ``/proc``)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            kids.append(int(stat.parent.name))
    return kids


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "SAFEDATA_MASTER_KEY",
        "SAFEDATA_MASTER_KEY_FILE",
        "SAFEDATA_AUDIT_KEY",
        "SAFEDATA_DATABASE_URL",
        "SAFEDATA_DATA_DIR",
        "SAFEDATA_AUDIT_KEY_FILE",
    ):
        monkeypatch.delenv(var, raising=False)


def make_settings(data_dir: Path, url: str | None = None, *, workers: int = 1, start_workers: bool = True) -> Settings:
    return Settings(data_dir=data_dir, database_url=url, workers=workers, start_workers=start_workers)


@dataclass
class World:
    """A running runtime and client with keys for every role in projects A and B, and their objects."""

    rt: Runtime
    client: TestClient
    keys: dict[str, str]  # "A:admin", "B:steward", ...
    ids: dict[str, str] = field(default_factory=dict)  # "A:dataset", "A:generator", ...

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"} if who in self.keys else {}


def wait_job(client: TestClient, headers: dict[str, str], path: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(path, headers=headers).json()
        if body.get("status") in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def upload(
    client: TestClient, headers: dict[str, str], *, n: int = 300, epsilon: float = 50.0, metadata: bool = True
) -> str:
    r = client.post(
        "/datasets/upload",
        headers=headers,
        files={"file": ("people.csv", csv_bytes(n))},
        data={"epsilon": str(epsilon), "delta": "1e-4"},
    )
    assert r.status_code == 201, r.text
    ds: str = r.json()["id"]
    if metadata:
        r = client.put(f"/datasets/{ds}/metadata", headers=headers, json=META)
        assert r.status_code == 200, r.text
    return ds


def start_world(data_dir: Path, url: str | None = None, *, workers: int = 2) -> tuple[World, Callable[[], None]]:
    rt, admin = create_runtime(make_settings(data_dir, url, workers=workers))
    assert admin is not None
    client = TestClient(create_app(rt.settings, runtime=rt))
    keys = {"A:admin": admin}
    r = client.post("/projects", headers={"Authorization": f"Bearer {admin}"}, json={"name": "B"})
    assert r.status_code == 201, r.text
    keys["B:admin"] = r.json()["admin_key"]
    world = World(rt, client, keys)
    for p in ("A", "B"):
        for role in ("steward", "analyst"):
            r = client.post("/keys", headers=world.h(f"{p}:admin"), json={"name": f"{p} {role}", "role": role})
            assert r.status_code == 201, r.text
            keys[f"{p}:{role}"] = r.json()["key"]
    for p in ("A", "B"):
        h = world.h(f"{p}:steward")
        ds = upload(client, h)
        world.ids[f"{p}:dataset"] = ds
        r = client.post(
            f"/generators/dataset/{ds}/generate",
            headers=h,
            json={"generator_type": "example", "target_epsilon": 1.0, "num_rows": 50},
        )
        assert r.status_code == 202, r.text
        world.ids[f"{p}:generator"] = r.json()["id"]
    for p in ("A", "B"):
        done = wait_job(client, world.h(f"{p}:steward"), f"/generators/{world.ids[f'{p}:generator']}")
        assert done["status"] == "succeeded", done

    def stop() -> None:
        client.close()
        if rt.executor is not None:
            rt.executor.shutdown(wait=True)
        if rt.cpu is not None:
            rt.cpu.shutdown()
        rt.db.dispose()

    return world, stop


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    pytest.importorskip("safedata_example", reason="the server tests generate with the safedata-example plugin")
    w, stop = start_world(tmp_path_factory.mktemp("world") / "data")
    yield w
    stop()


def fresh_pg_database(pg_url: str, prefix: str, tmp_path: Path) -> str:
    """The URL of a new, empty database on the test PostgreSQL server (named after the test's temp folder)."""
    import sqlalchemy as sa

    name = f"{prefix}_{tmp_path.name[-8:].lower().replace('-', '_')}"
    eng = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return pg_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A live PostgreSQL server (skipped, with the reason, only when none can be started)."""
    import pg

    try:
        url, stop = pg.start_cluster()
    except pg.Unavailable as exc:
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield url
    stop()
