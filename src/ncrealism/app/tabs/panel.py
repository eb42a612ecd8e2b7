"""Every-state tab: the panel backtest's models compared per era and outcome.

The tab reads the
``results.json`` written by ``ncr panel backtest`` (default ``panel/results.json``, or the file
named by ``NCR_PANEL_RESULTS``), so opening it costs no computation; without the file it says
which command writes it. The tables come from :func:`comparison_tables` (pure, tested without
Shiny).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ncrealism.app.shared import table

if TYPE_CHECKING:
    from ncrealism.app.data import DashboardData
    from ncrealism.app.shared import Shared, Start

__all__ = [
    "ID",
    "OUTPUTS",
    "TITLE",
    "comparison_tables",
    "default_results",
    "panel",
    "server",
    "start_inputs",
]

ID = "panel"
TITLE = "Every state"
OUTPUTS: tuple[str, ...] = ("panel_view",)

_OUTCOMES = ("all", "none", "internal", "external", "nuclear")


def default_results() -> Path:
    """The results file the tab opens: ``NCR_PANEL_RESULTS`` or ``panel/results.json``."""
    return Path(os.environ.get("NCR_PANEL_RESULTS", "panel/results.json"))


def comparison_tables(
    doc: Mapping[str, Any], outcome: str = "all", metric: str = "log_loss"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(scores, differences) for one scored outcome and metric.

    ``scores``: one row per era (``fold``), one column per model (the ``metric``).
    ``differences``: ``fold``, ``model``, ``comparison``, ``difference``, ``lower``,
    ``upper`` of every paired comparison (negative: the model is better).
    """
    s = pl.DataFrame(doc["scores"], infer_schema_length=None).filter(pl.col("outcome") == outcome)
    wide = s.pivot(on="model", index="fold", values=metric, aggregate_function="first")
    d = pl.DataFrame(doc["differences"], infer_schema_length=None).filter(
        (pl.col("outcome") == outcome) & (pl.col("metric") == metric)
    )
    return wide, d.select("fold", "model", "comparison", "difference", "lower", "upper")


def _cell(v: Any, signed: bool) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:+.4f}" if signed else f"{v:.4f}"
    return str(v)


def _table(df: pl.DataFrame, table_id: str, caption: str, signed: bool = False) -> Any:
    rows = [[_cell(v, signed) for v in r] for r in df.iter_rows()]
    return table(table_id, df.columns, rows, caption=caption)


def start_inputs(data: DashboardData, start: Start) -> dict[str, Any]:
    """The tab's inputs when the page opens."""
    return {
        "panel_outcome": "all",
        "panel_metric": "log_loss",
        "panel_results": str(default_results()),
    }


def panel(data: DashboardData, start: Start) -> Any:
    """The tab's UI (a ``nav_panel``): outcome and metric choices, then the tables."""
    from shiny import ui

    return ui.nav_panel(
        TITLE,
        ui.layout_columns(
            ui.input_select("panel_outcome", "Outcome", list(_OUTCOMES), selected="all"),
            ui.input_select("panel_metric", "Score", {"log_loss": "log loss", "brier": "Brier"}),
            ui.input_text("panel_results", "Results file", str(default_results())),
        ),
        ui.output_ui("panel_view"),
        value=ID,
    )


def server(input: Any, shared: Shared) -> None:
    """Register the tab's output (reads ``panel_outcome``, ``panel_metric``, ``panel_results``)."""
    from shiny import render, ui

    from ncrealism.errors import InputError
    from ncrealism.report.panel import findings, load_results

    @render.ui
    def panel_view() -> Any:
        path = Path(input.panel_results())
        if not path.is_file():
            return ui.p(
                f"No results at {path}. Run `ncr panel backtest --out {path.parent}` first."
            )
        try:
            doc = load_results(path)
        except InputError as exc:
            return ui.p(str(exc))
        scores, diffs = comparison_tables(doc, input.panel_outcome(), input.panel_metric())
        info = doc["info"]
        return ui.div(
            ui.p(
                f"COW state-years {info['panel_years'][0]}-{info['panel_years'][1]}, "
                f"{info['states']} states, NMC v{info['nmc_version']}; lower is better."
            ),
            ui.h5("Scores by test era"),
            _table(scores, "panel-scores", "Score of each model by test era."),
            ui.h5("Paired differences"),
            _table(
                diffs,
                "panel-differences",
                "Model minus comparison (negative: the model is better), 95% cluster-bootstrap "
                "interval (states resampled).",
                signed=True,
            ),
            ui.tags.ul(*(ui.tags.li(s) for s in findings(doc, input.panel_metric()))),
        )
