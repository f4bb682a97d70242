"""Render a profile dict as a self-contained HTML page (inline CSS and SVG, no scripts, no external files)."""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["class_size_svg", "render_html"]

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f2f2f2}.direct_identifier{background:#fde2e2}.quasi_identifier{background:#fff4d6}
.sensitive{background:#e4efff}.warn{color:#a40}small{color:#666}
"""


def class_size_svg(distribution: list[dict[str, Any]], *, width: int = 480, height: int = 180) -> str:
    """Inline SVG bar chart: records per equivalence-class-size bucket."""
    if not distribution:
        return ""
    top = max(max(d["records"] for d in distribution), 1)
    n = len(distribution)
    pad, base = 30, height - 30
    bw = (width - 2 * pad) / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="records per class size">'
    ]
    for i, d in enumerate(distribution):
        h = (base - 10) * d["records"] / top
        x = pad + i * bw
        colour = "#d9534f" if d["size"] in ("1", "2", "3-4") else "#5b8def"
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{base - h:.1f}" width="{bw - 4:.1f}" height="{h:.1f}" '
            f'fill="{colour}"><title>{escape(d["size"])}: {d["records"]} records</title></rect>'
        )
        parts.append(
            f'<text x="{x + bw / 2:.1f}" y="{base + 14}" font-size="11" text-anchor="middle">{escape(d["size"])}</text>'
        )
        parts.append(
            f'<text x="{x + bw / 2:.1f}" y="{base - h - 3:.1f}" font-size="10" text-anchor="middle">'
            f"{d['records']}</text>"
        )
    parts.append(
        f'<text x="{width / 2}" y="{height - 2}" font-size="11" text-anchor="middle">'
        "records by size of their QI class</text></svg>"
    )
    return "".join(parts)


def _table(headers: list[str], rows: list[list[Any]], row_class: list[str] | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for i, r in enumerate(rows):
        cls = f' class="{escape(row_class[i])}"' if row_class else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{escape(_fmt(v))}</td>" for v in r) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if v is None:
        return "—"
    return str(v)


def render_html(profile: dict[str, Any], *, title: str = "safedata profile") -> str:
    """The whole page as a string."""
    risk = profile["risk"]
    cols = profile["columns"]
    col_rows = [
        [
            name,
            c["type"],
            c["role"],
            c["missing"],
            c["distinct"],
            "; ".join(f"{f['kind']} ({f['confidence']:.2f})" for f in c["findings"]) or "",
            c["type_reason"],
        ]
        for name, c in cols.items()
    ]
    below = risk["records_below_k"]
    n = max(profile["rows"], 1)
    risk_rows = [[f"< {k}", v, f"{v / n:.1%}"] for k, v in below.items()]
    ir = risk.get("individual_risk", {})
    div_rows = [
        [
            s,
            risk["l_diversity"][s]["l"],
            risk["l_diversity"][s]["records_with_l_below"]["2"],
            risk["t_closeness"][s]["t"],
            risk["t_closeness"][s]["mean_t"],
        ]
        for s in profile.get("sensitive", [])
    ]
    rare = risk.get("rare_combinations", {})
    qis = profile["quasi_identifiers"]
    rare_rows = [[*(c["values"].get(q) for q in qis), c["count"]] for c in rare.get("combinations", [])]
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>{profile['rows']:,} rows, {len(cols)} columns. Direct identifiers: "
        f"<b>{escape(', '.join(profile['direct_identifiers']) or 'none found')}</b>. "
        f"Quasi-identifiers ({escape(profile['quasi_identifier_source'])}): <b>{escape(', '.join(qis) or 'none')}</b>."
        "</p>",
        "".join(f"<p class='warn'>warning: {escape(w)}</p>" for w in profile.get("warnings", [])),
        "<h2>Columns</h2>",
        _table(
            ["column", "type", "role", "missing", "distinct", "findings (confidence)", "type reason"],
            col_rows,
            [c["role"] for c in cols.values()],
        ),
        "<h2>Re-identification risk on the quasi-identifiers</h2>",
        f"<p>k-anonymity: <b>{risk['k_anonymity']}</b>; sample uniques: <b>{risk['sample_uniques']:,}</b>; "
        f"equivalence classes: {risk['equivalence_classes']:,}.</p>",
        _table(["class size", "records", "share"], risk_rows),
        class_size_svg(risk.get("class_size_distribution", [])),
    ]
    if ir:
        parts.append(
            f"<p>Individual risk (sdcMicro freqCalc, {'weighted' if ir['weighted'] else 'unweighted: Fk = fk'}): "
            f"expected re-identifications {ir['expected_reidentifications']:.1f}, mean {ir['mean_risk']:.3f}, "
            f"max {ir['max_risk']:.3f}; records with risk &gt; 0.1: {ir['records_above']['0.1']:,}.</p>"
        )
    if div_rows:
        parts += [
            "<h2>Sensitive attributes</h2>",
            _table(["column", "distinct l", "records with l < 2", "t (max EMD)", "mean EMD"], div_rows),
        ]
    if rare_rows:
        parts += [
            f"<h2>Rare combinations (classes smaller than {rare['k']})</h2>",
            f"<p>{rare['count']:,} combinations covering {rare['records']:,} records"
            f"{' (first ones shown)' if rare['truncated'] else ''}.</p>",
            _table([*qis, "records"], rare_rows),
        ]
    parts.append(
        "<p><small>Generated by safedata profile. This page lists rare QI combinations: "
        "treat it as confidential.</small></p></body></html>"
    )
    return "".join(parts)
