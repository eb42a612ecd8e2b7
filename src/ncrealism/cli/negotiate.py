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
        int,
        typer.Option(
            help="Draws of the coded inputs (positions, red lines, saliences) behind "
            "P(agreement); the record backtest uses 40."
        ),
    ] = 40,
    seed: Annotated[int, typer.Option(help="Seed of the random draws.")] = 0,
    lever: Annotated[
        list[str] | None,
        typer.Option(
            help="Lever(s) for 'what would it take': credibility, inducements, patron_support, "
            "sanctions (default: all)."
        ),
    ] = None,
    hindsight: Annotated[
        bool,
        typer.Option(
            "--hindsight",
            help="Analysis mode: accept coded values dated on or after the episode's start "
            "(refused for a forecast). Every output is labelled HINDSIGHT.",
        ),
    ] = False,
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
    """Forecast a negotiation: P(agreement) with its interval, zone, durability, levers.

    Capabilities are COW CINC for the year before the talks (read through NCR_DATA_MIRROR, the
    cache or the publisher); positions, red lines and saliences come from the case file, each
    dated before the talks and sourced. A shipped case is one episode of the negotiation
    record, modelled exactly as the record backtest models it.

    Example: ncr negotiate agreed-framework-1994 --format json
    """
    from ncrealism.data.fetch import DataSource
    from ncrealism.errors import InputError
    from ncrealism.evaluation.negotiation import case_forecast
    from ncrealism.negotiation.cases import analyse, load_case
    from ncrealism.negotiation.forecast import InputUncertainty
    from ncrealism.negotiation.levers import LEVERS, what_would_it_take
    from ncrealism.negotiation.record_scoring import case_model

    if draws < 1 or rounds < 1:
        raise InputError("--draws and --rounds must be at least 1")
    levers = lever or list(LEVERS)
    for name in levers:
        if name not in LEVERS:
            raise InputError(f"unknown lever '{name}'; choose from {', '.join(LEVERS)}")
    from ncrealism.cli._common import nmc as check_nmc
    from ncrealism.cli._common import progress

    version = check_nmc(nmc) if nmc is not None else None
    src = DataSource.from_env()
    case = load_case(file, hindsight=hindsight)
    # Slow part: P(agreement) is calibrated on the earlier episodes, each modelled afresh
    # (its own template, capabilities and input draws), as the record backtest does.
    label = f"negotiate {case.id}: modelling {len(case.history)} earlier episodes to calibrate"
    with progress(label, total=len(case.history) + 3) as bar:
        model = case_model(case, source=src, nmc_version=version)
        # The expected-utility model is a model of group decision: with two parties every
        # challenge ends in one side's capitulation, so bilateral talks use the bargaining model.
        multilateral = len(case.parties) >= 3
        analysis = analyse(model, rounds=rounds, draws=0, seed=seed, with_forecast=multilateral)
        bar.advance()
        fc = case_forecast(
            case,
            source=src,
            uncertainty=InputUncertainty(draws=draws),
            seed=seed,
            nmc_version=version,
            on_episode=bar.advance,
        )
        answers = []
        if model.case.survival is not None:
            for name in levers:
                answers.append(what_would_it_take(model, name, target="zone"))
        bar.advance()
    if fmt is Format.table and out is None:
        _print_tables(analysis, answers, fc)
    else:
        from ncrealism.cli._output import emit

        title = model.case.title + (" [HINDSIGHT ANALYSIS]" if fc["hindsight"] else "")
        emit(_long_frame(analysis, answers, fc), fmt, out=out, title=title)
    if plot is not None:
        from ncrealism.report.figures_negotiation import save_case_figures

        for path in save_case_figures(analysis, plot):
            typer.echo(f"wrote {path}")


def _mode(fc: dict[str, Any]) -> str:
    if fc["hindsight"]:
        return (
            "HINDSIGHT ANALYSIS: values dated on or after the episode's start were admitted; "
            "this is not a forecast."
        )
    return "Forecast: every coded value is dated before the episode's start."


def _agreement_line(fc: dict[str, Any]) -> str:
    from ncrealism.evaluation.negotiation import probability_text

    n = fc["n_history"]
    return (
        f"P(agreement) = {probability_text(fc['p_agreement'])} (90% interval "
        f"{probability_text(fc['p_low'])}-{probability_text(fc['p_high'])}); Bayesian logit on "
        f"the zone margin and the number of parties, fitted on {n} earlier episode(s), prior at "
        "their base rate."
    )


# --------------------------------------------------------------------------------------------


def _source_line(analysis: Analysis) -> str:
    case = analysis.model.case
    cinc = _CINC.format(version=case.nmc_version, year=case.capability_year)
    return f"Sources: {cinc} (Singer, Bremer & Stuckey 1972); case file {case.id}."


def _prior_text(surv: Any) -> str | None:
    """What the durability model's prior strength is and where it came from (None without)."""
    if surv.prior_sd is None:
        return None
    head = f"prior sd tau = {surv.prior_sd:.2g} on slope 1 and shape 1 (smaller: stronger)"
    if surv.n == 0:
        return f"{head}, the strongest tried: no earlier agreement"
    return f"{head}, chosen by the evidence of {surv.n} earlier agreement(s)"


def _print_tables(analysis: Analysis, answers: list[LeverAnswer], fc: dict[str, Any]) -> None:
    import polars as pl

    from ncrealism.cli._output import emit

    model, problem, zone = analysis.model, analysis.problem, analysis.zone
    case = model.case
    src = _source_line(analysis)
    label = "  [HINDSIGHT ANALYSIS]" if fc["hindsight"] else ""
    typer.echo(f"{case.title}  ({case.start_date} to {case.end_date}){label}")
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
    typer.echo(_mode(fc))
    typer.echo(_agreement_line(fc))
    if fc.get("note"):
        typer.echo(str(fc["note"]))
    eum = analysis.forecast
    if eum is None:
        typer.echo(
            "Expected-utility model not run: bilateral talks. With two actors each EUM "
            "challenge ends with one side adopting the other's position (capitulation), which "
            "says nothing about a bargain; the bargaining model (zone, Nash solution) is used."
        )
    else:
        rows: dict[str, list[Any]] = {"dimension": [], "forecast": [], "status": []}
        for d in problem.dimension_names:
            meaningful = eum.status[d] in ("converged", "consensus")
            rows["dimension"].append(d)
            rows["forecast"].append(eum.point[d] if meaningful else None)
            rows["status"].append(eum.status[d])
        emit(
            pl.DataFrame(
                rows, schema={"dimension": pl.Utf8, "forecast": pl.Float64, "status": pl.Utf8}
            ),
            Format.table,
            title="Expected-utility model (Bueno de Mesquita 1994)",
            caption="Issue scale 0-1 (anchors in the case file). A cycle or a run that did not "
            f"settle has no point forecast (shown empty). {src}",
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
        typer.echo("Commitment model: no agreement inside the coded zone, so nothing to hold.")
    f = fc.get("features")
    index = "n/a" if f is None else f"{f.commitment_days:,.0f} days"
    prior = _prior_text(fc["durability"])
    strength = "" if prior is None else f"; {prior}"
    typer.echo(
        f"Durability forecast (Weibull model fitted on earlier agreements, on the commitment "
        f"index of {index}{strength}): median {fc['median_days']:.0f} days."
    )
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


def _long_frame(analysis: Analysis, answers: list[LeverAnswer], fc: dict[str, Any]) -> pl.DataFrame:
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
    mode = "hindsight" if fc["hindsight"] else "forecast"
    add("mode", mode, "", None, _mode(fc), "")
    interval = f"90% interval {fc['p_low']:.4f}-{fc['p_high']:.4f}"
    detail = f"{interval}; fitted on {fc['n_history']} earlier episode(s)"
    add("agreement", "p_agreement", "", fc["p_agreement"], detail, "probability")
    add("agreement", "p_low", "", fc["p_low"], "5th percentile", "probability")
    add("agreement", "p_high", "", fc["p_high"], "95th percentile", "probability")
    f = fc.get("features")
    if f is not None:
        add("agreement", "zone_share", "", f.zone_share, "share of input draws", "share")
        add("agreement", "margin", "", f.margin, "mean over draws; logit input", "issue scale 0-1")
        add("agreement", "n_parties", "", float(f.n_parties), "logit input (log)", "parties")
        add("agreement", "nash_gain", "", f.nash_gain, "", "salience-weighted issue scale")
        add("agreement", "eum_distance", "", f.eum_distance, "", "issue scale 0-1")
    add("durability", "median_days_forecast", "", fc["median_days"], "Weibull model", "days")
    add(
        "durability",
        "time_ratio",
        "",
        fc["durability_ratio"],
        "days held relative to an agreement whose commitment index is one year",
        "ratio",
    )
    if f is not None:
        add(
            "durability",
            "commitment_index",
            "",
            f.commitment_days,
            "commitment model's expected days at the reference slack; Weibull covariate (log)",
            "days",
        )
    prior = _prior_text(fc["durability"])
    if prior is not None:
        add("durability", "prior_sd", "", fc["durability"].prior_sd, prior, "standard deviation")
    eum = analysis.forecast
    if eum is None:
        add("eum", "not_run", "", None, "bilateral talks: bargaining model used", "")
    else:
        for d in problem.dimension_names:
            ok = eum.status[d] in ("converged", "consensus")
            add(
                "eum", "forecast", d, eum.point[d] if ok else None, eum.status[d], "issue scale 0-1"
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
