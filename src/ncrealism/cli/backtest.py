"""``ncr backtest``: score the model against a coded record, next to honest baselines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ncrealism.cli._output import Format


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
    ex_ante_context: Annotated[
        bool,
        typer.Option(
            help="Read only context events dated before 1 January of each year (stricter: a "
            "year's own shocks, e.g. sanctions reacting to its tests, are left out)."
        ),
    ] = False,
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

    For each test year the models are calibrated on earlier years only and forecast the year
    from its inputs; NCR, structural realism (neutral filter, calibrated the same way) and the
    persistence, base-rate and uniform baselines are scored on the same years.

    Example: ncr backtest --record history/dprk_yearly_1990_2009.csv
    --context history/context_events_1990_2009.csv --train 1990:2004 --test 2005:2009
    --out backtest
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
        if ex_ante_context:
            argv += ["--ex-ante-context"]
    else:
        argv += ["--no-theory"]
    argv += ["--bins", str(bins), "--credit-medium", f"{credit_medium:g}"]
    argv += ["--credit-low", f"{credit_low:g}", "--seed", str(seed)]
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
            ex_ante_context=ex_ante_context,
            seed=seed,
            command=command_line(argv),
        )
    files = write_report(
        out, run.backtest, run.info, credit=credit, n_bins=bins, negotiation=run.negotiation
    )
    bt = run.backtest
    if not quiet:
        emit(
            bt.scores(n_bins=bins).fill_nan(None),
            fmt,
            title=f"Backtest, test years {min(bt.test_years)}-{max(bt.test_years)}",
            caption=(
                f"Record: {record.name}. Accuracy: share of years; log loss: nats; Brier: "
                f"multi-category [0, 2]; ECE: {bins} bins; spearman_*: rho of P(internal "
                "balancing) with the counts (— when undefined). Report: " + str(files.report_html)
            ),
        )
    typer.echo(f"wrote {files.results_json}, {files.report_md}, {files.report_html}")
