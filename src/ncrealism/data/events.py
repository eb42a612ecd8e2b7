"""North Korean missile flight tests: the CNS North Korea Missile Test Database.

The registered file (``cns_missile_tests``) is a JSON compilation of the CNS/NTI database:
``{"timeBins": [{"year": 1984, "data": [<launch>, ...]}, ...]}``, one record per missile
launched (missiles with a range of at least 300 km or a payload of at least 500 kg, plus space
launch vehicles; CNS 2026). Fields hold the string ``"unknown"`` (or ``"na"``, not applicable)
for missing values, and numbers are sometimes strings (``"100"``); both are normalised here.
A record whose date falls outside its time bin's year, or whose number field holds other text,
is an error naming the record (1-based, in file order) and the field.

Columns of :func:`load_missile_tests` (one row per launch, in file order):

=============  =======  ============================================================
column         dtype    meaning (unit)
=============  =======  ============================================================
ccode          Int64    731 (the database covers the DPRK only)
date           Date     launch date as CNS records it; for the eight launches of 1984-1992
                        known only to the month, the first of that month
date_precision Utf8     ``day`` or ``month`` (the file's ``YYYY-MM`` dates)
year           Int64    calendar year of ``date``
time_utc       Utf8     launch time "HH:MM (UTC)", null when unknown
series         Int64    CNS test-series number grouping launches (null if none)
missile        Utf8     missile identifier (e.g. ``nodong``, ``hwasong-15``), null if unknown
facility       Utf8     launch facility identifier (e.g. ``sohae``), null if unknown
landing        Utf8     landing region (``sea-of-japan``, ...), null if unknown/not applicable
apogee_km      Float64  apogee, kilometres (null if unknown/not applicable)
distance_km    Float64  distance flown, kilometres (null if unknown/not applicable)
bearing_deg    Float64  launch bearing, degrees (partly added by the compiler from Japan's
                        Ministry of Defense, not CNS)
outcome        Utf8     ``success``, ``failure`` or null (unknown)
description    Utf8     CNS's note (null if empty)
=============  =======  ============================================================

:func:`missile_tests_per_year` counts them: ``ccode`` (Int64, 731), ``year`` (Int64),
``missile_tests`` (Int64, missiles launched), ``launch_days`` (Int64, distinct launch dates; a
month-precision date counts as one),
``successes``, ``failures``, ``unknown_outcome`` (Int64, counts by outcome). Years without a
launch between the first and last year are present with zeros.

Source: James Martin Center for Nonproliferation Studies (CNS), "The CNS North Korea Missile
Test Database", Nuclear Threat Initiative; JSON compiled by A. Kusanagi (nk-missile-tests).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from ncrealism.data._read import read_bytes, whole_number
from ncrealism.data.codes import year_span
from ncrealism.data.dates import parse_partial_date
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError, InputError

#: COW code of the only state the database covers.
DPRK = 731

_MISSING = {"unknown", "na", "n/a", ""}

_SCHEMA: dict[str, type[pl.DataType]] = {
    "ccode": pl.Int64,
    "date": pl.Date,
    "date_precision": pl.Utf8,
    "year": pl.Int64,
    "time_utc": pl.Utf8,
    "series": pl.Int64,
    "missile": pl.Utf8,
    "facility": pl.Utf8,
    "landing": pl.Utf8,
    "apogee_km": pl.Float64,
    "distance_km": pl.Float64,
    "bearing_deg": pl.Float64,
    "outcome": pl.Utf8,
    "description": pl.Utf8,
}

_OUTCOMES = {"success", "failure"}


def _text(v: object, path: Path, n: int, field: str) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise DataFileError(path, f"expected text, found {v!r}", row=n, field=field)
    t = v.strip()
    return None if t.lower() in _MISSING else t


def _num(v: object, path: Path, n: int, field: str) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool):
        raise DataFileError(path, f"expected a number, found {v!r}", row=n, field=field)
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        t = v.strip()
        if t.lower() in _MISSING:
            return None
        try:
            return float(t)
        except ValueError:
            raise DataFileError(
                path, f"cannot read '{v}' as a number or 'unknown'", row=n, field=field
            ) from None
    raise DataFileError(path, f"expected a number, found {v!r}", row=n, field=field)


def read_missile_tests(path: Path | str) -> pl.DataFrame:
    """Read the CNS JSON into one row per launch (columns in the module docstring).

    ``row`` in errors is the launch record's 1-based position in the file.
    """
    p = Path(path)
    try:
        raw = json.loads(read_bytes(p).decode("utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(p, f"not valid JSON ({exc})") from exc
    bins = raw.get("timeBins") if isinstance(raw, dict) else None
    if not isinstance(bins, list):
        raise DataFileError(p, "expected an object with a 'timeBins' list")
    out: dict[str, list[object]] = {k: [] for k in _SCHEMA}
    n = 0
    for b in bins:
        if not isinstance(b, dict) or not isinstance(b.get("data"), list):
            raise DataFileError(p, f"time bin {b!r:.60} lacks a 'data' list", field="timeBins")
        bin_year = b.get("year")
        for rec in b["data"]:
            n += 1
            if not isinstance(rec, dict):
                raise DataFileError(p, "a launch record is not an object", row=n)
            date_text = str(rec.get("date")).strip()
            parsed = parse_partial_date(date_text, where="date", path=p, row=n)
            if parsed.precision == "year":
                raise DataFileError(
                    p,
                    f"cannot read {rec.get('date')!r} as a YYYY-MM-DD or YYYY-MM date",
                    row=n,
                    field="date",
                )
            precision, date = parsed.precision, parsed.first
            if bin_year is not None and str(bin_year).strip() != str(date.year):
                raise DataFileError(
                    p, f"date {date} lies outside its time bin {bin_year}", row=n, field="date"
                )
            series = rec.get("series")
            if series is not None and (isinstance(series, bool) or not isinstance(series, int)):
                raise DataFileError(
                    p, f"series {series!r} is not an integer", row=n, field="series"
                )
            if series is not None:
                series = whole_number(series, p, row=n, field="series")
            outcome = _text(rec.get("outcome"), p, n, "outcome")
            if outcome is not None and outcome.lower() not in _OUTCOMES:
                raise DataFileError(
                    p, f"outcome {outcome!r} is not success/failure/unknown", row=n, field="outcome"
                )
            out["ccode"].append(DPRK)
            out["date"].append(date)
            out["date_precision"].append(precision)
            out["year"].append(date.year)
            out["time_utc"].append(_text(rec.get("time"), p, n, "time"))
            out["series"].append(series)
            out["missile"].append(_text(rec.get("missile"), p, n, "missile"))
            out["facility"].append(_text(rec.get("facility"), p, n, "facility"))
            out["landing"].append(_text(rec.get("landing"), p, n, "landing"))
            out["apogee_km"].append(_num(rec.get("apogee"), p, n, "apogee"))
            out["distance_km"].append(_num(rec.get("distance"), p, n, "distance"))
            out["bearing_deg"].append(_num(rec.get("bearing"), p, n, "bearing"))
            out["outcome"].append(None if outcome is None else outcome.lower())
            out["description"].append(_text(rec.get("description"), p, n, "description"))
    if n == 0:
        raise DataFileError(p, "the file holds no launch records")
    return pl.DataFrame(out, schema=_SCHEMA)


def load_missile_tests(*, source: DataSource | None = None) -> pl.DataFrame:
    """One row per DPRK missile launch in the CNS database (module docstring)."""
    source = source or DataSource.from_env()
    return read_missile_tests(source.path("cns_missile_tests"))


def missile_tests_per_year(
    tests: pl.DataFrame | None = None,
    *,
    start: int | None = None,
    end: int | None = None,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """Launch counts per year (module docstring); zero-filled from ``start`` to ``end``.

    ``tests`` defaults to :func:`load_missile_tests`; ``start``/``end`` default to the first
    and last year with a launch.
    """
    df = tests if tests is not None else load_missile_tests(source=source)
    if df.height == 0 and (start is None or end is None):
        raise InputError("no launches: give start and end to get zero counts")
    first, last = year_span(df) if df.height else (0, 0)
    lo = start if start is not None else first
    hi = end if end is not None else last
    if lo > hi:
        raise InputError(f"start ({lo}) is after end ({hi})")
    counts = df.group_by("year").agg(
        pl.len().cast(pl.Int64).alias("missile_tests"),
        pl.struct("date", "date_precision").n_unique().cast(pl.Int64).alias("launch_days"),
        (pl.col("outcome") == "success").sum().cast(pl.Int64).alias("successes"),
        (pl.col("outcome") == "failure").sum().cast(pl.Int64).alias("failures"),
        pl.col("outcome").is_null().sum().cast(pl.Int64).alias("unknown_outcome"),
    )
    years = pl.DataFrame({"year": list(range(lo, hi + 1))}, schema={"year": pl.Int64})
    value_cols = ["missile_tests", "launch_days", "successes", "failures", "unknown_outcome"]
    return (
        years.join(counts, on="year", how="left")
        .with_columns(pl.col(c).fill_null(0) for c in value_cols)
        .select(pl.lit(DPRK, dtype=pl.Int64).alias("ccode"), "year", *value_cols)
        .sort("year")
    )
