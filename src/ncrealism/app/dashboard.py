"""The ncrealism dashboard (``ncr serve``): a Shiny for Python app over the library's objects.

Three tabs:

* **Decision**: choose a state and a year; the measured environment (the independent variable:
  :func:`ncrealism.decision.inputs.build_inputs`) is shown with units and sources; the
  perception sliders start at the state-year's profile
  (:func:`ncrealism.perception.profiles.load_profile`) and set the filter's parameters; the
  posture probabilities (:func:`ncrealism.decision.model.posture_probabilities`, under the
  filter and under structural realism) and the anatomy of the decision
  (:func:`ncrealism.decision.anatomy.anatomy`) update as they move.
* **Negotiation what-if**: choose a case (:mod:`ncrealism.negotiation.cases`), move the inputs
  of the survival party's reservation and the patrons' support, and compare the zone of
  agreement, the Nash solution, the durability and the expected-utility forecast with the case
  as coded; ask what it would take to open a zone (:mod:`ncrealism.negotiation.levers`).
* **Sources**: every data file used, with its citation.

The app computes nothing itself: every number comes from
:class:`ncrealism.app.data.DashboardData`, which calls the library, and is laid out by
:mod:`ncrealism.app.views`. Changing the state, or the year into another period of the
state's profile, resets the sliders to the profile; "Reset to profile" does so at any time.
"""

from __future__ import annotations

import base64
import functools
import io
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ncrealism.app import charts
from ncrealism.app.data import DEFAULT_STATE, DEFAULT_YEAR, DashboardData, case_value_keys
from ncrealism.data.fetch import DataSource
from ncrealism.errors import NcrError

if TYPE_CHECKING:
    import polars as pl
    from htmltools import Tag
    from shiny import App

__all__ = [
    "TAB_OUTPUTS",
    "create_app",
    "initial_inputs",
    "neg_input_id",
    "param_input_id",
    "slider_step",
]

#: The outputs of each tab (a browser reports those of hidden tabs as hidden, and Shiny computes
#: them only when their tab is shown; the load benchmark does the same).
TAB_OUTPUTS: dict[str, tuple[str, ...]] = {
    "decision": (
        "filter_label",
        "headline",
        "posture_table",
        "posture_chart",
        "anatomy_chart",
        "changes_table",
        "environment",
        "threat_chart",
        "series_chart",
        "filter_table",
    ),
    "negotiation": (
        "neg_controls",
        "neg_summary",
        "zone_chart",
        "durability_chart",
        "lever_answer",
    ),
    "sources": ("sources",),
}
#: Size of the time-series image (pixels at 1x; drawn at 2x for sharp screens).
SERIES_SIZE = (640, 300)

T = TypeVar("T")


def param_input_id(name: str) -> str:
    """Input id of the slider of filter parameter ``name``."""
    return f"p_{name}"


def neg_input_id(key: str) -> str:
    """Input id of the what-if slider of case value ``key`` (``survival.offer_credibility``)."""
    return "neg_" + re.sub(r"\W", "_", key)


def slider_step(lo: float, hi: float) -> float:
    """Slider step of a parameter with bounds [lo, hi]: 0.01, or 0.1 for wide ranges (> 5)."""
    return 0.1 if hi - lo > 5 else 0.01


def _safe(fn: Callable[[], T]) -> T:
    """Run a library call; show an ncrealism error's message in the output (not a traceback)."""
    from shiny.types import SafeException

    try:
        return fn()
    except NcrError as exc:
        raise SafeException(str(exc)) from None


# --------------------------------------------------------------------------------- UI pieces
def _table(
    table_id: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    keys: Sequence[str] | None = None,
    classes: Sequence[str] | None = None,
    caption: str | None = None,
) -> Tag:
    from shiny import ui

    head = ui.tags.thead(ui.tags.tr(*[ui.tags.th(h) for h in header]))
    body = []
    for i, r in enumerate(rows):
        cells = [ui.tags.td(v, class_=(classes[j] if classes else None)) for j, v in enumerate(r)]
        body.append(ui.tags.tr(*cells, **({"data-key": keys[i]} if keys else {})))
    parts: list[Any] = [head, ui.tags.tbody(*body)]
    if caption:
        parts.insert(0, ui.tags.caption(caption, style="caption-side: bottom; font-size: 0.8em"))
    return ui.tags.table(*parts, id=table_id, class_="table table-sm table-striped ncr-table mb-1")


def _param_sliders(values: Mapping[str, float]) -> list[Any]:
    """Accordion of the filter's sliders, one panel per cluster (Ripsman, Taliaferro & Lobell
    2016) and one for the choice rule; each slider starts at ``values``."""
    from shiny import ui

    from ncrealism.perception.filter import CLUSTERS, PARAMS

    panels = []
    for cluster in (*CLUSTERS, None):
        items = []
        for p in PARAMS:
            if p.cluster != cluster:
                continue
            label = ui.TagList(
                ui.tags.code(p.name),
                ui.tags.div(
                    f"{p.meaning}. Neutral {p.neutral:g}. {p.source}.",
                    class_="text-muted",
                    style="font-size: 0.72em; line-height: 1.15",
                ),
            )
            items.append(
                ui.input_slider(
                    param_input_id(p.name),
                    label,
                    min=p.lo,
                    max=p.hi,
                    value=values[p.name],
                    step=slider_step(p.lo, p.hi),
                )
            )
        title = (cluster or "choice rule").replace("_", " ")
        panels.append(ui.accordion_panel(title, *items, value=cluster or "choice_rule"))
    return [
        ui.accordion(
            *panels,
            id="clusters",
            open=["strategic_culture", "domestic_institutions"],
            multiple=True,
        )
    ]


def _build_ui(data: DashboardData, state: int, year: int) -> Tag:
    from shiny import ui

    states = {str(s.ccode): s.label for s in data.states()}
    first, last = data.year_span(state)
    profile = data.profile(state, year)
    cases = data.cases()
    from ncrealism.negotiation.levers import LEVERS

    decision_sidebar = ui.sidebar(
        ui.input_select("state", "State", states, selected=str(state)),
        ui.input_slider("year", "Year of decision", min=first, max=last, value=year, sep=""),
        ui.output_ui("filter_label"),
        ui.input_action_button("reset", "Reset sliders to profile", class_="btn-sm"),
        *_param_sliders(profile.values),
        width=360,
        id="decision_sidebar",
    )
    decision = ui.layout_sidebar(
        decision_sidebar,
        ui.output_ui("headline"),
        ui.layout_columns(
            ui.card(
                ui.card_header("Posture probabilities (dependent variable)"),
                ui.output_ui("posture_table"),
                ui.output_ui("posture_chart"),
            ),
            ui.card(
                ui.card_header("Anatomy of the decision"),
                ui.output_ui("anatomy_chart"),
                ui.output_ui("changes_table"),
            ),
            col_widths=(6, 6),
        ),
        ui.layout_columns(
            ui.card(
                ui.card_header("Measured environment (independent variable)"),
                ui.output_ui("environment"),
            ),
            ui.card(
                ui.card_header("Distribution of power and threat"),
                ui.output_ui("threat_chart"),
                ui.output_ui("series_chart"),
            ),
            col_widths=(6, 6),
        ),
        ui.card(ui.card_header("Perception filter in use"), ui.output_ui("filter_table")),
    )
    negotiation_sidebar = ui.sidebar(
        ui.input_select("case", "Negotiation case", cases, selected=next(iter(cases))),
        ui.output_ui("neg_controls"),
        ui.hr(),
        ui.input_select("lever", "What would it take? Lever", dict(LEVERS.items())),
        ui.input_action_button("solve", "Find the smallest change", class_="btn-sm"),
        width=360,
        id="negotiation_sidebar",
    )
    negotiation = ui.layout_sidebar(
        negotiation_sidebar,
        ui.card(ui.card_header("As coded vs. what-if"), ui.output_ui("neg_summary")),
        ui.layout_columns(
            ui.card(ui.output_ui("zone_chart")),
            ui.card(ui.output_ui("durability_chart")),
            col_widths=(6, 6),
        ),
        ui.card(
            ui.card_header("What would it take?"),
            ui.tags.p(
                "The smallest change of one lever, from the what-if inputs, that opens a zone of "
                "agreement (ncrealism.negotiation.levers; Brent 1973 root finding). Choose a "
                "lever in the sidebar and press the button.",
                class_="text-muted",
                style="font-size: 0.8em",
            ),
            ui.output_ui("lever_answer"),
        ),
    )
    style = ui.tags.style(
        ".ncr-table td, .ncr-table th { font-size: 0.8rem; padding: 0.15rem 0.35rem; }"
        ".irs--shiny .irs-min, .irs--shiny .irs-max { display: none; }"
        ".bslib-sidebar-layout > .sidebar .shiny-input-container { margin-bottom: 0.4rem; }"
        + charts.CSS
    )
    # ion.rangeSlider computes steps as min + k * step in floating point (0.9400000000000001);
    # round its numbers to 10 decimals so that the labels and the values sent are the steps.
    rounding = ui.tags.script(
        "$(document).on('shiny:bound', function (e) {"
        " var s = window.jQuery(e.target).data('ionRangeSlider'); if (!s) return;"
        " var p = Object.getPrototypeOf(s); if (p.ncrRounded) return;"
        " p.toFixed = function (n) { return +n.toFixed(10); }; p.ncrRounded = true; });"
    )
    return ui.page_navbar(
        ui.nav_panel("Decision", decision, value="decision"),
        ui.nav_panel("Negotiation what-if", negotiation, value="negotiation"),
        ui.nav_panel("Sources", ui.output_ui("sources"), value="sources"),
        title="ncrealism: neoclassical realism, computed",
        id="tabs",
        header=ui.TagList(style, rounding),
        window_title="ncrealism dashboard",
    )


# --------------------------------------------------------------------------------- server
def _server(data: DashboardData) -> Callable[..., None]:
    from shiny import reactive, render, ui

    from ncrealism.app import views
    from ncrealism.perception.filter import CLUSTERS, PARAM_NAMES, PARAMS

    names = data.names()

    @functools.lru_cache(maxsize=256)
    def series_png(ccode: int, year: int, state: str, source: str) -> str:
        """The time-series figure as a base64 PNG, drawn once per state, year and sources."""
        fig = views.environment_series_figure(
            data.series(ccode), year, state, source, width_px=SERIES_SIZE[0],
            height_px=SERIES_SIZE[1],
        )  # fmt: skip
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=200)
        return base64.b64encode(buf.getvalue()).decode("ascii")

    def server(input: Any, output: Any, session: Any) -> None:
        @reactive.calc
        def ccode() -> int:
            return int(input.state())

        @reactive.calc
        def year() -> int:
            return int(input.year())

        # Effects must not raise (an error in an effect ends the session): on an ncrealism error
        # they do nothing, and the outputs that read the same data show the message.
        @reactive.effect
        @reactive.event(input.state, ignore_init=True)
        def _year_span() -> None:
            try:
                first, last = data.year_span(ccode())
            except NcrError:
                return
            ui.update_slider(
                "year", min=first, max=last, value=min(max(int(input.year()), first), last)
            )

        profile_key: reactive.Value[tuple[int, str | None, str] | None] = reactive.value(None)

        @reactive.effect
        def _profile_key() -> None:
            try:
                prof = data.profile(ccode(), year())
            except NcrError:
                return
            profile_key.set((ccode(), prof.period, prof.label))

        @reactive.effect
        @reactive.event(profile_key, input.reset, ignore_init=True)
        def _reset_sliders() -> None:
            try:
                prof = data.profile(ccode(), year())
            except NcrError:
                return
            for name in PARAM_NAMES:
                ui.update_slider(param_input_id(name), value=prof[name])

        @reactive.calc
        def inputs_row() -> pl.DataFrame:
            return _safe(lambda: data.inputs(ccode(), year()))

        @reactive.calc
        def decision() -> Any:
            values = {name: float(input[param_input_id(name)]()) for name in PARAM_NAMES}
            row = inputs_row()
            return _safe(lambda: data.decision(ccode(), year(), values, inputs=row))

        def state_name() -> str:
            return data.state_name(ccode())

        def data_line() -> str:
            """The data files read so far (registry name and version) and the context file."""
            reg = data.source.registry
            used = ", ".join(views.dataset_label(r.dataset, reg) for r in data.source.used)
            return f"Data: {used}; {data.context_label}. ncrealism.decision.inputs.build_inputs."

        # ---------------------------------------------------------------- decision tab
        @render.ui
        def filter_label() -> Any:
            prof = _safe(lambda: data.profile(ccode(), year()))
            return ui.tags.div(
                ui.tags.strong("Profile: "),
                f"{prof.label} ({prof.origin}). Sliders start at the profile's values.",
                style="font-size: 0.8em",
            )

        @render.ui
        def headline() -> Any:
            d = decision()
            top = d.probabilities.sort("probability", descending=True).row(0, named=True)
            row = d.inputs.row(0, named=True)
            carried = " (a source's last year carried forward)" if row["carried"] else ""
            return ui.tags.p(
                ui.tags.strong(f"{state_name()} (COW {d.ccode}), {d.year}"),
                f": data of {row['data_year']}{carried}. Most probable posture with the filter: ",
                ui.tags.strong(
                    f"{top['option'].replace('_', ' ')} ({views.fmt_prob(top['probability'])})",
                    id="top_posture",
                ),
                ". Probabilities are choice probabilities (0-1).",
                class_="mb-1",
            )

        @render.ui
        def posture_table() -> Any:
            d = decision()
            rows = views.posture_table(d.probabilities, d.neutral)
            return _table(
                "posture-probabilities",
                ["option", "utility", "P structural realism", "P with filter"],
                rows,
                keys=[r[0] for r in rows],
                classes=["option", "utility", "p-neutral", "p-filter"],
                caption=(
                    "Utility in utility units (share of threat removed, 0-1 scale); probabilities "
                    "0-1 (quantal response, McKelvey & Palfrey 1995). Structural realism = the "
                    "neutral filter."
                ),
            )

        @render.ui
        def posture_chart() -> Any:
            d = decision()
            return views.posture_chart(
                d.probabilities, d.neutral, state_name(), d.year, d.filter.label
            )

        @render.ui
        def anatomy_chart() -> Any:
            return views.anatomy_chart(decision().anatomy, state_name())

        @render.ui
        def changes_table() -> Any:
            per = decision().anatomy.perception
            rows = [
                (
                    r["cluster"].replace("_", " "),
                    r["quantity"],
                    f"{r['before']:.3f}",
                    f"{r['after']:.3f}",
                    f"{r['change']:+.3f}",
                )
                for r in per.iter_rows(named=True)
                if abs(r["change"]) > 1e-12
            ]
            if not rows:
                return ui.tags.p(
                    "The filter is neutral here: it changes nothing (structural realism).",
                    id="perception-changes",
                )
            return _table(
                "perception-changes",
                ["cluster", "perceived quantity", "before", "after", "change"],
                rows,
                caption=(
                    "What each cluster of the filter changed, applied in order "
                    "(ncrealism.perception.trace). 0-1 scales, except precision (1/utility "
                    "unit) and survival weight (multiplier)."
                ),
            )

        @render.ui
        def environment() -> Any:
            row = inputs_row().row(0, named=True)
            env = views.environment_table(row, views.ENVIRONMENT_ROWS)
            dom = views.environment_table(row, views.DOMESTIC_ROWS)
            head = ["quantity", "value", "unit", "source"]
            carried = " (a source's last year was carried forward)" if row["carried"] else ""
            allies = ", ".join(names.get(a, str(a)) for a in row["allies"]) or "none"
            return ui.TagList(
                ui.tags.p(
                    f"{state_name()}, {year()}: data of {row['data_year']}{carried}. "
                    f"Defence-pact allies: {allies}. The pool is own CINC + the threat indices "
                    "of non-allies + allies' projected power.",
                    style="font-size: 0.8em",
                    class_="mb-1",
                ),
                _table(
                    "environment-system",
                    head,
                    env,
                    keys=[r.column for r in views.ENVIRONMENT_ROWS],
                    classes=["label", "value", "unit", "source"],
                ),
                ui.tags.h6(
                    "Domestic indicators (read only by a non-neutral filter)", class_="mt-2"
                ),
                _table(
                    "environment-domestic",
                    head,
                    dom,
                    keys=[r.column for r in views.DOMESTIC_ROWS],
                    classes=["label", "value", "unit", "source"],
                ),
                ui.tags.p(
                    f"{data_line()} Columns, formulas and sources: ncrealism.decision.inputs; "
                    "full citations on the Sources tab.",
                    class_="text-muted",
                    style="font-size: 0.75em",
                ),
            )

        @render.ui
        def threat_chart() -> Any:
            row = inputs_row().row(0, named=True)
            return views.threat_sources_chart(row, names, state_name(), data_line())

        @render.ui
        def series_chart() -> Any:
            c, y = ccode(), year()
            png = _safe(lambda: series_png(c, y, state_name(), data_line()))
            return ui.tags.img(
                src=f"data:image/png;base64,{png}",
                alt=(
                    f"Threat, ally support, relative power and regime vulnerability of "
                    f"{state_name()} by year, {y} marked"
                ),
                style="width: 100%; height: auto",
                id="series-image",
            )

        @render.ui
        def filter_table() -> Any:
            d = decision()
            rows = []
            keys = []
            for p in PARAMS:
                rows.append(
                    (
                        (p.cluster or "choice rule").replace("_", " "),
                        p.name,
                        f"{d.filter[p.name]:g}",
                        f"{d.profile[p.name]:g}",
                        f"{p.neutral:g}",
                        f"[{p.lo:g}, {p.hi:g}]",
                        p.meaning,
                    )
                )
                keys.append(p.name)
            mis = ", ".join(f"{names.get(c, c)} x{m:g}" for c, m in d.filter.misperception.items())
            return ui.TagList(
                ui.tags.p(
                    ui.tags.strong("Filter: "),
                    d.filter.label,
                    f". Misperception of adversaries' capabilities: {mis or 'none'}.",
                    style="font-size: 0.8em",
                    class_="mb-1",
                ),
                _table(
                    "filter-in-use",
                    ["cluster", "parameter", "in use", "profile", "neutral", "bounds", "meaning"],
                    rows,
                    keys=keys,
                    caption=f"Clusters of Ripsman, Taliaferro & Lobell (2016): "
                    f"{', '.join(c.replace('_', ' ') for c in CLUSTERS)}; profile "
                    f"values and their sources in {d.profile.origin}.",
                ),
            )

        # ---------------------------------------------------------------- negotiation tab
        @reactive.calc
        def case_name() -> str:
            return str(input.case())

        @render.ui
        def neg_controls() -> Any:
            name = case_name()
            model = _safe(lambda: data.case(name))
            prov = data.provenance(name)
            items: list[Any] = [
                ui.tags.p(
                    "What-if inputs (start at the case's coded values; 0-1):",
                    style="font-size: 0.8em",
                    class_="mb-1",
                )
            ]
            for key in case_value_keys(model):
                items.append(
                    ui.input_slider(
                        neg_input_id(key),
                        ui.TagList(
                            ui.tags.code(key),
                            ui.tags.div(
                                prov.get(key, ""),
                                class_="text-muted",
                                style="font-size: 0.72em; line-height: 1.15",
                            ),
                        ),
                        min=0.0,
                        max=1.0,
                        value=model.values[key],
                        step=0.01,
                    )
                )
            return ui.TagList(*items)

        @reactive.calc
        def changes() -> dict[str, float]:
            name = case_name()
            model = _safe(lambda: data.case(name))
            # An input not yet bound (the sliders of a case just chosen) pauses the outputs.
            return {key: float(input[neg_input_id(key)]()) for key in case_value_keys(model)}

        @reactive.calc
        def negotiation() -> Any:
            ch = changes()
            return _safe(lambda: data.negotiation(case_name(), ch))

        @render.ui
        def neg_summary() -> Any:
            res = negotiation()
            rows: list[tuple[str, str, str]] = []
            keys: list[str] = []

            def add(key: str, label: str, f: Callable[[Any], str]) -> None:
                rows.append((label, f(res.coded), f(res.whatif)))
                keys.append(key)

            add("zone", "zone of agreement", lambda a: "yes" if a.zone.exists else "no")
            add(
                "margin",
                "zone margin (issue-scale units; < 0: no zone)",
                lambda a: f"{a.zone.margin:+.3f}",
            )
            add("coalition", "coalition", lambda a: ", ".join(a.zone.coalition))
            add(
                "binding",
                "binding constraint",
                lambda a: "; ".join(b.describe() for b in a.zone.binding) or "none",
            )
            add(
                "nash",
                "Nash solution (issue scale 0-1)",
                lambda a: (
                    "none"
                    if a.nash is None
                    else ", ".join(f"{k} {v:.3f}" for k, v in a.nash.point.items())
                ),
            )
            add(
                "expected_days",
                "expected days held (truncated at horizon)",
                lambda a: "-" if a.durability is None else f"{a.durability.expected_days:,.0f}",
            )
            add(
                "median_days",
                "median days held",
                lambda a: (
                    "-"
                    if a.durability is None or a.durability.median_days is None
                    else f"{a.durability.median_days:,.0f}"
                ),
            )
            add(
                "forecast",
                "EUM forecast (issue scale 0-1)",
                lambda a: (
                    "-"
                    if a.forecast is None
                    else ", ".join(f"{k} {v:.3f}" for k, v in a.forecast.point.items())
                ),
            )
            add(
                "forecast_in_zone",
                "EUM forecast inside the zone",
                lambda a: (
                    "-" if a.forecast is None else ("yes" if a.forecast.point_in_zone else "no")
                ),
            )
            moved = ", ".join(f"{k} = {v:g}" for k, v in res.changes.items()) or "none"
            title = data.cases().get(res.case, res.case)
            return ui.TagList(
                ui.tags.p(
                    ui.tags.strong(title),
                    f". What-if changes: {moved}.",
                    style="font-size: 0.85em",
                    class_="mb-1",
                ),
                _table(
                    "negotiation-summary",
                    ["", "as coded", "what-if"],
                    rows,
                    keys=keys,
                    classes=["label", "coded", "whatif"],
                    caption=f"Capabilities: COW CINC (NMC v{res.model.case.nmc_version}) of the "
                    "case's capability "
                    "year; coded values and their sources in the case file "
                    f"({Path(res.model.path).name}).",
                ),
            )

        @render.ui
        def zone_chart() -> Any:
            res = negotiation()
            return views.zone_chart(
                res.coded, res.whatif, f"Zone of agreement by dimension: {res.case}"
            )

        @render.ui
        def durability_chart() -> Any:
            res = negotiation()
            return views.durability_chart(
                res.coded, res.whatif, f"Durability of the Nash agreement: {res.case}"
            )

        @render.ui
        @reactive.event(input.solve)
        def lever_answer() -> Any:
            ch = changes()
            ans = _safe(lambda: data.what_would_it_take(case_name(), ch, str(input.lever())))
            return ui.tags.p(ans.describe(), id="lever-text", style="font-size: 0.9em")

        # ---------------------------------------------------------------- sources tab
        @render.ui
        def sources() -> Any:
            decision()  # the sources are those of the computations shown
            rows = [
                (
                    d["name"],
                    f"{d['title']} (v{d['version']}, {d['publisher']})",
                    d["citation"],
                    d["file"],
                )
                for d in data.datasets_used()
            ]
            return ui.TagList(
                ui.tags.p(f"Outside shocks: {data.context_label}."),
                _table("datasets-used", ["dataset", "title", "citation", "file used"], rows),
                ui.tags.p(
                    "Model: quantal-response choice over option utilities (McKelvey & Palfrey "
                    "1995), perception filter after Ripsman, Taliaferro & Lobell (2016) and "
                    "Koga (2009), decomposition by Shapley (1953); negotiation: Fearon (1995), "
                    "Nash (1950), Powell (2006), Bueno de Mesquita (1994). See the "
                    "bibliography of the documentation.",
                    style="font-size: 0.85em",
                ),
            )

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
    cases = data.cases()
    name = case if case is not None else next(iter(cases))
    model = data.case(name)
    out: dict[str, Any] = {
        "state": str(state),
        "year": year,
        "case": name,
        "lever": next(iter(LEVERS)),
        "reset": 0,
        "solve": 0,
    }
    out.update({param_input_id(n): prof[n] for n in PARAM_NAMES})
    out.update({neg_input_id(k): model.values[k] for k in case_value_keys(model)})
    return out


def create_app(
    source: DataSource | None = None,
    *,
    context: str | Path | pl.DataFrame | None = None,
    state: int = DEFAULT_STATE,
    year: int = DEFAULT_YEAR,
) -> App:
    """The dashboard as a Shiny :class:`~shiny.App`.

    ``source``: where the data come from (default :meth:`DataSource.from_env`); ``context``:
    a context-event file (outside shocks: sanctions, inducements, patrons' defection,
    leadership changes; e.g. the shared ``history/context_events_1990_2009.csv``) or ``None``;
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
    data = DashboardData.create(source, context)
    first, last = data.year_span(state)
    if not first <= year <= last:
        from ncrealism.errors import InputError

        raise InputError(f"year {year} is outside the years of state {state} ({first}-{last})")
    # Read the data of the opening view now, so that the first page is served quickly.
    data.inputs(state, year)
    data.series(state)
    app = App(_build_ui(data, state, year), _server(data))
    app.sanitize_errors = True
    return app
