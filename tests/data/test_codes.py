"""The country-code crosswalk against the files it is derived from."""

from __future__ import annotations

import csv
import dataclasses
import itertools
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncrealism.data import codes
from ncrealism.data.codes import (
    NAME_ALIASES,
    STATE_SPELLS,
    attach_ccode,
    cow_name,
    cow_to_gw,
    cow_to_iso3,
    crosswalk,
    gw_to_cow,
    iso3_to_cow,
    join_state_year,
    name_key,
    name_to_cow,
)
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError, InputError


def _cow_rows(mirror: Path) -> list[dict[str, str]]:
    text = (mirror / "cow-states/COW-country-codes.csv").read_bytes().decode("utf-8")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return list(csv.DictReader([ln for ln in lines if ln.strip()]))


def _last_year(mirror: Path) -> dict[int, int]:
    with (mirror / "cow-states/states2016.csv").open(newline="", encoding="utf-8") as fh:
        out: dict[int, int] = {}
        for r in csv.DictReader(fh):
            out[int(r["ccode"])] = max(out.get(int(r["ccode"]), 0), int(r["endyear"]))
    return out


def test_every_cow_state_and_name_round_trips(source: DataSource, mirror: Path) -> None:
    cw = crosswalk(source)
    rows = _cow_rows(mirror)
    assert set(cw["ccode"].to_list()) == {int(r["CCode"]) for r in rows}
    last = _last_year(mirror)
    for r in rows:
        cc = int(r["CCode"])
        assert cow_name(cc, source=source) == r["StateNme"]
        # A COW name means its own state in the state's last year of membership.
        assert name_to_cow(r["StateNme"], last[cc], source=source) == cc, r


def test_iso3_comes_from_unga_pairs(source: DataSource, mirror: Path) -> None:
    overridden = {s.ccode for s in STATE_SPELLS}
    with (mirror / "unga/IdealpointestimatesAll_Jun2024.csv").open(encoding="utf-8") as fh:
        pairs = {
            (int(r["ccode"]), r["iso3c"], 1945 + int(r["session"])) for r in csv.DictReader(fh)
        }
    checked = 0
    for cc, iso, year in pairs:
        if cc in overridden:
            continue
        assert cow_to_iso3(cc, year, source=source) == iso
        assert iso3_to_cow(iso, year, source=source) == cc
        checked += 1
    assert checked > 10_000


def test_documented_overrides(source: DataSource) -> None:
    # Germany: FRG 260 holds DEU until unification, COW 255 afterwards and before 1946.
    assert iso3_to_cow("DEU", 1970, source=source) == 260
    assert iso3_to_cow("DEU", 1990, source=source) == 255
    assert iso3_to_cow("DEU", 1930, source=source) == 255
    assert iso3_to_cow("DEU", source=source) == 255
    # USSR / Russia
    assert iso3_to_cow("SUN", 1980, source=source) == 365
    assert iso3_to_cow("RUS", 2000, source=source) == 365
    with pytest.raises(InputError, match="no COW state in 1980"):
        iso3_to_cow("RUS", 1980, source=source)
    assert cow_to_iso3(365, 1980, source=source) == "SUN"
    # Yemen: ISO YEM was North Yemen's, then unified Yemen's; South Yemen is YMD.
    assert iso3_to_cow("YEM", 1980, source=source) == 678
    assert iso3_to_cow("YEM", 1995, source=source) == 679
    assert cow_to_iso3(680, source=source) == "YMD"
    # Serbia/Yugoslavia stay COW 345; GW splits off 340.
    assert iso3_to_cow("SRB", 2010, source=source) == 345
    assert iso3_to_cow("YUG", 1980, source=source) == 345
    assert cow_to_gw(345, 2010, source=source) == 340
    assert cow_to_gw(345, 1995, source=source) == 345
    assert cow_to_gw(679, 2000, source=source) == 678
    assert cow_to_gw(255, 1995, source=source) == 260
    assert gw_to_cow(260, 1995, source=source) == 255
    assert gw_to_cow(260, 1970, source=source) == 260
    # Kosovo, Taiwan, Vietnam
    assert cow_to_iso3(347, source=source) == "XKX"
    assert cow_to_iso3(713, source=source) == "TWN"
    assert iso3_to_cow("VNM", 2000, source=source) == 816
    assert cow_to_iso3(817, source=source) is None


def test_gw_codes_exist_in_the_gw_list(source: DataSource, mirror: Path) -> None:
    """Every GW code the crosswalk gives for a COW state-year is in force in the GW list."""
    spells: dict[int, list[tuple[int, int]]] = {}
    with (mirror / "gw-states/iisystem.dat").open(encoding="utf-8") as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            spells.setdefault(int(f[0]), []).append((int(f[3][-4:]), int(f[4][-4:])))
    with (mirror / "cow-states/system2016.csv").open(newline="", encoding="utf-8") as fh:
        system = [(int(r["ccode"]), int(r["year"])) for r in csv.DictReader(fh)]
    # Pacific microstates: GW list them in their separate microstates file (same numbers), which
    # is not registered; the capitals table carries their codes.
    pacific_microstates = {935, 946, 947, 955, 970, 983, 986, 987, 990}
    checked = 0
    for cc, year in system:
        if year not in (1950, 1975, 1995, 2010):
            continue
        gw = cow_to_gw(cc, year, source=source)
        if gw is None or gw in pacific_microstates:
            assert gw not in spells
            continue
        assert any(a <= year <= b for a, b in spells[gw]), (cc, year, gw)
        checked += 1
    assert checked > 400


@pytest.mark.parametrize(
    "name",
    [
        "North Korea",
        "North  Korea",
        "Korea, North",
        "Democratic People's Republic of Korea",
        "D.P.R. of Korea",
        "Korea, Dem. People's Rep.",
        "korea,  NORTH",
    ],
)
def test_dprk_spellings(source: DataSource, name: str) -> None:
    assert name_to_cow(name, 2000, source=source) == 731


def test_name_rules(source: DataSource) -> None:
    assert name_key("Côte d’Ivoire") == name_key("Cote d'Ivoire")
    assert name_to_cow("The Gambia", source=source) == name_to_cow("Gambia, The", source=source)
    assert name_to_cow("Saint Kitts and Nevis", source=source) == 60
    assert name_to_cow("Antigua & Barbuda", source=source) == 58
    assert name_to_cow("Germany", 1970, source=source) == 260
    assert name_to_cow("Russia", 1970, source=source) == 365
    assert name_to_cow("Yemen, North", 1980, source=source) == 678


def test_unknown_codes_raise_clear_errors(source: DataSource) -> None:
    with pytest.raises(InputError, match="unknown COW country code 999"):
        cow_to_iso3(999, source=source)
    with pytest.raises(InputError, match="unknown ISO3 code 'XXX'"):
        iso3_to_cow("XXX", source=source)
    with pytest.raises(InputError, match="close matches"):
        name_to_cow("Nort Korea", source=source)
    with pytest.raises(InputError, match="unknown GW code"):
        gw_to_cow(1, source=source)


def test_spells_of_a_state_do_not_overlap(source: DataSource) -> None:
    cw = crosswalk(source)
    for (cc,), grp in cw.group_by("ccode"):
        spans = sorted(
            (a if a is not None else -(10**6), b if b is not None else 10**6)
            for a, b in zip(grp["start_year"], grp["end_year"], strict=True)
        )
        for (_, b0), (a1, _) in itertools.pairwise(spans):
            assert a1 > b0, cc
    assert cw["basis"].str.starts_with("override").sum() == len(STATE_SPELLS)


def test_every_override_name_resolves(source: DataSource) -> None:
    names = codes.name_table(source)
    assert names.filter(pl.col("key") == "north korea")["ccode"].unique().to_list() == [731]
    for a in NAME_ALIASES:
        year = a.start if a.start is not None else a.end
        assert name_to_cow(a.key, year, source=source) == a.ccode, a


def test_attach_ccode_reports_unmatched(source: DataSource) -> None:
    df = pl.DataFrame(
        {
            "name": ["North  Korea", "World", "Korea, South", "World", "Hong Kong", "Russia"],
            "year": [2000, 2000, 2001, 2001, 2001, 1980],
        }
    )
    m = attach_ccode(df, name_col="name", source=source)
    assert m.frame.height == df.height
    assert m.frame["name"].to_list() == df["name"].to_list()
    assert m.frame["ccode"].to_list() == [731, None, 732, None, None, 365]
    rep = {r["key"]: r["n_rows"] for r in m.unmatched.iter_rows(named=True)}
    assert rep == {"World": 2, "Hong Kong": 1}
    assert m.n_unmatched_rows == 3
    iso = attach_ccode(
        pl.DataFrame({"c": ["DEU", "DEU", "WLD"], "y": [1970, 2000, 2000]}),
        iso3_col="c",
        year_col="y",
        source=source,
    )
    assert iso.frame["ccode"].to_list() == [260, 255, None]
    extra = [codes.Alias("WLD", 2, note="test")]
    assert attach_ccode(
        pl.DataFrame({"c": ["WLD"]}), iso3_col="c", year_col=None, extra=extra, source=source
    ).frame["ccode"].to_list() == [2]
    with pytest.raises(InputError):
        attach_ccode(df, source=source)


def test_collapse_duplicate_keys(tmp_path: Path) -> None:
    df = pl.DataFrame(
        {"ccode": [365, 365, 2], "year": [1980, 1980, 1980], "v": [None, 1.0, 2.0]},
        schema={"ccode": pl.Int64, "year": pl.Int64, "v": pl.Float64},
    ).with_columns(pl.Series("who", ["Russia", "USSR", "USA"]))
    out = codes.collapse_duplicate_keys(df, ["v"], "who", tmp_path / "f")
    assert out["who"].to_list() == ["USSR", "USA"]
    clash = df.with_columns(pl.lit(1.0).alias("v"))
    with pytest.raises(DataFileError, match="Russia"):
        codes.collapse_duplicate_keys(clash, ["v"], "who", tmp_path / "f")


@dataclasses.dataclass(frozen=True)
class _Frame:
    data: pl.DataFrame
    unit: str = "state-year"
    system: str = "cow"
    sources: tuple[str, ...] = ()


_TABLE = pl.DataFrame(
    {"ccode": [2, 2, 731, 365], "year": [2000, 2001, 2000, 1990], "x": [1.0, 2.0, 3.0, None]}
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([2, 731, 365, 999]), st.integers(1988, 2002)), max_size=40)
)
def test_join_state_year_keeps_rows_and_order(keys: list[tuple[int, int]]) -> None:
    df = pl.DataFrame(
        {"ccode": [k[0] for k in keys], "year": [k[1] for k in keys], "i": list(range(len(keys)))},
        schema={"ccode": pl.Int32, "year": pl.Int64, "i": pl.Int64},
    )
    out = join_state_year(df, _TABLE, {"x": "x"})
    assert out.height == df.height
    assert out.select("ccode", "year", "i").equals(df)
    lookup = {(r["ccode"], r["year"]): r["x"] for r in _TABLE.iter_rows(named=True)}
    assert out["x"].to_list() == [lookup.get(k) for k in keys]
    wrapped = join_state_year(_Frame(df, sources=("a",)), _TABLE, {"x": "x"}, sources=["b"])
    assert isinstance(wrapped, _Frame)
    assert wrapped.data.equals(out) and wrapped.sources == ("a", "b")


def test_join_state_year_refuses_other_frames() -> None:
    df = pl.DataFrame({"ccode": [2], "year": [2000]})
    with pytest.raises(InputError, match="COW"):
        join_state_year(_Frame(df, system="gw"), _TABLE, {"x": "x"})
    with pytest.raises(InputError, match="state-year"):
        join_state_year(_Frame(df, unit="dyad-year"), _TABLE, {"x": "x"})
    with pytest.raises(InputError, match="already has"):
        join_state_year(df.with_columns(pl.lit(1).alias("x")), _TABLE, {"x": "x"})
    with pytest.raises(InputError, match="lacks"):
        join_state_year(pl.DataFrame({"year": [2000]}), _TABLE, {"x": "x"})
