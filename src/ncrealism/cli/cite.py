"""``ncr cite``: the citations of everything a run used (datasets with versions, papers)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def cite(
    run: Annotated[
        Path | None,
        typer.Option(
            help="A run folder written by 'ncr report dprk' or 'ncr dprk' (its citations.json). "
            "Without it: the citations of the default DPRK pipeline."
        ),
    ] = None,
    style: Annotated[
        str,
        typer.Option("--format", "-f", "--style", help="text, bibtex or json (--style: old name)."),
    ] = "text",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the citations to this file (default: print)."),
    ] = None,
) -> None:
    """Print the citations of a run: every dataset file it read (version, variant, sha256),
    the papers its models implement, the coding sources and the files it was given.

    Example: ncr cite --run ncr-report --format bibtex
    """
    import json

    from ncrealism.errors import InputError
    from ncrealism.report.citations import (
        CITATIONS_BIB,
        CITATIONS_JSON,
        default_pipeline_citations,
        read_citations,
        to_bibtex,
        to_text,
    )

    if style not in {"text", "bibtex", "json"}:
        raise InputError(f"--format must be text, bibtex or json, not '{style}'")
    if run is not None:
        if not run.exists():
            raise InputError(f"--run: no such folder {run}")
        folder = run if run.is_dir() else run.parent
        if not (folder / CITATIONS_JSON).is_file() and (folder / CITATIONS_BIB).is_file():
            if style != "bibtex":
                raise InputError(
                    f"{folder / CITATIONS_JSON} is missing; only {CITATIONS_BIB} is there: use "
                    "--format bibtex"
                )
            typer.echo((folder / CITATIONS_BIB).read_text(encoding="utf-8"), nl=False)
            return
        citations = read_citations(folder)
        head = f"Citations of the run in {folder}"
    else:
        from ncrealism.data.fetch import DataSource

        citations = default_pipeline_citations(DataSource.from_env())
        head = (
            "Citations of the default DPRK pipeline (datasets not read: 'origin' says where "
            "each would come from; give --run DIR for what a run actually read)"
        )
    if style == "bibtex":
        text = to_bibtex(citations)
    elif style == "json":
        text = json.dumps([c.to_dict() for c in citations], indent=2, ensure_ascii=False) + "\n"
    else:
        text = f"{head}\n\n{to_text(citations)}"
    if out is not None:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)
    else:
        typer.echo(text, nl=False)
