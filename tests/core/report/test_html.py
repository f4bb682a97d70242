"""report.html: publish answer first, DP status per release, one threshold source, labelled charts, one colour scale."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from safedata_core.report import release_view, render_html
from safedata_core.report.verdict import DEFAULT_THRESHOLDS, threshold_value
from tests.core.report.helpers import make_engine, pipeline, small_adult


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    engine = make_engine()
    result = engine.run(pipeline(), data=small_adult(engine))
    assert result.ok, result.error
    return result.report


@pytest.fixture(scope="module")
def page(report: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path


def _section(page: str, start: str, end: str) -> str:
    return page[page.index(f"id='{start}'") : page.index(f"id='{end}'")]


def test_publish_answer_comes_first_with_dp_status_and_epsilon(report: dict[str, Any], page: Path) -> None:
    text = page.read_text()
    main = text[text.index("<main>") :]
    assert main.index("id='publish'") < main.index("id='summary'") < main.index("id='data'")
    top = _section(text, "publish", "summary")
    decisions = {d["release"]: d for d in report["summary"]["publish"]}
    assert set(decisions) == {"sdc", "synthetic"}
    assert decisions["sdc"]["decision"] == "no" and decisions["sdc"]["text"].startswith(
        "Publish `sdc`: no, because an attack on it succeeds more often than allowed: exact_linkage attack"
    )
    assert decisions["synthetic"]["decision"] in ("yes", "review")
    for d in decisions.values():
        assert d["text"].replace("`", "").split(":")[0] in re.sub("<[^>]+>", "", top)
        assert f"DP status of <code>{d['release']}</code>: <b>{d['label']}</b>" in top
    assert decisions["sdc"]["label"] == "not DP: statistical disclosure control"
    assert decisions["synthetic"]["label"].startswith("differentially private")
    # epsilon and delta explained in plain words, with the run's spend and the threat model's address
    assert "What ε and δ mean." in top and "×2.72" in top and "δ (delta) is the small probability" in top
    assert "href='docs/concepts/privacy.md#threat-model-one-page-for-data-stewards'" in top
    assert (Path(__file__).resolve().parents[3] / "docs" / "concepts" / "privacy.md").read_text().count(
        "## Threat model (one page for data stewards)"
    ) == 1


def test_sdc_release_is_never_under_a_dp_claim(report: dict[str, Any], page: Path) -> None:
    assert report["privacy"]["dp_status"] == "claimed"
    text = page.read_text()
    assert "DP guarantee claimed" not in text
    summary = _section(text, "summary", "data")
    card = summary[summary.index("Differential privacy, per release") :]
    assert "<code>sdc</code>: not DP: statistical disclosure control" in card
    assert "<code>synthetic</code>: differentially private" in card
    release_page = render_html(release_view(report))
    status = release_page[release_page.index("id='dp-status'") : release_page.index("id='ledger'")]
    assert "<code>sdc</code> (race_suppression): <b>not DP: statistical disclosure control</b>" in status
    assert "What ε and δ mean." in status


def test_every_threshold_quoted_comes_from_the_report() -> None:
    """One source: every 'max_risk X', 'min_utility X', ... on the page is the value in report.thresholds."""
    engine = make_engine()
    custom = {"max_risk": 0.25, "min_utility": 0.65, "utility_margin": 0.05, "min_k": 3}
    report = engine.run(pipeline(thresholds=custom), data=small_adult(engine)).report
    th = report["thresholds"]
    text = re.sub("<[^>]+>", " ", render_html(report))
    # "min_utility - utility_margin 0.60" quotes the derived floor, checked below
    quoted = re.findall(r"(?<!- )\b(" + "|".join(DEFAULT_THRESHOLDS) + r")\s+(\d+(?:\.\d+)?%?)", text)
    assert len(quoted) > 10
    for name, value in quoted:
        assert value == threshold_value(name, th), (name, value)
    assert {n for n, _ in quoted} >= {"max_risk", "min_utility"}
    # the utility floor is derived from the same two values, and said next to them
    assert "warns below min_utility 0.65, fails below min_utility - utility_margin 0.60" in text
    assert not re.search(r"threshold \d", text)  # no bare "threshold 0.8" that could contradict a reason


def test_charts_have_axis_labels_legends_and_one_colour_scale(page: Path) -> None:
    text = page.read_text()
    releases = _section(text, "releases", "sdc")
    bars = [c for c in re.findall(r"<svg.*?</svg>", releases, flags=re.S) if "share of records" in c]
    assert len(bars) >= 20  # every marginal chart has its y-axis label
    heatmaps = [c for c in re.findall(r"<svg.*?</svg>", releases, flags=re.S) if "Association difference" in c]
    assert len(heatmaps) == 2
    tops = {re.findall(r"class='tick'>([\d.]+)</text>", h)[-1] for h in heatmaps}
    assert len(tops) == 1  # the same top of the colour scale for both releases
    assert all("one scale for all releases" in h for h in heatmaps)
    attacks = _section(text, "attacks", "utility")
    chart = re.search(r"<svg.*?</svg>", attacks, flags=re.S)
    assert chart and "risk = (success − control) / (1 − control)" in chart.group(0)
    for entry in ("95% interval", "risk above limit", "below control (&lt; 0)", "max_risk 0.10"):
        assert entry in chart.group(0)


def test_negative_risks_are_explained(report: dict[str, Any]) -> None:
    neg = copy.deepcopy(report)
    neg["attacks"]["results"][0]["risk"] = -0.12
    neg["attacks"]["results"][0]["risk_ci"] = [-0.3, 0.05]
    text = render_html(neg)
    note = text[text.index("id='negative-risk'") :]
    assert "worse" in note[:400] and "control baseline" in note[:400]
    chart = re.search(r"<svg.*?</svg>", text[text.index("id='attacks'") :], flags=re.S)
    assert chart and "<text x" in chart.group(0) and ">-0.5<" in chart.group(0)  # the axis reaches the interval
    calm = copy.deepcopy(report)
    for a in calm["attacks"]["results"]:
        a["risk"], a["risk_ci"] = 0.05, [0.01, 0.08]
    assert "id='negative-risk'" not in render_html(calm)


def test_svgs_are_well_formed_xml(page: Path) -> None:
    text = page.read_text()
    chunks = re.findall(r"<svg.*?</svg>", text, flags=re.S)
    assert len(chunks) > 20
    for chunk in chunks:
        root = ET.fromstring(chunk)
        assert root.get("role") == "img" and root.find("{http://www.w3.org/2000/svg}title") is not None
