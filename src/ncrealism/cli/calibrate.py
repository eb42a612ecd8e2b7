"""``ncr calibrate``: fit a state's perception filter to a coded record ("revealed perception")."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ncrealism.cli._output import Format


def calibrate(
    record: Annotated[
        Path, typer.Option(help="Yearly record CSV (schema of the shared history folder).")
    ],
    train: Annotated[str, typer.Option(help="Training years FIRST:LAST, e.g. 1990:2004.")],
    test: Annotated[
        str | None, typer.Option(help="Test years FIRST:LAST: score all filters side by side.")
    ] = None,
    state: Annotated[str, typer.Option(help="State: COW code or name (default DPRK).")] = "DPRK",
    context: Annotated[
        Path | None, typer.Option(help="Context-event CSV: the outside shocks of every year.")
    ] = None,
    profile: Annotated[
        Path | None, typer.Option(help="A perception profile TOML instead of the shipped one.")
    ] = None,
    free: Annotated[
        str | None,
        typer.Option(help="Comma-separated parameters to fit (default: a standard set)."),
    ] = None,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap replicates for the uncertainty (0: Laplace).")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap's generator.")] = 0,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="Output format of the tables.")
    ] = Format.table,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the estimates table to this file.")
    ] = None,
) -> None:
    """Calibrate the perception filter of STATE on the record's training years by penalised
    maximum likelihood (prior = the profile), with Laplace or bootstrap uncertainty, and
    compare it with the neutral filter (likelihood ratio). With --test, score the calibrated
    filter, the uncalibrated profile and the neutral filter on the test years.

    Example: ncr calibrate --record ../shared/history/dprk_yearly_1990_2009.csv
    --train 1990:2004 --test 2005:2009
    """
    import numpy as np

    from ncrealism.cli._output import emit
    from ncrealism.data.fetch import DataSource
    from ncrealism.data.records import read_context_events, read_yearly_record
    from ncrealism.decision.calibrate import DEFAULT_FREE, calibration_report
    from ncrealism.decision.calibrate import calibrate as fit
    from ncrealism.decision.inputs import build_inputs
    from ncrealism.errors import InputError
    from ncrealism.perception.profiles import filters_for
    from ncrealism.system._common import parse_years, resolve_state

    if bootstrap < 0:
        raise InputError("--bootstrap must be 0 (Laplace) or a positive number of replicates")
    # a bad profile is refused before any work
    user_prior = filters_for(state, path=profile) if profile is not None else None
    source = DataSource.from_env()
    ccode = resolve_state(state, source)
    prior = user_prior if user_prior is not None else filters_for(ccode)
    rec = read_yearly_record(record)
    if context is not None:
        from ncrealism.cli._common import warn_unknown_context_types

        warn_unknown_context_types(context)
    ctx = read_context_events(context) if context is not None else None
    train_years = parse_years(train)
    test_years = parse_years(test) if test is not None else []
    from ncrealism.cli._common import progress

    with progress("Calibrating: inputs, penalised likelihood, uncertainty", total=3) as bar:
        inputs = build_inputs(
            ccode, sorted({*train_years, *test_years}), context=ctx, source=source
        )
        bar.step("Calibrating: penalised maximum likelihood")
        free_params = (
            tuple(p.strip() for p in free.split(",") if p.strip()) if free else DEFAULT_FREE
        )

        if bootstrap > 0:
            res = fit(
                inputs,
                rec,
                train_years,
                prior,
                free=free_params,
                method="bootstrap",
                n_boot=bootstrap,
                rng=np.random.default_rng(seed),
            )
        else:
            res = fit(inputs, rec, train_years, prior, free=free_params)
        bar.step("Calibrating: scoring the test years")
        table = None
        if test_years:
            table, _ = calibration_report(
                inputs, rec, train_years, test_years, prior, free=free_params
            )
    emit(
        res.estimates,
        fmt,
        out=out,
        title=f"Calibrated perception filter, {state} ({train})",
        caption="estimate: calibrated value (mean over training years); shift: common change "
        "from the profile's prior; std_error and 95% interval from the "
        + (
            "bootstrap."
            if bootstrap
            else "Laplace approximation (nan where it does not apply: see se_note)."
        ),
    )
    if fmt is Format.table:
        typer.echo(res.summary())
    if table is not None:
        emit(
            table,
            fmt,
            title=f"Scores: train {train}, test {test}",
            caption="log loss: mean -ln p(observed posture), nats; accuracy: share of years "
            "whose likeliest posture is the observed one; Brier: multi-class Brier score.",
        )
