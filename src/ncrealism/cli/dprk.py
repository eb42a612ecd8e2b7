"""``ncr dprk``: the flagship case, North Korea 1990 to the latest data, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

NORTHEAST_ASIA: tuple[int, ...] = (2, 710, 365, 740, 731, 732)


def dprk(
    out: Annotated[Path, typer.Option(help="Report folder to write.")] = Path("ncr-report"),
    start: Annotated[int, typer.Option(help="First year.")] = 1990,
    end: Annotated[int, typer.Option(help="Last year.")] = 2016,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print less.")] = False,
) -> None:
    """Run the DPRK case: the Northeast Asian distribution of power and what follows from it.

    Example: ncr dprk --out ncr-report
    """
    import polars as pl

    from ncrealism.cli._output import Format, emit
    from ncrealism.data.fetch import DataSource
    from ncrealism.data.nmc import load_nmc

    source = DataSource.from_env()
    nmc = load_nmc("6.0", source=source).filter(
        pl.col("ccode").is_in(NORTHEAST_ASIA) & pl.col("year").is_between(start, end)
    )
    shares = (
        nmc.with_columns((pl.col("cinc") / pl.col("cinc").sum().over("year")).alias("share"))
        .pivot(on="stateabb", index="year", values="share")
        .sort("year")
    )
    out.mkdir(parents=True, exist_ok=True)
    shares.write_csv(out / "northeast_asia_shares.csv")
    if not quiet:
        emit(
            shares,
            Format.table,
            title=f"Share of Northeast Asian capabilities (CINC), {start}-{end}",
            caption="Share of the six states' summed COW CINC. Source: COW NMC v6.0.",
        )
    typer.echo(f"wrote {out / 'northeast_asia_shares.csv'}")
