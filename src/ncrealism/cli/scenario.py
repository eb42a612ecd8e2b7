"""``ncr scenario``: validate, run and compare counterfactual scenarios; ``ncr sensitivity``.

FILE is a scenario TOML file or the name of a built-in scenario (``ncr scenario list``).
Errors in a scenario file are printed with the file, line and key and exit with code 2; no
result is written before the whole file has been checked.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer

from ncrealism.cli._output import Format, emit

if TYPE_CHECKING:
    from ncrealism.scenario.backends import DecisionBackend, NegotiationBackend
    from ncrealism.scenario.engine import Plan
    from ncrealism.scenario.limits import Limits
    from ncrealism.scenario.loader import LoadedScenario

app = typer.Typer(
    help=(
        "Counterfactual scenarios with uncertainty: validate, run (locally or on a Dask "
        "cluster), compare.\n\n"
        "Example: ncr scenario run dprk-china-halves --draws 2000 --out china.duckdb"
    ),
    no_args_is_help=True,
)

P = ParamSpec("P")
R = TypeVar("R")


def _handled(fn: Callable[P, R]) -> Callable[P, R]:
    """Print ncrealism errors as one message (no traceback) and exit with their code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from ncrealism.errors import NcrError

        try:
            return fn(*args, **kwargs)
        except NcrError as exc:
            typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
            # SystemExit, not typer.Exit: click returns typer.Exit's code without exiting
            # when run with standalone_mode=False (as `ncr` runs it)
            sys.exit(exc.exit_code)

    return wrapper


BackendOpt = Annotated[
    str | None,
    typer.Option(
        "--backend",
        help=(
            "module:callable returning a custom decision backend (default: ncrealism's "
            "decision layer and negotiation cases)."
        ),
    ),
]


def _backends(spec: str | None) -> tuple[DecisionBackend | None, NegotiationBackend | None]:
    if spec is None:
        return None, None
    import importlib

    from ncrealism.errors import InputError

    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise InputError(f"--backend '{spec}': expected module:callable")
    try:
        factory = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise InputError(f"--backend '{spec}': cannot import it ({exc})") from None
    backend = factory()
    negotiation = backend if hasattr(backend, "cases") and hasattr(backend, "case") else None
    return backend, negotiation


def _load(file: str) -> LoadedScenario:
    from ncrealism.scenario.builtins import locate
    from ncrealism.scenario.loader import load_scenario

    return load_scenario(locate(file))


def _plan(
    file: str,
    backend: str | None,
    draws: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    context: Path | None = None,
    limits: Limits | None = None,
) -> tuple[LoadedScenario, Plan]:
    import warnings

    from ncrealism.scenario.loader import resolve

    loaded = _load(file)
    dec, neg = _backends(backend)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan = resolve(
            loaded,
            backend=dec,
            negotiation=neg,
            draws=draws,
            seed=seed,
            chunk_size=chunk_size,
            context=context,
            limits=limits,
        )
    for w in caught:
        typer.secho(f"warning: {w.message}", err=True, fg=typer.colors.YELLOW)
    return loaded, plan


def _presize(file: str, draws: int | None, limits: Limits) -> None:
    """Size the sweep from the scenario file alone (no model, no data: instant) and refuse it
    above ``limits``; the full check of the file follows."""
    from ncrealism.scenario._toml import read_toml
    from ncrealism.scenario.builtins import locate
    from ncrealism.scenario.limits import grid_size

    path = locate(file)
    data, _ = read_toml(path)
    sweep = data.get("sweep")
    grid = sweep.get("grid") if isinstance(sweep, dict) else None
    lengths = (
        [len(v) for v in grid.values() if isinstance(v, list)] if isinstance(grid, dict) else []
    )
    # the file's own [run] draws are checked by its schema (with line and key) when it loads
    n = draws if draws is not None else 1
    limits.check_size(grid_size(lengths), n, where=str(path))


def _limits(max_variants: int | None, max_draws: int | None, max_memory: float | None) -> Limits:
    from ncrealism.errors import InputError
    from ncrealism.scenario.limits import Limits

    base = Limits()
    for flag, value in (
        ("--max-variants", max_variants),
        ("--max-draws", max_draws),
        ("--max-memory", max_memory),
    ):
        if value is not None and not value > 0:
            raise InputError(f"{flag} must be positive, not {value}")
    return Limits(
        max_variants=base.max_variants if max_variants is None else max_variants,
        max_draws=base.max_draws if max_draws is None else max_draws,
        max_memory_gib=base.max_memory_gib if max_memory is None else max_memory,
    )


FileArg = Annotated[str, typer.Argument(help="Scenario TOML file or built-in scenario name.")]
DrawsOpt = Annotated[int | None, typer.Option("--draws", help="Draws (default: [run] draws).")]
ContextOpt = Annotated[
    Path | None,
    typer.Option(
        "--context",
        help="Context-event file (default: [data] context, looked up beside the file, in "
        "NCR_HISTORY_DIR, ., ./history or ../shared/history).",
    ),
]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Root seed (default: [run] seed).")]
MaxVariantsOpt = Annotated[
    int | None,
    typer.Option(
        "--max-variants",
        help="Refuse grids with more variants than this (default 10,000; counted, not built).",
    ),
]
MaxDrawsOpt = Annotated[
    int | None,
    typer.Option(
        "--max-draws",
        help="Refuse more draws per variant than this (default 100,000,000, the file's cap).",
    ),
]
MaxMemoryOpt = Annotated[
    float | None,
    typer.Option(
        "--max-memory",
        help="Refuse sweeps whose estimated peak memory exceeds this many GiB (default 4).",
    ),
]


@app.command()
@_handled
def validate(
    file: FileArg,
    schema_only: Annotated[
        bool, typer.Option("--schema-only", help="Check the file alone (no model, no data).")
    ] = False,
    context: ContextOpt = None,
    backend: BackendOpt = None,
    max_variants: MaxVariantsOpt = None,
    max_draws: MaxDrawsOpt = None,
) -> None:
    """Check a scenario file: schema, then parameter names, data versions and cases.

    Example: ncr scenario validate my_scenario.toml
    """
    limits = _limits(max_variants, max_draws, None)
    if not schema_only:
        _presize(file, None, limits)
    loaded = _load(file) if schema_only else _plan(file, backend, context=context, limits=limits)[0]
    s = loaded.spec
    extra = "" if schema_only else " against the model, the data registry and the cases"
    typer.echo(
        f"ok: {loaded.label} — scenario '{s.scenario.name}' ({s.scenario.kind}), "
        f"{len(s.scope.states)} state(s) {s.scope.years[0]}–{s.scope.years[1]}, "
        f"{len(s.shocks)} shock(s), {len(s.uncertainty)} uncertain parameter(s), "
        f"{len(s.negotiations)} negotiation case(s); hash {loaded.hash[:12]}; checked{extra}"
    )


@app.command()
@_handled
def run(
    file: FileArg,
    draws: DrawsOpt = None,
    seed: SeedOpt = None,
    chunk_size: Annotated[
        int | None, typer.Option("--chunk-size", help="Draws per chunk (unit of work/resume).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a running Dask scheduler (tcp://…)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", help="Start a local Dask cluster with this many processes (1: here)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Results: a .duckdb file, or a folder of Parquet files (default: "
            "<scenario name>.duckdb).",
        ),
    ] = None,
    keep_draws: Annotated[
        bool, typer.Option("--keep-draws", help="Also store every draw (not only summaries).")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace results of a different sweep at --out.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Summary format.")] = Format.table,
    context: ContextOpt = None,
    backend: BackendOpt = None,
    max_variants: MaxVariantsOpt = None,
    max_draws: MaxDrawsOpt = None,
    max_memory: MaxMemoryOpt = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait/--no-wait",
            help="If another run is writing the same --out: wait for it (then reuse its "
            "results) or refuse at once.",
        ),
    ] = True,
) -> None:
    """Run a scenario's Monte Carlo sweep and store the results with provenance.

    Killed and restarted with the same command, a sweep computes only the missing chunks.
    The sweep's size is checked before anything is built: grids above --max-variants, draws
    above --max-draws and plans whose estimated memory exceeds --max-memory are refused. A
    second run on the same --out waits for the first (or, with --no-wait, refuses).

    Example: ncr scenario run dprk-baseline --draws 4000 --seed 7 --out baseline.duckdb
    """
    from ncrealism.errors import InputError

    if scheduler is not None and workers is not None:
        raise InputError("give either --scheduler (an existing cluster) or --workers, not both")
    limits = _limits(max_variants, max_draws, max_memory)
    _presize(file, draws, limits)  # before the scientific stack is even imported

    import polars as pl
    from rich.console import Console

    from ncrealism.scenario.engine import sweep_memory
    from ncrealism.scenario.store import read_results
    from ncrealism.scenario.sweep import run_sweep

    loaded, plan = _plan(file, backend, draws, seed, chunk_size, context, limits)
    limits.check_memory(sweep_memory(plan, keep_draws))
    target = out if out is not None else Path(f"{plan.name}.duckdb")
    report = run_sweep(
        plan,
        target,
        scheduler=scheduler,
        workers=workers,
        keep_draws=keep_draws,
        overwrite=overwrite,
        progress=not quiet,
        scenario_json=loaded.to_json(),
        console=Console(stderr=True),
        wait=wait,
    )
    summary = read_results(target)["summary"].filter(pl.col("variant") == 0)
    posture = summary.filter(pl.col("quantity") == "posture_probability")
    wide = posture.pivot(on="label", index=["ccode", "year"], values="mean").sort(["ccode", "year"])
    emit(
        wide,
        fmt,
        title=f"{plan.name}: mean posture probabilities (variant 0, {plan.draws} draws)",
        caption=(
            f"Probabilities (0–1) from model '{plan.model.name}', seed {plan.seed}; bands and "
            f"all quantities in {target} (table 'summary'). Scenario hash "
            f"{plan.scenario_hash[:12]}."
        ),
    )
    cases = summary.filter(pl.col("quantity").is_in(["agreement_probability", "durability_days"]))
    if cases.height and fmt is Format.table:
        qcols = [c for c in cases.columns if c.startswith("q") and c[1:2].isdigit()]
        emit(
            cases.select("label", "quantity", "unit", "n", "mean", *qcols).rename(
                {"label": "case"}
            ),
            fmt,
            title=f"{plan.name}: negotiation cases (variant 0)",
            caption=(
                "agreement_probability: share of draws with a zone of agreement; "
                "durability_days: expected days an agreement holds (draws with an agreement)."
            ),
        )
    status = (
        "already complete"
        if report.already_complete
        else f"{report.computed} chunk(s) computed, {report.reused} reused"
    )
    typer.echo(f"{target}: {status}; {report.n_chunks} chunk(s) in all", err=True)


@app.command()
@_handled
def compare(
    a: Annotated[str, typer.Argument(help="Scenario A (file or built-in name).")],
    b: Annotated[str, typer.Argument(help="Scenario B (file or built-in name).")],
    draws: DrawsOpt = None,
    seed: SeedOpt = None,
    quantity: Annotated[
        str | None,
        typer.Option(help="Only this quantity (posture_probability, agreement_probability, …)."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file.")] = None,
    context: ContextOpt = None,
    backend: BackendOpt = None,
) -> None:
    """Difference B − A in every outcome, draw by draw (common random numbers).

    Example: ncr scenario compare dprk-baseline dprk-china-halves --draws 2000
    """
    import polars as pl

    from ncrealism.scenario.compare import compare_plans

    la = _load(a)
    d = draws if draws is not None else la.spec.run.draws
    s = seed if seed is not None else la.spec.run.seed
    cs = la.spec.run.chunk_size
    _, plan_a = _plan(a, backend, d, s, cs, context)
    _, plan_b = _plan(b, backend, d, s, cs, context)
    frame = compare_plans(plan_a, plan_b)
    if quantity is not None:
        frame = frame.filter(pl.col("quantity") == quantity)
    emit(
        frame,
        fmt,
        out=out,
        title=f"{plan_b.name} − {plan_a.name} ({d} paired draws, seed {s})",
        caption=(
            "Probabilities 0–1, durability in days; diff = B − A per draw; p_b_greater: share "
            f"of draws with B > A. Hashes A {plan_a.scenario_hash[:12]}, "
            f"B {plan_b.scenario_hash[:12]}."
        ),
    )


@app.command("list")
@_handled
def list_(
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """List the built-in scenarios.

    Example: ncr scenario list
    """
    import polars as pl

    from ncrealism.scenario.builtins import builtin_scenarios

    rows: list[dict[str, Any]] = []
    for name, path in builtin_scenarios().items():
        from ncrealism.scenario.loader import load_scenario

        s = load_scenario(path).spec
        rows.append(
            {
                "name": name,
                "kind": s.scenario.kind,
                "title": s.scenario.title,
                "years": f"{s.scope.years[0]}–{s.scope.years[1]}",
            }
        )
    emit(pl.DataFrame(rows), fmt, title="built-in scenarios")


@app.command()
@_handled
def show(name: Annotated[str, typer.Argument(help="Built-in scenario name.")]) -> None:
    """Print a built-in scenario file (copy it to start your own).

    Example: ncr scenario show dprk-china-halves > my.toml
    """
    from ncrealism.scenario.builtins import locate

    typer.echo(locate(name).read_text(encoding="utf-8"), nl=False)


@app.command()
@_handled
def schema(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the JSON Schema to this file.")
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files.

    Example: ncr scenario schema --out docs/scenario.schema.json
    """
    from ncrealism.scenario.schema import schema_text

    text = schema_text()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@_handled
def sensitivity(
    file: FileArg,
    output: Annotated[
        str,
        typer.Option(
            "--quantity",
            "--output",
            help="The model output studied: posture:<name>, agreement:<case> or "
            "durability:<case> (--output: old name).",
        ),
    ] = "posture:engagement",
    year: Annotated[int | None, typer.Option(help="One year (default: mean over years).")] = None,
    n: Annotated[int, typer.Option("--n", help="Saltelli base sample (power of 2).")] = 1024,
    seed: SeedOpt = None,
    plot: Annotated[
        Path | None, typer.Option(help="Write a tornado diagram here (.png, .svg, .pdf).")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the table to this file.")
    ] = None,
    context: ContextOpt = None,
    backend: BackendOpt = None,
) -> None:
    """Sobol indices (first-order and total) of an output w.r.t. the uncertain parameters.

    Example: ncr sensitivity dprk-baseline --quantity posture:brinkmanship --plot tornado.png
    """
    from ncrealism.scenario.sensitivity import (
        output_spec,
        sobol_indices,
        tornado,
        tornado_plot,
    )

    loaded, plan = _plan(file, backend, context=context)
    s = loaded.spec.run.seed if seed is None else seed
    frame = sobol_indices(plan, output, n=n, seed=s, year=year)
    spec = output_spec(plan, output, year=year)
    torn = tornado(plan, output, year=year)
    joined = frame.join(torn.drop("base"), on="parameter", how="left")
    k = frame.height
    emit(
        joined,
        fmt,
        out=out,
        title=f"Sobol indices of {spec.name} ({plan.name})",
        caption=(
            f"S1/ST: first-order/total shares of variance (unitless), Saltelli design N={n} "
            f"({n * (k + 2)} model runs), seed {s}, 95% bootstrap half-widths (SALib). "
            f"Tornado: output ({spec.unit}) at each parameter's 5%/95% quantile, others at "
            "their medians."
        ),
    )
    if plot is not None:
        tornado_plot(torn, plot, title=spec.name, unit=spec.unit)
        typer.echo(f"tornado diagram: {plot}", err=True)
