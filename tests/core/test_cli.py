"""The CLI (safedata_core/cli.py): exit codes and one-line errors for user mistakes, never tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from safedata_core.cli import main


def write(tmp_path: Path, data: object, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


GOOD = {
    "data": {"source": "builtin:adult"},
    "steps": [{"id": "profile", "use": "profile"}, {"id": "ks", "use": "tv_complement", "target": "data"}],
}


def test_plugins_json_lists_components(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    names = {c["name"] for c in info["components"]}
    assert {"ks_complement", "tv_complement"} <= names
    assert all({"kind", "privacy", "distribution", "version"} <= set(c) for c in info["components"])


def test_missing_files_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    p = write(tmp_path, {"data": {"source": "missing.csv"}, "steps": [{"id": "p", "use": "profile"}]})
    assert main(["run", str(p), "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "not found" in err and "Traceback" not in err
    assert not (tmp_path / "run" / "release").exists()


def test_empty_data_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.csv").write_text("")
    p = write(tmp_path, {"data": {"source": "empty.csv"}, "steps": [{"id": "p", "use": "profile"}]})
    assert main(["run", str(p), "--out", str(tmp_path / "run")]) == 1
    assert "is empty" in capsys.readouterr().err


def test_run_and_audit_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, GOOD)
    out = tmp_path / "run"
    assert main(["run", str(p), "--out", str(out)]) == 0
    assert main(["audit", "verify", str(out)]) == 0
    audit = out / "audit.jsonl"
    raw = bytearray(audit.read_bytes())
    raw[raw.index(b'"rows":') + 7] ^= 1  # flip one byte of a digit
    audit.write_bytes(bytes(raw))
    assert main(["audit", "verify", str(out)]) == 1
    assert "FAILED verification" in capsys.readouterr().err
    assert main(["run", str(p), "--out", str(out)]) == 2  # not empty without --force
