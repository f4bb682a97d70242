"""The Privacy-Utility report: ``report.json`` (source of truth), ``report.html`` and ``model_card.md``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from safedata_core.report.build import build_report
from safedata_core.report.html import render_html
from safedata_core.report.narrative import render_model_card

__all__ = ["build_report", "render_html", "render_model_card", "write_report"]


def write_report(report: dict[str, Any], out: Path, *, formats: Sequence[str] = ("json", "html")) -> None:
    """Write the report files into the run directory.

    ``report.json`` and ``model_card.md`` are always written; ``report.html`` when
    ``"html"`` is in ``formats``.
    """
    (out / "report.json").write_text(json.dumps(report, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    (out / "model_card.md").write_text(render_model_card(report), encoding="utf-8")
    if "html" in formats:
        (out / "report.html").write_text(render_html(report), encoding="utf-8")
