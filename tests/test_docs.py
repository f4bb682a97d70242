"""Documentation meta tests: every hook is documented with its exact signature."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from safedata_core import hookspecs
from tests.test_hooks import HOOKS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook: str) -> None:
    doc = (ROOT / "docs" / "plugins" / "hooks.md").read_text(encoding="utf-8")
    params = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert f"## {hook}({params})" in doc, f"docs/plugins/hooks.md needs a heading '## {hook}({params})'"


def test_every_first_party_plugin_in_directory() -> None:
    directory = (ROOT / "docs" / "plugins" / "directory.md").read_text(encoding="utf-8")
    for folder in sorted((ROOT / "plugins").glob("*/pyproject.toml")) + sorted(
        (ROOT / "contrib").glob("*/pyproject.toml")
    ):
        assert folder.parent.name in directory, f"list {folder.parent.name} in docs/plugins/directory.md"


@pytest.mark.parametrize("example", sorted((ROOT / "docs" / "examples").glob("*.yaml")), ids=lambda p: p.name)
def test_example_pipelines_validate(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_core import Engine

    monkeypatch.delenv("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    assert Engine().validate(example).steps
