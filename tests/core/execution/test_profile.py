"""``safedata profile --dask local``: the CLI writes the same risk figures as the local profile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import safedata_core.execution.session as session_module
from safedata_core.cli import main


def close(a: Any, b: Any) -> bool:
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(close(a[k], b[k]) for k in b)
    if isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-12)
    return bool(a == b)


def test_cli_profile_on_dask_equals_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_module, "LOCAL_PROCESSES", False)  # in-process workers: fast in tests
    rng = np.random.default_rng(0)
    n = 800
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "sex": rng.choice(["F", "M"], n),
            "zip": rng.choice(["1000", "2000", "3000", "4000", "5000"], n),
            "income": rng.choice(["low", "mid", "high"], n),
        }
    )
    df.to_csv(tmp_path / "t.csv", index=False)
    args = ["profile", str(tmp_path / "t.csv"), "--qi", "age,sex,zip", "--sensitive", "income", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "local")]) == 0
    assert main([*args, "--out", str(tmp_path / "dask"), "--dask", "local"]) == 0
    local = json.loads((tmp_path / "local" / "profile.json").read_text())
    dask = json.loads((tmp_path / "dask" / "profile.json").read_text())
    for key in ("k_anonymity", "records_below_k", "sample_uniques", "l_diversity", "t_closeness", "individual_risk"):
        assert close(dask["risk"][key], local["risk"][key]), key
    assert dask["execution"]["engine"] == "dask" and "execution" not in local
    assert (tmp_path / "dask" / "metadata.yaml").exists()


def test_cli_profile_bad_dask_address_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pd.DataFrame({"a": [1, 2], "b": [3, 4]}).to_csv(tmp_path / "t.csv", index=False)
    assert main(["profile", str(tmp_path / "t.csv"), "--dask", "nowhere:1", "--out", str(tmp_path / "o")]) == 2
    assert "not a scheduler address" in capsys.readouterr().err


def test_cli_profile_out_of_memory_locally_points_to_dask(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import safedata_core.inventory as inventory

    def too_big(*args: Any, **kwargs: Any) -> None:
        raise MemoryError

    monkeypatch.setattr(inventory, "build_profile", too_big)
    pd.DataFrame({"a": [1, 2], "b": [3, 4]}).to_csv(tmp_path / "t.csv", index=False)
    assert main(["profile", str(tmp_path / "t.csv"), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not fit in this machine's memory" in err[0] and "--dask local" in err[0]
