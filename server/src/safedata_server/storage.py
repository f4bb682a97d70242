"""The encrypted object store: one file per object under ``objects/``, data keys wrapped in the database.

Nothing is written in the clear: :meth:`ObjectStore.put` encrypts with a fresh
AES-256-GCM data key, writes the file atomically and records the wrapped key;
:meth:`ObjectStore.erase` drops the wrapped key (crypto-erasure) and the file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from safedata_core import SafedataError
from safedata_server.crypto import KEY_BYTES, MasterKey, decrypt, encrypt, unwrap_key, wrap_key
from safedata_server.models import StoredObject, new_id, now

__all__ = ["ObjectStore"]


class ObjectStore:
    """Encrypted objects in ``root``, keyed by the master key ``master``."""

    def __init__(self, root: Path, master: MasterKey) -> None:
        self.root = root
        self.master = master
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, object_id: str) -> Path:
        return self.root / object_id

    def put(self, session: Session, project_id: str, kind: str, plaintext: bytes) -> StoredObject:
        """Encrypt and store ``plaintext``; returns the (flushed) object row."""
        obj = self.seal(project_id, kind, plaintext)
        session.add(obj)
        session.flush()
        return obj

    def seal(self, project_id: str, kind: str, plaintext: bytes) -> StoredObject:
        """Encrypt ``plaintext`` into its file (synced to disk) and return its row, not yet in any session.

        For a write transaction: seal first, then ``session.add`` the row inside the transaction, so the
        encryption and the file's fsync do not hold the database's write lock. A row never committed leaves
        an orphan file, which start-up recovery removes once it is old.
        """
        object_id = new_id()
        data_key = secrets.token_bytes(KEY_BYTES)
        aad = object_id.encode()
        blob = encrypt(data_key, plaintext, aad)
        tmp = self._path(object_id + ".tmp")
        with tmp.open("wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._path(object_id))
        return StoredObject(
            id=object_id,
            project_id=project_id,
            kind=kind,
            wrapped_key=wrap_key(self.master, data_key, aad),
            master_key_id=self.master.id,
            size=len(plaintext),
        )

    def get(self, session: Session, object_id: str) -> bytes:
        """Decrypt an object; raises when it was erased or the master key does not match."""
        obj = session.get(StoredObject, object_id)
        if obj is None or obj.wrapped_key is None:
            raise SafedataError(f"object {object_id} was erased")
        if obj.master_key_id != self.master.id:
            raise SafedataError(
                f"object {object_id} is wrapped by master key {obj.master_key_id}, not the loaded key "
                f"{self.master.id}; start the server with the right SAFEDATA_MASTER_KEY"
            )
        aad = object_id.encode()
        data_key = unwrap_key(self.master, obj.wrapped_key, aad)
        return decrypt(data_key, self._path(object_id).read_bytes(), aad)

    def erase(self, session: Session, object_id: str | None) -> None:
        """Crypto-erase: forget the wrapped data key, then remove the file."""
        if object_id is None:
            return
        obj = session.get(StoredObject, object_id)
        if obj is None or obj.erased_at is not None:
            return
        obj.wrapped_key = None
        obj.erased_at = now()
        self._path(object_id).unlink(missing_ok=True)

    def rewrap(self, session: Session, new: MasterKey) -> int:
        """Rewrap every live data key under ``new``; returns how many. The caller commits, then uses ``new``."""
        count = 0
        rows = session.scalars(select(StoredObject).where(StoredObject.wrapped_key.is_not(None))).all()
        for obj in rows:
            aad = obj.id.encode()
            assert obj.wrapped_key is not None
            data_key = unwrap_key(self.master, obj.wrapped_key, aad)
            obj.wrapped_key = wrap_key(new, data_key, aad)
            obj.master_key_id = new.id
            count += 1
        return count
