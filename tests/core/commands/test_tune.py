"""``safedata tune``: a tiny nonprivate run end to end, and a one-line error for a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from safedata_core import Engine
from safedata_core.cli import main
from tests.core.tune.conftest import COLUMNS

pytest.importorskip("skopt")


def test_tune_command_writes_a_pipeline_that_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFEDATA_TUNE_INDEX", str(tmp_path / "index.jsonl"))
    table = Engine(autoload=False).read_table("builtin:adult").select(COLUMNS)
    table.df.sample(300, random_state=0).to_csv(tmp_path / "d.csv", index=False)
    table.metadata.dump(tmp_path / "d.meta.yaml")
    doc = {
        "mode": "public",
        "data": {
            "source": str(tmp_path / "d.csv"),
            "metadata": str(tmp_path / "d.meta.yaml"),
            "proxy": str(tmp_path / "d.csv"),
        },
        "privacy": {"epsilon": 1.0, "delta": 1e-6},
        "trials": {"calls": 2, "initial": 2},
        "search": [{"use": "noisy_histogram", "params": {"bins": {"low": 2, "high": 6}}}],
        "plugins": ["tests.core.tune.fakes"],
    }
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(doc))
    assert main(["tune", str(tmp_path / "t.yaml"), "--out", str(tmp_path / "out")]) == 0
    best = tmp_path / "out" / "best.yaml"
    assert "only the final run" in best.read_text()
    resolved = Engine(autoload=False, plugins=["tests.core.tune.fakes"]).validate(str(best))
    assert [s.use for s in resolved.pipeline.steps] == ["noisy_histogram"]
    assert (tmp_path / "out" / "trials.csv").read_text().count("\n") == 3


def test_tune_command_reports_an_invalid_file_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.yaml").write_text(
        "mode: nonprivate\nprivacy: {epsilon: 1}\ndata: {source: x}\nsearch: [{use: mst}]\n"
    )
    assert main(["tune", str(tmp_path / "t.yaml"), "--out", str(tmp_path / "out")]) == 2
    assert "only with DP off" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
