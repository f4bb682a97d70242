"""The request path's shortcuts stay safe: the principal cache honours revocation, SQLite commits are
``synchronous=NORMAL`` with budget charges synced, a read call's audit event commits with it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import META, csv_bytes, make_settings
from fastapi.testclient import TestClient
from safedata_server.api.app import create_app
from safedata_server.auth import PrincipalCache, hash_key, new_key
from safedata_server.db import Database, mark_durable
from safedata_server.models import ApiKey, AuditEvent, now
from safedata_server.runtime import create_runtime
from safedata_server.services import audit


@pytest.fixture
def served(tmp_path: Path):  # type: ignore[no-untyped-def]
    rt, admin = create_runtime(make_settings(tmp_path / "data", start_workers=False))
    with TestClient(create_app(rt.settings, runtime=rt)) as client:
        yield rt, client, {"Authorization": f"Bearer {admin}"}
    rt.db.dispose()


def test_a_revoked_key_is_refused_at_once_despite_the_cache(served) -> None:  # type: ignore[no-untyped-def]
    rt, client, admin = served
    made = client.post("/keys", headers=admin, json={"name": "a", "role": "analyst"}).json()
    analyst = {"Authorization": f"Bearer {made['key']}"}
    assert client.get("/datasets", headers=analyst).status_code == 200  # now cached
    assert hash_key(made["key"]) in rt.principals._live
    assert client.delete(f"/keys/{made['id']}", headers=admin).status_code == 200
    assert client.get("/datasets", headers=analyst).status_code == 401


def test_the_cache_keeps_live_keys_for_its_ttl_only(served) -> None:  # type: ignore[no-untyped-def]
    rt, _client, admin = served
    key = admin["Authorization"].split()[1]
    fresh, stale = PrincipalCache(ttl=0.0), PrincipalCache(ttl=60.0)
    with rt.db.session(write=False) as s:
        assert fresh.authenticate(s, new_key()) is None and fresh._live == {}  # unknown keys are not kept
        assert fresh.authenticate(s, "sd_short") is None
        assert fresh.authenticate(s, key) is not None and stale.authenticate(s, key) is not None
    with rt.db.session() as s:  # revoked behind the caches' back (another process)
        s.execute(sa.update(ApiKey).where(ApiKey.key_hash == hash_key(key)).values(revoked_at=now()))
    with rt.db.session(write=False) as s:
        assert fresh.authenticate(s, key) is None  # expired entry: the row is read again
        assert fresh._live == {}
        assert stale.authenticate(s, key) is not None  # within its ttl (the server's is 1 s)
        stale.clear()
        assert stale.authenticate(s, key) is None
    assert rt.principals.ttl <= 1.0


def test_sqlite_runs_wal_normal_and_a_durable_commit_syncs_the_wal(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    with db.session() as s:
        s.execute(sa.text("CREATE TABLE t (x INTEGER)"))
    assert synced == []  # an ordinary commit: no fsync
    with db.session() as s:
        s.execute(sa.text("INSERT INTO t VALUES (1)"))
        mark_durable(s)
    assert len(synced) == 1  # a budget charge's commit: the WAL is synced before the call returns
    db.dispose()


def test_a_generate_request_syncs_its_budget_charge(served, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rt, client, admin = served
    files = {"file": ("p.csv", csv_bytes(60), "text/csv")}
    ds = client.post("/datasets/upload", headers=admin, files=files, data={"epsilon": "5"}).json()["id"]
    assert client.put(f"/datasets/{ds}/metadata", headers=admin, json=META).status_code == 200
    calls: list[int] = []
    monkeypatch.setattr(type(rt.db), "sync", lambda self: calls.append(1))
    body = {"generator_type": "dp-gaussian-copula", "epsilon": 0.5}
    assert client.post(f"/generators/dataset/{ds}/generate", headers=admin, json=body).status_code == 202
    assert calls == [1]
    assert client.get(f"/datasets/{ds}", headers=admin).status_code == 200
    assert calls == [1]  # a read does not sync


def test_a_read_calls_audit_event_is_chained_in_the_same_call(served) -> None:  # type: ignore[no-untyped-def]
    rt, client, admin = served
    files = {"file": ("p.csv", csv_bytes(30), "text/csv")}
    ds = client.post("/datasets/upload", headers=admin, files=files).json()["id"]
    with rt.db.session(write=False) as s:
        before = s.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert client.get(f"/datasets/{ds}/ledger", headers=admin).status_code == 200
    with rt.db.session(write=False) as s:
        after = s.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        assert audit.verify_chain(s, rt.audit_key)["ok"]
    assert after == before + 1


def test_a_request_counts_as_in_flight_while_it_is_answered(served, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from safedata_server.services import system

    rt, client, _admin = served
    during: list[int] = []
    health = system.health

    def watched(runtime):  # type: ignore[no-untyped-def]
        during.append(runtime.in_flight)
        return health(runtime)

    monkeypatch.setattr(system, "health", watched)
    assert client.get("/healthz").status_code == 200
    assert during == [1] and rt.in_flight == 0 and not rt.busy()
