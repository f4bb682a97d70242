"""The service audit log: every data-touching call sealed in the keyed chain, no keys or values in any log."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SECRET_NAMES, World, csv_bytes, make_settings
from safedata_server.models import AuditEvent
from safedata_server.runtime import create_runtime
from safedata_server.services import audit, datasets
from safedata_server.services.session import principal_for, service_ctx


def test_data_touching_calls_are_audited_with_who_and_what(world: World) -> None:
    gen = world.ids["A:generator"]
    assert world.client.get(f"/generators/{gen}/download", headers=world.h("A:analyst")).status_code == 200
    events = world.client.get("/audit/events", headers=world.h("A:admin"), params={"object_id": gen}).json()
    download = next(e for e in events if e["event"] == "release_downloaded")
    assert download["role"] == "analyst" and download["route"] == "/generators/{generator_id}/download"
    started = next(e for e in events if e["event"] == "generation_started")
    assert started["epsilon"] == 1.0 and started["role"] == "steward"
    assert any(e["event"] == "job_succeeded" for e in events)
    # project B's admin sees none of A's events
    other = world.client.get("/audit/events", headers=world.h("B:admin"), params={"limit": 1000}).json()
    assert all(e.get("object") != gen for e in other)
    verdict = world.client.get("/audit/verify", headers=world.h("A:admin")).json()
    assert verdict["ok"] and verdict["events"] > 10


def test_no_keys_or_values_in_logs_or_audit(world: World, capfd: pytest.CaptureFixture[str]) -> None:
    ds = world.ids["A:dataset"]
    world.client.post(f"/datasets/{ds}/pii-detection", headers=world.h("A:steward"))
    world.client.get("/datasets", headers={"Authorization": "Bearer sd_" + "1" * 64})
    out, err = capfd.readouterr()
    logs = out + err
    assert '"event": "request"' in logs  # the JSON access log is there
    with world.rt.db.session() as s:
        chain = audit.export_jsonl(s)
    for text in (logs, chain):
        assert not any(key in text for key in world.keys.values())
        assert "1" * 64 not in text
        assert not any(name in text for name in SECRET_NAMES[:300])


def test_an_edited_or_truncated_chain_is_detected(tmp_path: Path) -> None:
    rt, key = create_runtime(make_settings(tmp_path / "data", start_workers=False))
    with service_ctx(rt, principal_for(rt, key)) as ctx:
        ds = datasets.upload_dataset(ctx, "p.csv", csv_bytes(30))["id"]
        datasets.get_dataset(ctx, ds)
        datasets.ledger(ctx, ds)
    with rt.db.session() as s:
        assert audit.verify_chain(s, rt.audit_key)["ok"]
        row = s.get(AuditEvent, 1)
        row.event = dict(row.event) | {"epsilon": 0.0}
        s.flush()
        bad = audit.verify_chain(s, rt.audit_key)
        assert not bad["ok"] and bad["first_bad"] == 1 and "hash mismatch" in bad["reason"]
        s.rollback()
    with rt.db.session() as s:
        last = s.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
        s.delete(last)
        s.flush()
        cut = audit.verify_chain(s, rt.audit_key)
        assert not cut["ok"] and "missing" in cut["reason"]
        s.rollback()
    from safedata_core.audit import AuditKey

    with rt.db.session() as s:
        forged = audit.verify_chain(s, AuditKey(b"k" * 32, "elsewhere"))
        assert not forged["ok"] and "MAC" in forged["reason"]
    rt.db.dispose()
