"""Record loaders: the training record as published, and every validation error."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from ncrealism.data.records import (
    POSTURES,
    YEARLY_OUTCOME_COLUMNS,
    parse_record_date,
    read_context_events,
    read_event_record,
    read_negotiation_record,
    read_yearly_record,
)
from ncrealism.errors import DataFileError

YEARLY = "dprk_yearly_1990_2009.csv"
EVENTS = "dprk_events_1990_2009.csv"
NEGOTIATIONS = "negotiations_1993_2009.csv"
CONTEXT = "context_events_1990_2009.csv"


def _raw(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_yearly_record_matches_the_file(history_dir: Path) -> None:
    raw = _raw(history_dir / YEARLY)
    df = read_yearly_record(history_dir / YEARLY)
    assert df.height == len(raw)
    assert df["year"].to_list() == sorted(int(r["year"]) for r in raw)
    by_year = {int(r["year"]): r for r in raw}
    for row in df.iter_rows(named=True):
        want = by_year[row["year"]]
        assert row["dominant_posture"] == want["dominant_posture"]
        for c in ("nuclear_tests", "missile_tests", "in_talks", "agreements", "provocations"):
            assert row[c] == int(want[c])
        assert row["posture_confidence"] == want["posture_confidence"]
    assert set(df["dominant_posture"]) <= set(POSTURES)
    assert set(YEARLY_OUTCOME_COLUMNS) <= set(df.columns)


def test_event_negotiation_context_files_load(history_dir: Path) -> None:
    ev = read_event_record(history_dir / EVENTS)
    assert ev.height == len(_raw(history_dir / EVENTS))
    assert (ev["date"].dt.year() == ev["year"]).all()
    neg = read_negotiation_record(history_dir / NEGOTIATIONS)
    raw = _raw(history_dir / NEGOTIATIONS)
    assert neg.height == len(raw)
    held = neg.drop_nulls("held_days")
    assert held.height == sum(1 for r in raw if r["held_days"])
    for r in held.iter_rows(named=True):
        assert (r["held_until"] - r["agreement_date"]).days == r["held_days"]
    first = neg.row(0, named=True)
    assert first["parties"] == raw[0]["parties"].split(";")
    ctx = read_context_events(history_dir / CONTEXT)
    assert ctx.height == len(_raw(history_dir / CONTEXT))
    ussr = ctx.row(0, named=True)
    # 30 September 1990 is day 273 of 365: timing = 1990 + 272/365.
    assert ussr["date"] == dt.date(1990, 9, 30)
    assert ussr["time"] == pytest.approx(1990 + 272 / 365)


def test_dates_and_precisions() -> None:
    d, form, t = parse_record_date("1992-08")
    assert (d, form) == (dt.date(1992, 8, 1), "month")
    # mid-August 1992 (a leap year): day 214 + 31/2 over 366 days.
    assert t == pytest.approx(1992 + (213 + 15.5) / 366)
    assert parse_record_date("1995")[2] == 1995.5
    for bad in ("1994-13-01", "1994-02-30", "94-01-01", "July 1994", ""):
        with pytest.raises(DataFileError):
            parse_record_date(bad)


YEAR_HEAD = "year,nuclear_tests,in_talks,dominant_posture,posture_confidence\n"


def _write(tmp_path: Path, text: str, name: str = "r.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("body", "row", "field"),
    [
        ("1990,0,0,appeasement,high\n", 2, "dominant_posture"),
        ("1990,0,0,engagement,high\n1990,0,1,engagement,low\n", 3, "year"),
        ("1990,-1,0,engagement,high\n", 2, "nuclear_tests"),
        ("1990,0,2,engagement,high\n", 2, "in_talks"),
        ("1990,0,0,engagement,certain\n", 2, "posture_confidence"),
        ("1990,one,0,engagement,high\n", 2, "nuclear_tests"),
        ("1990,0,0,,high\n", 2, "dominant_posture"),
    ],
)
def test_yearly_errors_name_row_and_field(tmp_path: Path, body: str, row: int, field: str) -> None:
    p = _write(tmp_path, YEAR_HEAD + body)
    with pytest.raises(DataFileError) as err:
        read_yearly_record(p)
    assert err.value.row == row and err.value.field == field
    assert "r.csv" in str(err.value)


def test_unseen_years_and_extended_postures(tmp_path: Path) -> None:
    p = _write(tmp_path, YEAR_HEAD + "2031,0,1,engagement,high\n2030,2,0,internal_balancing,low\n")
    df = read_yearly_record(p)
    assert df["year"].to_list() == [2030, 2031]
    p2 = _write(tmp_path, YEAR_HEAD + "2030,0,0,hedging,low\n", "h.csv")
    with pytest.raises(DataFileError):
        read_yearly_record(p2)
    assert read_yearly_record(p2, postures=(*POSTURES, "hedging"))["dominant_posture"][0] == (
        "hedging"
    )


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_yearly_encodings_and_line_endings(tmp_path: Path, newline: str, encoding: str) -> None:
    lines = ["year,dominant_posture", "1990,internal_balancing", "1991,engagement"]
    p = tmp_path / "y.csv"
    p.write_bytes(newline.join(lines).encode(encoding))
    assert read_yearly_record(p)["dominant_posture"].to_list() == [
        "internal_balancing",
        "engagement",
    ]


def test_missing_required_column(tmp_path: Path) -> None:
    p = _write(tmp_path, "year,posture\n1990,engagement\n")
    with pytest.raises(DataFileError, match="dominant_posture"):
        read_yearly_record(p)


EV_HEAD = "date,date_precision,year,event,category,signed_document,confidence\n"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("1994-06-31,day,1994,x,agreement,0,high\n", "date"),
        ("1994-06,day,1994,x,agreement,0,high\n", "date"),
        ("1994-06-01,week,1994,x,agreement,0,high\n", "date_precision"),
        ("1994-06-01,day,1995,x,agreement,0,high\n", "year"),
        ("1994-06-01,day,1994,x,parade,0,high\n", "category"),
        ("1994-06-01,day,1994,x,agreement,2,high\n", "signed_document"),
    ],
)
def test_event_errors(tmp_path: Path, body: str, field: str) -> None:
    p = _write(tmp_path, EV_HEAD + body)
    with pytest.raises(DataFileError) as err:
        read_event_record(p)
    assert err.value.row == 2 and err.value.field == field


def test_event_month_precision_timing(tmp_path: Path) -> None:
    p = _write(tmp_path, EV_HEAD + "1990-05-01,month,1990,x,missile_test,0,medium\n")
    ev = read_event_record(p)
    # Month precision: timed at mid-May whatever day is written.
    assert ev["time"][0] == pytest.approx(1990 + (120 + 15.5) / 365)


NEG_HEAD = "episode_id,start_date,end_date,parties,outcome,agreement_date,held_until,held_days\n"


@pytest.mark.parametrize(
    ("body", "row", "field"),
    [
        ("A,1994-07-08,1994-07-01,US;DPRK,agreement,,,\n", 2, "end_date"),
        ("A,1994-07-08,1994-07-09,US;DPRK,deal,,,\n", 2, "outcome"),
        ("A,1994-07-08,1994-07-09,US;DPRK,agreement,1994-07-09,1994-07-19,11\n", 2, "held_days"),
        ("A,1994-07-08,1994-07-09,US;DPRK,agreement,1994-07-09,1994-07-01,\n", 2, "held_until"),
        (
            "A,1994-07-08,1994-07-09,US,agreement,,,\nA,1995-01-01,1995-01-02,US,partial,,,\n",
            3,
            "episode_id",
        ),
    ],
)
def test_negotiation_errors(tmp_path: Path, body: str, row: int, field: str) -> None:
    p = _write(tmp_path, NEG_HEAD + body)
    with pytest.raises(DataFileError) as err:
        read_negotiation_record(p)
    assert err.value.row == row and err.value.field == field


def test_held_days_without_a_breakdown_or_with_a_coarse_date(tmp_path: Path) -> None:
    body = (
        # Still holding when coded: days without a held_until (a censored duration).
        "A,2018-04-27,2018-04-27,ROK;DPRK,agreement,2018-04-27,,2000\n"
        # Broken down some day of February 2016: 2014-05-29 to 2016-02-01..29 is 613..641 days.
        "B,2014-05-26,2014-05-28,Japan;DPRK,agreement,2014-05-29,2016-02,624\n"
    )
    neg = read_negotiation_record(_write(tmp_path, NEG_HEAD + body))
    assert neg["held_days"].to_list() == [2000, 624]
    assert neg["held_until"].to_list() == [None, dt.date(2016, 2, 1)]
    late = body.replace("2016-02,624", "2016-02,642")
    with pytest.raises(DataFileError) as err:
        read_negotiation_record(_write(tmp_path, NEG_HEAD + late))
    assert err.value.row == 3 and err.value.field == "held_days"
    # Days held need the day the agreement was reached.
    undated = "A,2018-04-27,2018-04-27,ROK;DPRK,agreement,,,2000\n"
    with pytest.raises(DataFileError) as err:
        read_negotiation_record(_write(tmp_path, NEG_HEAD + undated))
    assert err.value.row == 2 and err.value.field == "held_days"


def test_context_errors_and_new_types(tmp_path: Path) -> None:
    head = "date,date_precision,event,type,actor,source_url,confidence,notes\n"
    p = _write(tmp_path, head + "2031-02-29,day,x,sanction,UNSC,u,high,\n")
    with pytest.raises(DataFileError) as err:
        read_context_events(p)
    assert err.value.row == 2 and err.value.field == "date"
    p = _write(tmp_path, head + "2031-02-28,day,x,Sanction!,UNSC,u,high,\n")
    with pytest.raises(DataFileError) as err:
        read_context_events(p)
    assert err.value.field == "type"
    p = _write(tmp_path, head + "2031-02-28,day,x,cyber_attack,US,u,high,\n")
    df = read_context_events(p)
    assert df["type"][0] == "cyber_attack" and df["year"][0] == 2031
