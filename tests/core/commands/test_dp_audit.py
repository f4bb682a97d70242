"""``safedata dp-audit``: prints the bound against the claim, writes JSON, exits 1 above the claim."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safedata_core.cli import main


@pytest.fixture(autouse=True)
def _fake_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_core import Engine, commands

    monkeypatch.setattr(
        commands, "make_engine", lambda args: Engine(autoload=False, plugins=["tests.core.dpaudit.fakes"])
    )


def test_leaky_synthesizer_is_reported_above_its_claim(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "audit" / "leaky.json"
    argv = ["dp-audit", "--synthesizer", "leaky_fake", "--runs", "20", "--epsilon", "0.1", "--rows", "200"]
    rc = main([*argv, "--out", str(out), "--no-progress"])
    printed = capsys.readouterr().out
    assert rc == 1
    assert "dp-audit leaky_fake: epsilon_lower =" in printed and "ABOVE the claim" in printed
    result = json.loads(out.read_text())
    assert result["synthesizer"] == "leaky_fake" and result["runs"] == 20 and result["rows"] == 200
    assert result["eps_lower"] > 0.1 and result["below_claim"] is False


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--params", "{bad"], "--params: not valid JSON"),
        (["--params", "[1]"], "give a JSON object"),
        (["--confidence", "2"], "--confidence 2"),
        (["--runs", "1"], "--runs 1 is too few"),
    ],
)
def test_user_mistakes_are_one_line(extra: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["dp-audit", "--synthesizer", "leaky_fake", "--epsilon", "1", "--rows", "50", *extra])
    err = capsys.readouterr().err
    assert rc == 2
    assert message in err and err.count("\n") == 1


def test_unknown_synthesizer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dp-audit", "--synthesizer", "no_such_synth", "--epsilon", "1"]) == 2
    assert "unknown synthesizer 'no_such_synth'" in capsys.readouterr().err
