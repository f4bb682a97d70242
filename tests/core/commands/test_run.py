"""``safedata run``: honest exit codes (0 pass, 1 failed run, 2 cannot start, 3 FAIL verdict), one validation."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from safedata_core.cli import main
from safedata_core.commands import run as run_command
from tests.core.pipeline import fakes

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_command, "make_engine", lambda _args: fakes.engine())


def write_pipeline(tmp_path: Path, **overrides: Any) -> Path:
    data, meta = fakes.write_tiny_data(tmp_path, n=120)
    p: dict[str, Any] = {
        "name": "cli",
        "data": {"source": data.name, "metadata": meta.name},
        "steps": [{"id": "copy", "use": "resample"}, {"id": "tv", "use": "tv_complement", "target": "copy"}],
        **overrides,
    }
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(p))
    return path


@pytest.mark.usefixtures("fake_engine")
def test_pass_verdict_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(write_pipeline(tmp_path)), "--out", str(tmp_path / "run")]) == 0
    printed = capsys.readouterr().out
    assert "run succeeded" in printed and "release/copy.csv" in printed and "verdict: PASS" in printed
    assert (tmp_path / "run" / "release" / "copy.csv").is_file()


@pytest.mark.usefixtures("fake_engine")
def test_fail_verdict_exits_3_and_names_the_release(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    strict = write_pipeline(tmp_path, report={"thresholds": {"min_utility": 2.0}})
    assert main(["run", str(strict), "--out", str(tmp_path / "run")]) == 3
    captured = capsys.readouterr()
    assert "verdict: FAIL" in captured.out
    lines = [line for line in captured.err.splitlines() if line.startswith("verdict FAIL")]
    assert len(lines) == 1 and re.fullmatch(
        r"verdict FAIL: release 'copy' FAILED: mean utility 0\.\d{3} < min_utility - utility_margin 1\.90", lines[0]
    )
    assert (tmp_path / "run" / "release" / "copy.csv").is_file()  # it ran: the release is written
    assert main(["run", str(strict), "--out", str(tmp_path / "run2"), "--allow-fail-verdict"]) == 0


@pytest.mark.usefixtures("fake_engine")
def test_failed_run_exits_1_and_cannot_start_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    boom = write_pipeline(tmp_path, steps=[{"id": "synth", "use": "boom"}])
    assert main(["run", str(boom), "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "step 'synth' (boom) failed with ZeroDivisionError" in err
    assert main(["run", str(boom), "--out", str(tmp_path / "run")]) == 2  # not empty without --force
    assert "not empty" in capsys.readouterr().err
    bad = write_pipeline(tmp_path, steps=[{"id": "synth", "use": "nope"}])
    assert main(["run", str(bad), "--out", str(tmp_path / "other")]) == 2
    assert "steps[0].use: unknown component 'nope'" in capsys.readouterr().err


def test_run_validates_the_pipeline_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import safedata_core.engine as engine_module
    import safedata_core.schema as schema_module

    calls: list[object] = []
    real = schema_module.resolve_pipeline

    def counting(source: Any, registry: Any, **kwargs: Any) -> Any:
        calls.append(source)
        return real(source, registry, **kwargs)

    monkeypatch.setattr(engine_module, "resolve_pipeline", counting)
    monkeypatch.setattr(schema_module, "resolve_pipeline", counting)
    monkeypatch.setattr(run_command, "make_engine", lambda _args: fakes.engine())
    assert main(["run", str(write_pipeline(tmp_path)), "--out", str(tmp_path / "run")]) == 0
    assert len(calls) == 1
    bad = write_pipeline(tmp_path, steps=[{"id": "x", "use": "nope"}])
    calls.clear()
    assert main(["run", str(bad), "--out", str(tmp_path / "r2")]) == 2
    assert len(calls) == 1


def test_help_documents_the_exit_codes() -> None:
    from safedata_core.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    text = sub.choices["run"].format_help()
    for line in ("0    the run succeeded", "1    the run started and failed", "2    the run could not start"):
        assert line in text
    assert "3    the run succeeded but its verdict is FAIL" in text and "--allow-fail-verdict" in text


def test_adult_sdc_example_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.delenv("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    pytest.importorskip("safedata_linkage", reason="plugins/safedata-linkage is not installed (run make test)")
    example = ROOT / "docs" / "examples" / "adult-sdc.yaml"
    assert main(["run", str(example), "--out", str(tmp_path / "run")]) == 3
    err = capsys.readouterr().err
    assert "verdict FAIL: release 'suppress' FAILED: " in err and "education_num" in err


@pytest.mark.usefixtures("fake_engine")
def test_progress_lines_on_stderr_and_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_pipeline(tmp_path)
    assert main(["run", str(path), "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert re.fullmatch(r"\[1/2\] copy \(resample\): \d+\.\d s", lines[0]), err
    assert re.fullmatch(r"\[2/2\] tv \(tv_complement\): \d+\.\d s", lines[1]), err
    assert main(["run", str(path), "--out", str(tmp_path / "quiet"), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")


@pytest.mark.usefixtures("fake_engine")
def test_json_result_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    path = write_pipeline(tmp_path)
    assert main(["run", str(path), "--out", str(tmp_path / "run"), "--json", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is True and result["exit_code"] == 0 and result["status"] == "succeeded"
    assert result["verdict"] == "pass" and result["verdicts"] == {"copy": "pass"} and result["released"] == ["copy"]
    assert result["run_dir"] == str(tmp_path / "run") and set(result["ledger"]) == {"budget", "spent"}
    strict = write_pipeline(tmp_path, report={"thresholds": {"min_utility": 2.0}})
    assert main(["run", str(strict), "--out", str(tmp_path / "fail"), "--json", "--quiet"]) == 3
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False and result["exit_code"] == 3 and result["verdict"] == "fail"
    assert result["verdict_failures"] and result["verdict_failures"][0].startswith("release 'copy' FAILED")
    assert main(["run", str(path), "--out", str(tmp_path / "run"), "--json"]) == 2  # not empty
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["exit_code"] == 2 and "not empty" in result["error"] and captured.err.startswith("error: ")


@pytest.mark.usefixtures("fake_engine")
def test_set_overrides_a_pipeline_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_pipeline(tmp_path)
    args = ["run", str(path), "--out", str(tmp_path / "run"), "--quiet"]
    assert main([*args, "--set", "steps.copy.rows=7", "--set", "name=renamed"]) == 0
    lock = (tmp_path / "run" / "pipeline.lock.json").read_text()
    assert '"rows": 7' in lock and '"name": "renamed"' in lock
    assert len((tmp_path / "run" / "release" / "copy.csv").read_text().splitlines()) == 8
    assert main([*args, "--force", "--set", "steps.cpy.rows=7"]) == 2
    err = capsys.readouterr().err
    assert err == "error: --set 'steps.cpy.rows=7': 'steps' has no entry 'cpy' (known: copy, tv)\n"
