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
from safedata_core.testing.reference import reference_path

os.environ["SAFEDATA_DISABLE_PLUGIN_AUTOLOAD"] = "1"
# runs seal their audit logs with a key created on first use: keep the tests' key out of the user's config
_AUDIT_KEY_DIR = tempfile.mkdtemp(prefix="safedata-test-audit-key-")
atexit.register(shutil.rmtree, _AUDIT_KEY_DIR, True)
os.environ["SAFEDATA_AUDIT_KEY_FILE"] = os.path.join(_AUDIT_KEY_DIR, "audit.key")
os.environ.pop("SAFEDATA_AUDIT_KEY", None)

FAKE_PLUGINS = Path(__file__).parent / "fake_plugins"


def shared_data(*parts: str) -> Path:
    """Path under the reference data (../shared/data); skips when absent, fails under SAFEDATA_REQUIRE_REFERENCE=1.

    Tests that call it carry ``@pytest.mark.reference`` (tests/meta checks this).
    """
    return reference_path(*parts)


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
