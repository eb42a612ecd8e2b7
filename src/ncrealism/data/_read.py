"""Low-level readers shared by the loaders: encodings, line endings, missing codes, validation.

Every file ncrealism reads goes through :func:`read_bytes` (the one place that opens a file):
a missing file, a folder given for a file, a file or folder the user may not read, or any other
operating-system fault becomes a :class:`~ncrealism.errors.DataFileError` naming the file. Text
goes through :func:`decode` and TOML through :func:`read_toml`, which turn any decoding fault
into the same error, naming the row (line) of the first byte that cannot be read.

Files are read as the publishers ship them: UTF-8 with or without a byte-order mark, UTF-16 with
a BOM, Windows-1252 (the usual "ANSI" export), and CRLF, LF or old-Mac CR-only line endings all
load the same. Every cell is parsed as text first and then cast column by column, so that a
non-numeric cell, a truncated row or a duplicate key is reported with the file, the row (1-based,
the header is row 1) and the field.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from ncrealism.errors import DataFileError, os_error_message

#: Polars dtypes accepted in a schema.
Schema = Mapping[str, type[pl.DataType] | pl.DataType]

#: The range of a 64-bit integer column (``pl.Int64``).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def read_bytes(path: Path | str) -> bytes:
    """The bytes of the file at ``path``; any operating-system fault is a :class:`DataFileError`.

    The error names the file and says what is wrong: no such file, a folder, a path through a
    file, no permission to read the file or a folder above it, or another I/O error.
    """
    p = Path(path)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise DataFileError(p, os_error_message(exc, reading=True)) from None


def _bad_byte(raw: bytes, exc: UnicodeDecodeError, offset: int, path: Path | str, why: str) -> None:
    """Raise :class:`DataFileError` naming the line of the first byte that cannot be decoded."""
    start = offset + exc.start
    row = raw[offset:start].count(b"\n") + 1
    byte = raw[start : start + 1].hex()
    raise DataFileError(
        path,
        f"{why}: byte 0x{byte} at offset {start} cannot be decoded; save the file as UTF-8 "
        "text (is it a binary or damaged file?)",
        row=row,
    ) from None


def decode(raw: bytes, path: Path | str) -> str:
    """Decode bytes honouring a BOM (UTF-8 or UTF-16), falling back to Windows-1252, with LF
    newlines.

    Bytes that no such reading can decode (0x81, 0x8d, 0x8f, 0x90, 0x9d outside UTF-8, Latin-1
    after a UTF-8 byte-order mark, a UTF-16 file with an odd number of bytes, binary data)
    raise :class:`DataFileError` naming the file and the line of the first bad byte; a NUL byte
    outside UTF-16 marks a binary file and is refused the same way.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            text = raw[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            _bad_byte(
                raw, exc, 3, path, "the file starts with a UTF-8 byte-order mark but is not UTF-8"
            )
            raise  # pragma: no cover - _bad_byte raises
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        if len(raw) % 2:
            raise DataFileError(
                path,
                f"the file starts with a UTF-16 byte-order mark but has an odd number of bytes "
                f"({len(raw)}): it is truncated or not UTF-16",
            )
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            unit = raw[: exc.start]
            row = unit.decode("utf-16", errors="replace").count("\n") + 1
            raise DataFileError(
                path,
                f"not valid UTF-16: bytes at offset {exc.start} cannot be decoded",
                row=row,
            ) from None
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError as exc:
                _bad_byte(raw, exc, 0, path, "neither UTF-8 nor Windows-1252 text")
                raise  # pragma: no cover - _bad_byte raises
    if "\x00" in text:
        nul = text.index("\x00")
        raise DataFileError(
            path,
            "contains a NUL character: a binary file, or UTF-16 without a byte-order mark; "
            "save it as UTF-8 text",
            row=text[:nul].count("\n") + 1,
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path | str) -> str:
    """The text of a file (:func:`read_bytes` then :func:`decode`)."""
    return decode(read_bytes(path), path)


def read_toml(path: Path | str, *, what: str = "TOML file") -> dict[str, Any]:
    """Parse a TOML file (UTF-8, an optional BOM); any fault is a :class:`DataFileError`.

    A file that cannot be opened, bytes that are not UTF-8 and TOML syntax errors are all
    reported with the file and, where there is one, the line (as ``row``).
    """
    raw = read_bytes(path)
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        _bad_byte(raw, exc, len(raw) - len(body), path, f"a {what} must be UTF-8 text")
        raise  # pragma: no cover - _bad_byte raises
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        raise DataFileError(
            path, f"not valid TOML ({detail})", row=int(m.group(1)) if m else None
        ) from None


def read_rows(
    path: Path | str, *, sep: str = ",", header: bool = True
) -> tuple[list[str], list[list[str]]]:
    """Parse a delimited text file into a header and rows of strings.

    A row with a different number of fields from the header is an error naming the row.
    """
    text = read_text(path)
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    # Skip blank lines (a single empty or whitespace-only field); keep every other row.
    try:
        rows = [r for r in reader if len(r) > 1 or (r and r[0].strip())]
    except csv.Error as exc:
        raise DataFileError(
            path, f"not a readable delimited file ({exc})", row=reader.line_num
        ) from None
    if not rows:
        raise DataFileError(path, "the file is empty")
    if header:
        head = [h.strip() for h in rows[0]]
        body = rows[1:]
    else:
        head = [str(i) for i in range(len(rows[0]))]
        body = rows
    width = len(head)
    offset = 2 if header else 1
    for i, r in enumerate(body):
        if len(r) != width:
            raise DataFileError(
                path,
                f"expected {width} fields, found {len(r)} (a truncated or malformed row)",
                row=i + offset,
                field=head[min(len(r), width) - 1] if len(r) < width else None,
            )
    return head, body


def to_frame(
    path: Path | str,
    head: Sequence[str],
    body: Sequence[Sequence[str]],
    schema: Schema,
    *,
    missing: Iterable[str] = ("",),
    numeric_missing: Iterable[float] = (),
    header: bool = True,
) -> pl.DataFrame:
    """Build a typed frame from string rows, keeping only the columns in ``schema``.

    ``missing`` lists cell strings that mean "no data"; ``numeric_missing`` lists numeric codes
    (e.g. COW's -9) that become null after casting. A cell that cannot be cast raises
    :class:`DataFileError` naming its row and field.
    """
    missing_set = {m.strip() for m in missing}
    offset = 2 if header else 1
    cols: dict[str, pl.Series] = {}
    for name, dtype in schema.items():
        if name not in head:
            raise DataFileError(path, f"required column '{name}' is absent (found: {list(head)})")
        j = list(head).index(name)
        raw = pl.Series(name, [r[j] for r in body], dtype=pl.Utf8).str.strip_chars()
        raw = pl.select(
            pl.when(raw.is_in(list(missing_set))).then(None).otherwise(raw).alias(name)
        ).to_series()
        if dtype == pl.Utf8:
            cols[name] = raw
            continue
        cast = raw.cast(dtype, strict=False)
        bad = (cast.is_null() & raw.is_not_null()).arg_true()
        if len(bad) > 0:
            i = int(bad[0])
            raise DataFileError(
                path,
                f"cannot read '{raw[i]}' as {dtype} ({len(bad)} such cells in this column)",
                row=i + offset,
                field=name,
            )
        codes = list(numeric_missing)
        if codes and cast.dtype.is_numeric():
            code_series = pl.Series(codes).cast(cast.dtype, strict=False).drop_nulls()
            cast = pl.select(
                pl.when(cast.is_in(code_series.implode())).then(None).otherwise(cast).alias(name)
            ).to_series()
        cols[name] = cast
    return pl.DataFrame(cols)


def check_unique(
    df: pl.DataFrame, key: Sequence[str], path: Path | str, *, header: bool = True
) -> None:
    """Raise :class:`DataFileError` at the first row whose ``key`` repeats an earlier row."""
    repeat = df.select((~pl.struct(list(key)).is_first_distinct()).alias("d"))["d"]
    if repeat.any():
        first = int(repeat.arg_true()[0])
        values = ", ".join(f"{k}={df[k][first]}" for k in key)
        raise DataFileError(
            path,
            f"duplicate key ({values}); each {'/'.join(key)} must appear once",
            row=first + (2 if header else 1),
            field=",".join(key),
        )


def read_table(
    path: Path | str,
    schema: Schema,
    *,
    sep: str = ",",
    header: bool = True,
    missing: Iterable[str] = ("",),
    numeric_missing: Iterable[float] = (),
    key: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Read a delimited file into a typed frame (see :func:`read_rows` and :func:`to_frame`)."""
    head, body = read_rows(path, sep=sep, header=header)
    df = to_frame(
        path, head, body, schema, missing=missing, numeric_missing=numeric_missing, header=header
    )
    if key is not None:
        check_unique(df, key, path, header=header)
    return df


def whole_number(
    value: object, path: Path | str, *, row: int | None = None, field: str | None = None
) -> int:
    """A cell (text, an integer or a whole float) as an integer that fits a ``pl.Int64`` column.

    A boolean, a fraction, NaN or an infinity, text other than optionally signed ASCII digits, and
    a number outside the 64-bit range raise :class:`DataFileError` naming the file, the row and
    the field.
    """
    n: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    elif isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value.strip()):
        n = int(value.strip())
    if n is None:
        raise DataFileError(path, f"cannot read {value!r} as a whole number", row=row, field=field)
    if not INT64_MIN <= n <= INT64_MAX:
        raise DataFileError(
            path, f"{value!r} is outside the range of a 64-bit integer", row=row, field=field
        )
    return n


def read_rdata(path: Path | str, object_name: str, schema: Schema) -> pl.DataFrame:
    """One data frame of an R data file (``.rda``/``.RData``), as a typed frame.

    ``schema`` names the columns kept and their dtype (``pl.Int64``, ``pl.Float64`` or
    ``pl.Utf8``). A file that is not R data, a missing object or column, a column of the wrong
    kind (text or factors where numbers are expected), a missing, infinite, fractional or
    out-of-range whole number and an infinite real number all raise :class:`DataFileError`
    naming the file, the row (1-based; R data have no header row) and the field. NaN (R's
    ``NA``) in a real-valued column becomes null.
    """
    import numpy as np
    import pandas as pd
    import pyreadr
    from pyreadr.custom_errors import LibrdataError, PyreadrError

    try:
        result = pyreadr.read_r(str(path))
    except (LibrdataError, PyreadrError, OSError, UnicodeError, ValueError) as exc:
        raise DataFileError(path, f"not a readable R data file ({exc})") from None
    if object_name not in result:
        raise DataFileError(path, f"R object '{object_name}' not found (has {list(result)})")
    pdf = result[object_name]
    if not isinstance(pdf, pd.DataFrame):
        raise DataFileError(path, f"R object '{object_name}' is not a data frame")
    missing = [c for c in schema if c not in pdf.columns]
    if missing:
        raise DataFileError(path, f"required columns absent: {missing}")
    cols: dict[str, pl.Series] = {}
    for name, dtype in schema.items():
        col = pdf[name]
        if dtype == pl.Utf8:
            text = [None if pd.isna(v) else str(v) for v in col.tolist()]
            cols[name] = pl.Series(name, text, dtype=pl.Utf8)
            continue
        if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            raise DataFileError(
                path, f"the column holds {col.dtype} values, not numbers", field=name
            )
        values = col.to_numpy(dtype=float, na_value=np.nan)
        if dtype == pl.Int64:
            with np.errstate(invalid="ignore"):
                bad = (
                    ~np.isfinite(values)
                    | (values != np.round(values))
                    | (np.abs(values) >= 2.0**63)
                )
            what = "a whole number"
        else:
            bad = np.isinf(values)
            what = "a finite number"
        if bad.any():
            i = int(np.argmax(bad))
            raise DataFileError(path, f"'{col.iloc[i]}' is not {what}", row=i + 1, field=name)
        if dtype == pl.Int64:
            cols[name] = pl.Series(name, values.astype(np.int64))
        else:
            cols[name] = pl.Series(name, values, dtype=pl.Float64).fill_nan(None)
    return pl.DataFrame(cols)


def read_xlsx_rows(path: Path | str, sheet: str) -> list[tuple[object, ...]]:
    """All rows of one sheet of an xlsx workbook, as tuples of cell values.

    An unreadable workbook (not a zip archive, a damaged member, a sheet whose XML does not
    parse: the errors openpyxl raises while opening the file or, lazily, while reading the
    sheet) or a missing sheet raises :class:`DataFileError` naming the file.
    """
    import zipfile
    import zlib
    from xml.etree.ElementTree import ParseError

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    damaged = (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        ParseError,
        InvalidFileException,
        KeyError,
        IndexError,
        TypeError,
        ValueError,
        NotImplementedError,
        OSError,
    )
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except damaged as exc:
        raise DataFileError(path, f"not a readable xlsx workbook ({exc!r})") from None
    try:
        if sheet not in wb.sheetnames:
            raise DataFileError(path, f"no sheet '{sheet}' (sheets: {wb.sheetnames})")
        return list(wb[sheet].iter_rows(values_only=True))
    except damaged as exc:
        raise DataFileError(
            path, f"sheet '{sheet}' cannot be read; the workbook is damaged ({exc!r})"
        ) from None
    finally:
        wb.close()
