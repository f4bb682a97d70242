"""The audit key: the secret that seals (HMAC-SHA256) every audit event.

The key lives *outside* the run directory, so whoever can edit a run
directory cannot re-seal an edited log. It is found, in order:

1. ``SAFEDATA_AUDIT_KEY``: the key itself, as hex or base64 (at least 16 bytes);
2. ``SAFEDATA_AUDIT_KEY_FILE``: a file holding the key (hex or base64);
3. ``$XDG_CONFIG_HOME/safedata/audit.key`` (``~/.config/safedata/audit.key``
   when ``XDG_CONFIG_HOME`` is unset).

When a run finds no key, a fresh 32-byte key is written to the key file
(created with mode 0600, its folder with 0700). Verification never creates a
key. A key is named by its *key id*: the first 8 bytes of its SHA-256, in hex,
which the log records so ``safedata audit verify`` can say which key it needs.
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

from safedata_core.errors import SafedataError

ENV_KEY = "SAFEDATA_AUDIT_KEY"
ENV_KEY_FILE = "SAFEDATA_AUDIT_KEY_FILE"
MIN_KEY_BYTES = 16
NEW_KEY_BYTES = 32

__all__ = [
    "ENV_KEY",
    "ENV_KEY_FILE",
    "AuditKey",
    "default_key_path",
    "key_id",
    "load_key",
    "parse_key",
    "read_key_file",
]


@dataclass(frozen=True)
class AuditKey:
    """A loaded audit key: the secret, where it came from and its public id."""

    secret: bytes = field(repr=False)
    source: str

    @property
    def id(self) -> str:
        return key_id(self.secret)


def key_id(secret: bytes) -> str:
    """The public name of a key: first 8 bytes of its SHA-256, as 16 hex digits."""
    return hashlib.sha256(secret).hexdigest()[:16]


def default_key_path() -> Path:
    """Where the key file is kept when ``SAFEDATA_AUDIT_KEY_FILE`` is unset."""
    override = os.environ.get(ENV_KEY_FILE)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "safedata" / "audit.key"


def parse_key(text: str, *, source: str) -> bytes:
    """Decode a key written as hex or base64; refuses keys shorter than 16 bytes."""
    value = text.strip()
    secret: bytes | None = None
    if value and len(value) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in value):
        secret = bytes.fromhex(value)
    elif value:
        b64 = value.replace("-", "+").replace("_", "/")
        try:
            secret = base64.b64decode(b64 + "=" * (-len(b64) % 4), validate=True)
        except (binascii.Error, ValueError):
            secret = None
    if secret is None:
        raise SafedataError(f"audit key from {source} is neither hex nor base64 (write 64 hex digits)")
    if len(secret) < MIN_KEY_BYTES:
        raise SafedataError(
            f"audit key from {source} has {len(secret)} bytes; at least {MIN_KEY_BYTES} are needed "
            "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return secret


def load_key(*, create: bool = False) -> AuditKey | None:
    """The audit key from the environment or the key file; ``None`` when there is none and not ``create``."""
    env = os.environ.get(ENV_KEY)
    if env:
        return AuditKey(parse_key(env, source=f"${ENV_KEY}"), f"${ENV_KEY}")
    path = default_key_path()
    if path.is_file():
        return read_key_file(path)
    if path.exists():
        raise SafedataError(f"audit key file '{path}' is not a regular file (remove it or set {ENV_KEY_FILE})")
    if not create:
        return None
    return AuditKey(_create_key_file(path), str(path))


def read_key_file(path: Path) -> AuditKey:
    """Load a key file; refuses a missing file and, on POSIX, one readable by group or others."""
    if not path.is_file():
        raise SafedataError(f"audit key file '{path}' not found (check the path)")
    return AuditKey(_read_secret(path), str(path))


def _read_secret(path: Path) -> bytes:
    if os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise SafedataError(
                f"audit key file '{path}' is readable by others (mode {mode:04o}); run: chmod 600 '{path}'"
            )
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SafedataError(f"audit key file '{path}' cannot be read: {exc.__class__.__name__}") from None
    return parse_key(text, source=f"'{path}'")


def _create_key_file(path: Path) -> bytes:
    """Write a fresh key with mode 0600 (O_EXCL: a concurrent creator wins and its key is read)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    except OSError as exc:
        raise SafedataError(
            f"cannot create the audit key file '{path}' ({exc.strerror}); set {ENV_KEY_FILE} to a writable "
            f"path outside the run directory, or {ENV_KEY} to a key"
        ) from None
    secret = secrets.token_bytes(NEW_KEY_BYTES)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secret.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return secret
