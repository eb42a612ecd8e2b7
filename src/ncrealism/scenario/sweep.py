"""Running a sweep: locally in this process, or on a Dask cluster, resumably.

:func:`run_sweep` computes the chunks that are not yet on disk (see
:mod:`ncrealism.scenario.store`) and then merges them into the results database.

* ``scheduler=None, workers=None`` (the default): chunks run one after another in this
  process, with a Rich progress bar.
* ``workers=N``: a ``distributed.LocalCluster`` with N single-threaded worker processes is
  started for the sweep; the chunks then run exactly as on a remote cluster.
* ``scheduler="tcp://host:8786"``: an existing Dask scheduler (for SLURM, one started by
  dask-jobqueue; see docs/howto-cluster.md). The plan is scattered once to every worker; each
  task evaluates one chunk. When a worker can see the parts folder (a shared file system, as on
  most clusters and always with a LocalCluster) it writes the chunk there itself; otherwise it
  sends the arrays back and this process writes them. The Dask dashboard link is printed.

Each chunk is a pure function of the plan and the chunk id (seeds are derived from the chunk's
block, never from the worker), and the merge reads chunks in chunk order, so the results are
identical with 1, 2 or 4 workers, and a sweep killed at any moment and restarted with the same
command computes only the missing chunks and ends with the same results, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ncrealism.errors import InputError, NcrError
from ncrealism.scenario.engine import ChunkResult, Plan, evaluate_chunk
from ncrealism.scenario.results import VariantDraws, build_tables
from ncrealism.scenario.store import (
    PartsDir,
    clean_stale_staging,
    is_duckdb_path,
    read_results,
    write_results,
)

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "MALLOC_ENV",
    "SweepReport",
    "local_cluster",
    "lock_path",
    "manifest",
    "out_lock",
    "parts_path",
    "run_sweep",
]

#: Called after each chunk is on disk with (chunk id, chunks done, chunks in total).
ChunkCallback = Callable[[int, int, int], None]


@dataclass(frozen=True)
class SweepReport:
    """What a call to :func:`run_sweep` did."""

    out: Path
    n_chunks: int
    computed: int
    reused: int
    workers: int
    dashboard: str | None
    already_complete: bool


def lock_path(out: Path) -> Path:
    """The lock file of the sweep writing ``out`` (beside it)."""
    return out.parent / f".{out.name}.lock"


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on the open file ``fd`` without waiting; False if it is held."""
    if sys.platform == "win32":  # pragma: no cover - not run on the test machines
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    else:
        import fcntl

        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


@contextmanager
def out_lock(
    out: Path, *, wait: bool = True, poll: float = 0.5, console: Console | None = None
) -> Iterator[None]:
    """Hold the lock of ``out`` for a sweep: one run at a time writes a results path.

    The lock is an operating-system lock on a file beside ``out`` (released when the process
    ends, even when killed), so a stale lock file never blocks. When another run holds it,
    ``wait`` waits for that run to finish (the caller then finds its results and reuses
    them); otherwise an :class:`InputError` names the path and the other process.
    """
    import os
    import time

    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        told = False
        while not _try_lock(fd):
            other = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            if not wait:
                raise InputError(
                    f"{out}: another sweep (process {other}) is writing these results (lock "
                    f"{path}); wait for it to finish, run again without --no-wait to wait, or "
                    "choose another --out"
                )
            if not told:
                from rich.console import Console as _Console

                (console or _Console(stderr=True)).print(
                    f"waiting for another sweep (process {other}) writing {out} to finish…"
                )
                told = True
            time.sleep(poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def parts_path(out: Path) -> Path:
    """The folder of finished chunks of the sweep writing ``out``."""
    return out.parent / f"{out.name}.parts"


def manifest(plan: Plan, keep_draws: bool = False) -> dict[str, Any]:
    """What the chunks of a sweep depend on, with a ``token`` (sha256 of the rest)."""
    body: dict[str, Any] = {
        "format": 1,
        "keep_draws": keep_draws,
        "name": plan.name,
        "scenario_hash": plan.scenario_hash,
        "model": plan.model.name,
        "seed": plan.seed,
        "draws": plan.draws,
        "chunk_size": plan.chunk_size,
        "n_chunks": plan.n_chunks,
        "grid": {k: list(v) for k, v in plan.grid},
        "params": list(plan.param_names),
        "cases": [n.model.case for n in plan.negotiations],
        "package_version": plan.provenance.get("package_version", ""),
        "data_versions": plan.provenance.get("data_versions", "{}"),
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    body["token"] = hashlib.sha256(text.encode()).hexdigest()
    return body


def _remote_chunk(
    plan: Plan, chunk: int, parts: str, token: str, keep_draws: bool
) -> ChunkResult | int:
    """Evaluate a chunk on a worker; write it if the parts folder is visible here."""
    here = _installed_version()
    wanted = plan.provenance.get("package_version")
    if wanted is not None and here != wanted:
        raise RuntimeError(
            f"this worker runs ncrealism {here}, the sweep was planned with {wanted}; install "
            "the same version on the workers"
        )
    result = evaluate_chunk(plan, chunk, keep_draws)
    folder = PartsDir(Path(parts))
    found = folder.read_manifest()
    if found is not None and found.get("token") == token:
        folder.write_chunk(result)
        return chunk
    return result


def _installed_version() -> str:
    from ncrealism.scenario.loader import package_version

    return package_version()


def _unreadable_results() -> tuple[type[BaseException], ...]:
    """The errors of reading a folder or DuckDB file that is not a readable results store."""
    import polars as pl

    errors: list[type[BaseException]] = [NcrError, OSError, ValueError, pl.exceptions.PolarsError]
    try:
        import duckdb
    except ImportError:  # pragma: no cover - the scenario extra brings duckdb
        pass
    else:
        errors.append(duckdb.Error)
    return tuple(errors)


def _check_out(out: Path) -> None:
    if is_duckdb_path(out):
        if out.is_dir():
            raise InputError(f"{out}: is a folder; a DuckDB results file needs a file name")
    elif out.exists() and not out.is_dir():
        raise InputError(
            f"{out}: exists and is not a folder; name a .duckdb file, or a folder for Parquet"
        )
    if out.parent.exists() and not out.parent.is_dir():
        raise InputError(f"{out.parent}: is not a folder")


def _finished_matches(out: Path, plan: Plan, keep_draws: bool) -> bool | None:
    """None if ``out`` does not exist; else whether it holds this very sweep."""
    if not out.exists():
        return None
    try:
        runs = read_results(out).get("runs")
    except _unreadable_results():  # not a readable results store: not this sweep
        return False
    if runs is None or runs.height != 1:
        return False
    row = runs.row(0, named=True)
    m = manifest(plan, keep_draws)
    return (
        row.get("scenario_hash") == plan.scenario_hash
        and row.get("seed") == plan.seed
        and row.get("draws") == plan.draws
        and row.get("chunk_size") == plan.chunk_size
        and bool(row.get("keep_draws")) == keep_draws
        and row.get("package_version") == m["package_version"]
        and row.get("data_versions") == m["data_versions"]
        and row.get("grid") == json.dumps(m["grid"])
    )


@contextmanager
def _progress(
    enabled: bool, total: int, done: int, console: Console | None
) -> Iterator[Callable[[], None]]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("chunks"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        disable=not enabled,
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("chunks", total=total, completed=done)
        yield lambda: bar.advance(task)


def run_sweep(
    plan: Plan,
    out: Path,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    keep_draws: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    on_chunk: ChunkCallback | None = None,
    scenario_json: str = "{}",
    console: Console | None = None,
    wait: bool = True,
) -> SweepReport:
    """Compute the missing chunks of ``plan`` and write the results to ``out``.

    See the module docstring for ``scheduler`` and ``workers``. ``overwrite`` discards
    existing results or chunks of a different sweep at ``out`` (without it they are refused).
    Re-running a finished sweep with the same settings changes nothing. One run at a time
    writes ``out`` (:func:`out_lock`): a second one waits for the first and then reuses its
    results (``wait``), or is refused.
    """
    out = Path(out)
    _check_out(out)
    if scheduler is not None and workers is not None:
        raise InputError("give either --scheduler (an existing cluster) or --workers, not both")
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}")
    with out_lock(out, wait=wait, console=console if progress else None):
        return _run_locked(
            plan,
            out,
            scheduler,
            workers,
            keep_draws,
            overwrite,
            progress,
            on_chunk,
            scenario_json,
            console,
        )


def _run_locked(
    plan: Plan,
    out: Path,
    scheduler: str | None,
    workers: int | None,
    keep_draws: bool,
    overwrite: bool,
    progress: bool,
    on_chunk: ChunkCallback | None,
    scenario_json: str,
    console: Console | None,
) -> SweepReport:
    parts = PartsDir(parts_path(out))
    m = manifest(plan, keep_draws)
    clean_stale_staging(out)
    state = _finished_matches(out, plan, keep_draws)
    if state is True:
        if parts.path.exists():
            parts.remove()
        return SweepReport(out, plan.n_chunks, 0, plan.n_chunks, 0, None, True)
    if state is False and not overwrite:
        raise InputError(
            f"{out}: already holds results of a different sweep; choose another --out or pass "
            "--overwrite"
        )
    if overwrite:
        found = parts.read_manifest()
        if found is not None and found.get("token") != m["token"]:
            parts.remove()
    parts.open(m)
    done = parts.done() & set(range(plan.n_chunks))
    missing = [c for c in range(plan.n_chunks) if c not in done]
    n_done = len(done)
    dashboard: str | None = None
    n_workers = 1

    def finished(chunk: int) -> None:
        nonlocal n_done
        n_done += 1
        if on_chunk is not None:
            on_chunk(chunk, n_done, plan.n_chunks)

    with ExitStack() as stack:
        if missing and (scheduler is not None or (workers is not None and workers > 1)):
            client = stack.enter_context(_client(scheduler, workers))
            dashboard = str(client.dashboard_link) if client.dashboard_link else None
            n_workers = len(client.scheduler_info().get("workers", {}))
            if progress and dashboard:
                from rich.console import Console as _Console

                (console or _Console(stderr=True)).print(f"Dask dashboard: {dashboard}")
            advance = stack.enter_context(_progress(progress, plan.n_chunks, n_done, console))
            _run_dask(client, plan, parts, m["token"], keep_draws, missing, advance, finished)
        elif missing:
            advance = stack.enter_context(_progress(progress, plan.n_chunks, n_done, console))
            for c in missing:
                parts.write_chunk(evaluate_chunk(plan, c, keep_draws))
                advance()
                finished(c)
    _finalise(plan, parts, out, keep_draws, scenario_json)
    return SweepReport(
        out, plan.n_chunks, len(missing), plan.n_chunks - len(missing), n_workers, dashboard, False
    )


@contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    from distributed import Client

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise InputError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        with client:
            yield client
        return
    assert workers is not None
    with (
        local_cluster(workers) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


#: glibc malloc settings for sweep workers (see :func:`local_cluster`).
MALLOC_ENV = {"MALLOC_TRIM_THRESHOLD_": str(2**28), "MALLOC_MMAP_THRESHOLD_": str(2**28)}


def local_cluster(n_workers: int, *, processes: bool = True) -> Any:
    """A ``distributed.LocalCluster`` of single-threaded workers, set up for sweeps.

    Dask starts worker processes with ``MALLOC_TRIM_THRESHOLD_=65536``
    (``distributed.nanny.pre-spawn-environ``) so that they hand memory back to the system
    eagerly; glibc then maps every large NumPy temporary afresh, and a chunk of posture
    evaluations ran several times slower in a worker than in the main process. Workers
    started here raise the trim and mmap thresholds to 256 MiB (:data:`MALLOC_ENV`); the
    same setting is recommended for remote workers (docs/howto-cluster.md).
    """
    import dask
    from distributed import LocalCluster

    env = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in MALLOC_ENV.items()}
    with dask.config.set(env):
        return LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=n_workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=":0",
        )


def _run_dask(
    client: Any,
    plan: Plan,
    parts: PartsDir,
    token: str,
    keep_draws: bool,
    missing: list[int],
    advance: Callable[[], None],
    finished: Callable[[int], None],
) -> None:
    from distributed import as_completed

    plan_f = client.scatter(plan, broadcast=True, hash=False)
    futures = [
        client.submit(
            _remote_chunk, plan_f, c, str(parts.path), token, keep_draws, pure=False, priority=-c
        )
        for c in missing
    ]
    for fut in as_completed(futures):  # type: ignore[no-untyped-call]
        res = fut.result()
        if isinstance(res, ChunkResult):
            parts.write_chunk(res)
            chunk = res.chunk
        else:
            chunk = int(res)
        fut.release()
        advance()
        finished(chunk)


def _finalise(plan: Plan, parts: PartsDir, out: Path, keep_draws: bool, scenario_json: str) -> None:
    done = parts.done()
    absent = [c for c in range(plan.n_chunks) if c not in done]
    if absent:
        raise InputError(f"{parts.path}: chunks {absent[:5]} are missing after the sweep")

    def variants() -> Iterator[VariantDraws]:
        nb = plan.n_blocks
        for v in range(plan.n_variants):
            # a generator: chunks are read and merged one at a time (bounded memory)
            chunks = (parts.read_chunk(c) for c in range(v * nb, (v + 1) * nb))
            yield VariantDraws.merge(v, chunks)

    tables = build_tables(plan, variants(), keep_draws=keep_draws, scenario_json=scenario_json)
    write_results(out, tables)
    parts.remove()
