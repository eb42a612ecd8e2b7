"""COW Direct Contiguity v3.2 (Stinnett et al. 2002): directed dyad-years.

Contiguity types (Stinnett et al. 2002, p. 60; COW Direct Contiguity v3.2 codebook):

====  ================================================================================
code  meaning
====  ================================================================================
1     land contiguity: the two states share a land or river border
2     separated by 12 miles of water or less (the territorial-sea limit)
3     separated by 24 miles of water or less (but more than 12)
4     separated by 150 miles of water or less (but more than 24)
5     separated by 400 miles of water or less (but more than 150)
====  ================================================================================

(:data:`CONTTYPE_MEANINGS` holds these labels.) The file lists only contiguous dyad-years: a
dyad-year of two system members that is absent is *not contiguous* under any of the five types.
Coverage 1816-2016 (:data:`CONTIGUITY_LAST_YEAR`). Contiguity here is direct contiguity between
the states' homelands; colonial contiguity is a separate COW file, not read here.

Several types in one year. When a border changes within a year the file lists the dyad-year
once per type (v3.2: 29 non-directed dyad-years, i.e. 58 directed dyad-years listed twice,
e.g. Netherlands-France 1830 with types 1 and 5). With ``collapse=True`` (the default)
:func:`read_contiguity_directed` keeps one row per directed dyad-year with the closest type of
the year (the minimum code), so that a dyad counts as land-contiguous if it was at any point of
that year.

Frames returned
---------------
:func:`load_contiguity_directed`: ``ccode1`` (Int64, COW code of the first state), ``ccode2``
(Int64), ``year`` (Int64), ``conttype`` (Int64, 1-5 as above). Both directions of every dyad are
listed. Unique by ``ccode1``/``ccode2``/``year`` when collapsed.

:func:`state_contiguity` (one row per state-year with at least one contiguous neighbour):
``ccode`` (Int64), ``year`` (Int64), ``n_contiguous`` (Int64, number of distinct states
contiguous by any type that year), ``n_land`` (Int64, number contiguous by land, type 1).

Source: Stinnett, Douglas M., Jaroslav Tir, Philip Schafer, Paul F. Diehl, and Charles Gochman.
2002. "The Correlates of War Project Direct Contiguity Data, Version 3." Conflict Management and
Peace Science 19(2): 58-66.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ncrealism.data._read import read_table
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError

__all__ = [
    "CONTIGUITY_LAST_YEAR",
    "CONTTYPE_MEANINGS",
    "load_contiguity_directed",
    "read_contiguity_directed",
    "state_contiguity",
]

#: Last year covered by COW Direct Contiguity v3.2.
CONTIGUITY_LAST_YEAR = 2016

#: Meaning of each ``conttype`` code (Stinnett et al. 2002, p. 60).
CONTTYPE_MEANINGS: dict[int, str] = {
    1: "land or river border",
    2: "separated by 12 miles of water or less",
    3: "separated by 24 miles of water or less",
    4: "separated by 150 miles of water or less",
    5: "separated by 400 miles of water or less",
}


def read_contiguity_directed(path: Path | str, *, collapse: bool = True) -> pl.DataFrame:
    """Read ``contdird.csv`` (COW Direct Contiguity v3.2, directed dyad-years).

    Every cell of ``state1no``, ``state2no``, ``year`` and ``conttype`` must be present and
    ``conttype`` in 1-5; the two states must differ. ``collapse`` keeps the closest type of each
    directed dyad-year (see the module docstring); ``collapse=False`` returns the rows as
    published, in file order.
    """
    df = read_table(
        path,
        {"state1no": pl.Int64, "state2no": pl.Int64, "year": pl.Int64, "conttype": pl.Int64},
    )
    for col in df.columns:
        if df[col].null_count():
            i = int(df[col].is_null().arg_true()[0])
            raise DataFileError(path, "empty cell", row=i + 2, field=col)
    bad = ~df["conttype"].is_in(list(CONTTYPE_MEANINGS))
    if bad.any():
        i = int(bad.arg_true()[0])
        raise DataFileError(
            path,
            f"contiguity type {df['conttype'][i]} is not one of 1-5",
            row=i + 2,
            field="conttype",
        )
    same = df["state1no"] == df["state2no"]
    if same.any():
        i = int(same.arg_true()[0])
        raise DataFileError(path, "a state contiguous with itself", row=i + 2, field="state2no")
    df = df.rename({"state1no": "ccode1", "state2no": "ccode2"}).select(
        "ccode1", "ccode2", "year", "conttype"
    )
    if not collapse:
        return df
    return (
        df.group_by("ccode1", "ccode2", "year")
        .agg(pl.col("conttype").min())
        .sort("ccode1", "ccode2", "year")
    )


def load_contiguity_directed(
    *, collapse: bool = True, source: DataSource | None = None
) -> pl.DataFrame:
    """COW Direct Contiguity v3.2 directed dyad-years (columns in the module docstring)."""
    source = source or DataSource.from_env()
    return read_contiguity_directed(source.path("contdird"), collapse=collapse)


def state_contiguity(contiguity: pl.DataFrame) -> pl.DataFrame:
    """Count each state's contiguous neighbours per year from directed contiguity rows.

    ``contiguity`` is a frame like :func:`load_contiguity_directed` (collapsed or not): a
    neighbour is counted once per year whatever the number of its rows. Columns in the module
    docstring; sorted by ``ccode``/``year``.
    """
    return (
        contiguity.group_by(pl.col("ccode1").alias("ccode"), "year")
        .agg(
            pl.col("ccode2").n_unique().cast(pl.Int64).alias("n_contiguous"),
            pl.col("ccode2")
            .filter(pl.col("conttype") == 1)
            .n_unique()
            .cast(pl.Int64)
            .alias("n_land"),
        )
        .sort("ccode", "year")
    )
