"""Upload limits and refusals: one-line answers with the right status, nothing stored."""

from __future__ import annotations

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


def test_small_inputs_are_handled_here_and_larger_ones_in_a_helper(world: World) -> None:
    import asyncio
    import os

    from safedata_server.offload import INLINE_BYTES

    pool = world.rt.cpu
    assert pool is not None
    here = asyncio.run(pool.run_async(os.getpid, size=INLINE_BYTES - 1))
    there = asyncio.run(pool.run_async(os.getpid, size=INLINE_BYTES))
    assert here == os.getpid() != there


def test_uploads_and_metadata_are_parsed_in_a_helper_process_with_the_same_answers(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from conftest import META
    from safedata_server import offload

    monkeypatch.setattr(offload, "INLINE_BYTES", 0)  # every input goes to the helper
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
