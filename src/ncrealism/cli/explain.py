"""``ncr explain``: the anatomy of a decision, from the distribution of power to the choice."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ncrealism._defaults import DEFAULT_NMC_VERSION
from ncrealism.cli._common import NmcOpt


class ExplainFormat(StrEnum):
    """Output formats of ``ncr explain``."""

    text = "text"
    json = "json"
    md = "md"
    html = "html"


def explain(
    state: Annotated[
        str, typer.Argument(help="State: COW code, abbreviation or name (731, PRK, DPRK).")
    ],
    year: Annotated[
        str | None, typer.Argument(help="Year, span or list: 1994, 1993:1995, 1994,2006.")
    ] = None,
    years: Annotated[
        str | None, typer.Option("--year", "-y", help="Same as the YEAR argument.")
    ] = None,
    context: Annotated[
        Path | None,
        typer.Option(help="Context-event CSV (outside shocks: sanctions, patrons, leaders)."),
    ] = None,
    profile: Annotated[
        Path | None, typer.Option(help="A perception profile TOML instead of the shipped one.")
    ] = None,
    neutral: Annotated[
        bool, typer.Option(help="Use the neutral filter (structural realism) instead.")
    ] = False,
    focus: Annotated[
        str | None, typer.Option(help="Option whose log-odds are decomposed (default: likeliest).")
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(
            help="Yearly record CSV: explain the dynamic decision (last year's recorded posture "
            "as the status quo; model fitted on the earlier record years, ex-ante inputs)."
        ),
    ] = None,
    events: Annotated[
        Path | None,
        typer.Option(help="Event record CSV: last year's acts enter the dynamic decision."),
    ] = None,
    nmc: NmcOpt = DEFAULT_NMC_VERSION,
    fmt: Annotated[
        ExplainFormat, typer.Option("--format", "-f", help="text, json, md or html.")
    ] = ExplainFormat.text,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead.")
    ] = None,
) -> None:
    """Explain a state's decision in a year: the measured distribution of power and threat
    (IV), what the perception filter changed (intervening), domestic incentives, the option
    probabilities (DV) and the share of the decision each layer accounts for.

    With --record the decision is the dynamic model's: last year's recorded posture is the
    status quo, inertia is a layer of its own in the decomposition, and the inputs are ex ante.

    Example: ncr explain DPRK 1994 --context history/context_events_1990_2009.csv
    --record history/dprk_yearly_1990_2009.csv
    """
    import dataclasses
    import json

    import polars as pl

    from ncrealism.data.fetch import DataSource
    from ncrealism.data.records import read_context_events, read_event_record, read_yearly_record
    from ncrealism.decision.anatomy import anatomy
    from ncrealism.decision.inputs import build_inputs
    from ncrealism.errors import InputError
    from ncrealism.perception.filter import PerceptionFilter
    from ncrealism.perception.profiles import filters_for
    from ncrealism.system._common import parse_years, resolve_state

    spec = years or year
    if spec is None:
        raise InputError("give a year: ncr explain DPRK 1994 (or --year 1993:1995)")
    if year is not None and years is not None and year != years:
        raise InputError("give the year once, as an argument or with --year")
    wanted = parse_years(spec)
    # a bad profile is refused before any work
    user_filters = filters_for(state, path=profile) if profile is not None and not neutral else None
    source = DataSource.from_env()
    ccode = resolve_state(state, source)
    shipped_filters = filters_for(ccode) if user_filters is None and not neutral else None
    if context is not None:
        from ncrealism.cli._common import warn_unknown_context_types

        warn_unknown_context_types(context)
    ctx = read_context_events(context) if context is not None else None
    rec = read_yearly_record(record) if record is not None else None
    ev = read_event_record(events) if events is not None else None
    if ev is not None and rec is None:
        raise InputError("--events enters the dynamic decision: give --record too")
    from ncrealism.cli._common import nmc as check_nmc

    version = check_nmc(nmc)
    inputs = (
        build_inputs(ccode, wanted, context=ctx, source=source, nmc_version=version)
        if rec is None
        else pl.DataFrame()
    )
    docs = []
    for y in wanted:
        if neutral:
            filt = PerceptionFilter.neutral(state=state, ccode=ccode)
        elif user_filters is not None:
            filt = user_filters(y)
        else:
            assert shipped_filters is not None
            filt = shipped_filters(y)
            if filt.origin == "generic":
                filt = dataclasses.replace(
                    filt, state=state, label=f"{state}: generic (no profile; neutral filter)"
                )
        sources = [r.describe() for r in source.used]
        sources.append(f"capabilities: COW NMC v{version}")
        sources.append(f"perception: {filt.label} ({filt.origin})")
        sources.append(
            f"context events: {context}" if context is not None else "context events: none given"
        )
        if rec is not None:
            from ncrealism.evaluation.dynamic import explain_dynamic

            sources.append(f"record: {record}")
            if events is not None:
                sources.append(f"events: {events}")
            docs.append(
                explain_dynamic(
                    ccode,
                    y,
                    rec,
                    filt=filt,
                    context=ctx,
                    events=ev,
                    source=source,
                    nmc_version=version,
                    focus=focus,
                    sources=sources,
                )
            )
            continue
        docs.append(anatomy(inputs.filter(pl.col("year") == y), filt, focus=focus, sources=sources))
    if fmt is ExplainFormat.json:
        payload = [d.to_dict() for d in docs]
        text = json.dumps(payload[0] if len(payload) == 1 else payload, indent=2, default=str)
    elif fmt is ExplainFormat.md:
        text = "\n\n".join(d.to_markdown() for d in docs)
    elif fmt is ExplainFormat.html:
        body = "\n".join(d.to_html() for d in docs)
        text = (
            "<!doctype html><html><head><meta charset='utf-8'><title>ncr explain</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
            "</style></head><body>\n" + body + "</body></html>"
        )
    else:
        text = "\n\n".join(d.to_text() for d in docs)
        if ctx is None:
            text += (
                "\nnote: no --context file given: outside shocks (patrons, sanctions, "
                "inducements, leader deaths) are zero.\n"
            )
    if out is not None:
        out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        typer.echo(f"wrote {out}")
    else:
        typer.echo(text.rstrip("\n"))
