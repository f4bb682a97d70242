"""Hierarchies: ARX CSV files, interval rules, the flat default, and their errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from safedata_core.errors import DataError
from safedata_core.sdc.hierarchy import flat_hierarchy, interval_hierarchy, load_arx_hierarchy, value_keys


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "h.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_arx_file_levels(tmp_path: Path) -> None:
    p = write(tmp_path, "1;0-4;*\n2;0-4;*\n7;5-9;*\n")
    h = load_arx_hierarchy("age", p)
    assert h.height == 2
    s = pd.Series([1.0, 7.0, np.nan])
    assert h.generalise(s, 0) is s
    assert h.generalise(s, 1).tolist()[:2] == ["0-4", "5-9"]
    assert pd.isna(h.generalise(s, 1).iloc[2])
    assert h.generalise(s, 2).tolist()[:2] == ["*", "*"]


def test_relative_path_resolves_against_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "a;*\nb;*\n")
    monkeypatch.chdir(tmp_path)
    assert load_arx_hierarchy("x", "h.csv").height == 1


def test_unknown_value_and_bad_files(tmp_path: Path) -> None:
    h = load_arx_hierarchy("x", write(tmp_path, "a;b;*\n"))
    with pytest.raises(DataError, match="value 'zz' of column 'x' is not in its hierarchy"):
        h.generalise(pd.Series(["a", "zz"]), 1)
    with pytest.raises(DataError, match="not found"):
        load_arx_hierarchy("x", tmp_path / "nope.csv")
    with pytest.raises(DataError, match="same number"):
        load_arx_hierarchy("x", write(tmp_path, "a;b;*\nc;*\n"))
    with pytest.raises(DataError, match="outside 0..2"):
        h.generalise(pd.Series(["a"]), 3)


def test_intervals_nest() -> None:
    h = interval_hierarchy("age", [5, 10])
    s = pd.Series([37.0, 40.0, np.nan])
    assert h.height == 3
    assert h.generalise(s, 1).tolist()[:2] == ["[35, 40)", "[40, 45)"]
    assert h.generalise(s, 2).tolist()[:2] == ["[30, 40)", "[40, 50)"]
    assert pd.isna(h.generalise(s, 2).iloc[2])
    assert h.generalise(s, 3).tolist() == ["*", "*", "*"]  # the top takes missing values too
    with pytest.raises(DataError, match="not a multiple"):
        interval_hierarchy("age", [5, 7])


def test_flat_and_value_keys() -> None:
    assert flat_hierarchy("c").generalise(pd.Series(["a", None]), 1).tolist() == ["*", "*"]
    assert value_keys(pd.Series([39.0, 1.5, np.nan])).tolist()[:2] == ["39", "1.5"]
