"""Encryption at rest: no plaintext on disk, crypto-erasure, master-key rotation, wrapped keys bound to objects."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from conftest import SECRET_NAMES, World, csv_bytes, make_settings
from cryptography.exceptions import InvalidTag
from safedata_server.cli import rotate_key
from safedata_server.crypto import load_master_key
from safedata_server.models import Dataset, StoredObject
from safedata_server.runtime import create_runtime
from safedata_server.services import datasets
from safedata_server.services.session import principal_for, service_ctx
from sqlalchemy import update

from safedata_core import SafedataError


def _plaintext_hits(root: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path.relative_to(root)}: {n.decode()}" for n in needles if n in data]
    return hits


def test_no_plaintext_in_the_storage_folder_or_database(world: World) -> None:
    ds = world.ids["A:dataset"]
    # every kind of stored object exists: data, metadata, profile, PII report, release, reports
    h = world.h("A:steward")
    assert world.client.post(f"/datasets/{ds}/profile", headers=h).status_code == 200
    assert world.client.post(f"/datasets/{ds}/pii-detection", headers=h).json()["pii_columns"] == ["name"]
    world.rt.db.engine.dispose()  # checkpoint nothing away: the WAL file is searched too
    root = world.rt.settings.data_dir
    needles = [n.encode() for n in SECRET_NAMES[:300:7]] + [b"Quillfeather"]
    assert not _plaintext_hits(root, needles)
    # the search would find them if they were there
    assert _plaintext_hits_in_bytes(csv_bytes(300), needles)
    assert any(p.is_file() for p in world.rt.settings.objects_dir.iterdir())


def _plaintext_hits_in_bytes(data: bytes, needles: list[bytes]) -> bool:
    return any(n in data for n in needles)


def test_delete_crypto_erases_and_rotation_rewraps(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", start_workers=False)
    rt, key = create_runtime(settings)
    who = principal_for(rt, key)
    with service_ctx(rt, who) as ctx:
        keep = datasets.upload_dataset(ctx, "keep.csv", csv_bytes(50))["id"]
        gone = datasets.upload_dataset(ctx, "gone.csv", csv_bytes(60))["id"]
    with rt.db.session() as s:
        gone_obj = s.get(Dataset, gone).data_object_id
        keep_obj = s.get(Dataset, keep).data_object_id
    with service_ctx(rt, who) as ctx:
        datasets.delete_dataset(ctx, gone)
    with rt.db.session() as s:
        erased = s.get(StoredObject, gone_obj)
        assert erased.wrapped_key is None and erased.erased_at is not None
        assert not (settings.objects_dir / gone_obj).exists()
        with pytest.raises(SafedataError, match="erased"):
            rt.store.get(s, gone_obj)
    before_file = (settings.objects_dir / keep_obj).read_bytes()
    old_id = rt.store.master.id
    rt.db.dispose()
    assert (settings.key_path.stat().st_mode & 0o777) == 0o600
    args = argparse.Namespace(data=str(settings.data_dir), workers=None, action="rotate-key")
    assert rotate_key(args) == 0
    new = load_master_key(None, settings.key_path, create=False)
    assert new.id != old_id and (settings.key_path.stat().st_mode & 0o777) == 0o600
    rt2, again = create_runtime(settings)
    assert again is None  # not a new database: no second admin key
    with rt2.db.session() as s:
        assert s.get(StoredObject, keep_obj).master_key_id == new.id
        frame = datasets.load_frame(service_ctx_like(rt2, s), s.get(Dataset, keep))
    assert len(frame) == 50 and (settings.objects_dir / keep_obj).read_bytes() == before_file
    rt2.db.dispose()


def service_ctx_like(rt: object, session: object) -> object:
    from safedata_server.services.context import Ctx

    return Ctx(session=session, principal=None, rt=rt)  # type: ignore[arg-type]


def test_a_wrapped_key_cannot_be_moved_to_another_object(tmp_path: Path) -> None:
    rt, _key = create_runtime(make_settings(tmp_path / "data", start_workers=False))
    with rt.db.session() as s:
        from safedata_server.models import Project

        project = s.query(Project).first()
        a = rt.store.put(s, project.id, "t", b"alpha")
        b = rt.store.put(s, project.id, "t", b"bravo")
        assert rt.store.get(s, a.id) == b"alpha"
        s.execute(update(StoredObject).where(StoredObject.id == b.id).values(wrapped_key=a.wrapped_key))  # splice
        with pytest.raises(InvalidTag):
            rt.store.get(s, b.id)
        s.rollback()
    rt.db.dispose()


def test_master_key_file_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    load_master_key(None, path, create=True)
    path.chmod(0o644)
    with pytest.raises(SafedataError, match="chmod 600"):
        load_master_key(None, path, create=False)
    with pytest.raises(SafedataError, match="32 bytes"):
        load_master_key("abcd", path, create=False)


def test_a_rotation_cut_between_commit_and_rename_is_completed_at_start(tmp_path: Path) -> None:
    from safedata_server.crypto import write_key_file

    settings = make_settings(tmp_path / "data", start_workers=False)
    rt, key = create_runtime(settings)
    with service_ctx(rt, principal_for(rt, key)) as ctx:
        ds = datasets.upload_dataset(ctx, "p.csv", csv_bytes(40))["id"]
    pending = settings.key_path.with_name("master.key.new")
    import secrets

    write_key_file(pending, secrets.token_bytes(32))
    new = load_master_key(None, pending, create=False)
    with rt.db.session() as s:  # the rewrap committed, then the process died before the rename
        rt.store.rewrap(s, new)
    rt.db.dispose()
    rt2, _ = create_runtime(settings)
    assert rt2.store.master.id == new.id and not pending.exists()
    with rt2.db.session(write=False) as s:
        assert len(datasets.load_frame(service_ctx_like(rt2, s), s.get(Dataset, ds))) == 40
    rt2.db.dispose()
    write_key_file(pending, secrets.token_bytes(32))  # a rotation that never committed is dropped
    rt3, _ = create_runtime(settings)
    assert rt3.store.master.id == new.id and not pending.exists()
    rt3.db.dispose()
