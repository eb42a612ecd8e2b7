"""Distribution of power tab: capability shares, poles and power transitions over time.

For the states chosen (Northeast Asia's by default: :data:`ncrealism.system.NORTHEAST_ASIA`)
and a span of years: each state's share of the group's capabilities
(:func:`ncrealism.system.shares`: CINC_i / sum of the group's CINC, Singer, Bremer & Stuckey
1972), the system's poles (:func:`ncrealism.system.effective_poles`, Laakso & Taagepera 1979;
:func:`ncrealism.system.n_poles`, major powers with at least 10 % of system capabilities) and the
power transition of two of them (:func:`ncrealism.system.power_transition`: Organski & Kugler
1980, parity when the weaker has at least 80 % of the stronger's CINC). Interactive figures:
hover for the values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ncrealism.app.data import NMC_VERSION, DashboardData
from ncrealism.app.shared import Shared, Start, plotly_figure, safe

if TYPE_CHECKING:
    import polars as pl

__all__ = ["ID", "OUTPUTS", "TITLE", "panel", "server", "start_inputs"]

ID = "power"
TITLE = "Distribution of power"
OUTPUTS: tuple[str, ...] = ("power_shares", "power_poles", "power_transition")

#: Span the tab opens on.
START_YEARS = (1946, 2012)
#: The pair whose power transition the tab opens on: the United States and China.
START_PAIR = (2, 710)
_SOURCE = (
    f"COW NMC v{NMC_VERSION} (Singer, Bremer & Stuckey 1972), CINC recomputed; ncrealism.system."
)


def _all_states(data: DashboardData) -> dict[str, str]:
    return {str(s.ccode): s.label for s in data.states()}


def start_inputs(data: DashboardData, start: Start) -> dict[str, Any]:
    """The tab's inputs when the page opens."""
    from ncrealism.system import NORTHEAST_ASIA

    states = _all_states(data)
    return {
        "power_states": [str(c) for c in NORTHEAST_ASIA if str(c) in states],
        "power_years": list(START_YEARS),
        "power_a": str(START_PAIR[0]),
        "power_b": str(START_PAIR[1]),
    }


def panel(data: DashboardData, start: Start) -> Any:
    """The Distribution-of-power tab's UI."""
    from shiny import ui

    from ncrealism.system import NORTHEAST_ASIA

    states = _all_states(data)
    first, last = data.years()
    sidebar = ui.sidebar(
        ui.input_selectize(
            "power_states",
            "States (capability shares within this group)",
            states,
            selected=[str(c) for c in NORTHEAST_ASIA if str(c) in states],
            multiple=True,
        ),
        ui.input_slider(
            "power_years",
            "Years",
            min=first - 1,
            max=last - 1,
            value=START_YEARS,
            sep="",
        ),
        ui.input_select(
            "power_a", "Power transition: state A", states, selected=str(START_PAIR[0])
        ),
        ui.input_select(
            "power_b", "Power transition: state B", states, selected=str(START_PAIR[1])
        ),
        width=320,
        id="power_sidebar",
        # On a phone the controls stay above the figures (they are needed to use the tab).
        open={"desktop": "open", "mobile": "always"},
    )
    return ui.nav_panel(
        TITLE,
        ui.layout_sidebar(
            sidebar,
            ui.card(ui.output_ui("power_shares")),
            ui.layout_columns(
                ui.card(ui.output_ui("power_poles")),
                ui.card(ui.output_ui("power_transition")),
                col_widths=(6, 6),
            ),
        ),
        value=ID,
    )


def shares_figure(frame: pl.DataFrame, years: tuple[int, int]) -> Any:
    """Stacked capability shares of the group by year (``frame``:
    :func:`ncrealism.system.shares`)."""
    traces = []
    for (abb,), sub in frame.sort("year").group_by("stateabb", maintain_order=True):
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "stackgroup": "one",
                "name": str(abb),
                "x": sub["year"].to_list(),
                "y": [round(float(v), 4) for v in sub["capability_share"].to_list()],
                "customdata": [round(float(v), 4) for v in sub["cinc"].to_list()],
                "hovertemplate": f"{abb}: share %{{y:.3f}}, CINC %{{customdata:.4f}}"
                "<extra>%{x}</extra>",
            }
        )
    layout = {
        "xaxis": {"title": {"text": "year"}},
        "yaxis": {"title": {"text": "share of the group's capabilities (0-1)"}, "range": [0, 1]},
        "hovermode": "x unified",
    }
    return plotly_figure(
        "power-shares",
        traces,
        layout,
        title=f"Capability shares within the group, {years[0]}-{years[1]} "
        "(each state's CINC over the group's sum)",
        source=_SOURCE + " shares",
        height=380,
    )


def poles_figure(frame: pl.DataFrame, years: tuple[int, int]) -> Any:
    """Effective poles of the system and the count of poles by year (``frame``:
    :meth:`DashboardData.power_poles`)."""
    x = frame["year"].to_list()
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "effective poles 1/Σs² (all states)",
            "x": x,
            "y": [round(float(v), 3) for v in frame["effective_poles"].to_list()],
            "line": {"color": "#0072B2"},
            "hovertemplate": "effective poles %{y:.2f}<extra>%{x}</extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "line": {"shape": "hv", "color": "#D55E00"},
            "name": "poles: major powers with CINC ≥ 0.10",
            "x": x,
            "y": frame["n_poles"].to_list(),
            "customdata": [p or "none" for p in frame["poles"].to_list()],
            "hovertemplate": "%{y} poles: %{customdata}<extra>%{x}</extra>",
        },
    ]
    layout = {
        "xaxis": {"title": {"text": "year"}},
        "yaxis": {"title": {"text": "number of poles (states)"}, "rangemode": "tozero"},
        "hovermode": "x unified",
    }
    return plotly_figure(
        "power-poles",
        traces,
        layout,
        title=f"Poles of the international system, {years[0]}-{years[1]}",
        source="Effective number of poles: Laakso & Taagepera (1979) on CINC; threshold rule on "
        "the COW major powers. " + _SOURCE,
        height=340,
    )


def transition_figure(frame: pl.DataFrame, a: str, b: str, years: tuple[int, int]) -> Any:
    """CINC of two states by year, the years at parity and the overtakings (``frame``:
    :func:`ncrealism.system.power_transition`)."""
    x = frame["year"].to_list()
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": f"{a} CINC",
            "x": x,
            "y": [round(float(v), 4) for v in frame["cinc_a"].to_list()],
            "line": {"color": "#0072B2"},
            "hovertemplate": f"{a} %{{y:.4f}}<extra>%{{x}}</extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": f"{b} CINC",
            "x": x,
            "y": [round(float(v), 4) for v in frame["cinc_b"].to_list()],
            "line": {"color": "#E69F00"},
            "hovertemplate": f"{b} %{{y:.4f}}<extra>%{{x}}</extra>",
        },
    ]
    parity = frame.filter(frame["at_parity"])
    if parity.height:
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "at parity (weaker ≥ 80 % of stronger)",
                "x": parity["year"].to_list(),
                "y": [0] * parity.height,
                "marker": {"symbol": "line-ns-open", "size": 10, "color": "#999999"},
                "hovertemplate": "parity ratio %{customdata:.2f}<extra>%{x}</extra>",
                "customdata": [round(float(v), 3) for v in parity["parity_ratio"].to_list()],
            }
        )
    over = frame.filter(frame["overtaking"].fill_null(False))
    shapes = [
        {
            "type": "line",
            "x0": y,
            "x1": y,
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "line": {"color": "#D55E00", "dash": "dot", "width": 1},
        }
        for y in over["year"].to_list()
    ]
    layout = {
        "xaxis": {"title": {"text": "year"}},
        "yaxis": {"title": {"text": "CINC (share of system capabilities, 0-1)"}},
        "hovermode": "x unified",
        "shapes": shapes,
    }
    n_over = over.height
    return plotly_figure(
        "power-transition",
        traces,
        layout,
        title=f"Power transition, {a} and {b}, {years[0]}-{years[1]}: {parity.height} years at "
        f"parity, {n_over} overtaking{'s' if n_over != 1 else ''} (dotted lines)",
        source="Organski & Kugler (1980); parity at 0.8. " + _SOURCE,
        height=340,
    )


def server(input: Any, shared: Shared) -> None:
    """The Distribution-of-power tab's outputs."""
    from shiny import reactive, render, req
    from shiny.types import SafeException

    data = shared.data

    @reactive.calc
    def years() -> tuple[int, int]:
        lo, hi = input.power_years()
        return int(lo), int(hi)

    @render.ui
    def power_shares() -> Any:
        states = [int(c) for c in input.power_states() or ()]
        if not states:
            raise SafeException("choose at least one state")
        y = years()
        frame = safe(lambda: data.power_shares(states, y))
        return shares_figure(frame, y)

    @render.ui
    def power_poles() -> Any:
        y = years()
        return poles_figure(safe(lambda: data.power_poles(y)), y)

    @render.ui
    def power_transition() -> Any:
        a, b = int(input.power_a()), int(input.power_b())
        req(a != b)
        y = years()
        frame = safe(lambda: data.power_transition(a, b, y))
        return transition_figure(frame, data.state_name(a), data.state_name(b), y)
