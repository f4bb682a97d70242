"""Profile outputs: never an infinite domain, "1,000" amounts are numbers (not identifiers), and an
unwritable --out is a one-line error (probes of issue 15)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from safedata_core.cli import main
from safedata_core.data import Table
from safedata_core.inventory import build_profile


def _csv(tmp_path: Path, values: list[str]) -> Path:
    rng = np.random.default_rng(0)
    n = len(values)
    df = pd.DataFrame({"amount": values, "x": rng.integers(0, 4, n), "y": rng.choice(list("abc"), n)})
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    return path


def test_with_domains_never_writes_infinite_bounds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    values = [str(v) for v in np.linspace(0, 10, 40)]
    values[3], values[7] = "inf", "-inf"
    out = tmp_path / "out"
    assert main(["profile", str(_csv(tmp_path, values)), "--out", str(out), "--with-domains", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "column 'amount' holds 2 infinite value(s)" in err and err.count("\n") == 1
    assert not (out / "metadata.yaml").exists()


def test_thousands_amounts_are_numbers_not_identifiers(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    values = [f"{v:,}" for v in rng.integers(1000, 100_000, 60)]
    out = tmp_path / "out"
    assert main(["profile", str(_csv(tmp_path, values)), "--out", str(out), "--with-domains", "--no-progress"]) == 0
    table = Table.from_dataframe(pd.read_csv(tmp_path / "d.csv"))
    profile, _ = build_profile(table)
    col = profile["columns"]["amount"]
    assert col["type"] == "integer" and col["role"] != "direct_identifier"
    assert "amount" not in profile["direct_identifiers"]
    meta = (out / "metadata.yaml").read_text()
    assert "type: integer" in meta.split("amount:")[1].split("\n  x:")[0]


def test_unwritable_out_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    assert main(["profile", "builtin:adult_test", "--out", str(tmp_path / "file" / "sub"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write the profile") and err.count("\n") == 1


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_out_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    assert main(["profile", "builtin:adult_test", "--out", str(ro), "--no-progress"]) == 2
    assert "Permission denied" in capsys.readouterr().err
