"""SIPRI Military Expenditure Database (2024 release, 1948-2023), by COW state-year.

Read from the publisher's workbook (``sipri_milex``), one sheet per measure:

=====================  ========================  ===============================================
measure                sheet                     unit of ``value``
=====================  ========================  ===============================================
``constant_2022_usd``  "Constant (2022) US$"     US$ millions at constant 2022 prices and
                                                 exchange rates
``current_usd``        "Current US$"             US$ millions at current prices and exchange
                                                 rates
``share_gdp``          "Share of GDP"            fraction of GDP (0.031 = 3.1 %; the workbook
                                                 stores fractions and formats them as percent)
=====================  ========================  ===============================================

Each sheet has a few lines of notes, then a header row whose first cell is "Country" and whose
year cells are integers; region headings ("Africa", "North Africa", ...) are rows without any
figure. SIPRI's codes become nulls with ``missing_reason`` saying which: ``". ."``/``"..."`` →
``"unavailable"``, ``"xxx"`` → ``"not independent"`` (the country did not exist or was not
independent in all or part of the year). Any other text in a year column is an error naming the
sheet row and the year.

The current-US$ sheet stores 0 in cells where SIPRI computed no current-dollar figure: where the
constant-price sheet has none (North Korea 1986-2014, Czechoslovakia, the GDR, Yugoslavia, ...)
and even where it has one (Argentina 1948-1961, Taiwan 1976-1987, Russia 1992). A military
budget of zero is not plausible for these states, so a zero in that sheet is kept only where
the constant-price sheet also reports zero (Costa Rica, Iceland, Panama and Haiti, which have
no armed forces, and three Mauritania years); other zeros are nulls with
``missing_reason = "zero placeholder"``.
North Korea has no figure at constant prices or as a share of GDP (all "unavailable"); the
current-US$ sheet alone gives figures for 2015-2018.

Columns of :func:`load_sipri_milex` (one row per COW state-year; SIPRI names attached through
:mod:`ncrealism.data.codes`):

==============  =======  ========================================================
column          dtype    meaning
==============  =======  ========================================================
ccode           Int64    COW state code
year            Int64    calendar year
sipri_name      Utf8     the country as SIPRI names it ("Korea, North")
value           Float64  the measure (unit above); null when SIPRI has none
missing_reason  Utf8     why ``value`` is null (see above); null when present
==============  =======  ========================================================

Region headings and the "European Union" row name no COW state and are dropped
(``keep_unmatched=True`` keeps them with a null ``ccode``). Where two SIPRI rows map to one COW
state-year (USSR and Russia, both 365) the one with a figure is kept.

Source: SIPRI Military Expenditure Database, Stockholm International Peace Research Institute,
2024 release, https://www.sipri.org/databases/milex.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

import polars as pl

from ncrealism.data._read import read_xlsx_rows, whole_number
from ncrealism.data.codes import dataset_label, join_state_year, key_by_ccode
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError, InputError

T = TypeVar("T")

Measure = Literal["constant_2022_usd", "current_usd", "share_gdp"]

#: Sheet of the SIPRI workbook holding each measure.
SHEETS: dict[str, str] = {
    "constant_2022_usd": "Constant (2022) US$",
    "current_usd": "Current US$",
    "share_gdp": "Share of GDP",
}

#: Column name :func:`add_sipri_milex` gives each measure.
COLUMNS: dict[str, str] = {
    "constant_2022_usd": "sipri_milex_constant2022",
    "current_usd": "sipri_milex_current",
    "share_gdp": "sipri_milex_share_gdp",
}

#: SIPRI's text codes in numeric cells.
MISSING_CODES: dict[str, str] = {
    ". .": "unavailable",
    "...": "unavailable",
    "..": "unavailable",
    "xxx": "not independent",
}

_SCHEMA = {
    "sipri_name": pl.Utf8,
    "year": pl.Int64,
    "value": pl.Float64,
    "missing_reason": pl.Utf8,
}


def read_sipri_sheet(path: Path | str, sheet: str) -> pl.DataFrame:
    """Read one SIPRI sheet into long form: ``sipri_name``, ``year``, ``value``, ``missing_reason``.

    Rows without any cell in the year columns (region headings) are skipped. Errors name the
    workbook, the sheet row (1-based, as Excel numbers it) and the year column.
    """
    rows = read_xlsx_rows(path, sheet)
    where = f"{path} [{sheet}]"
    header_at = next(
        (
            i
            for i, r in enumerate(rows)
            if r and isinstance(r[0], str) and r[0].strip() == "Country"
        ),
        None,
    )
    if header_at is None:
        raise DataFileError(where, "no header row starting with 'Country'")
    header = rows[header_at]
    years: dict[int, int] = {}
    for j, h in enumerate(header):
        if isinstance(h, int | float) and not isinstance(h, bool) and float(h).is_integer():
            years[j] = whole_number(h, where, row=header_at + 1, field=f"column {j + 1}")
        elif isinstance(h, str) and h.strip().isdigit() and len(h.strip()) == 4:
            years[j] = int(h.strip())
    if not years:
        raise DataFileError(where, "the header row has no year columns", row=header_at + 1)
    out: dict[str, list[object]] = {k: [] for k in _SCHEMA}
    for i in range(header_at + 1, len(rows)):
        r = rows[i]
        if not r or not isinstance(r[0], str) or not r[0].strip():
            continue
        cells = {y: (r[j] if j < len(r) else None) for j, y in years.items()}
        if all(v is None for v in cells.values()):
            continue  # a region heading
        name = r[0].strip()
        for y, v in cells.items():
            value: float | None = None
            reason: str | None = None
            if v is None:
                reason = "unavailable"
            elif isinstance(v, bool):
                raise DataFileError(where, f"boolean cell {v!r}", row=i + 1, field=str(y))
            elif isinstance(v, int | float):
                value = float(v)
            elif isinstance(v, str):
                text = v.strip()
                if text in MISSING_CODES:
                    reason = MISSING_CODES[text]
                elif text == "":
                    reason = "unavailable"
                else:
                    try:
                        value = float(text)
                    except ValueError:
                        raise DataFileError(
                            where,
                            f"cannot read '{v}' as a number or a SIPRI missing code "
                            f"({sorted(MISSING_CODES)})",
                            row=i + 1,
                            field=str(y),
                        ) from None
            else:
                raise DataFileError(where, f"unexpected cell {v!r}", row=i + 1, field=str(y))
            out["sipri_name"].append(name)
            out["year"].append(y)
            out["value"].append(value)
            out["missing_reason"].append(reason)
    df = pl.DataFrame(out, schema=_SCHEMA)
    dup = df.select(pl.struct("sipri_name", "year").is_duplicated().alias("d"))["d"]
    if dup.any():
        k = int(dup.arg_true()[0])
        raise DataFileError(where, f"country '{df['sipri_name'][k]}' appears twice")
    return df


def read_sipri_milex(path: Path | str, measure: Measure = "constant_2022_usd") -> pl.DataFrame:
    """Read one measure (see :data:`SHEETS`) from the workbook, with the current-US$ zero rule."""
    if measure not in SHEETS:
        raise InputError(f"unknown SIPRI measure '{measure}'; choose one of {sorted(SHEETS)}")
    df = read_sipri_sheet(path, SHEETS[measure])
    if measure != "current_usd":
        return df
    const = read_sipri_sheet(path, SHEETS["constant_2022_usd"]).select(
        "sipri_name", "year", pl.col("value").alias("__const")
    )
    df = df.join(const, on=["sipri_name", "year"], how="left", maintain_order="left")
    placeholder = (pl.col("value") == 0) & (pl.col("__const") != 0).fill_null(True)
    return df.with_columns(
        pl.when(placeholder).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(placeholder)
        .then(pl.lit("zero placeholder"))
        .otherwise(pl.col("missing_reason"))
        .alias("missing_reason"),
    ).drop("__const")


def load_sipri_milex(
    measure: Measure = "constant_2022_usd",
    *,
    source: DataSource | None = None,
    keep_unmatched: bool = False,
) -> pl.DataFrame:
    """SIPRI military expenditure by COW state-year (columns and units in the module docstring)."""
    source = source or DataSource.from_env()
    path = source.path("sipri_milex")
    out = key_by_ccode(
        read_sipri_milex(path, measure),
        values=["value"],
        carry=["missing_reason"],
        label_col="sipri_name",
        path=path,
        name_col="sipri_name",
        keep_unmatched=keep_unmatched,
        source=source,
    )
    return out


def add_sipri_milex(
    frame: T,
    measure: Measure = "constant_2022_usd",
    *,
    source: DataSource | None = None,
    table: pl.DataFrame | None = None,
) -> T:
    """Add SIPRI expenditure as column ``COLUMNS[measure]`` (Float64, unit of the measure).

    Rows and their order are kept; state-years SIPRI does not cover get null. ``table`` may be
    a frame already returned by :func:`load_sipri_milex` for the same measure.
    """
    if measure not in COLUMNS:
        raise InputError(f"unknown SIPRI measure '{measure}'; choose one of {sorted(COLUMNS)}")
    source = source or DataSource.from_env()
    tab = table if table is not None else load_sipri_milex(measure, source=source)
    return join_state_year(
        frame,
        tab,
        {"value": COLUMNS[measure]},
        sources=[dataset_label(source, "sipri_milex")],
    )
