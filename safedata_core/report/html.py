"""Render ``report.html`` from ``report.json``: one self-contained page, no network needed."""

from __future__ import annotations

import html
import json
from typing import Any

__all__ = ["render_html"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:70rem;
color:#1b1b1b;line-height:1.45;padding:0 1rem}
h1{font-size:1.6rem}h2{border-bottom:2px solid #0b5394;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}th,td{border:1px solid #bbb;padding:.25rem .5rem;
text-align:left;vertical-align:top}th{background:#eef3f8}.ok{color:#0a6e31}.fail{color:#b00020}
.summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.8rem}
.card{border:1px solid #bbb;border-radius:.4rem;padding:.6rem .8rem}.card b{display:block;font-size:1.3rem}
.note{background:#fff8e1;border-left:4px solid #b58900;padding:.5rem .8rem}
@media print{body{margin:0}h2{break-after:avoid}}
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th scope='col'>{_e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(_fmt(r.get(c)))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (dict, list)):
        return json.dumps(v, default=str)[:300]
    return "" if v is None else str(v)


def render_html(report: dict[str, Any]) -> str:
    run = report["run"]
    ledger = report["privacy"]["ledger"]
    ok = run["status"] == "succeeded"
    spent = ledger.get("spent") or {}
    budget = ledger.get("budget") or {}
    cards = [
        ("Status", run["status"], "ok" if ok else "fail"),
        ("Privacy budget spent", f"ε={spent.get('epsilon', 0):.3g} of {budget.get('epsilon', '—')}" if budget else "no DP", ""),
        ("Steps", str(len(report["steps"])), ""),
    ]
    summary = "".join(f"<div class='card'>{_e(t)}<b class='{c}'>{_e(v)}</b></div>" for t, v, c in cards)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>safedata report: {_e(run['name'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>Privacy-Utility report: {_e(run['name'])}</h1>",
        f"<section id='summary'><h2>Summary</h2><div class='summary'>{summary}</div>",
    ]
    if run.get("error"):
        parts.append(f"<p class='fail'><strong>The run failed:</strong> {_e(run['error'])}. Nothing was released.</p>")
    parts.append("</section><section id='ledger'><h2>Privacy ledger</h2>")
    parts.append(f"<p>Accountant: {_e(ledger.get('accountant'))}</p>")
    parts.append(_table(ledger.get("charges", []), ["step", "component", "mechanism", "epsilon", "delta", "count", "params"]))
    parts.append("</section><section id='steps'><h2>Steps</h2>")
    parts.append(_table(report["steps"], ["step", "use", "kind", "rows", "released", "seconds", "result"]))
    parts.append("</section>")
    if report.get("warnings"):
        parts.append("<section id='warnings'><h2>Warnings</h2><ul>")
        parts += [f"<li>{_e(w)}</li>" for w in report["warnings"]]
        parts.append("</ul></section>")
    parts.append(f"<p class='note'>{_e(report['privacy']['note'])}</p>")
    parts.append(f"<footer><small>Run {_e(run['id'])} · pipeline SHA-256 {_e(run['pipeline_sha256'])} · "
                 f"audit head {_e(run['audit_head'])}</small></footer></body></html>")
    return "".join(parts)
