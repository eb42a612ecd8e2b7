"""COW Formal Alliances v4.1: the dyad-year expansion against the publisher's member-year file.

Acceptance test. Dyad-years are derived independently from the member-year file (two states
are allied in an alliance-year when both are members of that alliance in that year) and
compared with the expansion of the dyad spell file.

Findings (v4.1), asserted below:

* Against the member-year file *as published*, 98.9 % of alliance-dyad-years agree. Every
  discrepancy involves a state with two membership spells in the same alliance (alliances 3,
  160, 199, 230, 234 and 304): the publisher's ``year`` column does not restart at such a
  second spell's start year but continues from the end of the first spell, so the pairs of that
  spell fall in the wrong years (e.g. Czechoslovakia and the USSR, alliance 160, are paired in
  1940-1944 instead of 1985-1989). The test checks this explanation for every discrepant row.
* With each spell's years renumbered from its start year (what
  :func:`read_alliance_member_years` does), agreement is exact, for the alliance-dyad-years and
  for the four obligation flags (the dyad flag is the larger of the two members' flags).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import NamedTuple

import polars as pl
import pytest

from ncrealism.data.alliances import (
    ALLIANCE_FLAGS,
    ALLIANCE_LAST_YEAR,
    alliance_dyad_years,
    expand_alliance_dyads,
    load_alliance_dyads,
    load_alliance_member_years,
    read_alliance_dyads,
    read_alliance_member_years,
)
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError

MEMBER_FILE = "cow-alliance/alliance_v4.1_by_member_yearly.csv"
DYAD_FILE = "cow-alliance/alliance_v4.1_by_dyad.csv"
RAW_FLAGS = ("defense", "neutrality", "nonaggression", "entente")

Key = tuple[int, int, int, int]  # alliance, ccode1, ccode2, year


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


Flags = tuple[int | None, ...]  # defense, neutrality, nonaggression, entente


class MemberYear(NamedTuple):
    aid: int
    ccode: int
    year: int
    shifted: bool  # the published year differs from the spell-renumbered year
    flags: Flags


def _member_years(rows: list[dict[str, str]], corrected: bool) -> list[MemberYear]:
    """Member-year records, with the published year or renumbered within each spell."""
    spells: dict[tuple[str, ...], list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        key = (r["version4id"], r["ccode"], r["mem_st_year"], r["mem_st_month"], r["mem_st_day"])
        spells[key].append(r)
    out: list[MemberYear] = []
    for spell in spells.values():
        spell.sort(key=lambda r: int(r["year"]))
        for k, r in enumerate(spell):
            renumbered = int(r["mem_st_year"]) + k
            out.append(
                MemberYear(
                    aid=int(r["version4id"]),
                    ccode=int(r["ccode"]),
                    year=renumbered if corrected else int(r["year"]),
                    shifted=renumbered != int(r["year"]),
                    flags=tuple(int(r[f]) if r[f] != "" else None for f in RAW_FLAGS),
                )
            )
    return out


def _max(x: int | None, y: int | None) -> int | None:
    vals = [v for v in (x, y) if v is not None]
    return max(vals) if vals else None


def _max_flags(a: Flags, b: Flags) -> Flags:
    return tuple(_max(x, y) for x, y in zip(a, b, strict=True))


def _pairs(members: list[MemberYear]) -> dict[Key, Flags]:
    """Alliance-dyad-years: both states members of the alliance that year; flags = max."""
    by_year: dict[tuple[int, int], dict[int, Flags]] = defaultdict(dict)
    for m in members:
        slot = by_year[(m.aid, m.year)]
        # Two spells of one member meeting within a year: keep the larger flags.
        slot[m.ccode] = _max_flags(slot[m.ccode], m.flags) if m.ccode in slot else m.flags
    out: dict[Key, Flags] = {}
    for (aid, year), states in by_year.items():
        for a, b in combinations(sorted(states), 2):
            out[(aid, a, b, year)] = _max_flags(states[a], states[b])
    return out


@pytest.fixture(scope="module")
def member_rows(mirror: Path) -> list[dict[str, str]]:
    return _rows(mirror / MEMBER_FILE)


@pytest.fixture(scope="module")
def by_alliance(source: DataSource) -> pl.DataFrame:
    return alliance_dyad_years(by_alliance=True, source=source)


def test_dyad_years_agree_with_published_member_years(
    member_rows: list[dict[str, str]], by_alliance: pl.DataFrame
) -> None:
    published = _member_years(member_rows, corrected=False)
    pairs = set(_pairs(published))
    dyads = set(by_alliance.select("version4id", "ccode1", "ccode2", "year").iter_rows())
    only_dyad = dyads - pairs
    only_member = pairs - dyads
    share = len(dyads & pairs) / len(dyads | pairs)
    assert share > 0.985, (share, len(only_dyad), len(only_member))
    assert share < 1.0  # the published file does have the defect explained above

    # Every discrepancy is explained by the year counter of a second membership spell.
    shifted_published = {(m.aid, m.ccode, m.year) for m in published if m.shifted}
    corrected = _member_years(member_rows, corrected=True)
    shifted_corrected = {(m.aid, m.ccode, m.year) for m in corrected if m.shifted}
    for aid, a, b, y in only_member:  # pair placed in a year by a shifted published year
        assert (aid, a, y) in shifted_published or (aid, b, y) in shifted_published
    for aid, a, b, y in only_dyad:  # pair missing because its true year was shifted away
        assert (aid, a, y) in shifted_corrected or (aid, b, y) in shifted_corrected
    # The alliances involved are exactly those where a state has two membership spells.
    two_spells = _alliances_with_two_spells(member_rows)
    assert {k[0] for k in only_dyad | only_member} == two_spells


def _alliances_with_two_spells(rows: list[dict[str, str]]) -> set[int]:
    spells: dict[tuple[str, str], set[tuple[str, str, str]]] = defaultdict(set)
    for r in rows:
        spells[(r["version4id"], r["ccode"])].add(
            (r["mem_st_year"], r["mem_st_month"], r["mem_st_day"])
        )
    return {int(aid) for (aid, _), s in spells.items() if len(s) > 1}


def test_dyad_years_agree_exactly_with_corrected_member_years(
    member_rows: list[dict[str, str]], by_alliance: pl.DataFrame, source: DataSource
) -> None:
    pairs = _pairs(_member_years(member_rows, corrected=True))
    got = set(by_alliance.select("version4id", "ccode1", "ccode2", "year").iter_rows())
    assert got == set(pairs)
    # Flags: aggregated per dyad-year over alliances, the dyad file's flags equal the larger of
    # the two members' obligations in the member-year file.
    want_flags: dict[tuple[int, int, int], Flags] = {}
    want_n: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    for (aid, a, b, y), flags in pairs.items():
        k = (a, b, y)
        want_flags[k] = _max_flags(want_flags[k], flags) if k in want_flags else flags
        want_n[k].add(aid)
    nd = alliance_dyad_years(source=source)
    assert nd.height == len(want_flags)
    mismatches = [
        row
        for row in nd.select("ccode1", "ccode2", "year", *ALLIANCE_FLAGS, "n_alliances").iter_rows()
        if row[3:7] != want_flags[row[:3]] or row[7] != len(want_n[row[:3]])
    ]
    assert mismatches == []


def test_member_year_loader_renumbers_only_second_spells(
    source: DataSource, member_rows: list[dict[str, str]]
) -> None:
    df = load_alliance_member_years(source=source)
    assert df.height == len(member_rows)
    changed = df.filter(pl.col("year") != pl.col("year_published"))
    expected_changed = sum(1 for m in _member_years(member_rows, True) if m.shifted)
    assert changed.height == expected_changed > 0
    assert set(changed["version4id"].unique()) <= _alliances_with_two_spells(member_rows)
    assert df.filter(
        (pl.col("year") < pl.col("mem_st_year")) | (pl.col("year") > pl.col("mem_end_year"))
    ).is_empty()
    # Evidence that the published years are wrong: Czechoslovakia (315) is given years of
    # alliance 160 in which it was not a member of the COW state system.
    system = pl.read_csv(source.path("cow_system")).select("ccode", "year")
    published_outside = changed.select("ccode", pl.col("year_published").alias("year")).join(
        system, on=["ccode", "year"], how="anti"
    )
    assert 315 in published_outside["ccode"].to_list()


def test_right_censoring_year_matches_member_file(member_rows: list[dict[str, str]]) -> None:
    assert max(int(r["year"]) for r in member_rows) == ALLIANCE_LAST_YEAR


def test_korea_dyads_from_the_dyad_file(source: DataSource, mirror: Path) -> None:
    raw = _rows(mirror / DYAD_FILE)
    nd = alliance_dyad_years(source=source)

    def raw_in_force(a: int, b: int, year: int) -> list[dict[str, str]]:
        lo, hi = min(a, b), max(a, b)
        return [
            r
            for r in raw
            if int(r["ccode1"]) == lo
            and int(r["ccode2"]) == hi
            and int(r["dyad_st_year"]) <= year <= int(r["dyad_end_year"] or ALLIANCE_LAST_YEAR)
        ]

    def got(a: int, b: int, year: int) -> dict[str, object]:
        lo, hi = min(a, b), max(a, b)
        hit = nd.filter(
            (pl.col("ccode1") == lo) & (pl.col("ccode2") == hi) & (pl.col("year") == year)
        )
        return hit.row(0, named=True) if hit.height else {}

    for a, b, year in [(2, 732, 1990), (710, 731, 1990), (731, 732, 1992), (365, 731, 1990)]:
        spells = raw_in_force(a, b, year)
        assert spells, (a, b, year)
        row = got(a, b, year)
        assert row["n_alliances"] == len({r["version4id"] for r in spells})
        assert row["defense_pact"] == max(int(r["defense"]) for r in spells)
        assert row["nonaggression"] == max(int(r["nonaggression"]) for r in spells)
    # The US-ROK mutual defence treaty (1953) is a defence pact in force in 1990.
    assert got(2, 732, 1990)["defense_pact"] == 1
    # No DPRK-ROK alliance before the 1991 agreement (the spell's start year).
    start = min(int(r["dyad_st_year"]) for r in raw if (r["ccode1"], r["ccode2"]) == ("731", "732"))
    assert got(731, 732, start - 1) == {} and got(731, 732, start) != {}


def test_directed_is_both_directions(source: DataSource) -> None:
    nd = alliance_dyad_years(source=source)
    d = alliance_dyad_years(True, source=source)
    assert d.height == 2 * nd.height
    flipped = d.filter(pl.col("ccode1") > pl.col("ccode2")).with_columns(
        ccode1=pl.col("ccode2"), ccode2=pl.col("ccode1")
    )
    cols = ["ccode1", "ccode2", "year", *ALLIANCE_FLAGS, "n_alliances"]
    assert flipped.select(cols).sort("ccode1", "ccode2", "year").equals(nd.select(cols))


def test_blank_flag_stays_null(source: DataSource, mirror: Path) -> None:
    raw = _rows(mirror / DYAD_FILE)
    blank = [r for r in raw if r["entente"] == ""]
    assert blank
    r = blank[0]
    spells = load_alliance_dyads(source=source)
    assert spells["entente"].null_count() == len(blank)
    nd = alliance_dyad_years(source=source)
    hit = nd.filter(
        (pl.col("ccode1") == int(r["ccode1"]))
        & (pl.col("ccode2") == int(r["ccode2"]))
        & (pl.col("year") == int(r["dyad_st_year"]))
    )
    assert hit["entente"].to_list() == [None]


DYAD_HEAD = (
    "version4id,ccode1,state_name1,ccode2,state_name2,dyad_st_day,dyad_st_month,dyad_st_year,"
    "dyad_end_day,dyad_end_month,dyad_end_year,left_censor,right_censor,defense,neutrality,"
    "nonaggression,entente,asymmetric,version\n"
)


def test_expansion_rules_on_a_small_file(tmp_path: Path) -> None:
    p = tmp_path / "dyad.csv"
    p.write_text(
        DYAD_HEAD
        + '1,20,"B",2,"A",1,6,2010,,,,0,1,1,0,1,1,0,4.1\n'  # reversed codes; ongoing
        + '2,2,"A",20,"B",5,5,2011,4,5,2011,0,0,0,1,0,0,0,4.1\n'  # ends the day before it starts
    )
    spells = read_alliance_dyads(p)
    assert spells.select("ccode1", "ccode2").row(0) == (2, 20)
    nd = expand_alliance_dyads(spells)
    assert nd["year"].to_list() == [2010, 2011, 2012]
    assert nd["n_alliances"].to_list() == [1, 2, 1]
    assert nd["neutrality"].to_list() == [0, 1, 0]
    assert nd["defense_pact"].to_list() == [1, 1, 1]
    d = expand_alliance_dyads(spells, directed=True)
    assert d.height == 6


def test_malformed_dyad_file(tmp_path: Path) -> None:
    p = tmp_path / "dyad.csv"
    p.write_text(DYAD_HEAD + '1,2,"A",20,"B",1,6,2010,,,,0,1,2,0,1,1,0,4.1\n')
    with pytest.raises(DataFileError) as err:
        read_alliance_dyads(p)
    assert err.value.row == 2 and err.value.field == "defense"
    p.write_text(DYAD_HEAD + '1,2,"A",20,"B",1,6,2010,1,1,2009,0,0,1,0,1,1,0,4.1\n')
    with pytest.raises(DataFileError) as err:
        read_alliance_dyads(p)
    assert err.value.field == "dyad_end_year"
    p.write_text(DYAD_HEAD + '1,2,"A",2,"A",1,6,2010,,,,0,1,1,0,1,1,0,4.1\n')
    with pytest.raises(DataFileError, match="itself"):
        read_alliance_dyads(p)


MEMBER_HEAD = (
    "version4id,ccode,state_name,all_st_day,all_st_month,all_st_year,all_end_day,all_end_month,"
    "all_end_year,ss_type,mem_st_day,mem_st_month,mem_st_year,mem_end_day,mem_end_month,"
    "mem_end_year,left_censor,right_censor,defense,neutrality,nonaggression,entente,year,version\n"
)


def _member_line(mst: int, mend: int, year: int) -> str:
    return (
        f'7,2,"A",1,1,2000,,,,"Type I: Defense Pact",1,1,{mst},1,1,{mend},0,0,1,0,1,1,{year},4.1\n'
    )


def test_member_file_spell_checks(tmp_path: Path) -> None:
    p = tmp_path / "members.csv"
    # A second spell (2005-2006) numbered on from the first (2000-2001): renumbered.
    p.write_text(
        MEMBER_HEAD
        + _member_line(2000, 2001, 2000)
        + _member_line(2000, 2001, 2001)
        + _member_line(2005, 2006, 2002)
        + _member_line(2005, 2006, 2003)
    )
    df = read_alliance_member_years(p)
    assert df["year"].to_list() == [2000, 2001, 2005, 2006]
    assert df["year_published"].to_list() == [2000, 2001, 2002, 2003]
    # A spell with a missing year is malformed; the error names its first row.
    p.write_text(MEMBER_HEAD + _member_line(2000, 2002, 2000) + _member_line(2000, 2002, 2001))
    with pytest.raises(DataFileError) as err:
        read_alliance_member_years(p)
    assert err.value.row == 2 and err.value.field == "year"
