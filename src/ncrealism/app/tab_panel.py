"""Dashboard view of the panel backtest: the models compared per era and outcome.

A self-contained tab module in the shape of the dashboard's tabs (``ID``, ``TITLE``,
``OUTPUTS``, ``panel(...)`` for the UI and ``server(input, ...)`` for the outputs). It reads the
``results.json`` written by ``ncr panel backtest`` (default ``panel/results.json``, or the file
named by ``NCR_PANEL_RESULTS``), so opening it costs no computation; without the file it says
which command writes it. The tables come from :func:`comparison_tables` (pure, tested without
Shiny).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

__all__ = ["ID", "OUTPUTS", "TITLE", "comparison_tables", "default_results", "panel", "server"]

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


def _html_table(df: pl.DataFrame, table_id: str) -> Any:
    from shiny import ui

    head = ui.tags.tr(*(ui.tags.th(c) for c in df.columns))
    rows = []
    for r in df.iter_rows():
        cells = [
            ui.tags.td(f"{v:.4f}" if isinstance(v, float) else ("—" if v is None else str(v)))
            for v in r
        ]
        rows.append(ui.tags.tr(*cells))
    return ui.tags.table(
        ui.tags.thead(head), ui.tags.tbody(*rows), id=table_id, class_="table table-sm"
    )


def panel(*_: Any) -> Any:
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


def server(input: Any, *_: Any) -> None:
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
            _html_table(scores, "panel-scores"),
            ui.h5("Paired differences (95% cluster-bootstrap intervals)"),
            _html_table(diffs, "panel-differences"),
            ui.tags.ul(*(ui.tags.li(s) for s in findings(doc, input.panel_metric()))),
        )
