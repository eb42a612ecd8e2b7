"""``ncr data``: the dataset registry, fetching, verifying and citing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ncrealism.cli._output import Format, emit

app = typer.Typer(
    help=(
        "Datasets: list, fetch, verify and cite.\n\n"
        "Files come from the local mirror named by NCR_DATA_MIRROR, else the user cache, else "
        "the publisher's official URL; each is checked against its pinned sha256.\n\n"
        "Example: ncr data verify"
    ),
    no_args_is_help=True,
)


@app.command("list")
def list_(
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file.")] = None,
) -> None:
    """List registered datasets with versions, publishers and where a copy is available.

    Example: ncr data list --format csv
    """
    import polars as pl

    from ncrealism.data.fetch import DataSource

    source = DataSource.from_env()
    rows = []
    for name, ds in source.registry.datasets.items():
        rows.append(
            {
                "name": name,
                "version": ds.version,
                "publisher": ds.publisher,
                "variants": ", ".join(
                    f"{v} ({s.kind})" if v == "alternate" else v for v, s in ds.files()
                ),
                "status": source.status(name),
            }
        )
    emit(
        pl.DataFrame(rows),
        fmt,
        out=out,
        title=f"ncrealism datasets (registry {source.registry.version})",
        caption=f"mirror: {source.mirror or 'not set'}; cache: {source.cache_dir}",
    )


@app.command()
def codes(
    query: Annotated[
        str | None,
        typer.Argument(help="Part of a name or abbreviation, or a code (default: every state)."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file.")] = None,
) -> None:
    """List COW country codes (code, abbreviation, name) from the COW country-code list.

    Example: ncr data codes korea
    """
    import polars as pl

    from ncrealism.data.fetch import DataSource
    from ncrealism.data.states import load_cow_codes

    table = load_cow_codes(source=DataSource.from_env()).unique("ccode").sort("ccode")
    if query:
        q = query.strip().lower()
        table = table.filter(
            pl.col("statenme").str.to_lowercase().str.contains(q, literal=True)
            | (pl.col("stateabb").str.to_lowercase() == q)
            | (pl.col("ccode").cast(pl.Utf8) == q)
        )
    emit(table, fmt, out=out, title="COW country codes", caption="Source: COW Country Codes.")


@app.command()
def fetch(
    names: Annotated[list[str] | None, typer.Argument(help="Datasets (default: all).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Fetch datasets into the cache (or find them in the mirror), verifying each hash.

    Example: ncr data fetch nmc6 cow_system
    """
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from ncrealism.data.fetch import DataSource, ProgressCallback

    source = DataSource.from_env()
    wanted = names or source.registry.names()
    for n in wanted:
        source.registry[n]  # validate names before any work
    with Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), disable=quiet
    ) as progress:
        overall = progress.add_task("datasets", total=len(wanted))

        def factory(name: str) -> ProgressCallback:
            task = progress.add_task(f"  {name}", total=None)

            def cb(done: int, total: int | None) -> None:
                progress.update(task, completed=done, total=total)

            return cb

        source.progress = factory
        for n in wanted:
            r = source.resolve(n)
            if not quiet:
                progress.console.print(f"[green]ok[/] {r.describe()}")
            progress.advance(overall)


@app.command()
def verify(
    names: Annotated[list[str] | None, typer.Argument(help="Datasets (default: all).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """Verify every registered dataset against its pinned sha256 (mirror, cache or download).

    Exits with 1 if any dataset fails.

    Example: ncr data verify nmc7 cow_codes (set NCR_DATA_MIRROR=../shared/data offline)
    """
    import polars as pl

    from ncrealism.data.fetch import DataSource
    from ncrealism.errors import NcrError

    source = DataSource.from_env()
    for n in names or []:
        source.registry[n]  # an unknown name is a usage error (exit 2), not a failed check
    rows = []
    failed = 0
    for n in names or source.registry.names():
        try:
            r = source.resolve(n)
            rows.append(
                {
                    "name": n,
                    "verified": True,
                    "variant": r.variant
                    if r.variant == "primary"
                    else f"alternate ({r.spec.kind})",
                    "origin": r.origin,
                    "sha256": r.sha256,
                    "message": "",
                }
            )
        except NcrError as exc:
            failed += 1
            rows.append(
                {
                    "name": n,
                    "verified": False,
                    "variant": "",
                    "origin": "",
                    "sha256": "",
                    "message": str(exc).splitlines()[0],
                }
            )
    emit(pl.DataFrame(rows), fmt, title="dataset verification")
    n_ok = len(rows) - failed
    typer.echo(f"{n_ok} of {len(rows)} datasets verified against their pinned sha256")
    if failed:
        raise typer.Exit(1)


@app.command()
def cite(
    names: Annotated[list[str], typer.Argument(help="Datasets to cite.")],
    style: Annotated[
        str,
        typer.Option("--format", "-f", "--style", help="text, bibtex or both (--style: old name)."),
    ] = "both",
) -> None:
    """Print the citation of datasets, as plain text and/or BibTeX.

    Example: ncr data cite nmc7 --format bibtex
    """
    from ncrealism.data.registry import load_registry
    from ncrealism.errors import InputError

    if style not in {"text", "bibtex", "both"}:
        raise InputError(f"--format must be text, bibtex or both, not '{style}'")
    reg = load_registry()
    for n in names:
        ds = reg[n]
        if style in {"text", "both"}:
            typer.echo(f"{ds.title}, version {ds.version}. {ds.publisher}. {ds.landing_url}")
            typer.echo(f"  {ds.citation}")
            typer.echo(f"  Licence/terms: {ds.licence}")
        if style in {"bibtex", "both"}:
            typer.echo(ds.bibtex)
        typer.echo("")


@app.command()
def clean(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what the cache holds; remove nothing.")
    ] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file.")] = None,
) -> None:
    """Empty the cache of derived results (reports, backtests, parsed workbooks).

    Results are kept under keys of everything they depend on (inputs, code, libraries), so
    each upgrade or new input adds results and none is removed by itself. Downloaded data
    files are kept.

    Example: ncr data clean --dry-run
    """
    import polars as pl

    from ncrealism.cli._common import is_quiet
    from ncrealism.data.derived import clear_derived, derived_usage
    from ncrealism.data.fetch import DataSource

    source = DataSource.from_env()
    usage = derived_usage(source)
    frame = pl.DataFrame(
        usage,
        schema={"kind": pl.Utf8, "results": pl.Int64, "files": pl.Int64, "bytes": pl.Int64},
    )
    where = Path(source.cache_root) / "derived"
    total = sum(int(r["bytes"]) for r in usage)
    emit(
        frame,
        fmt,
        out=out,
        title="derived-data cache",
        caption=f"{where}: {total / 1e6:.1f} MB",
    )
    if dry_run:
        return
    files, size = clear_derived(source)
    if not is_quiet():
        typer.echo(f"removed {files} files ({size / 1e6:.1f} MB) from {where}", err=True)
