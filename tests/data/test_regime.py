"""Polity5 and V-Dem loaders against the raw files; the .xls path on a synthetic workbook."""

from __future__ import annotations

import csv
import struct
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncrealism.data.fetch import DataSource
from ncrealism.data.regime import (
    POLITY_SPECIAL,
    add_polity,
    add_vdem,
    load_polity,
    load_vdem,
    read_polity,
    read_vdem,
)
from ncrealism.errors import DataFileError

#: OWID V-Dem entities that are no COW state: aggregates, territories, German/Italian polities
#: that COW does not list, and Sardinia (OWID files it both as "Piedmont-Sardinia" and within
#: "Italy", which COW codes 325 from 1816).
VDEM_NON_STATES = {
    "Brunswick",
    "Duchy of Nassau",
    "Hamburg",
    "Hong Kong",
    "Oldenburg",
    "Palestine",
    "Palestine/Gaza",
    "Palestine/West Bank",
    "Piedmont-Sardinia",
    "Saxe-Weimar-Eisenach",
    "Somaliland",
    "Vatican",
}


@pytest.fixture(scope="module")
def vdem(source: DataSource) -> pl.DataFrame:
    return load_vdem(source=source)


def _raw_polity(mirror: Path) -> list[dict[str, str]]:
    with (mirror / "regime/p5v2018.csv").open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def polity(source: DataSource) -> pl.DataFrame:
    return load_polity(source=source)


def test_dprk_polity2_is_minus_ten(polity: pl.DataFrame, mirror: Path) -> None:
    raw = {int(r["year"]): int(r["polity2"]) for r in _raw_polity(mirror) if r["ccode"] == "731"}
    dprk = polity.filter(pl.col("ccode") == 731)
    assert dict(dprk.select("year", "polity2").iter_rows()) == raw
    # -10 (full autocracy) from 1994 to 2018; the file has -9 for 1985-1993.
    assert set(dprk.filter(pl.col("year") >= 1994)["polity2"].to_list()) == {-10}
    assert dprk["year"].max() == 2018


def test_special_codes_become_nulls(polity: pl.DataFrame, mirror: Path) -> None:
    raw = {(int(r["ccode"]), int(r["year"])): r for r in _raw_polity(mirror)}
    for c in ("polity", "democ", "autoc"):
        assert polity.filter(pl.col(c).is_in(list(POLITY_SPECIAL))).height == 0
    for r in polity.iter_rows(named=True):
        src = raw[(r["polity_ccode"], r["year"])]
        code = int(src["polity"])
        if code in POLITY_SPECIAL:
            assert r["polity"] is None and r["polity_special"] == POLITY_SPECIAL[code]
        else:
            assert r["polity"] == code and r["polity_special"] is None
        assert r["polity2"] == (int(src["polity2"]) if src["polity2"] else None)
    # Every raw row is kept, except non-COW units and the outgoing polity of transition years.
    dropped = len(raw) - polity.height
    non_cow = sum(1 for k in raw if k[0] in (89, 99, 564))
    # Outgoing polities: Sardinia 1861, Russia 1922, North Vietnam 1976, Yugoslavia 1991,
    # Ethiopia 1993, Serbia and Montenegro 2006, Sudan 2011.
    assert dropped - non_cow == 7
    assert polity.select(pl.struct("ccode", "year").is_duplicated().any()).item() is False


def test_polity_code_mapping(polity: pl.DataFrame) -> None:
    def unit(cc: int, year: int) -> int:
        return int(
            polity.filter((pl.col("ccode") == cc) & (pl.col("year") == year))["polity_ccode"].item()
        )

    assert unit(365, 1950) == 364  # USSR
    assert unit(365, 1922) == 364  # transition year: the polity that continues
    assert unit(345, 2010) == 342  # Serbia
    assert unit(345, 1995) == 347  # FRY
    assert unit(816, 1990) == 818
    assert unit(300, 1900) == 305  # Austria-Hungary


def _biff2(rows: list[list[object]]) -> bytes:
    """A minimal BIFF2 worksheet stream (readable by xlrd), written record by record."""

    def rec(rid: int, data: bytes) -> bytes:
        return struct.pack("<HH", rid, len(data)) + data

    out = rec(0x0009, struct.pack("<HH", 0x0002, 0x0010))  # BOF, worksheet
    out += rec(0x0042, struct.pack("<H", 1252))  # CODEPAGE
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if isinstance(v, str):
                b = v.encode("cp1252")
                out += rec(0x0004, struct.pack("<HH3sB", i, j, b"\0\0\0", len(b)) + b)
            else:
                out += rec(0x0003, struct.pack("<HH3sd", i, j, b"\0\0\0", float(v)))  # type: ignore[arg-type]
    return out + rec(0x000A, b"")


_HEAD = ["ccode", "scode", "country", "year", "democ", "autoc", "polity", "polity2", "durable"]
_ROWS: list[list[object]] = [
    [731, "PRK", "Korea North", 2018, 0, 10, -10, -10, 70],
    [700, "AFG", "Afghanistan", 2001, -77, -77, -77, 0, ""],
    [640, "TUR", "Turkey", 1980, -88, -88, -88, -2, 0],
]


def test_publisher_xls_and_csv_agree(tmp_path: Path) -> None:
    xls = tmp_path / "p5v2018.xls"
    xls.write_bytes(_biff2([_HEAD, *_ROWS]))
    csv_path = tmp_path / "p5v2018.csv"
    lines = [",".join(_HEAD)] + [",".join(str(v) for v in r) for r in _ROWS]
    csv_path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    a, b = read_polity(xls), read_polity(csv_path)
    assert a.equals(b)
    assert a["polity_special"].to_list() == [None, "interregnum", "transition"]
    assert a["polity"].to_list() == [-10, None, None]
    assert a["polity2"].to_list() == [-10, 0, -2]
    assert a["durable"].to_list() == [70, None, 0]


def test_malformed_polity(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    rows = [*_ROWS, [2, "USA", "United States", 2018, 10, 0, 11, 10, 200]]
    p.write_text("\n".join([",".join(_HEAD)] + [",".join(map(str, r)) for r in rows]))
    with pytest.raises(DataFileError) as err:
        read_polity(p)
    assert err.value.row == 5 and err.value.field == "polity" and "p.csv" in str(err.value)
    x = tmp_path / "bad.xls"
    x.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(DataFileError, match=r"not a readable \.xls"):
        read_polity(x)


def test_vdem_matches_file(source: DataSource, mirror: Path) -> None:
    path = mirror / "regime/vdem_electoral-democracy-index_owid.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    full = load_vdem(source=source, keep_unmatched=True)
    assert full.height == len(raw)
    miss = set(full.filter(pl.col("ccode").is_null())["entity"].to_list())
    aggregates = {e for e in miss if "(" in e or e in {"World", "Africa", "Asia", "Europe"}}
    regions = {"North America", "South America", "Oceania"}
    assert miss - aggregates - regions == VDEM_NON_STATES
    vdem = load_vdem(source=source)
    dprk = {
        int(r["Year"]): float(r["Electoral Democracy Index"]) for r in raw if r["Code"] == "PRK"
    }
    assert (
        dict(vdem.filter(pl.col("ccode") == 731).select("year", "v2x_polyarchy").iter_rows())
        == dprk
    )
    frg = vdem.filter((pl.col("ccode") == 260) & (pl.col("year") == 1970))
    assert frg["entity"].to_list() == ["West Germany"]


def test_vdem_bad_value(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_text("Entity,Code,Year,Electoral Democracy Index\nNorth Korea,PRK,2000,1.7\n")
    with pytest.raises(DataFileError) as err:
        read_vdem(p)
    assert err.value.row == 2 and err.value.field == "Electoral Democracy Index"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([2, 365, 731, 260, 4]), st.integers(1800, 2025))))
def test_add_regime_keeps_rows(
    source: DataSource, polity: pl.DataFrame, vdem: pl.DataFrame, keys: list[tuple[int, int]]
) -> None:
    frame = pl.DataFrame(
        {"ccode": [k[0] for k in keys], "year": [k[1] for k in keys]},
        schema={"ccode": pl.Int64, "year": pl.Int64},
    )
    out = add_polity(frame, source=source, table=polity)
    out = add_vdem(out, source=source, table=vdem)
    assert out.height == frame.height
    assert out.select("ccode", "year").equals(frame)


def test_add_polity_on_a_unit_frame(source: DataSource, polity: pl.DataFrame) -> None:
    from ncrealism.data import frames

    data = pl.DataFrame({"ccode": [731, 2], "year": [2000, 2000]})
    uf = frames.UnitFrame(data=data, unit="state-year", system="cow")
    out = add_polity(uf, source=source, table=polity)
    assert isinstance(out, frames.UnitFrame) and out.height == 2
    assert out.sources[-1].startswith("polity5")
    want = dict(((a, b), v) for a, b, v in polity.select("ccode", "year", "polity2").iter_rows())
    assert out.data["polity2"].to_list() == [want[(731, 2000)], want[(2, 2000)]]
