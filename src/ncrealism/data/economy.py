"""Economy: World Bank GDP and population, Maddison Project GDP per capita and population.

World Bank files (``wb_gdp``: NY.GDP.MKTP.CD; ``wb_population``: SP.POP.TOTL) come in two formats,
told apart by their content, not their name:

* the publisher's API CSV (wide): preamble lines ("Data Source", "Last Updated Date"), then a
  header ``"Country Name","Country Code","Indicator Name","Indicator Code","1960",...`` and
  one row per country, years as columns, blank = no value;
* the datahub.io long repackaging (the registered alternate): ``Country Name, Country Code,
  Year, Value``.

Maddison (``maddison``; Bolt & van Zanden 2020) is read from the publisher's workbook, sheet
"Full data": ``countrycode`` (ISO3), ``country``, ``year``, ``gdppc`` (2011 international
dollars), ``pop`` (thousands).

All three are keyed by ISO3 and attached to COW codes through :mod:`ncrealism.data.codes`
(ISO3 codes denote the state that held them: ``SUN`` the USSR to 1991, ``RUS`` the Russian
Federation from 1992). Rows whose code denotes no COW state in that year are dropped
(``keep_unmatched=True`` keeps them with a null ``ccode``): the World Bank's regional and income
aggregates ("WLD", "EUU", ...), territories (Hong Kong, Puerto Rico, ...), and series that
backcast a present-day territory before its state existed (World Bank ``RUS`` before 1992;
Maddison's "Former USSR"/"Former Yugoslavia"/"Czechoslovakia" after the break-up, whose values
are sums over the successor states).

Territory. Both publishers report present-day borders backwards in time (Bolt & van Zanden
2020). Where a unified state's series is attached to its predecessor COW state, the values cover
more territory than the COW state; those rows have ``territory_backcast = True``: ``DEU``
1949-1989 → FRG (260; the series includes the GDR), ``YEM`` before 1990 → North Yemen (678),
``VNM`` before 1976 → North Vietnam (816), and Maddison's "Former USSR" before 1922 → Russia
(365, the Russian Empire; an explicit choice, as Maddison has no Russian-Empire series).

Columns of :func:`load_wb_gdp` / :func:`load_wb_population`:

===================  =======  ======================================================
column               dtype    meaning (unit)
===================  =======  ======================================================
ccode                Int64    COW state code
year                 Int64    calendar year
iso3                 Utf8     the file's country code
country              Utf8     the file's country name
gdp_current_usd      Float64  GDP in current US dollars (not millions) — wb_gdp
population           Float64  total population, persons — wb_population
territory_backcast   Boolean  see above
===================  =======  ======================================================

The World Bank has no GDP series for North Korea (PRK) or Taiwan; it has PRK population.

Columns of :func:`load_maddison`: ``ccode`` (Int64), ``year`` (Int64), ``iso3`` (Utf8),
``country`` (Utf8), ``gdppc`` (Float64, real GDP per capita in 2011 international dollars),
``pop`` (Float64, persons: the file's thousands × 1000), ``gdp`` (Float64, 2011 international
dollars, computed here as ``gdppc × pop``), ``territory_backcast`` (Boolean).

Sources: World Bank, World Development Indicators (NY.GDP.MKTP.CD, SP.POP.TOTL); Bolt, Jutta
and Jan Luiten van Zanden. 2020. "Maddison style estimates of the evolution of the world
economy. A new 2020 update." Maddison Project Database 2020, GGDC.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TypeVar

import polars as pl

from ncrealism.data._read import read_text, read_xlsx_rows, whole_number
from ncrealism.data.codes import Alias, dataset_label, join_state_year, key_by_ccode
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError

T = TypeVar("T")

#: Maddison-specific ISO3 reading: "Former USSR" before 1922 stands for the Russian Empire.
MADDISON_EXTRA: tuple[Alias, ...] = (
    Alias("SUN", 365, None, 1991, "Maddison 'Former USSR'; before 1922 the Russian Empire"),
)

_BACKCAST: tuple[tuple[str, int | None, int], ...] = (
    ("DEU", 1949, 1989),
    ("YEM", None, 1989),
    ("VNM", None, 1975),
    ("SUN", None, 1921),
)

_WB_SCHEMA = {
    "country": pl.Utf8,
    "iso3": pl.Utf8,
    "year": pl.Int64,
    "value": pl.Float64,
}


def _number(text: str, path: Path | str, row: int, field: str) -> float | None:
    t = text.strip()
    if t in ("", "..", "NA"):
        return None
    try:
        return float(t)
    except ValueError:
        raise DataFileError(
            path, f"cannot read '{text}' as a number", row=row, field=field
        ) from None


def read_wb(path: Path | str) -> pl.DataFrame:
    """Read a World Bank indicator CSV in either format (see module docstring).

    Returns ``country`` (Utf8), ``iso3`` (Utf8), ``year`` (Int64), ``value`` (Float64; null
    where the publisher left the cell blank). Errors name the file's physical line and the field.
    """
    text = read_text(path)
    reader = csv.reader(io.StringIO(text))
    lines = [(reader.line_num, r) for r in reader]
    header_at = next(
        (k for k, (_, r) in enumerate(lines) if r and r[0].strip() == "Country Name"), None
    )
    if header_at is None:
        raise DataFileError(path, "no header row starting with 'Country Name' (not a WB file)")
    head = [h.strip() for h in lines[header_at][1]]
    body = [(n, r) for n, r in lines[header_at + 1 :] if r and any(c.strip() for c in r)]
    out: dict[str, list[object]] = {k: [] for k in _WB_SCHEMA}
    if "Indicator Code" in head:  # publisher format, wide
        years = {j: int(h) for j, h in enumerate(head) if h.isdigit() and len(h) == 4}
        if not years:
            raise DataFileError(path, "wide World Bank file without year columns", row=1)
        for n, r in body:
            if len(r) < max(years) + 1:
                raise DataFileError(
                    path,
                    f"expected at least {max(years) + 1} fields, found {len(r)}",
                    row=n,
                    field=head[len(r)] if len(r) < len(head) else None,
                )
            for j, y in years.items():
                out["country"].append(r[0].strip())
                out["iso3"].append(r[1].strip())
                out["year"].append(y)
                out["value"].append(_number(r[j], path, n, str(y)))
    elif {"Country Code", "Year", "Value"} <= set(head):  # datahub long format
        ic, iy, iv = (head.index(c) for c in ("Country Code", "Year", "Value"))
        for n, r in body:
            if len(r) != len(head):
                raise DataFileError(
                    path,
                    f"expected {len(head)} fields, found {len(r)}",
                    row=n,
                    field=head[len(r) - 1] if 0 < len(r) < len(head) else None,
                )
            year = whole_number(r[iy], path, row=n, field="Year")
            out["country"].append(r[0].strip())
            out["iso3"].append(r[ic].strip())
            out["year"].append(year)
            out["value"].append(_number(r[iv], path, n, "Value"))
    else:
        raise DataFileError(
            path,
            f"unrecognised World Bank layout (header {head[:6]}); expected the API CSV (wide) "
            "or Country Name, Country Code, Year, Value (long)",
            row=lines[header_at][0],
        )
    df = pl.DataFrame(out, schema=_WB_SCHEMA)
    dup = df.select(pl.struct("iso3", "year").is_duplicated().alias("d"))["d"]
    if dup.any():
        k = int(dup.arg_true()[0])
        raise DataFileError(
            path, f"duplicate key iso3={df['iso3'][k]}, year={df['year'][k]}", field="Country Code"
        )
    return df


def _backcast_expr() -> pl.Expr:
    expr = pl.lit(False)
    for code, lo, hi in _BACKCAST:
        inside = pl.col("year") <= hi if lo is None else pl.col("year").is_between(lo, hi)
        expr = expr | ((pl.col("iso3") == code) & inside)
    return expr


def _keyed(
    df: pl.DataFrame,
    values: list[str],
    path: Path,
    source: DataSource,
    keep_unmatched: bool,
    extra: tuple[Alias, ...] = (),
) -> pl.DataFrame:
    out = key_by_ccode(
        df,
        values=values,
        label_col="country",
        path=path,
        iso3_col="iso3",
        extra=extra,
        keep_unmatched=keep_unmatched,
        source=source,
    )
    flag = (_backcast_expr() & pl.col("ccode").is_not_null()).alias("territory_backcast")
    return out.with_columns(flag).select(
        "ccode", "year", "iso3", "country", *values, "territory_backcast"
    )


def load_wb_gdp(*, source: DataSource | None = None, keep_unmatched: bool = False) -> pl.DataFrame:
    """World Bank GDP, current US$, by COW state-year (columns in the module docstring)."""
    source = source or DataSource.from_env()
    path = source.path("wb_gdp")
    df = read_wb(path).rename({"value": "gdp_current_usd"})
    return _keyed(df, ["gdp_current_usd"], path, source, keep_unmatched)


def load_wb_population(
    *, source: DataSource | None = None, keep_unmatched: bool = False
) -> pl.DataFrame:
    """World Bank total population (persons) by COW state-year (module docstring)."""
    source = source or DataSource.from_env()
    path = source.path("wb_population")
    df = read_wb(path).rename({"value": "population"})
    return _keyed(df, ["population"], path, source, keep_unmatched)


def read_maddison(path: Path | str, sheet: str = "Full data") -> pl.DataFrame:
    """Read the Maddison 2020 workbook's long sheet: iso3, country, year, gdppc, pop (persons)."""
    rows = read_xlsx_rows(path, sheet)
    where = f"{path} [{sheet}]"
    if not rows:
        raise DataFileError(where, "the sheet is empty")
    head = [str(h).strip() if h is not None else "" for h in rows[0]]
    need = ("countrycode", "country", "year", "gdppc", "pop")
    missing = [c for c in need if c not in head]
    if missing:
        raise DataFileError(where, f"required columns absent: {missing} (found {head})", row=1)
    idx = {c: head.index(c) for c in need}
    out: dict[str, list[object]] = {c: [] for c in ("iso3", "country", "year", "gdppc", "pop")}
    for i, r in enumerate(rows[1:], start=2):
        if r is None or all(v is None for v in r):
            continue
        cells = {c: (r[j] if j < len(r) else None) for c, j in idx.items()}
        if not isinstance(cells["countrycode"], str) or not cells["countrycode"].strip():
            raise DataFileError(where, "missing country code", row=i, field="countrycode")
        year = cells["year"]
        if isinstance(year, str):  # a year is a number in the workbook, not text
            raise DataFileError(where, f"cannot read {year!r} as a year", row=i, field="year")
        year = whole_number(year, where, row=i, field="year")
        nums: dict[str, float | None] = {}
        for c in ("gdppc", "pop"):
            v = cells[c]
            if v is None or (isinstance(v, str) and v.strip() == ""):
                nums[c] = None
            elif isinstance(v, int | float) and not isinstance(v, bool):
                nums[c] = float(v)
            else:
                raise DataFileError(where, f"cannot read {v!r} as a number", row=i, field=c)
        out["iso3"].append(cells["countrycode"].strip())
        out["country"].append(str(cells["country"] or "").strip())
        out["year"].append(year)
        out["gdppc"].append(nums["gdppc"])
        pop = nums["pop"]
        out["pop"].append(None if pop is None else pop * 1000.0)
    df = pl.DataFrame(
        out,
        schema={
            "iso3": pl.Utf8,
            "country": pl.Utf8,
            "year": pl.Int64,
            "gdppc": pl.Float64,
            "pop": pl.Float64,
        },
    )
    dup = df.select(pl.struct("iso3", "year").is_duplicated().alias("d"))["d"]
    if dup.any():
        k = int(dup.arg_true()[0])
        raise DataFileError(
            where,
            f"duplicate key countrycode={df['iso3'][k]}, year={df['year'][k]}",
            row=k + 2,
            field="countrycode",
        )
    return df.with_columns((pl.col("gdppc") * pl.col("pop")).alias("gdp"))


def load_maddison(
    *, source: DataSource | None = None, keep_unmatched: bool = False
) -> pl.DataFrame:
    """Maddison 2020 GDP per capita and population by COW state-year (module docstring)."""
    from ncrealism.data.derived import cached_frame

    source = source or DataSource.from_env()
    resolved = source.resolve("maddison")
    path = resolved.path
    # the workbook takes seconds to parse: read once, then from the derived-data cache
    table = cached_frame("maddison-sheet", path, source, read_maddison, sha256=resolved.sha256)
    return _keyed(table, ["gdppc", "pop", "gdp"], path, source, keep_unmatched, MADDISON_EXTRA)


def add_gdp(frame: T, *, source: DataSource | None = None, table: pl.DataFrame | None = None) -> T:
    """Add ``wb_gdp_current_usd`` (Float64, current US$) to a state-year frame; rows unchanged."""
    source = source or DataSource.from_env()
    tab = table if table is not None else load_wb_gdp(source=source)
    return join_state_year(
        frame,
        tab,
        {"gdp_current_usd": "wb_gdp_current_usd"},
        sources=[dataset_label(source, "wb_gdp")],
    )


def add_population(
    frame: T, *, source: DataSource | None = None, table: pl.DataFrame | None = None
) -> T:
    """Add ``wb_population`` (Float64, persons) to a state-year frame; rows unchanged."""
    source = source or DataSource.from_env()
    tab = table if table is not None else load_wb_population(source=source)
    return join_state_year(
        frame,
        tab,
        {"population": "wb_population"},
        sources=[dataset_label(source, "wb_population")],
    )


def add_maddison(
    frame: T, *, source: DataSource | None = None, table: pl.DataFrame | None = None
) -> T:
    """Add ``maddison_gdppc`` (2011 int.$), ``maddison_pop`` (persons), ``maddison_gdp`` (2011
    int.$) and ``maddison_territory_backcast`` (Boolean) to a state-year frame; rows unchanged."""
    source = source or DataSource.from_env()
    tab = table if table is not None else load_maddison(source=source)
    return join_state_year(
        frame,
        tab,
        {
            "gdppc": "maddison_gdppc",
            "pop": "maddison_pop",
            "gdp": "maddison_gdp",
            "territory_backcast": "maddison_territory_backcast",
        },
        sources=[dataset_label(source, "maddison")],
    )
