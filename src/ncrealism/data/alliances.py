"""COW Formal Alliances v4.1 (Gibler 2009): member-years, dyad spells and dyad-years.

Alliance types (Gibler 2009; Gibler & Sarkees 2004). Each alliance commits its members to one
or more obligations, coded 0/1: ``defense_pact`` (to intervene militarily on the side of an
attacked partner; the publisher's ``defense``), ``neutrality`` (to stay out of a conflict
involving a partner), ``nonaggression`` (not to attack a partner) and ``entente`` (to consult in
a crisis). The flags are not exclusive: most defence pacts also carry the other obligations.
A blank flag in the publisher's file is a null, never 0 (one dyad spell, alliance 122,
Iran-Turkey, has a blank ``entente``).

Coverage: 1816-2012. An alliance or membership with a blank end date was still in force when
the data end and is right-censored at :data:`ALLIANCE_LAST_YEAR` (2012).

Year rule. A spell covers every calendar year from its start year to its end year inclusive
(the member-year file counts years this way: a membership from ``mem_st_year`` to
``mem_end_year`` has ``mem_end_year - mem_st_year + 1`` rows). The dyad spell file holds eleven
spells whose end date is one day before their start date (alliances 199 and 230: Yemen 678/679
and 679/680 on 21/22 May 1990; alliance 227: Germany 255/260 on 2/3 October 1990; alliance
234: 8/9 August 1954). They record a change of membership within one year, and are kept: they
contribute that calendar year, as the member-year file does (both members belong to the
alliance at some point of that year).

Known defect of the member-year file, corrected by :func:`read_alliance_member_years`. For a
state with two membership spells in the same alliance (alliances 3, 160, 199, 230, 234 and 304
in v4.1), the publisher's ``year`` column does not restart at the second spell's start year: it
continues from the end of the first spell (e.g. Czechoslovakia in alliance 160, spells 1935-1939
and 1945-1989, is given the years 1935-1984, including 1940-1944 when it was not a member of the
state system). The number of rows per spell is right; the years are not. The loader renumbers
each spell's rows ``mem_st_year, mem_st_year + 1, ...`` (keeping the published value in
``year_published``); 411 rows change. The dyad spell file does not have this defect.

Frames returned
---------------
:func:`load_alliance_member_years` (one row per alliance x member spell x year; a member whose
two spells meet within a calendar year has two rows for that year):

==============  ======  =================================================================
column          dtype   meaning (unit)
==============  ======  =================================================================
version4id      Int64   alliance identifier (COW alliance data v4)
ccode           Int64   COW state code of the member
year            Int64   calendar year (corrected as described above)
year_published  Int64   the publisher's ``year`` value
ss_type         Utf8    alliance type as published ("Type I: Defense Pact", ...)
mem_st_year     Int64   first year of the membership spell
mem_end_year    Int64   last year of the spell (2012 when still in force)
left_censor     Int8    1 = the alliance began before 1816 (null where blank)
right_censor    Int8    1 = still in force at the end of coverage (2012)
defense_pact    Int8    member's obligation flags, 0/1 (null where blank)
neutrality      Int8
nonaggression   Int8
entente         Int8
==============  ======  =================================================================

:func:`load_alliance_dyads` (one row per non-directed alliance-dyad spell, ``ccode1 < ccode2``):
``version4id``, ``ccode1``, ``ccode2`` (Int64); ``dyad_st_year``, ``dyad_st_month``,
``dyad_st_day``, ``dyad_end_year``, ``dyad_end_month``, ``dyad_end_day`` (Int64; end null = in
force at the end of coverage); ``left_censor``, ``right_censor``, ``defense_pact``,
``neutrality``, ``nonaggression``, ``entente``, ``asymmetric`` (Int8, 0/1).

:func:`alliance_dyad_years` / :func:`expand_alliance_dyads`:

============  ======  ===================================================================
column        dtype   meaning (unit)
============  ======  ===================================================================
version4id    Int64   alliance identifier (only with ``by_alliance=True``)
ccode1        Int64   COW code of the first state (``ccode1 < ccode2`` unless directed)
ccode2        Int64   COW code of the second state
year          Int64   calendar year, 1816-2012
defense_pact  Int8    1 if any alliance of the dyad in force that year is a defence pact
neutrality    Int8    likewise for neutrality pacts
nonaggression Int8    likewise for non-aggression pacts
entente       Int8    likewise for ententes
n_alliances   Int64   number of distinct alliances of the dyad in force that year
============  ======  ===================================================================

Each flag is the maximum over the dyad's alliances (and spells) in force that year, nulls
ignored; it is null only when every contributing alliance leaves it blank. Directed frames list
each non-directed dyad-year twice, (a, b) and (b, a), with the same values.

Source: Gibler, Douglas M. 2009. International Military Alliances, 1648-2008. Washington DC:
CQ Press (COW Formal Alliances data v4.1).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ncrealism.data._read import read_table
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError

__all__ = [
    "ALLIANCE_FLAGS",
    "ALLIANCE_LAST_YEAR",
    "alliance_dyad_years",
    "expand_alliance_dyads",
    "load_alliance_dyads",
    "load_alliance_member_years",
    "read_alliance_dyads",
    "read_alliance_member_years",
]

#: Last year covered by COW Formal Alliances v4.1 (Gibler 2009; v4.1 codebook): spells without
#: an end date are right-censored here.
ALLIANCE_LAST_YEAR = 2012

#: The four obligation flags, in the order used in every frame.
ALLIANCE_FLAGS: tuple[str, ...] = ("defense_pact", "neutrality", "nonaggression", "entente")

_PUBLISHED_FLAGS = {"defense": "defense_pact"}


def _require(df: pl.DataFrame, cols: tuple[str, ...], path: Path | str) -> None:
    for col in cols:
        if df[col].null_count():
            i = int(df[col].is_null().arg_true()[0])
            raise DataFileError(path, "empty cell", row=i + 2, field=col)


def _check_binary(df: pl.DataFrame, cols: tuple[str, ...], path: Path | str) -> None:
    for col in cols:
        bad = (~df[col].is_in([0, 1])).fill_null(False)
        if bad.any():
            i = int(bad.arg_true()[0])
            raise DataFileError(path, f"expected 0 or 1, found {df[col][i]}", row=i + 2, field=col)


# --------------------------------------------------------------------------- member-years
_MEMBER_SCHEMA: dict[str, type[pl.DataType]] = {
    "version4id": pl.Int64,
    "ccode": pl.Int64,
    "ss_type": pl.Utf8,
    "mem_st_day": pl.Int64,
    "mem_st_month": pl.Int64,
    "mem_st_year": pl.Int64,
    "mem_end_year": pl.Int64,
    "left_censor": pl.Int8,
    "right_censor": pl.Int8,
    "defense": pl.Int8,
    "neutrality": pl.Int8,
    "nonaggression": pl.Int8,
    "entente": pl.Int8,
    "year": pl.Int64,
}


def read_alliance_member_years(path: Path | str) -> pl.DataFrame:
    """Read ``alliance_v4.1_by_member_yearly.csv``, renumbering the years of each spell.

    Within each membership spell (alliance, member, spell start date) the rows, ordered by the
    published year, must be consecutive years and as many as the spell has calendar years;
    otherwise the file is malformed and the error names the spell's first row.
    """
    df = read_table(path, _MEMBER_SCHEMA)
    _require(df, ("version4id", "ccode", "mem_st_year", "year"), path)
    flags = ("defense", "neutrality", "nonaggression", "entente")
    _check_binary(df, ("left_censor", "right_censor", *flags), path)
    df = df.with_columns(pl.col("mem_end_year").fill_null(ALLIANCE_LAST_YEAR)).with_row_index(
        "_row"
    )
    spell = ["version4id", "ccode", "mem_st_year", "mem_st_month", "mem_st_day"]
    df = df.with_columns(
        (pl.col("year").rank("ordinal").over(spell) - 1).cast(pl.Int64).alias("_k"),
        pl.len().over(spell).cast(pl.Int64).alias("_n"),
        pl.col("year").min().over(spell).alias("_ymin"),
        pl.col("year").max().over(spell).alias("_ymax"),
        pl.col("_row").min().over(spell).alias("_first"),
    )
    want = pl.col("mem_end_year") - pl.col("mem_st_year") + 1
    bad = df.filter(
        (pl.col("_n") != want) | (pl.col("_ymax") - pl.col("_ymin") + 1 != pl.col("_n"))
    )
    if bad.height:
        r = bad.sort("_first").row(0, named=True)
        raise DataFileError(
            path,
            f"membership spell of state {r['ccode']} in alliance {r['version4id']} "
            f"({r['mem_st_year']}-{r['mem_end_year']}) has {r['_n']} year rows covering "
            f"{r['_ymin']}-{r['_ymax']}; expected one row for each year of the spell",
            row=int(r["_first"]) + 2,
            field="year",
        )
    return df.select(
        "version4id",
        "ccode",
        (pl.col("mem_st_year") + pl.col("_k")).alias("year"),
        pl.col("year").alias("year_published"),
        "ss_type",
        "mem_st_year",
        "mem_end_year",
        "left_censor",
        "right_censor",
        pl.col("defense").alias("defense_pact"),
        "neutrality",
        "nonaggression",
        "entente",
    )


def load_alliance_member_years(*, source: DataSource | None = None) -> pl.DataFrame:
    """COW alliance member-years v4.1, years corrected (columns in the module docstring)."""
    source = source or DataSource.from_env()
    return read_alliance_member_years(source.path("alliance_member_yearly"))


# --------------------------------------------------------------------------- dyad spells
_DYAD_SCHEMA: dict[str, type[pl.DataType]] = {
    "version4id": pl.Int64,
    "ccode1": pl.Int64,
    "ccode2": pl.Int64,
    "dyad_st_day": pl.Int64,
    "dyad_st_month": pl.Int64,
    "dyad_st_year": pl.Int64,
    "dyad_end_day": pl.Int64,
    "dyad_end_month": pl.Int64,
    "dyad_end_year": pl.Int64,
    "left_censor": pl.Int8,
    "right_censor": pl.Int8,
    "defense": pl.Int8,
    "neutrality": pl.Int8,
    "nonaggression": pl.Int8,
    "entente": pl.Int8,
    "asymmetric": pl.Int8,
}


def read_alliance_dyads(path: Path | str) -> pl.DataFrame:
    """Read ``alliance_v4.1_by_dyad.csv`` (non-directed alliance-dyad spells) as published.

    Checks: codes and start year present, two different states, the end year not before the
    start year nor after 2012, flags 0/1. Rows with ``ccode1 > ccode2`` are reordered so that
    ``ccode1 < ccode2`` (v4.1 has none).
    """
    df = read_table(path, _DYAD_SCHEMA)
    _require(df, ("version4id", "ccode1", "ccode2", "dyad_st_year"), path)
    _check_binary(
        df,
        ("left_censor", "right_censor", "defense", "neutrality", "nonaggression", "entente"),
        path,
    )
    _check_binary(df, ("asymmetric",), path)
    same = df["ccode1"] == df["ccode2"]
    if same.any():
        i = int(same.arg_true()[0])
        raise DataFileError(path, "a state allied with itself", row=i + 2, field="ccode2")
    backwards = (df["dyad_end_year"] < df["dyad_st_year"]).fill_null(False)
    if backwards.any():
        i = int(backwards.arg_true()[0])
        raise DataFileError(
            path,
            f"spell ends in {df['dyad_end_year'][i]}, before it starts in {df['dyad_st_year'][i]}",
            row=i + 2,
            field="dyad_end_year",
        )
    late = (df["dyad_end_year"] > ALLIANCE_LAST_YEAR).fill_null(False) | (
        df["dyad_st_year"] > ALLIANCE_LAST_YEAR
    )
    if late.any():
        i = int(late.arg_true()[0])
        raise DataFileError(
            path,
            f"year after the end of coverage ({ALLIANCE_LAST_YEAR})",
            row=i + 2,
            field="dyad_end_year",
        )
    lo = pl.min_horizontal("ccode1", "ccode2")
    hi = pl.max_horizontal("ccode1", "ccode2")
    return df.rename(_PUBLISHED_FLAGS).with_columns(ccode1=lo, ccode2=hi)


def load_alliance_dyads(*, source: DataSource | None = None) -> pl.DataFrame:
    """COW alliance-dyad spells v4.1 (columns in the module docstring)."""
    source = source or DataSource.from_env()
    return read_alliance_dyads(source.path("alliance_dyad"))


def expand_alliance_dyads(
    dyads: pl.DataFrame,
    *,
    directed: bool = False,
    by_alliance: bool = False,
    last_year: int = ALLIANCE_LAST_YEAR,
) -> pl.DataFrame:
    """Expand alliance-dyad spells into dyad-years (columns in the module docstring).

    Every spell covers each calendar year from ``dyad_st_year`` to ``dyad_end_year`` inclusive,
    an empty end year meaning ``last_year``. With ``by_alliance=True`` there is one row per
    alliance, dyad and year (flags: maximum over that alliance's spells, which matters only
    where two spells of one alliance meet within a year); otherwise one row per dyad-year,
    flags the maximum over all alliances in force. Sorted by dyad and year.
    """
    keep = ["version4id", "ccode1", "ccode2", *ALLIANCE_FLAGS]
    years = (
        dyads.select(
            *keep,
            pl.int_ranges(
                "dyad_st_year",
                pl.col("dyad_end_year").fill_null(last_year) + 1,
                dtype=pl.Int64,
            ).alias("year"),
        )
        .explode("year")
        .drop_nulls("year")
    )
    key = (
        ["version4id", "ccode1", "ccode2", "year"] if by_alliance else ["ccode1", "ccode2", "year"]
    )
    out = (
        years.group_by(key)
        .agg(
            *(pl.col(f).max().cast(pl.Int8) for f in ALLIANCE_FLAGS),
            pl.col("version4id").n_unique().cast(pl.Int64).alias("n_alliances"),
        )
        .sort(key)
    )
    if by_alliance:
        out = out.drop("n_alliances")
    if directed:
        swapped = out.with_columns(ccode1=pl.col("ccode2"), ccode2=pl.col("ccode1"))
        out = pl.concat([out, swapped]).sort(key)
    return out


def alliance_dyad_years(
    directed: bool = False,
    *,
    by_alliance: bool = False,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """COW alliance dyad-years 1816-2012 from the v4.1 dyad spell file (Gibler 2009).

    Only allied dyad-years are listed. ``directed=True`` lists (a, b) and (b, a).
    """
    return expand_alliance_dyads(
        load_alliance_dyads(source=source), directed=directed, by_alliance=by_alliance
    )
