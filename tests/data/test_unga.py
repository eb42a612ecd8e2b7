"""UNGA ideal points against the June 2024 file."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncrealism.data.fetch import DataSource
from ncrealism.data.unga import add_ideal_points, load_ideal_points, read_ideal_points
from ncrealism.errors import DataFileError

_COLUMNS = {
    "idealpoint_all": "IdealPointAll",
    "n_votes": "NVotesAll",
    "agree_us": "USAgree",
    "agree_russia": "RUSSAgree",
    "agree_china": "ChinaAgree",
}


@pytest.fixture(scope="module")
def unga(source: DataSource) -> pl.DataFrame:
    return load_ideal_points(source=source)


@pytest.fixture(scope="module")
def raw(mirror: Path) -> list[dict[str, str]]:
    with (mirror / "unga/IdealpointestimatesAll_Jun2024.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_rows_years_and_missing(unga: pl.DataFrame, raw: list[dict[str, str]]) -> None:
    assert unga.height == len(raw)
    assert (unga["year"] - unga["session"] == 1945).all()
    assert (unga["year"].min(), unga["year"].max()) == (1946, 2023)
    for col, src in _COLUMNS.items():
        assert unga[col].null_count() == sum(r[src] == "NA" for r in raw), col


def test_dprk_values(unga: pl.DataFrame, raw: list[dict[str, str]]) -> None:
    want = {1945 + int(r["session"]): r for r in raw if r["ccode"] == "731"}
    got = unga.filter(pl.col("ccode") == 731)
    assert got["year"].min() == 1991  # the DPRK joined the UN in September 1991
    assert got.height == len(want)
    for r in got.iter_rows(named=True):
        src = want[r["year"]]
        assert r["idealpoint_all"] == float(src["IdealPointAll"])
        assert r["n_votes"] == int(src["NVotesAll"])
        assert r["agree_us"] == float(src["USAgree"])
        assert r["agree_china"] == float(src["ChinaAgree"])


def test_malformed(tmp_path: Path) -> None:
    head = '"","ccode","session","NVotesAll","IdealPointAll","iso3c","Countryname",'
    head += '"USAgree","RUSSAgree","ChinaAgree"'
    good = '"1",2,1,42,1.67,"USA","United States",1,0.21,NA'
    p = tmp_path / "u.csv"
    p.write_text(f"{head}\n{good}\n" + '"2",2,2,38,abc,"USA","United States",1,0.26,NA\n')
    with pytest.raises(DataFileError) as err:
        read_ideal_points(p)
    assert err.value.row == 3 and err.value.field == "IdealPointAll" and "u.csv" in str(err.value)
    p.write_text(f"{head}\n{good}\n" + '"2",2,2,38,1.9,"USA","United States",1.5,0.26,NA\n')
    with pytest.raises(DataFileError) as err:
        read_ideal_points(p)
    assert err.value.row == 3 and err.value.field == "USAgree"
    p.write_bytes(f"{head}\r\n{good}\r\n".encode("utf-16"))
    df = read_ideal_points(p)
    assert df.row(0, named=True)["agree_china"] is None and df["year"].to_list() == [1946]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([2, 365, 731, 732, 6]), st.integers(1940, 2025))))
def test_add_ideal_points_keeps_rows(
    source: DataSource, unga: pl.DataFrame, keys: list[tuple[int, int]]
) -> None:
    frame = pl.DataFrame(
        {"ccode": [k[0] for k in keys], "year": [k[1] for k in keys]},
        schema={"ccode": pl.Int64, "year": pl.Int64},
    )
    out = add_ideal_points(frame, source=source, table=unga)
    assert out.height == frame.height
    assert out.select("ccode", "year").equals(frame)
    lookup = dict(
        ((a, b), v) for a, b, v in unga.select("ccode", "year", "idealpoint_all").iter_rows()
    )
    assert out["idealpoint_all"].to_list() == [lookup.get(k) for k in keys]
