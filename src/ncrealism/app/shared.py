"""What the dashboard's tabs share: the data, the reactive state every tab may read, and the
small pieces of UI they all use (tables, interactive Plotly figures, error messages).

A tab module (:mod:`ncrealism.app.tabs`) receives one :class:`Shared` in its ``server``
function and reads the state and year chosen on the Decision tab through it
(:meth:`Shared.ccode`, :meth:`Shared.year`), never through another tab's inputs directly.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ncrealism.app.data import DashboardData
from ncrealism.errors import NcrError

if TYPE_CHECKING:
    from htmltools import HTML, HTMLDependency, Tag

__all__ = [
    "PLOT_FONT_PX",
    "Shared",
    "Start",
    "note",
    "plotly_dependency",
    "plotly_figure",
    "point_text",
    "polled",
    "safe",
    "table",
]

T = TypeVar("T")

#: Font size of the interactive figures' text (CSS pixels; axis titles and ticks).
PLOT_FONT_PX = 12


def safe(fn: Callable[[], T]) -> T:
    """Run a library call; show an ncrealism error's message in the output (not a traceback)."""
    from shiny.types import SafeException

    try:
        return fn()
    except NcrError as exc:
        raise SafeException(str(exc)) from None


def polled(
    data: DashboardData, key: tuple[Hashable, ...], build: Callable[[], T], every: float
) -> T | None:
    """``build()`` on a worker thread, shared by every session
    (:meth:`~ncrealism.app.data.DashboardData.background`, keyed by ``key``): its result, or
    ``None`` while it runs, the calling output or calculation running again every ``every``
    seconds until it is done; an ncrealism error is shown in the output (:func:`safe`)."""
    from shiny import reactive

    fut = data.background(key, build)
    if not fut.done():
        reactive.invalidate_later(every)
        return None
    return safe(fut.result)


def note(text: str, note_id: str | None = None, *, size: str | None = None) -> Tag:
    """A muted paragraph in a card: what is being computed, or why something is not shown."""
    from htmltools import tags

    return tags.p(
        text,
        id=note_id,
        class_="text-muted",
        style=None if size is None else f"font-size: {size}",
    )


def point_text(point: Mapping[str, float] | None, missing: str = "-") -> str:
    """A point of the issue space as the cards show it: ``"DPRK 0.412, USA 0.650"`` (3
    decimals, issue scale 0-1), or ``missing``."""
    if point is None:
        return missing
    return ", ".join(f"{k} {v:.3f}" for k, v in point.items())


def table(
    table_id: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    keys: Sequence[str] | None = None,
    classes: Sequence[str] | None = None,
    caption: str | None = None,
) -> HTML:
    """A compact striped table; ``keys`` become the rows' ``data-key``, ``classes`` the
    cells' classes (one per column); the caption goes below it.

    Written as escaped HTML text (a table of a hundred cells built from tag objects costs
    tens of milliseconds, on every slider move)."""
    from htmltools import HTML

    def attr(name: str, value: str | None) -> str:
        return "" if value is None else f' {name}="{html.escape(str(value), quote=True)}"'

    out = [
        f'<div class="table-responsive"><table{attr("id", table_id)}'
        ' class="table table-sm table-striped ncr-table mb-1">'
    ]
    if caption:
        out.append(
            '<caption style="caption-side: bottom; font-size: 0.8em">'
            f"{html.escape(caption)}</caption>"
        )
    out.append("<thead><tr>")
    out += [f"<th>{html.escape(str(h))}</th>" for h in header]
    out.append("</tr></thead><tbody>")
    for i, r in enumerate(rows):
        out.append(f"<tr{attr('data-key', keys[i] if keys else None)}>")
        out += [
            f"<td{attr('class', classes[j] if classes else None)}>{html.escape(str(v))}</td>"
            for j, v in enumerate(r)
        ]
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return HTML("".join(out))


def plotly_dependency() -> HTMLDependency:
    """plotly.js, served from the ``plotly`` package (no network)."""
    import plotly
    from htmltools import HTMLDependency

    folder = Path(plotly.__file__).parent / "package_data"
    return HTMLDependency(
        "plotly",
        str(plotly.__version__),
        source={"subdir": str(folder)},
        script={"src": "plotly.min.js"},
        all_files=False,
    )


def plotly_figure(
    div_id: str,
    data: Sequence[Mapping[str, Any]],
    layout: Mapping[str, Any],
    *,
    title: str,
    source: str,
    height: int = 360,
) -> Tag:
    """An interactive Plotly figure (hover for values) from its JSON ``data`` and ``layout``,
    in a ``<figure class="ncr-chart">`` with its ``title`` above and its ``source`` below (HTML
    text, so that they wrap on a phone).

    The figure is written as plotly.js JSON directly (no Python figure object), so building it
    costs little; fonts are :data:`PLOT_FONT_PX` px; the figure follows the width of its card.
    """
    from htmltools import HTML, tags

    base: dict[str, Any] = {
        "font": {"size": PLOT_FONT_PX, "family": "system-ui, sans-serif"},
        "margin": {"l": 56, "r": 12, "t": 28, "b": 48},
        "height": height,
        "autosize": True,
        "legend": {
            "orientation": "h",
            "x": 0.0,
            "y": 1.0,
            "yanchor": "bottom",
            "font": {"size": PLOT_FONT_PX - 1},
        },
        "hovermode": "closest",
    }
    merged = {**base, **layout}
    config = {"displaylogo": False, "responsive": True}
    payload = json.dumps([list(data), merged, config], allow_nan=False)
    script = (
        "(function () { var el = document.getElementById(" + json.dumps(div_id) + ");"
        " if (!el || !window.Plotly) return; var a = " + payload + ";"
        " window.Plotly.react(el, a[0], a[1], a[2]); })();"
    )
    return tags.figure(
        plotly_dependency(),
        tags.div(title, class_="ncr-title"),
        tags.div(id=div_id, class_="ncr-plotly", style=f"width: 100%; min-height: {height}px"),
        tags.script(HTML(script)),
        tags.div(source, class_="ncr-source"),
        class_="ncr-chart",
        id=f"{div_id}-figure",
    )


@dataclass(frozen=True)
class Start:
    """What the page opens on: the state (COW code), the year and the negotiation case."""

    state: int
    year: int
    case: str


@dataclass(frozen=True)
class Shared:
    """What every tab's server reads: the data, and the state and year chosen on the
    Decision tab (reactive calculations; read them inside a render function or a calc)."""

    data: DashboardData
    start: Start
    ccode: Callable[[], int]
    year: Callable[[], int]

    @property
    def names(self) -> dict[int, str]:
        """COW code -> COW abbreviation."""
        return self.data.names()

    def state_name(self) -> str:
        """Short name of the chosen state."""
        return self.data.state_name(self.ccode())

    def data_line(self) -> str:
        """The data files read so far (registry name and version) and the context file."""
        from ncrealism.app import views

        reg = self.data.source.registry
        used = ", ".join(views.dataset_label(r.dataset, reg) for r in self.data.source.used)
        return f"Data: {used}; {self.data.context_label}. ncrealism.decision.inputs.build_inputs."
