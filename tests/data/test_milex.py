"""SIPRI military expenditure against the publisher's workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncrealism.data.fetch import DataSource
from ncrealism.data.milex import (
    COLUMNS,
    SHEETS,
    add_sipri_milex,
    load_sipri_milex,
    read_sipri_sheet,
)
from ncrealism.errors import DataFileError, InputError

WORKBOOK = "milex/SIPRI-Milex-data-1948-2023.xlsx"


def _raw_sheet(mirror: Path, sheet: str) -> dict[str, dict[int, object]]:
    """Country → year → cell, read with openpyxl directly."""
    wb = openpyxl.load_workbook(mirror / WORKBOOK, read_only=True, data_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    wb.close()
    at = next(i for i, r in enumerate(rows) if r and r[0] == "Country")
    years = {j: int(v) for j, v in enumerate(rows[at]) if isinstance(v, int | float)}
    return {
        r[0]: {y: r[j] for j, y in years.items()}
        for r in rows[at + 1 :]
        if r and isinstance(r[0], str) and any(r[j] is not None for j in years)
    }


@pytest.fixture(scope="module")
def constant(source: DataSource) -> pl.DataFrame:
    return load_sipri_milex("constant_2022_usd", source=source)


def test_usa_2000_constant_value(constant: pl.DataFrame, mirror: Path) -> None:
    raw = _raw_sheet(mirror, SHEETS["constant_2022_usd"])
    want = raw["United States of America"][2000]
    assert isinstance(want, float)
    got = constant.filter((pl.col("ccode") == 2) & (pl.col("year") == 2000))["value"].to_list()
    assert got == [want]


def test_dprk_has_no_constant_or_share_figures(constant: pl.DataFrame, source: DataSource) -> None:
    share = load_sipri_milex("share_gdp", source=source)
    for df in (constant, share):
        dprk = df.filter(pl.col("ccode") == 731)
        assert dprk.height == 2023 - 1948 + 1
        assert dprk["value"].null_count() == dprk.height
        assert set(dprk["missing_reason"].to_list()) == {"unavailable"}


@pytest.mark.parametrize("measure", list(SHEETS))
def test_values_match_cells_and_codes_never_survive(
    source: DataSource, mirror: Path, measure: str
) -> None:
    raw = _raw_sheet(mirror, SHEETS[measure])
    const = _raw_sheet(mirror, SHEETS["constant_2022_usd"])
    df = load_sipri_milex(measure, source=source, keep_unmatched=True)  # type: ignore[arg-type]
    assert df.height == sum(len(v) for v in raw.values())
    for r in df.iter_rows(named=True):
        cell = raw[r["sipri_name"]][r["year"]]
        if isinstance(cell, int | float):
            placeholder = (
                measure == "current_usd" and cell == 0 and const[r["sipri_name"]][r["year"]] != 0
            )
            assert r["value"] == (None if placeholder else float(cell)), r
        else:  # SIPRI's text codes and empty cells
            assert r["value"] is None, r
            assert r["missing_reason"] == ("not independent" if cell == "xxx" else "unavailable")


def test_current_usd_zero_rule(source: DataSource) -> None:
    cur = load_sipri_milex("current_usd", source=source)

    def cell(cc: int, year: int) -> dict[str, object]:
        return cur.filter((pl.col("ccode") == cc) & (pl.col("year") == year)).row(0, named=True)

    assert cell(94, 2000)["value"] == 0.0  # Costa Rica: zero at constant prices too
    assert cell(160, 1950)["value"] is None  # Argentina: 0 only in the current-US$ sheet
    assert cell(160, 1950)["missing_reason"] == "zero placeholder"
    assert cell(731, 2000)["missing_reason"] == "zero placeholder"


def test_unmatched_rows_are_aggregates_or_out_of_spell(source: DataSource) -> None:
    full = load_sipri_milex(source=source, keep_unmatched=True)
    miss = full.filter(pl.col("ccode").is_null())
    assert set(miss["sipri_name"].to_list()) == {"European Union", "USSR", "Yemen, North"}
    # USSR and North Yemen are unmatched only after they ceased to exist, where SIPRI has "xxx".
    late = miss.filter(pl.col("sipri_name") != "European Union")
    assert late["value"].null_count() == late.height
    ussr = miss.filter(pl.col("sipri_name") == "USSR")["year"]
    assert ussr.min() == 1992


def _write_xlsx(path: Path, rows: list[list[object]], sheet: str = "Constant (2022) US$") -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    for r in rows:
        ws.append(r)
    wb.save(path)


def test_synthetic_sheet_parses_codes(tmp_path: Path) -> None:
    p = tmp_path / "s.xlsx"
    _write_xlsx(
        p,
        [
            ["Military expenditure by country"],
            ['". ." = data unavailable.'],
            [],
            ["Country", "", "Notes", 2000, 2001, 2002],
            [None],
            ["Africa"],
            ["Korea, North", None, "", "...", ". .", "xxx"],
            ["Canada", None, "§", 1.5, "2", 3],
        ],
    )
    df = read_sipri_sheet(p, "Constant (2022) US$")
    assert df.height == 6
    assert df.filter(pl.col("sipri_name") == "Korea, North")["missing_reason"].to_list() == [
        "unavailable",
        "unavailable",
        "not independent",
    ]
    assert df.filter(pl.col("sipri_name") == "Canada")["value"].to_list() == [1.5, 2.0, 3.0]


@pytest.mark.usefixtures("mirror")  # country names resolve through the COW code list
def test_malformed_sheet_names_row_and_year(tmp_path: Path) -> None:
    p = tmp_path / "bad.xlsx"
    _write_xlsx(p, [["notes"], ["Country", "Notes", 2000, 2001], ["Canada", "", 1.0, "n/a"]])
    with pytest.raises(DataFileError) as err:
        read_sipri_sheet(p, "Constant (2022) US$")
    assert err.value.row == 3 and err.value.field == "2001" and "bad.xlsx" in str(err.value)
    with pytest.raises(DataFileError, match="no sheet"):
        read_sipri_sheet(p, "Current US$")
    q = tmp_path / "nohead.xlsx"
    _write_xlsx(q, [["Canada", 1.0]])
    with pytest.raises(DataFileError, match="Country"):
        read_sipri_sheet(q, "Constant (2022) US$")
    with pytest.raises(InputError, match="unknown SIPRI measure"):
        load_sipri_milex("ppp")  # type: ignore[arg-type]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([2, 365, 731, 94, 1]), st.integers(1945, 2025))))
def test_add_sipri_milex_keeps_rows(
    source: DataSource, constant: pl.DataFrame, keys: list[tuple[int, int]]
) -> None:
    frame = pl.DataFrame(
        {"ccode": [k[0] for k in keys], "year": [k[1] for k in keys]},
        schema={"ccode": pl.Int64, "year": pl.Int64},
    )
    out = add_sipri_milex(frame, source=source, table=constant)
    assert out.height == frame.height
    assert out.select("ccode", "year").equals(frame)
    assert out.columns == ["ccode", "year", COLUMNS["constant_2022_usd"]]
