"""Render ``report.html`` from ``report.json``: one self-contained page (inline CSS and SVG, no network).

The page opens with the answer to "can I publish?": one line per released
table (``Publish `synthetic`: yes, because ...``) with its DP status, a short
explanation of epsilon and delta, then a one-screen summary (verdict, budget
spent, highest risk, utility headline, the thresholds in force) and one
section per report section. Verdicts are always written out in words next to
their colour, charts carry titles, labelled axes, legends and per-mark
tooltips, every association heatmap uses one colour scale, tables wrap (and
scroll inside their box as a last resort) so the page fits a 760 px screen,
and the print stylesheet keeps sections and charts whole.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

from safedata_core.report import svg
from safedata_core.report.verdict import THRESHOLD_HELP, threshold_text, threshold_value

__all__ = ["DP_STATUS_TEXT", "render_html"]

DP_STATUS_TEXT = {
    "claimed": "DP claimed for the DP releases only (see each release)",
    "failed": "DP step FAILED — no guarantee",
    "not_claimed": "no DP guarantee claimed",
    "reproducible_noise": "NOT DP — noise reproducible from the seed (test mode)",
}

_LITERAL = re.compile(r"``(.+?)``")  # reStructuredText literals in docstrings


def _literals(escaped: str) -> str:
    """``code`` in (already escaped) docstring text as <code>code</code>."""
    return _LITERAL.sub(r"<code>\1</code>", escaped)


_CSS = """
:root{--pass:#00704f;--warn:#8a5a00;--fail:#b3261e;--ink:#1b1b1b;--line:#b8b8b8;--accent:#0b5394}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5rem auto;max-width:72rem;
color:var(--ink);line-height:1.45;padding:0 1rem;background:#fff}
h1{font-size:1.6rem;margin:.2rem 0}h2{border-bottom:2px solid var(--accent);padding-bottom:.2rem;margin-top:2.2rem}
h3{margin-bottom:.3rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}th,td{border:1px solid var(--line);padding:.25rem .5rem;
text-align:left;vertical-align:top;overflow-wrap:break-word}th{background:#eef3f8}
table.full{width:100%}dl.docs dt{font-weight:600;margin-top:.5rem}dl.docs dd{margin:.1rem 0 0 1.2rem}
td.long{min-width:10rem;font-size:.85rem}td.num{text-align:right;font-variant-numeric:tabular-nums}
.v{display:inline-block;font-weight:700;padding:.05rem .5rem;border-radius:.3rem;border:2px solid currentColor}
.v.v-pass,.v-pass{color:var(--pass)}.v.v-warn,.v-warn{color:var(--warn)}.v.v-fail,.v-fail{color:var(--fail)}.v.v-not_applicable{color:#555}
.summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.8rem;margin:.8rem 0}
.card{border:1px solid var(--line);border-radius:.4rem;padding:.6rem .8rem}
.card span{display:block;font-size:.85rem;color:#444}.card span.v{display:inline-block;font-size:1.1rem}
.card b{display:block;font-size:1.25rem}
.banner{border-left:6px solid currentColor;padding:.6rem 1rem;background:#f7f7f7;font-size:1.05rem}
.note{background:#fff8e1;border-left:4px solid #8a5a00;padding:.5rem .8rem}
.alert{background:#fdecea;border-left:6px solid var(--fail);padding:.6rem 1rem;font-weight:600}
.internal{background:#fdecea;border:2px solid var(--fail);color:var(--fail);padding:.6rem 1rem;font-weight:700;
margin:.6rem 0}
.badge{display:inline-block;background:#e6f4ee;border:2px solid var(--pass);color:var(--pass);border-radius:2rem;
padding:.3rem .9rem;font-weight:700}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:.6rem}
svg.chart{width:100%;height:auto;max-width:100%}.wide svg.chart{max-width:44rem}
.legend span{display:inline-block;margin-right:1rem}.sw{display:inline-block;width:.9rem;height:.9rem;
vertical-align:middle;margin-right:.3rem}
nav ul{columns:3;list-style:none;padding:0}
.tw{max-width:100%;overflow-x:auto}td.long{overflow-wrap:anywhere}
.publish{list-style:none;padding:0;margin:.6rem 0}.publish>li{border:1px solid var(--line);border-left:8px solid
currentColor;border-radius:.3rem;padding:.5rem .8rem;margin:.5rem 0}.publish p,.publish details{margin:.2rem 0;
color:var(--ink)}
.d{font-weight:700;text-transform:uppercase}.dp-status{font-size:.9rem}
.explain{background:#eef3f8;border-left:4px solid var(--accent);padding:.5rem .8rem;font-size:.95rem}
.explain p{margin:.25rem 0}
.card ul{margin:.2rem 0 0;padding-left:1.1rem;font-size:.95rem}
@media (max-width:800px){body{padding:0 .5rem}table{font-size:.8rem}th,td{padding:.2rem .3rem}td{overflow-wrap:anywhere}
nav ul{columns:2}.summary{grid-template-columns:repeat(auto-fit,minmax(10rem,1fr))}}
footer{margin-top:2rem;color:#444;font-size:.8rem;word-break:break-all}
@media print{body{margin:0;max-width:none}nav{display:none}section,svg,table,.card{break-inside:avoid}
h2{break-after:avoid}a{color:inherit;text-decoration:none}}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _short(v: Any) -> str:
    """One value of a parameter dict, compact: numbers to 4 digits, file paths by name, lists joined."""
    if isinstance(v, bool) or v is None:
        return str(v).lower()
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, str) and ("/" in v or "\\" in v) and len(v) > 24:
        return "…/" + v.replace("\\", "/").rsplit("/", 1)[-1]
    if isinstance(v, list):
        return "[" + ", ".join(_short(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_short(x)}" for k, x in v.items()) + "}"
    return str(v)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict):  # parameters: "name = value" pairs, unset (null) values left out
        text = "; ".join(f"{k} = {_short(x)}" for k, x in v.items() if x is not None)
        return text if len(text) <= 400 else text[:399] + "…"
    if isinstance(v, list):
        return _short(v)[:400]
    if isinstance(v, bool):
        return "yes" if v else "no"
    return "" if v is None else str(v)


def _table(
    rows: list[dict[str, Any]], columns: list[str], headers: list[str] | None = None, *, long: tuple[str, ...] = ()
) -> str:
    """A table; numbers right-aligned, ``long`` columns (free text) get room and the table the full width."""
    head = "".join(f"<th scope='col'>{_e(c)}</th>" for c in (headers or columns))

    def cell(r: dict[str, Any], c: str) -> str:
        v = r.get(c)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return f"<td class='num'>{_e(_fmt(v))}</td>"
        return f"<td class='long'>{_e(_fmt(v))}</td>" if c in long else f"<td>{_e(_fmt(v))}</td>"

    body = "".join("<tr>" + "".join(cell(r, c) for c in columns) + "</tr>" for r in rows)
    cls = " class='full'" if long else ""
    return f"<div class='tw'><table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _verdict(v: str) -> str:
    return f"<span class='v v-{_e(v)}'>{_e(v.replace('_', ' ').upper())}</span>"


_DECISION_CLASS = {"yes": "v-pass", "review": "v-warn", "no": "v-fail"}
_DECISION_WORD = {"yes": "Yes", "review": "Review first", "no": "No"}


def _publish(report: dict[str, Any]) -> str:
    """The page's first answer: may each released table be published, and why (with its DP status)."""
    s = report["summary"]
    items = []
    for d in s.get("publish") or []:
        items.append(
            f"<li class='{_DECISION_CLASS[d['decision']]}' id='publish-{_e(d['release'])}'>"
            f"<p><span class='d'>{_e(_DECISION_WORD[d['decision']])}</span> {_verdict(d['verdict'])}</p>"
            f"<p>{_ticks(_e(d['text']))}</p>"
            + (
                "<details><summary>Every problem found</summary><ul>"
                + "".join(f"<li>{_e(x)}</li>" for x in d["problems"])
                + "</ul></details>"
                if len(d.get("problems") or []) > 1
                else ""
            )
            + f"<p class='dp-status'>DP status of <code>{_e(d['release'])}</code>: <b>{_e(d['label'])}</b></p></li>"
        )
    if not items:
        why = "the run failed" if report["run"]["status"] != "succeeded" else "the run released no table"
        items.append(f"<li class='v-fail'><p>Nothing to publish: {_e(why)}.</p></li>")
    return (
        "<section id='publish' aria-labelledby='publish-h'><h2 id='publish-h'>Can I publish?</h2>"
        f"<ul class='publish'>{''.join(items)}</ul>" + _explainer(s.get("privacy_explainer")) + "</section>"
    )


def _ticks(escaped: str) -> str:
    """`name` in (already escaped) plain text as <code>name</code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def _explainer(ex: dict[str, str] | None) -> str:
    """What epsilon and delta mean, in a few sentences, with a link to the threat model."""
    if not ex:
        return ""
    return (
        "<div class='explain' id='what-is-epsilon'><p><b>What ε and δ mean.</b> "
        f"{_e(ex['epsilon'])}</p><p>{_e(ex['delta'])}</p><p>{_e(ex['scope'])} {_e(ex['spent'])}</p>"
        f"<p>More: <a href='{_e(ex['docs'])}'>the threat model for data stewards</a> "
        f"(<code>{_e(ex['docs'].split('#')[0])}</code>, first section, in the safedata documentation).</p></div>"
    )


def _dp_card(report: dict[str, Any]) -> str:
    """DP status per released table: an SDC release is never shown under a DP claim."""
    rels = [r for r in report.get("releases", []) if r.get("released", True)]
    if not rels:
        return _e(DP_STATUS_TEXT[report["summary"]["dp_status"]])
    return "<ul>" + "".join(f"<li><code>{_e(r['step'])}</code>: {_e(r['label'])}</li>" for r in rels) + "</ul>"


def _thresholds(report: dict[str, Any]) -> str:
    """The thresholds in force (the one source every verdict and message reads), with what each does."""
    th = report["thresholds"]
    rows = [{"threshold": k, "value": threshold_value(k, th), "what it does": THRESHOLD_HELP.get(k, "")} for k in th]
    return (
        "<details id='thresholds'><summary>Thresholds in force (set them in the pipeline's "
        "<code>report.thresholds</code>)</summary>"
        + _table(rows, ["threshold", "value", "what it does"])
        + "</details>"
    )


def _summary(report: dict[str, Any]) -> str:
    s, run = report["summary"], report["run"]
    b = s["budget"]
    budget = (
        f"ε = {b['epsilon_spent']:.3g} of {b['epsilon_total']:g}" if b["epsilon_total"] is not None else "no DP budget"
    )
    hr = s["highest_risk"]
    th = report["thresholds"]
    risk = (
        f"{hr['risk']:.3f} ({hr['use']} on {hr['target']}; limit {threshold_text('max_risk', th)})"
        if hr
        else "no attacks run"
    )
    util = ", ".join(f"{t}: {v:.3f}" for t, v in s["utility"].items()) or "no metrics run"
    cards = [
        ("Verdict", _verdict(s["verdict"])),
        ("Run status", _e(run["status"])),
        ("Privacy budget spent", _e(budget)),
        ("Differential privacy, per release", _dp_card(report)),
        ("Highest attack risk", _e(risk)),
        ("Mean utility", _e(util)),
    ]
    parts = [
        "<section id='summary' aria-labelledby='summary-h'><h2 id='summary-h'>Summary</h2>",
        f"<p class='banner v-{_e(s['verdict'])}'>Overall verdict: {_verdict(s['verdict'])} — "
        + " ".join(f"{_e(k)} {_verdict(v)}" for k, v in s["verdicts"].items())
        + "</p>",
    ]
    if run["status"] != "succeeded" or s["dp_status"] in ("failed", "reproducible_noise"):
        parts.append("<div class='alert' role='alert'>" + "<br>".join(_e(m) for m in s["messages"][:2]) + "</div>")
    parts.append(
        "<div class='summary'>"
        + "".join(f"<div class='card'><span>{_e(t)}</span><b>{v}</b></div>" for t, v in cards)
        + "</div>"
    )
    badge = report["compliance"].get("badge")
    if badge:
        parts.append(
            f"<p><span class='badge' title='{_e(badge['basis'])}'>✔ {_e(badge['label'])} "
            f"({_e(', '.join(badge['releases']))})</span> <small>guidance, not a legal determination; "
            "this internal report itself holds non-DP statistics of the real data: do not publish it</small></p>"
        )
    msgs = [m for m in s["messages"] if not (run["status"] != "succeeded" and m in s["messages"][:2])]
    if msgs:
        parts.append("<ul>" + "".join(f"<li>{_e(m)}</li>" for m in msgs) + "</ul>")
    parts.append(_thresholds(report))
    parts.append("</section>")
    return "".join(parts)


def _inventory(report: dict[str, Any]) -> str:
    data = report.get("data") or {}
    rows = [
        {"column": c, "type": (data.get("column_types") or {}).get(c), "role": (data.get("column_roles") or {}).get(c)}
        for c in data.get("columns", [])
    ]
    findings = report["inventory"]["findings"]
    return (
        "<section id='data'><h2>Data and inventory</h2>"
        f"<p>Source <code>{_e(data.get('source'))}</code>: {_e(data.get('rows', '—'))} rows, "
        f"{len(data.get('columns', []))} columns, {_e(data.get('holdout_rows', 0))} held-out rows.</p>"
        + (
            "<ul>"
            + "".join(
                f"<li>{_verdict(f['severity']) if f['severity'] != 'info' else ''} {_e(f['message'])}</li>"
                for f in findings
            )
            + "</ul>"
            if findings
            else ""
        )
        + (f"<details><summary>Columns</summary>{_table(rows, ['column', 'type', 'role'])}</details>" if rows else "")
        + "</section>"
    )


def _ledger(report: dict[str, Any]) -> str:
    priv = report["privacy"]
    ledger = priv["ledger"]
    shares = [{"step": k, **v} for k, v in (ledger.get("shares") or {}).items()]
    out = [f"<section id='ledger'><h2>Privacy ledger {_verdict(priv['verdict'])}</h2>"]
    if ledger.get("budget"):
        sp = ledger.get("spent") or {}
        out.append(
            f"<p>Accountant <b>{_e(ledger.get('accountant'))}</b>: spent ε={sp.get('epsilon', 0):.4g}, "
            f"δ={sp.get('delta', 0):.3g} of ε={ledger['budget']['epsilon']:g}, δ={ledger['budget']['delta']:.3g}.</p>"
        )
    else:
        out.append("<p>The pipeline set no privacy budget: no differential privacy guarantee is claimed.</p>")
    out += [f"<p>{_e(r)}</p>" for r in priv["reasons"]]
    if shares:
        out.append("<h3>Shares</h3>" + _table(shares, ["step", "epsilon", "delta"]))
    charges = ledger.get("charges") or []
    if charges:
        groups = _group_charges(charges)
        grouped = f", grouped into {len(groups)} rows of identical mechanism and parameters"
        out.append(
            f"<h3>Charges</h3><p>{len(charges)} charges"
            + (grouped if len(groups) < len(charges) else "")
            + ". The accountant composes them into the total spent above.</p>"
            + _table(groups, ["step", "component", "mechanism", "charges", "epsilon", "delta", "params", "notes"])
        )
    out.append("</section>")
    return "".join(out)


def _group_charges(charges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Charges with the same step, component, mechanism, epsilon, delta and parameters as one row."""
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for c in charges:
        key = tuple(repr(c.get(k)) for k in ("step", "component", "mechanism", "epsilon", "delta", "params"))
        g = groups.setdefault(
            key,
            {
                **{k: c.get(k) for k in ("step", "component", "mechanism", "epsilon", "delta", "params")},
                "charges": 0,
                "_notes": [],
            },
        )
        g["charges"] += int(c.get("count") or 1)
        if c.get("note"):
            g["_notes"].append(str(c["note"]))
    rows = []
    for g in groups.values():
        notes = g.pop("_notes")
        g["notes"] = "; ".join(notes[:3]) + (f"; … {len(notes) - 3} more" if len(notes) > 3 else "")
        rows.append(g)
    return rows


def _assoc_scale(releases: list[dict[str, Any]]) -> float:
    """One colour-scale top for every association heatmap of the page: the largest difference, rounded up."""
    largest = max([(r.get("association") or {}).get("max_difference", 0.0) for r in releases] + [0.1])
    return float(min(1.0, math.ceil(largest * 10 - 1e-9) / 10))


def _release(r: dict[str, Any], assoc_vmax: float = 1.0) -> str:
    privacy = f"DP, ε={r['epsilon']:.3g}" if r["dp"] else r.get("label") or f"no DP guarantee ({r['privacy']})"
    verdict = r.get("verdict", "not_applicable")
    out = [
        f"<section id='release-{_e(r['step'])}'><h3>Release <code>{_e(r['step'])}</code>: {_e(r['use'])} "
        f"({_e(r['kind'])}, {_e(privacy)}, {r['rows']} rows) {_verdict(verdict)}</h3>",
        "".join(f"<p>{_e(reason)}</p>" for reason in r.get("reasons", [])),
        f"<p class='legend'><span><i class='sw' style='background:{svg.ORIGINAL}'></i>original</span>"
        f"<span><i class='sw' style='background:{svg.RELEASED}'></i>released</span> <small>bars: share of "
        "records per value; numbers in quantile bins, a value held by many records (e.g. 0) has its own bar; "
        "<i>suppressed</i>: values blanked by disclosure control</small></p><div class='grid'>",
    ]
    notes = []
    for m in r["marginals"]:
        if not m["comparable"]:
            notes.append(f"{m['column']}: {m['note']}")
            continue
        out.append(
            svg.grouped_bars(
                f"{m['column']} (TVD {m['tvd']:.3f})",
                m["labels"],
                [("original", m["original"]), ("released", m["released"])],
            )
        )
    out.append("</div>")
    if notes:
        out.append("<p><small>" + "; ".join(_e(n) for n in notes) + "</small></p>")
    assoc = r.get("association")
    if assoc:
        out.append(
            "<div class='wide'>"
            + svg.heatmap(
                "Association difference |V(original) − V(released)| (Cramér V)",
                assoc["columns"],
                assoc["difference"],
                vmax=assoc_vmax,
                legend="|ΔV|, one scale for all releases",
            )
            + "</div>"
            f"<p>Mean pairwise association difference {assoc['mean_difference']:.3f}, "
            f"largest {assoc['max_difference']:.3f}.</p>"
        )
    out.append("</section>")
    return "".join(out)


def _share(v: Any) -> str:
    return f"{v:.1%}" if isinstance(v, (int, float)) and not isinstance(v, bool) else "—"


def _sdc(report: dict[str, Any]) -> str:
    sdc = report["sdc"]
    if not sdc["steps"]:
        return ""
    chains = [
        {
            "release": c["release"],
            "steps": " → ".join(c["steps"]),
            "k before": c.get("k_before"),
            "k after": c.get("k_after"),
            "records below k": c.get("records_below_k_after"),
            "records changed": _share((c.get("information_loss") or {}).get("records_changed_share")),
            "records suppressed": _share(
                (c.get("information_loss") or {}).get(
                    "records_suppressed_share", (c.get("information_loss") or {}).get("records_removed_share")
                )
            ),
            "verdict": c["verdict"],
        }
        for c in sdc.get("chains", [])
    ]
    rows = []
    for s in sdc["steps"]:
        il = s.get("information_loss", {})
        rows.append(
            {
                "step": s["step"],
                "use": s["use"],
                "reads": s.get("input", "data"),
                "role": "release" if s.get("final", True) else "intermediate",
                "k before": s.get("k_before"),
                "k after": s.get("k_after"),
                "records changed": _share(il.get("records_changed_share")),
                "cells changed": _share(il.get("cells_changed_share")),
                "records suppressed": _share(il.get("records_suppressed_share", il.get("records_removed_share"))),
                "verdict": s["verdict"].replace("not_applicable", "n/a (intermediate)"),
            }
        )
    out = [
        f"<section id='sdc'><h2>Statistical disclosure control {_verdict(sdc['verdict'])}</h2>",
        "<p>SDC changes real records; it gives no formal guarantee. Steps that read one another form a release "
        "chain, judged by its last step (the table actually released); k is the smallest number of records "
        "sharing one combination of quasi-identifiers. Information loss is the share of values changed.</p>",
    ]
    if chains:
        out.append("<h3>Releases</h3>" + _table(chains, list(chains[0])))
    out.append("<h3>Steps (each against the table it read)</h3>" + _table(rows, list(rows[0])))
    for s in sdc["steps"]:
        per = (s.get("information_loss") or {}).get("columns") or {}
        changed = [
            {"column": c, "changed": _share(v["changed"]), "suppressed": _share(v["suppressed"])}
            for c, v in per.items()
            if v["changed"] > 0
        ]
        if changed:
            out.append(
                f"<details><summary>{_e(s['step'])}: per-column loss</summary>"
                + _table(changed, ["column", "changed", "suppressed"])
                + "</details>"
            )
    out += [f"<p>{_e(r)}</p>" for r in sdc["reasons"]]
    out.append(_proxies(report))
    out.append("</section>")
    return "".join(out)


def _proxies(report: dict[str, Any]) -> str:
    """Kept columns that give back a suppressed or generalised quasi-identifier, per SDC release."""
    th = report["thresholds"]
    rows = [
        {
            "release": s["step"],
            "kept column": p["column"],
            "hidden quasi-identifier": f"{p['determines']} ({p.get('hidden_as', 'hidden')})",
            "Theil's U": p["theil_u"],
            "hidden values given back (95% sure)": _share(p["revealed_share"]),
            "for example": ", ".join(p.get("revealing_values") or []) or "—",
            "verdict": p["verdict"],
        }
        for s in report["sdc"]["steps"]
        for p in s.get("proxies") or []
    ]
    finals = [s["step"] for s in report["sdc"]["steps"] if s.get("final", True)]
    head = (
        "<h3 id='proxies'>Proxy columns</h3><p>A kept column that (nearly) determines a quasi-identifier the SDC "
        "suppressed or generalised undoes the protection. Measured on the real data as Theil's U (the share of "
        "the hidden value's uncertainty the kept column removes, beyond what the released value says; 0 = "
        f"nothing, 1 = restores it): warns from {threshold_text('proxy_warn_u', th)}, fails from "
        f"{threshold_text('proxy_fail_u', th)}. Drop or coarsen such a column, or treat it as a "
        "quasi-identifier too.</p>"
    )
    if not rows:
        return head + f"<p>No kept column of {_e(', '.join(finals) or 'the releases')} reaches the threshold.</p>"
    return head + _table(rows, list(rows[0]))


def _attacks(report: dict[str, Any]) -> str:
    att = report["attacks"]
    out = [f"<section id='attacks'><h2>Privacy attacks {_verdict(att['verdict'])}</h2>"]
    if not att["results"]:
        out.append("<p>No attacks were run.</p></section>")
        return "".join(out)
    items = [(f"{a['use']} → {a['target']}", a["risk"], a["risk_ci"][0], a["risk_ci"][1]) for a in att["results"]]
    th = report["thresholds"]
    out.append(
        "<p>Risk is the attack's success beyond what the control (or baseline) guess achieves, "
        "(success − control) / (1 − control), with its 95% interval; an attack fails above "
        f"{threshold_text('max_risk', th)} and warns when its interval reaches above it.</p>"
    )
    negative = [a for a in att["results"] if a["risk"] < 0 or a["risk_ci"][0] < 0]
    if negative:
        out.append(
            "<p class='note' id='negative-risk'><b>Negative risk</b> ("
            f"{len(negative)} of {len(att['results'])} results have a risk or interval below 0): below 0 the "
            "attack did <i>worse</i> than the control "
            "guess, i.e. its success rate was below the control baseline (records the attacker never saw). "
            "That means no measurable risk, not a negative one; the interval shows how uncertain the estimate "
            "is (few attempts give wide intervals).</p>"
        )
    out.append(
        "<div class='wide'>"
        + svg.interval_plot(
            "Attack risk with 95% intervals",
            items,
            threshold=th["max_risk"],
            threshold_name=threshold_text("max_risk", th),
        )
        + "</div>"
    )
    rows = [
        {
            "attack": a["use"],
            "target": a["target"],
            "risk": a["risk"],
            "risk 95% CI": _ci(a["risk_ci"]),
            "success": a["success_rate"],
            "baseline": a["baseline_rate"],
            "control": a["control_rate"],
            "attempts": a["n_attempts"],
            "verdict": a["verdict"],
        }
        for a in att["results"]
    ]
    out.append(_table(rows, list(rows[0])))
    out += [f"<p>{_e(r)}</p>" for r in att["reasons"]]
    out.append("</section>")
    return "".join(out)


def _ci(ci: list[float] | None) -> str:
    return "" if not ci else f"{ci[0]:.3f}–{ci[1]:.3f}"


def _utility(report: dict[str, Any]) -> str:
    ut = report["utility"]
    out = [f"<section id='utility'><h2>Utility {_verdict(ut['verdict'])}</h2>"]
    if ut["results"]:
        targets = list(dict.fromkeys(r["target"] for r in ut["results"]))
        by_metric: dict[str, dict[str, Any]] = {}
        for r in ut["results"]:
            row = by_metric.setdefault(
                r["use"], {"metric": r["use"], "best": "higher" if r["higher_is_better"] else "0.5 / lower"}
            )
            row[r["target"]] = r["score"]
        rows = list(by_metric.values())
        if ut["per_release"]:
            rows.append({"metric": "mean utility (headline)", "best": "higher", **ut["per_release"]})
        out.append(_table(rows, ["metric", *targets, "best"], ["metric", *(f"'{t}'" for t in targets), "best"]))
    else:
        out.append("<p>No utility metrics were run.</p>")
    out += [f"<p>{_e(r)}</p>" for r in ut["reasons"]]
    risk_by_target: dict[str, float] = {}
    for a in report["attacks"]["results"]:
        risk_by_target[a["target"]] = max(risk_by_target.get(a["target"], -1.0), a["risk"])
    points = [(t, risk_by_target[t], u, 0.0, 0.0) for t, u in ut["per_release"].items() if t in risk_by_target]
    if len(points) >= 2:
        out.append(
            "<h3>Privacy-utility position of the releases</h3><div class='wide'>"
            + svg.scatter(
                "Privacy-utility: highest attack risk vs mean utility",
                points,
                x_label="highest attack risk (lower is safer)",
                y_label="mean utility (higher is better)",
            )
            + "</div>"
        )
    out.append("</section>")
    return "".join(out)


def _components(report: dict[str, Any]) -> str:
    comps = report.get("components", [])
    rows = [
        {
            "step": c["step"],
            "component": c["use"],
            "kind": c["kind"],
            "privacy": c.get("privacy"),
            "from": f"{c.get('distribution') or c.get('plugin')} {c.get('version') or ''}".strip(),
            "params": c.get("params"),
        }
        for c in comps
    ]
    guarantees: dict[str, list[str]] = {}  # guarantee text -> components documenting it
    for c in comps:
        if c.get("privacy_guarantee"):
            names = guarantees.setdefault(c["privacy_guarantee"], [])
            if c["use"] not in names:
                names.append(c["use"])
    docs = "".join(
        f"<dt>{_e(', '.join(names))}</dt><dd>{_literals(_e(text))}</dd>" for text, names in guarantees.items()
    )
    return (
        "<section id='components'><h2>Components and their documented guarantees</h2>"
        + _table(rows, list(rows[0]) if rows else [], long=("params",))
        + (f"<h3>Privacy guarantees, as documented by each component</h3><dl class='docs'>{docs}</dl>" if docs else "")
        + "</section>"
    )


def _compliance(report: dict[str, Any]) -> str:
    comp = report["compliance"]
    out = ["<section id='compliance'><h2>Compliance guidance</h2>", f"<p class='note'>{_e(comp['disclaimer'])}</p>"]
    if not comp["claim"]:
        out.append(f"<p><b>No compliance claim is made for this run</b>: {_e(comp['no_claim_reason'])}.</p>")
    rows = [
        {
            "framework": i["framework"],
            "notion": i["notion"],
            "status": i["status"].replace("_", " "),
            "evidence": "; ".join(i["evidence"]),
        }
        for i in comp["items"]
    ]
    out.append(_table(rows, ["framework", "notion", "status", "evidence"]))
    out.append("</section>")
    return "".join(out)


def render_html(report: dict[str, Any]) -> str:
    """The whole page for ``report``: the internal report (``schemas/report.schema.json``) or a release view.

    The page says at the top which kind it is: the internal report opens with a
    "do not publish" notice; a release view (``kind: "release"``) is rendered by
    :func:`safedata_core.report.html_release.render_release_html`.
    """
    if report.get("kind") == "release":
        from safedata_core.report.html_release import render_release_html

        return render_release_html(report)
    run = report["run"]
    releases = report.get("releases", [])
    scale = _assoc_scale(releases)
    intermediate = {st["step"] for st in report.get("sdc", {}).get("steps", []) if not st.get("final", True)}
    nav = [
        ("publish", "Can I publish?"),
        ("summary", "Summary"),
        ("data", "Data"),
        ("ledger", "Privacy ledger"),
        ("releases", "Releases"),
        ("sdc", "SDC"),
        ("attacks", "Attacks"),
        ("utility", "Utility"),
        ("components", "Components"),
        ("compliance", "Compliance"),
        ("narrative", "Audit narrative"),
    ]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>safedata report: {_e(run['name'])}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>Internal evaluation report: {_e(run['name'])}</h1>"
        f"<p class='internal' role='note' id='internal-notice'>{_e(report.get('notice') or '')}</p>"
        f"<p>Run <code>{_e(run['id'])}</code> · finished {_e(run['finished_at'])} · "
        f"seed {_e(run['seed'])}</p></header>",
        "<main>",
        _publish(report),
        "<nav aria-label='Sections'><ul>" + "".join(f"<li><a href='#{a}'>{t}</a></li>" for a, t in nav) + "</ul></nav>",
        _summary(report),
        _inventory(report),
        _ledger(report),
        "<section id='releases'><h2>Releases: fidelity to the original</h2>",
        "".join(
            _release(r, scale)
            if r["step"] not in intermediate
            else f"<details><summary>Intermediate SDC step <code>{_e(r['step'])}</code> (read by a later SDC step; "
            "not the release)</summary>" + _release(r, scale) + "</details>"
            for r in releases
        )
        or "<p>Nothing was released.</p>",
        "</section>",
        _sdc(report),
        _attacks(report),
        _utility(report),
        _components(report),
        _compliance(report),
        "<section id='narrative'><h2>Audit narrative</h2><ol>"
        + "".join(f"<li>{_e(s)}</li>" for s in report.get("narrative", []))
        + "</ol></section>",
    ]
    if report.get("warnings"):
        parts.append(
            "<section id='warnings'><h2>Warnings</h2><ul>"
            + "".join(f"<li>{_e(w)}</li>" for w in report["warnings"])
            + "</ul></section>"
        )
    parts.append(f"<p class='note'>{_e(report['privacy']['note'])}</p></main>")
    parts.append(
        f"<footer>Run {_e(run['id'])} · pipeline SHA-256 {_e(run['pipeline_sha256'])} · "
        f"audit head {_e(run['audit_head'])}</footer></body></html>"
    )
    return "".join(parts)
