"""The web UI end to end in headless Chromium (Playwright) against a live ``safedata serve`` on 127.0.0.1.

A steward signs in, uploads a CSV, confirms the public metadata, starts an MST
release at epsilon 1, waits for it, reads the verdict and downloads the CSV; an
admin opens the keys and audit pages; an analyst is refused the raw dataset page.
Every page is photographed at 1280 and 760 px (into a temporary folder, or into the folder
``SAFEDATA_UI_SCREENSHOTS`` names: ``make ui-screenshots`` refreshes docs/images/ui/, linked from
docs/ui.md, so a test run leaves the working tree clean), fits 760 px without sideways
scrolling, logs no console error and sends no request to any host but the server. Skips, saying why, only when no
browser (or no Playwright) is available.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))

from conftest import csv_bytes
from test_live_workflow import live  # noqa: F401  (the live server fixture, reused)

SHOTS = Path(os.environ.get("SAFEDATA_UI_SCREENSHOTS") or Path(tempfile.gettempdir()) / "safedata-ui-screenshots")
WIDTHS = (1280, 760)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


UNLABELLED = """[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.textContent || '').trim())
  .map(e => e.id || e.name || e.outerHTML.slice(0, 60))"""


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


class Watch:
    """Console errors, page errors and requests to other hosts, per page, and the screenshots taken."""

    def __init__(self, page: Any, origin: str) -> None:
        self.page, self.origin = page, origin
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.shots: list[Path] = []
        page.on("console", lambda m: self.errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        page.on("request", self._request)

    def _request(self, request: Any) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if f"{url.scheme}://{url.netloc}" != self.origin:
            self.foreign.append(request.url)

    def shoot(self, name: str) -> None:
        """Screenshots at both widths; at 760 px nothing may stick out sideways; every control has a label."""
        self.page.wait_for_load_state("load")
        unlabelled = self.page.evaluate(UNLABELLED)
        assert not unlabelled, f"{name}: controls without a label: {unlabelled}"
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            overflow = self.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{name} does not fit {width} px (sticks out by {overflow} px)"
            path = SHOTS / f"{name}-{width}.png"
            self.page.screenshot(path=str(path))
            self.shots.append(path)
        self.page.set_viewport_size({"width": 1280, "height": 900})


def _sign_in(page: Any, base: str, key: str) -> None:
    page.goto(f"{base}/ui/")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/ui/datasets")


def _sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/ui/login")


@pytest.fixture(scope="module")
def browser() -> Any:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no Chromium found (/usr/bin/chromium or chromium on PATH; Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
    with tempfile.TemporaryDirectory() as profile, sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        yield context
        context.close()


def test_steward_releases_in_the_browser_and_analyst_is_refused(
    live: tuple[httpx.Client, str],  # noqa: F811
    browser: Any,
    tmp_path: Path,
) -> None:
    pytest.importorskip("safedata_marginal", reason="the release uses mst (contrib/safedata-marginal)")
    client, admin = live
    base = str(client.base_url).rstrip("/")
    h = {"Authorization": f"Bearer {admin}"}
    steward = client.post("/keys", headers=h, json={"name": "Sam Steward", "role": "steward"}).json()["key"]
    analyst = client.post("/keys", headers=h, json={"name": "Ann Analyst", "role": "analyst"}).json()["key"]
    csv = tmp_path / "patients.csv"
    csv.write_bytes(csv_bytes(300))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    watch = Watch(page, base)

    # sign in as steward
    page.goto(f"{base}/ui/")
    assert page.url == f"{base}/ui/login"
    watch.shoot("login")
    _sign_in(page, base, steward)

    # upload (the form posts with a progress bar), then the profile
    page.get_by_label("CSV or Parquet file").set_input_files(str(csv))
    page.get_by_label("Name (optional)").fill("patients")
    page.get_by_label("Lifetime epsilon").fill("5")
    page.get_by_role("button", name="Upload and profile").click()
    page.wait_for_url(f"{base}/ui/datasets/*")
    dataset_id = page.url.rsplit("/", 1)[1]
    assert page.locator("h1").inner_text() == "patients"
    page.locator("#below-k").wait_for(timeout=60_000)  # profiled by a worker; the page reloads when it is done
    assert page.locator("#below-k").inner_text().isdigit() and page.locator("#rare").inner_text().isdigit()
    assert "name" in page.locator("dl.stats").inner_text()  # the direct identifier is named
    assert page.locator("figure.plot svg").count() == 1
    watch.shoot("dataset")

    # confirm the public metadata (domains typed, never read from the data)
    page.get_by_role("link", name="Confirm public metadata").click()
    page.wait_for_url("**/metadata")
    age = page.locator("fieldset", has=page.locator("legend", has_text="age"))
    age.get_by_label("Lower bound").fill("18")
    age.get_by_label("Upper bound").fill("90")
    sex = page.locator("fieldset", has=page.locator("legend", has_text="sex"))
    sex.get_by_label("Categories").fill("F, M")
    income = page.locator("fieldset", has=page.locator("legend", has_text="income"))
    income.get_by_label("Categories").fill("<=50K, >50K")
    for column in (age, sex, income):
        column.get_by_label("May be missing").uncheck()  # the form says these are always filled in
    watch.shoot("metadata")
    page.get_by_label("I confirm these bounds and categories are public knowledge").check()
    page.get_by_role("button", name="Save metadata").click()
    page.wait_for_url(f"{base}/ui/datasets/{dataset_id}")

    # new release: mst at epsilon 1, tiny settings; the live check says it is valid
    page.get_by_role("link", name="New release").click()
    page.wait_for_url("**/release")
    page.get_by_label("mst", exact=True).check()
    page.get_by_label("Epsilon of this release").focus()
    page.keyboard.press("ArrowLeft")  # the slider answers the keyboard and names the level
    assert page.get_by_label("Exact epsilon").input_value() == "0.9"
    assert page.locator("#eps-level").inner_text() == "very strong"
    page.get_by_label("Exact epsilon").fill("1")
    page.get_by_label("Rows to generate (optional)").fill("200")
    options = page.locator("details[data-synth=mst]")
    options.get_by_text("Options of mst").click()
    options.get_by_label("iters").fill("60")
    options.get_by_label("bins", exact=True).fill("8")
    assert page.locator("#eps-level").inner_text() == "strong"
    feedback = page.locator("#feedback")
    feedback.get_by_text("✓ Valid. Expected privacy level: strong").wait_for(timeout=30_000)
    watch.shoot("release-form")
    page.get_by_role("button", name="Start the release").click()
    page.wait_for_url(f"{base}/ui/jobs/*")
    job_id = page.url.rsplit("/", 1)[1]
    watch.shoot("job")
    page.get_by_role("link", name="Open the release").wait_for(timeout=180_000)
    assert page.locator("#job-status").inner_text() == "succeeded"
    assert page.locator("#job-eps").inner_text().startswith("1 of 1")

    # the release: verdict at the top, report embedded, CSV download
    page.get_by_role("link", name="Open the release").click()
    page.wait_for_url(f"{base}/ui/releases/{job_id}")
    verdict = page.locator("#verdict h1").inner_text()
    assert verdict.split("Verdict: ", 1)[1] in ("pass", "warn", "fail"), verdict
    assert "privacy level strong" in page.locator("#verdict").inner_text()
    report = page.frame_locator("iframe.report")
    report.locator("body").wait_for()
    watch.shoot("release")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the CSV").click()
    released = pd.read_csv(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert len(released) == 200 and list(released.columns) == ["age", "sex", "income"]
    assert released["age"].between(18, 90).all() and set(released["sex"]) <= {"F", "M"}
    assert released["income"].isin(["<=50K", ">50K"]).all()

    # the ledger
    page.get_by_role("link", name="Privacy ledger").click()
    page.wait_for_url(f"{base}/ui/datasets/{dataset_id}/ledger")
    assert page.locator("#remaining").inner_text().startswith("ε 4")
    assert page.locator("svg.chart circle").count() == 1
    watch.shoot("ledger")
    page.goto(f"{base}/ui/datasets")
    watch.shoot("datasets")
    _sign_out(page)

    # admin pages
    _sign_in(page, base, admin)
    page.get_by_role("link", name="Keys").click()
    page.wait_for_url(f"{base}/ui/keys")
    watch.shoot("keys")
    page.get_by_role("link", name="Audit").click()
    page.wait_for_url(f"{base}/ui/audit")
    assert "The hash chain verifies" in page.locator("main").inner_text()
    watch.shoot("audit")
    _sign_out(page)

    # the analyst signs in with the keyboard alone, sees the release, never the raw dataset page
    page.goto(f"{base}/ui/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "api_key"
    page.keyboard.type(analyst)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/ui/datasets")
    assert page.get_by_role("link", name="patients", exact=True).count() == 0
    watch.shoot("datasets-analyst")
    response = page.goto(f"{base}/ui/datasets/{dataset_id}")
    assert response is not None and response.status == 403
    assert "Not allowed" in page.locator("h1").inner_text()
    watch.shoot("refused")
    page.goto(f"{base}/ui/releases/{job_id}")
    assert "Verdict" in page.locator("#verdict h1").inner_text()

    page.evaluate("console.error('probe of the console watch')")  # the watch hears console errors
    assert watch.errors and watch.errors.pop().endswith(": probe of the console watch")
    refused = f"{base}/ui/datasets/{dataset_id}: Failed to load resource: the server responded with a status of 403"
    errors = [e for e in watch.errors if not e.startswith(refused)]  # the refusal itself, expected
    assert not errors, errors
    assert not watch.foreign, f"requests to other hosts: {watch.foreign}"
    assert len(watch.shots) == 2 * 12 and all(p.stat().st_size > 5000 for p in watch.shots)
    page.close()
