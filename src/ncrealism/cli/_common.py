"""What every ``ncr`` command shares: option types, the quiet switch and a progress bar.

One grammar for the whole command line (see ``CONTRIBUTING.md``):

* ``-o/--out PATH``: where the result goes (:data:`OutOpt` for a file, :data:`OutDirOpt` for a
  folder); without it, tables go to standard output;
* ``-f/--format``: ``table|csv|json|parquet`` for tables (:data:`FormatOpt`); other outputs take
  their own choices under the same option name (e.g. ``text|json|md|html``, ``apa|bibtex``);
* ``-q/--quiet``: results and errors only; accepted before the command (``ncr -q dprk``) and after
  it (``ncr dprk -q``): :func:`hoist_quiet` moves it to the root, so commands need not declare it;
* ``--nmc 6.0|7.0``: the COW NMC release (:data:`NmcOpt`; default
  :data:`ncrealism.data.nmc.DEFAULT_NMC_VERSION`);
* ``--cache/--no-cache``: reuse a result of an identical earlier run kept in the derived-data
  cache (:data:`CacheOpt`); the DPRK report of ``ncr dprk`` and ``ncr report dprk`` is built
  by one function, :func:`dprk_report`;
* kebab-case names for cases and scenarios (old snake_case names still resolve);
* an ``Example:`` line in every ``--help``;
* a Rich progress bar (:func:`progress`) on anything slower than about 2 s, on standard error,
  shown only when standard error is a terminal and ``-q`` is not given.

This module imports Typer only; Rich is imported when a bar is drawn.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from ncrealism.cli._output import Format

if TYPE_CHECKING:
    from ncrealism.data.nmc import NMCVersion
    from ncrealism.report.dprk import ReportResult

__all__ = [
    "CacheOpt",
    "Format",
    "FormatOpt",
    "NmcOpt",
    "OutDirOpt",
    "OutOpt",
    "Progress",
    "dprk_report",
    "hoist_quiet",
    "is_quiet",
    "nmc",
    "progress",
    "warn_unknown_context_types",
]

FormatOpt = Annotated[
    Format, typer.Option("--format", "-f", help="Output format: table, csv, json or parquet.")
]
"""``-f/--format table|csv|json|parquet`` for commands whose result is a table."""

OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Write the result to this file (default: standard output)."),
]
"""``-o/--out FILE``: where a single result goes."""

OutDirOpt = Annotated[
    Path, typer.Option("--out", "-o", help="Folder to write into (created if needed).")
]
"""``-o/--out DIR``: the folder a command writes several files into (give a default)."""

NmcOpt = Annotated[
    str,
    typer.Option(
        "--nmc",
        help="COW National Material Capabilities release: 7.0 (to 2022, the default) or 6.0 "
        "(to 2016).",
    ),
]
"""``--nmc 6.0|7.0``; default it to ``DEFAULT_NMC_VERSION`` and check it with :func:`nmc`."""

CacheOpt = Annotated[
    bool,
    typer.Option(
        "--cache/--no-cache",
        help="Reuse the report of an identical earlier run (same record files, options, "
        "data and code; kept under NCR_CACHE_DIR), or compute afresh.",
    ),
]
"""``--cache/--no-cache``: reuse a derived result (:mod:`ncrealism.data.derived`); default on."""

QUIET_HELP = "Print results and errors only: notes and progress on standard error are silenced."


def nmc(text: str) -> NMCVersion:
    """Check an NMC release given on the command line (``6.0`` or ``7.0``)."""
    from ncrealism.data.nmc import nmc_version

    return nmc_version(text)


def is_quiet() -> bool:
    """True when ``-q`` was given (standard error then goes to the null device)."""
    return getattr(sys.stderr, "name", None) == os.devnull


def silence_stderr(ctx: typer.Context) -> None:
    """Send standard error to the null device until ``ctx``'s command ends (``-q``)."""
    if is_quiet():
        return
    devnull = Path(os.devnull).open("w")  # noqa: SIM115 - closed when the command ends
    previous = sys.stderr
    sys.stderr = devnull

    def restore() -> None:
        sys.stderr = previous
        devnull.close()

    ctx.call_on_close(restore)


QUIET_FLAGS = ("-q", "--quiet")


def hoist_quiet(argv: list[str]) -> list[str]:
    """Move ``-q``/``--quiet`` given after a command name to the front of ``argv``.

    ``ncr dprk -q ...`` then means ``ncr -q dprk ...``: every command, including one added
    later, takes ``-q`` before or after its name without declaring it. Arguments after ``--``
    are left alone.
    """
    cut = argv.index("--") if "--" in argv else len(argv)
    head, tail = argv[:cut], argv[cut:]
    flags = [a for a in head if a in QUIET_FLAGS]
    if not flags:
        return list(argv)
    return ["-q", *(a for a in head if a not in QUIET_FLAGS), *tail]


def warn_unknown_context_types(path: Path) -> list[str]:
    """Warn, by name, about context-event types the decision layer does not know.

    Such events are kept in the frame but move no input (they are counted in
    ``unmapped_events``); the warning names each type, its rows and the known types. Returns
    the unknown types.
    """
    from ncrealism.data.records import read_context_events
    from ncrealism.decision.inputs import CHANNELS

    frame = read_context_events(path)
    rows: dict[str, list[int]] = {}
    for i, t in enumerate(frame["type"].to_list()):
        if t is not None and t not in CHANNELS:
            rows.setdefault(str(t), []).append(i + 2)  # +2: header line, 1-based
    for t, where in rows.items():
        lines = ", ".join(str(r) for r in where[:5]) + (" ..." if len(where) > 5 else "")
        typer.secho(
            f"warning: {path}: context-event type '{t}' (line(s) {lines}) is not one of "
            f"{', '.join(sorted(CHANNELS))}; those events move no input",
            err=True,
            fg=typer.colors.YELLOW,
        )
    return list(rows)


def dprk_report(
    out: Path,
    *,
    record: Path | None,
    context: Path | None,
    negotiations: Path | None,
    nmc_text: str,
    cache: bool,
    quiet: bool,
    **options: Any,
) -> ReportResult:
    """The DPRK report, as ``ncr dprk`` and ``ncr report dprk`` build it.

    Warns about unknown context-event types, checks ``--nmc`` (``nmc_text``), reads data
    through :meth:`~ncrealism.data.fetch.DataSource.from_env` and runs
    :func:`ncrealism.report.dprk.build_dprk_report` with ``cache`` (the derived-data cache) and
    the other ``options`` (seed, draws, years...). ``quiet`` also counts ``-q`` given anywhere.
    """
    from ncrealism.data.fetch import DataSource
    from ncrealism.report.dprk import build_dprk_report

    if context is not None:
        warn_unknown_context_types(context)
    return build_dprk_report(
        out,
        record=record,
        context=context,
        negotiations=negotiations,
        source=DataSource.from_env(),
        nmc_version=nmc(nmc_text),
        cache=cache,
        quiet=quiet or is_quiet(),
        **options,
    )


class Progress:
    """A handle on one progress bar (:func:`progress`): :meth:`advance` and :meth:`step`."""

    def __init__(self, bar: Any, task: Any) -> None:
        self._bar = bar
        self._task = task

    def advance(self, n: float = 1.0) -> None:
        """Count ``n`` more units of work done."""
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def step(self, description: str, n: float = 1.0) -> None:
        """Name what is being done now and count ``n`` units done (phases of a pipeline)."""
        if self._bar is not None:
            self._bar.update(self._task, description=description, advance=n)

    def describe(self, description: str) -> None:
        """Name what is being done now, without counting progress."""
        if self._bar is not None:
            self._bar.update(self._task, description=description)

    def total(self, total: float | None) -> None:
        """Set (or change) the number of units of work."""
        if self._bar is not None:
            self._bar.update(self._task, total=total)


def progress_enabled(stream: TextIO | None = None) -> bool:
    """Whether a bar is drawn: standard error is a terminal and ``-q`` was not given."""
    stream = stream if stream is not None else sys.stderr
    if is_quiet() or os.environ.get("NCR_NO_PROGRESS"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(callable(isatty) and isatty())


@contextmanager
def progress(description: str, total: float | None = None) -> Iterator[Progress]:
    """A Rich progress bar on standard error for work slower than about 2 s.

    ``total`` units (``None``: a spinner with elapsed time). Nothing is drawn with ``-q`` or
    when standard error is not a terminal (pipes, files, tests); the handle then does nothing.

    Example::

        with progress("Backtest", total=len(years)) as bar:
            for year in years:
                ...
                bar.advance()
    """
    if not progress_enabled():
        yield Progress(None, None)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as RichProgress

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns.append(TimeElapsedColumn())
    with RichProgress(*columns, console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield Progress(bar, task)
