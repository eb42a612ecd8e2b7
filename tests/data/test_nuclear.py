"""Nuclear status, tests and stockpiles against the OWID files."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncrealism.data.fetch import DataSource
from ncrealism.data.nuclear import (
    SUSPECT_TESTS,
    add_nuclear,
    load_nuclear_status,
    load_nuclear_stockpiles,
    load_nuclear_tests,
    read_nuclear_status,
)
from ncrealism.errors import DataFileError

#: Names in the OWID files that denote no COW state (breakaway regions, Tibet, the world).
NON_STATES = {"Abkhazia", "South Ossetia", "Tibet", "World"}


def _raw(mirror: Path, name: str) -> list[dict[str, str]]:
    with (mirror / "nuclear" / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def tables(source: DataSource) -> dict[str, pl.DataFrame]:
    return {
        "status": load_nuclear_status(source=source),
        "tests": load_nuclear_tests(source=source),
        "stockpiles": load_nuclear_stockpiles(source=source),
    }


def test_dprk_status_matches_file(tables: dict[str, pl.DataFrame], mirror: Path) -> None:
    raw = {
        int(r["year"]): int(r["nuclear_weapons_status"])
        for r in _raw(mirror, "nuclear_weapons_proliferation_owid.csv")
        if r["country_name"] == "North Korea"
    }
    got = dict(
        tables["status"].filter(pl.col("ccode") == 731).select("year", "nuclear_status").iter_rows()
    )
    assert got == raw
    # The coding the MANIFEST documents: pursuing (2) through 2005, possessing (3) from 2006.
    assert {got[y] for y in range(1990, 2006)} == {2}
    assert {got[y] for y in range(2006, max(got) + 1)} == {3}
    dprk = tables["status"].filter(pl.col("ccode") == 731)
    assert (dprk["nuclear_possession"] == (dprk["nuclear_status"] == 3).cast(pl.Int64)).all()


def test_only_non_states_are_dropped(source: DataSource, mirror: Path) -> None:
    for loader, name in [
        (load_nuclear_status, "nuclear_weapons_proliferation_owid.csv"),
        (load_nuclear_tests, "nuclear_weapons_tests_states.csv"),
        (load_nuclear_stockpiles, "nuclear_weapons_stockpiles.csv"),
    ]:
        raw = _raw(mirror, name)
        full = loader(source=source, keep_unmatched=True)
        assert full.height == len(raw)
        unmatched = set(full.filter(pl.col("ccode").is_null())["country"].to_list())
        assert unmatched <= NON_STATES, unmatched
        kept = loader(source=source)
        assert kept.height == len(raw) - sum(r["country_name"] in unmatched for r in raw)
        assert kept.select(pl.struct("ccode", "year").is_duplicated().any()).item() is False


def test_fas_two_space_name_and_values(tables: dict[str, pl.DataFrame], mirror: Path) -> None:
    raw = {
        int(r["year"]): int(r["nuclear_weapons_stockpile"])
        for r in _raw(mirror, "nuclear_weapons_stockpiles.csv")
        if r["country_name"] == "North  Korea"
    }
    assert raw  # the FAS file spells it with two spaces
    got = dict(
        tables["stockpiles"].filter(pl.col("ccode") == 731).select("year", "warheads").iter_rows()
    )
    assert got == raw


def test_dprk_tests_and_the_2010_flag(
    tables: dict[str, pl.DataFrame], source: DataSource, mirror: Path, history_dir: Path
) -> None:
    raw = {
        int(r["year"]): int(r["nuclear_weapons_tests"])
        for r in _raw(mirror, "nuclear_weapons_tests_states.csv")
        if r["country_name"] == "North Korea"
    }
    t = tables["tests"].filter(pl.col("ccode") == 731)
    assert dict(t.select("year", "nuclear_tests").iter_rows()) == raw
    flagged = t.filter(pl.col("suspect"))
    assert [(731, y) for y in flagged["year"].to_list()] == list(SUSPECT_TESTS)
    # Without the flagged year the count is the seismic record: six tests (2006, 2009, 2013,
    # 2016 x2, 2017; CTBTO Preparatory Commission).
    dropped = load_nuclear_tests(source=source, drop_suspect=True).filter(pl.col("ccode") == 731)
    assert dropped["nuclear_tests"].sum() == sum(raw.values()) - raw[2010] == 6
    assert dropped.filter(pl.col("year") == 2010)["nuclear_tests"].to_list() == [None]
    # 1990-2009 agree with the coded DPRK record.
    with (history_dir / "dprk_yearly_1990_2009.csv").open(newline="") as fh:
        hist = {int(r["year"]): int(r["nuclear_tests"]) for r in csv.DictReader(fh)}
    assert {y: raw[y] for y in hist} == hist


def test_add_nuclear_fills_zero_only_inside_coverage(
    tables: dict[str, pl.DataFrame], source: DataSource
) -> None:
    frame = pl.DataFrame({"ccode": [731, 731, 2, 255, 20], "year": [2017, 2023, 2019, 1930, 1990]})
    out = add_nuclear(frame, source=source, **tables)
    assert out.height == frame.height
    r = {
        (a, b): row
        for (a, b), row in zip(frame.iter_rows(), out.iter_rows(named=True), strict=True)
    }
    assert r[(731, 2017)]["nuclear_tests"] == 1 and r[(731, 2017)]["nuclear_status"] == 3
    assert r[(731, 2023)]["nuclear_tests"] is None  # tests file ends in 2019
    assert r[(731, 2023)]["nuclear_warheads"] == 30
    assert r[(20, 1990)]["nuclear_tests"] == 0 and r[(20, 1990)]["nuclear_warheads"] == 0
    assert r[(255, 1930)]["nuclear_status"] is None and r[(255, 1930)]["nuclear_tests"] is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([2, 365, 731, 732, 999]), st.integers(1930, 2025))))
def test_add_nuclear_keeps_rows(
    source: DataSource, tables: dict[str, pl.DataFrame], keys: list[tuple[int, int]]
) -> None:
    frame = pl.DataFrame(
        {"ccode": [k[0] for k in keys], "year": [k[1] for k in keys]},
        schema={"ccode": pl.Int64, "year": pl.Int64},
    )
    out = add_nuclear(frame, source=source, **tables)
    assert out.height == frame.height
    assert out.select("ccode", "year").equals(frame)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("North Korea,2000,5,0,0,0", "nuclear_weapons_status"),
        ("North Korea,2000,2,0,0,1", "nuclear_weapons_pursuit"),
        ("North Korea,2000,x,0,1,0", "nuclear_weapons_status"),
    ],
)
def test_malformed_status_file(tmp_path: Path, line: str, field: str) -> None:
    p = tmp_path / "status.csv"
    head = "country_name,year,nuclear_weapons_status,nuclear_weapons_consideration,"
    head += "nuclear_weapons_pursuit,nuclear_weapons_possession"
    p.write_text(f"{head}\r\nChina,2000,3,0,0,1\r\n{line}\r\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        read_nuclear_status(p)
    assert err.value.row == 3 and err.value.field == field and "status.csv" in str(err.value)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_status_encodings(tmp_path: Path, encoding: str) -> None:
    p = tmp_path / "s.csv"
    text = (
        "country_name,year,nuclear_weapons_status,nuclear_weapons_consideration,"
        "nuclear_weapons_pursuit,nuclear_weapons_possession\r\nNorth  Korea,2006,3,0,0,1\r\n"
    )
    p.write_bytes(text.encode(encoding))
    df = read_nuclear_status(p)
    assert df.row(0) == ("North  Korea", 2006, 3, 0, 0, 1)


def test_dropped_rows_are_logged(
    source: DataSource, mirror: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = [
        int(r["year"])
        for r in _raw(mirror, "nuclear_weapons_stockpiles.csv")
        if r["country_name"] == "World"
    ]
    with caplog.at_level("INFO", logger="ncrealism.data.codes"):
        load_nuclear_stockpiles(source=source)
    want = f"World ({len(world)} rows, {min(world)}-{max(world)})"
    assert any(want in m for m in caplog.messages), caplog.messages
