"""Scenarios tab: a small Monte Carlo sweep of a shipped scenario and its Sobol indices.

Choose a shipped scenario (:func:`ncrealism.scenario.builtin_scenarios`), a number of draws
and a seed, and run: the scenario is resolved (:func:`ncrealism.scenario.resolve`) and its draws
evaluated (:func:`ncrealism.scenario.engine.evaluate_chunk`; the same draws as ``ncr scenario
run NAME --draws D --seed S --chunk-size D``). Shown: the distribution over the draws of each
posture's probability (averaged over the scenario's state-years, or for one year) and of each
negotiation case's agreement probability, and the first-order and total Sobol indices of one
output (:func:`ncrealism.scenario.sensitivity.sobol_indices`; Saltelli 2002). Sweeps run on a
worker thread, shared by every session asking for the same sweep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ncrealism.app.data import DashboardData, ScenarioRun
from ncrealism.app.shared import Shared, Start, note, plotly_figure, polled, table

if TYPE_CHECKING:
    import polars as pl

__all__ = ["ID", "OUTPUTS", "TITLE", "panel", "server", "start_inputs"]

ID = "scenarios"
TITLE = "Scenarios"
OUTPUTS: tuple[str, ...] = ("scenario_status", "scenario_distribution", "scenario_sobol")
#: Draws offered (a small sweep: seconds, not minutes).
DRAWS = (100, 200, 500)
#: Saltelli base samples offered for the Sobol indices (evaluations: n x (k + 2)).
SOBOL_N = (64, 128, 256)
START_SCENARIO = "dprk-baseline"
_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")


def _first_scenario(data: DashboardData) -> str:
    scenarios = data.scenarios()
    return START_SCENARIO if START_SCENARIO in scenarios else next(iter(scenarios))


def start_inputs(data: DashboardData, start: Start) -> dict[str, Any]:
    """The tab's inputs when the page opens."""
    return {
        "scenario_name": _first_scenario(data),
        "scenario_draws": "200",
        "scenario_seed": 1,
        "scenario_run": 0,
        "scenario_output": None,
        "scenario_sobol_n": "128",
    }


def panel(data: DashboardData, start: Start) -> Any:
    """The Scenarios tab's UI."""
    from shiny import ui

    scenarios = data.scenarios()
    first = _first_scenario(data)
    sidebar = ui.sidebar(
        ui.input_select(
            "scenario_name",
            "Shipped scenario",
            {k: f"{k}: {v}" for k, v in scenarios.items()},
            selected=first,
        ),
        ui.input_select("scenario_draws", "Draws", [str(d) for d in DRAWS], selected="200"),
        ui.input_numeric("scenario_seed", "Seed", value=1, min=0, step=1),
        ui.input_action_button("scenario_run", "Run the sweep", class_="btn-sm btn-primary"),
        ui.hr(),
        ui.input_select("scenario_output", "Sobol indices of", {}),
        ui.input_select(
            "scenario_sobol_n",
            "Saltelli base sample n",
            [str(n) for n in SOBOL_N],
            selected="128",
        ),
        width=320,
        id="scenario_sidebar",
        # On a phone the controls stay above the figures (they are needed to use the tab).
        open={"desktop": "open", "mobile": "always"},
    )
    return ui.nav_panel(
        TITLE,
        ui.layout_sidebar(
            sidebar,
            ui.output_ui("scenario_status"),
            ui.card(ui.output_ui("scenario_distribution")),
            ui.card(ui.output_ui("scenario_sobol")),
        ),
        value=ID,
    )


#: Most uncertain parameters for which agreement outputs are offered to the Sobol analysis
#: (a negotiation is evaluated n x (k + 2) times: beyond this, minutes).
SOBOL_MAX_PARAMS = 12


def outputs_of(run: ScenarioRun) -> dict[str, str]:
    """The outputs a Sobol analysis can take: ``posture:<option>``, and ``agreement:<case>``
    when the scenario has at most :data:`SOBOL_MAX_PARAMS` uncertain parameters."""
    out = {f"posture:{o}": f"P({o.replace('_', ' ')}), mean over the years" for o in run.options}
    if len(run.params) <= SOBOL_MAX_PARAMS:
        out.update({f"agreement:{c}": f"P(agreement), {c}" for c in run.cases})
    return out


def distribution_figure(run: ScenarioRun) -> Any:
    """Box plots over the draws of each posture's probability (mean over the scenario's
    state-years) and of each case's agreement probability."""
    import numpy as np

    mean = np.asarray(run.probabilities).mean(axis=1)  # [D, O]
    traces: list[dict[str, Any]] = []
    for k, o in enumerate(run.options):
        traces.append(
            {
                "type": "box",
                "name": o.replace("_", " "),
                "y": [round(float(v), 4) for v in mean[:, k]],
                "marker": {"color": _COLORS[k % len(_COLORS)]},
                "boxpoints": False,
                "hovertemplate": "%{y:.3f}<extra></extra>",
            }
        )
    agreement = np.asarray(run.agreement)
    for c, case in enumerate(run.cases):
        traces.append(
            {
                "type": "box",
                "name": f"agreement: {case}",
                "y": [round(float(v), 4) for v in agreement[:, c]],
                "marker": {"color": "#555555"},
                "boxpoints": False,
            }
        )
    span = f"{run.years[0]}-{run.years[-1]}" if run.years else ""
    layout = {
        "yaxis": {"title": {"text": "probability (0-1)"}, "range": [0, 1]},
        "xaxis": {"title": {"text": "outcome"}},
        "showlegend": False,
    }
    return plotly_figure(
        "scenario-distribution-figure",
        traces,
        layout,
        title=f"{run.name}: distribution over {run.draws} draws (seed {run.seed}) of each "
        f"posture's probability, mean over {len(run.years)} state-years {span}"
        + (", and of each case's agreement probability" if run.cases else ""),
        source=f"{run.title}. Box: quartiles and median; whiskers: 1.5 IQR. "
        "ncrealism.scenario.engine.evaluate_chunk.",
        height=380,
    )


def sobol_figure(frame: pl.DataFrame, output: str, n: int, k: int) -> Any:
    """First-order and total Sobol indices with their 95 % bootstrap half-widths."""
    names = [str(p).rsplit(".", 1)[-1] if len(str(p)) > 40 else str(p) for p in frame["parameter"]]
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "name": label,
            "y": names,
            "x": [round(float(v), 4) for v in frame[col].to_list()],
            "error_x": {
                "type": "data",
                "array": [round(float(v), 4) for v in frame[f"{col}_conf"].to_list()],
            },
            "marker": {"color": color},
            "hovertemplate": f"{label} %{{x:.3f}}<extra>%{{y}}</extra>",
        }
        for col, label, color in (
            ("S1", "first order S1", "#0072B2"),
            ("ST", "total ST", "#E69F00"),
        )
    ]
    layout = {
        "barmode": "group",
        "xaxis": {"title": {"text": "share of the output's variance (0-1)"}},
        "yaxis": {"autorange": "reversed", "automargin": True},
        "margin": {"l": 12, "r": 12, "t": 28, "b": 48},
    }
    return plotly_figure(
        "scenario-sobol-figure",
        traces,
        layout,
        title=f"Sobol indices of {output}: Saltelli sample n = {n}, {n * (k + 2)} model runs",
        source="Saltelli (2002), Jansen estimators (SALib); bars: 95 % bootstrap half-widths. "
        "ncrealism.scenario.sensitivity.sobol_indices.",
        height=max(260, 60 + 44 * frame.height),
    )


def server(input: Any, shared: Shared) -> None:
    """The Scenarios tab's outputs: the sweep runs when the button is pressed."""
    from shiny import reactive, render, ui

    data = shared.data

    # The sweep asked for (name, draws, seed), set by the button; None before.
    request: reactive.Value[tuple[str, int, int] | None] = reactive.value(
        None, name="scenario_request"
    )

    @reactive.effect
    @reactive.event(input.scenario_run, ignore_init=True)
    def _run() -> None:
        seed = input.scenario_seed()
        request.set((str(input.scenario_name()), int(input.scenario_draws()), int(seed or 0)))

    @reactive.calc
    def sweep() -> ScenarioRun | None:
        req_ = request()
        if req_ is None:
            return None
        name, draws, seed = req_
        return polled(
            data, ("scenario", *req_), lambda: data.scenario_run(name, draws, seed), every=0.5
        )

    @reactive.calc
    def sobol() -> tuple[str, int, pl.DataFrame] | None:
        run = sweep()
        if run is None:
            return None
        out = str(input.scenario_output() or "")
        if out not in outputs_of(run):
            return None
        n = int(input.scenario_sobol_n())
        frame = polled(
            data,
            ("sobol", run.name, run.draws, run.seed, out, n),
            lambda: data.sobol(run.name, run.draws, run.seed, out, n),
            every=0.5,
        )
        return None if frame is None else (out, n, frame)

    def waiting(what: str, running: bool) -> Any:
        text = f"Computing the {what}…" if running else f"Press 'Run the sweep' to see the {what}."
        return note(text, f"scenario-{what.split()[0]}-pending")

    @reactive.effect
    def _outputs() -> None:
        run = sweep()
        if run is None:
            return
        choices = outputs_of(run)
        with reactive.isolate():
            chosen = input.scenario_output()
        if chosen not in choices:
            ui.update_select("scenario_output", choices=choices, selected=next(iter(choices)))

    @render.ui
    def scenario_status() -> Any:
        run = sweep()
        if request() is None:
            text = "Choose a scenario and press 'Run the sweep' (a few seconds)."
        elif run is None:
            text = "Running the sweep…"
        else:
            text = (
                f"{run.name}: {run.draws} draws, seed {run.seed}; {len(run.params)} uncertain "
                f"parameter(s), {len(run.years)} state-year(s), {len(run.cases)} negotiation "
                f"case(s). Outside shocks: {data.context_label}."
            )
        return ui.p(text, id="scenario-head", style="font-size: 0.85em")

    @render.ui
    def scenario_distribution() -> Any:
        run = sweep()
        if run is None:
            return waiting("distributions", request() is not None)
        return distribution_figure(run)

    @render.ui
    def scenario_sobol() -> Any:
        if sweep() is None:
            return waiting("Sobol indices", request() is not None)
        got = sobol()
        if got is None:
            return waiting("Sobol indices", True)
        output, n, frame = got
        rows = [
            (
                str(r["parameter"]),
                f"{r['S1']:.3f} ± {r['S1_conf']:.3f}",
                f"{r['ST']:.3f} ± {r['ST_conf']:.3f}",
            )
            for r in frame.iter_rows(named=True)
        ]
        return ui.TagList(
            sobol_figure(frame, output, n, frame.height),
            table(
                "scenario-sobol-table",
                ["parameter", "S1 (first order)", "ST (total)"],
                rows,
                keys=[r[0] for r in rows],
                caption="Shares of the output's variance (0-1) ± 95 % bootstrap half-width.",
            ),
        )
