"""The SVG charts (safedata_core/report/svg.py): escaped, proportional, one colour scale, round ticks."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from safedata_core.report import svg


def test_svg_helpers_escape_scale_and_keep_long_names() -> None:
    long_name = "Married-civ-spouse-absent"  # 25 characters: written out in full
    bars = svg.grouped_bars("a<b", ["x&y", long_name], [("orig", [0.2, 0.8]), ("rel", [0.5, 0.5])])
    ET.fromstring(bars)
    assert "a&lt;b" in bars and "x&amp;y" in bars
    assert f"</title>{long_name}</text>" in bars and "share of records" in bars
    heights = [float(h) for h in re.findall(r"<rect x='[^']+' y='[^']+' width='[^']+' height='([^']+)' fill='#", bars)]
    assert max(heights) / min(heights) == pytest.approx(0.8 / 0.2, rel=0.02)  # bars are proportional
    very_long = "x" * 60
    cut = svg.grouped_bars("t", [very_long], [("s", [1.0])])
    assert f"<title>{very_long}</title>" in cut and "…" in cut  # shortened on the axis, full in the tooltip
    ET.fromstring(svg.interval_plot("risk", [("a", 0.3, 0.1, 0.5)], threshold=0.1))
    ET.fromstring(svg.scatter("s", [("a", 1.0, 0.5, 0.1, 0.0), ("b", 3.0, 0.7, 0.0, 0.0)], x_label="x", y_label="y"))
    h1 = svg.heatmap("h", ["a", "b"], [[0, 0.2], [0.2, 0]], vmax=0.5, legend="|ΔV|, one scale")
    h2 = svg.heatmap("h2", ["a", "b"], [[0, 0.4], [0.4, 0]], vmax=0.5, legend="|ΔV|, one scale")
    ET.fromstring(h1)
    fill_02 = re.search(r"fill='(rgb\([^)]+\))'><title>a × b", h1)
    assert fill_02 and fill_02.group(1) == svg._seq_colour(0.2, 0.5)
    ticks = [re.findall(r"class='tick'>([\d.]+)<", h) for h in (h1, h2)]
    assert ticks[0] == ticks[1] == ["0.00", "0.25", "0.50"]


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0.0, 1.0, (0.0, 1.0, [0.0, 0.25, 0.5, 0.75, 1.0])),
        (0.13, 0.87, (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])),
        (3.0, 3.0, (3.0, 3.0, [3.0])),  # no span: one tick
        (-7.0, 41.0, (-20.0, 60.0, [-20.0, 0.0, 20.0, 40.0, 60.0])),
    ],
)
def test_nice_ticks_widen_to_a_round_step(lo: float, hi: float, expected: tuple[float, float, list[float]]) -> None:
    start, stop, ticks = svg.nice_ticks(lo, hi)
    assert (start, stop, ticks) == expected
    assert start <= lo and stop >= hi
