"""Core tests never see installed plugins: entry-point autoload is off unless a test turns it on."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from safedata_core.testing.fixtures import tiny_table as _tiny_table

os.environ["SAFEDATA_DISABLE_PLUGIN_AUTOLOAD"] = "1"
# runs seal their audit logs with a key created on first use: keep the tests' key out of the user's config
_AUDIT_KEY_DIR = tempfile.mkdtemp(prefix="safedata-test-audit-key-")
atexit.register(shutil.rmtree, _AUDIT_KEY_DIR, True)
os.environ["SAFEDATA_AUDIT_KEY_FILE"] = os.path.join(_AUDIT_KEY_DIR, "audit.key")
os.environ.pop("SAFEDATA_AUDIT_KEY", None)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FAKE_PLUGINS = Path(__file__).parent / "fake_plugins"


def shared_data(*parts: str) -> Path:
    """Path under ../shared/data; skips the test when the reference data is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data {path} is not present (it lives in ../shared/data beside the repo)")
    return path


@pytest.fixture
def table():  # type: ignore[no-untyped-def]
    return _tiny_table()


@pytest.fixture
def engine():  # type: ignore[no-untyped-def]
    from safedata_core import Engine

    return Engine(autoload=False)


@pytest.fixture(autouse=True)
def _no_autoload(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("SAFEDATA_LOAD_PLUGINS", raising=False)
    yield
