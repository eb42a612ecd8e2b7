"""The one date parser: forms, periods, timing points and errors that name where."""

from __future__ import annotations

import datetime as dt

import pytest

from ncrealism.data.dates import parse_date, parse_partial_date
from ncrealism.errors import DataFileError, InputError


def test_periods_of_each_precision() -> None:
    d = parse_partial_date("1994-06-13")
    assert (d.first, d.last, d.precision) == (dt.date(1994, 6, 13), dt.date(1994, 6, 13), "day")
    m = parse_partial_date(" 2000-02 ")
    assert (m.first, m.last, m.precision) == (dt.date(2000, 2, 1), dt.date(2000, 2, 29), "month")
    y = parse_partial_date("2003")
    assert (y.first, y.last, y.precision) == (dt.date(2003, 1, 1), dt.date(2003, 12, 31), "year")


def test_timing_points_by_hand() -> None:
    # 1 March 1993 is day 60 of 365; March has 31 days; 1993 is not a leap year
    assert parse_partial_date("1993-03-01").timing == pytest.approx(1993 + 59 / 365)
    assert parse_partial_date("1993-03").timing == pytest.approx(1993 + (59 + 15.5) / 365)
    assert parse_partial_date("1993").timing == 1993.5


def test_parse_date_first_or_last_day() -> None:
    assert parse_date("1998-02", last=True) == dt.date(1998, 2, 28)
    assert parse_date("1998-02") == dt.date(1998, 2, 1)
    assert parse_date("2000", last=True) == dt.date(2000, 12, 31)
    assert parse_date(dt.datetime(2001, 5, 6, 7, 8)) == dt.date(2001, 5, 6)
    assert parse_date(dt.date(2001, 5, 6)) == dt.date(2001, 5, 6)
    assert parse_date("  ") is None
    assert parse_date(None) is None


@pytest.mark.parametrize(
    "bad",
    [
        "1994-13-01",
        "1994-02-30",
        "1994-13",
        "94-01-01",
        "1994-6-1",
        "July 1994",
        "31/01/2031",
        "\u0661\u0669\u0669\u0664",
        "1994-06-13T00:00",
        "²⁰⁰⁰",
    ],
)
def test_bad_dates_name_file_row_and_field(bad: str) -> None:
    with pytest.raises(DataFileError, match=r"r\.csv, row 7, field 'start_date'"):
        parse_partial_date(bad, where="start_date", path="r.csv", row=7)
    with pytest.raises(InputError, match=r"episode E1: .* not"):
        parse_date(bad, where="episode E1")
