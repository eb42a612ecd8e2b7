"""UN General Assembly ideal points (Bailey, Strezhnev & Voeten 2017), by COW state-year.

The June 2024 country-session file (``unga``): the first column is an unnamed R row index,
``NA`` marks missing values, ``ccode`` is the COW code and session *s* was held in year
1945 + *s* (sessions 1-78 ⇒ 1946-2023; a session opens in September, so its votes fall in that
calendar year and the next spring). Ideal points are estimated from all recorded votes with a
dynamic spatial (item-response) model whose scale is bridged by resolutions repeated across
sessions, so they are comparable over time (Bailey, Strezhnev & Voeten 2017); higher values
are closer to the positions of the United States.

Columns of :func:`load_ideal_points`:

==============  =======  =================================================================
column          dtype    meaning
==============  =======  =================================================================
ccode           Int64    COW state code
year            Int64    1945 + session
session         Int64    UNGA session number
iso3            Utf8     the file's ISO3 label (``iso3c``)
country         Utf8     the file's country name
idealpoint_all  Float64  ideal point from all votes (``IdealPointAll``; scale units)
n_votes         Int64    recorded votes the estimate rests on (``NVotesAll``)
agree_us        Float64  share of votes agreeing with the United States (0-1)
agree_russia    Float64  share agreeing with Russia / the USSR (0-1)
agree_china     Float64  share agreeing with China (0-1; null before 1971, when the PRC
                         took the seat)
==============  =======  =================================================================

Source: Bailey, Michael A., Anton Strezhnev, and Erik Voeten. 2017. "Estimating Dynamic State
Preferences from United Nations Voting Data." Journal of Conflict Resolution 61(2): 430-456.
Data: Voeten, Strezhnev & Bailey, "United Nations General Assembly Voting Data", Harvard
Dataverse, hdl:1902.1/12379.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import polars as pl

from ncrealism.data._read import read_table
from ncrealism.data.codes import dataset_label, join_state_year
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError

T = TypeVar("T")

#: Session s was held in year SESSION_YEAR_OFFSET + s.
SESSION_YEAR_OFFSET = 1945

_SCHEMA: dict[str, type[pl.DataType]] = {
    "ccode": pl.Int64,
    "session": pl.Int64,
    "NVotesAll": pl.Int64,
    "IdealPointAll": pl.Float64,
    "iso3c": pl.Utf8,
    "Countryname": pl.Utf8,
    "USAgree": pl.Float64,
    "RUSSAgree": pl.Float64,
    "ChinaAgree": pl.Float64,
}


def read_ideal_points(path: Path | str) -> pl.DataFrame:
    """Read the ideal-point CSV (columns of :func:`load_ideal_points`); ``NA`` → null."""
    df = read_table(path, _SCHEMA, missing=("", "NA"), key=("ccode", "session"))
    for col in ("USAgree", "RUSSAgree", "ChinaAgree"):
        hits = df.select((~pl.col(col).is_between(0.0, 1.0)).fill_null(False).alias("b"))["b"]
        if hits.any():
            i = int(hits.arg_true()[0])
            raise DataFileError(
                path, f"agreement share {df[col][i]} outside 0-1", row=i + 2, field=col
            )
    hits = df.select((pl.col("session") < 1).alias("b"))["b"]
    if hits.any():
        i = int(hits.arg_true()[0])
        raise DataFileError(path, "session number below 1", row=i + 2, field="session")
    return df.select(
        "ccode",
        (pl.col("session") + SESSION_YEAR_OFFSET).alias("year"),
        "session",
        pl.col("iso3c").alias("iso3"),
        pl.col("Countryname").alias("country"),
        pl.col("IdealPointAll").alias("idealpoint_all"),
        pl.col("NVotesAll").alias("n_votes"),
        pl.col("USAgree").alias("agree_us"),
        pl.col("RUSSAgree").alias("agree_russia"),
        pl.col("ChinaAgree").alias("agree_china"),
    )


def load_ideal_points(*, source: DataSource | None = None) -> pl.DataFrame:
    """UNGA ideal points and agreement shares by COW state-year (module docstring)."""
    source = source or DataSource.from_env()
    return read_ideal_points(source.path("unga")).sort("ccode", "year")


def add_ideal_points(
    frame: T, *, source: DataSource | None = None, table: pl.DataFrame | None = None
) -> T:
    """Add ``idealpoint_all``, ``agree_us``, ``agree_russia``, ``agree_china`` (Float64) and
    ``unga_n_votes`` (Int64) to a state-year frame; rows and order unchanged, null where the
    state did not vote that year."""
    source = source or DataSource.from_env()
    tab = table if table is not None else load_ideal_points(source=source)
    return join_state_year(
        frame,
        tab,
        {
            "idealpoint_all": "idealpoint_all",
            "agree_us": "agree_us",
            "agree_russia": "agree_russia",
            "agree_china": "agree_china",
            "n_votes": "unga_n_votes",
        },
        sources=[dataset_label(source, "unga")],
    )
