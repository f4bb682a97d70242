"""report.html in headless Chromium at 1280 and 760 px: the answer on the first screen, nothing wider than the screen.

Skipped when no Chromium is installed (Debian: ``apt-get install -y chromium``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from safedata_core.report import release_view, render_html
from safedata_core.report.browser import WIDTHS, find_chromium, probe, screenshot
from tests.core.report.helpers import make_engine, pipeline, small_adult


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("headless Chromium is not installed (apt-get install -y chromium); cannot render report.html")
    return path


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    engine = make_engine()
    result = engine.run(pipeline(), data=small_adult(engine))
    assert result.ok, result.error
    folder = tmp_path_factory.mktemp("pages")
    out = {"internal": folder / "report.html", "release": folder / "release-report.html"}
    out["internal"].write_text(render_html(result.report), encoding="utf-8")
    out["release"].write_text(render_html(release_view(result.report)), encoding="utf-8")
    return out


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", ["internal", "release"])
def test_page_fits_the_screen_and_answers_first(chromium: str, pages: dict[str, Path], kind: str, width: int) -> None:
    found = probe(chromium, pages[kind], width)
    assert found["visible"] is True, found  # "Can I publish?" (release: the DP status) on the first screen
    assert found["page_overflow"] is False and found["sticking"] == 0, found
    assert found["scrolling_tables"] == 0, found  # tables wrap instead of scrolling sideways
    assert found["broken"] == 0 and found["errors"] == 0, found
    if kind == "internal":
        assert found["svgs"] > 20


def test_probe_sees_an_overflowing_table(chromium: str, tmp_path: Path) -> None:
    """The probe can fail: a fixed 1200 px wide table on a 760 px screen is reported."""
    page = tmp_path / "wide.html"
    page.write_text(
        "<!doctype html><html><head><meta name='viewport' content='width=device-width'></head><body>"
        "<section id='publish' style='height:60px'>answer</section>"
        "<table style='width:1200px'><tr><td>wide</td></tr></table></body></html>"
    )
    found = probe(chromium, page, 760)
    assert found["page_overflow"] is True and found["sticking"] >= 1


def test_screenshots_at_both_widths(chromium: str, pages: dict[str, Path], tmp_path: Path) -> None:
    for width in WIDTHS:
        png = screenshot(chromium, pages["internal"], tmp_path / f"report-{width}.png", width, 1200)
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(data[16:20], "big") == width and int.from_bytes(data[20:24], "big") == 1200
        assert 10_000 < len(data) < 600_000
