"""``safedata metadata confirm``: shows what becomes public, rewrites the file, one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from safedata_core import Metadata
from safedata_core.cli import main
from safedata_core.data.review import needs_review


@pytest.fixture
def drafted(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 120
    df = pd.DataFrame(
        {"age": rng.integers(20, 80, n), "ward": rng.choice(["cardio", "ortho"], n), "stay": rng.integers(1, 30, n)}
    )
    df.to_csv(tmp_path / "h.csv", index=False)
    assert main(["profile", str(tmp_path / "h.csv"), "--out", str(tmp_path / "prof"), "--no-progress"]) == 0
    return tmp_path / "prof" / "metadata.yaml"


def test_profile_marks_data_derived_domains_for_review(drafted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = drafted.read_text()
    assert text.count("# review: derived from the data, not public until you confirm") == 3
    assert needs_review(Metadata.load(drafted)) == ["age", "ward", "stay"]


def test_confirm_a_subset_then_the_rest(drafted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["metadata", "confirm", str(drafted), "--columns", "ward"]) == 0
    out = capsys.readouterr().out
    assert "confirmed as public (1 column):\n  ward: categorical, 2 categories: cardio, ortho\n" in out
    assert "still under review: age, stay" in out
    assert needs_review(Metadata.load(drafted)) == ["age", "stay"]
    assert main(["metadata", "confirm", str(drafted)]) == 0
    out = capsys.readouterr().out
    assert "confirmed as public (2 columns)" in out and "age: integer, bounds [" in out
    assert needs_review(Metadata.load(drafted)) == [] and "# review: derived" not in drafted.read_text()
    assert main(["metadata", "confirm", str(drafted)]) == 0
    assert "nothing to confirm" in capsys.readouterr().out


def test_out_leaves_the_draft_untouched(drafted: Path, tmp_path: Path) -> None:
    before = drafted.read_text()
    assert main(["metadata", "confirm", str(drafted), "--out", str(tmp_path / "public.yaml")]) == 0
    assert drafted.read_text() == before and needs_review(Metadata.load(tmp_path / "public.yaml")) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--columns", "age,wardd"], "no column 'wardd' to confirm (columns are: age, ward, stay)"),
        (["--columns", ","], "--columns is empty"),
    ],
)
def test_mistakes_are_one_line_errors(
    drafted: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    before = drafted.read_text()
    capsys.readouterr()
    assert main(["metadata", "confirm", str(drafted), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert drafted.read_text() == before


def test_a_missing_file_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metadata", "confirm", str(tmp_path / "nope.yaml")]) == 2
    err = capsys.readouterr().err
    assert "not found" in err and err.count("\n") == 1


def test_validate_warns_about_drafted_columns_of_a_dp_pipeline(
    drafted: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from safedata_core import Engine
    from safedata_core.commands import validate as validate_command

    monkeypatch.setattr(
        validate_command, "make_engine", lambda _a: Engine(autoload=False, plugins=["safedata_example"])
    )
    pipeline = drafted.parent.parent / "p.yaml"
    pipeline.write_text(
        "name: p\ndata: {source: h.csv, metadata: prof/metadata.yaml}\nprivacy: {epsilon: 1.0}\n"
        "steps:\n  - {id: synth, use: example, privacy: {epsilon: 1.0}}\n"
    )
    capsys.readouterr()
    assert main(["validate", str(pipeline)]) == 0
    out = capsys.readouterr().out
    assert "warning: data.metadata: 3 column(s) still marked for review (inferred: true): age, ward, stay" in out
    assert "safedata metadata confirm prof/metadata.yaml" in out
    assert main(["metadata", "confirm", str(drafted)]) == 0 and main(["validate", str(pipeline)]) == 0
    assert "marked for review" not in capsys.readouterr().out
