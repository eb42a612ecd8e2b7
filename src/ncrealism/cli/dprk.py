"""``ncr dprk``: the flagship case, North Korea from 1990, end to end.

data → system → perception → decision → negotiation → backtest, with a short summary on the
terminal and a report folder (HTML, Markdown, figures as PNG/SVG, tables, citations).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ncrealism._defaults import DEFAULT_NMC_VERSION
from ncrealism.cli._common import CacheOpt, NmcOpt

#: File-name patterns of the coded record inside a ``--history`` folder.
RECORD_PATTERNS: dict[str, str] = {
    "record": "dprk_yearly_*.csv",
    "context": "context_events_*.csv",
    "negotiations": "negotiations_*.csv",
}


def find_history_files(folder: Path) -> dict[str, Path | None]:
    """The yearly record, context events and negotiation record in ``folder`` (or ``None``).

    Each is the last file, in name order, matching its pattern in :data:`RECORD_PATTERNS`, so a
    folder holding records for several spans uses the latest one.
    """
    from ncrealism.errors import InputError

    if not folder.is_dir():
        raise InputError(f"--history {folder}: not a folder")
    found: dict[str, Path | None] = {}
    for key, pattern in RECORD_PATTERNS.items():
        hits = sorted(folder.glob(pattern))
        found[key] = hits[-1] if hits else None
    return found


def dprk(
    out: Annotated[Path, typer.Option("--out", "-o", help="Report folder to write.")] = Path(
        "ncr-report"
    ),
    history: Annotated[
        Path | None,
        typer.Option(
            help=(
                "Folder holding the coded DPRK record (dprk_yearly_\\*.csv, "
                "context_events_\\*.csv, negotiations_\\*.csv; also read from NCR_HISTORY_DIR). "
                "Without it, the backtest and record comparisons are skipped."
            ),
            envvar="NCR_HISTORY_DIR",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the Monte Carlo and calibration.")] = 0,
    draws: Annotated[int, typer.Option(help="Monte Carlo draws per negotiation case.")] = 200,
    nmc: NmcOpt = DEFAULT_NMC_VERSION,
    cache: CacheOpt = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run the DPRK case end to end and write a report folder.

    The distribution of power in Northeast Asia (COW NMC), the threat the DPRK faces (Walt's
    balance of threat), its perception filter (Juche, Suryong; after Koga 2009), the posture
    probabilities and the anatomy of key decisions, the Agreed Framework and Six-Party Talks
    (zone of agreement, durability, what it would take), and a backtest against the coded
    record next to honest baselines.

    Example: ncr dprk --history ../shared/history --out ncr-report
    """
    from ncrealism.cli._common import dprk_report
    from ncrealism.report.dprk import format_summary

    files: dict[str, Path | None] = dict.fromkeys(RECORD_PATTERNS)
    if history is not None:
        # A folder that is not there is an input error (exit 2), not a reason to skip.
        files = find_history_files(history)
        if not any(files.values()):
            from ncrealism.errors import InputError

            raise InputError(
                f"--history {history}: no coded record in it (looked for "
                + ", ".join(RECORD_PATTERNS.values())
                + ")"
            )
    result = dprk_report(
        out,
        record=files["record"],
        context=files["context"],
        negotiations=files["negotiations"],
        nmc_text=nmc,
        cache=cache,
        quiet=quiet,
        seed=seed,
        draws=draws,
    )
    typer.echo(format_summary(result.summary))
    for note in result.skipped:
        typer.echo(f"skipped: {note}", err=True)
    how = "restored from the derived-data cache" if result.cached else "computed"
    typer.echo(
        f"report: {result.html} ({len(result.figures)} figure files, {how} in "
        f"{result.elapsed_seconds:.1f} s); citations: {result.citations_bib}"
    )
