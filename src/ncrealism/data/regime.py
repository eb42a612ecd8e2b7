"""Regime type: Polity5 (p5v2018) and the V-Dem Electoral Democracy Index, by COW state-year.

Polity5 (``polity5``; Marshall & Gurr 2020). The publisher ships ``p5v2018.xls``; the registered
alternate is a CSV conversion (UTF-8 with BOM, CRLF). :func:`read_polity` reads either, telling
them apart by content (an OLE2 or BIFF signature means the spreadsheet). Polity's special codes
in ``polity``, ``democ`` and ``autoc`` are not scores: -66 (foreign interruption), -77
(interregnum, anarchy) and -88 (transition) become nulls, and ``polity_special`` says which
(Marshall & Gurr 2020, Users' Manual, sec. 2). ``polity2`` is kept as published: the
"revised combined" score in which the special codes are already converted (transitions
prorated, interregna set to 0, interruptions left missing).

Polity's country codes follow COW except where listed in :data:`POLITY_TO_COW` (e.g. 364 USSR,
342 Serbia, 347 Yugoslavia 1991-2006, 529 Ethiopia from 1993, 818 Vietnam from 1976); the
loader maps them to COW codes and keeps the original in ``polity_ccode``. In a transition year
Polity has a row for the outgoing and one for the incoming polity (USSR and Russia in 1922);
both then have the same COW code, and the row of the polity that continues into the next year
is kept.

Columns of :func:`load_polity`:

===============  =======  =============================================================
column           dtype    meaning
===============  =======  =============================================================
ccode            Int64    COW state code
year             Int64    calendar year
polity_ccode     Int64    Polity's own country code
scode            Utf8     Polity's letter code
country          Utf8     Polity's country name
democ            Int64    institutionalised democracy, 0-10 (null for -66/-77/-88)
autoc            Int64    institutionalised autocracy, 0-10 (null for -66/-77/-88)
polity           Int64    democ - autoc, -10..10 (null for -66/-77/-88)
polity_special   Utf8     "interruption" (-66), "interregnum" (-77), "transition" (-88)
polity2          Int64    revised combined score, -10..10, as published (null where blank)
durable          Int64    years since the last regime change (as published)
===============  =======  =============================================================

V-Dem (``vdem``; Coppedge et al., v2x_polyarchy) through Our World in Data's grapher CSV:
``Entity``, ``Code`` (ISO3 or ``OWID_*``), ``Year``, ``Electoral Democracy Index`` (0-1).
OWID files historical polities under their own names ("West Germany", "Yemen Arab Republic",
"Bavaria") and, like V-Dem, files a predecessor under its successor's name ("Russia" for the
USSR, "Serbia" for Yugoslavia 1918-2006, "Czechia" for Czechoslovakia); the loader attaches
COW codes by entity name (:mod:`ncrealism.data.codes`). Entities that are no COW state
(regional aggregates, Hong Kong, Palestine, Somaliland, Hamburg, ...) are dropped.

Columns of :func:`load_vdem`: ``ccode`` (Int64), ``year`` (Int64), ``entity`` (Utf8), ``code``
(Utf8), ``v2x_polyarchy`` (Float64, electoral democracy index, 0-1; Teorell et al. 2019).

Sources: Marshall, Monty G. and Ted Robert Gurr. 2020. Polity5: Political Regime
Characteristics and Transitions, 1800-2018. Dataset Users' Manual. Center for Systemic Peace.
Coppedge, Michael et al. V-Dem Country-Year Dataset; Teorell, Jan, Michael Coppedge, Staffan
Lindberg and Svend-Erik Skaaning. 2019. "Measuring Polyarchy Across the Globe, 1900-2017."
Studies in Comparative International Development 54(1): 71-95.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TypeVar

import polars as pl

from ncrealism.data._read import read_rows, to_frame
from ncrealism.data.codes import dataset_label, join_state_year, key_by_ccode
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError, os_error_message

T = TypeVar("T")

#: Polity's special codes in polity/democ/autoc (Marshall & Gurr 2020, sec. 2).
POLITY_SPECIAL: dict[int, str] = {-66: "interruption", -77: "interregnum", -88: "transition"}

#: (Polity code, COW code or None, first year, last year, note): Polity units whose code is not
#: the COW code. ``None`` COW code: the unit is no COW state and is dropped.
POLITY_TO_COW: tuple[tuple[int, int | None, int | None, int | None, str], ...] = (
    (305, 300, None, 1918, "Polity codes Austria 305 throughout; COW 300 = Austria-Hungary"),
    (324, 325, None, None, "Sardinia; COW codes Sardinia/Italy 325 from 1816"),
    (341, 347, None, None, "Kosovo (Polity 341, COW 347)"),
    (342, 345, None, None, "Serbia (Polity 342); COW codes Serbia 345"),
    (347, 345, None, None, "Yugoslavia 1991-2002 / Serbia and Montenegro 2003-2006"),
    (348, 341, None, None, "Montenegro (Polity 348, COW 341)"),
    (364, 365, None, None, "USSR (Polity 364); COW codes Russia/USSR 365"),
    (525, 626, None, None, "South Sudan (Polity 525, COW 626)"),
    (626, 625, None, None, "Sudan-North from 2011 (Polity 626); COW Sudan 625"),
    (529, 530, None, None, "Ethiopia from 1993 (Polity 529, COW 530)"),
    (769, 770, None, None, "Pakistan 1947-1971 (Polity 769, COW 770)"),
    (818, 816, None, None, "Vietnam from 1976 (Polity 818, COW 816)"),
    (89, None, None, None, "United Provinces of Central America: not a COW state"),
    (99, None, None, None, "Gran Colombia: not a COW state"),
    (564, None, None, None, "Orange Free State: not a COW state"),
)

_POLITY_SCHEMA: dict[str, type[pl.DataType]] = {
    "ccode": pl.Int64,
    "scode": pl.Utf8,
    "country": pl.Utf8,
    "year": pl.Int64,
    "democ": pl.Int64,
    "autoc": pl.Int64,
    "polity": pl.Int64,
    "polity2": pl.Int64,
    "durable": pl.Int64,
}

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BIFF_BOF = (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08")


def _is_xls(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise DataFileError(path, os_error_message(exc, reading=True)) from None
    return head.startswith(_OLE2) or head[:2] in _BIFF_BOF


def _xls_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """The first sheet of a legacy Excel workbook as strings (header row first)."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), logfile=io.StringIO(), on_demand=True)
        sheet = book.sheet_by_index(0)
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct errors
        raise DataFileError(path, f"not a readable .xls workbook ({exc})") from exc

    def text(v: object) -> str:
        if isinstance(v, float):
            return str(int(v)) if v.is_integer() else repr(v)
        return str(v).strip()

    rows = [[text(v) for v in sheet.row_values(i)] for i in range(sheet.nrows)]
    rows = [r for r in rows if any(c for c in r)]
    if not rows:
        raise DataFileError(path, "the sheet is empty")
    return rows[0], rows[1:]


def read_polity(path: Path | str) -> pl.DataFrame:
    """Read Polity5 as published (.xls) or as the CSV conversion; special codes → nulls.

    Returns Polity's own codes (``ccode`` is Polity's); :func:`load_polity` maps them to COW.
    Columns: those of :data:`_POLITY_SCHEMA` plus ``polity_special``.
    """
    p = Path(path)
    head, body = _xls_rows(p) if _is_xls(p) else read_rows(p)
    df = to_frame(p, head, body, _POLITY_SCHEMA, missing=("", "NA", "."))
    repeat = df.select((~pl.struct("ccode", "year").is_first_distinct()).alias("d"))["d"]
    if repeat.any():
        i = int(repeat.arg_true()[0])
        raise DataFileError(
            p,
            f"duplicate key (ccode={df['ccode'][i]}, year={df['year'][i]})",
            row=i + 2,
            field="ccode,year",
        )
    specials = list(POLITY_SPECIAL)
    for col, lo, hi in (("polity", -10, 10), ("democ", 0, 10), ("autoc", 0, 10)):
        bad = (~(pl.col(col).is_between(lo, hi) | pl.col(col).is_in(specials))).fill_null(False)
        hits = df.select(bad.alias("b"))["b"]
        if hits.any():
            i = int(hits.arg_true()[0])
            raise DataFileError(
                p,
                f"{col} = {df[col][i]} is neither a score ({lo}..{hi}) nor a special code "
                f"({specials})",
                row=i + 2,
                field=col,
            )
    hits = df.select((~pl.col("polity2").is_between(-10, 10)).fill_null(False).alias("b"))["b"]
    if hits.any():
        i = int(hits.arg_true()[0])
        raise DataFileError(
            p, f"polity2 = {df['polity2'][i]} outside -10..10", row=i + 2, field="polity2"
        )
    special = pl.col("polity").replace_strict(POLITY_SPECIAL, default=None, return_dtype=pl.Utf8)
    return df.with_columns(
        special.alias("polity_special"),
        *(
            pl.when(pl.col(c).is_in(specials)).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("polity", "democ", "autoc")
        ),
    )


def polity_to_cow(df: pl.DataFrame, path: Path | str = "polity") -> pl.DataFrame:
    """Map Polity codes to COW codes (:data:`POLITY_TO_COW`), resolving transition years.

    Input: a frame from :func:`read_polity`. Output: ``ccode`` is the COW code, the Polity code
    moves to ``polity_ccode``; units that are no COW state are dropped.
    """
    expr: pl.Expr = pl.col("polity_ccode")
    dropped: list[int] = []
    for pc, cc, lo, hi, _note in reversed(POLITY_TO_COW):
        if cc is None:
            dropped.append(pc)
            continue
        cond = pl.col("polity_ccode") == pc
        if lo is not None:
            cond = cond & (pl.col("year") >= lo)
        if hi is not None:
            cond = cond & (pl.col("year") <= hi)
        expr = pl.when(cond).then(pl.lit(cc, dtype=pl.Int64)).otherwise(expr)
    out = (
        df.rename({"ccode": "polity_ccode"})
        .filter(~pl.col("polity_ccode").is_in(dropped))
        .with_columns(expr.alias("ccode"))
    )
    # In a transition year keep the Polity unit that continues into the next year.
    units = out.select(
        "polity_ccode", (pl.col("year") - 1).alias("year"), pl.lit(True).alias("__continues")
    )
    out = out.join(units, on=["polity_ccode", "year"], how="left", maintain_order="left")
    out = out.with_columns(pl.col("__continues").fill_null(False))
    clash = pl.struct("ccode", "year").is_duplicated()
    out = out.filter(~clash | pl.col("__continues")).drop("__continues")
    dup = out.filter(pl.struct("ccode", "year").is_duplicated())
    if dup.height:
        r = dup.row(0, named=True)
        raise DataFileError(
            path,
            f"Polity units {dup['polity_ccode'].unique().to_list()} both map to COW "
            f"{r['ccode']} in {r['year']} and both continue",
            field="ccode",
        )
    return out


def load_polity(*, source: DataSource | None = None) -> pl.DataFrame:
    """Polity5 by COW state-year (columns in the module docstring)."""
    source = source or DataSource.from_env()
    path = source.path("polity5")
    out = polity_to_cow(read_polity(path), path)
    return out.select(
        "ccode",
        "year",
        "polity_ccode",
        "scode",
        "country",
        "democ",
        "autoc",
        "polity",
        "polity_special",
        "polity2",
        "durable",
    ).sort("ccode", "year")


_VDEM_VALUE_NAMES = (
    "Electoral Democracy Index",
    "Electoral democracy index",
    "electoral_democracy_index",
    "v2x_polyarchy",
)


def read_vdem(path: Path | str) -> pl.DataFrame:
    """Read the OWID grapher CSV: ``entity``, ``code``, ``year``, ``v2x_polyarchy`` (0-1)."""
    head, body = read_rows(path)
    value = next((c for c in _VDEM_VALUE_NAMES if c in head), None)
    if value is None:
        raise DataFileError(
            path, f"no electoral-democracy column (expected one of {_VDEM_VALUE_NAMES}; has {head})"
        )
    schema = {"Entity": pl.Utf8, "Code": pl.Utf8, "Year": pl.Int64, value: pl.Float64}
    df = to_frame(path, head, body, schema)
    hits = df.select((~pl.col(value).is_between(0.0, 1.0)).fill_null(False).alias("b"))["b"]
    if hits.any():
        i = int(hits.arg_true()[0])
        raise DataFileError(path, f"index {df[value][i]} outside 0-1", row=i + 2, field=value)
    repeat = df.select((~pl.struct("Entity", "Year").is_first_distinct()).alias("d"))["d"]
    if repeat.any():
        i = int(repeat.arg_true()[0])
        raise DataFileError(path, "duplicate Entity/Year", row=i + 2, field="Entity,Year")
    return df.rename({"Entity": "entity", "Code": "code", "Year": "year", value: "v2x_polyarchy"})


def load_vdem(*, source: DataSource | None = None, keep_unmatched: bool = False) -> pl.DataFrame:
    """V-Dem electoral democracy index by COW state-year (module docstring)."""
    source = source or DataSource.from_env()
    path = source.path("vdem")
    return key_by_ccode(
        read_vdem(path),
        values=["v2x_polyarchy"],
        label_col="entity",
        path=path,
        carry=["code"],
        name_col="entity",
        keep_unmatched=keep_unmatched,
        source=source,
    ).select("ccode", "year", "entity", "code", "v2x_polyarchy")


def add_polity(
    frame: T, *, source: DataSource | None = None, table: pl.DataFrame | None = None
) -> T:
    """Add ``polity``, ``polity2`` (Int64) and ``polity_special`` (Utf8); rows unchanged."""
    source = source or DataSource.from_env()
    tab = table if table is not None else load_polity(source=source)
    return join_state_year(
        frame,
        tab,
        {"polity": "polity", "polity2": "polity2", "polity_special": "polity_special"},
        sources=[dataset_label(source, "polity5")],
    )


def add_vdem(frame: T, *, source: DataSource | None = None, table: pl.DataFrame | None = None) -> T:
    """Add ``v2x_polyarchy`` (Float64, 0-1) to a state-year frame; rows unchanged."""
    source = source or DataSource.from_env()
    tab = table if table is not None else load_vdem(source=source)
    return join_state_year(
        frame, tab, {"v2x_polyarchy": "v2x_polyarchy"}, sources=[dataset_label(source, "vdem")]
    )
