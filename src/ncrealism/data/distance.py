"""Distances between states: capital-to-capital (Gleditsch) and minimum distance (CShapes 2.0).

Capital distances (``capdist.csv``; Gleditsch & Ward 2001) are great-circle distances between
capital cities, one value per ordered pair of Gleditsch-Ward (G&W) states, time-invariant (the
current capital of each state). The file is keyed by G&W numbers (``numa``/``numb``) and letter
codes (``ida``/``idb``). Two quirks of the published file are handled by :func:`read_capdist`:

* G&W 345 appears under two letter codes, ``SER`` and ``YUG`` (Belgrade), with identical
  distances; the first row of each duplicated numeric pair is kept (a duplicated pair with
  different distances would be an error);
* the resulting self-pair 345-345 (distance 0) is dropped.

COW-keyed capital distances. :func:`capdist_crosswalk` maps COW codes to capdist's G&W codes:

1. ``rule = "capitals"``: the (``ccode``, ``gwcode``) pairs of the capitals table of
   peacesciencer (Miller 2022), where both codes are present. In that table a state carrying
   both codes has the same number in both systems.
2. ``rule = "same code and abbreviation"``: a COW state that the capitals table gives no G&W code
   (the microstates outside the G&W main list, e.g. 54 Dominica, 221 Monaco, 403 Sao Tome and
   Principe) is matched to the capdist entry with the same number only when capdist's letter
   code equals the COW abbreviation.

COW states that remain without distances are listed by :func:`capdist_unmatched` (from the COW
code list). With capdist 2001, capitals 2025-06-17 and COW codes 2016 these are the states that
capdist does not cover at all: the German and Italian states before unification (240 Hanover,
245 Bavaria, 267 Baden, 269 Saxony, 271 Württemberg, 273 Hesse Electoral, 275 Hesse Grand
Ducal, 280 Mecklenburg-Schwerin, 327 Papal States, 329 Two Sicilies, 332 Modena, 335 Parma,
337 Tuscany), 347 Kosovo, 626 South Sudan, and the Pacific microstates 946 Kiribati, 947 Tuvalu,
955 Tonga and 970 Nauru. G&W codes of capdist with no COW state (e.g. 563 Transvaal, 711 Tibet,
815 Vietnam before 1893) are simply not used. The capitals table's spells (capital moves) are
not used, since capdist itself is time-invariant; one of its spells (375 Finland, Turku,
1816-1812) ends before it starts and is kept as published.

Minimum distances (``cow_mindist.rda``, object ``cow_mindist``): the shortest distance between
the borders of two states' territories as drawn by CShapes 2.0 (Schvitz et al. 2022) on
31 December of each year, computed for COW dyad-years by Miller (2022) for peacesciencer;
0 = contiguous. Non-directed (``ccode1 < ccode2``), 1886-2019 (the CShapes coverage).

Frames returned
---------------
:func:`load_capdist`: ``gwcode1``, ``gwcode2`` (Int64, G&W codes), ``gwabb1``, ``gwabb2``
(Utf8, capdist's letter codes), ``kmdist`` (Int64, kilometres, whole km as published),
``midist`` (Int64, statute miles). Both directions of every pair; unique by
``gwcode1``/``gwcode2``.

:func:`load_capdist_cow`: ``ccode1``, ``ccode2`` (Int64, COW codes), ``kmdist`` (Int64, km),
``midist`` (Int64, miles). Both directions; unique by ``ccode1``/``ccode2``.

:func:`load_capitals`: ``ccode`` (Int64, null where the state has no COW code), ``gwcode``
(Int64, null where no G&W code), ``statenme`` (Utf8), ``capital`` (Utf8), ``styear``,
``endyear`` (Int64) as published.

:func:`capdist_crosswalk`: ``ccode`` (Int64), ``gwcode`` (Int64), ``rule`` (Utf8, as above).

:func:`capdist_unmatched`: ``ccode`` (Int64), ``stateabb`` (Utf8), ``statenme`` (Utf8),
``reason`` (Utf8).

:func:`load_mindist`: ``ccode1``, ``ccode2`` (Int64, ``ccode1 < ccode2``), ``year`` (Int64),
``mindist`` (Float64, kilometres); unique by ``ccode1``/``ccode2``/``year``.

Sources: Gleditsch, Kristian S. and Michael D. Ward. 2001. "Measuring Space: A Minimum-Distance
Database and Applications to International Studies." Journal of Peace Research 38(6): 739-758;
Schvitz, Guy et al. 2022. "Mapping the International System, 1886-2019: The CShapes 2.0
Dataset." Journal of Conflict Resolution 66(1): 144-161; Miller, Steven V. 2022. "peacesciencer:
An R Package for Quantitative Peace Science Research." Conflict Management and Peace Science
39(6): 755-779.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ncrealism.data._read import check_unique, read_rdata, read_table
from ncrealism.data.fetch import DataSource
from ncrealism.data.states import load_cow_codes
from ncrealism.errors import DataFileError

__all__ = [
    "capdist_crosswalk",
    "capdist_unmatched",
    "load_capdist",
    "load_capdist_cow",
    "load_capitals",
    "load_mindist",
    "read_capdist",
    "read_capitals",
    "read_mindist",
]


def _require(df: pl.DataFrame, cols: list[str], path: Path | str) -> None:
    for col in cols:
        if df[col].null_count():
            i = int(df[col].is_null().arg_true()[0])
            raise DataFileError(path, "empty cell", row=i + 2, field=col)


# --------------------------------------------------------------------------- capdist
def read_capdist(path: Path | str) -> pl.DataFrame:
    """Read ``capdist.csv`` (G&W-keyed capital distances; CRLF) and resolve its duplicates."""
    df = read_table(
        path,
        {
            "numa": pl.Int64,
            "ida": pl.Utf8,
            "numb": pl.Int64,
            "idb": pl.Utf8,
            "kmdist": pl.Int64,
            "midist": pl.Int64,
        },
    )
    _require(df, df.columns, path)
    negative = (df["kmdist"] < 0) | (df["midist"] < 0)
    if negative.any():
        i = int(negative.arg_true()[0])
        raise DataFileError(path, "negative distance", row=i + 2, field="kmdist")
    df = df.with_row_index("_row")
    groups = df.group_by("numa", "numb").agg(
        pl.col("_row").min().alias("_first"),
        pl.col("_row").max().alias("_last"),
        pl.col("kmdist").n_unique().alias("_nkm"),
        pl.col("midist").n_unique().alias("_nmi"),
    )
    conflict = groups.filter((pl.col("_nkm") > 1) | (pl.col("_nmi") > 1)).sort("_first")
    if conflict.height:
        r = conflict.row(0, named=True)
        raise DataFileError(
            path,
            f"pair {r['numa']}-{r['numb']} is listed more than once with different distances",
            row=int(r["_last"]) + 2,
            field="kmdist",
        )
    first = df.join(groups.select(pl.col("_first").alias("_row")), on="_row", how="semi")
    return first.filter(pl.col("numa") != pl.col("numb")).select(
        pl.col("numa").alias("gwcode1"),
        pl.col("numb").alias("gwcode2"),
        pl.col("ida").alias("gwabb1"),
        pl.col("idb").alias("gwabb2"),
        "kmdist",
        "midist",
    )


def load_capdist(*, source: DataSource | None = None) -> pl.DataFrame:
    """Capital-to-capital distances keyed by G&W codes (columns in the module docstring)."""
    source = source or DataSource.from_env()
    return read_capdist(source.path("capdist"))


# --------------------------------------------------------------------------- capitals
def read_capitals(path: Path | str) -> pl.DataFrame:
    """Read peacesciencer's ``capitals.csv`` (state capitals with COW and G&W codes)."""
    df = read_table(
        path,
        {
            "ccode": pl.Int64,
            "gwcode": pl.Int64,
            "statenme": pl.Utf8,
            "capital": pl.Utf8,
            "styear": pl.Int64,
            "endyear": pl.Int64,
        },
    )
    _require(df, ["statenme", "capital", "styear", "endyear"], path)
    neither = df["ccode"].is_null() & df["gwcode"].is_null()
    if neither.any():
        i = int(neither.arg_true()[0])
        raise DataFileError(path, "row has neither a COW nor a G&W code", row=i + 2, field="ccode")
    return df


def load_capitals(*, source: DataSource | None = None) -> pl.DataFrame:
    """The capitals table (columns in the module docstring)."""
    source = source or DataSource.from_env()
    return read_capitals(source.path("capitals"))


def capdist_crosswalk(*, source: DataSource | None = None) -> pl.DataFrame:
    """Map COW codes to capdist's G&W codes (rules in the module docstring).

    One row per COW code that can be matched; a COW code that the capitals table pairs with
    two different G&W codes is an error naming that file.
    """
    source = source or DataSource.from_env()
    capitals_path = source.path("capitals")
    capitals = read_capitals(capitals_path)
    capdist = load_capdist(source=source)
    codes = load_cow_codes(source=source)
    by_capitals = (
        capitals.filter(pl.col("ccode").is_not_null() & pl.col("gwcode").is_not_null())
        .select("ccode", "gwcode")
        .unique(maintain_order=True)
    )
    clash = by_capitals.filter(pl.col("ccode").is_duplicated())
    if clash.height:
        c = int(clash["ccode"][0])
        raise DataFileError(
            capitals_path,
            f"COW code {c} is paired with several G&W codes: {sorted(clash['gwcode'].to_list())}",
            field="gwcode",
        )
    gw_letters = capdist.select(
        pl.col("gwcode1").alias("gwcode"), pl.col("gwabb1").alias("stateabb")
    ).unique()
    fallback = (
        codes.join(by_capitals, on="ccode", how="anti")
        .join(gw_letters, left_on=["ccode", "stateabb"], right_on=["gwcode", "stateabb"])
        .select("ccode", pl.col("ccode").alias("gwcode"))
    )
    return pl.concat(
        [
            by_capitals.with_columns(pl.lit("capitals").alias("rule")),
            fallback.with_columns(pl.lit("same code and abbreviation").alias("rule")),
        ]
    ).sort("ccode")


def load_capdist_cow(*, source: DataSource | None = None) -> pl.DataFrame:
    """Capital-to-capital distances keyed by COW codes through :func:`capdist_crosswalk`."""
    source = source or DataSource.from_env()
    walk = capdist_crosswalk(source=source).select("ccode", "gwcode")
    capdist = load_capdist(source=source)
    out = (
        capdist.join(walk.rename({"ccode": "ccode1"}), left_on="gwcode1", right_on="gwcode")
        .join(walk.rename({"ccode": "ccode2"}), left_on="gwcode2", right_on="gwcode")
        .filter(pl.col("ccode1") != pl.col("ccode2"))
        .select("ccode1", "ccode2", "kmdist", "midist")
        .sort("ccode1", "ccode2")
    )
    check_unique(out, ("ccode1", "ccode2"), source.path("capitals"))
    return out


def capdist_unmatched(*, source: DataSource | None = None) -> pl.DataFrame:
    """COW states (from the COW code list) that get no capital distance (see module docstring).

    ``reason`` is ``"no G&W code"`` (neither rule matches) or ``"G&W code not in capdist"``.
    """
    source = source or DataSource.from_env()
    codes = load_cow_codes(source=source)
    walk = capdist_crosswalk(source=source)
    covered = load_capdist(source=source).select(pl.col("gwcode1").alias("gwcode")).unique()
    matched = walk.join(covered, on="gwcode", how="semi").select("ccode")
    return (
        codes.join(matched, on="ccode", how="anti")
        .join(walk.select("ccode", "gwcode"), on="ccode", how="left")
        .select(
            "ccode",
            "stateabb",
            "statenme",
            pl.when(pl.col("gwcode").is_null())
            .then(pl.lit("no G&W code"))
            .otherwise(pl.lit("G&W code not in capdist"))
            .alias("reason"),
        )
        .sort("ccode")
    )


# --------------------------------------------------------------------------- minimum distance
def read_mindist(path: Path | str, object_name: str = "cow_mindist") -> pl.DataFrame:
    """Read the CShapes 2.0 minimum-distance R data file (peacesciencer's ``cow_mindist``)."""
    schema = {"ccode1": pl.Int64, "ccode2": pl.Int64, "year": pl.Int64, "mindist": pl.Float64}
    df = read_rdata(path, object_name, schema)
    order = df["ccode1"] >= df["ccode2"]
    if order.any():
        i = int(order.arg_true()[0])
        raise DataFileError(
            path, "expected ccode1 < ccode2 (non-directed dyads)", row=i + 1, field="ccode2"
        )
    negative = (df["mindist"] < 0).fill_null(False)
    if negative.any():
        i = int(negative.arg_true()[0])
        raise DataFileError(path, "negative distance", row=i + 1, field="mindist")
    check_unique(df, ("ccode1", "ccode2", "year"), path, header=False)
    return df


def load_mindist(*, source: DataSource | None = None) -> pl.DataFrame:
    """Minimum distance (km) between COW states, dyad-years 1886-2019 (module docstring)."""
    source = source or DataSource.from_env()
    resolved = source.resolve("cow_mindist")
    return read_mindist(resolved.path, resolved.spec.rda_object or "cow_mindist")
