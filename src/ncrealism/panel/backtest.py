"""Out-of-sample comparison of the panel's models: rolling origin by era, on one core or on Dask.

Folds (:data:`FOLDS`): the models are fitted on every state-year up to the end of a training
era and forecast the next era, one year ahead (every predictor of year ``t`` is measured in
``t − 1``): train 1817-1945 → test 1946-1970 (the bipolar Cold War and decolonisation), train
to 1970 → test 1971-1990 (détente to the end of the Cold War), train to 1990 → test 1991-2012
(unipolarity; 2012 is the last year with all three outcomes observed, the COW alliance data
ending there). The origin rolls forward; no fold uses a test year to fit.

Scores (:mod:`ncrealism.scoring`): log loss (nats) and the multi-category Brier score (0-2)
of the four-outcome forecast (outcome ``"all"``), and the binary log loss and Brier score
(0-1) of each outcome against the rest; calibration in the large (mean forecast vs. observed
rate) and the top-label expected calibration error. Paired differences (model minus
comparison; negative = the model is better) carry 95% intervals from a *cluster bootstrap by
state* (Davison & Hinkley 1997, *Bootstrap Methods and their Application*, §3.8): states are
resampled with replacement, with all their years, so the interval respects the dependence of a
state's years; ``n_boot`` draws from a ``numpy.random.Generator`` seeded by (``seed``, fold,
outcome), so the same seed gives the same bytes whatever runs the tasks.

The grid. One *fit* task per fold × model (the forecasts of the test era) and one *score*
task per fold × outcome (every model's scores and every paired difference); the tasks are
pure functions of the panel, their key a hash of their inputs. With a ``store`` folder each
finished task is written there under its key (the sha256 of its pickle, then the pickle) and
read back on the next run (resumable). With
``cache=True`` the finished tasks are also kept in the derived-data cache
(:mod:`ncrealism.data.derived`, in a folder keyed by the package source, the installed library
versions, the data registry and the mirror, so other code never reads them): a later run of
the same grid on the same panel, in this process or another (``ncr panel backtest`` passes its
``--cache``), reads them instead of
computing them.
A task's key holds everything its result depends on: the panel's digest, the fold, the models,
and for a score task its outcome, ``seed``, ``n_boot`` and the fold's position in ``folds`` (the
bootstrap's seed), so what the cache or the store holds never changes a run's bytes. A task file
that cannot be read back (damaged, truncated, its checksum wrong, or not a task), in ``store``
or in the cache, is computed again and written over, whole (a temporary file renamed into
place); the checksum is verified before the pickle is loaded, since an altered pickle may load
as a wrong number or crash the interpreter.
``scheduler=None`` runs the grid in this process; ``"local"`` starts a Dask ``LocalCluster`` of
``workers`` single-threaded worker processes; any other value is the address of a running
Dask scheduler (``tcp://host:8786``), so the same call runs on a cluster. Linear algebra runs
on one thread inside every task, so 1, 2 or N workers give identical results.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from ncrealism.errors import InputError
from ncrealism.evaluation.metrics import expected_calibration_error
from ncrealism.panel.build import PanelFrame
from ncrealism.panel.models import MODELS, fit_predict, outcome_matrix
from ncrealism.panel.outcomes import OUTCOMES, base_rates
from ncrealism.scoring import binary_brier, brier, log_loss, log_probability

if TYPE_CHECKING:
    from ncrealism.data.fetch import DataSource

__all__ = [
    "FOLDS",
    "PAIRS",
    "SCORED",
    "BacktestResult",
    "Fold",
    "StateSums",
    "fit_task",
    "paired_differences",
    "run_backtest",
    "score_rows",
    "score_task",
    "state_sums",
]

FloatArray = NDArray[np.float64]

#: Version of the task definitions: part of every task key (bump when a task's result changes).
TASK_VERSION = "panel-2"


@dataclass(frozen=True)
class Fold:
    """A rolling-origin fold: fit on years up to ``train_last``, forecast ``test_first`` to
    ``test_last``."""

    label: str
    train_last: int
    test_first: int
    test_last: int


FOLDS: tuple[Fold, ...] = (
    Fold("1946-1970", 1945, 1946, 1970),
    Fold("1971-1990", 1970, 1971, 1990),
    Fold("1991-2012", 1990, 1991, 2012),
)

#: The outcome columns scored: the four-outcome forecast, then each outcome against the rest.
SCORED: tuple[str, ...] = ("all", *OUTCOMES)

#: Paired comparisons (model, comparison): the difference is model minus comparison.
PAIRS: tuple[tuple[str, str], ...] = (
    ("neoclassical", "structural"),
    ("structural", "base_rate"),
    ("neoclassical", "base_rate"),
    ("reference", "neoclassical"),
    ("reference", "base_rate"),
)

_COLUMNS = ("ccode", "year", "region", "outcome")


def _rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("outcome").is_not_null())


def panel_digest(frame: pl.DataFrame) -> str:
    """sha256 of the panel's contents (Arrow IPC bytes of the frame)."""
    buf = io.BytesIO()
    frame.write_ipc(buf, compression="uncompressed")
    return hashlib.sha256(buf.getvalue()).hexdigest()


def _key(**parts: Any) -> str:
    text = json.dumps({"task": TASK_VERSION, **parts}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def fit_task(frame: pl.DataFrame, fold: Fold, model: str) -> FloatArray:
    """Forecasts (test rows × 4) of ``model`` for ``fold``: fitted on training years only."""
    rows = _rows(frame)
    train = rows.filter(pl.col("year") <= fold.train_last)
    test = rows.filter(pl.col("year").is_between(fold.test_first, fold.test_last))
    if train.height == 0 or test.height == 0:
        raise InputError(f"fold {fold.label}: no training or no test rows in the panel")
    return fit_predict(model, train, test)


def _scores(p: FloatArray, y: FloatArray, outcome: str) -> tuple[float, float]:
    """Log loss and Brier score of the four-outcome forecast (``"all"``) or of one outcome
    against the rest (binary forms of :mod:`ncrealism.scoring`)."""
    if outcome == "all":
        return log_loss(p, y), brier(p, y)
    k = OUTCOMES.index(outcome)
    pk, yk = p[:, k], y[:, k]
    return log_loss(np.column_stack([1.0 - pk, pk]), np.column_stack([1.0 - yk, yk])), (
        binary_brier(pk, yk)
    )


def _row_log_loss(p: FloatArray, y: FloatArray, outcome: str) -> FloatArray:
    """Each row's log loss (the negative floored log-probability of what happened)."""
    if outcome == "all":
        return -log_probability(p, np.argmax(y, axis=1))
    k = OUTCOMES.index(outcome)
    two = np.column_stack([1.0 - p[:, k], p[:, k]])
    return -log_probability(two, y[:, k].astype(np.int64))


@dataclass(frozen=True, eq=False)
class StateSums:
    """Per-state sums of each model's scores for one outcome (the bootstrap's clusters).

    ``states`` (G,) COW codes; ``counts`` (G,) rows; ``sums[model][metric]`` (G,) the sum over
    a state's rows of the row scores (the state's mean score times its rows).
    """

    states: NDArray[np.int64]
    counts: FloatArray
    sums: dict[str, dict[str, FloatArray]]

    def select(self, keep: NDArray[np.bool_]) -> StateSums:
        """The states where ``keep`` is true."""
        return StateSums(
            self.states[keep],
            self.counts[keep],
            {m: {k: v[keep] for k, v in d.items()} for m, d in self.sums.items()},
        )

    @staticmethod
    def combine(parts: Sequence[StateSums]) -> StateSums:
        """Add up the sums of the same states across parts (e.g. the folds)."""
        states = np.unique(np.concatenate([p.states for p in parts]))
        counts = np.zeros(states.size)
        models = list(parts[0].sums)
        sums = {m: {k: np.zeros(states.size) for k in parts[0].sums[m]} for m in models}
        for p in parts:
            pos = np.searchsorted(states, p.states)
            counts[pos] += p.counts
            for m in models:
                for k, v in p.sums[m].items():
                    sums[m][k][pos] += v
        return StateSums(states, counts, sums)


def state_sums(
    probs: dict[str, FloatArray], targets: FloatArray, ccodes: NDArray[np.int64], outcome: str
) -> StateSums:
    """Per-state score sums of each model (``outcome``: ``"all"`` or one of :data:`OUTCOMES`)."""
    states, groups = np.unique(ccodes, return_inverse=True)
    order = np.argsort(groups, kind="stable")
    bounds = np.searchsorted(groups[order], np.arange(states.size + 1))
    counts = np.diff(bounds).astype(np.float64)
    sums: dict[str, dict[str, FloatArray]] = {}
    for model, p in probs.items():
        rows = _row_log_loss(p, targets, outcome)
        out = {
            "log_loss": np.bincount(groups, weights=rows, minlength=states.size).astype(np.float64),
            "brier": np.zeros(states.size),
        }
        for g in range(states.size):
            idx = order[bounds[g] : bounds[g + 1]]
            out["brier"][g] = _scores(p[idx], targets[idx], outcome)[1] * idx.size
        sums[model] = out
    return StateSums(states.astype(np.int64), counts, sums)


def score_rows(
    probs: dict[str, FloatArray], targets: FloatArray, outcome: str
) -> list[dict[str, Any]]:
    """Each model's scores on all rows (keys of :attr:`BacktestResult.scores`)."""
    rows = []
    for model, p in probs.items():
        ll, bs = _scores(p, targets, outcome)
        row: dict[str, Any] = {
            "model": model,
            "n": int(targets.shape[0]),
            "events": int(targets.shape[0])
            if outcome == "all"
            else int(targets[:, OUTCOMES.index(outcome)].sum()),
            "log_loss": ll,
            "brier": bs,
        }
        if outcome == "all":
            row["ece"] = expected_calibration_error(p, targets)
            row["mean_forecast"] = None
            row["observed_rate"] = None
        else:
            k = OUTCOMES.index(outcome)
            row["ece"] = None
            row["mean_forecast"] = float(p[:, k].mean())
            row["observed_rate"] = float(targets[:, k].mean())
        rows.append(row)
    return rows


def paired_differences(
    sums: StateSums, rng: np.random.Generator, n_boot: int
) -> list[dict[str, Any]]:
    """Paired differences of :data:`PAIRS` with 95% cluster-bootstrap intervals (states)."""
    g = sums.states.size
    weights = rng.multinomial(g, np.full(g, 1.0 / g), size=n_boot).astype(np.float64)
    denom = weights @ sums.counts
    total = sums.counts.sum()
    diffs = []
    for a, b in PAIRS:
        if a not in sums.sums or b not in sums.sums:
            continue
        for metric in ("log_loss", "brier"):
            d = sums.sums[a][metric] - sums.sums[b][metric]
            draws = (weights @ d) / denom
            lo, hi = np.quantile(draws, [0.025, 0.975])
            diffs.append(
                {
                    "model": a,
                    "comparison": b,
                    "metric": metric,
                    "difference": float(d.sum() / total),
                    "lower": float(lo),
                    "upper": float(hi),
                    "share_better": float(np.mean(draws < 0)),
                }
            )
    return diffs


def score_task(
    test: pl.DataFrame,
    probs: dict[str, FloatArray],
    fold_index: int,
    outcome: str,
    seed: int,
    n_boot: int,
) -> dict[str, Any]:
    """Scores, per-state sums and paired differences for one fold and one outcome."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, fold_index, SCORED.index(outcome)]))
    y = outcome_matrix(test["outcome"].to_list())
    sums = state_sums(probs, y, test["ccode"].to_numpy().astype(np.int64), outcome)
    return {
        "scores": score_rows(probs, y, outcome),
        "differences": paired_differences(sums, rng, n_boot),
        "sums": sums,
    }


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """What :func:`run_backtest` produced.

    ``scores``: one row per fold (``"all"`` = the three test eras pooled) × outcome × model:
    ``fold``, ``outcome``, ``model``, ``n`` (state-years), ``events``, ``log_loss`` (nats),
    ``brier`` (0-2), ``ece`` (four-outcome forecast only), ``mean_forecast`` and
    ``observed_rate`` (one outcome against the rest only). ``differences``: ``fold``,
    ``outcome``, ``model``, ``comparison``, ``metric``, ``difference`` (model minus comparison;
    negative = model better), ``lower``/``upper`` (95% cluster-bootstrap interval),
    ``share_better`` (share of bootstrap draws in which the model scores better).
    ``regions``: the same scores for the four-outcome forecast, pooled over folds, by region
    (``region`` column), and ``region_differences`` likewise. ``predictions``: one row per test
    state-year and model (``fold``, ``ccode``, ``year``, ``region``, ``outcome``, ``model``, one
    probability column per outcome). ``info``: run metadata (no timings: the bytes of a run do
    not depend on how fast it ran).
    """

    scores: pl.DataFrame
    differences: pl.DataFrame
    regions: pl.DataFrame
    region_differences: pl.DataFrame
    base_rates: pl.DataFrame
    predictions: pl.DataFrame
    info: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON document written to ``results.json`` (floats rounded to 6 decimals)."""
        from ncrealism._jsonsafe import json_safe

        def rows(df: pl.DataFrame) -> list[dict[str, Any]]:
            return [
                {k: round(v, 6) if isinstance(v, float) else v for k, v in r.items()}
                for r in df.iter_rows(named=True)
            ]

        doc = {
            "info": self.info,
            "base_rates": rows(self.base_rates),
            "scores": rows(self.scores),
            "differences": rows(self.differences),
            "regions": rows(self.regions),
            "region_differences": rows(self.region_differences),
        }
        out: dict[str, Any] = json_safe(doc)
        return out


Progress = Callable[[int, int], None]


def _write_task(folder: Path, key: str, data: bytes) -> None:
    """Write a finished task's pickle ``data``, after its sha256, under a temporary name and
    rename it into place, so that a run reading the folder at the same time sees the whole
    file or none."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{key[:12]}-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(hashlib.sha256(data).digest())
            fh.write(data)
        Path(tmp).replace(folder / f"{key}.pkl")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: What reading back a damaged task file raises: :func:`pickle.loads`'s own errors on a
#: truncated or altered stream, what the objects it rebuilds raise on bad arguments, and
#: :class:`OSError` from reading the file.
_DAMAGED = (
    pickle.UnpicklingError,
    EOFError,
    OSError,
    ValueError,
    OverflowError,
    AttributeError,
    ImportError,
    IndexError,
    TypeError,
)


def _read_task(folder: Path | None, key: str, expect: type) -> tuple[bytes, Any] | None:
    """The pickle and the result of the finished task ``key`` in ``folder``; ``None`` when it
    is not there or cannot be read back as an ``expect`` (the caller computes it again)."""
    if folder is None:
        return None
    path = folder / f"{key}.pkl"
    if not path.is_file():
        return None
    try:
        raw = path.read_bytes()
        digest, data = raw[:32], raw[32:]
        if hashlib.sha256(data).digest() != digest:
            return None
        value = pickle.loads(data)
    except _DAMAGED:
        return None
    return (data, value) if isinstance(value, expect) else None


def _task_cache(source: DataSource | None) -> Path | None:
    """The derived-data cache's folder of finished tasks (module docstring), or ``None`` when
    the cache is off (``NCR_NO_CACHE``)."""
    from ncrealism.data.derived import derived_key, task_folder
    from ncrealism.data.fetch import DataSource

    src = source or DataSource.from_env()
    return task_folder("panel-tasks", derived_key("panel-tasks", src), src)


def _run_tasks(
    calls: list[tuple[str, Callable[..., Any], tuple[Any, ...]]],
    *,
    scheduler: str | None,
    workers: int,
    shared: Any,
    store: Path | None,
    progress: Progress | None,
    processes: bool = True,
    cache: Path | None = None,
    expect: type = object,
) -> dict[str, Any]:
    """Run ``fn(shared, *args)`` for each (key, fn, args), reading/writing ``store`` and the
    ``cache`` folder of finished tasks (a task read from the cache is copied into ``store``;
    one that cannot be read back as an ``expect`` is computed again and written over)."""

    def keep(key: str, data: bytes, in_cache: bool = True) -> None:
        if store is not None:
            _write_task(store, key, data)
        if cache is not None and in_cache:
            # a read-only or full cache is no error: the task is simply not kept
            with contextlib.suppress(OSError):
                _write_task(cache, key, data)

    done: dict[str, Any] = {}
    todo = []
    for key, fn, args in calls:
        if (stored := _read_task(store, key, expect)) is not None:
            done[key] = stored[1]
        elif (cached := _read_task(cache, key, expect)) is not None:
            done[key] = cached[1]
            keep(key, cached[0], in_cache=False)
        else:
            todo.append((key, fn, args))
    total = len(calls)

    def finish(key: str, value: Any) -> None:
        done[key] = value
        if store is not None or cache is not None:
            keep(key, pickle.dumps(value, protocol=5))
        if progress is not None:
            progress(len(done), total)

    if progress is not None:
        progress(len(done), total)
    if not todo:
        return done
    if scheduler is None:
        for key, fn, args in todo:
            finish(key, fn(shared, *args))
        return done
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise InputError(
            "running the grid on Dask needs dask.distributed: install ncrealism[panel], or "
            "run in this process (scheduler None; --scheduler none)"
        ) from exc

    cluster = None
    if scheduler == "local":
        from ncrealism.scenario.sweep import local_cluster

        cluster = local_cluster(workers, processes=processes)
        client = Client(cluster)  # type: ignore[no-untyped-call]
    else:
        client = Client(scheduler)  # type: ignore[no-untyped-call]
    try:
        data = client.scatter(shared, broadcast=True)  # type: ignore[no-untyped-call]
        futures = {
            client.submit(fn, data, *args, key=f"panel-{key}", pure=False): key
            for key, fn, args in todo
        }
        for fut in as_completed(list(futures)):  # type: ignore[no-untyped-call]
            finish(futures[fut], fut.result())
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()
    return done


def _fit_call(frame: pl.DataFrame, fold: Fold, model: str) -> FloatArray:
    return fit_task(frame, fold, model)


def _score_call(
    shared: pl.DataFrame,
    test: pl.DataFrame,
    probs: dict[str, FloatArray],
    fold_index: int,
    outcome: str,
    seed: int,
    n_boot: int,
) -> dict[str, Any]:
    return score_task(test, probs, fold_index, outcome, seed, n_boot)


def _check_arguments(
    folds: Sequence[Fold],
    models: Sequence[str],
    seed: int,
    n_boot: int,
    workers: int,
) -> None:
    """Raise :class:`InputError` on an argument :func:`run_backtest` cannot run with, before it
    reads any finished task (a stored or cached grid must not hide a bad argument)."""
    bad = [m for m in models if m not in MODELS]
    if bad:
        raise InputError(f"unknown model(s) {bad}; choose from {list(MODELS)}")
    if not models or len(set(models)) < len(models):
        raise InputError(f"models {list(models)}: give one or more distinct models")
    if not folds:
        raise InputError("folds: give at least one fold")
    labels = [f.label for f in folds]
    if len(set(labels)) < len(labels):
        raise InputError(f"folds {labels}: every fold needs its own label")
    for f in folds:
        if not f.train_last < f.test_first <= f.test_last:
            raise InputError(
                f"fold {f.label}: needs train_last < test_first <= test_last, got "
                f"{f.train_last}, {f.test_first}, {f.test_last}"
            )
    if n_boot < 1:
        raise InputError("n_boot must be at least 1")
    if seed < 0:
        raise InputError(f"seed {seed}: give a whole number >= 0")
    if workers < 1:
        raise InputError(f"workers {workers}: give at least 1")


def run_backtest(
    panel: PanelFrame,
    *,
    folds: Sequence[Fold] = FOLDS,
    models: Sequence[str] = MODELS,
    seed: int = 2009,
    n_boot: int = 999,
    scheduler: str | None = None,
    workers: int = 2,
    store: Path | None = None,
    progress: Progress | None = None,
    processes: bool = True,
    cache: bool = False,
    source: DataSource | None = None,
) -> BacktestResult:
    """Run every fold for every model and score every outcome (module docstring).

    ``scheduler``: ``None`` (this process), ``"local"`` (a Dask LocalCluster of ``workers``
    processes) or a Dask scheduler address. ``store``: folder of finished tasks (resumable).
    ``cache``: also read and keep finished tasks in the derived-data cache of ``source``
    (default :meth:`DataSource.from_env`; module docstring). ``progress(done, total)`` is
    called as tasks finish.
    """
    _check_arguments(folds, models, seed, n_boot, workers)
    frame = _rows(panel.data)
    digest = panel_digest(frame)
    task_cache = _task_cache(source) if cache else None
    fit_calls = [
        (_key(kind="fit", digest=digest, fold=f.__dict__, model=m), _fit_call, (f, m))
        for f in folds
        for m in models
    ]
    n_fit = len(fit_calls)

    def fit_progress(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total + len(folds) * len(SCORED))

    fits = _run_tasks(
        fit_calls,
        scheduler=scheduler,
        workers=workers,
        shared=frame,
        store=store,
        progress=fit_progress,
        processes=processes,
        cache=task_cache,
        expect=np.ndarray,
    )
    tests = {
        f.label: frame.filter(pl.col("year").is_between(f.test_first, f.test_last)).select(_COLUMNS)
        for f in folds
    }
    probs = {f.label: {m: fits[key] for (key, _, (ff, m)) in fit_calls if ff == f} for f in folds}
    score_calls = [
        (
            _key(
                kind="score",
                digest=digest,
                fold=f.__dict__,
                fold_index=i,
                models=list(models),
                outcome=o,
                seed=seed,
                n_boot=n_boot,
            ),
            _score_call,
            (tests[f.label], probs[f.label], i, o, seed, n_boot),
        )
        for i, f in enumerate(folds)
        for o in SCORED
    ]

    def score_progress(done: int, total: int) -> None:
        if progress is not None:
            progress(n_fit + done, n_fit + total)

    scored = _run_tasks(
        score_calls,
        scheduler=scheduler,
        workers=workers,
        shared=None,
        store=store,
        progress=score_progress,
        processes=processes,
        cache=task_cache,
        expect=dict,
    )
    score_rows_: list[dict[str, Any]] = []
    diff_rows: list[dict[str, Any]] = []
    for key, _, (_, _, i, o, _, _) in score_calls:
        label = folds[i].label
        for r in scored[key]["scores"]:
            score_rows_.append({"fold": label, "outcome": o, **r})
        for r in scored[key]["differences"]:
            diff_rows.append({"fold": label, "outcome": o, **r})
    # Pooled over folds, and by region (four-outcome forecast), from the per-state sums.
    pooled_test = pl.concat([tests[f.label] for f in folds])
    pooled = {m: np.vstack([probs[f.label][m] for f in folds]) for m in models}
    y = outcome_matrix(pooled_test["outcome"].to_list())
    by_outcome: dict[str, list[StateSums]] = {o: [] for o in SCORED}
    for key, _, (_, _, _, o, _, _) in score_calls:
        by_outcome[o].append(scored[key]["sums"])
    for j, o in enumerate(SCORED):
        rng = np.random.default_rng(np.random.SeedSequence([seed, len(folds), j]))
        score_rows_all = score_rows(pooled, y, o)
        combined = StateSums.combine(by_outcome[o])
        score_rows_ += [{"fold": "all", "outcome": o, **r} for r in score_rows_all]
        diff_rows += [
            {"fold": "all", "outcome": o, **r} for r in paired_differences(combined, rng, n_boot)
        ]
    region_rows: list[dict[str, Any]] = []
    region_diffs: list[dict[str, Any]] = []
    regions = pooled_test["region"].to_numpy()
    combined = StateSums.combine(by_outcome["all"])
    region_of_state = dict(
        zip(pooled_test["ccode"].to_list(), pooled_test["region"].to_list(), strict=True)
    )
    state_regions = np.array([region_of_state[int(c)] for c in combined.states])
    for j, reg in enumerate(sorted(set(regions.tolist()))):
        sel = regions == reg
        rng = np.random.default_rng(np.random.SeedSequence([seed, len(folds) + 1, j]))
        s = score_rows({m: p[sel] for m, p in pooled.items()}, y[sel], "all")
        d = paired_differences(combined.select(state_regions == reg), rng, n_boot)
        region_rows += [{"region": reg, **r} for r in s]
        region_diffs += [{"region": reg, **r} for r in d]
    pred_frames = []
    for f in folds:
        t = tests[f.label]
        for m in models:
            p = probs[f.label][m]
            pred_frames.append(
                t.with_columns(
                    pl.lit(f.label).alias("fold"),
                    pl.lit(m).alias("model"),
                    *(pl.Series(o, p[:, k]) for k, o in enumerate(OUTCOMES)),
                )
            )
    info = {
        "nmc_version": panel.version,
        "sources": list(panel.sources),
        "panel_years": [int(frame["year"].min()), int(frame["year"].max())],  # type: ignore[arg-type]
        "state_years": frame.height,
        "states": int(frame["ccode"].n_unique()),
        "folds": [f.__dict__ for f in folds],
        "models": list(models),
        "outcomes": list(OUTCOMES),
        "seed": seed,
        "n_boot": n_boot,
        "panel_sha256": digest,
    }
    return BacktestResult(
        scores=pl.DataFrame(score_rows_, infer_schema_length=None),
        differences=pl.DataFrame(diff_rows, infer_schema_length=None),
        regions=pl.DataFrame(region_rows, infer_schema_length=None),
        region_differences=pl.DataFrame(region_diffs, infer_schema_length=None),
        base_rates=base_rates(panel.data),
        predictions=pl.concat(pred_frames),
        info=info,
    )
