"""The one date parser of the package: ISO 8601 calendar dates of day, month or year precision.

Records, case files and context files write dates as ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``
(ASCII digits, zero-padded; ISO 8601:2019 §5.2.2 calendar dates, complete or reduced precision).
A date of month or year precision stands for a period: :class:`PartialDate` keeps its first
and last possible day and its *timing point* in fractional years (day: the day itself; month:
the middle of the month; year: the middle of the year), so that every reader places coarse
dates the same way.

Errors name the file, row and field when the caller gives them (:class:`DataFileError`), and the
caller's label otherwise (:class:`InputError`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ncrealism.errors import DataFileError, InputError

__all__ = ["DATE_FORMATS", "PartialDate", "parse_date", "parse_partial_date"]

#: The accepted written forms, by precision.
DATE_FORMATS: dict[str, str] = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "year": "YYYY"}

_FORMS: tuple[tuple[Literal["day", "month", "year"], re.Pattern[str]], ...] = (
    ("day", re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)),
    ("month", re.compile(r"(\d{4})-(\d{2})", re.ASCII)),
    ("year", re.compile(r"(\d{4})", re.ASCII)),
)


@dataclass(frozen=True)
class PartialDate:
    """A written date and the period it stands for.

    ``first`` and ``last`` are the first and last possible day (equal for day precision);
    ``precision`` is ``day``, ``month`` or ``year``.
    """

    first: dt.date
    last: dt.date
    precision: Literal["day", "month", "year"]

    @property
    def timing(self) -> float:
        """The timing point in fractional years: the day, mid-month or mid-year.

        ``year + (day of year - 1) / days in year`` for a day; for a month the same at its first
        day plus half the month's length; ``year + 0.5`` for a year.
        """
        y = self.first.year
        n = 366 if calendar.isleap(y) else 365
        doy = self.first.timetuple().tm_yday - 1
        if self.precision == "day":
            return y + doy / n
        if self.precision == "month":
            days = calendar.monthrange(y, self.first.month)[1]
            return y + (doy + days / 2) / n
        return y + 0.5


def _fail(message: str, where: str, path: str | Path | None, row: int | None) -> InputError:
    if path is not None:
        return DataFileError(path, message, row=row, field=where)
    return InputError(f"{where}: {message}")


def parse_partial_date(
    text: str, *, where: str = "date", path: str | Path | None = None, row: int | None = None
) -> PartialDate:
    """Parse ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (surrounding blanks ignored).

    ``where`` names the field (and ``path``/``row`` the file and 1-based row, header = row 1)
    in the error raised for anything else, including impossible days such as ``1999-02-30``.
    """
    s = str(text).strip()
    for precision, pattern in _FORMS:
        m = pattern.fullmatch(s)
        if m is None:
            continue
        parts = [int(g) for g in m.groups()]
        y = parts[0]
        try:
            if precision == "day":
                d = dt.date(y, parts[1], parts[2])
                return PartialDate(d, d, precision)
            if precision == "month":
                last = calendar.monthrange(y, parts[1])[1] if 1 <= parts[1] <= 12 else 0
                return PartialDate(dt.date(y, parts[1], 1), dt.date(y, parts[1], last), precision)
            return PartialDate(dt.date(y, 1, 1), dt.date(y, 12, 31), precision)
        except ValueError as exc:
            raise _fail(f"'{s}' is not a calendar date ({exc})", where, path, row) from None
    raise _fail(f"'{s:.40}' is not a date; write YYYY-MM-DD, YYYY-MM or YYYY", where, path, row)


def parse_date(
    value: Any,
    *,
    last: bool = False,
    where: str = "date",
    path: str | Path | None = None,
    row: int | None = None,
) -> dt.date | None:
    """A date from ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` text, or from a date.

    With month or year precision, ``last=False`` gives the first possible day and ``last=True``
    the last. ``None`` or blank text gives ``None``; a datetime gives its date; anything else
    that is not a date raises the error of :func:`parse_partial_date`.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not str(value).strip():
        return None
    pd = parse_partial_date(str(value), where=where, path=path, row=row)
    return pd.last if last else pd.first
