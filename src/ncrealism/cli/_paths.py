"""Checks of the paths a command is given, made before any work starts.

An ``--out`` that cannot be written (its folder is missing, is a file or may not be written by
this user; a folder given where a file is expected, or the reverse) and an input file that
cannot be read are :class:`~ncrealism.errors.InputError`\\ s naming the option and the path, so
that a long computation never ends in a write error.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from ncrealism.errors import InputError

P = ParamSpec("P")
R = TypeVar("R")


def _guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn an operating-system error met while checking (e.g. a folder above the path that
    may not be searched) into an :class:`InputError` naming the path."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except OSError as exc:
            from ncrealism.errors import os_error_message

            flag = kwargs.get("flag", args[1] if len(args) > 1 else "--out")
            raise InputError(f"{flag} {args[0]}: {os_error_message(exc, reading=True)}") from None

    return wrapper


def _writable_folder(folder: Path, flag: str, out: Path) -> None:
    """Raise unless this user may create files in ``folder`` (an existing folder)."""
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{flag} {out}: the folder {folder} is not writable by this user")
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".ncr-write-check-")
    except OSError as exc:
        raise InputError(
            f"{flag} {out}: cannot write in the folder {folder} ({exc.strerror or exc})"
        ) from None
    os.close(fd)
    Path(name).unlink(missing_ok=True)


@_guarded
def check_out_file(out: Path | None, flag: str = "--out") -> None:
    """Check that a result file can be written at ``out`` (its folder must exist).

    An existing file is replaced; an existing folder, a missing folder or a folder this user
    may not write in is an :class:`InputError`.
    """
    if out is None:
        return
    out = Path(out)
    if out.is_dir():
        raise InputError(f"{flag} {out}: is a folder; give a file name (e.g. {out / 'result'}…)")
    folder = out.parent
    if not folder.exists():
        raise InputError(f"{flag} {out}: the folder {folder} does not exist; create it first")
    if not folder.is_dir():
        raise InputError(f"{flag} {out}: {folder} is a file, not a folder")
    if out.exists() and not os.access(out, os.W_OK):
        raise InputError(f"{flag} {out}: the file exists and is not writable by this user")
    _writable_folder(folder, flag, out)


@_guarded
def check_out_folder(out: Path | None, flag: str = "--out") -> None:
    """Check that a folder of results can be written at ``out`` (created with its parents).

    An existing file where the folder should be, a file among its parents, or a folder this user
    may not write in is an :class:`InputError`.
    """
    if out is None:
        return
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{flag} {out}: exists and is a file; give a folder for the results")
    nearest = out
    while not nearest.exists():
        if nearest.parent == nearest:
            break
        nearest = nearest.parent
    if not nearest.is_dir():
        raise InputError(f"{flag} {out}: {nearest} is a file, not a folder")
    _writable_folder(nearest, flag, out)


@_guarded
def check_in_file(path: Path | None, flag: str) -> None:
    """Check that an input file exists, is a file and can be read (before any work)."""
    if path is None:
        return
    path = Path(path)
    if not path.exists():
        raise InputError(f"{flag} {path}: no such file")
    if path.is_dir():
        raise InputError(f"{flag} {path}: is a folder, not a file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{flag} {path}: not readable by this user (check its permissions)")


@_guarded
def check_in_folder(path: Path | None, flag: str) -> None:
    """Check that an input folder exists and is a folder (before any work)."""
    if path is None:
        return
    path = Path(path)
    if not path.exists():
        raise InputError(f"{flag} {path}: no such folder")
    if not path.is_dir():
        raise InputError(f"{flag} {path}: is a file, not a folder")
    if not os.access(path, os.R_OK | os.X_OK):
        raise InputError(f"{flag} {path}: not readable by this user (check its permissions)")


#: Options naming an output folder (``(command path, parameter name)``); every other ``out`` or
#: ``plot`` path option names a file. ``ncr scenario run --out`` is a file when it ends in
#: ``.duckdb``, else a folder of Parquet files.
OUT_FOLDERS: frozenset[tuple[str, str]] = frozenset(
    {
        ("backtest", "out"),
        ("dprk", "out"),
        ("report dprk", "out"),
        ("negotiate", "plot"),
        ("panel backtest", "out"),
    }
)
#: Path options naming an input file (any command), and those naming an input folder.
IN_FILES: frozenset[str] = frozenset(
    {"record", "context", "profile", "negotiations", "events", "case_file", "results"}
)
IN_FOLDERS: frozenset[str] = frozenset({"history"})
OUT_NAMES: frozenset[str] = frozenset({"out", "plot"})


def _checker(where: str, name: str, folder: bool = False) -> Callable[[Path, str], None] | None:
    if name in OUT_NAMES and folder:
        return check_out_folder
    if name in OUT_NAMES:
        if where == "scenario run" and name == "out":
            return lambda p, flag: (
                check_out_file(p, flag)
                if p.suffix.lower() in (".duckdb", ".db")
                else check_out_folder(p, flag)
            )
        return check_out_folder if (where, name) in OUT_FOLDERS else check_out_file
    if name in IN_FILES:
        return check_in_file
    if name in IN_FOLDERS:
        return check_in_folder
    return None


def _folder_options(fn: Callable[..., Any]) -> set[str]:
    """Parameters annotated with the shared folder option (``cli._common.OutDirOpt``)."""
    import inspect

    return {
        name
        for name, p in inspect.signature(fn).parameters.items()
        if "OutDirOpt" in str(p.annotation)
    }


def _with_checks(fn: Callable[..., Any], where: str) -> Callable[..., Any]:
    folders = _folder_options(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            check = _checker(where, name, name in folders)
            if check is not None and isinstance(value, Path):
                check(value, "--" + name.replace("_", "-"))
        return fn(*args, **kwargs)

    wrapper._ncr_checked = True  # type: ignore[attr-defined]
    return wrapper


def install_path_checks(app: Any, where: str = "") -> None:
    """Check every path option of the commands of ``app`` (a Typer app) before they run.

    Output options (``--out``, ``--plot``) must be writable and input options (``--record``,
    ``--context``, ``--profile``, ``--history``, …) readable, each before the command's body
    runs: a bad path is an :class:`InputError` naming the option and the path, never a
    traceback after the work is done. Options that are not paths (``backtest --profile DPRK``
    names a profile) are left alone.
    """
    for info in app.registered_commands:
        fn = info.callback
        if fn is None or getattr(fn, "_ncr_checked", False):
            continue
        name = info.name or fn.__name__.strip("_").replace("_", "-")
        info.callback = _with_checks(fn, f"{where} {name}".strip())
    for group in app.registered_groups:
        sub = group.typer_instance
        if sub is not None:
            install_path_checks(sub, f"{where} {group.name or ''}".strip())
