"""CNS missile tests: parsing, yearly counts, and agreement with the coded DPRK record."""

from __future__ import annotations

import collections
import csv
import json
from pathlib import Path

import polars as pl
import pytest

from ncrealism.data.events import load_missile_tests, missile_tests_per_year, read_missile_tests
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError, InputError

JSON = "dprk-events/cns_nk_missile_test.en.json"


@pytest.fixture(scope="module")
def tests(source: DataSource) -> pl.DataFrame:
    return load_missile_tests(source=source)


@pytest.fixture(scope="module")
def raw(mirror: Path) -> list[dict[str, object]]:
    doc = json.loads((mirror / JSON).read_text(encoding="utf-8"))
    return [rec for b in doc["timeBins"] for rec in b["data"]]


def test_one_row_per_record(tests: pl.DataFrame, raw: list[dict[str, object]]) -> None:
    assert tests.height == len(raw)
    assert (tests["ccode"] == 731).all()
    for r, src in zip(tests.iter_rows(named=True), raw, strict=True):
        assert str(r["date"]).startswith(str(src["date"]))
        assert r["date_precision"] == ("month" if len(str(src["date"])) == 7 else "day")
        for field, col in (("apogee", "apogee_km"), ("distance", "distance_km")):
            v = src[field]
            if isinstance(v, str) and v.lower() in ("unknown", "na"):
                assert r[col] is None
            else:
                assert r[col] == float(v)  # type: ignore[arg-type]
        assert r["outcome"] == (None if src["outcome"] == "unknown" else src["outcome"])
    for col in tests.select(pl.col(pl.Utf8)).columns:
        assert not tests[col].str.to_lowercase().is_in(["unknown", "na"]).any(), col


def test_yearly_counts(tests: pl.DataFrame, raw: list[dict[str, object]]) -> None:
    per_year = missile_tests_per_year(tests)
    counts = collections.Counter(int(str(r["date"])[:4]) for r in raw)
    days = collections.defaultdict(set)
    for r in raw:
        days[int(str(r["date"])[:4])].add(r["date"])
    assert per_year.height == max(counts) - min(counts) + 1
    for row in per_year.iter_rows(named=True):
        assert row["missile_tests"] == counts.get(row["year"], 0)
        assert row["launch_days"] == len(days.get(row["year"], ()))
        assert row["successes"] + row["failures"] + row["unknown_outcome"] == row["missile_tests"]


def test_agrees_with_coded_record(tests: pl.DataFrame, history_dir: Path) -> None:
    """The history README: missile_tests counts missiles in the CNS database that year,
    missile_test_events the distinct launch dates. Both agree for every year 1990-2009."""
    with (history_dir / "dprk_yearly_1990_2009.csv").open(newline="") as fh:
        hist = {int(r["year"]): r for r in csv.DictReader(fh)}
    per_year = missile_tests_per_year(tests, start=1990, end=2009)
    assert per_year["year"].to_list() == sorted(hist)
    for row in per_year.iter_rows(named=True):
        h = hist[row["year"]]
        assert row["missile_tests"] == int(h["missile_tests"]), row["year"]
        assert row["launch_days"] == int(h["missile_test_events"]), row["year"]


def _write(path: Path, records: list[dict[str, object]], year: int = 2006) -> Path:
    path.write_text(json.dumps({"timeBins": [{"year": year, "data": records}]}), "utf-8")
    return path


def _rec(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "date": "2006-07-05",
        "time": "unknown",
        "missile": "nodong",
        "facility": "kittaeryong",
        "landing": "sea-of-japan",
        "apogee": "unknown",
        "distance": "400",
        "bearing": 60,
        "outcome": "success",
        "description": "",
    }
    base.update(kw)
    return base


def test_strings_and_unknowns(tmp_path: Path) -> None:
    df = read_missile_tests(_write(tmp_path / "t.json", [_rec(), _rec(apogee=100.5, outcome="na")]))
    assert df["distance_km"].to_list() == [400.0, 400.0]
    assert df["apogee_km"].to_list() == [None, 100.5]
    assert df["outcome"].to_list() == ["success", None]
    assert df["time_utc"].null_count() == 2 and df["description"].null_count() == 2


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (_rec(distance="far"), "distance"),
        (_rec(date="2006-13-40"), "date"),
        (_rec(date="2007-01-01"), "date"),
        (_rec(outcome="partial"), "outcome"),
        (_rec(series="3"), "series"),
    ],
)
def test_malformed_records(tmp_path: Path, record: dict[str, object], field: str) -> None:
    p = _write(tmp_path / "bad.json", [_rec(), record])
    with pytest.raises(DataFileError) as err:
        read_missile_tests(p)
    assert err.value.row == 2 and err.value.field == field and "bad.json" in str(err.value)


def test_bad_documents(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text("{not json", "utf-8")
    with pytest.raises(DataFileError, match="not valid JSON"):
        read_missile_tests(p)
    p.write_text('{"bins": []}', "utf-8")
    with pytest.raises(DataFileError, match="timeBins"):
        read_missile_tests(p)
    empty = pl.DataFrame(schema=read_missile_tests(_write(p, [_rec()])).schema)
    with pytest.raises(InputError):
        missile_tests_per_year(empty)
    zeros = missile_tests_per_year(empty, start=2000, end=2001)
    assert zeros["missile_tests"].to_list() == [0, 0]
