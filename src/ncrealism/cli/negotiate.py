"""``ncr negotiate FILE``: forecast, zone of agreement, durability and "what would it take"."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ncrealism.cli._output import Format

if TYPE_CHECKING:
    import polars as pl

    from ncrealism.negotiation.cases import Analysis
    from ncrealism.negotiation.levers import LeverAnswer

_CINC = "COW NMC v{version} CINC, {year}"


def negotiate(
    file: Annotated[
        str,
        typer.Argument(
            help="A case file (TOML) or a shipped case: agreed-framework-1994, four-party-1997, "
            "six-party-2005, six-party-2007 (snake_case names still work)."
        ),
    ],
    rounds: Annotated[int, typer.Option(help="Rounds of the expected-utility model.")] = 50,
    draws: Annotated[
        int, typer.Option(help="Monte Carlo draws for the agreement probability (0: none).")
    ] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the random draws.")] = 0,
    lever: Annotated[
        list[str] | None,
        typer.Option(
            help="Lever(s) for 'what would it take': credibility, inducements, patron_support, "
            "sanctions (default: all)."
        ),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option(
            help="With --draws > 0, also find the change lifting the agreement probability to "
            "this level (0-1)."
        ),
    ] = 0.5,
    nmc: Annotated[
        str | None,
        typer.Option(
            "--nmc",
            help="COW NMC release of the capabilities: 7.0 or 6.0 (default: the case file's, "
            "7.0 in the shipped cases).",
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the results to this file.")
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Write figures (bargaining range, durability, positions) to this folder."
        ),
    ] = None,
) -> None:
    """Analyse a negotiation: forecast, zone of agreement, durability, what it would take.

    Capabilities are COW CINC for the year before the talks (read through NCR_DATA_MIRROR, the
    cache or the publisher); positions, red lines and saliences come from the case file, each
    with its source or rationale.

    Example: ncr negotiate agreed-framework-1994 --draws 200 --seed 1 --plot figs
    """
    from ncrealism.errors import InputError
    from ncrealism.negotiation.cases import analyse, build_case
    from ncrealism.negotiation.levers import LEVERS, what_would_it_take

    if draws < 0 or rounds < 1:
        raise InputError("--draws must be ≥ 0 and --rounds ≥ 1")
    levers = lever or list(LEVERS)
    for name in levers:
        if name not in LEVERS:
            raise InputError(f"unknown lever '{name}'; choose from {', '.join(LEVERS)}")
    if not (0.0 < threshold <= 1.0):
        raise InputError("--threshold must be in (0, 1]")
    from ncrealism.cli._common import nmc as check_nmc
    from ncrealism.data.fetch import DataSource

    version = check_nmc(nmc) if nmc is not None else None
    model = build_case(file, source=DataSource.from_env(), nmc_version=version)
    from ncrealism.cli._common import progress

    n_levers = len(levers) if model.case.survival is not None else 0
    with progress(f"{model.case.id}: forecast", total=1 + n_levers) as bar:
        analysis = analyse(model, rounds=rounds, draws=draws, seed=seed)
        answers = []
        for name in levers[:n_levers]:
            bar.step(f"{model.case.id}: what would it take ({name})")
            answers.append(what_would_it_take(model, name, target="zone"))
            if draws > 0:
                answers.append(
                    what_would_it_take(
                        model,
                        name,
                        target="probability",
                        threshold=threshold,
                        rounds=rounds,
                        draws=draws,
                        seed=seed,
                        sensitivity=False,
                    )
                )
        bar.advance()
    if fmt is Format.table and out is None:
        _print_tables(analysis, answers, draws)
    else:
        from ncrealism.cli._output import emit

        emit(_long_frame(analysis, answers), fmt, out=out, title=model.case.title)
    if plot is not None:
        from ncrealism.report.figures_negotiation import save_case_figures

        for path in save_case_figures(analysis, plot):
            typer.echo(f"wrote {path}")


# --------------------------------------------------------------------------------------------


def _source_line(analysis: Analysis) -> str:
    case = analysis.model.case
    cinc = _CINC.format(version=case.nmc_version, year=case.capability_year)
    return f"Sources: {cinc} (Singer, Bremer & Stuckey 1972); case file {case.id}."


def _print_tables(analysis: Analysis, answers: list[LeverAnswer], draws: int) -> None:
    import polars as pl

    from ncrealism.cli._output import emit

    model, problem, zone = analysis.model, analysis.problem, analysis.zone
    case = model.case
    src = _source_line(analysis)
    typer.echo(f"{case.title}  ({case.start_date} to {case.end_date})")
    typer.echo(case.summary)
    shares = problem.power_shares()
    emit(
        pl.DataFrame(
            {
                "party": list(problem.party_names),
                "ccode": [p.ccode for p in case.parties],
                "cinc": [model.capability[n] for n in problem.party_names],
                "power_share": [shares[n] for n in problem.party_names],
                "veto": [p.veto for p in problem.parties],
            }
        ),
        Format.table,
        title="Parties",
        caption=f"cinc: share of world capabilities (0-1); power_share: share of the forum's "
        f"summed CINC. Forum quota {problem.forum.quota:g}. {src}",
    )
    fc = analysis.forecast
    if fc is not None:
        rows: dict[str, list[Any]] = {"dimension": [], "forecast": [], "status": []}
        if draws:
            rows["q05"] = []
            rows["q95"] = []
        for j, d in enumerate(problem.dimension_names):
            rows["dimension"].append(d)
            rows["forecast"].append(fc.point[d])
            rows["status"].append(fc.status[d])
            if draws:
                col = fc.draws[:, j]
                rows["q05"].append(float(_quantile(col, 0.05)))
                rows["q95"].append(float(_quantile(col, 0.95)))
        prob = (
            f" Agreement probability (share of {draws} draws whose forecast lies in the zone): "
            f"{fc.agreement_probability:.3f}."
            if fc.agreement_probability is not None
            else ""
        )
        inside = "inside" if fc.point_in_zone else "outside"
        emit(
            pl.DataFrame(rows),
            Format.table,
            title="Forecast: expected-utility model (Bueno de Mesquita 1994)",
            caption=f"Issue scale 0-1 (anchors in the case file). The point forecast lies "
            f"{inside} the zone of agreement.{prob} q05/q95: Monte Carlo quantiles (saliences "
            f"±10%). {src}",
        )
    verdict = "a zone of agreement exists" if zone.exists else "NO zone of agreement"
    emit(
        zone.to_frame(),
        Format.table,
        title=f"Zone of agreement: {verdict} (margin {zone.margin:+.4f}; coalition "
        f"{', '.join(zone.coalition)})",
        caption="Bounds on the issue scale (0-1): the most demanding red line below and the "
        "least generous above; width < 0: the red lines conflict. Binding: "
        + " | ".join(b.describe() for b in zone.binding),
    )
    if analysis.nash is not None:
        nash = analysis.nash
        emit(
            pl.DataFrame({"dimension": list(nash.point), "nash_point": list(nash.point.values())}),
            Format.table,
            title="Nash bargaining solution (Nash 1950), weighted by capability",
            caption="Agreed value on each issue scale (0-1).",
        )
        emit(
            nash.to_frame(),
            Format.table,
            title="Gains at the Nash solution",
            caption="weight: capability share in the coalition; gain: salience-weighted "
            "distance clearing the party's red lines; slack: gain per unit of salience "
            "(issue-scale units).",
        )
    dur = analysis.durability
    if dur is not None:
        median = f"{dur.median_days:.0f}" if dur.median_days is not None else "beyond horizon"
        one = float(_interp(dur, 1.0))
        five = float(_interp(dur, 5.0))
        emit(
            dur.parties_frame(),
            Format.table,
            title=f"Durability: expected {dur.expected_days:.0f} days held (median {median}); "
            f"P(holds 1 year) = {one:.3f}, P(holds 5 years) = {five:.3f}",
            caption="Commitment problem (Fearon 1995; Powell 2006): each party's slack drifts "
            "with the anticipated power shift (share points per year) and is shaken by shocks "
            "damped by credible, irreversible commitments; expected days truncated at "
            f"{dur.horizon_years:g} years. Weakest commitment: {dur.weakest}.",
        )
    else:
        typer.echo("Durability: no agreement inside a zone, so nothing to hold.")
    if answers:
        typer.echo("")
        typer.echo("What would it take (smallest change of one lever):")
        for a in answers:
            typer.echo(f"  [{a.lever}, {a.target}] {a.describe()}")
        for a in answers:
            if a.sensitivity and a.delta is not None and a.delta != 0.0:
                emit(
                    a.sensitivity_frame(),
                    Format.table,
                    title=f"Sensitivity of the answer for lever '{a.lever}'",
                    caption=f"delta_low/high: the change needed with the input moved by "
                    f"-/+{a.step:g}; derivative: lever units per input unit.",
                )
    elif case.survival is None:
        typer.echo("What would it take: the case has no [survival] section, so no levers apply.")


def _quantile(values: Any, q: float) -> float:
    import numpy as np

    return float(np.quantile(values, q))


def _interp(dur: Any, years: float) -> float:
    import numpy as np

    return float(np.interp(years, dur.times, dur.survival))


def _long_frame(analysis: Analysis, answers: list[LeverAnswer]) -> pl.DataFrame:
    """Every result as rows of (section, item, dimension, value, detail, unit)."""
    import polars as pl

    rows: list[dict[str, Any]] = []

    def add(section: str, item: str, dim: str, value: float | None, detail: str, unit: str) -> None:
        rows.append(
            {
                "section": section,
                "item": item,
                "dimension": dim,
                "value": value,
                "detail": detail,
                "unit": unit,
            }
        )

    model, problem, zone = analysis.model, analysis.problem, analysis.zone
    src = _source_line(analysis)
    for n, share in problem.power_shares().items():
        add("party", n, "", model.capability[n], f"power share {share:.4f}", "CINC (0-1); " + src)
    fc = analysis.forecast
    if fc is not None:
        for d in problem.dimension_names:
            add("forecast", "eum", d, fc.point[d], fc.status[d], "issue scale 0-1")
        if fc.agreement_probability is not None:
            add(
                "forecast", "agreement_probability", "", fc.agreement_probability, "", "probability"
            )
    add("zone", "exists", "", 1.0 if zone.exists else 0.0, ", ".join(zone.coalition), "boolean")
    add("zone", "margin", "", zone.margin, "", "issue scale 0-1")
    for iv in zone.intervals:
        add("zone", "lower", iv.dimension, iv.lower, ";".join(iv.lower_parties), "issue scale 0-1")
        add("zone", "upper", iv.dimension, iv.upper, ";".join(iv.upper_parties), "issue scale 0-1")
    for b in zone.binding:
        add("zone", "binding", b.dimension, b.gap, b.describe(), "gap, issue scale 0-1")
    if analysis.nash is not None:
        for d, v in analysis.nash.point.items():
            add("nash", "point", d, v, "", "issue scale 0-1")
        for n in analysis.nash.coalition:
            add("nash", "slack", "", analysis.nash.slack[n], n, "issue scale 0-1")
    dur = analysis.durability
    if dur is not None:
        add("durability", "expected_days", "", dur.expected_days, f"weakest {dur.weakest}", "days")
        add("durability", "median_days", "", dur.median_days, "", "days")
        add("durability", "survival_at_horizon", "", dur.survival_at_horizon, "", "probability")
    for a in answers:
        add(f"lever:{a.lever}", a.target, "", a.delta, a.describe(), "lever units (0-1 scale)")
    return pl.DataFrame(
        rows,
        schema={
            "section": pl.Utf8,
            "item": pl.Utf8,
            "dimension": pl.Utf8,
            "value": pl.Float64,
            "detail": pl.Utf8,
            "unit": pl.Utf8,
        },
    )
