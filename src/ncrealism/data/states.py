"""State-system membership: COW states, state-years, major powers, country codes; G&W states.

Two lists of independent states are in use in quantitative international relations:

* the Correlates of War (COW) State System Membership list, v2016 (Correlates of War Project
  2017): membership spells (``states2016.csv``), the state-year file (``system2016.csv``), the
  major-power spells (``majors2016.csv``) and the country-code list
  (``COW-country-codes.csv``);
* the Gleditsch & Ward (1999) list of independent states (``iisystem.dat``, 2017 update).

Year rule (both systems). A state is counted in a calendar year if it is a member at *any point*
of that year: a spell from ``start_date`` to ``end_date`` covers every year from
``start_date.year`` to ``end_date.year`` inclusive. For COW this rule reproduces the published
state-year file exactly (15,951 state-years, 1816-2016; checked in the tests). The same rule
turns the major-power spells into :func:`major_power_years` and the G&W spells into G&W
state-years (:func:`gw_state_years`).

Frames returned
---------------
:func:`load_states` (one row per COW membership spell; a state can have several):

==========  =======  ==========================================================
column      dtype    meaning (unit)
==========  =======  ==========================================================
ccode       Int64    COW state code
stateabb    Utf8     COW state abbreviation
statenme    Utf8     COW state name
styear      Int64    first calendar year of the spell
endyear     Int64    last calendar year of the spell (2016 = still a member)
start_date  Date     first day of membership
end_date    Date     last day of membership (2016-12-31 = end of coverage)
==========  =======  ==========================================================

:func:`load_system`: ``ccode`` (Int64), ``stateabb`` (Utf8), ``year`` (Int64, calendar year);
one row per state-year, keyed by ``ccode``/``year``.

:func:`load_majors`: ``ccode``, ``stateabb``, ``styear``, ``endyear``, ``start_date``,
``end_date`` as in :func:`load_states` (one row per major-power spell).

:func:`major_power_years`: ``ccode`` (Int64), ``stateabb`` (Utf8), ``year`` (Int64): the
state-years in which a state held major-power status at any point of the year.

:func:`load_cow_codes`: ``ccode`` (Int64), ``stateabb`` (Utf8), ``statenme`` (Utf8): one row per
code. The publisher's file repeats a state once per membership spell (243 rows for 217 codes);
the repeats are identical and are dropped. A code listed with two different abbreviations or
names is a :class:`~ncrealism.errors.DataFileError`.

:func:`load_gw_states` (one row per G&W spell):

==========  =======  ==========================================================
column      dtype    meaning (unit)
==========  =======  ==========================================================
gwcode      Int64    Gleditsch-Ward state code
gwabb       Utf8     G&W letter code
name        Utf8     state name as published
start_date  Date     first day of independence
end_date    Date     last day (2017-12-31 = still independent at the 2017 update)
==========  =======  ==========================================================

The G&W file is TAB-separated without a header, dates as ``dd:mm:yyyy``. The publisher's copy is
cp1252; the registered alternate copy is UTF-8 in which two names (271 Württemberg,
437 Côte d'Ivoire) carry U+FFFD replacement characters, kept as read.

:func:`gw_state_years`: ``gwcode`` (Int64), ``gwabb`` (Utf8), ``year`` (Int64).

Sources: Correlates of War Project (2017), State System Membership List v2016; Gleditsch, K. S.
and M. D. Ward (1999), "A Revised List of Independent States since the Congress of Vienna",
International Interactions 25(4): 393-413.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from ncrealism.data._read import check_unique, read_rows, read_table, to_frame
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError

__all__ = [
    "dates_from_parts",
    "gw_state_years",
    "load_cow_codes",
    "load_gw_states",
    "load_majors",
    "load_states",
    "load_system",
    "major_power_years",
    "read_cow_codes",
    "read_gw_states",
    "read_majors",
    "read_states",
    "read_system",
    "spell_years",
]

_SPELL_SCHEMA: dict[str, type[pl.DataType]] = {
    "styear": pl.Int64,
    "stmonth": pl.Int64,
    "stday": pl.Int64,
    "endyear": pl.Int64,
    "endmonth": pl.Int64,
    "endday": pl.Int64,
}


def dates_from_parts(
    df: pl.DataFrame,
    path: Path | str,
    parts: tuple[str, str, str],
    *,
    header: bool = True,
) -> pl.Series:
    """Build a Date series from year/month/day columns, naming the row of an impossible date.

    A null in any part gives a null date. Rows are 1-based with the header as row 1.
    """
    y, m, d = (df[c].to_list() for c in parts)
    out: list[dt.date | None] = []
    offset = 2 if header else 1
    for i, (yy, mm, dd) in enumerate(zip(y, m, d, strict=True)):
        if yy is None or mm is None or dd is None:
            out.append(None)
            continue
        try:
            out.append(dt.date(yy, mm, dd))
        except ValueError as exc:
            raise DataFileError(
                path,
                f"impossible date {yy}-{mm}-{dd} ({exc})",
                row=i + offset,
                field="/".join(parts),
            ) from None
    return pl.Series(out, dtype=pl.Date)


def _check_order(
    df: pl.DataFrame, path: Path | str, start: str, end: str, *, header: bool = True
) -> None:
    bad = df.select((pl.col(end) < pl.col(start)).fill_null(False).alias("b"))["b"]
    if bad.any():
        i = int(bad.arg_true()[0])
        raise DataFileError(
            path,
            f"spell ends ({df[end][i]}) before it starts ({df[start][i]})",
            row=i + (2 if header else 1),
            field=end,
        )


def _read_spells(path: Path | str, extra: dict[str, type[pl.DataType]]) -> pl.DataFrame:
    df = read_table(path, {**extra, **_SPELL_SCHEMA})
    nulls = df.select(pl.all().null_count()).row(0, named=True)
    for col, n in nulls.items():
        if n:
            i = int(df[col].is_null().arg_true()[0])
            raise DataFileError(path, "empty cell", row=i + 2, field=col)
    df = df.with_columns(
        dates_from_parts(df, path, ("styear", "stmonth", "stday")).alias("start_date"),
        dates_from_parts(df, path, ("endyear", "endmonth", "endday")).alias("end_date"),
    )
    _check_order(df, path, "start_date", "end_date")
    return df


def spell_years(
    spells: pl.DataFrame, start: str, end: str, keep: list[str] | tuple[str, ...]
) -> pl.DataFrame:
    """Expand spells into one row per calendar year from ``start`` to ``end`` inclusive.

    ``start`` and ``end`` are Date or integer-year columns; ``keep`` lists the columns carried
    into each year row. The result has the ``keep`` columns and ``year`` (Int64).
    """

    def year_of(col: str) -> pl.Expr:
        e = pl.col(col)
        return e.dt.year().cast(pl.Int64) if spells.schema[col] == pl.Date else e.cast(pl.Int64)

    return (
        spells.select(
            *keep, pl.int_ranges(year_of(start), year_of(end) + 1, dtype=pl.Int64).alias("year")
        )
        .explode("year")
        .select(*keep, "year")
    )


# --------------------------------------------------------------------------- COW states
def read_states(path: Path | str) -> pl.DataFrame:
    """Read ``states2016.csv`` (COW membership spells) as published."""
    df = _read_spells(path, {"ccode": pl.Int64, "stateabb": pl.Utf8, "statenme": pl.Utf8})
    check_unique(df, ("ccode", "styear", "stmonth", "stday"), path)
    return df.select("ccode", "stateabb", "statenme", "styear", "endyear", "start_date", "end_date")


def load_states(*, source: DataSource | None = None) -> pl.DataFrame:
    """COW state-system membership spells, v2016 (columns in the module docstring)."""
    source = source or DataSource.from_env()
    return read_states(source.path("cow_states"))


def read_system(path: Path | str) -> pl.DataFrame:
    """Read ``system2016.csv`` (COW state-years) as published; (ccode, year) must be unique."""
    df = read_table(
        path,
        {"stateabb": pl.Utf8, "ccode": pl.Int64, "year": pl.Int64},
        key=("ccode", "year"),
    )
    for col in ("ccode", "year"):
        if df[col].null_count():
            i = int(df[col].is_null().arg_true()[0])
            raise DataFileError(path, "empty cell", row=i + 2, field=col)
    return df.select("ccode", "stateabb", "year")


def load_system(*, source: DataSource | None = None) -> pl.DataFrame:
    """COW state-years, v2016: ``ccode``, ``stateabb``, ``year`` (15,951 rows, 1816-2016)."""
    source = source or DataSource.from_env()
    return read_system(source.path("cow_system"))


def read_majors(path: Path | str) -> pl.DataFrame:
    """Read ``majors2016.csv`` (COW major-power spells) as published."""
    df = _read_spells(path, {"ccode": pl.Int64, "stateabb": pl.Utf8})
    check_unique(df, ("ccode", "styear", "stmonth", "stday"), path)
    return df.select("ccode", "stateabb", "styear", "endyear", "start_date", "end_date")


def load_majors(*, source: DataSource | None = None) -> pl.DataFrame:
    """COW major-power spells, v2016 (columns in the module docstring)."""
    source = source or DataSource.from_env()
    return read_majors(source.path("cow_majors"))


def major_power_years(*, source: DataSource | None = None) -> pl.DataFrame:
    """Major-power state-years: a state is a major power in every year it holds the status.

    A spell covers each calendar year from its first to its last day inclusive (so the United
    States, major power from 13 August 1898, counts from 1898). Columns: ``ccode``,
    ``stateabb``, ``year``; unique by ``ccode``/``year``. Coverage ends in 2016.
    """
    years = spell_years(load_majors(source=source), "start_date", "end_date", ["ccode", "stateabb"])
    return years.unique(["ccode", "year"], keep="first", maintain_order=True).sort("ccode", "year")


def read_cow_codes(path: Path | str) -> pl.DataFrame:
    """Read ``COW-country-codes.csv`` (CR-only line endings), dropping repeated identical rows."""
    df = read_table(path, {"CCode": pl.Int64, "StateAbb": pl.Utf8, "StateNme": pl.Utf8})
    df = df.rename({"CCode": "ccode", "StateAbb": "stateabb", "StateNme": "statenme"})
    for col in df.columns:
        if df[col].null_count():
            i = int(df[col].is_null().arg_true()[0])
            raise DataFileError(path, "empty cell", row=i + 2, field=col)
    distinct = df.select("ccode", "stateabb", "statenme").with_row_index("row")
    first = distinct.unique(["ccode", "stateabb", "statenme"], keep="first", maintain_order=True)
    clash = first.filter(pl.col("ccode").is_duplicated())
    if clash.height:
        r = clash.row(1, named=True)
        raise DataFileError(
            path,
            f"code {r['ccode']} is listed with two different abbreviations or names",
            row=int(r["row"]) + 2,
            field="CCode",
        )
    abb_clash = first.filter(pl.col("stateabb").is_duplicated())
    if abb_clash.height:
        r = abb_clash.row(1, named=True)
        raise DataFileError(
            path,
            f"abbreviation {r['stateabb']} is used by two codes",
            row=int(r["row"]) + 2,
            field="StateAbb",
        )
    return first.select("ccode", "stateabb", "statenme")


def load_cow_codes(*, source: DataSource | None = None) -> pl.DataFrame:
    """COW country codes, deduplicated: ``ccode``, ``stateabb``, ``statenme`` (217 codes)."""
    source = source or DataSource.from_env()
    return read_cow_codes(source.path("cow_codes"))


# --------------------------------------------------------------------------- Gleditsch & Ward
def _gw_dates(raw: pl.Series, path: Path | str, field: str) -> pl.Series:
    parsed = raw.str.strip_chars().str.to_date("%d:%m:%Y", strict=False)
    bad = (parsed.is_null() & raw.is_not_null()) | raw.is_null()
    if bad.any():
        i = int(bad.arg_true()[0])
        raise DataFileError(
            path, f"cannot read '{raw[i]}' as a dd:mm:yyyy date", row=i + 1, field=field
        )
    return parsed


def read_gw_states(path: Path | str) -> pl.DataFrame:
    """Read ``iisystem.dat`` (TAB-separated, no header; cp1252 or UTF-8) into G&W spells.

    Rows are numbered from 1 (there is no header); fields are named ``gwcode``, ``gwabb``,
    ``name``, ``start``, ``end`` in error messages.
    """
    names = ["gwcode", "gwabb", "name", "start", "end"]
    head, body = read_rows(path, sep="\t", header=False)
    if len(head) != len(names):
        raise DataFileError(
            path, f"expected {len(names)} TAB-separated fields, found {len(head)}", row=1
        )
    head = names
    df = to_frame(
        path,
        head,
        body,
        {"gwcode": pl.Int64, "gwabb": pl.Utf8, "name": pl.Utf8, "start": pl.Utf8, "end": pl.Utf8},
        header=False,
    )
    if df["gwcode"].null_count():
        i = int(df["gwcode"].is_null().arg_true()[0])
        raise DataFileError(path, "empty cell", row=i + 1, field="gwcode")
    df = df.with_columns(
        _gw_dates(df["start"], path, "start").alias("start_date"),
        _gw_dates(df["end"], path, "end").alias("end_date"),
    )
    _check_order(df, path, "start_date", "end_date", header=False)
    check_unique(df, ("gwcode", "start_date"), path, header=False)
    return df.select("gwcode", "gwabb", "name", "start_date", "end_date")


def load_gw_states(*, source: DataSource | None = None) -> pl.DataFrame:
    """Gleditsch & Ward independent-state spells, 2017 update (columns in module docstring)."""
    source = source or DataSource.from_env()
    return read_gw_states(source.path("gw_states"))


def gw_state_years(*, source: DataSource | None = None) -> pl.DataFrame:
    """G&W state-years: a state counts in every calendar year it is independent at any point.

    Columns ``gwcode``, ``gwabb``, ``year``; unique by ``gwcode``/``year``; 1816-2017.
    """
    years = spell_years(
        load_gw_states(source=source), "start_date", "end_date", ["gwcode", "gwabb"]
    )
    return years.unique(["gwcode", "year"], keep="first", maintain_order=True).sort(
        "gwcode", "year"
    )
