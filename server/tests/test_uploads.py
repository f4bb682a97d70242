"""Upload limits and refusals: one-line answers with the right status, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import World, csv_bytes, make_settings
from fastapi.testclient import TestClient
from safedata_server.api.app import create_app
from safedata_server.runtime import create_runtime


def test_size_limit_format_and_content_refusals(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", start_workers=False)
    settings.max_upload_bytes = 4000
    rt, key = create_runtime(settings)
    client = TestClient(create_app(settings, runtime=rt))
    h = {"Authorization": f"Bearer {key}"}
    big = client.post("/datasets/upload", headers=h, files={"file": ("big.csv", csv_bytes(300))})
    assert big.status_code == 413 and "limit" in big.json()["detail"]
    odd = client.post("/datasets/upload", headers=h, files={"file": ("x.xlsx", b"PK\x03\x04")})
    assert odd.status_code == 422 and ".csv and .parquet" in odd.json()["detail"]
    junk = client.post("/datasets/upload", headers=h, files={"file": ("x.parquet", b"not parquet")})
    assert junk.status_code == 422 and "not a readable PARQUET file" in junk.json()["detail"]
    bad_budget = client.post(
        "/datasets/upload", headers=h, files={"file": ("s.csv", csv_bytes(20))}, data={"epsilon": "0"}
    )
    assert bad_budget.status_code == 422
    assert client.get("/datasets", headers=h).json() == []
    assert not any(settings.objects_dir.iterdir())
    ok = client.post("/datasets/upload", headers=h, files={"file": ("s.csv", csv_bytes(20))})
    assert ok.status_code == 201 and ok.json()["row_count"] == 20
    rt.db.dispose()


def test_awaited_work_runs_in_the_helper_unless_asked_to_run_here(world: World) -> None:
    import asyncio
    import os

    pool = world.rt.cpu
    assert pool is not None
    there = asyncio.run(pool.run_async(os.getpid))
    here = asyncio.run(pool.run_async(os.getpid, here=True))
    assert here == os.getpid() != there


def test_a_small_upload_is_parsed_here_a_larger_one_and_metadata_checks_in_the_helper(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import META
    from safedata_server import offload
    from safedata_server.api.routes import datasets as routes

    pool = world.rt.cpu
    assert pool is not None
    calls: list[tuple[str, bool]] = []
    run_async = type(pool).run_async

    async def spy(self, fn, *args, here=False):  # type: ignore[no-untyped-def]
        calls.append((fn.__name__, here))
        return await run_async(self, fn, *args, here=here)

    monkeypatch.setattr(type(pool), "run_async", spy)
    h, c = world.h("A:steward"), world.client
    small = csv_bytes(30)
    assert len(small) < offload.INLINE_BYTES
    ds = c.post("/datasets/upload", headers=h, files={"file": ("s.csv", small)}).json()["id"]
    assert c.put(f"/datasets/{ds}/metadata", headers=h, json=META).status_code == 200
    monkeypatch.setattr(routes, "INLINE_BYTES", len(small))  # the same file, now at the limit
    assert c.post("/datasets/upload", headers=h, files={"file": ("s.csv", small)}).status_code == 201
    assert calls == [("pack_upload", True), ("check_metadata", False), ("pack_upload", False)]


def test_uploads_and_metadata_are_parsed_in_a_helper_process_with_the_same_answers(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from conftest import META
    from safedata_server.api.routes import datasets as routes

    monkeypatch.setattr(routes, "INLINE_BYTES", 0)  # every upload goes to the helper
    assert world.rt.cpu is not None and world.rt.offload(os.getpid) != os.getpid()
    h, c = world.h("A:steward"), world.client
    junk = c.post("/datasets/upload", headers=h, files={"file": ("x.parquet", b"not parquet")})
    assert junk.status_code == 422 and "not a readable PARQUET file" in junk.json()["detail"]
    ok = c.post("/datasets/upload", headers=h, files={"file": ("s.csv", csv_bytes(30))}, data={"epsilon": "5"})
    assert ok.status_code == 201 and ok.json()["row_count"] == 30 and ok.json()["column_count"] == 4
    ds = ok.json()["id"]
    wrong = c.put(f"/datasets/{ds}/metadata", headers=h, json={"columns": {"nope": {"type": "integer"}}})
    assert wrong.status_code == 422 and "nope" in wrong.json()["detail"]
    declared = c.put(f"/datasets/{ds}/metadata", headers=h, json=META)
    assert declared.status_code == 200 and set(declared.json()["metadata"]["columns"]) == set(META["columns"])
    inf = c.post(
        "/datasets/upload",
        headers=h,
        files={"file": ("i.csv", b"a,b\n1,inf\n2,3\n")},
        data={"metadata": json.dumps({"b": {"type": "numerical"}})},
    )
    assert inf.status_code == 422 and "column 'b' holds 1 infinite value" in inf.json()["detail"]
    both = c.post(
        "/datasets/upload", headers=h, files={"file": ("m.csv", csv_bytes(30))}, data={"metadata": json.dumps(META)}
    )
    assert both.status_code == 201 and both.json()["metadata"] == declared.json()["metadata"]


def test_metadata_sent_with_the_upload_is_checked_stored_and_audited_as_a_declaration(world: World) -> None:
    from conftest import META

    h, c = world.h("A:steward"), world.client
    before = (c.get("/datasets", headers=h).json(), set(world.rt.settings.objects_dir.iterdir()))
    refusals = {
        "{not json": "form field 'metadata': not valid JSON (Expecting property name enclosed in double quotes",
        "[1, 2]": "form field 'metadata': expected a JSON object, got list",
        json.dumps({"nope": {"type": "integer"}}): "metadata names columns the dataset does not have: nope",
        json.dumps({"columns": {"age": {"type": "integer", "bounds": [90, 18]}}}): "bounds",
    }
    for sent, detail in refusals.items():
        r = c.post("/datasets/upload", headers=h, files={"file": ("p.csv", csv_bytes(30))}, data={"metadata": sent})
        assert r.status_code == 422 and detail in r.json()["detail"] and "\n" not in r.json()["detail"], sent
    assert (c.get("/datasets", headers=h).json(), set(world.rt.settings.objects_dir.iterdir())) == before
    up = c.post(
        "/datasets/upload", headers=h, files={"file": ("p.csv", csv_bytes(30))}, data={"metadata": json.dumps(META)}
    )
    assert up.status_code == 201 and up.json()["has_metadata"] is True
    ds = up.json()["id"]
    shown = c.get(f"/datasets/{ds}", headers=h).json()
    assert shown["metadata"] == up.json()["metadata"] and shown["metadata"]["columns"]["age"]["bounds"] == [18, 90]
    events = c.get("/audit/events", headers=world.h("A:admin"), params={"object_id": ds}).json()
    assert [e["event"] for e in reversed(events)] == ["dataset_uploaded", "metadata_declared", "dataset_read"]
    analyst = c.post(
        "/datasets/upload", headers=world.h("A:analyst"), files={"file": ("p.csv", b"x")}, data={"metadata": "{"}
    )
    assert analyst.status_code == 403  # the role is refused before the form is read


def test_the_service_call_takes_metadata_too(world: World) -> None:
    from conftest import META
    from safedata_server.services import datasets
    from safedata_server.services.context import Invalid
    from safedata_server.services.session import principal_for, service_ctx

    who = principal_for(world.rt, world.keys["A:steward"])
    with service_ctx(world.rt, who) as ctx:
        made = datasets.upload_dataset(ctx, "p.csv", csv_bytes(25), metadata=META["columns"])
        assert datasets.load_metadata(ctx, datasets.get_row(ctx, made["id"])) == made["metadata"]
    with pytest.raises(Invalid, match="nope"), service_ctx(world.rt, who) as ctx:
        datasets.upload_dataset(ctx, "p.csv", csv_bytes(25), metadata={"nope": {"type": "integer"}})


def test_metadata_checked_while_its_dataset_is_erased_is_not_stored(world: World) -> None:
    from conftest import META
    from safedata_server.services import datasets
    from safedata_server.services.context import NotFound
    from safedata_server.services.session import principal_for, service_ctx

    rt = world.rt
    who = principal_for(rt, world.keys["A:steward"])
    with service_ctx(rt, who) as ctx:
        ds = datasets.upload_dataset(ctx, "e.csv", csv_bytes(25))["id"]
    with service_ctx(rt, who) as ctx:
        _rows, doc = datasets.metadata_input(ctx, ds, META)  # the API checks these in a helper meanwhile
    with service_ctx(rt, who) as ctx:
        datasets.delete_dataset(ctx, ds)
    with pytest.raises(NotFound), service_ctx(rt, who) as ctx:
        datasets.store_metadata(ctx, ds, doc)
