"""Nuclear weapons: proliferation status, tests and warhead stockpiles by state-year.

Three name-keyed files processed by Our World in Data (B. Herre), attached to COW codes through
:mod:`ncrealism.data.codes` (names such as "North  Korea" with two spaces are normalised). Rows
whose name denotes no COW state (Abkhazia, South Ossetia, Tibet; "World" in the stockpile file)
are dropped; ``keep_unmatched=True`` keeps them with a null ``ccode``.

:func:`load_nuclear_status` (``nuclear_status``; Herre/OWID after Bleek 2017 and NTI 2022):

======================  =======  ==========================================================
column                  dtype    meaning
======================  =======  ==========================================================
ccode                   Int64    COW state code
year                    Int64    calendar year (1938-2022)
country                 Utf8     the file's country name
nuclear_status          Int64    0 no consideration, 1 considering, 2 pursuing, 3 possessing
                                 nuclear weapons (Bleek 2017 stages, as coded by OWID)
nuclear_consideration   Int64    1 if status = 1, else 0
nuclear_pursuit         Int64    1 if status = 2, else 0
nuclear_possession      Int64    1 if status = 3, else 0
======================  =======  ==========================================================

:func:`load_nuclear_tests` (``nuclear_tests``; Arms Control Association 2020 via OWID):
``ccode`` Int64, ``year`` Int64 (1945-2019), ``country`` Utf8, ``nuclear_tests`` Int64 (number
of nuclear explosive tests that year), ``suspect`` Boolean (the count is flagged, see below).

:func:`load_nuclear_stockpiles` (``nuclear_stockpiles``; FAS, Kristensen et al. 2023, via OWID):
``ccode`` Int64, ``year`` Int64 (1945-2023), ``country`` Utf8, ``warheads`` Int64 (estimated
stockpiled nuclear warheads; FAS estimates, not official figures).

The 2010 DPRK anomaly. The test file gives North Korea 3 tests in 2010, so 9 in all, whereas the
seismically recorded DPRK tests are six: 9 Oct 2006, 25 May 2009, 12 Feb 2013, 6 Jan 2016,
9 Sep 2016 and 3 Sep 2017 (CTBTO Preparatory Commission; the same six in the ACA "Nuclear
Testing Tally"). No seismic event was recorded in 2010; the only claim of 2010 tests is De Geer
(2012, "Radionuclide Evidence for Low-Yield Nuclear Testing in North Korea in April/May 2010",
Science & Global Security 20(1): 1-29), which is disputed. The loader keeps the published value
and sets ``suspect`` for that row (:data:`SUSPECT_TESTS`); ``drop_suspect=True`` turns flagged
counts into nulls.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import polars as pl

from ncrealism.data._read import read_table
from ncrealism.data.codes import (
    dataset_label,
    fill_within_years,
    join_state_year,
    key_by_ccode,
    year_span,
)
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError

T = TypeVar("T")

#: Nuclear-status codes of the OWID/Bleek series.
NUCLEAR_STATUS_LABELS: dict[int, str] = {
    0: "no consideration",
    1: "considering",
    2: "pursuing",
    3: "possessing",
}

#: (COW code, year) → why the published test count is flagged.
SUSPECT_TESTS: dict[tuple[int, int], str] = {
    (731, 2010): (
        "3 DPRK tests in 2010 have no seismic record (CTBTO lists 2006, 2009, 2013, 2016 x2, "
        "2017); only De Geer (2012, Science & Global Security 20(1)) claims low-yield 2010 "
        "tests, from radionuclide data"
    ),
}

_STATUS_SCHEMA: dict[str, type[pl.DataType]] = {
    "country_name": pl.Utf8,
    "year": pl.Int64,
    "nuclear_weapons_status": pl.Int64,
    "nuclear_weapons_consideration": pl.Int64,
    "nuclear_weapons_pursuit": pl.Int64,
    "nuclear_weapons_possession": pl.Int64,
}


def _first_bad(df: pl.DataFrame, ok: pl.Expr) -> int | None:
    bad = df.select((~ok).fill_null(False).alias("b"))["b"]
    return int(bad.arg_true()[0]) if bad.any() else None


def read_nuclear_status(path: Path | str) -> pl.DataFrame:
    """Read the OWID proliferation-status CSV (country_name, year, status and three dummies)."""
    df = read_table(path, _STATUS_SCHEMA, key=("country_name", "year"))
    i = _first_bad(df, pl.col("nuclear_weapons_status").is_between(0, 3))
    if i is not None:
        raise DataFileError(
            path,
            f"status {df['nuclear_weapons_status'][i]} is not one of 0-3",
            row=i + 2,
            field="nuclear_weapons_status",
        )
    for code, dummy in (
        (1, "nuclear_weapons_consideration"),
        (2, "nuclear_weapons_pursuit"),
        (3, "nuclear_weapons_possession"),
    ):
        i = _first_bad(
            df, pl.col(dummy) == (pl.col("nuclear_weapons_status") == code).cast(pl.Int64)
        )
        if i is not None:
            raise DataFileError(
                path,
                f"dummy {df[dummy][i]} disagrees with status {df['nuclear_weapons_status'][i]}",
                row=i + 2,
                field=dummy,
            )
    return df.rename(
        {
            "country_name": "country",
            "nuclear_weapons_status": "nuclear_status",
            "nuclear_weapons_consideration": "nuclear_consideration",
            "nuclear_weapons_pursuit": "nuclear_pursuit",
            "nuclear_weapons_possession": "nuclear_possession",
        }
    )


def read_nuclear_tests(path: Path | str) -> pl.DataFrame:
    """Read the OWID/ACA test-count CSV (country_name, year, nuclear_weapons_tests)."""
    schema = {"country_name": pl.Utf8, "year": pl.Int64, "nuclear_weapons_tests": pl.Int64}
    df = read_table(path, schema, key=("country_name", "year"))
    i = _first_bad(df, pl.col("nuclear_weapons_tests") >= 0)
    if i is not None:
        raise DataFileError(path, "negative test count", row=i + 2, field="nuclear_weapons_tests")
    return df.rename({"country_name": "country", "nuclear_weapons_tests": "nuclear_tests"})


def read_nuclear_stockpiles(path: Path | str) -> pl.DataFrame:
    """Read the OWID/FAS stockpile CSV (country_name, year, nuclear_weapons_stockpile)."""
    schema = {"country_name": pl.Utf8, "year": pl.Int64, "nuclear_weapons_stockpile": pl.Int64}
    df = read_table(path, schema, key=("country_name", "year"))
    i = _first_bad(df, pl.col("nuclear_weapons_stockpile") >= 0)
    if i is not None:
        raise DataFileError(
            path, "negative warhead count", row=i + 2, field="nuclear_weapons_stockpile"
        )
    return df.rename({"country_name": "country", "nuclear_weapons_stockpile": "warheads"})


def _keyed(
    df: pl.DataFrame, values: list[str], path: Path, source: DataSource, keep_unmatched: bool
) -> pl.DataFrame:
    return key_by_ccode(
        df,
        values=values,
        label_col="country",
        path=path,
        name_col="country",
        keep_unmatched=keep_unmatched,
        source=source,
    )


def load_nuclear_status(
    *, source: DataSource | None = None, keep_unmatched: bool = False
) -> pl.DataFrame:
    """Nuclear-weapons status by COW state-year (columns in the module docstring)."""
    source = source or DataSource.from_env()
    path = source.path("nuclear_status")
    values = ["nuclear_status", "nuclear_consideration", "nuclear_pursuit", "nuclear_possession"]
    return _keyed(read_nuclear_status(path), values, path, source, keep_unmatched)


def load_nuclear_tests(
    *, source: DataSource | None = None, keep_unmatched: bool = False, drop_suspect: bool = False
) -> pl.DataFrame:
    """Nuclear tests by COW state-year, with the ``suspect`` flag (see module docstring)."""
    source = source or DataSource.from_env()
    path = source.path("nuclear_tests")
    out = _keyed(read_nuclear_tests(path), ["nuclear_tests"], path, source, keep_unmatched)
    flagged = pl.lit(False)
    for cc, yr in SUSPECT_TESTS:
        flagged = flagged | ((pl.col("ccode") == cc) & (pl.col("year") == yr))
    out = out.with_columns(flagged.fill_null(False).alias("suspect"))
    if drop_suspect:
        out = out.with_columns(
            pl.when(pl.col("suspect"))
            .then(None)
            .otherwise(pl.col("nuclear_tests"))
            .alias("nuclear_tests")
        )
    return out


def load_nuclear_stockpiles(
    *, source: DataSource | None = None, keep_unmatched: bool = False
) -> pl.DataFrame:
    """Estimated nuclear warheads by COW state-year (FAS via OWID; see module docstring)."""
    source = source or DataSource.from_env()
    path = source.path("nuclear_stockpiles")
    return _keyed(read_nuclear_stockpiles(path), ["warheads"], path, source, keep_unmatched)


def add_nuclear(
    frame: T,
    *,
    source: DataSource | None = None,
    status: pl.DataFrame | None = None,
    tests: pl.DataFrame | None = None,
    stockpiles: pl.DataFrame | None = None,
) -> T:
    """Add nuclear columns to a state-year frame (``ccode``, ``year``), keeping its rows.

    Added: ``nuclear_status``, ``nuclear_consideration``, ``nuclear_pursuit``,
    ``nuclear_possession`` (Int64; null outside 1938-2022), ``nuclear_tests`` (Int64),
    ``nuclear_tests_suspect`` (Boolean) and ``nuclear_warheads`` (Int64). The test and
    stockpile files list every state that ever tested or held warheads, so a state-year absent
    from them *within their years* (1945-2019 tests, 1945-2023 warheads) is 0; outside those
    years it is null. Pre-loaded tables may be passed to avoid re-reading the files.
    """
    source = source or DataSource.from_env()
    st = status if status is not None else load_nuclear_status(source=source)
    ts = tests if tests is not None else load_nuclear_tests(source=source)
    sp = stockpiles if stockpiles is not None else load_nuclear_stockpiles(source=source)
    labels = [
        dataset_label(source, n) for n in ("nuclear_status", "nuclear_tests", "nuclear_stockpiles")
    ]
    out = join_state_year(
        frame,
        st,
        {
            c: c
            for c in (
                "nuclear_status",
                "nuclear_consideration",
                "nuclear_pursuit",
                "nuclear_possession",
            )
        },
    )
    out = join_state_year(
        out, ts, {"nuclear_tests": "nuclear_tests", "suspect": "nuclear_tests_suspect"}
    )
    out = join_state_year(out, sp, {"warheads": "nuclear_warheads"}, sources=labels)
    t_span, w_span = year_span(ts), year_span(sp)
    return fill_within_years(
        out,
        {"nuclear_tests": t_span, "nuclear_tests_suspect": t_span, "nuclear_warheads": w_span},
    )
