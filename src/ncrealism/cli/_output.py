"""Writing tabular results in the formats every command offers: table, csv, json, parquet."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


class Format(StrEnum):
    """Output formats of tabular commands."""

    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def emit(
    df: pl.DataFrame,
    fmt: Format,
    *,
    out: Path | None = None,
    title: str | None = None,
    caption: str | None = None,
    float_digits: int = 4,
) -> None:
    """Write ``df`` to ``out`` (or standard output) in format ``fmt``.

    Parquet is binary and needs ``out``; a table is rendered with Rich, with ``caption`` (units
    and sources) under it.
    """
    from ncrealism.errors import InputError

    if fmt is Format.parquet:
        if out is None:
            raise InputError("--format parquet needs --out FILE (parquet is binary)")
        df.write_parquet(out)
        return
    if fmt is Format.csv:
        text = df.write_csv()
    elif fmt is Format.json:
        text = df.write_json()
    else:
        text = _rich_table(df, title, caption, float_digits)
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        Path(out).write_text(text, encoding="utf-8")


def _rich_table(df: pl.DataFrame, title: str | None, caption: str | None, digits: int) -> str:
    import polars as pl
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, caption=caption, caption_justify="left")
    for name, dtype in df.schema.items():
        table.add_column(name, justify="right" if dtype.is_numeric() else "left")
    for row in df.iter_rows():
        cells = []
        for v, dtype in zip(row, df.schema.values(), strict=True):
            if v is None:
                cells.append("—")
            elif dtype in (pl.Float32, pl.Float64):
                cells.append(f"{v:.{digits}g}" if abs(v) < 1e-3 and v != 0 else f"{v:.{digits}f}")
            else:
                cells.append(str(v))
        table.add_row(*cells)
    import io

    console = Console(width=max(100, min(200, 16 * len(df.columns))), file=io.StringIO())
    console.print(table)
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()
