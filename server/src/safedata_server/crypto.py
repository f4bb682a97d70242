"""AES-256-GCM envelope encryption: a fresh data key per object, wrapped by the master key.

An object is ``nonce(12) || ciphertext+tag`` under its data key; the data key is
stored wrapped (``nonce(12) || AESGCM(master, data_key)``) in the database, with
the object id as associated data, so a wrapped key cannot be moved to another
object. Deleting the wrapped key crypto-erases the object. Rotating the master
key rewraps every data key; the objects themselves are not rewritten.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from safedata_core import SafedataError

KEY_BYTES = 32
NONCE_BYTES = 12

__all__ = ["MasterKey", "decrypt", "encrypt", "load_master_key", "parse_key", "unwrap_key", "wrap_key"]


@dataclass(frozen=True)
class MasterKey:
    """The key-encryption key and its public id (first 8 bytes of its SHA-256, hex)."""

    secret: bytes = field(repr=False)
    source: str

    @property
    def id(self) -> str:
        return hashlib.sha256(self.secret).hexdigest()[:16]


def parse_key(text: str, *, source: str) -> bytes:
    """Decode a 32-byte key written as hex or base64."""
    value = text.strip()
    try:
        raw = bytes.fromhex(value) if len(value) == 2 * KEY_BYTES else base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise SafedataError(
            f"master key from {source}: expected 32 bytes as hex or base64; generate one with "
            '`python -c "import secrets; print(secrets.token_hex(32))"`'
        )
    return raw


def load_master_key(env_value: str | None, path: Path, *, create: bool) -> MasterKey:
    """The master key from ``SAFEDATA_MASTER_KEY`` (``env_value``) or a 0600 key file, created when asked."""
    if env_value:
        return MasterKey(parse_key(env_value, source="$SAFEDATA_MASTER_KEY"), "$SAFEDATA_MASTER_KEY")
    if path.is_file():
        mode = stat.S_IMODE(path.stat().st_mode)
        if os.name == "posix" and mode & 0o077:
            raise SafedataError(f"master key file '{path}' is readable by others (mode {mode:o}); run chmod 600 on it")
        return MasterKey(parse_key(path.read_text(), source=str(path)), str(path))
    if not create:
        raise SafedataError(f"master key file '{path}' not found (set SAFEDATA_MASTER_KEY or SAFEDATA_MASTER_KEY_FILE)")
    write_key_file(path, secrets.token_bytes(KEY_BYTES))
    return load_master_key(None, path, create=False)


def write_key_file(path: Path, secret: bytes) -> None:
    """Write ``secret`` as hex to ``path`` with mode 0600 (atomically: temp file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def encrypt(data_key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(data_key).encrypt(nonce, plaintext, aad)


def decrypt(data_key: bytes, blob: bytes, aad: bytes) -> bytes:
    return AESGCM(data_key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)


def wrap_key(master: MasterKey, data_key: bytes, aad: bytes) -> bytes:
    return encrypt(master.secret, data_key, b"wrap:" + aad)


def unwrap_key(master: MasterKey, wrapped: bytes, aad: bytes) -> bytes:
    return decrypt(master.secret, wrapped, b"wrap:" + aad)
