"""Capital distances (capdist), the COW crosswalk through capitals.csv, minimum distances."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from ncrealism.data.distance import (
    capdist_crosswalk,
    capdist_unmatched,
    load_capdist,
    load_capdist_cow,
    load_mindist,
    read_capdist,
    read_mindist,
)
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def raw_capdist(mirror: Path) -> list[dict[str, str]]:
    return _rows(mirror / "distance/capdist.csv")


def test_capdist_values_and_duplicates(
    source: DataSource, raw_capdist: list[dict[str, str]]
) -> None:
    df = load_capdist(source=source)
    pairs = {(int(r["numa"]), int(r["numb"])) for r in raw_capdist}
    assert len(raw_capdist) > len(pairs)  # 345 is listed as both SER and YUG
    assert df.height == len({p for p in pairs if p[0] != p[1]})
    got = {
        (a, b): (km, mi)
        for a, b, km, mi in df.select("gwcode1", "gwcode2", "kmdist", "midist").iter_rows()
    }
    for r in raw_capdist:
        a, b = int(r["numa"]), int(r["numb"])
        if a != b:
            assert got[(a, b)] == (int(r["kmdist"]), int(r["midist"])), r


def test_crosswalk_rules(
    source: DataSource, mirror: Path, raw_capdist: list[dict[str, str]]
) -> None:
    capitals = _rows(mirror / "distance/capitals.csv")
    both = {(int(r["ccode"]), int(r["gwcode"])) for r in capitals if r["ccode"] and r["gwcode"]}
    walk = capdist_crosswalk(source=source)
    by_rule = {
        rule: set(sub.select("ccode", "gwcode").iter_rows())
        for (rule,), sub in walk.group_by("rule")
    }
    assert by_rule["capitals"] == both
    letters = {(int(r["numa"]), r["ida"]) for r in raw_capdist}
    codes_text = (mirror / "cow-states/COW-country-codes.csv").read_bytes().decode("utf-8")
    cow = {int(c): a for a, c, _ in (ln.split(",") for ln in codes_text.split("\r")[1:] if ln)}
    mapped = {c for c, _ in both}
    fallback = {(c, c) for c, abb in cow.items() if c not in mapped and (c, abb) in letters}
    assert by_rule["same code and abbreviation"] == fallback
    assert walk["ccode"].n_unique() == walk.height


def test_unmatched_cow_codes(
    source: DataSource, mirror: Path, raw_capdist: list[dict[str, str]]
) -> None:
    """Recompute, from the raw files, which COW states get no capital distance."""
    capitals = _rows(mirror / "distance/capitals.csv")
    codes_text = (mirror / "cow-states/COW-country-codes.csv").read_bytes().decode("utf-8")
    cow = {int(c): a for a, c, _ in (ln.split(",") for ln in codes_text.split("\r")[1:] if ln)}
    gw_of = {int(r["ccode"]): int(r["gwcode"]) for r in capitals if r["ccode"] and r["gwcode"]}
    letters = {(int(r["numa"]), r["ida"]) for r in raw_capdist}
    for c, abb in cow.items():
        if c not in gw_of and (c, abb) in letters:
            gw_of[c] = c
    in_capdist = {int(r["numa"]) for r in raw_capdist}
    want = sorted(c for c in cow if gw_of.get(c) not in in_capdist)
    got = capdist_unmatched(source=source)
    assert got["ccode"].to_list() == want
    # The Korean states are all matched.
    assert not set(got["ccode"]) & {730, 731, 732}


def test_capdist_cow_korea(source: DataSource, raw_capdist: list[dict[str, str]]) -> None:
    df = load_capdist_cow(source=source)
    for a, b in [(731, 732), (2, 731), (731, 710), (731, 740), (732, 2)]:
        r = next(r for r in raw_capdist if (int(r["numa"]), int(r["numb"])) == (a, b))
        got = df.filter((pl.col("ccode1") == a) & (pl.col("ccode2") == b)).row(0, named=True)
        assert (got["kmdist"], got["midist"]) == (int(r["kmdist"]), int(r["midist"]))
    # Microstates matched by the second rule get capdist's value too (Dominica, 54).
    r = next(r for r in raw_capdist if (r["ida"], r["idb"]) == ("DMA", "USA"))
    got = df.filter((pl.col("ccode1") == 54) & (pl.col("ccode2") == 2))
    assert got["kmdist"].to_list() == [int(r["kmdist"])]


def test_mindist(source: DataSource, mirror: Path) -> None:
    import pyreadr

    raw = pyreadr.read_r(str(mirror / "distance/cow_mindist.rda"))["cow_mindist"]
    df = load_mindist(source=source)
    assert df.height == len(raw)
    assert (df["ccode1"] < df["ccode2"]).all()
    assert (df["year"].min(), df["year"].max()) == (int(raw["year"].min()), int(raw["year"].max()))
    sel = raw[(raw["ccode1"] == 731) & (raw["ccode2"] == 732)]
    got = df.filter((pl.col("ccode1") == 731) & (pl.col("ccode2") == 732)).sort("year")
    assert got["year"].to_list() == sorted(int(y) for y in sel["year"])
    assert got["mindist"].to_list() == [float(x) for x in sel.sort_values("year")["mindist"]]
    usa_prk = raw[(raw["ccode1"] == 2) & (raw["ccode2"] == 731) & (raw["year"] == 2000)]
    got_usa = df.filter(
        (pl.col("ccode1") == 2) & (pl.col("ccode2") == 731) & (pl.col("year") == 2000)
    )
    assert got_usa["mindist"].to_list() == [float(usa_prk["mindist"].iloc[0])]


def test_malformed_capdist(tmp_path: Path) -> None:
    head = "numa,ida,numb,idb,kmdist,midist\r\n"
    p = tmp_path / "capdist.csv"
    p.write_text(head + "2,USA,20,CAN,731,456\r\n2,USA,20,CAN,732,456\r\n", newline="")
    with pytest.raises(DataFileError) as err:
        read_capdist(p)
    assert err.value.row == 3 and "different distances" in err.value.detail
    p.write_text(head + "2,USA,20,CAN,7x1,456\r\n", newline="")
    with pytest.raises(DataFileError) as err:
        read_capdist(p)
    assert err.value.row == 2 and err.value.field == "kmdist"
    p.write_text(head + "2,USA,20,CAN,-1,456\r\n", newline="")
    with pytest.raises(DataFileError, match="negative"):
        read_capdist(p)


def test_malformed_rda(tmp_path: Path) -> None:
    p = tmp_path / "x.rda"
    p.write_bytes(b"not an R file")
    with pytest.raises(DataFileError, match="not a readable R data file"):
        read_mindist(p)
