"""docs/api.md runs as written: its python blocks execute in order in a temporary folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
API_DOC = ROOT / "docs" / "api.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_api_doc_blocks_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for plugin in ("safedata_marginal", "safedata_example", "safedata_microaggregation"):
        pytest.importorskip(plugin)
    from safedata_core import quick

    monkeypatch.delenv("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    quick._default_engine.cache_clear()
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(API_DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 6
    namespace: dict[str, object] = {}
    try:
        for i, block in enumerate(blocks):
            exec(compile(block, f"docs/api.md block {i + 1}", "exec"), namespace)
    finally:
        quick._default_engine.cache_clear()
    out = capsys.readouterr().out
    assert "(1000, 4)" in out and "(2000, 4)" in out
    assert "cannot use column 'age'" in out
    assert (tmp_path / "mst-model.json").is_file()
    assert namespace["small"].params.bins == 8  # type: ignore[attr-defined]
    assert namespace["again"].ledger == namespace["synth"].ledger  # type: ignore[attr-defined]
