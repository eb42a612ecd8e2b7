"""``ncr panel``: every state, every year; structural against neoclassical realism."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ncrealism.cli._common import FormatOpt, NmcOpt, OutDirOpt, OutOpt, nmc, progress
from ncrealism.cli._output import Format, emit
from ncrealism.data.nmc import DEFAULT_NMC_VERSION

if TYPE_CHECKING:
    import polars as pl

    from ncrealism.data.fetch import DataSource
    from ncrealism.panel.build import PanelFrame

app = typer.Typer(
    help=(
        "The cross-national panel: every COW state-year's internal balancing, external "
        "balancing and nuclear steps, forecast by structural realism (system inputs), "
        "neoclassical realism (plus the intervening variables the data measure), a statistical "
        "reference and the base rate, out of sample by era.\n\n"
        "Example: ncr panel backtest --out panel"
    ),
    no_args_is_help=True,
)


def _panel(version: str) -> PanelFrame:
    from ncrealism.data.fetch import DataSource
    from ncrealism.panel.build import build_panel_frame

    with progress("building the state-year panel"):
        return build_panel_frame(version=nmc(version), source=DataSource.from_env())


@contextmanager
def _grid_progress(text: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar counting finished tasks of the grid (none when not on a terminal)."""
    with progress(text) as bar:
        seen = [0]

        def update(done: int, total: int) -> None:
            bar.total(total)
            bar.advance(done - seen[0])
            seen[0] = done

        yield update


def _caption(pf: PanelFrame) -> str:
    return (
        f"COW state-years {int(pf.data['year'].min())}-{pf.last_year}; capability data COW NMC "  # type: ignore[arg-type]
        f"v{pf.version}. Sources: " + ", ".join(pf.sources)
    )


@app.command()
def build(
    version: NmcOpt = DEFAULT_NMC_VERSION,
    panel: Annotated[
        Path | None,
        typer.Option("--panel", help="Also write the whole panel (.parquet, else CSV)."),
    ] = None,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Build the outcome panel from the data mirror and print each outcome's base rate by era.

    Outcomes: internal balancing (military-burden surge), external balancing (defence pact or
    entente onset with a state sharing the threat), nuclear steps, none
    (ncrealism.panel.outcomes).

    Example: ncr panel build --panel panel.parquet
    """
    import polars as pl

    from ncrealism.panel.outcomes import base_rates

    pf = _panel(version)
    rates = base_rates(pf.data)
    several = pf.data.filter(pl.col("n_outcomes") > 1).height
    emit(
        rates,
        fmt,
        out=out,
        title="Outcome base rates by era (share of state-years)",
        caption=_caption(pf)
        + f". {several} state-years had more than one step (coded as the costlier one).",
    )
    if panel is not None:
        if panel.suffix == ".parquet":
            pf.data.write_parquet(panel)
        else:
            pf.data.write_csv(panel)
        typer.echo(f"wrote {panel} ({pf.data.height} state-years)", err=True)


def summary_table(scores: pl.DataFrame) -> pl.DataFrame:
    """The printed backtest table: log loss and Brier of each model by fold (all outcomes)."""
    import polars as pl

    return scores.filter(pl.col("outcome") == "all").select(
        "fold", "model", "n", "log_loss", "brier", "ece"
    )


@app.command()
def backtest(
    out: OutDirOpt = Path("panel"),
    version: NmcOpt = DEFAULT_NMC_VERSION,
    scheduler: Annotated[
        str,
        typer.Option(
            help="'local': a Dask LocalCluster; 'none': this process only; or the address of a "
            "running Dask scheduler (tcp://host:8786)."
        ),
    ] = "local",
    workers: Annotated[int, typer.Option(help="Workers of the LocalCluster.")] = 2,
    n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap draws.")] = 999,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 2009,
    resume: Annotated[bool, typer.Option(help="Reuse finished tasks stored in OUT/tasks.")] = True,
    cache: Annotated[
        bool,
        typer.Option(
            "--cache/--no-cache",
            help="Reuse the output of an identical earlier run (same options, data and code; "
            "kept under NCR_CACHE_DIR) and the finished fits and scores of any run of the same "
            "grid, or compute afresh.",
        ),
    ] = True,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run every era fold for every model; write OUT/results.json, predictions and figures.

    Folds: train to 1945 → test 1946-1970; to 1970 → 1971-1990; to 1990 → 1991-2012.
    The results do not depend on the scheduler or the number of workers, so an identical
    earlier run's output is restored from the derived-data cache, and the finished fits and
    scores of an earlier run of the same grid (``run_backtest(..., cache=True)``) are read
    from it (``--no-cache``: compute).

    Example: ncr panel backtest --out panel --workers 2
    """
    import json
    import time

    from ncrealism.data.fetch import DataSource
    from ncrealism.errors import InputError
    from ncrealism.panel.backtest import run_backtest
    from ncrealism.panel.figures import write_figures

    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a folder")
    # checked before the cache is read: a cached output must not hide a bad option
    if workers < 1:
        raise InputError(f"--workers {workers}: give at least 1")
    if n_boot < 1:
        raise InputError(f"--n-boot {n_boot}: give at least 1")
    if seed < 0:
        raise InputError(f"--seed {seed}: give a whole number >= 0")
    t0 = time.perf_counter()
    version = nmc(version)
    source = DataSource.from_env()
    params = {"version": version, "n_boot": n_boot, "seed": seed}
    if cache and _restore_backtest(out, source, params, fmt, t0):
        return
    pf = _panel(version)
    out.mkdir(parents=True, exist_ok=True)
    store = out / "tasks"
    if not resume and store.is_dir():
        for f in store.glob("*.pkl"):
            f.unlink()
    with _grid_progress("fold × model fits, fold × outcome scores") as update:
        result = run_backtest(
            pf,
            scheduler=None if scheduler == "none" else scheduler,
            workers=workers,
            n_boot=n_boot,
            seed=seed,
            store=store,
            progress=update,
            cache=cache,
            source=source,
        )
    (out / "results.json").write_text(
        json.dumps(result.to_json(), indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    result.predictions.write_parquet(out / "predictions.parquet")
    figures = write_figures(result, out)
    elapsed = time.perf_counter() - t0
    table = summary_table(result.scores)
    caption = _caption(pf)
    _emit_backtest(table, caption, fmt)
    typer.echo(
        f"wrote {out / 'results.json'}, {', '.join(p.name for p in figures)} in {elapsed:.1f} s",
        err=True,
    )
    if cache:
        _store_backtest(out, source, params, table, caption, figures)


_BACKTEST_KIND = "panel-backtest"


def _emit_backtest(table: pl.DataFrame, caption: str, fmt: Format) -> None:
    emit(
        table,
        fmt,
        title="Out-of-sample scores, four-outcome forecast (lower is better)",
        caption="log loss in nats; Brier 0-2; ece: top-label expected calibration error. "
        + caption,
    )


def _store_backtest(
    out: Path,
    source: DataSource,
    params: Mapping[str, object],
    table: pl.DataFrame,
    caption: str,
    figures: list[Path],
) -> None:
    """Keep the backtest's output folder in the derived-data cache (ncrealism.data.derived)."""
    import base64
    import io

    from ncrealism.data.derived import derived_key, store_derived

    buf = io.BytesIO()
    table.write_ipc(buf)
    files = [out / "results.json", out / "predictions.parquet", *figures]
    files += sorted((out / "tasks").glob("*.pkl"))
    store_derived(
        _BACKTEST_KIND,
        derived_key(_BACKTEST_KIND, source, params=params),
        source,
        out,
        [f for f in files if f.is_file()],
        {
            "caption": caption,
            "figures": [f.name for f in figures],
            "summary_ipc": base64.b64encode(buf.getvalue()).decode("ascii"),
        },
    )


def _restore_backtest(
    out: Path, source: DataSource, params: Mapping[str, object], fmt: Format, t0: float
) -> bool:
    """Restore an identical earlier run's output into ``out`` and print its table, if cached."""
    import base64
    import io
    import time

    import polars as pl

    from ncrealism.data.derived import derived_key, fetch_derived, restore_derived

    hit = fetch_derived(_BACKTEST_KIND, derived_key(_BACKTEST_KIND, source, params=params), source)
    if hit is None:
        return False
    folder, meta = hit
    try:
        table = pl.read_ipc(io.BytesIO(base64.b64decode(meta["summary_ipc"])))
        caption, figures = str(meta["caption"]), [str(f) for f in meta["figures"]]
    except (KeyError, TypeError, ValueError, OSError):
        return False  # an entry written by another layout: compute afresh
    out.mkdir(parents=True, exist_ok=True)
    restore_derived(folder, out)
    _emit_backtest(table, caption, fmt)
    typer.echo(
        f"wrote {out / 'results.json'}, {', '.join(figures)} (restored from the derived-data "
        f"cache in {time.perf_counter() - t0:.1f} s)",
        err=True,
    )
    return True


@app.command()
def compare(
    results: Annotated[Path, typer.Option(help="results.json written by `ncr panel backtest`.")],
    model: Annotated[str, typer.Option(help="Model compared.")] = "neoclassical",
    comparison: Annotated[str, typer.Option(help="Model compared with.")] = "structural",
    metric: Annotated[str, typer.Option(help="log_loss or brier.")] = "log_loss",
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Paired differences of two models by era and outcome, with 95% bootstrap intervals.

    Example: ncr panel compare --results panel/results.json --model neoclassical
    """
    import json

    import polars as pl

    from ncrealism.errors import DataFileError, InputError

    if not results.is_file():
        raise InputError(f"{results}: no such file (run `ncr panel backtest --out DIR` first)")
    try:
        doc = json.loads(results.read_text(encoding="utf-8"))
        diffs = pl.DataFrame(doc["differences"], infer_schema_length=None)
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataFileError(results, f"not a panel results file ({exc})") from exc
    sub = diffs.filter(
        (pl.col("model") == model)
        & (pl.col("comparison") == comparison)
        & (pl.col("metric") == metric)
    )
    if sub.height == 0:
        pairs = sorted({(r["model"], r["comparison"]) for r in doc["differences"]})
        raise InputError(f"no comparison {model} vs {comparison} in {results}; have {pairs}")
    emit(
        sub.select("fold", "outcome", "difference", "lower", "upper", "share_better"),
        fmt,
        out=out,
        title=f"{metric}: {model} minus {comparison} (negative: {model} better)",
        caption="95% cluster-bootstrap intervals (states resampled); share_better: share of "
        "draws in which the first model scores better.",
    )


@app.command()
def fit(
    model: Annotated[str, typer.Option(help="structural or neoclassical.")] = "neoclassical",
    last_year: Annotated[int, typer.Option(help="Fit on state-years up to this year.")] = 2009,
    version: NmcOpt = DEFAULT_NMC_VERSION,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Fit a hierarchical model on every state-year and print its pooled coefficients.

    Coefficients are log-odds of each step against 'none' per standard deviation of the
    predictor, with 95% Laplace intervals.

    Example: ncr panel fit --model structural --last-year 1990
    """
    import numpy as np
    import polars as pl
    from threadpoolctl import threadpool_limits

    from ncrealism.errors import InputError
    from ncrealism.panel.build import INTERVENING, STRUCTURAL
    from ncrealism.panel.models import HierarchicalLogit
    from ncrealism.panel.outcomes import OUTCOMES

    feats = {"structural": STRUCTURAL, "neoclassical": (*STRUCTURAL, *INTERVENING)}.get(model)
    if feats is None:
        raise InputError(f"--model must be structural or neoclassical, not '{model}'")
    pf = _panel(version)
    rows = pf.data.filter(pl.col("outcome").is_not_null() & (pl.col("year") <= last_year))
    with progress("fitting"), threadpool_limits(1):
        fitted = HierarchicalLogit(tuple(feats)).fit(rows)
        sd = np.sqrt(np.diag(fitted.covariance()))
    recs = []
    for name in ("const", *fitted.design.std.columns):
        for o in OUTCOMES[1:]:
            i = fitted.flat_index(name, o)
            est = float(fitted.theta.ravel()[i])
            recs.append(
                {
                    "predictor": name,
                    "outcome": o,
                    "estimate": est,
                    "lower": est - 1.96 * float(sd[i]),
                    "upper": est + 1.96 * float(sd[i]),
                }
            )
    emit(
        pl.DataFrame(recs),
        fmt,
        out=out,
        title=f"{model} hierarchical logit, state-years to {last_year} "
        f"({rows.height} rows, {rows['ccode'].n_unique()} states)",
        caption="log-odds against 'none' per standard deviation; 95% Laplace intervals. "
        + _caption(pf),
    )


@app.command()
def dprk(
    last_year: Annotated[int, typer.Option(help="Fit on state-years up to this year.")] = 2009,
    level: Annotated[float, typer.Option(help="Interval level.")] = 0.90,
    version: NmcOpt = DEFAULT_NMC_VERSION,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """The DPRK against the world: data-estimated deviations beside the coded profile.

    Each row maps an estimate of the pooled neoclassical model (or a measured ratio) onto one
    parameter of perception/profiles/dprk.toml, with an interval and a verdict.

    Example: ncr panel dprk --level 0.9
    """
    from threadpoolctl import threadpool_limits

    from ncrealism.panel.dprk import dprk_deviations

    pf = _panel(version)
    with progress("fitting the pooled model"), threadpool_limits(1):
        table, info = dprk_deviations(pf, last_year=last_year, level=level)
    emit(
        table,
        fmt,
        out=out,
        title=f"DPRK (731) against the world, {info['fit_years'][0]}-{last_year}: revealed "
        "perception beside Koga's coded profile",
        caption=(
            f"{int(level * 100)}% intervals (Laplace posterior draws, seed {info['seed']}; "
            f"measured rows: over years 1990-{last_year}). Fit: {info['fit_rows']} state-years "
            f"of {info['fit_states']} states; DPRK rows {info['state_rows']}, outcomes "
            f"{info['state_outcomes']}. " + _caption(pf)
        ),
    )
