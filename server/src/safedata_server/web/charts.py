"""Inline SVG charts of the pages (no script, no external file): the ledger's budget use over time."""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["ledger_svg"]

BLUE, ORANGE, GREY = "#0072B2", "#D55E00", "#555555"  # Okabe-Ito: safe for colour-blind readers
ORANGE_TEXT = "#9E3D00"  # the same hue, dark enough for small text (contrast > 4.5:1)


def ledger_svg(view: dict[str, Any], *, width: int = 640, height: int = 220) -> str:
    """Step chart of the epsilon reserved so far, charge by charge, under the lifetime budget line."""
    budget = float(view["budget"]["epsilon"])
    charges = view.get("charges") or []
    totals, running = [0.0], 0.0
    for c in charges:
        running += float(c["epsilon"])
        totals.append(running)
    top = max(budget, running, 1e-9) * 1.1
    left, right, base, ceil = 48, width - 12, height - 34, 12
    n = max(len(totals) - 1, 1)

    def x(i: int) -> float:
        return left + (right - left) * i / n

    def y(v: float) -> float:
        return base - (base - ceil) * v / top

    path = [f"M{x(0):.1f},{y(0):.1f}"]
    for i in range(1, len(totals)):  # request i reserves at the start of its slot; the level holds until the next
        path += [f"V{y(totals[i]):.1f}", f"H{x(i):.1f}"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
        f'aria-labelledby="ledger-chart-title"><title id="ledger-chart-title">Epsilon reserved over time: '
        f"{running:g} of {budget:g} after {len(charges)} request(s)</title>",
        f'<line x1="{left}" y1="{base}" x2="{right}" y2="{base}" stroke="{GREY}"/>',
        f'<line x1="{left}" y1="{ceil}" x2="{left}" y2="{base}" stroke="{GREY}"/>',
        f'<line x1="{left}" y1="{y(budget):.1f}" x2="{right}" y2="{y(budget):.1f}" stroke="{ORANGE}" '
        'stroke-width="2" stroke-dasharray="8 5"/>',
        f'<text x="{right}" y="{y(budget) - 5:.1f}" text-anchor="end" font-size="12" fill="{ORANGE_TEXT}">'
        f"lifetime budget {budget:g}</text>",
        f'<path d="{" ".join(path)}" fill="none" stroke="{BLUE}" stroke-width="3"/>',
        f'<text x="{left - 6}" y="{base}" text-anchor="end" font-size="11">0</text>',
        f'<text x="{left - 6}" y="{y(budget) + 4:.1f}" text-anchor="end" font-size="11">{budget:g}</text>',
        f'<text x="{(left + right) / 2:.0f}" y="{height - 8}" text-anchor="middle" font-size="12">'
        "requests, oldest first (solid: epsilon reserved so far)</text>",
    ]
    if charges:  # the time span: first and last reservation (UTC)
        first, last = charges[0]["created_at"][:16].replace("T", " "), charges[-1]["created_at"][:16].replace("T", " ")
        parts.append(f'<text x="{left}" y="{base + 14}" font-size="11">{escape(first)}</text>')
        if len(charges) > 1:
            parts.append(f'<text x="{right}" y="{base + 14}" font-size="11" text-anchor="end">{escape(last)}</text>')
    for i, c in enumerate(charges, start=1):
        label = escape(f"{c['created_at'][:19]}: {c['purpose']} {c['component']} epsilon {c['epsilon']:g}")
        parts.append(
            f'<circle cx="{x(i - 1):.1f}" cy="{y(totals[i]):.1f}" r="5" fill="{BLUE}"><title>{label}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)
