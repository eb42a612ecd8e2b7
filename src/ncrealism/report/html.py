"""A self-contained HTML report (and its Markdown twin) from a list of sections.

A report is a title, an introduction and :class:`Section` objects holding blocks: paragraphs
(:class:`Text`), figures (:class:`FigureRef`: a PNG embedded as a base64 ``data:`` URI, so the
HTML file needs nothing beside it), tables (:class:`Table`, from a Polars frame) and bullet
lists (:class:`Bullets`). :func:`sources_section` builds the closing "Data and sources"
section: every dataset file the run read (name, version, variant, origin, sha256), the papers
behind the models, the coding sources and the files supplied by the user, each with its link
(landing page or DOI). Those links are the only references to the outside: the page loads no
script, style sheet, font or image from elsewhere.

:func:`render_html` returns the HTML document; :func:`render_markdown` the same content as
Markdown, figures referenced by their relative path (``figures/<name>.png``).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from ncrealism.report.citations import Citation

__all__ = [
    "Block",
    "Bullets",
    "FigureRef",
    "Section",
    "Table",
    "Text",
    "render_html",
    "render_markdown",
    "sources_section",
]


@dataclass(frozen=True)
class Text:
    """A paragraph of plain text (escaped); ``note`` renders it as a highlighted remark."""

    text: str
    note: bool = False


@dataclass(frozen=True)
class Bullets:
    """A bullet list; an item is text, or (text, url) for a link."""

    items: Sequence[str | tuple[str, str | None]]


@dataclass(frozen=True)
class FigureRef:
    """A figure written by the run: its PNG (embedded) and SVG, title and caption."""

    name: str
    title: str
    png: Path
    svg: Path
    caption: str = ""


@dataclass(frozen=True)
class Table:
    """A Polars frame shown as a table; floats to ``digits`` decimals."""

    frame: pl.DataFrame
    caption: str = ""
    digits: int = 3


Block = Text | Bullets | FigureRef | Table


@dataclass(frozen=True)
class Section:
    """A titled part of the report; ``anchor`` is its HTML id."""

    anchor: str
    heading: str
    blocks: Sequence[Block] = field(default_factory=tuple)


# ---------------------------------------------------------------------------- formatting
def _fmt(v: Any, digits: int) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if math.isnan(v):
            return "n/a"
        if v != 0 and abs(v) < 10 ** (-digits):
            return f"{v:.{digits}g}"
        # Meaningful digits: a count of days or a large index needs no decimals (288, not
        # 288.261); shares and probabilities keep ``digits`` decimals.
        if abs(v) >= 100:
            return f"{v:,.0f}"
        if abs(v) >= 10:
            return f"{v:.1f}"
        return f"{v:.{digits}f}"
    if isinstance(v, list | tuple):
        return ", ".join(_fmt(x, digits) for x in v)
    return str(v)


_CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1d1d1d;
max-width:1100px;margin:0 auto;padding:1.5em 2em;line-height:1.45;background:#fff}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;
margin-top:2em}h3{margin-top:1.4em}
.sub{color:#555;margin-top:0}
nav ol{columns:2;font-size:.95em}
figure{margin:1.2em 0;padding:.6em;border:1px solid #e3e3e3;border-radius:4px;background:#fcfcfc}
figure img{max-width:100%;height:auto;display:block;margin:0 auto}
figcaption{font-size:.88em;color:#333;margin-top:.4em}
.tw{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.8em 0;font-size:.88em}
th,td{border:1px solid #d6d6d6;padding:3px 8px;vertical-align:top}
th{background:#f2f2f2;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
caption{caption-side:bottom;text-align:left;font-size:.85em;color:#444;padding-top:.3em}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.4em .8em}
code,.hash{font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
.hash{word-break:break-all}
ul.refs li{margin-bottom:.35em}
footer{margin-top:3em;font-size:.85em;color:#666;border-top:1px solid #ddd;padding-top:.6em}
"""


def _table_html(t: Table) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in t.frame.columns)
    rows = []
    for row in t.frame.iter_rows():
        cells = []
        for v, dtype in zip(row, t.frame.dtypes, strict=True):
            text = _fmt(v, t.digits)
            if isinstance(v, str) and len(v) == 64 and all(c in "0123456789abcdef" for c in v):
                cells.append(f'<td class="hash">{e(text)}</td>')
            else:
                cls = "num" if dtype.is_numeric() else "txt"
                cells.append(f'<td class="{cls}">{e(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{e(t.caption)}</caption>" if t.caption else ""
    return (
        f'<div class="tw"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _link(text: str, url: str | None) -> str:
    e = html.escape
    if url and url.startswith(("http://", "https://")):
        return f'{e(text)} <a href="{e(url, quote=True)}">{e(url)}</a>'
    return e(text)


def _block_html(b: Block) -> str:
    e = html.escape
    if isinstance(b, Text):
        return f'<p class="note">{e(b.text)}</p>' if b.note else f"<p>{e(b.text)}</p>"
    if isinstance(b, Bullets):
        items = []
        for it in b.items:
            items.append(f"<li>{_link(*it) if isinstance(it, tuple) else e(it)}</li>")
        return '<ul class="refs">' + "".join(items) + "</ul>"
    if isinstance(b, FigureRef):
        data = base64.b64encode(Path(b.png).read_bytes()).decode("ascii")
        cap = e(b.caption) if b.caption else ""
        files = f"Files: figures/{e(Path(b.png).name)}, figures/{e(Path(b.svg).name)}."
        return (
            f'<figure id="fig-{e(b.name)}"><img src="data:image/png;base64,{data}" '
            f'alt="{e(b.title, quote=True)}"><figcaption><strong>{e(b.title)}.</strong> '
            f"{cap} <span class='hash'>{files}</span></figcaption></figure>"
        )
    return _table_html(b)


def render_html(
    title: str,
    sections: Sequence[Section],
    *,
    subtitle: str = "",
    intro: Sequence[Block] = (),
    footer: str = "",
) -> str:
    """The report as one self-contained HTML document (figures embedded as base64 PNG)."""
    e = html.escape
    toc = "".join(f'<li><a href="#{e(s.anchor)}">{e(s.heading)}</a></li>' for s in sections)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{e(title)}</h1>",
        f'<p class="sub">{e(subtitle)}</p>' if subtitle else "",
        "</header>",
        *(_block_html(b) for b in intro),
        f"<nav><h2>Contents</h2><ol>{toc}</ol></nav>",
    ]
    for s in sections:
        parts.append(f'<section id="{e(s.anchor)}"><h2>{e(s.heading)}</h2>')
        parts.extend(_block_html(b) for b in s.blocks)
        parts.append("</section>")
    if footer:
        parts.append(f"<footer>{e(footer)}</footer>")
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p) + "\n"


def _md_table(t: Table) -> str:
    cols = t.frame.columns
    head = "| " + " | ".join(cols) + " |"
    sep = "|" + "|".join("---:" if d.is_numeric() else "---" for d in t.frame.dtypes) + "|"
    body = [
        "| " + " | ".join(_fmt(v, t.digits).replace("|", "/") for v in row) + " |"
        for row in t.frame.iter_rows()
    ]
    cap = ["", f"*{t.caption}*"] if t.caption else []
    return "\n".join([head, sep, *body, *cap])


def _block_md(b: Block) -> str:
    if isinstance(b, Text):
        return f"> {b.text}" if b.note else b.text
    if isinstance(b, Bullets):
        out = []
        for it in b.items:
            if isinstance(it, tuple):
                text, url = it
                out.append(f"- {text} <{url}>" if url else f"- {text}")
            else:
                out.append(f"- {it}")
        return "\n".join(out)
    if isinstance(b, FigureRef):
        png = f"figures/{Path(b.png).name}"
        svg = f"figures/{Path(b.svg).name}"
        return f"![{b.title}]({png})\n\n**{b.title}.** {b.caption} (SVG: `{svg}`)"
    return _md_table(b)


def render_markdown(
    title: str,
    sections: Sequence[Section],
    *,
    subtitle: str = "",
    intro: Sequence[Block] = (),
    footer: str = "",
) -> str:
    """The report as Markdown; figures are linked from ``figures/``."""
    out = [f"# {title}", ""]
    if subtitle:
        out += [f"*{subtitle}*", ""]
    out += [_block_md(b) + "\n" for b in intro]
    for s in sections:
        out += [f"## {s.heading}", ""]
        out += [_block_md(b) + "\n" for b in s.blocks]
    if footer:
        out += ["---", footer, ""]
    return "\n".join(out)


def sources_section(
    citations: Sequence[Citation],
    *,
    versions: Mapping[str, str] | None = None,
    anchor: str = "data-and-sources",
) -> Section:
    """The "Data and sources" section: datasets read (with variant and sha256), the models'
    papers, coding sources and the user's files, from a run's citations."""
    import polars as pl

    datasets = [c for c in citations if c.kind == "dataset"]
    blocks: list[Block] = []
    if datasets:
        blocks.append(
            Text(
                "Every registered dataset file this run read, in the order it was first read. "
                "variant: 'primary' is the publisher's file, 'alternate' a recorded conversion "
                "or derived copy (its provenance is in the registry); origin: where the verified "
                "file came from; sha256: the hash of the file read (checked against the "
                "registry before use)."
            )
        )
        blocks.append(
            Table(
                pl.DataFrame(
                    {
                        "dataset": [c.name or c.key for c in datasets],
                        "title": [c.title or "" for c in datasets],
                        "version": [c.version or "" for c in datasets],
                        "variant": [
                            f"{c.variant} ({c.kind_of_file})" if c.variant else "not resolved"
                            for c in datasets
                        ],
                        "file": [c.file or "" for c in datasets],
                        "origin": [c.origin or "" for c in datasets],
                        "sha256": [c.sha256 or "" for c in datasets],
                        "used for": ["; ".join(c.used_for) for c in datasets],
                    }
                )
            )
        )
        alternates = [c for c in datasets if c.variant == "alternate" and c.provenance]
        if alternates:
            blocks.append(Bullets([f"{c.name} (alternate): {c.provenance}" for c in alternates]))
        seen: set[str] = set()
        cites: list[str | tuple[str, str | None]] = []
        for c in datasets:
            if c.key in seen:
                continue
            seen.add(c.key)
            cites.append((f"[{c.key}] {c.text}", c.url))
        blocks += [Text("Dataset citations (as their publishers ask):"), Bullets(cites)]
    else:
        blocks.append(Text("No registered dataset was read.", note=True))
    works = [c for c in citations if c.kind == "work"]
    if works:
        blocks += [
            Text("Models and methods: the papers whose equations the run computed."),
            Bullets(
                [(f"[{c.key}] {c.text} Used for: {'; '.join(c.used_for)}.", c.url) for c in works]
            ),
        ]
    refs = [c for c in citations if c.kind == "reference"]
    if refs:
        blocks += [
            Text(
                "Coding sources: the references of the perception profile's parameter values "
                "and the sources of the negotiation case files."
            ),
            Bullets([(f"{c.text} ({'; '.join(c.used_for)})", None) for c in refs]),
        ]
    files = [c for c in citations if c.kind == "file"]
    if files:
        blocks += [
            Text("Files supplied to the run (coded record):"),
            Table(
                pl.DataFrame(
                    {
                        "role": [c.key.removeprefix("file_") for c in files],
                        "file": [c.file or "" for c in files],
                        "sha256": [c.sha256 or "" for c in files],
                    }
                )
            ),
        ]
    if versions:
        blocks.append(
            Text(
                "Software: "
                + ", ".join(f"{k} {v}" for k, v in versions.items())
                + f". Written {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}."
            )
        )
    blocks.append(
        Text(
            "The same list is in citations.json and citations.bib beside this file; "
            "'ncr cite --run DIR' prints it."
        )
    )
    return Section(anchor, "Data and sources", blocks)
