"""COW state-system files and the Gleditsch & Ward list, checked against the raw files."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.data.states import (
    gw_state_years,
    load_cow_codes,
    load_gw_states,
    load_majors,
    load_states,
    load_system,
    major_power_years,
    read_cow_codes,
    read_gw_states,
    read_states,
    read_system,
    spell_years,
)
from ncrealism.errors import DataFileError


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_system_matches_publisher_file(source: DataSource, mirror: Path) -> None:
    raw = _csv(mirror / "cow-states/system2016.csv")
    df = load_system(source=source)
    # 15,951 state-years, 1816-2016 (COW State System Membership v2016; the MANIFEST row count).
    assert df.height == len(raw) == 15951
    assert set(zip(df["ccode"], df["year"], strict=True)) == {
        (int(r["ccode"]), int(r["year"])) for r in raw
    }
    assert df.columns == ["ccode", "stateabb", "year"]


def test_state_spells_reproduce_the_state_year_file(source: DataSource) -> None:
    """The any-point-of-the-year rule turns states2016 spells into system2016 exactly."""
    spells = load_states(source=source)
    years = spell_years(spells, "start_date", "end_date", ["ccode"])
    system = load_system(source=source)
    assert years.height == years.unique().height == system.height
    assert years.join(system, on=["ccode", "year"], how="anti").height == 0


def test_states_spell_dates(source: DataSource, mirror: Path) -> None:
    raw = _csv(mirror / "cow-states/states2016.csv")
    df = load_states(source=source)
    assert df.height == len(raw)
    prk = [r for r in raw if r["ccode"] == "731"]
    got = df.filter(pl.col("ccode") == 731).row(0, named=True)
    r = prk[0]
    assert got["start_date"] == dt.date(int(r["styear"]), int(r["stmonth"]), int(r["stday"]))
    assert got["end_date"] == dt.date(int(r["endyear"]), int(r["endmonth"]), int(r["endday"]))
    # States with several spells (Cuba, Haiti, ...) keep one row per spell.
    n_cuba = sum(1 for r in raw if r["ccode"] == "40")
    assert n_cuba > 1 and df.filter(pl.col("ccode") == 40).height == n_cuba


def test_major_power_years(source: DataSource, mirror: Path) -> None:
    raw = _csv(mirror / "cow-states/majors2016.csv")
    want = {
        (int(r["ccode"]), y) for r in raw for y in range(int(r["styear"]), int(r["endyear"]) + 1)
    }
    df = major_power_years(source=source)
    assert set(zip(df["ccode"], df["year"], strict=True)) == want
    assert df.height == len(want)
    assert load_majors(source=source).height == len(raw)
    usa = [r for r in raw if r["ccode"] == "2"]
    first_us = min(int(r["styear"]) for r in usa)
    assert df.filter(pl.col("ccode") == 2)["year"].min() == first_us


def test_cow_codes_deduplicated(source: DataSource, mirror: Path) -> None:
    text = (mirror / "cow-states/COW-country-codes.csv").read_bytes().decode("utf-8")
    assert "\r" in text and "\n" not in text  # old-Mac line endings, as documented
    lines = [ln.split(",") for ln in text.split("\r") if ln.strip()][1:]
    distinct = {(int(c), a, n) for a, c, n in lines}
    df = load_cow_codes(source=source)
    assert len(lines) > len(distinct)  # the publisher's file repeats states
    assert df.height == len(distinct) == df["ccode"].n_unique()
    assert set(df.iter_rows()) == distinct


def test_cow_codes_conflict_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "codes.csv"
    p.write_bytes(b"StateAbb,CCode,StateNme\rUSA,2,United States\rUSA,2,United States\rCAN,2,X\r")
    with pytest.raises(DataFileError) as err:
        read_cow_codes(p)
    assert err.value.row == 4 and err.value.field == "CCode"


def test_gw_states_match_raw_file(source: DataSource, mirror: Path) -> None:
    lines = (mirror / "gw-states/iisystem.dat").read_text(encoding="utf-8").splitlines()
    rows = [ln.split("\t") for ln in lines if ln.strip()]
    df = load_gw_states(source=source)
    assert df.height == len(rows)
    prk = next(r for r in rows if r[0] == "731")
    got = df.filter(pl.col("gwcode") == 731).row(0, named=True)
    assert got["start_date"] == dt.datetime.strptime(prk[3], "%d:%m:%Y").date()
    assert got["end_date"] == dt.datetime.strptime(prk[4], "%d:%m:%Y").date()
    # State-years: every year in which the state is independent at any point.
    want = set()
    for r in rows:
        start = dt.datetime.strptime(r[3], "%d:%m:%Y").date()
        end = dt.datetime.strptime(r[4], "%d:%m:%Y").date()
        want |= {(int(r[0]), y) for y in range(start.year, end.year + 1)}
    years = gw_state_years(source=source)
    assert years.height == len(want)
    assert set(zip(years["gwcode"], years["year"], strict=True)) == want


def test_gw_publisher_encoding_cp1252(tmp_path: Path) -> None:
    p = tmp_path / "iisystem.dat"
    text = "2\tUSA\tUnited States of America\t01:01:1816\t31:12:2017\r\n"
    text += "271\tWRT\tWürttemberg\t01:01:1816\t17:01:1871\r\n"
    p.write_bytes(text.encode("cp1252"))
    df = read_gw_states(p)
    assert df["name"].to_list() == ["United States of America", "Württemberg"]
    assert df["end_date"][1] == dt.date(1871, 1, 17)


def test_gw_bad_date_names_row_and_field(tmp_path: Path) -> None:
    p = tmp_path / "iisystem.dat"
    p.write_text("2\tUSA\tUSA\t01:01:1816\t31:12:2017\n20\tCAN\tCanada\t1867-07-01\t31:12:2017\n")
    with pytest.raises(DataFileError) as err:
        read_gw_states(p)
    assert err.value.row == 2 and err.value.field == "start"
    p.write_text("2\tUSA\tUSA\t01:01:1816\n")
    with pytest.raises(DataFileError, match="expected 5"):
        read_gw_states(p)


def test_impossible_date_and_reversed_spell(tmp_path: Path) -> None:
    head = "stateabb,ccode,statenme,styear,stmonth,stday,endyear,endmonth,endday,version\n"
    p = tmp_path / "states.csv"
    p.write_text(
        head + "USA,2,USA,1816,1,1,2016,12,31,2016\nCAN,20,Canada,1920,2,30,2016,12,31,2016\n"
    )
    with pytest.raises(DataFileError) as err:
        read_states(p)
    assert err.value.row == 3 and err.value.field == "styear/stmonth/stday"
    p.write_text(head + "CAN,20,Canada,1920,1,10,1919,12,31,2016\n")
    with pytest.raises(DataFileError) as err:
        read_states(p)
    assert err.value.row == 2 and err.value.field == "end_date"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_system_line_endings_and_bad_cells(tmp_path: Path, newline: str) -> None:
    lines = ["stateabb,ccode,year,version", "USA,2,1816,2016", "UKG,200,1816,2016"]
    p = tmp_path / "system.csv"
    p.write_bytes(newline.join(lines).encode())
    assert read_system(p).height == 2
    p.write_bytes(newline.join([*lines, "UKG,200,18x6,2016"]).encode())
    with pytest.raises(DataFileError) as err:
        read_system(p)
    assert err.value.row == 4 and err.value.field == "year"
    p.write_bytes(newline.join([*lines, "UKG,200,1816,2016"]).encode())
    with pytest.raises(DataFileError, match="duplicate key") as err:
        read_system(p)
    assert err.value.row == 4
