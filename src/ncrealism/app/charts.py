"""Small HTML and SVG charts: bars, intervals and lines, drawn by the browser.

The dashboard's charts that change while a slider moves are HTML (bars placed in percent of
their track) or inline SVG, so that an update costs a few kilobytes of markup instead of a
rendered image. Every chart is a ``<figure>`` with a title, a legend where there are several
series, an axis with its label and unit, and a source line. The functions place the values
they are given; they compute nothing else.

CSS classes (styled by :data:`CSS`): ``ncr-chart`` (the figure), ``ncr-title``, ``ncr-legend``,
``ncr-row`` (one category, ``data-key`` = its key), ``ncr-bar`` (``data-value`` = the value
drawn), ``ncr-axis``, ``ncr-source``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from htmltools import HTML, Tag, tags

__all__ = [
    "CSS",
    "Bar",
    "Interval",
    "Line",
    "Marker",
    "bar_chart",
    "interval_chart",
    "line_chart",
]

CSS = """
.ncr-chart { margin: 0.2rem 0 0.4rem; font-size: 0.76rem; }
.ncr-chart .ncr-title { font-weight: 600; font-size: 0.82rem; margin-bottom: 0.15rem; }
.ncr-legend { font-size: 0.7rem; color: #333; margin-bottom: 0.25rem; }
.ncr-swatch { display: inline-block; width: 0.75em; height: 0.75em; margin: 0 0.25em 0 0.7em;
  vertical-align: -0.05em; }
.ncr-row, .ncr-axis { display: grid; grid-template-columns: var(--ncr-label, 9.5rem) 1fr; }
.ncr-row { align-items: center; border-bottom: 1px dotted #e3e3e3; padding: 1px 0; }
.ncr-label { text-align: right; padding-right: 0.45rem; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.ncr-track { position: relative; margin-right: 2.6rem; }
.ncr-line { position: relative; height: 0.62rem; margin: 2px 0; }
.ncr-bar { position: absolute; top: 0; height: 100%; }
.ncr-gap { position: absolute; top: 0; height: 100%; box-sizing: border-box;
  background: repeating-linear-gradient(45deg, #fff, #fff 3px, #d55e00 3px, #d55e00 4px); }
.ncr-val { position: absolute; top: -0.18rem; font-size: 0.66rem; padding: 0 0.2rem;
  white-space: nowrap; line-height: 1; }
.ncr-zero { position: absolute; top: 0; bottom: 0; border-left: 1px solid #222; }
.ncr-marker { position: absolute; top: 50%; transform: translate(-50%, -50%);
  font-size: 0.7rem; line-height: 1; }
.ncr-axis { font-size: 0.66rem; color: #333; margin-top: 1px; }
.ncr-ticks { position: relative; height: 0.95rem; border-top: 1px solid #222;
  margin-right: 2.6rem; }
.ncr-tick { position: absolute; transform: translateX(-50%); top: 1px; }
.ncr-xlabel { text-align: center; font-size: 0.7rem; margin-right: 2.6rem; }
.ncr-source { font-size: 0.64rem; color: #555; margin-top: 0.2rem; line-height: 1.2; }
.ncr-chart svg text { font-size: 11px; fill: #222; }
"""


@dataclass(frozen=True)
class Bar:
    """One series of a bar chart: its name, its colour and a value per category (``colors``:
    one colour per category instead, e.g. by sign)."""

    name: str
    color: str
    values: Sequence[float]
    colors: Sequence[str] | None = None


def _pct(x: float, lo: float, hi: float) -> float:
    return 100.0 * (min(max(x, lo), hi) - lo) / (hi - lo)


def _el(name: str, *children: str, **attrs: str | None) -> str:
    """An element as HTML text: ``children`` are HTML already; attribute values are escaped
    (``class_`` -> ``class``, ``data_x`` -> ``data-x``). Text children go through
    :func:`_text`. (Bar charts are redrawn on every slider move: text is cheaper to build
    than tag objects.)"""
    parts = [name]
    for k, v in attrs.items():
        if v is None:
            continue
        key = k.rstrip("_").replace("_", "-")
        parts.append(f'{key}="{html.escape(str(v), quote=True)}"')
    return f"<{' '.join(parts)}>{''.join(children)}</{name}>"


def _text(value: object) -> str:
    return html.escape(str(value), quote=False)


def _legend_html(items: Sequence[tuple[str, str]]) -> str:
    parts: list[str] = []
    for name, color in items:
        parts += [_el("span", class_="ncr-swatch", style=f"background:{color}"), _text(name)]
    return _el("div", *parts, class_="ncr-legend")


def _legend(items: Sequence[tuple[str, str]]) -> HTML:
    return HTML(_legend_html(items))


def _axis_html(ticks: Sequence[tuple[float, str]], lo: float, hi: float, xlabel: str) -> str:
    marks = [
        _el("span", _text(text), class_="ncr-tick", style=f"left:{_pct(x, lo, hi):.2f}%")
        for x, text in ticks
    ]
    return _el("div", _el("div"), _el("div", *marks, class_="ncr-ticks"), class_="ncr-axis") + _el(
        "div", _el("div"), _el("div", _text(xlabel), class_="ncr-xlabel"), class_="ncr-axis"
    )


def _axis(ticks: Sequence[tuple[float, str]], lo: float, hi: float, xlabel: str) -> HTML:
    return HTML(_axis_html(ticks, lo, hi, xlabel))


def bar_chart(
    chart_id: str,
    title: str,
    categories: Sequence[tuple[str, str]],
    series: Sequence[Bar],
    *,
    domain: tuple[float, float],
    ticks: Sequence[tuple[float, str]],
    xlabel: str,
    source: str,
    fmt: str = "{:.3f}",
    label_width: str = "9.5rem",
    legend: Sequence[tuple[str, str]] | None = None,
) -> HTML:
    """Horizontal bars, one line per series within each category; signed values are drawn
    from zero (the domain must contain 0). ``categories``: (key, label) pairs; ``legend``:
    (name, colour) pairs (default: the series, when there are several)."""
    lo, hi = domain
    zero = _pct(0.0, lo, hi)
    rows = []
    for i, (key, label) in enumerate(categories):
        lines = []
        for s in series:
            v = float(s.values[i])
            end = _pct(v, lo, hi)
            left, width = min(zero, end), abs(end - zero)
            text = _el(
                "span",
                _text(fmt.format(v)),
                class_="ncr-val",
                style=(f"left:{end:.2f}%" if v >= 0 else f"right:{100 - end:.2f}%"),
            )
            color = s.colors[i] if s.colors is not None else s.color
            bar = _el(
                "div",
                class_="ncr-bar",
                style=f"left:{left:.2f}%;width:{max(width, 0.15):.2f}%;background:{color}",
                data_value=repr(v),
                data_series=s.name,
            )
            lines.append(_el("div", bar, text, class_="ncr-line"))
        track = [_el("div", class_="ncr-zero", style=f"left:{zero:.2f}%"), *lines]
        rows.append(
            _el(
                "div",
                _el("div", _text(label), class_="ncr-label", title=label),
                _el("div", *track, class_="ncr-track"),
                class_="ncr-row",
                data_key=key,
            )
        )
    if legend is None and len(series) > 1:
        legend = [(s.name, s.color) for s in series]
    return HTML(
        _el(
            "figure",
            _el("div", _text(title), class_="ncr-title"),
            _legend_html(legend) if legend else "",
            *rows,
            _axis_html(ticks, lo, hi, xlabel),
            _el("div", _text(source), class_="ncr-source"),
            id=chart_id,
            class_="ncr-chart",
            style=f"--ncr-label:{label_width}",
        )
    )


@dataclass(frozen=True)
class Interval:
    """An interval [lower, upper] on one line of a category; ``lower > upper`` is drawn as a
    hatched gap between the two values."""

    lower: float
    upper: float


@dataclass(frozen=True)
class Marker:
    """A point on a category's line: value, symbol, colour and the legend's name for it."""

    value: float
    symbol: str
    color: str
    name: str


def interval_chart(
    chart_id: str,
    title: str,
    categories: Sequence[tuple[str, str]],
    lines: Sequence[tuple[str, str, Sequence[Interval], Sequence[Sequence[Marker]]]],
    *,
    domain: tuple[float, float],
    ticks: Sequence[tuple[float, str]],
    xlabel: str,
    source: str,
    label_width: str = "9.5rem",
) -> Tag:
    """Intervals per category, one line per entry of ``lines``: (name, colour, one interval
    per category, the markers of each category on that line)."""
    lo, hi = domain
    rows = []
    for i, (key, label) in enumerate(categories):
        parts = []
        for _name, color, intervals, markers in lines:
            iv = intervals[i]
            a, b = _pct(iv.lower, lo, hi), _pct(iv.upper, lo, hi)
            if iv.upper >= iv.lower:
                shape = tags.div(
                    class_="ncr-bar",
                    style=f"left:{a:.2f}%;width:{max(b - a, 0.6):.2f}%;background:{color}",
                    data_value=f"{iv.lower!r},{iv.upper!r}",
                )
            else:
                shape = tags.div(
                    class_="ncr-gap",
                    style=f"left:{b:.2f}%;width:{a - b:.2f}%;border:1px solid {color}",
                    data_value=f"{iv.lower!r},{iv.upper!r}",
                )
            marks = [
                tags.span(
                    m.symbol,
                    class_="ncr-marker",
                    style=f"left:{_pct(m.value, lo, hi):.2f}%;color:{m.color}",
                    title=f"{m.name}: {m.value:.3f}",
                )
                for m in markers[i]
            ]
            parts.append(tags.div(shape, *marks, class_="ncr-line"))
        rows.append(
            tags.div(
                tags.div(label, class_="ncr-label", title=label),
                tags.div(*parts, class_="ncr-track"),
                class_="ncr-row",
                data_key=key,
            )
        )
    legend_items = [(name, color) for name, color, _, _ in lines]
    seen: dict[str, Marker] = {}
    for _, _, _, markers in lines:
        for per_cat in markers:
            for m in per_cat:
                seen.setdefault(m.name, m)
    legend = tags.div(
        *[
            part
            for name, color in legend_items
            for part in (tags.span(class_="ncr-swatch", style=f"background:{color}"), name)
        ],
        class_="ncr-legend",
    )
    for m in seen.values():
        legend.append(tags.span(m.symbol, style=f"color:{m.color};margin-left:0.7em"))
        legend.append(f" {m.name}")
    return tags.figure(
        tags.div(title, class_="ncr-title"),
        legend,
        *rows,
        _axis(ticks, lo, hi, xlabel),
        tags.div(source, class_="ncr-source"),
        id=chart_id,
        class_="ncr-chart",
        style=f"--ncr-label:{label_width}",
    )


@dataclass(frozen=True)
class Line:
    """One series of a line chart."""

    name: str
    color: str
    x: Sequence[float]
    y: Sequence[float]
    dash: str = ""


def line_chart(
    chart_id: str,
    title: str,
    lines: Sequence[Line],
    *,
    xdomain: tuple[float, float],
    ydomain: tuple[float, float],
    xticks: Sequence[tuple[float, str]],
    yticks: Sequence[tuple[float, str]],
    xlabel: str,
    ylabel: str,
    source: str,
    width: int = 520,
    height: int = 230,
) -> Tag:
    """Lines in an inline SVG (scaled to the width of its container)."""
    left, right, top, bottom = 52, 10, 8, 40
    pw, ph = width - left - right, height - top - bottom
    x0, x1 = xdomain
    y0, y1 = ydomain

    def sx(x: float) -> float:
        return left + pw * (min(max(x, x0), x1) - x0) / (x1 - x0)

    def sy(y: float) -> float:
        return top + ph * (1 - (min(max(y, y0), y1) - y0) / (y1 - y0))

    svg: list[str] = [
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#222" '
        'stroke-width="1"/>'
    ]
    for x, text in xticks:
        svg.append(
            f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{top + ph}" y2="{top + ph + 4}" '
            'stroke="#222"/>'
            f'<text x="{sx(x):.1f}" y="{top + ph + 15}" text-anchor="middle">'
            f"{html.escape(text)}</text>"
        )
    for y, text in yticks:
        svg.append(
            f'<line x1="{left - 4}" x2="{left}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" stroke="#222"/>'
            f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{html.escape(text)}</text>'
        )
    svg.append(
        f'<text x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle">'
        f"{html.escape(xlabel)}</text>"
        f'<text transform="translate(12,{top + ph / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle">{html.escape(ylabel)}</text>'
    )
    for ln in lines:
        pts = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(ln.x, ln.y, strict=True))
        dash = f' stroke-dasharray="{ln.dash}"' if ln.dash else ""
        svg.append(
            f'<polyline points="{pts}" fill="none" stroke="{ln.color}" stroke-width="1.8"{dash}>'
            f"<title>{html.escape(ln.name)}</title></polyline>"
        )
    from htmltools import HTML

    body = HTML(
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{html.escape(title, quote=True)}">{"".join(svg)}</svg>'
    )
    return tags.figure(
        tags.div(title, class_="ncr-title"),
        _legend([(ln.name, ln.color) for ln in lines]),
        body,
        tags.div(source, class_="ncr-source"),
        id=chart_id,
        class_="ncr-chart",
    )
