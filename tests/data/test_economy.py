"""World Bank and Maddison loaders against the raw files, and the WB publisher format."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncrealism.data.economy import (
    add_gdp,
    add_maddison,
    add_population,
    load_maddison,
    load_wb_gdp,
    load_wb_population,
    read_maddison,
    read_wb,
)
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError


def _raw_wb(mirror: Path, name: str) -> list[dict[str, str]]:
    with (mirror / "economy" / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def maddison(source: DataSource) -> pl.DataFrame:
    return load_maddison(source=source)


@pytest.fixture(scope="module")
def wb(source: DataSource) -> tuple[pl.DataFrame, pl.DataFrame]:
    return load_wb_gdp(source=source), load_wb_population(source=source)


@pytest.fixture(scope="module")
def raw_maddison(mirror: Path) -> list[tuple[object, ...]]:
    wb = openpyxl.load_workbook(mirror / "economy/mpd2020.xlsx", read_only=True, data_only=True)
    rows = list(wb["Full data"].iter_rows(values_only=True))
    wb.close()
    return rows


def test_wb_has_no_dprk_gdp_but_has_population(source: DataSource, mirror: Path) -> None:
    gdp_raw = _raw_wb(mirror, "wb_gdp_current_usd.csv")
    assert not any(r["Country Code"] == "PRK" for r in gdp_raw)
    gdp = load_wb_gdp(source=source)
    assert gdp.filter(pl.col("ccode") == 731).height == 0
    pop_raw = {
        int(r["Year"]): float(r["Value"])
        for r in _raw_wb(mirror, "wb_population.csv")
        if r["Country Code"] == "PRK"
    }
    pop = load_wb_population(source=source).filter(pl.col("ccode") == 731)
    assert dict(pop.select("year", "population").iter_rows()) == pop_raw
    usa = {int(r["Year"]): float(r["Value"]) for r in gdp_raw if r["Country Code"] == "USA"}
    assert (
        dict(gdp.filter(pl.col("ccode") == 2).select("year", "gdp_current_usd").iter_rows()) == usa
    )


def test_wb_drops_aggregates_and_backcasts(source: DataSource, mirror: Path) -> None:
    raw = _raw_wb(mirror, "wb_population.csv")
    full = load_wb_population(source=source, keep_unmatched=True)
    assert full.height == len(raw)
    miss = full.filter(pl.col("ccode").is_null())
    assert {"WLD", "EUU", "HKG", "PRI"} <= set(miss["iso3"].to_list())
    # RUS denotes the Russian Federation: its backcast 1960-1991 is not the USSR.
    rus = miss.filter(pl.col("iso3") == "RUS")["year"]
    assert (rus.min(), rus.max()) == (1960, 1991)
    kept = load_wb_population(source=source)
    deu = kept.filter((pl.col("iso3") == "DEU") & (pl.col("year") == 1970)).row(0, named=True)
    assert deu["ccode"] == 260 and deu["territory_backcast"] is True
    assert kept.filter(pl.col("territory_backcast"))["iso3"].unique().sort().to_list() == [
        "DEU",
        "VNM",
        "YEM",
    ]


_WIDE = (
    '"Data Source","World Development Indicators",\r\n'
    "\r\n"
    '"Last Updated Date","2026-03-01",\r\n'
    "\r\n"
    '"Country Name","Country Code","Indicator Name","Indicator Code","1960","1961","1962",\r\n'
    '"Korea, Dem. People\'s Rep.","PRK","Population, total","SP.POP.TOTL",'
    '"11424179","11665595","",\r\n'
    '"World","WLD","Population, total","SP.POP.TOTL","3031474234","3072421801","3126849612",\r\n'
)
_LONG = (
    "Country Name,Country Code,Year,Value\r\n"
    '"Korea, Dem. People\'s Rep.",PRK,1960,11424179\r\n'
    '"Korea, Dem. People\'s Rep.",PRK,1961,11665595\r\n'
    "World,WLD,1960,3031474234\r\nWorld,WLD,1961,3072421801\r\nWorld,WLD,1962,3126849612\r\n"
)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "utf-16"])
def test_wb_publisher_wide_format(tmp_path: Path, encoding: str) -> None:
    wide = tmp_path / "API_SP.POP.TOTL_DS2_en_csv_v2.csv"
    wide.write_bytes(_WIDE.encode(encoding))
    long = tmp_path / "long.csv"
    long.write_bytes(_LONG.encode(encoding))
    w = read_wb(wide)
    assert w.height == 6  # every country-year cell, blanks as nulls
    assert w.filter(pl.col("value").is_null()).select("iso3", "year").row(0) == ("PRK", 1962)
    same = w.drop_nulls("value").sort("iso3", "year")
    assert same.equals(read_wb(long).sort("iso3", "year"))


def test_wb_malformed(tmp_path: Path) -> None:
    p = tmp_path / "w.csv"
    p.write_text(_WIDE.replace('"11665595"', '"1.2.3"'), encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        read_wb(p)
    assert err.value.row == 6 and err.value.field == "1961" and "w.csv" in str(err.value)
    q = tmp_path / "l.csv"
    q.write_text(_LONG.replace("PRK,1961,11665595", "PRK,1961"), encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        read_wb(q)
    assert err.value.row == 3
    r = tmp_path / "x.csv"
    r.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="Country Name"):
        read_wb(r)


def test_maddison_dprk_rows(maddison: pl.DataFrame, raw_maddison: list[tuple[object, ...]]) -> None:
    raw = {r[2]: r for r in raw_maddison[1:] if r[0] == "PRK"}
    dprk = maddison.filter(pl.col("ccode") == 731)
    assert dprk.height == len(raw)
    assert (dprk["year"].min(), dprk["year"].max()) == (1820, 2018)
    for r in dprk.iter_rows(named=True):
        src = raw[r["year"]]
        assert r["gdppc"] == (None if src[3] is None else float(src[3]))  # type: ignore[arg-type]
        assert r["pop"] == (None if src[4] is None else float(src[4]) * 1000)  # type: ignore[arg-type]
        if r["gdppc"] is not None and r["pop"] is not None:
            assert r["gdp"] == pytest.approx(r["gdppc"] * r["pop"])


def test_maddison_successor_aggregates_dropped(
    source: DataSource, maddison: pl.DataFrame, raw_maddison: list[tuple[object, ...]]
) -> None:
    full = load_maddison(source=source, keep_unmatched=True)
    assert full.height == len(raw_maddison) - 1
    miss = full.filter(pl.col("ccode").is_null())
    sun = miss.filter(pl.col("iso3") == "SUN")["year"]
    assert sun.min() == 1992  # "Former USSR" after the break-up sums the successors
    kept = maddison
    assert kept.filter((pl.col("ccode") == 365) & (pl.col("year") == 1980))["iso3"].to_list() == [
        "SUN"
    ]
    assert kept.filter((pl.col("ccode") == 365) & (pl.col("year") == 2000))["iso3"].to_list() == [
        "RUS"
    ]


def test_maddison_malformed(tmp_path: Path) -> None:
    p = tmp_path / "m.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Full data"
    ws.append(["countrycode", "country", "year", "gdppc", "pop"])
    ws.append(["PRK", "D.P.R. of Korea", 2000, 1000.5, 22000])
    ws.append(["PRK", "D.P.R. of Korea", 2001, "n.a.", 22100])
    wb.save(p)
    with pytest.raises(DataFileError) as err:
        read_maddison(p)
    assert err.value.row == 3 and err.value.field == "gdppc"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([2, 260, 365, 731, 5]), st.integers(1815, 2025))))
def test_add_economy_keeps_rows(
    source: DataSource,
    maddison: pl.DataFrame,
    wb: tuple[pl.DataFrame, pl.DataFrame],
    keys: list[tuple[int, int]],
) -> None:
    frame = pl.DataFrame(
        {"ccode": [k[0] for k in keys], "year": [k[1] for k in keys]},
        schema={"ccode": pl.Int64, "year": pl.Int64},
    )
    out = add_maddison(frame, source=source, table=maddison)
    out = add_gdp(out, source=source, table=wb[0])
    out = add_population(out, source=source, table=wb[1])
    assert out.height == frame.height
    assert out.select("ccode", "year").equals(frame)
