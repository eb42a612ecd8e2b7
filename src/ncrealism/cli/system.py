"""``ncr system``: the distribution of power and the threats a state faces (the IV)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ncrealism._defaults import DEFAULT_NMC_VERSION
from ncrealism.cli._output import Format, emit

if TYPE_CHECKING:
    from ncrealism.data.fetch import DataSource
    from ncrealism.system.capabilities import NMCVersion

app = typer.Typer(
    help=(
        "The international system: capability shares, system structure and threat.\n\n"
        "Computed from the COW National Material Capabilities data (CINC), COW alliances and "
        "contiguity, capital distances, nuclear status and UNGA ideal points. States are COW "
        "codes or names (731, PRK, DPRK, 'North Korea').\n\n"
        "Example: ncr system shares --states 2,710,365,740,731,732 --years 1985:2022"
    ),
    no_args_is_help=True,
)

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write the table to a file.")]
PlotOpt = Annotated[Path | None, typer.Option("--plot", help="Also draw a figure to FILE.png.")]
VersionOpt = Annotated[
    str,
    typer.Option(
        "--nmc",
        "--version",
        help="COW NMC release: 7.0 (to 2022, the default) or 6.0 (to 2016).",
    ),
]
ExtendOpt = Annotated[
    int | None,
    typer.Option(
        "--extend-to",
        help="Extend capabilities past NMC's last year to this year (SIPRI, World Bank, "
        "Maddison growth rates). Default: only if --years asks for later years.",
    ),
]


def _version(text: str) -> NMCVersion:
    """Check an NMC version given on the command line."""
    from ncrealism.cli._common import nmc

    return nmc(text)


def _extend(
    source: DataSource, version: str, wanted: list[int], extend_to: int | None
) -> int | None:
    """The year to extend to: as given, or the last year asked for if it is after NMC's end."""
    from ncrealism.data.nmc import load_nmc

    if extend_to is not None:
        return extend_to
    last = int(load_nmc(_version(version), source=source)["year"].max())  # type: ignore[arg-type]
    if wanted[-1] > last:
        typer.echo(
            f"note: NMC v{version} ends in {last}; {last + 1}-{wanted[-1]} are extended with "
            "SIPRI, World Bank and Maddison growth rates and flagged 'extended'",
            err=True,
        )
        return wanted[-1]
    return None


@app.command()
def shares(
    states: Annotated[
        str, typer.Option(help="States, comma separated (COW codes or names).")
    ] = "2,710,365,740,731,732",
    years: Annotated[str, typer.Option(help="Years: 1990, 1985:2016 or 1990,1994.")] = "1990:2016",
    version: VersionOpt = DEFAULT_NMC_VERSION,
    extend_to: ExtendOpt = None,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
    plot: PlotOpt = None,
) -> None:
    """Capability shares within a set of states, year by year (sum to 1 each year).

    Example: ncr system shares --states 2,710,365,740,731,732 --years 1985:2022 --plot ne.png
    """
    from ncrealism.data.fetch import DataSource
    from ncrealism.system._common import parse_states, parse_years, resolve_states
    from ncrealism.system.capabilities import shares as compute

    source = DataSource.from_env()
    wanted = parse_years(years)
    # the states are checked before any capability file is read
    codes = resolve_states(parse_states(states), source)
    ext = _extend(source, version, wanted, extend_to)
    df = compute(codes, wanted, version=_version(version), extend_to=ext, source=source)
    caption = (
        "cinc: share of world capabilities (0-1); capability_share: share of the listed states' "
        f"summed CINC (0-1). Source: COW NMC v{version} (Singer, Bremer & Stuckey 1972)"
        + ("; extended rows spliced from SIPRI/World Bank/Maddison growth." if ext else ".")
    )
    emit(df, fmt, out=out, title=f"Capability shares, {wanted[0]}-{wanted[-1]}", caption=caption)
    if plot is not None:
        from ncrealism.report.figures_system import plot_shares

        typer.echo(f"wrote {plot_shares(df, plot)}", err=True)


@app.command()
def structure(
    years: Annotated[str, typer.Option(help="Years: 1816:2016, 1990 or 1990,1994.")] = "1816:2016",
    states: Annotated[
        str | None,
        typer.Option(help="Reference set (COW codes or names); default: the COW major powers."),
    ] = None,
    threshold: Annotated[
        float, typer.Option(help="Pole threshold: share of capabilities a pole must hold.")
    ] = 0.10,
    basis: Annotated[
        str, typer.Option(help="Pole threshold applies to the 'system' CINC or the 'set' share.")
    ] = "system",
    version: VersionOpt = DEFAULT_NMC_VERSION,
    extend_to: ExtendOpt = None,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
    plot: PlotOpt = None,
) -> None:
    """System structure per year: concentration, effective poles, number of poles.

    Example: ncr system structure --years 1946:2016 --plot structure.png
    """
    from ncrealism.data.fetch import DataSource
    from ncrealism.errors import InputError
    from ncrealism.system._common import parse_states, parse_years
    from ncrealism.system.structure import structure as compute

    if basis not in ("system", "set"):
        raise InputError(f"--basis must be 'system' or 'set', not '{basis}'")
    source = DataSource.from_env()
    wanted = parse_years(years)
    ext = _extend(source, version, wanted, extend_to)
    df = compute(
        wanted,
        states=parse_states(states) if states else None,
        threshold=threshold,
        basis=basis,  # type: ignore[arg-type]
        version=_version(version),
        extend_to=ext,
        source=source,
    )
    who = "the listed states" if states else "the COW major powers of each year"
    caption = (
        f"Over {who}: con = concentration (Singer, Bremer & Stuckey 1972, 0-1); hhi = Σs²; "
        "effective_poles = 1/Σs² (states); n_poles = members with at least "
        f"{threshold:g} of the {basis} capabilities. Source: COW NMC v{version}."
    )
    emit(df, fmt, out=out, title=f"System structure, {wanted[0]}-{wanted[-1]}", caption=caption)
    if plot is not None:
        from ncrealism.report.figures_system import plot_structure

        typer.echo(f"wrote {plot_structure(df, plot)}", err=True)


@app.command()
def threat(
    state: Annotated[str, typer.Argument(help="The threatened state (COW code or name).")],
    year: Annotated[int | None, typer.Option(help="One year (threat by source).")] = None,
    years: Annotated[
        str | None, typer.Option(help="Several years, e.g. 1990:2016 (per-year summary).")
    ] = None,
    top: Annotated[int, typer.Option(help="Sources shown (by threat) per year.")] = 10,
    summary: Annotated[
        bool, typer.Option("--summary", help="Print the per-year total instead of sources.")
    ] = False,
    gradient: Annotated[
        str, typer.Option(help="Proximity: 'bdm' (Bueno de Mesquita) or 'boulding'.")
    ] = "bdm",
    version: VersionOpt = DEFAULT_NMC_VERSION,
    extend_to: ExtendOpt = None,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
    plot: PlotOpt = None,
) -> None:
    """The threat a state faces (Walt 1987), by source, and the share its allies offset.

    Example: ncr system threat DPRK --year 1994
    """
    import polars as pl

    from ncrealism.data.fetch import DataSource
    from ncrealism.errors import InputError
    from ncrealism.system._common import parse_years
    from ncrealism.system.threat import ThreatParams, threat_faced, threat_summary

    if (year is None) == (years is None):
        raise InputError("give either --year YEAR or --years FIRST:LAST")
    if gradient not in ("bdm", "boulding"):
        raise InputError(f"--gradient must be 'bdm' or 'boulding', not '{gradient}'")
    if top < 1:
        raise InputError("--top must be at least 1")
    source = DataSource.from_env()
    wanted = [year] if year is not None else parse_years(years or "")
    ext = _extend(source, version, wanted, extend_to)
    params = ThreatParams(gradient=gradient)  # type: ignore[arg-type]
    v = _version(version)
    summ = threat_summary(state, wanted, source=source, params=params, version=v, extend_to=ext)
    target = int(summ["target"][0])
    faced = threat_faced(state, wanted, source=source, params=params, version=v, extend_to=ext)
    caption = (
        "threat = aggregate power (CINC) × proximity (loss of strength, "
        f"{'Bueno de Mesquita 1981' if gradient == 'bdm' else 'Boulding 1962'}) × offensive "
        "(military share, nuclear status) × intentions (UNGA distance, alliance dissimilarity); "
        "CINC units. allied: COW alliance in force (alliances after 2012 carried from 2012)."
    )
    if summary:
        emit(
            summ,
            fmt,
            out=out,
            title=f"Threat faced by {target}, {wanted[0]}-{wanted[-1]}",
            caption=caption + " offset_share = min(1, allied_support / total_threat).",
        )
    else:
        shown = (
            faced.with_columns(
                pl.col("threat").rank("ordinal", descending=True).over("year").alias("rank")
            )
            .filter(pl.col("rank") <= top)
            .drop("rank")
            .select(
                "year",
                "source_ccode",
                "source_abb",
                "aggregate_power",
                "proximity",
                "offensive",
                "intentions",
                "threat",
                "allied",
            )
        )
        emit(shown, fmt, out=out, title=f"Threat faced by {target}, by source", caption=caption)
        if fmt is Format.table:
            for r in summ.iter_rows(named=True):
                off, sup = r["offset_share"], r["allied_support"]
                typer.echo(
                    f"{r['year']}: total threat from non-allies {r['total_threat']:.4g} "
                    f"(largest source {r['top_source']}); allied support "
                    f"{'unknown' if sup is None else format(sup, '.4g')}; share offset by "
                    f"allies {'—' if off is None else format(100 * off, '.0f') + '%'}"
                )
    if plot is not None:
        from ncrealism.report.figures_system import plot_threat

        typer.echo(f"wrote {plot_threat(faced, plot, top=min(top, 8))}", err=True)


@app.command()
def transition(
    a: Annotated[str, typer.Argument(help="First state (COW code or name).")],
    b: Annotated[str, typer.Argument(help="Second state (COW code or name).")],
    years: Annotated[str, typer.Option(help="Years, e.g. 1950:2016.")] = "1950:2016",
    window: Annotated[int, typer.Option(help="Years of the compound growth rate.")] = 10,
    version: VersionOpt = DEFAULT_NMC_VERSION,
    extend_to: ExtendOpt = None,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Power-transition indicators between two states (Organski & Kugler 1980).

    Example: ncr system transition USA China --years 1990:2016
    """
    from ncrealism.data.fetch import DataSource
    from ncrealism.system._common import parse_years
    from ncrealism.system.structure import power_transition

    source = DataSource.from_env()
    wanted = parse_years(years)
    ext = _extend(source, version, wanted, extend_to)
    df = power_transition(
        a,
        b,
        wanted,
        window=window,
        version=_version(version),
        extend_to=ext,
        source=source,
    )
    caption = (
        "cinc: share of world capabilities; growth: % change on the previous year; cagr: "
        f"compound %/yr over {window} years; parity: weaker/stronger ≥ 0.8 (Organski & Kugler "
        f"1980); overtaking: the lead changes hands. Source: COW NMC v{version}."
    )
    emit(df, fmt, out=out, title="Power transition", caption=caption)
