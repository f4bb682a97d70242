"""``safedata schema export [--check]`` (safedata_core/commands/schema.py): writes, then checks, with exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from safedata_core.cli import main


def test_export_then_check_then_a_stale_file_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "schemas"
    assert main(["schema", "export", "--dir", str(out)]) == 0
    assert f"schema files to {out}" in capsys.readouterr().out
    assert main(["schema", "export", "--check", "--dir", str(out)]) == 0
    assert "up to date" in capsys.readouterr().out
    (out / "release-report.schema.json").write_text("{}\n")
    assert main(["schema", "export", "--check", "--dir", str(out)]) == 1
    err = capsys.readouterr().err
    assert "release-report.schema.json: out of date" in err and "run 'safedata schema export'" in err
