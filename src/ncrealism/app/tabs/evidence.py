"""Evidence tab: the backtest of the posture forecasts against the coded record.

The run of ``ncr backtest`` (:func:`ncrealism.evaluation.run.backtest_files`) on the coded
yearly record of the history folder, with the context events: calibrated on
:data:`~ncrealism.app.data.BACKTEST_TRAIN`, each year of
:data:`~ncrealism.app.data.BACKTEST_TEST` forecast from the inputs of that year alone (rolling
origin). Shown: the recorded and the forecast postures year by year with the forecast
probabilities (:meth:`~ncrealism.evaluation.engine.Backtest.per_year`), a reliability diagram
(:meth:`~ncrealism.evaluation.engine.Backtest.reliability`) and every model's scores beside the
baselines' (:meth:`~ncrealism.evaluation.engine.Backtest.scores`). The backtest takes tens of
seconds the first time: it runs on a worker thread, once per data source, shared by every
session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ncrealism.app.data import BACKTEST_TEST, BACKTEST_TRAIN, DashboardData
from ncrealism.app.shared import Shared, Start, plotly_figure, polled, table

if TYPE_CHECKING:
    import polars as pl

    from ncrealism.evaluation.run import BacktestRun

__all__ = ["ID", "OUTPUTS", "TITLE", "panel", "server", "start_inputs"]

ID = "evidence"
TITLE = "Evidence"
OUTPUTS: tuple[str, ...] = (
    "evidence_status",
    "evidence_years",
    "evidence_forecasts",
    "evidence_reliability",
    "evidence_scores",
)
#: Bins of the reliability diagram (5 test years: few bins).
RELIABILITY_BINS = 5
_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")


def start_inputs(data: DashboardData, start: Start) -> dict[str, Any]:
    """The tab's inputs when the page opens (no model listed until the backtest has run)."""
    return {"evidence_model": None}


def panel(data: DashboardData, start: Start) -> Any:
    """The Evidence tab's UI."""
    from shiny import ui

    return ui.nav_panel(
        TITLE,
        ui.div(
            ui.output_ui("evidence_status"),
            ui.input_select("evidence_model", "Model shown year by year", {}, width="320px"),
            ui.layout_columns(
                ui.card(
                    ui.card_header("Recorded vs forecast posture, by test year"),
                    ui.output_ui("evidence_years"),
                ),
                ui.card(ui.output_ui("evidence_forecasts")),
                col_widths=(6, 6),
            ),
            ui.layout_columns(
                ui.card(ui.output_ui("evidence_reliability")),
                ui.card(
                    ui.card_header("Scores of every model beside the baselines"),
                    ui.output_ui("evidence_scores"),
                ),
                col_widths=(5, 7),
            ),
            class_="p-2",
        ),
        value=ID,
    )


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None or v != v:  # None or NaN
        return "-"
    return f"{float(v):.{digits}f}"


def forecasts_figure(per_year: pl.DataFrame, options: tuple[str, ...], model: str) -> Any:
    """The forecast probability of each posture per test year (stacked bars), the recorded
    posture named on each bar (``per_year``: :meth:`Backtest.per_year` of one model)."""
    rows = per_year.sort("year")
    # Category labels: the year and the recorded posture under it.
    years = [
        f"{y}<br>rec.: {str(r).replace('_', ' ')}"
        for y, r in zip(rows["year"].to_list(), rows["recorded"].to_list(), strict=True)
    ]
    traces = [
        {
            "type": "bar",
            "name": o.replace("_", " "),
            "x": years,
            "y": [round(float(v), 4) for v in rows[f"p_{o}"].to_list()],
            "marker": {"color": _COLORS[k % len(_COLORS)]},
            "hovertemplate": f"{o.replace('_', ' ')}: %{{y:.3f}}<extra></extra>",
        }
        for k, o in enumerate(options)
    ]
    layout = {
        "barmode": "stack",
        "xaxis": {"title": {"text": "test year (recorded posture)"}, "type": "category"},
        "yaxis": {"title": {"text": "forecast probability (0-1)"}, "range": [0, 1]},
        "margin": {"l": 56, "r": 12, "t": 48, "b": 72},
    }
    return plotly_figure(
        "evidence-forecast-figure",
        traces,
        layout,
        title=f"Forecast probabilities of {model} by test year, the recorded posture below each",
        source="ncrealism.evaluation (rolling-origin backtest); record: the coded yearly record.",
        height=380,
    )


def reliability_figure(rel: pl.DataFrame, model: str, n: int) -> Any:
    """Reliability diagram: the share of modal forecasts that came true against their mean
    probability, per bin (``rel``: :meth:`Backtest.reliability`)."""
    used = rel.filter(rel["n"] > 0)
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "perfect calibration",
            "x": [0, 1],
            "y": [0, 1],
            "line": {"color": "#999999", "dash": "dash"},
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "mode": "markers+lines",
            "name": model,
            "x": [round(float(v), 4) for v in used["mean_confidence"].to_list()],
            "y": [round(float(v), 4) for v in used["accuracy"].to_list()],
            "customdata": used["n"].to_list(),
            "marker": {"size": [8 + 4 * int(k) for k in used["n"].to_list()], "color": "#0072B2"},
            "hovertemplate": "mean probability %{x:.3f}, share correct %{y:.3f}, "
            "%{customdata} years<extra></extra>",
        },
    ]
    layout = {
        "xaxis": {
            "title": {"text": "mean probability of the modal forecast (0-1)"},
            "range": [0, 1],
        },
        "yaxis": {"title": {"text": "share that came true (0-1)"}, "range": [0, 1.02]},
    }
    return plotly_figure(
        "evidence-reliability-figure",
        traces,
        layout,
        title=f"Reliability diagram of {model}: {n} test years in {RELIABILITY_BINS} bins "
        "(marker size: years in the bin)",
        source="Top-label reliability (ncrealism.evaluation.metrics.reliability_table).",
        height=340,
    )


def server(input: Any, shared: Shared) -> None:
    """The Evidence tab's outputs; the backtest starts when the tab is first shown."""
    from shiny import reactive, render, req, ui

    data = shared.data

    @reactive.calc
    def finished() -> BacktestRun | None:
        """The backtest, or None while it runs on a worker thread (polled every second; read
        only by this tab's outputs, so it starts when the tab is first shown)."""
        if data.record_file() is None:
            return None
        return polled(data, ("backtest",), data.backtest, every=1.0)

    def run() -> BacktestRun:
        """The finished backtest; while it runs, the outputs wait."""
        got = finished()
        req(got is not None)
        assert got is not None
        return got

    @reactive.effect
    def _models() -> None:
        if input.tabs() != ID:
            return
        got = finished()
        if got is None:
            return
        models = list(got.backtest.models)
        with reactive.isolate():
            chosen = input.evidence_model()
        if chosen not in models:
            ui.update_select("evidence_model", choices=models, selected=models[0])

    def model() -> str:
        bt = run().backtest
        chosen = str(input.evidence_model() or "")
        return chosen if chosen in bt.models else bt.models[0]

    @render.ui
    def evidence_status() -> Any:
        record = data.record_file()
        if record is None:
            return ui.div(
                "No coded record: set NCR_HISTORY_DIR (or ncr serve --history) to the folder "
                "holding dprk_yearly_*.csv to see the backtest.",
                class_="alert alert-info py-2",
                id="evidence-missing",
            )
        head = (
            f"Backtest of the DPRK's yearly posture: record {record.name}; calibrated on "
            f"{BACKTEST_TRAIN[0]}-{BACKTEST_TRAIN[1]} and each year of "
            f"{BACKTEST_TEST[0]}-{BACKTEST_TEST[1]} forecast from its own inputs (expanding "
            f"window); {data.context_label}. The same run as ncr backtest --train "
            f"{BACKTEST_TRAIN[0]}:{BACKTEST_TRAIN[1]} --test {BACKTEST_TEST[0]}:"
            f"{BACKTEST_TEST[1]}."
        )
        if finished() is None:
            head += " Running the backtest (tens of seconds the first time)…"
        return ui.p(head, id="evidence-head", style="font-size: 0.85em")

    @render.ui
    def evidence_years() -> Any:
        bt = run().backtest
        m = model()
        per = bt.per_year().filter(bt.per_year()["model"] == m).sort("year")
        rows = [
            (
                str(r["year"]),
                str(r["recorded"]).replace("_", " "),
                str(r["confidence"] or "-"),
                str(r["predicted"]).replace("_", " "),
                _fmt(r["p_predicted"]),
                _fmt(r["p_recorded"]),
                _fmt(r["credit"], 2),
            )
            for r in per.iter_rows(named=True)
        ]
        return table(
            "evidence-per-year",
            [
                "year",
                "recorded",
                "coder's confidence",
                "forecast",
                "P forecast",
                "P recorded",
                "credit",
            ],
            rows,
            keys=[r[0] for r in rows],
            classes=[
                "year",
                "recorded",
                "confidence",
                "forecast",
                "p-forecast",
                "p-recorded",
                "credit",
            ],
            caption=f"{m}: the modal posture (tied postures joined by '/'), its probability "
            "and the probability given to the recorded posture (0-1); credit 1 hit, 0 miss, "
            "1/m when the recorded posture is one of m tied modal postures.",
        )

    @render.ui
    def evidence_forecasts() -> Any:
        bt = run().backtest
        m = model()
        per = bt.per_year().filter(bt.per_year()["model"] == m)
        return forecasts_figure(per, bt.options, m)

    @render.ui
    def evidence_reliability() -> Any:
        bt = run().backtest
        m = model()
        return reliability_figure(bt.reliability(m, n_bins=RELIABILITY_BINS), m, len(bt.test_years))

    @render.ui
    def evidence_scores() -> Any:
        res = run()
        scores = res.backtest.scores()
        rows = [
            (
                str(r["model"]),
                str(r["n_years"]),
                _fmt(r["accuracy"]),
                _fmt(r["balanced_accuracy"]),
                _fmt(r["log_loss"]),
                _fmt(r["brier"]),
                _fmt(r["ece"]),
            )
            for r in scores.iter_rows(named=True)
        ]
        descriptions = res.info.descriptions
        return ui.TagList(
            table(
                "evidence-scores-table",
                [
                    "model",
                    "years",
                    "accuracy",
                    "balanced accuracy",
                    "log loss (nats)",
                    "Brier (0-2)",
                    "ECE",
                ],
                rows,
                keys=[r[0] for r in rows],
                caption="Accuracy and balanced accuracy: shares (0-1), higher is better; log "
                "loss (nats), Brier score (0-2) and expected calibration error (0-1): lower is "
                "better. Baselines: persistence, base rate, uniform. ncrealism.evaluation.",
            ),
            ui.tags.ul(
                *[ui.tags.li(ui.tags.strong(k), ": ", v) for k, v in descriptions.items()],
                style="font-size: 0.78em",
                class_="mt-2",
            ),
        )
