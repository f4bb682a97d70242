"""The Privacy-Utility report: ``report.json`` (source of truth) and ``report.html``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from safedata_core.report.build import build_report
from safedata_core.report.html import render_html

__all__ = ["build_report", "render_html", "write_report"]


def write_report(report: dict[str, Any], out: Path, *, formats: Sequence[str] = ("json", "html")) -> None:
    """Write the report files into the run directory (report.json is always written)."""
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    if "html" in formats:
        (out / "report.html").write_text(render_html(report), encoding="utf-8")
