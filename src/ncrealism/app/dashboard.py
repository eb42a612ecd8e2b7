"""The ncrealism dashboard (``ncr serve``): a Shiny for Python app over the library's objects.

The page is a navigation bar of tabs, one module each in :mod:`ncrealism.app.tabs` (its UI and
its server logic; the pattern to add one is in that package's docstring): Decision, Negotiation
what-if, Distribution of power, Evidence, Scenarios and Sources. This module assembles them:
:func:`create_app` reads the data once (:class:`ncrealism.app.data.DashboardData`), builds the
page from each tab's ``panel`` and, per session, creates the shared reactive state
(:class:`ncrealism.app.shared.Shared`: the state and year chosen on the Decision tab) and calls
each tab's ``server`` with it: the Decision tab's when the session starts, every other tab's
when the tab is first shown.

The app computes nothing itself: every number comes from
:class:`~ncrealism.app.data.DashboardData`, which calls the library. When no context-event file
is read (no ``--context``, no ``NCR_HISTORY_DIR``), a banner on every tab says that the
outside shocks are off.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ncrealism.app import charts
from ncrealism.app.data import DEFAULT_STATE, DEFAULT_YEAR, DashboardData, case_value_keys
from ncrealism.app.shared import Shared, Start
from ncrealism.app.tabs import TABS
from ncrealism.app.tabs.decision import param_input_id, slider_step
from ncrealism.app.tabs.negotiation import neg_input_id
from ncrealism.data.fetch import DataSource

if TYPE_CHECKING:
    from collections.abc import Callable

    import polars as pl
    from htmltools import Tag
    from shiny import App

__all__ = [
    "ALWAYS_COMPUTED",
    "OPENING_TAB",
    "TAB_OUTPUTS",
    "create_app",
    "initial_inputs",
    "neg_input_id",
    "param_input_id",
    "slider_step",
]

#: The outputs of each tab (a browser reports those of hidden tabs as hidden, and Shiny computes
#: them only when their tab is shown; the load benchmark does the same).
TAB_OUTPUTS: dict[str, tuple[str, ...]] = {tab.ID: tuple(tab.OUTPUTS) for tab in TABS}
#: The tab the page opens on (its server logic starts with the session; every other tab's when
#: the tab is first shown).
OPENING_TAB: str = TABS[0].ID
#: Outputs computed even while their tab is hidden, once the tab has been shown (a tab's
#: optional ``ALWAYS_COMPUTED``, e.g. controls in a sidebar that a phone starts closed).
ALWAYS_COMPUTED: frozenset[str] = frozenset(
    o for tab in TABS for o in getattr(tab, "ALWAYS_COMPUTED", ())
)

CSS = """
.ncr-table td, .ncr-table th { font-size: 0.8rem; padding: 0.15rem 0.35rem; }
.irs--shiny .irs-min, .irs--shiny .irs-max { display: none; }
.bslib-sidebar-layout > .sidebar .shiny-input-container { margin-bottom: 0.4rem; }
.selectize-input .item, .selectize-dropdown .option { white-space: normal; }
.selectize-control.single .selectize-input { height: auto; }
#shocks-banner { margin: 0.5rem 1rem; }
.ncr-plotly { overflow: hidden; }
@media (max-width: 575.98px) {
  .navbar-brand { white-space: normal; font-size: 1rem; max-width: 78%; }
  .ncr-row, .ncr-axis { grid-template-columns: min(var(--ncr-label, 9.5rem), 7.5rem) 1fr; }
}
"""


def _build_ui(data: DashboardData, start: Start) -> Tag:
    from shiny import ui

    from ncrealism.app.shared import plotly_dependency

    style = ui.tags.style(CSS + charts.CSS)
    # ion.rangeSlider computes steps as min + k * step in floating point (0.9400000000000001);
    # round its numbers to 10 decimals so that the labels and the values sent are the steps.
    rounding = ui.tags.script(
        "$(document).on('shiny:bound', function (e) {"
        " var s = window.jQuery(e.target).data('ionRangeSlider'); if (!s) return;"
        " var p = Object.getPrototypeOf(s); if (p.ncrRounded) return;"
        " p.toFixed = function (n) { return +n.toFixed(10); }; p.ncrRounded = true; });"
    )
    header: list[Any] = [style, rounding, plotly_dependency()]
    if data.shocks_off:
        header.append(
            ui.div(
                ui.tags.strong("Outside shocks are off. "),
                "No context-event file was read, so sanctions, inducements, patrons' defection "
                "and leadership changes are all zero and the postures differ from the coded "
                "case. Start the dashboard with ",
                ui.tags.code("--context history/context_events_1990_2009.csv"),
                " or set ",
                ui.tags.code("NCR_HISTORY_DIR"),
                " to the folder of the coded record.",
                id="shocks-banner",
                class_="alert alert-warning py-2",
                role="alert",
            )
        )
    return ui.page_navbar(
        *[tab.panel(data, start) for tab in TABS],
        title="ncrealism: neoclassical realism, computed",
        id="tabs",
        header=ui.TagList(*header),
        window_title="ncrealism dashboard",
        fillable=False,
    )


def _server(data: DashboardData, start: Start) -> Callable[..., None]:
    def server(input: Any, output: Any, session: Any) -> None:
        from shiny import reactive

        @reactive.calc
        def ccode() -> int:
            return int(input.state())

        @reactive.calc
        def year() -> int:
            return int(input.year())

        shared = Shared(data, start, ccode, year)
        # The tab the page opens on starts with the session; every other tab when it is first
        # shown (each reactive object Shiny creates costs it a few milliseconds, so a page
        # start builds only what it shows).
        started: set[str] = set()

        def start_tab(tab_id: str) -> None:
            for tab in TABS:
                if tab_id == tab.ID and tab_id not in started:
                    started.add(tab_id)
                    tab.server(input, shared)

        start_tab(OPENING_TAB)

        @reactive.effect
        def _start_shown_tab() -> None:
            shown = str(input.tabs())
            with reactive.isolate():
                start_tab(shown)

    return server


def initial_inputs(
    data: DashboardData,
    state: int = DEFAULT_STATE,
    year: int = DEFAULT_YEAR,
    case: str | None = None,
) -> dict[str, Any]:
    """The value of every input when the page opens, as a browser sends them at start-up
    (used by the load benchmark to open sessions without a browser)."""
    from ncrealism.negotiation.levers import LEVERS
    from ncrealism.perception.filter import PARAM_NAMES

    prof = data.profile(state, year)
    name = case if case is not None else _first_case(data)
    model = data.case(name)
    out: dict[str, Any] = {
        "tabs": OPENING_TAB,
        "state": str(state),
        "year": year,
        "case": name,
        "lever": next(iter(LEVERS)),
        "reset": 0,
        "solve": 0,
    }
    out.update({param_input_id(n): prof[n] for n in PARAM_NAMES})
    out.update({neg_input_id(k): model.values[k] for k in case_value_keys(model)})
    start = Start(state, year, name)
    for tab in TABS:
        if hasattr(tab, "start_inputs"):
            out.update(tab.start_inputs(data, start))
    return out


def create_app(
    source: DataSource | None = None,
    *,
    context: str | Path | pl.DataFrame | None = None,
    state: int = DEFAULT_STATE,
    year: int = DEFAULT_YEAR,
    history: Path | None = None,
    warm: bool = False,
) -> App:
    """The dashboard as a Shiny :class:`~shiny.App`.

    ``source``: where the data come from (default :meth:`DataSource.from_env`); ``context``:
    a context-event file (outside shocks: sanctions, inducements, patrons' defection,
    leadership changes; e.g. the shared ``history/context_events_1990_2009.csv``), or ``None``
    for the coded record's file in ``history`` or ``NCR_HISTORY_DIR`` (none found: the shocks
    are off, and a banner says so); ``history``: the coded record's folder (default
    ``NCR_HISTORY_DIR``; the Evidence tab's record); ``warm``: run the backtest on a background
    thread now, so that the Evidence tab is ready when first shown;
    ``state``/``year``: what the page opens on. Bad files raise
    :class:`~ncrealism.errors.DataFileError` (file, row, field) before the app is built.
    """
    try:
        from shiny import App
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        from ncrealism.errors import InputError

        raise InputError(
            "the dashboard needs Shiny for Python: install the 'app' extra "
            "(pip install 'ncrealism[app]')"
        ) from exc
    data = DashboardData.create(source, context, history=history)
    first, last = data.year_span(state)
    if not first <= year <= last:
        from ncrealism.errors import InputError

        raise InputError(f"year {year} is outside the years of state {state} ({first}-{last})")
    # Read the data of the opening view now, and the structural reading of every state (the
    # threat each faces), so that the first page is served quickly and a first visit to
    # another state computes only that state's own series.
    data.structural()
    data.inputs(state, year)
    data.series(state)
    start = Start(state, year, _first_case(data))
    data.negotiation(start.case, {})  # the case the Negotiation tab opens on, as coded
    if warm and data.record_file() is not None:
        data.background(("backtest",), data.backtest)
    app = App(_build_ui(data, start), _server(data, start))
    app.sanitize_errors = True
    return app


def _first_case(data: DashboardData) -> str:
    return next(iter(data.cases()))
