"""Helpers shared by the system layer: year spans, state codes and names, major powers.

State names are resolved through :mod:`ncrealism.data.codes` when that module offers a resolver,
and otherwise through the COW country-codes list (``cow_codes``) with a few common aliases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import polars as pl

from ncrealism.errors import InputError

if TYPE_CHECKING:
    from ncrealism.data.fetch import DataSource

#: Years given as an inclusive ``(first, last)`` pair, a ``range`` or any sequence of years.
Years = tuple[int, int] | range | Sequence[int]

#: COW codes of the Northeast Asian subsystem used throughout the DPRK case:
#: USA 2, China 710, Russia/USSR 365, Japan 740, DPRK 731, ROK 732.
NORTHEAST_ASIA: tuple[int, ...] = (2, 710, 365, 740, 731, 732)

# Common names and abbreviations that are not COW abbreviations or COW state names.
_ALIASES: dict[str, int] = {
    "US": 2,
    "USA": 2,
    "UNITED STATES": 2,
    "AMERICA": 2,
    "UK": 200,
    "GBR": 200,
    "BRITAIN": 200,
    "UNITED KINGDOM": 200,
    "PRC": 710,
    "CHINA": 710,
    "USSR": 365,
    "SOVIET UNION": 365,
    "RUSSIA": 365,
    "DPRK": 731,
    "PRK": 731,
    "NORTH KOREA": 731,
    "ROK": 732,
    "SOUTH KOREA": 732,
    "JAPAN": 740,
    "JPN": 740,
}


#: Calendar years accepted anywhere (the data cover 1816 to the present; scenarios may look
#: ahead). A year outside this range is refused before any work, never passed to the data.
YEAR_RANGE: tuple[int, int] = (1000, 2999)


def check_year(year: int) -> int:
    """``year`` itself, or :class:`InputError` if it lies outside :data:`YEAR_RANGE`."""
    lo, hi = YEAR_RANGE
    if not lo <= year <= hi:
        raise InputError(f"year {year} is not a calendar year ncrealism can use ({lo}-{hi})")
    return year


def year_list(years: Years) -> list[int]:
    """Expand ``years`` into a sorted list of distinct years.

    A 2-tuple is an inclusive span ``(first, last)``; a ``range`` or any other sequence lists the
    years themselves. An empty or reversed span, or a year outside :data:`YEAR_RANGE`, is an
    :class:`InputError`.
    """
    if isinstance(years, tuple) and len(years) == 2 and not isinstance(years, range):
        first, last = check_year(int(years[0])), check_year(int(years[1]))
        if first > last:
            raise InputError(f"year span {first}:{last} is reversed; write first:last")
        return list(range(first, last + 1))
    out = sorted({check_year(int(y)) for y in years})
    if not out:
        raise InputError("no years given")
    return out


def _year_int(text: str) -> int:
    t = text.strip()
    if len(t.lstrip("-")) > 4:
        raise InputError(
            f"year {t} is not a calendar year ncrealism can use ({YEAR_RANGE[0]}-{YEAR_RANGE[1]})"
        )
    return int(t)


def parse_years(text: str) -> list[int]:
    """Parse a command-line year spec: ``1990``, ``1985:2022`` or ``1990,1994,2000``."""
    t = text.strip()
    try:
        if not re.fullmatch(r"[0-9:,\s-]+", t):
            raise ValueError(t)
        if ":" in t:
            a, b = t.split(":", 1)
            return year_list((_year_int(a), _year_int(b)))
        return year_list([_year_int(p) for p in t.split(",") if p.strip()])
    except InputError:
        raise
    except ValueError:
        raise InputError(
            f"cannot read years '{text}'; write 1994, 1985:2022 or 1990,1994,2000"
        ) from None


def check_years(wanted: Iterable[int], first: int, last: int, what: str) -> None:
    """Raise :class:`InputError` if any wanted year lies outside ``[first, last]``."""
    outside = sorted({y for y in wanted if y < first or y > last})
    if outside:
        shown = ", ".join(str(y) for y in outside[:5]) + (" …" if len(outside) > 5 else "")
        raise InputError(f"year(s) {shown} outside the data: {what} covers {first}-{last}")


def cow_codes(source: DataSource) -> pl.DataFrame:
    """COW country codes: ``ccode`` (Int64), ``stateabb`` (Utf8), ``statenme`` (Utf8), one row
    per code (:func:`ncrealism.data.states.load_cow_codes`)."""
    from ncrealism.data.states import load_cow_codes

    return source.memo("cow_codes", lambda: load_cow_codes(source=source))


def resolve_state(value: int | str, source: DataSource) -> int:
    """Turn a COW code, COW abbreviation, ISO3 code or country name into a COW code.

    Digits are read as a COW code; a few common short forms (DPRK, ROK, PRC, USSR, UK, US) are
    known here; COW abbreviations and names come from the COW code list; other names and ISO3
    codes go through :mod:`ncrealism.data.codes` (``name_to_cow``, ``iso3_to_cow``). Unknown
    names raise :class:`InputError` with close matches.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    text = str(value).strip()
    if re.fullmatch(r"-?[0-9]+", text):
        if len(text) > 6:
            raise InputError(f"'{value}' is not a COW state code (at most a few digits)")
        return int(text)
    key = " ".join(text.upper().split())
    if key in _ALIASES:
        return _ALIASES[key]
    codes = cow_codes(source)
    hit = codes.filter(
        (pl.col("stateabb").str.to_uppercase() == key)
        | (pl.col("statenme").str.to_uppercase() == key)
    )
    if hit.height >= 1:
        return int(hit["ccode"][0])
    from ncrealism.data import codes as crosswalk

    if len(key) == 3 and key.isalpha():
        try:
            return crosswalk.iso3_to_cow(key, source=source)
        except InputError:
            pass
    try:
        return crosswalk.name_to_cow(text, source=source)
    except InputError as exc:
        raise InputError(
            f"unknown state '{value}': give a COW code (e.g. 731), a COW abbreviation (PRK), an "
            f"ISO3 code or a country name (North Korea). {exc}"
        ) from None


def resolve_states(values: Sequence[int | str], source: DataSource) -> list[int]:
    """Resolve several states (see :func:`resolve_state`); empty input is an error; order kept,
    duplicates dropped."""
    if isinstance(values, str | int):
        values = [values]
    if len(values) == 0:
        raise InputError("the set of states is empty; give at least one COW code")
    out: list[int] = []
    for v in values:
        c = resolve_state(v, source)
        if c not in out:
            out.append(c)
    return out


def parse_states(text: str) -> list[str]:
    """Split a command-line state list (commas) into items, keeping names with spaces."""
    items = [p.strip() for p in text.split(",") if p.strip()]
    if not items:
        raise InputError("--states is empty; give COW codes such as 2,710,365,740,731,732")
    return items


def major_power_years(source: DataSource, years: Sequence[int] | None = None) -> pl.DataFrame:
    """COW major powers by year: ``ccode`` (Int64), ``year`` (Int64), ``carried`` (Boolean).

    From :func:`ncrealism.data.states.major_power_years` (majors v2016: status at any point of
    the calendar year). The file ends in 2016; for later years asked for, the powers of 2016
    are carried forward and marked ``carried = True``.
    """
    from ncrealism.data.states import major_power_years as _majors

    majors = _majors(source=source).select("ccode", "year")
    last = int(majors["year"].max())  # type: ignore[arg-type]
    out = majors.with_columns(pl.lit(False).alias("carried"))
    later = sorted({y for y in (years or []) if y > last})
    if later:
        final = majors.filter(pl.col("year") == last).select("ccode")
        extra = final.join(pl.DataFrame({"year": later}, schema={"year": pl.Int64}), how="cross")
        out = pl.concat([out, extra.with_columns(pl.lit(True).alias("carried"))])
    if years is not None:
        out = out.filter(pl.col("year").is_in(list(years)))
    return out.sort(["year", "ccode"])
