"""``safedata audit verify``: exit 0 authenticated, 1 failed, 3 intact but unauthenticated; aborted runs named."""

from __future__ import annotations

from pathlib import Path

import pytest

from safedata_core.audit import AuditLog
from safedata_core.audit.key import AuditKey
from safedata_core.cli import main
from tests.core.audit.helpers import KEY_HEX, OTHER_KEY_HEX, make_run, read_events, rechain, write_events


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SAFEDATA_AUDIT_KEY", KEY_HEX)
    return make_run(tmp_path / "run")


def test_exit_codes(run_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "authenticated with key" in out and "the run succeeded" in out and "cross-checked:" in out
    monkeypatch.delenv("SAFEDATA_AUDIT_KEY")
    monkeypatch.setenv("SAFEDATA_AUDIT_KEY_FILE", str(run_dir.parent / "absent.key"))
    assert main(["audit", "verify", str(run_dir)]) == 3
    captured = capsys.readouterr()
    assert "NOT authenticated" in captured.out and "no audit key found" in captured.err
    key_file = run_dir.parent / "k.key"
    key_file.write_text(KEY_HEX)
    key_file.chmod(0o600)
    assert main(["audit", "verify", str(run_dir), "--key-file", str(key_file)]) == 0
    key_file.write_text(OTHER_KEY_HEX)
    assert main(["audit", "verify", str(run_dir), "--key-file", str(key_file)]) == 1
    assert "FAILED verification" in capsys.readouterr().err


def test_rechained_deletion_fails(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = run_dir / "audit.jsonl"
    events = [e for e in read_events(log) if e.get("step") != "agg"]
    rechain(events)
    write_events(log, events)
    assert main(["audit", "verify", str(run_dir)]) == 1
    assert "MAC mismatch" in capsys.readouterr().err


def test_aborted_run_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFEDATA_AUDIT_KEY", KEY_HEX)
    log = AuditLog(tmp_path / "audit.jsonl", key=AuditKey(bytes.fromhex(KEY_HEX), "t"))
    log.event("run_start", run_id="r")
    log.event("step_start", step="synth")
    log.abort(step="synth", reason="SIGTERM")
    assert main(["audit", "verify", str(tmp_path)]) == 0
    assert "ABORTED at step 'synth' (SIGTERM)" in capsys.readouterr().out
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    (tmp_path / "audit.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    assert main(["audit", "verify", str(tmp_path)]) == 1
    assert "truncated or edited" in capsys.readouterr().err
