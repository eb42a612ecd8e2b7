"""NMC loader against the publisher's file."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.data.nmc import NMC_COMPONENTS, load_nmc, read_nmc_csv
from ncrealism.errors import DataFileError


def _publisher_rows(mirror: Path) -> dict[tuple[int, int], dict[str, str]]:
    with (mirror / "cow-nmc/NMC-60-abridged.csv").open(newline="") as fh:
        return {(int(r["ccode"]), int(r["year"])): r for r in csv.DictReader(fh)}


def test_nmc6_matches_publisher_csv(source: DataSource, mirror: Path) -> None:
    df = load_nmc("6.0", source=source)
    assert df.height == 15951
    rows = _publisher_rows(mirror)
    assert len(rows) == df.height
    for ccode, year in [(2, 1816), (731, 1990), (732, 2016)]:
        got = df.filter((pl.col("ccode") == ccode) & (pl.col("year") == year)).row(0, named=True)
        want = rows[(ccode, year)]
        for c in (*NMC_COMPONENTS, "cinc"):
            expected = None if want[c] == "-9" else float(want[c])
            assert got[c] == expected, (ccode, year, c)
    # No -9 code survives anywhere.
    for c in NMC_COMPONENTS:
        assert df.filter(pl.col(c) == -9).height == 0
    # Missing counts are those of the publisher's file (-9 cells).
    n_missing = {c: sum(1 for r in rows.values() if r[c] == "-9") for c in NMC_COMPONENTS}
    assert {c: df[c].null_count() for c in NMC_COMPONENTS} == n_missing


def test_nmc7_uses_registered_alternate(source: DataSource) -> None:
    df = load_nmc("7.0", source=source)
    assert df.height == 17121
    assert df["year"].max() == 2022
    used = [r for r in source.used if r.dataset == "nmc7"]
    assert used and used[0].variant == "alternate" and used[0].spec.kind == "derived"


def test_malformed_nmc_names_file_row_field(tmp_path: Path) -> None:
    p = tmp_path / "nmc.csv"
    p.write_text(
        "stateabb,ccode,year,milex,milper,irst,pec,tpop,upop,cinc,version\r\n"
        "USA,2,1816,3823,17,80,254,8659,101,.039,2021\r\n"
        "USA,2,1817,abc,15,80,277,8899,106,.035,2021\r\n"
    )
    with pytest.raises(DataFileError) as err:
        read_nmc_csv(p)
    assert err.value.row == 3 and err.value.field == "milex"
    assert "nmc.csv" in str(err.value)


def test_truncated_and_duplicate_rows(tmp_path: Path) -> None:
    head = "stateabb,ccode,year,milex,milper,irst,pec,tpop,upop,cinc,version\n"
    p = tmp_path / "t.csv"
    p.write_text(head + "USA,2,1816,3823,17,80,254,8659,101,.039,2021\nUSA,2,1817,3\n")
    with pytest.raises(DataFileError) as err:
        read_nmc_csv(p)
    assert err.value.row == 3
    p.write_text(head + "USA,2,1816,1,1,1,1,1,1,.1,2021\nUSA,2,1816,1,1,1,1,1,1,.1,2021\n")
    with pytest.raises(DataFileError, match="duplicate key") as err:
        read_nmc_csv(p)
    assert err.value.row == 3


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_line_endings_and_encodings(tmp_path: Path, newline: str, encoding: str) -> None:
    lines = [
        "stateabb,ccode,year,milex,milper,irst,pec,tpop,upop,cinc,version",
        "USA,2,1816,-9,17,80,254,8659,101,.039,2021",
    ]
    p = tmp_path / "x.csv"
    p.write_bytes(newline.join(lines).encode(encoding))
    df = read_nmc_csv(p)
    assert df.height == 1 and df["milex"][0] is None and df["tpop"][0] == 8659.0
