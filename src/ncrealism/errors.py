"""Errors raised by ncrealism.

Every error a user can cause carries enough context to fix it: the file, the row and the field
for bad data; the expected and found hashes for a corrupted download; what to do next. The
command-line interface prints these messages without a traceback and exits with code 2 (bad
input) or 1 (a failure that is not the user's input).
"""

from __future__ import annotations

from pathlib import Path


class NcrError(Exception):
    """Base class of all errors ncrealism raises on purpose."""

    exit_code: int = 1


class InputError(NcrError, ValueError):
    """The user asked for something that does not exist or is malformed (exit code 2)."""

    exit_code = 2


class DataFileError(InputError):
    """A data file is malformed: names the file, the row (1-based, header = row 1) and the field."""

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path)
        self.row = row
        self.field = field
        self.detail = message
        where = self.path
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")


class HashMismatchError(NcrError):
    """A file's sha256 differs from the one pinned in the registry."""

    def __init__(
        self, path: str | Path, dataset: str, expected: str, found: str, advice: str
    ) -> None:
        self.path = str(path)
        self.dataset = dataset
        self.expected = expected
        self.found = found
        super().__init__(
            f"{path}: sha256 mismatch for dataset '{dataset}'.\n"
            f"  expected {expected}\n"
            f"  found    {found}\n"
            f"{advice}"
        )


class DataUnavailableError(NcrError):
    """A dataset is neither in the mirror, nor in the cache, nor downloadable now."""


def os_error_message(exc: OSError, *, reading: bool) -> str:
    """A one-line explanation of an operating-system error on a path (no file name in it)."""
    what = "read" if reading else "write"
    if isinstance(exc, FileNotFoundError):
        return "no such file or folder" if reading else "its folder does not exist"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a file"
    if isinstance(exc, NotADirectoryError):
        return "a part of the path is a file, not a folder"
    if isinstance(exc, PermissionError):
        return (
            f"permission denied: this user may not {what} the file or a folder above it "
            "(check its permissions)"
        )
    return f"cannot {what} it ({exc.strerror or exc})"
