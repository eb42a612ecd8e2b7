"""Unit-of-analysis frames: state-years and dyad-years, with variables added by joins.

After peacesciencer (Miller 2022): build the universe of cases first
(:func:`create_stateyears`, :func:`create_dyadyears`), then add variables with ``add_*``
functions. Every ``add_*`` is a left join on the frame's keys: it adds the documented columns,
never changes the number or the order of rows, and records the datasets it read in
``UnitFrame.sources``.

Universes
---------
*COW* (``system="cow"``): the COW State System Membership state-year file, v2016
(1816-2016, 15,951 state-years). *G&W* (``system="gw"``): the Gleditsch & Ward (1999) list,
2017 update (1816-2017); a state-year exists if the state is independent at any point of that
calendar year (the rule by which COW's own state-year file follows from its spells; see
:mod:`ncrealism.data.states`).

Dyad-years pair every two states in the system in the same year (a cross join per year):
directed frames hold both (a, b) and (b, a), so a year with n states has n(n-1) dyads;
non-directed frames hold the n(n-1)/2 pairs with ``ccode1 < ccode2``.

Key columns
-----------
===========  ======================  =========================================
unit         COW                     G&W
===========  ======================  =========================================
state-year   ``ccode``, ``year``     ``gwcode``, ``year``
dyad-year    ``ccode1``, ``ccode2``,  ``gwcode1``, ``gwcode2``, ``year``
             ``year``
===========  ======================  =========================================

All key columns are Int64. :func:`create_stateyears` adds ``stateabb`` (COW) or ``gwabb``
(G&W) (Utf8). Which ``add_*`` functions accept G&W frames is stated in each; the others read
COW-coded data and refuse G&W frames (convert the codes first).

Columns added (``_1``/``_2`` suffixes refer to the first/second state of a dyad)
-------------------------------------------------------------------------------
:func:`add_nmc`: ``milex``, ``milper``, ``irst``, ``pec``, ``tpop``, ``upop`` (Float64) and
``cinc`` (Float64), units in :mod:`ncrealism.data.nmc`; null where NMC has no value or no row.

:func:`add_alliances`: ``defense_pact``, ``neutrality``, ``nonaggression``, ``entente`` (Int8,
0/1) and ``n_alliances`` (Int64) from COW Formal Alliances v4.1 (Gibler 2009; see
:mod:`ncrealism.data.alliances`). Dyad-years: the dyad's flags that year (maximum over its
alliances). State-years: the state's own obligations in any of its alliances that year (member
file). 0 where there is no alliance in a covered year (1816-2012); null for years outside the
coverage (after 2012: unknown, not "no alliance"), and null where the publisher left a flag
blank.

:func:`add_contiguity` (COW Direct Contiguity v3.2; Stinnett et al. 2002): dyad-years get
``conttype`` (Int64: 1 land, 2-5 water up to 12/24/150/400 miles, the closest type of the year;
0 = not contiguous) and ``contiguous_land`` (Int8, 1 if ``conttype == 1``); state-years get
``n_contiguous`` and ``n_land`` (Int64, counts of contiguous states). 0 outside the file in a
covered year (1816-2016), null for other years.

:func:`add_distance`: ``capdist`` (Int64, kilometres between capitals, Gleditsch & Ward 2001;
time-invariant) or ``mindist`` (Float64, kilometres between borders, CShapes 2.0, Schvitz et al.
2022, 1886-2019); null where the source has no value.

:func:`add_major_powers`: ``major_power`` (state-years) or ``major_power_1``/``major_power_2``
(dyad-years), Int8 0/1 from the COW major-power spells v2016 (status at any point of the year);
null after 2016.

Sources: Miller, Steven V. 2022. "peacesciencer: An R Package for Quantitative Peace Science
Research." Conflict Management and Peace Science 39(6): 755-779; Gleditsch & Ward (1999, 2001);
Stinnett et al. (2002); Gibler (2009); Schvitz et al. (2022); Singer, Bremer & Stuckey (1972).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Concatenate, Literal, ParamSpec, Protocol, TypeVar, cast

import polars as pl

from ncrealism.data.alliances import (
    ALLIANCE_FLAGS,
    ALLIANCE_LAST_YEAR,
    alliance_dyad_years,
    load_alliance_member_years,
)
from ncrealism.data.contiguity import (
    CONTIGUITY_LAST_YEAR,
    load_contiguity_directed,
    state_contiguity,
)
from ncrealism.data.distance import load_capdist, load_capdist_cow, load_mindist
from ncrealism.data.fetch import DataSource
from ncrealism.data.nmc import (
    DEFAULT_NMC_VERSION,
    NMC_COMPONENTS,
    NMC_DATASET,
    NMCVersion,
    load_nmc,
)
from ncrealism.data.states import gw_state_years, load_system, major_power_years
from ncrealism.errors import InputError

P = ParamSpec("P")
_F = TypeVar("_F", "UnitFrame", pl.DataFrame)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "UnitFrame",
    "add_alliances",
    "add_contiguity",
    "add_distance",
    "add_major_powers",
    "add_nmc",
    "create_dyadyears",
    "create_stateyears",
]

Unit = Literal["state-year", "dyad-year"]
System = Literal["cow", "gw"]
Years = range | tuple[int, int] | list[int] | set[int] | frozenset[int] | None

#: First year of every COW source read here (the COW state system begins in 1816).
_COW_FIRST_YEAR = 1816
#: Upper end of the coverage of carried-forward values (no limit in practice).
_CARRIED_TO = 10**6


@dataclass(frozen=True, eq=False)
class UnitFrame:
    """A state-year or dyad-year frame and what it was built from.

    ``data`` holds the rows (key columns in the module docstring); ``unit`` is
    ``"state-year"`` or ``"dyad-year"``; ``system`` is ``"cow"`` or ``"gw"`` (which codes the
    keys use); ``directed`` is ``True``/``False`` for dyad-years and ``None`` for state-years;
    ``sources`` names each dataset (and version) read to build the frame, in order.
    Frames compare by identity (compare ``data`` with ``DataFrame.equals`` for contents).
    """

    data: pl.DataFrame
    unit: Unit
    system: System
    directed: bool | None = None
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.unit not in ("state-year", "dyad-year"):
            raise InputError(f"unit must be 'state-year' or 'dyad-year', not '{self.unit}'")
        if self.system not in ("cow", "gw"):
            raise InputError(f"system must be 'cow' or 'gw', not '{self.system}'")
        if self.unit == "state-year" and self.directed is not None:
            raise InputError("a state-year frame has no direction: directed must be None")
        if self.unit == "dyad-year" and not isinstance(self.directed, bool):
            raise InputError("a dyad-year frame needs directed=True or directed=False")
        missing = [k for k in self.keys if k not in self.data.columns]
        if missing:
            raise InputError(
                f"a {self.system.upper()} {self.unit} frame needs the key columns "
                f"{list(self.keys)}; missing {missing} (has {self.data.columns})"
            )
        not_int = [k for k in self.keys if not self.data.schema[k].is_integer()]
        if not_int:
            raise InputError(f"key columns must be integers: {not_int}")

    @property
    def keys(self) -> tuple[str, ...]:
        """The key columns of this frame (see the module docstring)."""
        code = "ccode" if self.system == "cow" else "gwcode"
        if self.unit == "state-year":
            return (code, "year")
        return (f"{code}1", f"{code}2", "year")

    @property
    def height(self) -> int:
        """Number of rows."""
        return self.data.height

    def to_pandas(self) -> pd.DataFrame:
        """The rows as a pandas frame; ``attrs`` carries unit, system, directed and sources."""
        pdf = self.data.to_pandas()
        pdf.attrs.update(
            {
                "unit": self.unit,
                "system": self.system,
                "directed": self.directed,
                "sources": list(self.sources),
            }
        )
        return pdf


# --------------------------------------------------------------------------- helpers
def _describe(source: DataSource, name: str) -> str:
    resolved = source.resolve(name)
    label = f"{name} {resolved.version}"
    if resolved.variant == "alternate":
        label += f" ({resolved.spec.kind} copy)"
    return label


def _table(
    key: str,
    datasets: tuple[str, ...],
    source: DataSource,
    build: Callable[[DataSource], pl.DataFrame],
) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """A derived table, built once per data source.

    Returns the table and the labels of the datasets it was built from.
    """
    labels = tuple(_describe(source, d) for d in datasets)
    return source.memo(("frames", key), lambda: build(source)), labels


def _add_sources(frame: UnitFrame, labels: Iterable[str]) -> tuple[str, ...]:
    out = list(frame.sources)
    for label in labels:
        if label not in out:
            out.append(label)
    return tuple(out)


def _check_new(frame: UnitFrame, cols: Iterable[str]) -> None:
    clash = [c for c in cols if c in frame.data.columns]
    if clash:
        raise InputError(f"the frame already has the columns {clash}; drop them first")


def as_unit_frame(frame: UnitFrame | pl.DataFrame, what: str = "the frame") -> UnitFrame:
    """``frame`` itself, or a plain Polars frame read as a COW unit frame.

    A frame with ``ccode1``, ``ccode2`` and ``year`` is a dyad-year frame (directed unless every
    ``ccode1 < ccode2``); one with ``ccode`` and ``year`` a state-year frame. Anything else is an
    :class:`InputError` naming the columns it needs.
    """
    if isinstance(frame, UnitFrame):
        return frame
    if not isinstance(frame, pl.DataFrame):
        raise InputError(
            f"{what} must be a UnitFrame or a polars DataFrame, not {type(frame).__name__}"
        )
    cols = set(frame.columns)
    if {"ccode1", "ccode2", "year"} <= cols:
        directed = not bool(frame.select((pl.col("ccode1") < pl.col("ccode2")).all()).item())
        return UnitFrame(frame, "dyad-year", "cow", directed=directed)
    if {"ccode", "year"} <= cols:
        return UnitFrame(frame, "state-year", "cow")
    raise InputError(
        f"{what} needs the columns ccode and year (state-years) or ccode1, ccode2 and year "
        f"(dyad-years), with COW codes; it has {frame.columns}"
    )


def _plain_frames(fn: Callable[Concatenate[UnitFrame, P], UnitFrame]) -> _FrameAdder[P]:
    """Let an ``add_*`` function take a plain Polars frame too (and return one)."""

    @functools.wraps(fn)
    def wrapper(frame: Any, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        out = fn(as_unit_frame(frame), *args, **kwargs)
        return out.data if isinstance(frame, pl.DataFrame) else out

    return cast(_FrameAdder[P], wrapper)


class _FrameAdder(Protocol[P]):
    def __call__(self, frame: _F, /, *args: P.args, **kwargs: P.kwargs) -> _F: ...


def _require_cow(frame: UnitFrame, what: str) -> None:
    if frame.system != "cow":
        raise InputError(
            f"{what} is keyed by COW state codes; this frame uses G&W codes. Convert its codes "
            "to COW codes first, or build it with system='cow'."
        )


def _left_join(
    df: pl.DataFrame, right: pl.DataFrame, left_on: list[str], right_on: list[str]
) -> pl.DataFrame:
    """Left join keeping the left frame's rows and order; the right keys must be unique."""
    right = right.with_columns(
        pl.col(r).cast(df.schema[left]) for left, r in zip(left_on, right_on, strict=True)
    )
    return df.join(
        right,
        left_on=left_on,
        right_on=right_on,
        how="left",
        validate="m:1",
        maintain_order="left",
        coalesce=True,
    )


def _in_coverage(first: int, last: int) -> pl.Expr:
    return pl.col("year").is_between(first, last)


def _year_span(table: pl.DataFrame) -> tuple[int, int]:
    lo, hi = table.select(pl.col("year").min(), pl.col("year").max().alias("hi")).row(0)
    return int(lo), int(hi)


def _resolve_years(years: Years, first: int, last: int, what: str) -> list[int] | None:
    """Validate a year request against a coverage; ``None`` means all years."""
    if years is None:
        return None
    if isinstance(years, tuple):
        if len(years) != 2 or not all(isinstance(y, int) for y in years):
            raise InputError(
                f"years as a tuple must be (first, last), both integers; got {years!r}"
            )
        lo, hi = years
        if lo > hi:
            raise InputError(f"years=({lo}, {hi}): the first year is after the last")
        wanted = list(range(lo, hi + 1))
    elif isinstance(years, range | list | set | frozenset):
        wanted = sorted({int(y) for y in years})
    else:
        raise InputError(
            f"years must be None, a range, a (first, last) tuple or a list of years; got "
            f"{type(years).__name__}"
        )
    if not wanted:
        raise InputError("years selects no year")
    outside = [y for y in wanted if not first <= y <= last]
    if outside:
        raise InputError(
            f"{what} covers {first}-{last}; requested years outside it: "
            f"{outside[:5]}{' …' if len(outside) > 5 else ''}"
        )
    return wanted


# --------------------------------------------------------------------------- universes
def _state_years(system: System, source: DataSource) -> tuple[pl.DataFrame, tuple[str, ...]]:
    if system == "cow":
        return _table("cow_system", ("cow_system",), source, lambda s: load_system(source=s))
    if system == "gw":
        return _table("gw_years", ("gw_states",), source, lambda s: gw_state_years(source=s))
    raise InputError(f"system must be 'cow' or 'gw', not '{system}'")


def create_stateyears(
    system: System = "cow", years: Years = None, *, source: DataSource | None = None
) -> UnitFrame:
    """The state-years of the COW or G&W state system (Miller 2022, ``create_stateyears``).

    ``years``: ``None`` (all), a ``range``, a ``(first, last)`` tuple (inclusive) or a list/set
    of years; every requested year must lie in the system's coverage (COW 1816-2016, G&W
    1816-2017). Columns: ``ccode``, ``stateabb``, ``year`` (COW) or ``gwcode``, ``gwabb``,
    ``year`` (G&W); sorted by code and year.
    """
    source = source or DataSource.from_env()
    table, labels = _state_years(system, source)
    code = "ccode" if system == "cow" else "gwcode"
    first, last = _year_span(table)
    wanted = _resolve_years(years, first, last, f"the {system.upper()} state system")
    if wanted is not None:
        table = table.filter(pl.col("year").is_in(wanted))
    data = table.sort(code, "year")
    return UnitFrame(data, "state-year", system, None, labels)


def create_dyadyears(
    directed: bool = True,
    years: Years = None,
    system: System = "cow",
    *,
    source: DataSource | None = None,
) -> UnitFrame:
    """All dyad-years of the COW or G&W system: a cross join of the states of each year.

    Directed: every ordered pair of two different states in the system that year; non-directed:
    each unordered pair once, first code smaller (Miller 2022, ``create_dyadyears``).
    ``years`` as in :func:`create_stateyears`. Columns: the key columns only (module
    docstring), sorted by first code, second code and year.
    """
    source = source or DataSource.from_env()
    if not isinstance(directed, bool):
        raise InputError("directed must be True or False")
    table, labels = _state_years(system, source)
    code = "ccode" if system == "cow" else "gwcode"
    first, last = _year_span(table)
    wanted = _resolve_years(years, first, last, f"the {system.upper()} state system")
    states = table.select(code, "year")
    if wanted is not None:
        states = states.filter(pl.col("year").is_in(wanted))
    c1, c2 = f"{code}1", f"{code}2"
    left = states.rename({code: c1})
    right = states.rename({code: c2})
    keep = pl.col(c1) != pl.col(c2) if directed else pl.col(c1) < pl.col(c2)
    data = (
        left.lazy()
        .join(right.lazy(), on="year", how="inner")
        .filter(keep)
        .select(c1, c2, "year")
        .sort(c1, c2, "year")
        .collect()
    )
    return UnitFrame(data, "dyad-year", system, directed, labels)


# --------------------------------------------------------------------------- add_*
@_plain_frames
def add_nmc(
    frame: UnitFrame, version: NMCVersion = DEFAULT_NMC_VERSION, *, source: DataSource | None = None
) -> UnitFrame:
    """Add COW National Material Capabilities (Singer, Bremer & Stuckey 1972) to a COW frame.

    State-years get ``milex``, ``milper``, ``irst``, ``pec``, ``tpop``, ``upop`` and ``cinc``;
    dyad-years get each with ``_1`` and ``_2`` (the first and second state). Units in
    :mod:`ncrealism.data.nmc`. Null where NMC has no value or no row (v6.0 ends 2016, v7.0
    2022). ``version`` defaults to :data:`ncrealism.data.nmc.DEFAULT_NMC_VERSION` (v7.0).
    """
    _require_cow(frame, "NMC")
    source = source or DataSource.from_env()
    dataset = NMC_DATASET.get(version)
    if dataset is None:
        raise InputError(f"unknown NMC version '{version}'; choose 6.0 or 7.0")
    nmc, labels = _table(f"nmc{version}", (dataset,), source, lambda s: load_nmc(version, source=s))
    values = [*NMC_COMPONENTS, "cinc"]
    nmc = nmc.select("ccode", "year", *values)
    df = frame.data
    if frame.unit == "state-year":
        _check_new(frame, values)
        df = _left_join(df, nmc, ["ccode", "year"], ["ccode", "year"])
    else:
        new = [f"{v}_{i}" for i in (1, 2) for v in values]
        _check_new(frame, new)
        for i in (1, 2):
            side = nmc.rename({v: f"{v}_{i}" for v in values})
            df = _left_join(df, side, [f"ccode{i}", "year"], ["ccode", "year"])
    return replace(frame, data=df, sources=_add_sources(frame, labels))


def _fill_coverage(
    cols: Iterable[str], matched: str, first: int, last: int, dtype: type[pl.DataType] = pl.Int8
) -> list[pl.Expr]:
    """0 where unmatched inside the coverage, null outside it, the value where matched."""
    return [
        pl.when(~_in_coverage(first, last))
        .then(None)
        .when(pl.col(matched).is_null())
        .then(0)
        .otherwise(pl.col(c))
        .cast(dtype)
        .alias(c)
        for c in cols
    ]


def _state_alliances(source: DataSource) -> pl.DataFrame:
    members = load_alliance_member_years(source=source)
    return members.group_by("ccode", "year").agg(
        *(pl.col(f).max() for f in ALLIANCE_FLAGS),
        pl.col("version4id").n_unique().cast(pl.Int64).alias("n_alliances"),
    )


@_plain_frames
def add_alliances(
    frame: UnitFrame, *, carry_forward: bool = True, source: DataSource | None = None
) -> UnitFrame:
    """Add COW Formal Alliances v4.1 indicators (Gibler 2009) to a COW frame.

    Columns ``defense_pact``, ``neutrality``, ``nonaggression``, ``entente`` (Int8, 0/1) and
    ``n_alliances`` (Int64). Dyad-years (directed or not): the dyad's alliances in force that
    year, from the dyad spell file. State-years: the state's own obligations in its alliances
    that year, from the member-year file (years corrected, see
    :mod:`ncrealism.data.alliances`). 0 where there is no alliance in 1816-2012; null before
    1816 and where the publisher left a flag blank (unknown, never 0).

    The data end in 2012 (:data:`~ncrealism.data.alliances.ALLIANCE_LAST_YEAR`). Years after it
    follow the package's one rule, shared with :func:`ncrealism.system.dyad_years`: with
    ``carry_forward=True`` (default) every later year carries the 2012 values of the same dyad
    or state (2013-2016 for COW system frames; any later year of a user frame), 0 for a dyad or
    state without an alliance in 2012; with ``carry_forward=False`` they are null.
    """
    _require_cow(frame, "COW Formal Alliances")
    source = source or DataSource.from_env()
    cols = [*ALLIANCE_FLAGS, "n_alliances"]
    _check_new(frame, cols)
    df = frame.data
    # the year whose alliances a row reads: its own, or 2012 for later years when carried
    year_read = (
        pl.min_horizontal(pl.col("year"), pl.lit(ALLIANCE_LAST_YEAR))
        if carry_forward
        else pl.col("year")
    ).alias("__ay")
    if frame.unit == "dyad-year":
        table, labels = _table(
            "alliance_dyad_years",
            ("alliance_dyad",),
            source,
            lambda s: alliance_dyad_years(False, source=s),
        )
        table = table.with_columns(pl.lit(True).alias("__matched"))
        df = df.with_columns(
            pl.min_horizontal("ccode1", "ccode2").alias("__lo"),
            pl.max_horizontal("ccode1", "ccode2").alias("__hi"),
            year_read,
        )
        df = _left_join(df, table, ["__lo", "__hi", "__ay"], ["ccode1", "ccode2", "year"])
        df = df.drop("__lo", "__hi", "__ay")
    else:
        table, labels = _table(
            "alliance_state_years", ("alliance_member_yearly",), source, _state_alliances
        )
        table = table.with_columns(pl.lit(True).alias("__matched"))
        df = _left_join(df.with_columns(year_read), table, ["ccode", "__ay"], ["ccode", "year"])
        df = df.drop("__ay")
    last = _CARRIED_TO if carry_forward else ALLIANCE_LAST_YEAR
    df = df.with_columns(
        *_fill_coverage(ALLIANCE_FLAGS, "__matched", _COW_FIRST_YEAR, last),
        *_fill_coverage(["n_alliances"], "__matched", _COW_FIRST_YEAR, last, pl.Int64),
    ).drop("__matched")
    return replace(frame, data=df, sources=_add_sources(frame, labels))


@_plain_frames
def add_contiguity(frame: UnitFrame, *, source: DataSource | None = None) -> UnitFrame:
    """Add COW Direct Contiguity v3.2 (Stinnett et al. 2002) to a COW frame.

    Dyad-years: ``conttype`` (Int64; 1 land or river border, 2-5 separated by at most 12, 24,
    150 or 400 miles of water, the closest type of the year; 0 = not contiguous) and
    ``contiguous_land`` (Int8, 1 if ``conttype == 1``, else 0). State-years: ``n_contiguous``
    and ``n_land`` (Int64, numbers of contiguous and land-contiguous states that year).
    Unlisted rows are 0 in 1816-2016 and null outside those years.
    """
    _require_cow(frame, "COW Direct Contiguity")
    source = source or DataSource.from_env()
    df = frame.data
    contig, labels = _table(
        "contdird", ("contdird",), source, lambda s: load_contiguity_directed(source=s)
    )
    if frame.unit == "dyad-year":
        _check_new(frame, ["conttype", "contiguous_land"])
        table = contig.with_columns(pl.lit(True).alias("__matched"))
        df = _left_join(df, table, ["ccode1", "ccode2", "year"], ["ccode1", "ccode2", "year"])
        df = df.with_columns(
            _fill_coverage(
                ["conttype"], "__matched", _COW_FIRST_YEAR, CONTIGUITY_LAST_YEAR, pl.Int64
            )
        ).with_columns((pl.col("conttype") == 1).cast(pl.Int8).alias("contiguous_land"))
    else:
        _check_new(frame, ["n_contiguous", "n_land"])
        counts, _ = _table(
            "state_contiguity", ("contdird",), source, lambda s: state_contiguity(contig)
        )
        table = counts.with_columns(pl.lit(True).alias("__matched"))
        df = _left_join(df, table, ["ccode", "year"], ["ccode", "year"])
        df = df.with_columns(
            _fill_coverage(
                ["n_contiguous", "n_land"],
                "__matched",
                _COW_FIRST_YEAR,
                CONTIGUITY_LAST_YEAR,
                pl.Int64,
            )
        )
    df = df.drop("__matched")
    return replace(frame, data=df, sources=_add_sources(frame, labels))


@_plain_frames
def add_distance(
    frame: UnitFrame,
    kind: Literal["capital", "minimum"] = "capital",
    *,
    source: DataSource | None = None,
) -> UnitFrame:
    """Add the distance between the two states of each dyad-year.

    ``kind="capital"``: ``capdist`` (Int64, km between capitals; Gleditsch & Ward 2001,
    time-invariant), for COW frames through the crosswalk of
    :func:`ncrealism.data.distance.capdist_crosswalk`, for G&W frames directly.
    ``kind="minimum"``: ``mindist`` (Float64, km between the states' territories on
    31 December; CShapes 2.0, Schvitz et al. 2022, as computed by Miller 2022), COW frames
    only, 1886-2019. Null where the source has no value.
    """
    if frame.unit != "dyad-year":
        raise InputError("distances are defined for dyad-years; this is a state-year frame")
    source = source or DataSource.from_env()
    df = frame.data
    if kind == "capital":
        _check_new(frame, ["capdist"])
        if frame.system == "cow":
            table, labels = _table(
                "capdist_cow",
                ("capdist", "capitals", "cow_codes"),
                source,
                lambda s: load_capdist_cow(source=s),
            )
            on = ["ccode1", "ccode2"]
            table = table.select(*on, pl.col("kmdist").alias("capdist"))
        else:
            table, labels = _table(
                "capdist", ("capdist",), source, lambda s: load_capdist(source=s)
            )
            on = ["gwcode1", "gwcode2"]
            table = table.select(*on, pl.col("kmdist").alias("capdist"))
        df = _left_join(df, table, on, on)
    elif kind == "minimum":
        _require_cow(frame, "The minimum-distance file (cow_mindist)")
        _check_new(frame, ["mindist"])
        table, labels = _table(
            "cow_mindist", ("cow_mindist",), source, lambda s: load_mindist(source=s)
        )
        df = df.with_columns(
            pl.min_horizontal("ccode1", "ccode2").alias("__lo"),
            pl.max_horizontal("ccode1", "ccode2").alias("__hi"),
        )
        df = _left_join(df, table, ["__lo", "__hi", "year"], ["ccode1", "ccode2", "year"])
        df = df.drop("__lo", "__hi")
    else:
        raise InputError(f"kind must be 'capital' or 'minimum', not '{kind}'")
    return replace(frame, data=df, sources=_add_sources(frame, labels))


@_plain_frames
def add_major_powers(frame: UnitFrame, *, source: DataSource | None = None) -> UnitFrame:
    """Add COW major-power status (v2016) to a COW frame.

    State-years: ``major_power``; dyad-years: ``major_power_1`` and ``major_power_2`` (Int8,
    1 if the state held major-power status at any point of the year, else 0; null outside
    1816-2016).
    """
    _require_cow(frame, "COW major-power status")
    source = source or DataSource.from_env()
    majors, labels = _table(
        "majors", ("cow_majors",), source, lambda s: major_power_years(source=s)
    )
    # Coverage ends with the release: open spells run to its last day (2016-12-31 in v2016).
    last = _year_span(majors)[1]
    flag = majors.select("ccode", "year", pl.lit(1, dtype=pl.Int8).alias("__m"))
    df = frame.data
    sides: list[tuple[str, str]] = (
        [("ccode", "major_power")]
        if frame.unit == "state-year"
        else [("ccode1", "major_power_1"), ("ccode2", "major_power_2")]
    )
    _check_new(frame, [name for _, name in sides])
    for key, name in sides:
        df = _left_join(df, flag, [key, "year"], ["ccode", "year"])
        df = df.with_columns(
            pl.when(~_in_coverage(_COW_FIRST_YEAR, last))
            .then(None)
            .otherwise(pl.col("__m").fill_null(0))
            .cast(pl.Int8)
            .alias(name)
        ).drop("__m")
    return replace(frame, data=df, sources=_add_sources(frame, labels))
