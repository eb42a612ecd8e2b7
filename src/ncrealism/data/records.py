"""Coded behaviour records: the yearly record, the event record, negotiations, context events.

These are the files of a coded foreign-policy record in the schema of the DPRK training record
(``history/`` beside the repository: ``dprk_yearly_1990_2009.csv``, ``dprk_events_1990_2009.csv``,
``negotiations_1993_2009.csv``, ``context_events_1990_2009.csv``). They are not registered
datasets: users pass file paths, and a file for years the package has never seen loads the same
way. Files are read as the data layer reads every file (:mod:`ncrealism.data._read`: UTF-8 with
or without a BOM, UTF-16, CR/LF/CRLF), then every row is validated; a bad cell raises
:class:`~ncrealism.errors.DataFileError` naming the file, the row (1-based, header = row 1) and
the field.

Dates
-----
A date is ``YYYY-MM-DD`` (precision ``day`` or ``range-start``), ``YYYY-MM`` (``month``) or
``YYYY`` (``year``). When a ``date_precision`` column is present the date must be written at
least as finely as it says (``1990-05-01`` at ``month`` precision is May 1990; ``1990-05`` at
``day`` precision is an error), and the precision decides the timing. A date is returned as
the first day of the period it names (``date``), with
``time``: the point in fractional years used for timing (day: the day itself,
``year + (day_of_year - 1) / days_in_year``; month: the middle of the month; year: mid-year).

Frames returned
---------------
:func:`read_yearly_record` (one row per year, keyed by ``year``):

=========================  =======  ============================================================
column                     dtype    meaning (unit)
=========================  =======  ============================================================
year                       Int64    calendar year
nuclear_tests              Int64    nuclear tests that year (count)
missile_tests              Int64    missiles tested (count; CNS database class)
missile_test_events        Int64    distinct launch dates (count)
csis_missile_events        Int64    CSIS missile events (count)
in_talks                   Int64    1 if the state took part in a negotiation session, else 0
agreements                 Int64    agreements signed or jointly issued (count)
provocations               Int64    military provocations (count)
dominant_posture           Utf8     the year's dominant posture (one of ``postures``)
justification              Utf8     the analyst's one-line justification
in_talks_basis             Utf8     why ``in_talks`` is what it is
missile_count_confidence   Utf8     high / medium / low
posture_confidence         Utf8     high / medium / low
=========================  =======  ============================================================

Only ``year`` and ``dominant_posture`` are required; the other columns are returned when the
file has them (counts must be non-negative integers, ``in_talks`` 0 or 1). Every column but
``year`` is an *outcome* (:data:`YEARLY_OUTCOME_COLUMNS`): a model may be scored against it but
never fed with it.

:func:`read_event_record` (one row per event): ``date`` (Date), ``date_precision`` (Utf8),
``time`` (Float64, fractional year), ``year`` (Int64, must equal the date's year), ``event``,
``category`` (one of ``categories``), ``subtype``, ``counterparts`` (Utf8, ``;``-separated),
``source_url``, ``source_secondary`` (Utf8), ``signed_document`` (Int64, 0/1), ``confidence``
(Utf8, high/medium/low), ``origin`` (Utf8), ``notes`` (Utf8).

:func:`read_negotiation_record` (one row per episode, keyed by ``episode_id``): ``episode_id``,
``framework``, ``round_phase`` (Utf8), ``start_date``, ``end_date`` (Date; end not before
start), ``location`` (Utf8), ``parties`` (List(Utf8), from the ``;``-separated cell),
``dprk_demands``, ``dprk_offers``, ``others_demands`` (Utf8), ``outcome`` (Utf8: agreement,
partial, no agreement, collapsed), ``agreement_name`` (Utf8), ``agreement_date``,
``held_until`` (Date, nullable), ``held_days`` (Int64 days, nullable; needs an
``agreement_date``; with a ``held_until`` it must equal ``held_until - agreement_date``, within
the span of a month- or year-precision date; without one the agreement
was still holding when the record was coded, and the days are a censored duration),
``held_until_event``, ``sources``, ``confidence``, ``notes``
(Utf8).

:func:`read_context_events` (one row per event): ``date`` (Date), ``date_precision`` (Utf8),
``time`` (Float64, fractional year), ``year`` (Int64), ``event``, ``type`` (Utf8, a lower-case
identifier such as ``systemic_stimulus``, ``sanction``, ``inducement``, ``us_policy``,
``domestic_leadership``, ``domestic_crisis``; new types are accepted), ``actor`` (Utf8),
``source_url``, ``confidence`` (Utf8, high/medium/low), ``notes`` (Utf8). Context events are
model *inputs* (outside shocks), never behaviour.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from ncrealism.data._read import INT64_MAX, INT64_MIN, read_rows
from ncrealism.data.dates import PartialDate, parse_partial_date
from ncrealism.errors import DataFileError

__all__ = [
    "CONFIDENCE_LEVELS",
    "CONTEXT_TYPES",
    "EVENT_CATEGORIES",
    "NEGOTIATION_OUTCOMES",
    "POSTURES",
    "YEARLY_COUNT_COLUMNS",
    "YEARLY_OUTCOME_COLUMNS",
    "parse_record_date",
    "read_context_events",
    "read_event_record",
    "read_negotiation_record",
    "read_yearly_record",
]

#: The postures of the training record (``dominant_posture``), in the order used throughout.
POSTURES: tuple[str, ...] = (
    "internal_balancing",
    "external_balancing",
    "engagement",
    "accommodation",
    "brinkmanship",
)
CONFIDENCE_LEVELS: tuple[str, ...] = ("high", "medium", "low")
EVENT_CATEGORIES: tuple[str, ...] = (
    "nuclear_development",
    "missile_test",
    "military_provocation",
    "negotiation_engagement",
    "agreement",
    "agreement_breakdown",
    "alignment_move",
    "accommodation",
)
NEGOTIATION_OUTCOMES: tuple[str, ...] = ("agreement", "partial", "no agreement", "collapsed")
#: Context-event types of the training record; other lower-case identifiers are accepted.
CONTEXT_TYPES: tuple[str, ...] = (
    "systemic_stimulus",
    "sanction",
    "inducement",
    "us_policy",
    "domestic_leadership",
    "domestic_crisis",
    "domestic_shock",
)
YEARLY_COUNT_COLUMNS: tuple[str, ...] = (
    "nuclear_tests",
    "missile_tests",
    "missile_test_events",
    "csis_missile_events",
    "in_talks",
    "agreements",
    "provocations",
)
_YEARLY_TEXT = ("justification", "in_talks_basis", "missile_count_confidence", "posture_confidence")
#: Every yearly column that records behaviour (all but ``year``).
YEARLY_OUTCOME_COLUMNS: tuple[str, ...] = (
    *YEARLY_COUNT_COLUMNS,
    "dominant_posture",
    *_YEARLY_TEXT,
)

_PRECISION_FORM = {"day": "day", "range-start": "day", "month": "month", "year": "year"}
_RANK = {"year": 0, "month": 1, "day": 2}
_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_record_date(
    text: str, *, path: Path | str = "<text>", row: int | None = None, field: str = "date"
) -> tuple[dt.date, str, float]:
    """Parse ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` via :mod:`ncrealism.data.dates`.

    Returns the first day of the period, its form (``day``, ``month`` or ``year``) and the
    timing point in fractional years (day: the day; month: mid-month; year: mid-year).
    """
    d = parse_partial_date(text, where=field, path=path, row=row)
    return d.first, d.precision, d.timing


class _Rows:
    """String rows of a record file with per-cell validation that names the row and field."""

    def __init__(self, path: Path | str, required: Sequence[str]) -> None:
        self.path = path
        self.head, self.body = read_rows(path)
        absent = [c for c in required if c not in self.head]
        if absent:
            raise DataFileError(
                path, f"required column(s) {absent} absent (found: {list(self.head)})"
            )
        self.index = {c: j for j, c in enumerate(self.head)}

    def has(self, col: str) -> bool:
        return col in self.index

    def cell(self, i: int, col: str) -> str:
        return self.body[i][self.index[col]].strip()

    def rowno(self, i: int) -> int:
        return i + 2

    def error(self, i: int, col: str, msg: str) -> DataFileError:
        return DataFileError(self.path, msg, row=self.rowno(i), field=col)

    def text(self, col: str, *, required: bool = False) -> list[str | None]:
        out: list[str | None] = []
        for i in range(len(self.body)):
            v = self.cell(i, col)
            if not v:
                if required:
                    raise self.error(i, col, "empty cell; a value is required")
                out.append(None)
            else:
                out.append(v)
        return out

    def integer(
        self, col: str, *, required: bool = False, lo: int | None = None, hi: int | None = None
    ) -> list[int | None]:
        out: list[int | None] = []
        for i in range(len(self.body)):
            v = self.cell(i, col)
            if not v or v.upper() in {"NA", "NAN"}:
                if required:
                    raise self.error(i, col, "empty cell; an integer is required")
                out.append(None)
                continue
            try:
                f = float(v)
            except ValueError:
                raise self.error(i, col, f"cannot read '{v}' as an integer") from None
            if not f.is_integer():
                raise self.error(i, col, f"'{v}' is not a whole number")
            n = int(f)
            if not INT64_MIN <= n <= INT64_MAX:
                raise self.error(i, col, f"'{v}' is outside the range of a 64-bit integer")
            if lo is not None and n < lo:
                raise self.error(i, col, f"{n} is below the smallest allowed value {lo}")
            if hi is not None and n > hi:
                raise self.error(i, col, f"{n} is above the largest allowed value {hi}")
            out.append(n)
        return out

    def choice(
        self, col: str, allowed: Sequence[str], *, required: bool = False
    ) -> list[str | None]:
        out = self.text(col, required=required)
        for i, v in enumerate(out):
            if v is not None and v not in allowed:
                raise self.error(
                    i, col, f"unknown value '{v}'; expected one of {', '.join(allowed)}"
                )
        return out

    def dates(
        self, col: str, *, required: bool = False, precision_col: str | None = None
    ) -> tuple[list[dt.date | None], list[str | None], list[float | None]]:
        days: list[dt.date | None] = []
        forms: list[str | None] = []
        times: list[float | None] = []
        precisions = (
            self.text(precision_col)
            if precision_col is not None and self.has(precision_col)
            else None
        )
        for i in range(len(self.body)):
            v = self.cell(i, col)
            if not v:
                if required:
                    raise self.error(i, col, "empty cell; a date is required")
                days.append(None)
                forms.append(None)
                times.append(None)
                continue
            d, form, t = parse_record_date(v, path=self.path, row=self.rowno(i), field=col)
            if precisions is not None and precision_col is not None:
                p = precisions[i]
                if p is None or p not in _PRECISION_FORM:
                    raise self.error(
                        i,
                        precision_col,
                        f"unknown precision '{p}'; expected one of {', '.join(_PRECISION_FORM)}",
                    )
                want = _PRECISION_FORM[p]
                if _RANK[form] < _RANK[want]:
                    raise self.error(i, col, f"date '{v}' is coarser than its precision '{p}' says")
                if want != form:
                    # e.g. 1990-05-01 coded at month precision: time it as the month says.
                    d, _, t = parse_record_date(
                        v[: {"month": 7, "year": 4}[want]],
                        path=self.path,
                        row=self.rowno(i),
                        field=col,
                    )
            days.append(d)
            forms.append(precisions[i] if precisions is not None else form)
            times.append(t)
        return days, forms, times

    def periods(self, col: str) -> list[PartialDate | None]:
        """The periods the dates of ``col`` stand for (first and last possible day), ``None``
        for an empty cell."""
        return [
            parse_partial_date(v, where=col, path=self.path, row=self.rowno(i)) if v else None
            for i, v in ((i, self.cell(i, col)) for i in range(len(self.body)))
        ]

    def check_year(self, years: Sequence[int | None], days: Sequence[dt.date | None]) -> None:
        for i, (y, d) in enumerate(zip(years, days, strict=True)):
            if y is not None and d is not None and y != d.year:
                raise self.error(i, "year", f"year {y} differs from the date's year {d.year}")

    def check_unique(self, col: str, values: Sequence[Any]) -> None:
        seen: dict[Any, int] = {}
        for i, v in enumerate(values):
            if v in seen:
                raise self.error(
                    i, col, f"duplicate {col} {v} (first at row {self.rowno(seen[v])})"
                )
            seen[v] = i


def read_yearly_record(path: Path | str, *, postures: Sequence[str] = POSTURES) -> pl.DataFrame:
    """Read a yearly record (columns in this module's docstring), validated row by row.

    ``postures`` lists the allowed ``dominant_posture`` values (default :data:`POSTURES`);
    pass an extended list when a record codes options of an extended registry.
    """
    r = _Rows(path, ("year", "dominant_posture"))
    if not r.body:
        raise DataFileError(
            path, "the record has a header but no rows; give at least one coded year", row=2
        )
    cols: dict[str, pl.Series] = {}
    years = r.integer("year", required=True, lo=1, hi=9999)
    r.check_unique("year", years)
    cols["year"] = pl.Series("year", years, dtype=pl.Int64)
    for c in YEARLY_COUNT_COLUMNS:
        if r.has(c):
            vals = r.integer(c, lo=0, hi=1 if c == "in_talks" else None)
            cols[c] = pl.Series(c, vals, dtype=pl.Int64)
    cols["dominant_posture"] = pl.Series(
        "dominant_posture", r.choice("dominant_posture", postures, required=True), dtype=pl.Utf8
    )
    for c in _YEARLY_TEXT:
        if r.has(c):
            texts = r.choice(c, CONFIDENCE_LEVELS) if c.endswith("confidence") else r.text(c)
            cols[c] = pl.Series(c, texts, dtype=pl.Utf8)
    return pl.DataFrame(cols).sort("year")


def read_event_record(
    path: Path | str, *, categories: Sequence[str] = EVENT_CATEGORIES
) -> pl.DataFrame:
    """Read an event record (columns in this module's docstring), validated row by row."""
    r = _Rows(path, ("date", "year", "event", "category"))
    days, forms, times = r.dates("date", required=True, precision_col="date_precision")
    years = r.integer("year", required=True)
    r.check_year(years, days)
    cols: dict[str, pl.Series] = {
        "date": pl.Series("date", days, dtype=pl.Date),
        "date_precision": pl.Series("date_precision", forms, dtype=pl.Utf8),
        "time": pl.Series("time", times, dtype=pl.Float64),
        "year": pl.Series("year", years, dtype=pl.Int64),
        "event": pl.Series("event", r.text("event", required=True), dtype=pl.Utf8),
        "category": pl.Series(
            "category", r.choice("category", categories, required=True), dtype=pl.Utf8
        ),
    }
    for c in ("subtype", "counterparts", "source_url", "source_secondary"):
        cols[c] = pl.Series(c, r.text(c) if r.has(c) else [None] * len(days), dtype=pl.Utf8)
    signed = r.integer("signed_document", lo=0, hi=1) if r.has("signed_document") else None
    cols["signed_document"] = pl.Series(
        "signed_document", signed or [None] * len(days), dtype=pl.Int64
    )
    conf = r.choice("confidence", CONFIDENCE_LEVELS) if r.has("confidence") else None
    cols["confidence"] = pl.Series("confidence", conf or [None] * len(days), dtype=pl.Utf8)
    for c in ("origin", "notes"):
        cols[c] = pl.Series(c, r.text(c) if r.has(c) else [None] * len(days), dtype=pl.Utf8)
    return pl.DataFrame(cols)


def read_negotiation_record(path: Path | str) -> pl.DataFrame:
    """Read a negotiation record (columns in this module's docstring), validated row by row."""
    r = _Rows(path, ("episode_id", "start_date", "end_date", "parties", "outcome"))
    ids = r.text("episode_id", required=True)
    r.check_unique("episode_id", ids)
    n = len(ids)
    start, _, _ = r.dates("start_date", required=True)
    end, _, _ = r.dates("end_date", required=True)
    for i, (a, b) in enumerate(zip(start, end, strict=True)):
        if a is not None and b is not None and b < a:
            raise r.error(i, "end_date", f"end date {b} is before the start date {a}")
    empty: list[PartialDate | None] = [None] * n
    agreed_p = r.periods("agreement_date") if r.has("agreement_date") else empty
    held_p = r.periods("held_until") if r.has("held_until") else empty
    held_days = r.integer("held_days", lo=0) if r.has("held_days") else [None] * n
    for i in range(n):
        signed, until, k = agreed_p[i], held_p[i], held_days[i]
        if until is not None and signed is None:
            raise r.error(i, "held_until", "a held_until date needs an agreement_date")
        if until is not None and signed is not None and until.last < signed.first:
            raise r.error(
                i,
                "held_until",
                f"held_until {until.first} is before the agreement date {signed.first}",
            )
        if k is not None and signed is None:
            raise r.error(i, "held_days", "held_days needs an agreement_date")
        if k is not None and signed is not None and until is not None:
            # A month- or year-precision date stands for any day of its period.
            low, high = (until.first - signed.last).days, (until.last - signed.first).days
            if not low <= k <= high:
                span = f"{low} to {high} days" if low != high else f"{low} days"
                raise r.error(
                    i, "held_days", f"{k} days, but {signed.first} to {until.first} is {span}"
                )
    agreed = [None if p is None else p.first for p in agreed_p]
    held = [None if p is None else p.first for p in held_p]
    parties_raw = r.text("parties", required=True)
    parties = [[p.strip() for p in (v or "").split(";") if p.strip()] for v in parties_raw]
    text: Callable[[str], list[str | None]] = lambda c: r.text(c) if r.has(c) else [None] * n  # noqa: E731
    cols: dict[str, pl.Series] = {
        "episode_id": pl.Series("episode_id", ids, dtype=pl.Utf8),
        "framework": pl.Series("framework", text("framework"), dtype=pl.Utf8),
        "round_phase": pl.Series("round_phase", text("round_phase"), dtype=pl.Utf8),
        "start_date": pl.Series("start_date", start, dtype=pl.Date),
        "end_date": pl.Series("end_date", end, dtype=pl.Date),
        "location": pl.Series("location", text("location"), dtype=pl.Utf8),
        "parties": pl.Series("parties", parties, dtype=pl.List(pl.Utf8)),
        "dprk_demands": pl.Series("dprk_demands", text("dprk_demands"), dtype=pl.Utf8),
        "dprk_offers": pl.Series("dprk_offers", text("dprk_offers"), dtype=pl.Utf8),
        "others_demands": pl.Series("others_demands", text("others_demands"), dtype=pl.Utf8),
        "outcome": pl.Series(
            "outcome", r.choice("outcome", NEGOTIATION_OUTCOMES, required=True), dtype=pl.Utf8
        ),
        "agreement_name": pl.Series("agreement_name", text("agreement_name"), dtype=pl.Utf8),
        "agreement_date": pl.Series("agreement_date", agreed, dtype=pl.Date),
        "held_until": pl.Series("held_until", held, dtype=pl.Date),
        "held_days": pl.Series("held_days", held_days, dtype=pl.Int64),
        "held_until_event": pl.Series("held_until_event", text("held_until_event"), dtype=pl.Utf8),
        "sources": pl.Series("sources", text("sources"), dtype=pl.Utf8),
        "confidence": pl.Series(
            "confidence",
            r.choice("confidence", CONFIDENCE_LEVELS) if r.has("confidence") else [None] * n,
            dtype=pl.Utf8,
        ),
        "notes": pl.Series("notes", text("notes"), dtype=pl.Utf8),
    }
    return pl.DataFrame(cols)


def read_context_events(path: Path | str) -> pl.DataFrame:
    """Read a context-event file (columns in this module's docstring), validated row by row.

    ``type`` must be a lower-case identifier; types beyond :data:`CONTEXT_TYPES` are kept (a
    consumer that does not know a type ignores it and says so).
    """
    r = _Rows(path, ("date", "event", "type"))
    days, forms, times = r.dates("date", required=True, precision_col="date_precision")
    n = len(days)
    types = r.text("type", required=True)
    for i, t in enumerate(types):
        if t is not None and not _IDENT.match(t):
            raise r.error(
                i, "type", f"'{t}' is not a lower-case identifier such as systemic_stimulus"
            )
    cols: dict[str, pl.Series] = {
        "date": pl.Series("date", days, dtype=pl.Date),
        "date_precision": pl.Series("date_precision", forms, dtype=pl.Utf8),
        "time": pl.Series("time", times, dtype=pl.Float64),
        "year": pl.Series("year", [d.year if d else None for d in days], dtype=pl.Int64),
        "event": pl.Series("event", r.text("event", required=True), dtype=pl.Utf8),
        "type": pl.Series("type", types, dtype=pl.Utf8),
        "actor": pl.Series("actor", r.text("actor") if r.has("actor") else [None] * n),
        "source_url": pl.Series(
            "source_url", r.text("source_url") if r.has("source_url") else [None] * n
        ),
        "confidence": pl.Series(
            "confidence",
            r.choice("confidence", CONFIDENCE_LEVELS) if r.has("confidence") else [None] * n,
            dtype=pl.Utf8,
        ),
        "notes": pl.Series("notes", r.text("notes") if r.has("notes") else [None] * n),
    }
    return pl.DataFrame(cols).with_columns(
        pl.col("actor").cast(pl.Utf8),
        pl.col("source_url").cast(pl.Utf8),
        pl.col("notes").cast(pl.Utf8),
    )
