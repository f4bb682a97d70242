"""Render the release package's ``report.html`` from a release view (DP-only, safe to publish).

The page opens with what it is (a release report and what it may claim), the
DP status of each released table with a plain-language explanation of epsilon
and delta, then the badge when there is one, the privacy ledger, one section per released
table, the components' documented guarantees and the release narrative. It
shows nothing the release view does not hold: no statistic of the real data.
"""

from __future__ import annotations

from typing import Any

from safedata_core.report.html import _CSS, _e, _explainer, _group_charges, _literals, _table
from safedata_core.report.narrative import release_narrative

__all__ = ["render_release_html"]


def _header(view: dict[str, Any]) -> str:
    run = view["run"]
    dp = view["privacy"]["dp_claimed"]
    cls = "banner v-pass" if dp else "alert"
    return (
        f"<header><h1>DP release report: {_e(run['name'])}</h1>"
        f"<p class='{cls}' role='note' id='release-kind'>{_e(view['dp_headline'])}</p>"
        f"<p class='note'>{_e(view['notice'])}</p>"
        f"<p>Run <code>{_e(run['id'])}</code> · released {_e(run.get('released_on') or '—')} · "
        f"seed {_e(run['seed'])} · noise {_e(view['privacy'].get('noise') or 'none')}</p></header>"
    )


def _dp_status(view: dict[str, Any]) -> str:
    """DP status of every released table, first thing on the page: SDC releases are never under a DP claim."""
    rels = view["releases"]
    if not rels:
        return ""
    items = "".join(
        f"<li class='{'v-pass' if r['dp'] else 'v-warn'}'><p><code>{_e(r['step'])}</code> ({_e(r['use'])}): "
        f"<b>{_e(r['label'])}</b></p></li>"
        for r in rels
    )
    return (
        "<section id='dp-status' aria-labelledby='dp-status-h'><h2 id='dp-status-h'>DP status of each release</h2>"
        f"<ul class='publish'>{items}</ul>{_explainer(view.get('privacy_explainer'))}</section>"
    )


def _badge(view: dict[str, Any]) -> str:
    comp = view["compliance"]
    badge = comp.get("badge")
    if not badge:
        return f"<p><b>No compliance badge</b>: {_e(comp.get('no_badge_reason') or '')}.</p>"
    extra = f"; not covered: {', '.join(badge['not_covered'])}" if badge.get("not_covered") else ""
    return (
        f"<p><span class='badge' title='{_e(badge['basis'])}'>✔ {_e(badge['label'])} "
        f"({_e(', '.join(badge['releases']))}{_e(extra)})</span> "
        f"<small>{_e(comp['disclaimer'])}</small></p>"
    )


def _ledger(view: dict[str, Any]) -> str:
    priv = view["privacy"]
    ledger = priv["ledger"]
    out = ["<section id='ledger'><h2>Privacy ledger</h2>"]
    if ledger.get("budget"):
        sp = ledger.get("spent") or {}
        out.append(
            f"<p>Accountant <b>{_e(ledger.get('accountant'))}</b>: spent ε={sp.get('epsilon', 0):.4g}, "
            f"δ={sp.get('delta', 0):.3g} of ε={ledger['budget']['epsilon']:g}, δ={ledger['budget']['delta']:.3g}.</p>"
        )
    else:
        out.append("<p>The pipeline set no privacy budget: no differential privacy guarantee is claimed.</p>")
    if priv["dp_warnings"]:
        out.append("<ul>" + "".join(f"<li>{_e(w)}</li>" for w in priv["dp_warnings"]) + "</ul>")
    shares = [{"step": k, **v} for k, v in (ledger.get("shares") or {}).items()]
    if shares:
        out.append("<h3>Shares</h3>" + _table(shares, ["step", "epsilon", "delta"]))
    charges = ledger.get("charges") or []
    if charges:
        out.append(
            f"<h3>Charges</h3><p>{len(charges)} charges, composed by the accountant into the total above.</p>"
            + _table(
                _group_charges(charges),
                ["step", "component", "mechanism", "charges", "epsilon", "delta", "params", "notes"],
            )
        )
    out.append("</section>")
    return "".join(out)


def _releases(view: dict[str, Any]) -> str:
    out = ["<section id='releases'><h2>Released tables</h2>"]
    if not view["releases"]:
        out.append("<p>Nothing was released.</p></section>")
        return "".join(out)
    rows = [
        {
            "table": r["step"],
            "component": r["use"],
            "kind": r["kind"],
            "privacy": r["label"],
            "epsilon": r["epsilon"],
            "delta": r["delta"],
            "rows": r["table"]["rows"],
            "columns": len(r["table"]["columns"]),
            "params": r["params"],
        }
        for r in view["releases"]
    ]
    out.append(_table(rows, list(rows[0]), long=("params",)))
    for r in view["releases"]:
        sdc = r.get("sdc")
        if sdc:
            out.append(
                f"<p><code>{_e(r['step'])}</code> (SDC, not DP): k-anonymity {_e(sdc.get('k_anonymity'))} on "
                f"{_e(', '.join(sdc.get('quasi_identifiers') or []) or 'no quasi-identifiers')}, computed on the "
                "released table.</p>"
            )
    out.append("</section>")
    return "".join(out)


def _guarantees(view: dict[str, Any]) -> str:
    items = "".join(
        f"<dt>{_e(r['use'])} (<code>{_e(r['step'])}</code>)</dt>"
        f"<dd>{_literals(_e(r['component'].get('privacy_guarantee') or 'not documented'))}"
        f"<br><small>Assumptions: {_literals(_e(r['component'].get('assumptions') or 'not documented'))}</small></dd>"
        for r in view["releases"]
    )
    return f"<section id='guarantees'><h2>Documented guarantees</h2><dl class='docs'>{items}</dl></section>"


def render_release_html(view: dict[str, Any]) -> str:
    """The whole page for a release view (``schemas/release-report.schema.json``)."""
    run = view["run"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>safedata release report: {_e(run['name'])}</title><style>{_CSS}</style></head><body>",
        _header(view),
        "<main>",
        _dp_status(view),
        _badge(view),
        _ledger(view),
        _releases(view),
        _guarantees(view) if view["releases"] else "",
        "<section id='narrative'><h2>What was done</h2><ol>"
        + "".join(f"<li>{_e(s)}</li>" for s in release_narrative(view))
        + "</ol></section>",
        "</main>",
        f"<footer>Run {_e(run['id'])} · pipeline SHA-256 {_e(run['pipeline_sha256'])}</footer></body></html>",
    ]
    return "".join(parts)
