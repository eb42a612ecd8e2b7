"""COW Direct Contiguity v3.2 against the publisher's files (contdird, contdirs)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest

from ncrealism.data.contiguity import (
    CONTIGUITY_LAST_YEAR,
    CONTTYPE_MEANINGS,
    load_contiguity_directed,
    read_contiguity_directed,
    state_contiguity,
)
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def raw(mirror: Path) -> list[dict[str, str]]:
    return _rows(mirror / "cow-contiguity/contdird.csv")


def test_collapse_keeps_the_closest_type(source: DataSource, raw: list[dict[str, str]]) -> None:
    types: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for r in raw:
        types[(int(r["state1no"]), int(r["state2no"]), int(r["year"]))].append(int(r["conttype"]))
    df = load_contiguity_directed(source=source)
    assert df.height == len(types)
    assert {(a, b, y): t for a, b, y, t in df.iter_rows()} == {k: min(v) for k, v in types.items()}
    as_published = load_contiguity_directed(collapse=False, source=source)
    assert as_published.height == len(raw)
    # The file does list some dyad-years twice (a border change within the year).
    assert sum(len(v) > 1 for v in types.values()) > 0


def test_korean_peninsula(source: DataSource, raw: list[dict[str, str]]) -> None:
    df = load_contiguity_directed(source=source)
    for a, b in [(731, 732), (732, 731), (731, 710), (731, 740)]:
        want = {
            int(r["year"]): int(r["conttype"])
            for r in raw
            if int(r["state1no"]) == a and int(r["state2no"]) == b
        }
        got = df.filter((pl.col("ccode1") == a) & (pl.col("ccode2") == b))
        assert dict(zip(got["year"], got["conttype"], strict=True)) == want
    # DPRK-ROK: land border (type 1) throughout.
    dprk_rok = df.filter((pl.col("ccode1") == 731) & (pl.col("ccode2") == 732))
    assert dprk_rok.height > 0 and set(dprk_rok["conttype"]) == {1}
    assert CONTTYPE_MEANINGS[1].startswith("land")


def test_symmetric_and_coverage(source: DataSource, raw: list[dict[str, str]]) -> None:
    df = load_contiguity_directed(source=source)
    flipped = df.select(
        pl.col("ccode2").alias("ccode1"), pl.col("ccode1").alias("ccode2"), "year", "conttype"
    )
    assert df.join(flipped, on=["ccode1", "ccode2", "year", "conttype"], how="anti").is_empty()
    assert max(int(r["year"]) for r in raw) == CONTIGUITY_LAST_YEAR


def test_state_counts_match_publisher_state_year_file(source: DataSource, mirror: Path) -> None:
    """contdirs.csv counts rows; a neighbour listed twice in a year is counted once here."""
    published = _rows(mirror / "cow-contiguity/contdirs.csv")
    raw = load_contiguity_directed(collapse=False, source=source)
    extra_rows = (
        raw.group_by("ccode1", "year")
        .agg((pl.len() - pl.col("ccode2").n_unique()).alias("extra"))
        .rename({"ccode1": "ccode"})
    )
    counts = state_contiguity(load_contiguity_directed(source=source))
    got = {
        (c, y): (n, land, extra)
        for c, y, n, land, extra in counts.join(extra_rows, on=["ccode", "year"], how="left")
        .select("ccode", "year", "n_contiguous", "n_land", "extra")
        .iter_rows()
    }
    for r in published:
        n, land, extra = got.get((int(r["stateno"]), int(r["year"])), (0, 0, 0))
        assert land == int(r["land"]), r
        assert n + extra == int(r["total"]), r
    listed = {(int(r["stateno"]), int(r["year"])) for r in published if int(r["total"]) > 0}
    assert set(got) == listed


def test_malformed_contiguity(tmp_path: Path) -> None:
    head = "dyad,state1no,state1ab,state2no,state2ab,year,conttype,version\n"
    p = tmp_path / "contdird.csv"
    p.write_text(head + '2020,2,"USA",20,"CAN",1920,1,3.2\n2020,2,"USA",20,"CAN",1921,6,3.2\n')
    with pytest.raises(DataFileError) as err:
        read_contiguity_directed(p)
    assert err.value.row == 3 and err.value.field == "conttype"
    p.write_text(head + '2020,2,"USA",20,"CAN",,1,3.2\n')
    with pytest.raises(DataFileError) as err:
        read_contiguity_directed(p)
    assert err.value.row == 2 and err.value.field == "year"
    p.write_text(head + '2002,2,"USA",2,"USA",1920,1,3.2\n')
    with pytest.raises(DataFileError, match="itself"):
        read_contiguity_directed(p)
