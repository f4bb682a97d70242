"""``safedata validate`` (safedata_core/commands/validate.py): the budget plan, or every problem with its path."""

from __future__ import annotations

from pathlib import Path

import pytest

from safedata_core.cli import main
from tests.core.test_cli import write


def test_a_valid_pipeline_prints_its_budget_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pipeline = {
        "data": {"source": "builtin:adult"},
        "privacy": {"epsilon": 2.0, "delta": 1e-6},
        "steps": [
            {"id": "counts", "use": "dp_aggregate", "privacy": {"epsilon": 2.0}, "params": {"group_by": ["sex"]}}
        ],
    }
    path = write(tmp_path, pipeline)
    assert main(["validate", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{path}: valid (1 step)"
    assert lines[1].startswith("budget: epsilon=2 delta=1e-06 accountant=")
    assert lines[2].split() == ["counts", "dp_aggregate", "epsilon=2", "delta=1e-06"]


def test_validate_reports_paths_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = {
        "data": {"source": "builtin:adult"},
        "colour": "red",
        "steps": [{"id": "a", "use": "nope"}, {"id": "b", "use": "tv_complement", "target": "zzz"}],
    }
    assert main(["validate", str(write(tmp_path, bad))]) == 2
    err = capsys.readouterr().err
    assert "colour: unknown key" in err
    bad.pop("colour")
    assert main(["validate", str(write(tmp_path, bad))]) == 2
    err = capsys.readouterr().err
    assert "steps[0].use: unknown component 'nope'" in err and "steps[1].target" in err


@pytest.mark.parametrize("content", ["", "steps: [", "- just\n- a list\n"])
def test_malformed_pipeline_files(tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(content)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: pipeline file") and err.count("\n") == 1 and "Traceback" not in err
