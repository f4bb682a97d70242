"""The Privacy-Utility report: the internal ``report.json`` (source of truth) and the release package's view.

* :func:`build_report` builds the full report of a run. It is INTERNAL: it
  holds non-DP statistics of the real data and says so at the top.
* :func:`release_view` derives the DP-only report that ships in ``release/``.
* :func:`write_report` writes either of them as ``report.json`` /
  ``report.html`` (the page says which kind it is) plus ``model_card.md``,
  which is always rendered from the release view.
* :func:`failing_releases` names each release whose verdict is ``fail``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from safedata_core.report.build import build_report
from safedata_core.report.html import render_html
from safedata_core.report.narrative import render_model_card, write_model_card
from safedata_core.report.release import release_view
from safedata_core.report.verdict import failing_releases

__all__ = [
    "build_report",
    "failing_releases",
    "release_view",
    "render_html",
    "render_model_card",
    "write_model_card",
    "write_report",
]


def write_report(
    report: dict[str, Any], out: Path, *, formats: Sequence[str] = ("json", "html"), model_card: bool = True
) -> None:
    """Write ``report`` (full or release view) into the folder ``out``.

    ``report.json`` always (it is the source of truth), ``report.html`` when
    ``"html"`` is in ``formats``; ``model_card.md`` (DP-only, from the release
    view) unless ``model_card`` is false.
    """
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    if "html" in formats:
        (out / "report.html").write_text(render_html(report), encoding="utf-8")
    if model_card:
        write_model_card(report, out)
