"""The audit key: hex or base64 from the environment, or a 0600 key file created on first use."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from safedata_core.audit.key import AuditKey, default_key_path, key_id, load_key, parse_key, read_key_file
from safedata_core.errors import SafedataError


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cfg" / "safedata" / "audit.key"
    monkeypatch.setenv("SAFEDATA_AUDIT_KEY_FILE", str(path))
    monkeypatch.delenv("SAFEDATA_AUDIT_KEY", raising=False)
    return path


def test_hex_and_base64_keys_decode_to_the_same_secret() -> None:
    secret = bytes(range(32))
    assert parse_key(secret.hex(), source="x") == secret
    assert parse_key(base64.b64encode(secret).decode(), source="x") == secret
    assert parse_key(base64.urlsafe_b64encode(secret).decode().rstrip("="), source="x") == secret


@pytest.mark.parametrize(("text", "match"), [("abcd", "at least 16"), ("not a key!", "neither hex nor base64")])
def test_bad_keys_are_one_line_errors(text: str, match: str) -> None:
    with pytest.raises(SafedataError, match=match):
        parse_key(text, source="$SAFEDATA_AUDIT_KEY")


def test_key_file_is_created_once_with_private_permissions(key_file: Path) -> None:
    assert load_key(create=False) is None
    first = load_key(create=True)
    assert first is not None and key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    again = load_key(create=True)
    assert again is not None and again.secret == first.secret and len(first.secret) == 32
    assert first.id == key_id(first.secret) and len(first.id) == 16


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_key_file_readable_by_others_is_refused(key_file: Path) -> None:
    load_key(create=True)
    key_file.chmod(0o644)
    with pytest.raises(SafedataError, match="chmod 600"):
        load_key()


def test_environment_key_wins_over_the_file(key_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_key(create=True)
    monkeypatch.setenv("SAFEDATA_AUDIT_KEY", "ab" * 16)
    key = load_key(create=True)
    assert key == AuditKey(bytes.fromhex("ab" * 16), "$SAFEDATA_AUDIT_KEY")


def test_default_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SAFEDATA_AUDIT_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_key_path() == tmp_path / "safedata" / "audit.key"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_key_path() == tmp_path / "home" / ".config" / "safedata" / "audit.key"


def test_read_key_file_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SafedataError, match="not found"):
        read_key_file(tmp_path / "nope.key")
