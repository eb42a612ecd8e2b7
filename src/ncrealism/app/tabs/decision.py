"""Decision tab: a state's posture probabilities and their anatomy under its perception filter.

Choose a state and a year; the measured environment (the independent variable:
:func:`ncrealism.decision.inputs.build_inputs`) is shown with units and sources; the perception
sliders start at the state-year's profile (:func:`ncrealism.perception.profiles.load_profile`)
and set the filter's parameters; the posture probabilities
(:func:`ncrealism.decision.model.posture_probabilities`, under the filter and under structural
realism) and the anatomy of the decision (:func:`ncrealism.decision.anatomy.anatomy`) update as
they move.

The state list offers the states with data in the year chosen, so that a state switch keeps
the year; changing the state, or the year into another period of the state's profile, puts the
sliders at the profile's values, and until the browser has applied them the outputs use the
profile's values (no output is ever computed from another state's sliders). The state's
time series is computed on a worker thread the first time a state is shown, from the
structural reading of every state that the app computes before serving
(:meth:`~ncrealism.app.data.DashboardData.structural`), so it takes a fraction of a second.

Beside the static decision, the *dynamic* model's
(:func:`ncrealism.evaluation.dynamic.explain_dynamic`, through
:meth:`~ncrealism.app.data.DashboardData.dynamic_decision`): last year's recorded posture is
the status quo, the model is fitted on the coded record's earlier years from ex-ante inputs,
with the state-year's profile as coded (the sliders move the static view only), and its
anatomy has inertia as a layer of its own. It needs the coded record (the DPRK's, in the
history folder) to cover the year before; otherwise a note says so. The fit runs on a worker
thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ncrealism.app.data import DashboardData, DynamicDecision, modal_options
from ncrealism.app.shared import Shared, Start, note, plotly_figure, polled, safe, table
from ncrealism.errors import NcrError

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "ID",
    "OUTPUTS",
    "TITLE",
    "dynamic_view",
    "panel",
    "param_input_id",
    "server",
    "slider_step",
    "tie_text",
]

ID = "decision"
TITLE = "Decision"
OUTPUTS: tuple[str, ...] = (
    "filter_label",
    "headline",
    "posture_table",
    "posture_chart",
    "anatomy_chart",
    "changes_table",
    "decision_dynamic",
    "environment",
    "threat_chart",
    "series_chart",
    "filter_table",
)

_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}


def param_input_id(name: str) -> str:
    """Input id of the slider of filter parameter ``name``."""
    return f"p_{name}"


def slider_step(lo: float, hi: float) -> float:
    """Slider step of a parameter with bounds [lo, hi]: 0.01, or 0.1 for wide ranges (> 5)."""
    return 0.1 if hi - lo > 5 else 0.01


def tie_text(options: list[str], probability: float) -> str:
    """How the most probable posture reads: ``"engagement (0.512)"``, or for tied options
    ``"a five-way tie: a, b, c, d, e (0.200 each)"``."""
    from ncrealism.app.views import fmt_prob

    names = [o.replace("_", " ") for o in options]
    if len(names) == 1:
        return f"{names[0]} ({fmt_prob(probability)})"
    n = _NUMBER_WORDS.get(len(names), str(len(names)))
    return f"a {n}-way tie: {', '.join(names)} ({fmt_prob(probability)} each)"


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
                    style="font-size: 0.75em; line-height: 1.15",
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


def panel(data: DashboardData, start: Start) -> Any:
    """The Decision tab's UI."""
    from shiny import ui

    first, last = data.year_span(start.state)
    profile = data.profile(start.state, start.year)
    sidebar = ui.sidebar(
        ui.input_selectize(
            "state",
            "State (those with data in the year)",
            data.state_choices(start.year),
            selected=str(start.state),
        ),
        ui.input_slider("year", "Year of decision", min=first, max=last, value=start.year, sep=""),
        ui.output_ui("filter_label"),
        ui.input_action_button("reset", "Reset sliders to profile", class_="btn-sm"),
        *_param_sliders(profile.values),
        width=360,
        id="decision_sidebar",
    )
    return ui.nav_panel(
        TITLE,
        ui.layout_sidebar(
            sidebar,
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
            ui.card(
                ui.card_header("Dynamic model: last year's posture as the status quo (ex ante)"),
                ui.output_ui("decision_dynamic"),
            ),
            ui.layout_columns(
                ui.card(
                    ui.card_header("Measured environment (independent variable)"),
                    ui.output_ui("environment"),
                ),
                ui.card(
                    ui.card_header("Threat and the environment over time"),
                    ui.output_ui("threat_chart"),
                    ui.output_ui("series_chart"),
                ),
                col_widths=(6, 6),
            ),
            ui.card(ui.card_header("Perception filter in use"), ui.output_ui("filter_table")),
        ),
        value=ID,
    )


def dynamic_view(dyn: DynamicDecision, state: str) -> Any:
    """The dynamic decision of ``dyn`` as shown on the tab: its label (status quo and year),
    the posture probabilities (static with the filter, dynamic at the posterior mode,
    dynamic posterior-predictive) and the Shapley anatomy with inertia as its own layer."""
    from shiny import ui

    from ncrealism.app import views

    d = dyn.anatomy.dynamic or {}
    options = dyn.options
    rows = []
    for i, o in enumerate(options):
        rows.append(
            (
                o.replace("_", " ") + (" (status quo)" if o == dyn.status_quo else ""),
                views.fmt_prob(d["p_static"][i]),
                views.fmt_prob(d["p_map"][i]),
                views.fmt_prob(d["p_predictive"][i]),
            )
        )
    first, last = d["fit_years"] or (None, None)
    fitted = f"fitted on {first}-{last} ({d['n_obs']} years)" if first is not None else "fitted"
    probs = dyn.probabilities
    top = max(range(len(options)), key=lambda i: probs[i])
    return ui.TagList(
        ui.tags.p(
            ui.tags.strong(dyn.label, id="dynamic-label"),
            f". {state}, {dyn.year}: most probable posture (predictive) ",
            ui.tags.strong(tie_text([options[top]], probs[top]), id="dynamic-top"),
            f"; switching cost κ = {d['kappa']:.3f} utility units"
            + (
                f" (κ_t = {d['kappa_t']:.3f} this year, lowered by the leadership-succession "
                f"reset {d['succession']:.3f})"
                if d["succession"]
                else ""
            )
            + f"; {fitted}; profile as coded ({dyn.anatomy.filter_label}).",
            style="font-size: 0.85em",
            class_="mb-1",
        ),
        ui.layout_columns(
            table(
                "dynamic-probabilities",
                ["option", "P static (filter)", "P dynamic (mode)", "P dynamic (predictive)"],
                rows,
                keys=options,
                classes=["option", "p-static", "p-map", "p-predictive"],
                caption=(
                    "Choice probabilities (0-1). Dynamic: the utilities of the filter plus a "
                    "switching cost for leaving the status quo and lagged events, fitted on the "
                    "record's earlier years from inputs dated before each year starts "
                    "(ncrealism.evaluation.dynamic). Predictive: averaged over the parameters' "
                    "posterior; mode: at its maximum, the one the anatomy decomposes."
                ),
            ),
            views.anatomy_chart(
                dyn.anatomy,
                state,
                chart_id="dynamic-anatomy-chart",
                source=(
                    "Exact Shapley decomposition (Shapley 1953) of the dynamic model's log-odds "
                    "(at the posterior mode) over the filter's clusters, inertia (the switching "
                    "cost of leaving the status quo) and propensity (option constants and lagged "
                    "events); system = structural realism. ncrealism.decision.anatomy."
                    "dynamic_anatomy."
                ),
            ),
            col_widths=(6, 6),
        ),
    )


def series_figure(series: pl.DataFrame, year: int, state: str, source: str) -> Any:
    """Threat T, ally support A, relative power r and regime vulnerability RV by year
    (``series``: :func:`~ncrealism.decision.inputs.build_inputs` over the state's span), the
    chosen year marked; an interactive figure (hover for the values)."""
    from ncrealism.app import views

    years = series["year"].to_list()
    lines = [
        ("threat", "threat T", views.RED, "solid"),
        ("ally_support", "ally support A", views.BLUE, "solid"),
        ("relative_power", "relative power r", views.GREEN, "solid"),
        ("regime_vulnerability", "regime vulnerability RV", views.PURPLE, "dot"),
    ]
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": label,
            "x": years,
            "y": [None if v is None else round(float(v), 4) for v in series[col].to_list()],
            "line": {"color": color, "dash": dash, "width": 2},
            "hovertemplate": f"{label}: %{{y:.3f}}<extra>%{{x}}</extra>",
        }
        for col, label, color, dash in lines
    ]
    layout = {
        "xaxis": {"title": {"text": "year of decision (data of the year before)"}},
        "yaxis": {"title": {"text": "share of pool / index (0-1)"}, "range": [0, 1.02]},
        "shapes": [
            {
                "type": "line",
                "x0": year,
                "x1": year,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"color": views.GREY, "dash": "dash", "width": 1},
            }
        ],
        "hovermode": "x unified",
    }
    return plotly_figure(
        "series",
        data,
        layout,
        title=f"Measured environment of {state}, {years[0]}-{years[-1]} (dashed line: {year})",
        source=source,
        height=360,
    )


def server(input: Any, shared: Shared) -> None:
    """The Decision tab's outputs and effects."""
    from shiny import reactive, render, ui

    from ncrealism.app import views
    from ncrealism.perception.filter import CLUSTERS, PARAM_NAMES, PARAMS

    data = shared.data
    ccode, year = shared.ccode, shared.year
    names = shared.names

    # Effects must not raise (an error in an effect ends the session): on an ncrealism error
    # they do nothing, and the outputs that read the same data show the message.
    @reactive.effect
    @reactive.event(input.state, ignore_init=True)
    def _year_span() -> None:
        try:
            first, last = data.year_span(ccode())
        except NcrError:
            return
        ui.update_slider("year", min=first, max=last, value=min(max(year(), first), last))

    def keys_of(choices: Mapping[str, Mapping[str, str]]) -> tuple[str, ...]:
        return tuple(k for group in choices.values() for k in group)

    # The list the page was built with, then the last list sent.
    offered = [keys_of(data.state_choices(shared.start.year))]

    @reactive.effect
    def _offer_states() -> None:
        """Offer the states with data in the year (sent only when the list changes)."""
        choices = data.state_choices(year())
        keys = keys_of(choices)
        if keys == offered[0]:
            return
        offered[0] = keys
        with reactive.isolate():
            selected = str(ccode())
        ui.update_select("state", choices=choices, selected=selected)

    # Values are named: an unnamed one makes Shiny inspect the call stack (slow) to name it.
    profile_key: reactive.Value[tuple[int, str | None, str] | None] = reactive.value(
        None, name="profile_key"
    )
    #: The profile whose values the sliders show (None: the browser has not applied them yet).
    synced: reactive.Value[tuple[int, str | None, str] | None] = reactive.value(None, name="synced")

    @reactive.effect
    def _profile_key() -> None:
        try:
            prof = data.profile(ccode(), year())
        except NcrError:
            return
        profile_key.set((ccode(), prof.period, prof.label))

    def _sliders_show(values: Mapping[str, float]) -> bool:
        return all(
            abs(float(input[param_input_id(n)]()) - float(values[n])) < 1e-9 for n in PARAM_NAMES
        )

    @reactive.effect
    @reactive.event(profile_key, input.reset)
    def _reset_sliders() -> None:
        try:
            prof = data.profile(ccode(), year())
        except NcrError:
            return
        key = profile_key()
        with reactive.isolate():
            if _sliders_show(prof.values):
                synced.set(key)
                return
        synced.set(None)
        for name in PARAM_NAMES:
            ui.update_slider(param_input_id(name), value=prof[name])

    @reactive.effect
    def _synced() -> None:
        """Mark the sliders as showing the profile once the browser has applied it."""
        key = profile_key()
        if key is None:
            return
        with reactive.isolate():
            if synced() == key:
                return
        try:
            prof = data.profile(key[0], year())
        except NcrError:
            return
        if _sliders_show(prof.values):
            synced.set(key)

    # Before the other outputs render: a state's series starts computing on its worker thread
    # (the future series_chart polls) as soon as the state is chosen.
    @reactive.effect(priority=10)
    def _start_series() -> None:
        c = ccode()
        data.background(("series", c), lambda: data.series(c))

    @reactive.calc
    def inputs_row() -> pl.DataFrame:
        return safe(lambda: data.inputs(ccode(), year()))

    @reactive.calc
    def decision() -> Any:
        c, y = ccode(), year()
        if synced() != profile_key():
            values = dict(safe(lambda: data.profile(c, y)).values)
        else:
            values = {name: float(input[param_input_id(name)]()) for name in PARAM_NAMES}
        row = inputs_row()
        return safe(lambda: data.decision(c, y, values, inputs=row))

    @render.ui
    def filter_label() -> Any:
        prof = safe(lambda: data.profile(ccode(), year()))
        span = data.period_span(ccode(), year())
        return ui.tags.div(
            ui.tags.strong("Profile: "),
            f"{prof.label}{f' ({span})' if span else ''}; {prof.origin}. "
            "Sliders start at the profile's values.",
            id="profile-label",
            style="font-size: 0.8em",
        )

    @render.ui
    def headline() -> Any:
        d = decision()
        modal = modal_options(d.probabilities)
        top = float(d.probabilities["probability"].max())
        row = d.inputs.row(0, named=True)
        carried = " (a source's last year carried forward)" if row["carried"] else ""
        lead = "Most probable posture with the filter: " if len(modal) == 1 else "With the filter: "
        return ui.tags.p(
            ui.tags.strong(f"{shared.state_name()} (COW {d.ccode}), {d.year}"),
            f": data of {row['data_year']}{carried}. {lead}",
            ui.tags.strong(tie_text(modal, top), id="top_posture"),
            ". Probabilities are choice probabilities (0-1).",
            class_="mb-1",
        )

    @render.ui
    def posture_table() -> Any:
        d = decision()
        rows = views.posture_table(d.probabilities, d.neutral)
        return table(
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
            d.probabilities, d.neutral, shared.state_name(), d.year, d.filter.label
        )

    @render.ui
    def anatomy_chart() -> Any:
        return views.anatomy_chart(decision().anatomy, shared.state_name())

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
        return table(
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
                f"{shared.state_name()}, {year()}: data of {row['data_year']}{carried}. "
                f"Defence-pact allies: {allies}. The pool is own CINC + the threat indices "
                "of non-allies + allies' projected power.",
                style="font-size: 0.8em",
                class_="mb-1",
            ),
            table(
                "environment-system",
                head,
                env,
                keys=[r.column for r in views.ENVIRONMENT_ROWS],
                classes=["label", "value", "unit", "source"],
            ),
            ui.tags.h6("Domestic indicators (read only by a non-neutral filter)", class_="mt-2"),
            table(
                "environment-domestic",
                head,
                dom,
                keys=[r.column for r in views.DOMESTIC_ROWS],
                classes=["label", "value", "unit", "source"],
            ),
            ui.tags.p(
                f"{shared.data_line()} Columns, formulas and sources: ncrealism.decision.inputs; "
                "full citations on the Sources tab.",
                class_="text-muted",
                style="font-size: 0.75em",
            ),
        )

    @render.ui
    def threat_chart() -> Any:
        row = inputs_row().row(0, named=True)
        return views.threat_sources_chart(row, names, shared.state_name(), shared.data_line())

    # A state's series (a fraction of a second, from the structural reading of every state
    # computed at start-up) and the dynamic fit (seconds) run on a worker thread shared by
    # every session, the output polling until they are done.
    @render.ui
    def series_chart() -> Any:
        c, y = ccode(), year()
        series = polled(data, ("series", c), lambda: data.series(c), every=0.05)
        if series is None:
            return note(f"Computing the series of {shared.state_name()}…", "series-pending")
        return series_figure(series, y, shared.state_name(), shared.data_line())

    @render.ui
    def decision_dynamic() -> Any:
        c, y = ccode(), year()
        why = safe(lambda: data.dynamic_missing(c, y))
        if why is not None:
            return note(why, "dynamic-note")
        dyn = polled(data, ("dynamic", c, y), lambda: data.dynamic_decision(c, y), every=0.25)
        if dyn is None:
            return note(
                f"Fitting the dynamic model of {shared.state_name()} on the record before {y}…",
                "dynamic-pending",
            )
        return dynamic_view(dyn, shared.state_name())

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
            table(
                "filter-in-use",
                ["cluster", "parameter", "in use", "profile", "neutral", "bounds", "meaning"],
                rows,
                keys=keys,
                caption=f"Clusters of Ripsman, Taliaferro & Lobell (2016): "
                f"{', '.join(c.replace('_', ' ') for c in CLUSTERS)}; profile "
                f"values and their sources in {d.profile.origin}.",
            ),
        )
