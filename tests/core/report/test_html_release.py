"""The release page (safedata_core/report/html_release.py): DP status first, escaped text, nothing internal."""

from __future__ import annotations

import copy

from safedata_core.report.html_release import render_release_html
from tests.core.report.views import example_view


def test_dp_status_comes_first_and_sdc_is_not_under_the_claim() -> None:
    page = render_release_html(example_view())
    assert page.startswith("<!doctype html>") and page.endswith("</html>")
    main = page[page.index("<main>") :]
    assert main.index("id='dp-status'") < main.index("No compliance badge")
    assert "<li class='v-pass'><p><code>synthetic</code>" in page
    assert "<li class='v-warn'><p><code>sdc</code> (suppress): <b>not DP: statistical disclosure control</b>" in page
    assert "<b>No compliance badge</b>: r." in page


def test_text_from_the_view_is_escaped_and_a_badge_names_what_it_covers() -> None:
    view = copy.deepcopy(example_view())
    view["run"]["name"] = "<script>alert(1)</script>"
    view["compliance"]["badge"] = {
        "label": "DP guarantee held",
        "releases": ["synthetic"],
        "not_covered": ["sdc"],
        "basis": "secure 'noise'",
    }
    page = render_release_html(view)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "✔ DP guarantee held (synthetic; not covered: sdc)" in page and "secure &#x27;noise&#x27;" in page
