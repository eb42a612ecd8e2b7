"""``ncr report``: self-contained reports (HTML with embedded figures, PNG/SVG, tables)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ncrealism._defaults import DEFAULT_NMC_VERSION
from ncrealism.cli._common import NmcOpt

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
    cache: Annotated[
        bool,
        typer.Option(
            "--cache/--no-cache",
            help="Reuse the report of an identical earlier run (same record files, options, "
            "data and code; kept under NCR_CACHE_DIR), or compute afresh.",
        ),
    ] = True,
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
    from ncrealism.cli._common import is_quiet, warn_unknown_context_types
    from ncrealism.cli._common import nmc as check_nmc
    from ncrealism.data.fetch import DataSource
    from ncrealism.report.dprk import build_dprk_report, format_summary

    quiet = quiet or is_quiet()
    if context is not None:
        warn_unknown_context_types(context)

    res = build_dprk_report(
        out,
        record=record,
        context=context,
        negotiations=negotiations,
        source=DataSource.from_env(),
        seed=seed,
        quiet=quiet,
        years=(start, end),
        draws=draws,
        nmc_version=check_nmc(nmc),
        cache=cache,
    )
    if not quiet:
        typer.echo(format_summary(res.summary))
        for note in res.skipped:
            typer.echo(f"note: {note}")
    n_fig = len(res.figures) // 2
    typer.echo(
        f"wrote {res.html} ({n_fig} figures as PNG and SVG in {res.out / 'figures'}; "
        f"citations in {res.citations_json.name}) in {res.elapsed_seconds:.1f} s"
        + (" (restored from the derived-data cache)" if res.cached else "")
    )
