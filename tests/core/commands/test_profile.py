"""``safedata profile``: outputs on builtin:adult and one-line errors (exit 2) for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from safedata_core.cli import main


def test_profile_writes_three_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "prof"
    assert main(["profile", "builtin:adult", "--out", str(out), "--no-progress"]) == 0
    stdout = capsys.readouterr().out
    assert "direct identifiers: none found" in stdout and "k-anonymity: 1" in stdout
    profile = json.loads((out / "profile.json").read_text())
    assert profile["rows"] == 32561 and profile["risk"]["records_below_k"].keys() == {"2", "3", "5", "10"}
    assert {"type", "role", "findings"} <= set(profile["columns"]["age"])
    meta = yaml.safe_load((out / "metadata.yaml").read_text())
    assert meta["columns"]["age"]["role"] == "quasi_identifier"
    assert "<svg" in (out / "profile.html").read_text()


def test_profile_qi_override(tmp_path: Path) -> None:
    assert main(["profile", "builtin:adult", "--qi", "age,sex", "--out", str(tmp_path), "--no-progress"]) == 0
    assert json.loads((tmp_path / "profile.json").read_text())["quasi_identifiers"] == ["age", "sex"]


def _bad_inputs(tmp_path: Path) -> dict[str, list[str]]:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    single = tmp_path / "single.csv"
    single.write_text("a\n1\n2\n3\n")
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("name,age\nZoë,3\nJosé,4\n".encode("utf-16"))
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b\n")
    out = str(tmp_path / "o")
    return {
        "empty": ["profile", str(empty), "--out", out],
        "single column": ["profile", str(single), "--out", out],
        "encoding": ["profile", str(utf16), "--out", out],
        "no rows": ["profile", str(header_only), "--out", out],
        "unknown qi": ["profile", "builtin:adult", "--qi", "age,zipcode", "--out", out],
        "missing file": ["profile", str(tmp_path / "nope.csv"), "--out", out],
        "empty qi": ["profile", "builtin:adult", "--qi", ",", "--out", out],
    }


@pytest.mark.parametrize(
    "case", ["empty", "single column", "encoding", "no rows", "unknown qi", "missing file", "empty qi"]
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    assert main(_bad_inputs(tmp_path)[case]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    if case == "unknown qi":
        assert "zipcode" in err


def test_profile_flags_person_names_with_confidence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np
    import pandas as pd

    from safedata_core.inventory.lexicon import lexicon

    rng = np.random.default_rng(8)
    first = [g.title() for g in rng.choice(lexicon("given")[400:], 200)]
    last = [s.title() for s in rng.choice(lexicon("surname")[400:], 200)]
    data = tmp_path / "people.csv"
    pd.DataFrame(
        {
            "name": [f"{f} {s}" for f, s in zip(first, last, strict=True)],
            "first": first,
            "last": last,
            "age": rng.integers(18, 90, 200),
        }
    ).to_csv(data, index=False)
    assert main(["profile", str(data), "--out", str(tmp_path / "prof"), "--no-progress"]) == 0
    stdout = capsys.readouterr().out
    line = next(x for x in stdout.splitlines() if x.startswith("direct identifiers:"))
    for column in ("name", "first", "last"):
        assert f"{column} (person_name, confidence 0.9" in line
    assert not any(v in stdout for v in first + last)
