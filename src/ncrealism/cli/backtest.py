"""``ncr backtest``: score the model against a coded record, next to honest baselines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from ncrealism.cli._output import Format
from ncrealism.evaluation.run import BacktestRun


def summary_table(run: BacktestRun, bins: int = 10) -> pl.DataFrame:
    """The printed table: every model at every horizon, with the paired comparison to NCR."""
    frames = []
    for h, bt in sorted(run.horizons.items()):
        sc = bt.scores(n_bins=bins).select(
            pl.lit(h, dtype=pl.Int64).alias("h"),
            "model",
            "n_years",
            "log_loss",
            "brier",
            "balanced_accuracy",
            "ece",
        )
        if run.comparison is not None:
            cmp = run.comparison.filter(pl.col("horizon") == h).select(
                pl.col("baseline").alias("model"),
                pl.format(
                    "{} [{}, {}]",
                    pl.col("diff").round(3),
                    pl.col("ci_low").round(3),
                    pl.col("ci_high").round(3),
                ).alias("vs NCR"),
            )
            sc = sc.join(cmp, on="model", how="left")
        frames.append(sc)
    return pl.concat(frames, how="diagonal_relaxed").fill_nan(None)


def backtest(
    record: Annotated[
        Path, typer.Option(help="Yearly record CSV (schema of the shared history folder).")
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder for results.json, report.md/html, figures."),
    ],
    train: Annotated[str, typer.Option(help="Training span FIRST:LAST, e.g. 1990:2004.")],
    test: Annotated[str, typer.Option(help="Test span FIRST:LAST, e.g. 2005:2009.")],
    context: Annotated[
        Path | None,
        typer.Option(help="Context-event CSV: the input shocks of every year, test years too."),
    ] = None,
    negotiations: Annotated[
        Path | None, typer.Option(help="Negotiation record CSV: adds the negotiation backtest.")
    ] = None,
    events: Annotated[
        Path | None,
        typer.Option(help="Event record CSV: adds per-year missile/nuclear event counts."),
    ] = None,
    scheme: Annotated[
        str,
        typer.Option(
            help="'expanding': calibrate on all years before each test year (rolling origin); "
            "'fixed': calibrate once on the training span."
        ),
    ] = "expanding",
    ccode: Annotated[int, typer.Option(help="COW code of the state (731: North Korea).")] = 731,
    profile: Annotated[str, typer.Option(help="Perception profile of the state.")] = "DPRK",
    ablations: Annotated[
        bool, typer.Option(help="Also score the model with one cluster of IntVs off at a time.")
    ] = True,
    theory: Annotated[
        bool, typer.Option(help="Include the NCR and structural-realism models (else baselines).")
    ] = True,
    conditional: Annotated[
        bool,
        typer.Option(
            "--conditional",
            help="Conditional forecasts: each year's inputs also read the context shocks dated "
            "during that year (some react to its own behaviour). Default: ex ante, only inputs "
            "dated before the year starts.",
        ),
    ] = False,
    horizons: Annotated[
        str, typer.Option(help="Forecast horizons in years ahead, comma-separated.")
    ] = "1,2",
    static: Annotated[
        bool,
        typer.Option(
            "--static", help="Also score the static calibrated filter of earlier versions (slow)."
        ),
    ] = False,
    nmc: Annotated[
        str | None, typer.Option(help="COW NMC version of the capabilities (6.0 or 7.0).")
    ] = None,
    bins: Annotated[int, typer.Option(help="Bins of the reliability diagram / ECE.")] = 10,
    credit_medium: Annotated[
        float, typer.Option(help="Partial credit: weight of a medium-confidence posture.")
    ] = 0.8,
    credit_low: Annotated[
        float, typer.Option(help="Partial credit: weight of a low-confidence posture.")
    ] = 0.6,
    seed: Annotated[int, typer.Option(help="Seed of any randomness in calibration.")] = 0,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="Format of the summary printed.")
    ] = Format.table,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print less.")] = False,
) -> None:
    """Backtest the model on a coded record: rolling-origin forecasts, scores and a report.

    For each test year the models are fitted on earlier years only and forecast the year one
    and two years ahead from inputs dated before the forecast origin (ex ante; --conditional
    adds the year's own shocks). The dynamic NCR model, structural realism (same dynamic model,
    neutral filter, free effects of the system inputs), a statistical reference (regularised
    multinomial logit) and the persistence, base-rate and uniform baselines are scored on the
    same years, with a paired bootstrap comparison.

    Example: ncr backtest --record history/dprk_yearly_1990_2009.csv
    --context history/context_events_1990_2009.csv --events history/dprk_events_1990_2009.csv
    --train 1990:1994 --test 1995:2009 --out backtest
    """
    from ncrealism.cli._output import emit
    from ncrealism.errors import InputError
    from ncrealism.evaluation.engine import parse_span
    from ncrealism.evaluation.metrics import ConfidenceCredit
    from ncrealism.evaluation.report import write_report
    from ncrealism.evaluation.run import backtest_files, command_line

    if scheme not in ("expanding", "fixed"):
        raise InputError(f"--scheme must be 'expanding' or 'fixed', not '{scheme}'")
    for label, path in (
        ("--record", record),
        ("--context", context),
        ("--negotiations", negotiations),
        ("--events", events),
    ):
        if path is not None and not path.is_file():
            raise InputError(f"{label}: no such file {path}")
    from ncrealism.cli._common import is_quiet, progress, warn_unknown_context_types

    quiet = quiet or is_quiet()
    if context is not None:
        warn_unknown_context_types(context)
    credit = ConfidenceCredit(high=1.0, medium=credit_medium, low=credit_low)
    argv = ["ncr", "backtest", "--record", str(record)]
    for flag, value in (
        ("--context", context),
        ("--negotiations", negotiations),
        ("--events", events),
    ):
        if value is not None:
            argv += [flag, str(value)]
    argv += ["--train", train, "--test", test, "--out", str(out), "--scheme", scheme]
    if theory:
        argv += ["--ccode", str(ccode), "--profile", profile]
        argv += ["--ablations" if ablations else "--no-ablations"]
        if conditional:
            argv += ["--conditional"]
        if static:
            argv += ["--static"]
        if nmc:
            argv += ["--nmc", nmc]
    else:
        argv += ["--no-theory"]
    argv += ["--bins", str(bins), "--credit-medium", f"{credit_medium:g}"]
    argv += ["--credit-low", f"{credit_low:g}", "--seed", str(seed), "--horizons", horizons]
    try:
        hs = tuple(int(h) for h in horizons.split(",") if h.strip())
    except ValueError:
        raise InputError(
            f"--horizons: whole numbers separated by commas, not '{horizons}'"
        ) from None
    with progress("Backtest: calibrating on earlier years and forecasting each test year"):
        run = backtest_files(
            record,
            train=parse_span(train),
            test=parse_span(test),
            context=context,
            negotiations=negotiations,
            events=events,
            scheme="fixed" if scheme == "fixed" else "expanding",
            ccode=ccode,
            profile=profile,
            ablations=ablations,
            theory=theory,
            conditional=conditional,
            horizons=hs,
            static=static,
            nmc_version=nmc,
            seed=seed,
            command=command_line(argv),
        )
    files = write_report(
        out,
        run.backtest,
        run.info,
        credit=credit,
        n_bins=bins,
        negotiation=run.negotiation,
        horizons=run.horizons,
        comparison=run.comparison,
        posterior=run.posterior,
        counts=run.counts,
    )
    if not quiet:
        emit(
            summary_table(run, bins),
            fmt,
            title=f"Backtest ({run.info.settings.get('forecast_type')}), test years "
            f"{min(run.backtest.test_years)}-{max(run.backtest.test_years)}",
            caption=(
                f"Record: {record.name}. h: years ahead. Log loss: nats; Brier: multi-category "
                f"[0, 2]; balanced accuracy: mean recall; ECE (reliability): {bins} bins. "
                "vs NCR: the model's log loss minus NCR's, mean and 95% paired-bootstrap "
                "interval (positive: NCR better; negative: NCR loses). Report: "
                + str(files.report_html)
            ),
        )
    if run.counts is not None and not quiet:
        from ncrealism.evaluation.counts import count_scores

        allq = count_scores(run.counts).filter(pl.col("series") == "all")
        typer.echo(
            "event counts, one quarter ahead (mean log score, nats; lower is better): "
            + "; ".join(f"{m} {v:.3f}" for m, v in allq.select("model", "log_score").iter_rows())
        )
    typer.echo(f"wrote {files.results_json}, {files.report_md}, {files.report_html}")
