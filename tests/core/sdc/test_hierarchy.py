"""Hierarchies: ARX CSV files, interval rules, the flat default, and their errors."""

from __future__ import annotations

import math
import os
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


def _msg(text: str) -> str:
    import re

    return "^" + re.escape(text) + "$"


def test_messages_name_the_column_the_source_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=_msg(
        "generalize: level 2 of column 'c' is outside 0..1 (the hierarchy from the flat default has 2 levels)"
    )):  # fmt: skip
        flat_hierarchy("c").generalise(pd.Series(["a"]), 2)
    with pytest.raises(DataError, match=_msg("generalize: level -1 of column 'age' is outside 0..3 "
                                             "(the hierarchy from intervals [5.0, 10.0] has 4 levels)")):  # fmt: skip
        interval_hierarchy("age", [5, 10]).generalise(pd.Series([1.0]), -1)
    for widths in ([], [0, 5], [5, -10]):
        text = "generalize.intervals.age: give positive bin widths such as [5, 10, 20]"
        with pytest.raises(DataError, match=_msg(text)):
            interval_hierarchy("age", widths)
    text = (
        "generalize.intervals.age: width 5 is not a multiple of 5 (intervals must nest: give increasing widths "
        "that divide each other, e.g. [5, 10, 20])"
    )
    with pytest.raises(DataError, match=_msg(text)):
        interval_hierarchy("age", [5, 5])
    assert interval_hierarchy("age", [0.5, 1.5]).height == 3  # 1.5 / 0.5 = 3: nests
    missing = tmp_path / "nope.csv"
    text = (
        f"generalize.hierarchies.x: file '{missing}' not found "
        "(give an absolute path or one relative to the current directory)"
    )
    with pytest.raises(DataError, match=_msg(text)):
        load_arx_hierarchy("x", missing)
    p = write(tmp_path, "a;*\nb;c;*\n")
    text = (
        f"generalize.hierarchies.x: {p} must have the same number (>= 2) of ';'-separated fields on every line "
        "(ARX format value;level1;level2;...)"
    )
    with pytest.raises(DataError, match=_msg(text)):
        load_arx_hierarchy("x", p)
    p = write(tmp_path, "a\nb\n")
    with pytest.raises(DataError, match="same number"):
        load_arx_hierarchy("x", p)
    p = write(tmp_path, "a;*\na;*\n")
    with pytest.raises(
        DataError, match=_msg(f"generalize.hierarchies.x: {p} lists a value twice (keep one row per value)")
    ):
        load_arx_hierarchy("x", p)
    h = load_arx_hierarchy("x", write(tmp_path, "a;b;*\n"))
    text = (
        f"generalize: value 'zz' of column 'x' is not in its hierarchy {tmp_path / 'h.csv'} "
        "(add a row for it to the hierarchy file)"
    )
    with pytest.raises(DataError, match=_msg(text)):
        h.generalise(pd.Series(["a", "zz"]), 1)


def test_arx_file_details(tmp_path: Path) -> None:
    # CRLF line ends, blank lines, a top value other than '*', an absolute path kept as given
    p = write(tmp_path, "1;low;ANY\r\n\r\n2;low;ANY\r\n9;high;ANY\r\n")
    h = load_arx_hierarchy("n", p)
    assert (h.column, h.height, h.source) == ("n", 2, str(p))
    assert h.table == {"1": ("low", "ANY"), "2": ("low", "ANY"), "9": ("high", "ANY")}
    s = pd.Series([9, 1, 2], index=[10, 20, 30])
    out = h.generalise(s, 1)
    assert out.tolist() == ["high", "low", "low"] and list(out.index) == [10, 20, 30]
    top = h.generalise(s, 2)
    assert top.tolist() == ["ANY"] * 3 and list(top.index) == [10, 20, 30] and top.dtype == object
    mixed = load_arx_hierarchy("m", write(tmp_path, "a;X\nb;Y\n"))
    assert mixed.generalise(pd.Series(["a"]), 1).tolist() == ["*"]  # two different tops: the top is '*'


def test_intervals_with_fractional_widths_and_custom_index() -> None:
    h = interval_hierarchy("x", [0.5, 1.0])
    s = pd.Series([37.2, 37.7, np.nan, 36.0], index=[5, 6, 7, 8])
    lv1 = h.generalise(s, 1)
    assert lv1.tolist()[:2] == ["[37, 37.5)", "[37.5, 38)"] and pd.isna(lv1.iloc[2]) and lv1.iloc[3] == "[36, 36.5)"
    assert list(lv1.index) == [5, 6, 7, 8] and lv1.dtype == object
    assert h.generalise(pd.Series(["37.2", "x"]), 2).tolist()[0] == "[37, 38)"  # numeric text is read as a number
    assert pd.isna(h.generalise(pd.Series(["37.2", "x"]), 2).iloc[1])


def test_value_keys_details() -> None:
    s = pd.Series([39.0, 1.5, np.nan, -2.0], index=[3, 4, 5, 6])
    keys = value_keys(s)
    assert keys.tolist()[:2] == ["39", "1.5"] and pd.isna(keys.iloc[2]) and keys.iloc[3] == "-2"
    assert list(keys.index) == [3, 4, 5, 6] and keys.dtype == object
    text = value_keys(pd.Series(["a", None, "b"], index=[7, 8, 9]))
    assert text.tolist()[0] == "a" and pd.isna(text.iloc[1]) and list(text.index) == [7, 8, 9]
    assert value_keys(pd.Series([True, False])).tolist() == ["True", "False"]  # booleans are text, not 1/0


def test_a_relative_path_is_resolved_and_reported_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the report and the error texts name the file a steward can open from anywhere, not the bare relative name
    write(tmp_path, "a;*\nb;*\n")
    (tmp_path / "bad.csv").write_text("a;*\nb;c;*\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    here = Path(os.getcwd())
    assert load_arx_hierarchy("x", "h.csv").source == str(here / "h.csv")
    with pytest.raises(DataError, match=_msg(f"generalize.hierarchies.x: {here / 'bad.csv'} must have the same")[:-1]):
        load_arx_hierarchy("x", "bad.csv")


def test_missing_values_are_nan_at_every_level_below_the_top(tmp_path: Path) -> None:
    # the same missing marker (float NaN, not None) whichever way the level is built: keys, ARX rows, intervals
    def is_nan(x: object) -> bool:
        return isinstance(x, float) and math.isnan(x)

    assert is_nan(value_keys(pd.Series(["a", None, "b"])).iloc[1])
    assert is_nan(value_keys(pd.Series([1.0, np.nan])).iloc[1])
    arx = load_arx_hierarchy("x", write(tmp_path, "a;A;*\nb;B;*\n")).generalise(pd.Series(["a", None]), 1)
    assert arx.iloc[0] == "A" and is_nan(arx.iloc[1])
    lv = interval_hierarchy("x", [5, 10]).generalise(pd.Series([37.0, np.nan, None], dtype=object), 1)
    assert lv.iloc[0] == "[35, 40)" and is_nan(lv.iloc[1]) and is_nan(lv.iloc[2])


def test_float32_columns_are_binned_like_float64_ones() -> None:
    # 4.5 = 15 x 0.3 and 9 = 30 x 0.3 start their bins, whatever the column's float width
    h = interval_hierarchy("x", [0.3])
    for dtype in (np.float64, np.float32):
        out = h.generalise(pd.Series([4.5, 9.0, 4.4], dtype=dtype), 1)
        assert out.tolist() == ["[4.5, 4.8)", "[9, 9.3)", "[4.2, 4.5)"], dtype


def test_a_value_on_a_decimal_bin_edge_starts_its_bin() -> None:
    # 0.7 / 0.1 is 6.999999999999999 in binary floats: the value 0.7 belongs to [0.7, 0.8), never to [0.6, 0.7)
    h = interval_hierarchy("x", [0.1, 0.2])
    s = pd.Series([0.7, 0.3, 0.6, 1.0, 0.35, -0.7, 0.6999])
    assert h.generalise(s, 1).tolist() == [
        "[0.7, 0.8)", "[0.3, 0.4)", "[0.6, 0.7)", "[1, 1.1)", "[0.3, 0.4)", "[-0.7, -0.6)", "[0.6, 0.7)"
    ]  # fmt: skip
    assert h.generalise(s, 2).tolist() == [
        "[0.6, 0.8)", "[0.2, 0.4)", "[0.6, 0.8)", "[1, 1.2)", "[0.2, 0.4)", "[-0.8, -0.6)", "[0.6, 0.8)"
    ]  # fmt: skip
    big = interval_hierarchy("x", [0.1]).generalise(pd.Series([123456.7, 123456.69]), 1)
    assert big.tolist() == ["[123456.7, 123456.8)", "[123456.6, 123456.7)"]  # distinct bins, distinct labels
