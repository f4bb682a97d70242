"""The run directory: locked for the whole run, staged and swapped all at once, write errors inside the run."""

from __future__ import annotations

import errno
import fcntl
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from safedata_core import ColumnMeta, Metadata, SafedataError, Table
from safedata_core.audit import verify_audit_log
from safedata_core.pipeline.rundir import LOCK_FILE, RunDir
from safedata_core.testing.fixtures import tiny_table
from tests.core.pipeline import fakes

GOOD = {"name": "ok", "data": {"source": "mem"}, "steps": [{"id": "copy", "use": "resample", "rows": 50}]}
FAILING = {"name": "bad", "data": {"source": "mem"}, "steps": [{"id": "synth", "use": "boom"}]}


def tree(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*"))


def run_id(out: Path) -> str:
    return str(json.loads((out / "pipeline.lock.json").read_text())["run_id"])


def test_a_locked_run_directory_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    fd = os.open(out / LOCK_FILE, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another run holds the directory
    try:
        with pytest.raises(SafedataError, match=r"is in use by another safedata run") as err:
            fakes.engine().run(GOOD, data=tiny_table(60), out=out, force=True)
        assert "\n" not in str(err.value)
        assert [p.name for p in out.iterdir()] == [LOCK_FILE]
    finally:
        os.close(fd)
    assert fakes.engine().run(GOOD, data=tiny_table(60), out=out).ok  # free again


def test_the_lock_is_held_during_the_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    held: list[bool] = []

    class Probe:
        @staticmethod
        def before_step(step: Any, context: Any) -> None:
            fd = os.open(out / LOCK_FILE, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held.append(False)
            except BlockingIOError:
                held.append(True)
            finally:
                os.close(fd)

    from safedata_core import hookimpl

    Probe.before_step = hookimpl(Probe.before_step)  # type: ignore[method-assign]
    engine = fakes.engine()
    engine.pm.register(Probe(), name="probe")
    assert engine.run(GOOD, data=tiny_table(60), out=out).ok
    assert held == [True]


def test_force_replaces_the_whole_previous_run_with_a_failed_one(tmp_path: Path) -> None:
    out = tmp_path / "run"
    engine = fakes.engine()
    assert engine.run(GOOD, data=tiny_table(60), out=out).ok
    (out / "release" / "stray-folder").mkdir()  # odd content in the old release must not crash --force
    (out / "release" / "stray-folder" / "x.txt").write_text("x")
    (out / "report.html").write_text("<html>a report of the layout before release/</html>")
    failed = engine.run(FAILING, data=tiny_table(60), out=out, force=True)
    assert not failed.ok
    assert tree(out) == [
        LOCK_FILE,
        "audit.jsonl",
        "internal",
        "internal/NOT-FOR-PUBLICATION.txt",
        "internal/metadata.json",
        "internal/report.html",
        "internal/report.json",
        "pipeline.lock.json",
        "run-failed.txt",
    ]
    assert run_id(out) == failed.report["run"]["id"]
    assert json.loads((out / "internal" / "report.json").read_text())["run"]["id"] == failed.report["run"]["id"]
    assert verify_audit_log(out) > 3


def test_stale_staging_of_a_killed_run_is_cleaned(tmp_path: Path) -> None:
    out = tmp_path / "run"
    (out / ".staging-deadbeef0000" / "release").mkdir(parents=True)
    (out / ".staging-deadbeef0000" / "release" / "half.csv").write_text("a,b\n1,")
    assert fakes.engine().run(GOOD, data=tiny_table(60), out=out).ok  # not "not empty"
    assert not (out / ".staging-deadbeef0000").exists()


def test_integers_beyond_int64_fail_the_run_naming_the_column(tmp_path: Path) -> None:
    df = pd.DataFrame({"big": [2**63 + i for i in range(40)], "kind": ["a", "b"] * 20}, dtype=object)
    meta = Metadata(columns={"big": ColumnMeta(type="integer"), "kind": ColumnMeta(type="categorical")})
    out = tmp_path / "run"
    # refused when the table is read (the column cannot be held exactly), before any step or file
    with pytest.raises(SafedataError, match="column 'big'") as err:
        fakes.engine().run(GOOD, data=Table.from_dataframe(df, meta), out=out)
    assert "\n" not in str(err.value)
    assert not (out / "release").exists()


def test_disk_full_while_writing_a_table_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_core.pipeline import publish

    def full(table: Any, path: Path) -> Path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text("half a tab")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(publish, "write_table", full)
    out = tmp_path / "run"
    result = fakes.engine().run(GOOD, data=tiny_table(60), out=out)
    assert not result.ok and "No space left on device" in (result.error or "")
    assert result.error is not None and result.error.startswith("step 'copy': writing copy.csv failed")
    assert not (out / "release").exists()


def test_a_report_that_cannot_be_written_publishes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "run"
    engine = fakes.engine()
    first = engine.run(GOOD, data=tiny_table(60), out=out)
    before = tree(out)

    def broken(*_a: Any, **_k: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("safedata_core.report.write_report", broken)
    with pytest.raises(SafedataError, match=r"Read-only file system\); nothing was released"):
        engine.run(GOOD, data=tiny_table(60), out=out, force=True)
    assert tree(out) == before and run_id(out) == first.report["run"]["id"]


def test_unwritable_run_directory_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(SafedataError, match=r"cannot use run directory .*(Not a directory|choose a writable)"):
        RunDir(tmp_path / "file" / "run", "r1", force=False).open()


def test_foreign_exception_in_a_component_names_the_step(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = fakes.engine().run(FAILING, data=tiny_table(60), out=out)
    assert result.error == (
        "step 'synth' (boom) failed with ZeroDivisionError: float division by zero "
        "(a defect in the component; its traceback is in audit.jsonl)"
    )
    audit = (out / "audit.jsonl").read_text()
    assert "Traceback" in audit and "ZeroDivisionError" in audit
    assert "Traceback" not in json.dumps(result.report["run"])


class _Crash(BaseException):
    """Stands for the process dying between two renames."""


def test_a_crash_at_any_rename_of_the_swap_leaves_no_or_a_complete_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safedata_core.pipeline import rundir as rundir_module

    real_rename = os.rename
    for crash_at in range(12):
        out = tmp_path / f"run{crash_at}"
        old = fakes.engine().run(GOOD, data=tiny_table(60), out=out)
        old_release = {p.name for p in (out / "release").iterdir()}
        new = RunDir(out, f"new{crash_at}", force=True).open()
        (new.staging / "release").mkdir()
        for name in ("copy.csv", "report.json", "ledger.json"):
            (new.staging / "release" / name).write_text("new")
        for name in ("audit.jsonl", "pipeline.lock.json"):
            (new.staging / name).write_text("new")
        calls = {"n": 0}

        def rename(src: Any, dst: Any, *, _limit: int = crash_at, _calls: dict[str, int] = calls) -> None:
            if _calls["n"] == _limit:
                raise _Crash
            _calls["n"] += 1
            real_rename(src, dst)

        monkeypatch.setattr(rundir_module.os, "rename", rename)
        try:
            new.commit()
            finished = True
        except _Crash:
            finished = False
        finally:
            monkeypatch.setattr(rundir_module.os, "rename", real_rename)
            new._unlock()  # a dead process holds no lock
        release = out / "release"
        if release.exists():
            names = {p.name for p in release.iterdir()}
            if (release / "report.json").read_text() == "new":
                assert names == {"copy.csv", "report.json", "ledger.json"}
                assert (out / "audit.jsonl").read_text() == "new"  # moved in before the release
            else:
                assert names == old_release and run_id(out) == old.report["run"]["id"]
        assert finished == (crash_at >= 4 + 3)  # 4 entries of the old run out, 3 of the new run in
        again = fakes.engine().run(GOOD, data=tiny_table(60), out=out, force=True)  # recovers
        assert again.ok and not [p for p in out.iterdir() if p.name.startswith((".staging-", ".replaced-"))]
