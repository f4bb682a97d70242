"""Check and photograph ``report.html`` in headless Chromium: layout probe at a given width, PNG screenshots.

:func:`probe` loads a page at a window width with a small script that
reports, in the page title, whether the "Can I publish?" answer is on the
first screen, whether anything sticks out to the right of the viewport (the
page's ``scrollWidth`` and every element's right edge), how many table boxes
need their own horizontal scroll bar, how many charts have no size and how many
script errors occurred. :func:`screenshot` saves a PNG of the top of a page.

``python -m safedata_core.report.browser [--out docs/images] [--rows N]``
(``make screenshots``) runs the demo on a sample of Adult and writes
``report-1280.png`` and ``report-760.png`` (the internal report) and
``release-report-1280.png`` (the release package's report) to ``--out``.

Chromium is looked up on ``PATH`` (``chromium``, ``chromium-browser``,
``google-chrome``); on Debian: ``apt-get install -y chromium``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["PROBE", "WIDTHS", "find_chromium", "probe", "screenshot"]

WIDTHS = (1280, 760)
PROBE = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message)));
window.addEventListener('load', () => {
  const W = document.documentElement.clientWidth;
  const top = document.getElementById('publish') || document.getElementById('dp-status');
  const r = top ? top.getBoundingClientRect() : {top: -1, height: 0};
  const visible = !!top && r.top >= 0 && r.top < window.innerHeight && r.height > 40;
  const sticking = [...document.body.querySelectorAll('*')].filter(e => {
    if (e.closest('details:not([open]) > :not(summary)')) return false;
    const b = e.getBoundingClientRect();
    return b.width > 0 && b.right > W + 1 && !e.closest('.tw');
  });
  const scrolling = [...document.querySelectorAll('.tw')].filter(e => e.scrollWidth > e.clientWidth + 1).length;
  const broken = [...document.querySelectorAll('svg')].filter(e => {
    const b = e.getBoundingClientRect();
    return !e.closest('details:not([open])') && (b.width === 0 || b.height === 0);
  }).length;
  const first = sticking.length ? sticking[0].tagName + ':' + (sticking[0].textContent || '').slice(0, 24) : '-';
  document.title = 'PROBE visible=' + visible + ' page_overflow=' + (document.documentElement.scrollWidth > W)
    + ' sticking=' + sticking.length + ' scrolling_tables=' + scrolling
    + ' svgs=' + document.querySelectorAll('svg').length + ' broken=' + broken
    + ' errors=' + window.__errors.length + ' first=' + first.replace(/[\\s=]+/g, '_');
});
</script>"""
_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1")


def find_chromium() -> str | None:
    """Path of a Chromium-family browser on ``PATH``, or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)


def probe(chromium: str, page: Path, width: int, height: int = 900) -> dict[str, Any]:
    """Load ``page`` at ``width`` x ``height`` with :data:`PROBE`; its findings as a dict (values parsed)."""
    with tempfile.TemporaryDirectory() as tmp:
        probed = Path(tmp) / page.name
        probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
        dom = _run(
            [chromium, *_FLAGS, f"--window-size={width},{height}", "--virtual-time-budget=5000", "--dump-dom",
             probed.as_uri()]
        )  # fmt: skip
    title = re.search(r"<title>(PROBE[^<]*)</title>", dom.stdout)
    if not title:
        raise RuntimeError(f"the layout probe did not run in {chromium}: {dom.stderr[-400:]}")
    out: dict[str, Any] = {}
    for item in title.group(1).split()[1:]:
        key, value = item.split("=", 1)
        out[key] = value == "true" if value in ("true", "false") else int(value) if value.isdigit() else value
    return out


def screenshot(chromium: str, page: Path, png: Path, width: int, height: int) -> Path:
    """A PNG of the top ``height`` pixels of ``page`` at ``width`` (palette-compressed when Pillow is installed)."""
    png.parent.mkdir(parents=True, exist_ok=True)
    res = _run([chromium, *_FLAGS, f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri()])
    if not png.is_file():
        raise RuntimeError(f"{chromium} wrote no screenshot: {res.stderr[-400:]}")
    try:
        from PIL import Image
    except ImportError:
        return png
    with Image.open(png) as im:
        small = im.convert("RGB").quantize(colors=128, dither=Image.Dither.NONE)
    small.save(png, optimize=True)
    return png


def _demo_pages(folder: Path, rows: int) -> tuple[Path, Path]:
    """Run the demo on ``rows`` sampled rows; its internal and release ``report.html`` rendered into ``folder``."""
    from safedata_core import Engine
    from safedata_core.commands.demo import run_demo
    from safedata_core.report import release_view, render_html

    result = run_demo(Engine(), folder / "run", force=True, rows=rows)
    if not result.ok:
        raise RuntimeError(f"the demo failed: {result.error}")
    internal, release = folder / "report.html", folder / "release-report.html"
    internal.write_text(render_html(result.report), encoding="utf-8")
    release.write_text(render_html(release_view(result.report)), encoding="utf-8")
    return internal, release


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Screenshots of the demo report at 1280 and 760 px (make screenshots)."
    )
    parser.add_argument("--out", default="docs/images", help="folder for the PNGs (default: docs/images)")
    parser.add_argument("--rows", type=int, default=4000, help="rows of Adult the demo samples (default: 4000)")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        parser.error("no Chromium on PATH (Debian: apt-get install -y chromium)")
    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        internal, release = _demo_pages(Path(tmp), args.rows)
        for width in WIDTHS:
            found = probe(chromium, internal, width)
            if found["page_overflow"] or found["sticking"] or found["scrolling_tables"]:
                raise SystemExit(f"report.html does not fit {width} px: {found}")
            print(screenshot(chromium, internal, out / f"report-{width}.png", width, 1800))
        print(screenshot(chromium, release, out / "release-report-1280.png", 1280, 1100))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
