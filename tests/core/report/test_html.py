"""report.html renders in headless Chromium without errors and shows the summary on the first screen."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from safedata_core.report import svg
from tests.core.report.helpers import make_engine, pipeline, small_adult

PROBE = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message)));
window.addEventListener('load', () => {
  const s = document.getElementById('summary');
  const r = s.getBoundingClientRect();
  const style = getComputedStyle(s);
  const visible = r.top >= 0 && r.top < window.innerHeight && r.height > 50 && style.display !== 'none'
    && style.visibility !== 'hidden';
  const broken = [...document.querySelectorAll('svg')].filter(e => e.getBoundingClientRect().width === 0).length;
  document.title = 'PROBE visible=' + visible + ' svgs=' + document.querySelectorAll('svg').length
    + ' broken=' + broken + ' errors=' + window.__errors.length;
});
</script>"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium is not installed (apt-get install -y chromium); cannot render report.html")


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    engine = make_engine()
    out = tmp_path_factory.mktemp("html")
    result = engine.run(pipeline(), data=small_adult(engine), out=out)
    assert result.ok, result.error
    return out / "internal" / "report.html"


def test_renders_in_headless_chromium(page: Path, tmp_path: Path) -> None:
    chromium = _chromium()
    flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,900"]
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    dom = _run([chromium, *flags, "--virtual-time-budget=3000", "--dump-dom", probe.as_uri()])
    title = re.search(r"<title>(PROBE[^<]*)</title>", dom.stdout)
    assert title, f"the probe did not run: {dom.stderr[-500:]}"
    fields = dict(kv.split("=") for kv in title.group(1).split()[1:])
    assert fields == {"visible": "true", "svgs": fields["svgs"], "broken": "0", "errors": "0"}
    assert int(fields["svgs"]) > 20
    shot = tmp_path / "summary.png"
    res = _run([chromium, *flags, f"--screenshot={shot}", page.as_uri()])
    assert shot.is_file() and shot.stat().st_size > 10_000, res.stderr[-500:]
    assert "Uncaught" not in res.stderr


def test_svgs_are_well_formed_xml(page: Path) -> None:
    text = page.read_text()
    chunks = re.findall(r"<svg.*?</svg>", text, flags=re.S)
    assert len(chunks) > 20
    for chunk in chunks:
        root = ET.fromstring(chunk)
        assert root.get("role") == "img" and root.find("{http://www.w3.org/2000/svg}title") is not None


def test_svg_helpers_escape_and_scale() -> None:
    bars = svg.grouped_bars("a<b", ["x&y", "z"], [("orig", [0.2, 0.8]), ("rel", [0.5, 0.5])])
    ET.fromstring(bars)
    assert "a&lt;b" in bars and "x&amp;y" in bars
    heights = [float(h) for h in re.findall(r"<rect x='[^']+' y='[^']+' width='[^']+' height='([^']+)' fill='#", bars)]
    assert max(heights) == pytest.approx(190 - 46 - 22)  # the largest share fills the plot height
    ET.fromstring(svg.interval_plot("risk", [("a", 0.3, 0.1, 0.5)], threshold=0.1))
    ET.fromstring(svg.scatter("s", [("a", 1.0, 0.5, 0.1, 0.0), ("b", 3.0, 0.7, 0.0, 0.0)], x_label="x", y_label="y"))
    ET.fromstring(svg.heatmap("h", ["a", "b"], [[0, 0.2], [0.2, 0]]))
