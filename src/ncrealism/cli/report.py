"""``ncr report``: self-contained reports (HTML with embedded figures, PNG/SVG, tables)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ncrealism._defaults import DEFAULT_NMC_VERSION
from ncrealism.cli._common import CacheOpt, NmcOpt

app = typer.Typer(
    name="report",
    help="Write self-contained reports: HTML with embedded figures, PNG and SVG for papers, "
    "the numbers behind every figure, and the citations of everything the run used.\n\n"
    "Example: ncr report dprk --record ../shared/history/dprk_yearly_1990_2009.csv --out report",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _reports() -> None:
    """Write self-contained reports (HTML with embedded figures, PNG/SVG, tables, citations).

    Example: ncr report dprk --record ../shared/history/dprk_yearly_1990_2009.csv --out report
    """


@app.command("dprk")
def dprk(
    out: Annotated[Path, typer.Option("--out", "-o", help="Report folder to write.")] = Path(
        "ncr-report"
    ),
    record: Annotated[
        Path | None,
        typer.Option(help="Yearly record CSV: recorded postures and the backtest."),
    ] = None,
    context: Annotated[
        Path | None,
        typer.Option(help="Context-event CSV: outside shocks (patrons, sanctions, leaders)."),
    ] = None,
    negotiations: Annotated[
        Path | None,
        typer.Option(
            help="Negotiation record CSV: recorded durations and the negotiation backtest."
        ),
    ] = None,
    start: Annotated[int, typer.Option(help="First decision year.")] = 1990,
    end: Annotated[int, typer.Option(help="Last decision year.")] = 2016,
    draws: Annotated[
        int, typer.Option(help="Monte Carlo draws of each negotiation forecast.")
    ] = 200,
    seed: Annotated[int, typer.Option(help="Seed of every random draw.")] = 0,
    nmc: NmcOpt = DEFAULT_NMC_VERSION,
    cache: CacheOpt = True,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")
    ] = False,
) -> None:
    """The DPRK report: capability shares, threat by source, posture probabilities against
    the record, the anatomy of selected decisions, negotiation ranges and durability, and the
    backtest, with every dataset and paper cited.

    Example: ncr report dprk --record ../shared/history/dprk_yearly_1990_2009.csv
    --context ../shared/history/context_events_1990_2009.csv --out report
    """
    from ncrealism.cli._common import dprk_report, is_quiet
    from ncrealism.report.dprk import format_summary

    res = dprk_report(
        out,
        record=record,
        context=context,
        negotiations=negotiations,
        nmc_text=nmc,
        cache=cache,
        quiet=quiet,
        seed=seed,
        years=(start, end),
        draws=draws,
    )
    if not (quiet or is_quiet()):
        typer.echo(format_summary(res.summary))
        for note in res.skipped:
            typer.echo(f"note: {note}")
    n_fig = len(res.figures) // 2
    typer.echo(
        f"wrote {res.html} ({n_fig} figures as PNG and SVG in {res.out / 'figures'}; "
        f"citations in {res.citations_json.name}) in {res.elapsed_seconds:.1f} s"
        + (" (restored from the derived-data cache)" if res.cached else "")
    )
