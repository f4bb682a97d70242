"""Hand-written inline SVG charts for the report and the leaderboard (no plotting library needed).

Colours are the Okabe-Ito colour-blind-safe palette; every chart has a
``<title>`` and ``role="img"`` with an ``aria-label``, and every mark a
``<title>`` tooltip with its exact value, so the numbers are readable without
colour. Charts use ``viewBox`` and scale with the page (and print).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

__all__ = ["PALETTE", "grouped_bars", "heatmap", "interval_plot", "nice_ticks", "scatter"]

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
ORIGINAL, RELEASED = PALETTE[0], PALETTE[1]
_FONT = "font-family='system-ui,sans-serif'"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _open(width: float, height: float, label: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width:.0f} {height:.0f}' role='img' "
        f"aria-label='{_e(label)}' class='chart' {_FONT}><title>{_e(label)}</title>"
    )


def _short(label: str, n: int = 14) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


MAX_LABEL = 28  # longer category names are shortened on the axis; the tooltip has the full text


def _label(
    x: float, y: float, text: str, *, size: int = 9, anchor: str = "end", rotate: float = 0, limit: int = MAX_LABEL
) -> str:
    """An axis label (rotated about its anchor), shortened past ``limit`` characters, full text in its tooltip."""
    transform = f" transform='rotate({rotate:g} {x:.1f} {y:.1f})'" if rotate else ""
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' text-anchor='{anchor}'{transform}>"
        f"<title>{_e(text)}</title>{_e(_short(text, limit))}</text>"
    )


def _percent_ticks(vmax: float) -> tuple[float, list[float]]:
    """A round top for shares in [0, 1] and the ticks up to it."""
    _, top, ticks = nice_ticks(0.0, max(vmax, 1e-9), 4)
    return top, ticks


def grouped_bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    y_label: str = "share of records",
    width: int = 340,
) -> str:
    """Vertical grouped bars: one group per label, one bar per series (shares in [0, 1]).

    The y axis is labelled and ticked in percent; every category name is written
    under its group (rotated 45 degrees, shortened past :data:`MAX_LABEL`
    characters, full name in the tooltip).
    """
    longest = max((len(_short(str(lab), MAX_LABEL)) for lab in labels), default=1)
    left, top, plot_h = 46, 22, 120
    bottom = 16 + int(longest * 9 * 0.55 * 0.71)  # characters x font size x glyph width x sin 45
    height = top + plot_h + bottom
    n, k = max(len(labels), 1), max(len(series), 1)
    plot_w = width - left - 6
    vmax, ticks = _percent_ticks(max([max(v, default=0.0) for _, v in series] + [1e-9]))
    group_w = plot_w / n
    bar_w = max(group_w * 0.8 / k, 0.5)
    out = [_open(width, height, title), f"<text x='{left}' y='14' font-size='12' font-weight='600'>{_e(title)}</text>"]
    for t in ticks:
        y = top + plot_h * (1 - t / vmax)
        out.append(
            f"<line x1='{left}' x2='{width - 6}' y1='{y:.1f}' y2='{y:.1f}' stroke='#ddd'/>"
            f"<text x='{left - 3}' y='{y + 3:.1f}' font-size='9' text-anchor='end'>{t:.0%}</text>"
        )
    out.append(
        f"<text transform='translate(10,{top + plot_h / 2:.1f}) rotate(-90)' font-size='9' "
        f"text-anchor='middle'>{_e(y_label)}</text>"
    )
    for s, (name, values) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        for i, v in enumerate(values):
            h = plot_h * (v / vmax)
            x = left + i * group_w + group_w * 0.1 + s * bar_w
            out.append(
                f"<rect x='{x:.1f}' y='{top + plot_h - h:.1f}' width='{bar_w:.1f}' height='{h:.1f}' "
                f"fill='{colour}'><title>{_e(labels[i])} · {_e(name)}: {v:.1%}</title></rect>"
            )
    for i, lab in enumerate(labels):
        x = left + (i + 0.5) * group_w
        out.append(_label(x + 3, top + plot_h + 10, str(lab), rotate=-45))
    out.append("</svg>")
    return "".join(out)


def _seq_colour(v: float, vmax: float) -> str:
    t = 0.0 if vmax <= 0 else min(max(v / vmax, 0.0), 1.0)
    lo, hi = (247, 251, 255), (8, 48, 107)  # light to dark blue, monotone in lightness
    r, g, b = (round(a + (c - a) * t) for a, c in zip(lo, hi, strict=True))
    return f"rgb({r},{g},{b})"


def heatmap(
    title: str,
    columns: Sequence[str],
    matrix: Sequence[Sequence[float]],
    *,
    vmax: float | None = None,
    legend: str = "value",
) -> str:
    """A square heatmap of a symmetric matrix (e.g. absolute association differences).

    Pass the same ``vmax`` to every heatmap that should be compared: the
    colour of a value then means the same in each, and the legend (labelled
    ``legend``) shows the scale from 0 to ``vmax``.
    """
    n = len(columns)
    longest = max((len(_short(c, 24)) for c in columns), default=1)
    cell = 22
    left = top = 12 + int(longest * 10 * 0.55)
    width, height = left + n * cell + 150, max(top + n * cell + 10, top + 150)
    flat = [v for row in matrix for v in row]
    vmax = vmax if vmax is not None else max([*flat, 1e-09])
    out = [_open(width, height, title), f"<text x='4' y='14' font-size='12' font-weight='600'>{_e(title)}</text>"]
    for i, name in enumerate(columns):
        y = top + i * cell + cell * 0.65
        out.append(
            f"<text x='{left - 4}' y='{y:.1f}' font-size='10' text-anchor='end'><title>{_e(name)}</title>"
            f"{_e(_short(name, 24))}</text>"
        )
        x = left + i * cell + cell * 0.5
        out.append(
            f"<text transform='translate({x:.1f},{top - 4}) rotate(-60)' font-size='10'><title>{_e(name)}</title>"
            f"{_e(_short(name, 24))}</text>"
        )
    for i in range(n):
        for j in range(n):
            v = float(matrix[i][j])
            out.append(
                f"<rect x='{left + j * cell}' y='{top + i * cell}' width='{cell - 1}' height='{cell - 1}' "
                f"fill='{_seq_colour(v, vmax)}'><title>{_e(columns[i])} × {_e(columns[j])}: {v:.3f}"
                "</title></rect>"
            )
    lx, bar_h, steps = left + n * cell + 14, 120, 10
    first, *rest = legend.split(", ", 1)
    out.append(
        f"<g class='legend'><text x='{lx}' y='{top - 20}' font-size='9'>{_e(first)}</text>"
        + (f"<text x='{lx}' y='{top - 9}' font-size='9'>{_e(rest[0])}</text>" if rest else "")
    )
    for i in range(steps):  # darkest on top: the scale runs from 0 (bottom) to vmax (top)
        frac = (i + 0.5) / steps
        y = top + bar_h * (1 - (i + 1) / steps)
        out.append(
            f"<rect x='{lx}' y='{y:.1f}' width='12' height='{bar_h / steps:.1f}' "
            f"fill='{_seq_colour(frac * vmax, vmax)}'/>"
        )
    out.append(f"<rect x='{lx}' y='{top}' width='12' height='{bar_h}' fill='none' stroke='#999'/>")
    for frac in (0.0, 0.5, 1.0):
        y = top + bar_h * (1 - frac)
        out.append(
            f"<line x1='{lx + 12}' x2='{lx + 16}' y1='{y:.1f}' y2='{y:.1f}' stroke='#666'/>"
            f"<text x='{lx + 18}' y='{y + 3:.1f}' font-size='9' class='tick'>{frac * vmax:.2f}</text>"
        )
    out.append("</g></svg>")
    return "".join(out)


def interval_plot(
    title: str,
    items: Sequence[tuple[str, float, float, float]],
    *,
    threshold: float | None = None,
    lo: float | None = None,
    hi: float = 1.0,
    width: int = 620,
    x_label: str = "risk = (success − control) / (1 − control)",
    threshold_name: str = "threshold",
) -> str:
    """Horizontal bars with 95% intervals: ``(label, value, ci_low, ci_high)``, an optional threshold line.

    The x axis is labelled; values below 0 (the attack did worse than the
    control guess) sit on a shaded band; a legend explains bars, whiskers, the
    band and the threshold. ``lo`` defaults to -0.2, or the quarter below the lowest interval.
    """
    lows = [a for _, _, a, _ in items] + [v for _, v, _, _ in items]
    if lo is None:
        lo = max(-1.0, min(-0.2, math.floor(min(lows, default=0.0) * 4) / 4))
    longest = max((len(_short(lab, 48)) for lab, *_ in items), default=10)
    row, top = 26, 26
    left = max(120, min(280, 14 + int(longest * 10 * 0.56)))
    plot_bottom = top + row * max(len(items), 1)
    legend_y = plot_bottom + 44
    height = legend_y + 30
    span = hi - lo
    plot_w = width - left - 20

    def sx(v: float) -> float:
        return left + plot_w * (min(max(v, lo), hi) - lo) / span

    out = [_open(width, height, title), f"<text x='4' y='14' font-size='12' font-weight='600'>{_e(title)}</text>"]
    out.append(
        f"<rect x='{sx(lo):.1f}' y='{top - 4}' width='{sx(0.0) - sx(lo):.1f}' height='{plot_bottom - top + 4}' "
        "fill='#eeeeee'><title>below 0: the attack did worse than the control guess (no measurable risk)</title></rect>"
    )
    t = math.ceil(lo * 4) / 4
    while t <= hi + 1e-9:
        out.append(
            f"<line x1='{sx(t):.1f}' x2='{sx(t):.1f}' y1='{top - 4}' y2='{plot_bottom}' stroke='#ddd'/>"
            f"<text x='{sx(t):.1f}' y='{plot_bottom + 12}' font-size='9' text-anchor='middle'>{t:g}</text>"
        )
        t = round(t + 0.25, 10)
    out.append(
        f"<text x='{left + plot_w / 2:.1f}' y='{plot_bottom + 28}' font-size='10' text-anchor='middle'>"
        f"{_e(x_label)}</text>"
    )
    for i, (label, v, a, b) in enumerate(items):
        y = top + i * row
        colour = PALETTE[5] if threshold is not None and v > threshold else PALETTE[0]
        x0 = sx(0.0)
        out.append(
            _label(left - 6, y + 14, label, size=10, limit=48)
            + f"<rect x='{min(x0, sx(v)):.1f}' y='{y + 5}' width='{abs(sx(v) - x0):.1f}' height='12' "
            f"fill='{colour}' fill-opacity='0.75'><title>{_e(label)}: {v:.3f} (95% CI {a:.3f}–{b:.3f})"
            f"</title></rect><line x1='{sx(a):.1f}' x2='{sx(b):.1f}' y1='{y + 11}' y2='{y + 11}' "
            f"stroke='#000' stroke-width='1.5'/><line x1='{sx(a):.1f}' x2='{sx(a):.1f}' y1='{y + 6}' "
            f"y2='{y + 16}' stroke='#000'/><line x1='{sx(b):.1f}' x2='{sx(b):.1f}' y1='{y + 6}' "
            f"y2='{y + 16}' stroke='#000'/>"
        )
    if threshold is not None:
        out.append(
            f"<line x1='{sx(threshold):.1f}' x2='{sx(threshold):.1f}' y1='{top - 6}' y2='{plot_bottom}' "
            f"stroke='{PALETTE[5]}' stroke-dasharray='4 3' stroke-width='1.5'><title>{_e(threshold_name)}"
            f"</title></line><text x='{sx(threshold) + 3:.1f}' y='{top - 8}' font-size='9' "
            f"fill='{PALETTE[5]}'>{_e(threshold_name)}</text>"
        )
    entries = [
        (f"<rect x='0' y='-9' width='12' height='10' fill='{PALETTE[0]}' fill-opacity='0.75'/>", "risk"),
        (f"<rect x='0' y='-9' width='12' height='10' fill='{PALETTE[5]}' fill-opacity='0.75'/>", "risk above limit"),
        ("<line x1='0' x2='14' y1='-4' y2='-4' stroke='#000' stroke-width='1.5'/>", "95% interval"),
        (f"<line x1='0' x2='14' y1='-4' y2='-4' stroke='{PALETTE[5]}' stroke-dasharray='4 3'/>", "limit"),
        ("<rect x='0' y='-9' width='12' height='10' fill='#eeeeee' stroke='#bbb'/>", "below control (< 0)"),
    ]
    x = 4.0
    out.append("<g class='legend' font-size='9'>")
    for mark, text in entries:
        out.append(f"<g transform='translate({x:.0f},{legend_y})'>{mark}<text x='17' y='0'>{_e(text)}</text></g>")
        x += 26 + len(text) * 5.2
    out.append("</g></svg>")
    return "".join(out)


def nice_ticks(lo: float, hi: float, n: int = 5) -> tuple[float, float, list[float]]:
    """``lo``/``hi`` widened to a round step (1, 2, 2.5 or 5 x 10^k) and the ticks between them (about ``n``)."""
    span = hi - lo if hi > lo else 1.0
    raw = span / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start, stop = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    ticks = [round(start + i * step, 10) for i in range(round((stop - start) / step) + 1)]
    return start, stop, ticks


def scatter(
    title: str,
    points: Sequence[tuple[str, float, float, float, float]],
    *,
    x_label: str,
    y_label: str,
    width: int = 520,
    height: int = 320,
    x_log: bool = False,
) -> str:
    """Points with optional error bars: ``(label, x, y, y_err, x_err)``; same label = same colour and marker."""
    left, bottom, top, right = 52, 40, 24, 150
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [p[1] for p in points] or [0.0, 1.0]
    ys = [p[2] for p in points] or [0.0, 1.0]
    if x_log:
        xs = [math.log10(max(x, 1e-6)) for x in xs]
    x0, x1 = min(xs), max(xs)
    y0, y1 = (
        min(y - p[3] for y, p in zip(ys, points, strict=False)) if points else 0.0,
        max(y + p[3] for y, p in zip(ys, points, strict=False)) if points else 1.0,
    )
    if x1 - x0 < 1e-9:
        x0, x1 = x0 - 0.5, x1 + 0.5
    if y1 - y0 < 1e-9:
        y0, y1 = y0 - 0.05, y1 + 0.05
    pad_x, pad_y = (x1 - x0) * 0.08, (y1 - y0) * 0.1
    x0, x1, y0, y1 = x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y
    y0, y1, y_ticks = nice_ticks(y0, y1)
    if x_log:
        x_ticks = [x0 + (x1 - x0) * f for f in (0, 0.25, 0.5, 0.75, 1)]
    else:
        x0, x1, x_ticks = nice_ticks(x0, x1)

    def sx(v: float) -> float:
        v = math.log10(max(v, 1e-6)) if x_log else v
        return left + plot_w * (v - x0) / (x1 - x0)

    def sy(v: float) -> float:
        return top + plot_h * (1 - (v - y0) / (y1 - y0))

    out = [
        _open(width, height, title),
        f"<text x='4' y='14' font-size='12' font-weight='600'>{_e(title)}</text>",
        f"<rect x='{left}' y='{top}' width='{plot_w}' height='{plot_h}' fill='none' stroke='#999'/>",
    ]
    for yv in y_ticks:
        out.append(
            f"<line x1='{left}' x2='{left + plot_w}' y1='{sy(yv):.1f}' y2='{sy(yv):.1f}' stroke='#eee'/>"
            f"<text x='{left - 4}' y='{sy(yv) + 3:.1f}' font-size='9' text-anchor='end'>{yv:.3g}</text>"
        )
    for xv in x_ticks:
        px = left + plot_w * (xv - x0) / (x1 - x0)
        out.append(
            f"<text x='{px:.1f}' y='{top + plot_h + 12}' font-size='9' "
            f"text-anchor='middle'>{(10**xv if x_log else xv):.3g}</text>"
        )
    out.append(
        f"<text x='{left + plot_w / 2}' y='{height - 6}' font-size='10' text-anchor='middle'>{_e(x_label)}</text>"
        f"<text transform='translate(12,{top + plot_h / 2}) rotate(-90)' font-size='10' "
        f"text-anchor='middle'>{_e(y_label)}</text>"
    )
    names = list(dict.fromkeys(p[0] for p in points))
    markers = ("circle", "square", "diamond", "triangle")
    for label, x, y, yerr, xerr in points:
        i = names.index(label)
        colour, marker = PALETTE[i % len(PALETTE)], markers[i % len(markers)]
        cx, cy = sx(x), sy(y)
        if yerr:
            out.append(
                f"<line x1='{cx:.1f}' x2='{cx:.1f}' y1='{sy(y - yerr):.1f}' y2='{sy(y + yerr):.1f}' stroke='{colour}'/>"
            )
        if xerr and not x_log:
            out.append(
                f"<line x1='{sx(x - xerr):.1f}' x2='{sx(x + xerr):.1f}' y1='{cy:.1f}' y2='{cy:.1f}' stroke='{colour}'/>"
            )
        out.append(_marker(marker, cx, cy, colour, f"{label}: x={x:.3g}, y={y:.3f}"))
    for i, name in enumerate(names):
        ly = top + 10 + i * 16
        out.append(
            _marker(markers[i % len(markers)], width - right + 14, ly, PALETTE[i % len(PALETTE)], name)
            + f"<text x='{width - right + 24}' y='{ly + 4}' font-size='10'>{_e(_short(name, 20))}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def _marker(kind: str, x: float, y: float, colour: str, tip: str) -> str:
    t = f"<title>{_e(tip)}</title>"
    if kind == "square":
        return f"<rect x='{x - 4:.1f}' y='{y - 4:.1f}' width='8' height='8' fill='{colour}'>{t}</rect>"
    if kind == "diamond":
        return (
            f"<polygon points='{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}' "
            f"fill='{colour}'>{t}</polygon>"
        )
    if kind == "triangle":
        return (
            f"<polygon points='{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}' "
            f"fill='{colour}'>{t}</polygon>"
        )
    return f"<circle cx='{x:.1f}' cy='{y:.1f}' r='4.5' fill='{colour}'>{t}</circle>"
