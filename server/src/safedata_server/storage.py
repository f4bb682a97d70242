"""The encrypted object store: one file per object under ``objects/``, data keys wrapped in the database.

Nothing is written in the clear: :meth:`ObjectStore.put` encrypts with a fresh
AES-256-GCM data key, writes the file atomically and records the wrapped key;
:meth:`ObjectStore.erase` drops the wrapped key (crypto-erasure) and the file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from safedata_core import SafedataError
from safedata_server.crypto import KEY_BYTES, MasterKey, decrypt, encrypt, unwrap_key, wrap_key
from safedata_server.db import refuse_read_only
from safedata_server.models import StoredObject, new_id, now

__all__ = ["ObjectStore"]

_OBJECTS: Table = StoredObject.__table__  # type: ignore[assignment]
# statements built once (every request that reads or writes an object runs one): plain SQL, no ORM objects
_KEY_OF = select(_OBJECTS.c.wrapped_key, _OBJECTS.c.master_key_id).where(_OBJECTS.c.id == bindparam("id"))
_INSERT = _OBJECTS.insert()
_ERASE = (
    _OBJECTS.update()
    .where(_OBJECTS.c.id == bindparam("object_id"), _OBJECTS.c.erased_at.is_(None))
    .values(wrapped_key=None, erased_at=bindparam("at"))
)


class ObjectStore:
    """Encrypted objects in ``root``, keyed by the master key ``master``."""

    def __init__(self, root: Path, master: MasterKey) -> None:
        self.root = root
        self.master = master
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, object_id: str) -> Path:
        return self.root / object_id

    def put(self, session: Session, project_id: str, kind: str, plaintext: bytes) -> StoredObject:
        """Encrypt and store ``plaintext``; returns its row (inserted in the session's write transaction)."""
        obj = self.seal(project_id, kind, plaintext)
        self.add(session, obj)
        return obj

    @staticmethod
    def add(session: Session, obj: StoredObject) -> None:
        """Record a sealed object's row (one INSERT in the session's write transaction; no ORM flush)."""
        refuse_read_only(session)
        session.execute(_INSERT, {c.name: getattr(obj, c.key) for c in _OBJECTS.columns})

    def seal(self, project_id: str, kind: str, plaintext: bytes) -> StoredObject:
        """Encrypt ``plaintext`` into its file (synced to disk) and return its row, not yet in any session.

        For a write transaction: seal first, then :meth:`add` the row inside the transaction, so the
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
            created_at=now(),
        )

    def get(self, session: Session, object_id: str) -> bytes:
        """Decrypt an object; raises when it was erased or the master key does not match."""
        row = session.execute(_KEY_OF, {"id": object_id}).first()
        if row is None or row.wrapped_key is None:
            raise SafedataError(f"object {object_id} was erased")
        if row.master_key_id != self.master.id:
            raise SafedataError(
                f"object {object_id} is wrapped by master key {row.master_key_id}, not the loaded key "
                f"{self.master.id}; start the server with the right SAFEDATA_MASTER_KEY"
            )
        aad = object_id.encode()
        data_key = unwrap_key(self.master, row.wrapped_key, aad)
        return decrypt(data_key, self._path(object_id).read_bytes(), aad)

    def erase(self, session: Session, object_id: str | None) -> None:
        """Crypto-erase: forget the wrapped data key, then remove the file."""
        if object_id is None:
            return
        refuse_read_only(session)
        if session.execute(_ERASE, {"object_id": object_id, "at": now()}).rowcount:  # type: ignore[attr-defined]
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
