"""Storing a sweep: finished chunks on disk, then one results database (DuckDB or Parquet).

While a sweep runs, each finished chunk is one file ``<out>.parts/chunk-NNNNNNN.npz`` holding
its arrays. The file is written under a temporary name, flushed to disk and renamed into
place, so a chunk is either complete or absent, whenever the process is killed (SIGKILL
included). ``<out>.parts/manifest.json`` records what the chunks belong to (scenario hash,
seed, draws, chunking, package and data versions); a restart with the same settings computes
only the missing chunks, a restart with different settings is refused.

When every chunk is present, the results are merged in chunk order and written to a temporary
file (or folder), which is renamed to ``out``: a results database is never half-written. The
parts are then removed. ``out`` ending in ``.duckdb`` or ``.db`` gives an embedded DuckDB
database; any other name gives a folder of Parquet files, one per table.

Parquet files are byte-identical between runs with the same settings. A DuckDB file carries a
random per-file identifier in its header, so two DuckDB files with the same results differ in a
few header bytes; :func:`result_digest` hashes the content of every table instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ncrealism.errors import InputError

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

    from ncrealism.scenario.engine import ChunkResult

__all__ = [
    "PartsDir",
    "is_duckdb_path",
    "read_results",
    "result_digest",
    "write_results",
]

_ARRAYS = ("agreement", "durability")
_STATS = ("mean", "m2", "hist", "lo", "hi")


def is_duckdb_path(out: Path) -> bool:
    """Whether ``out`` names a DuckDB database (suffix ``.duckdb`` or ``.db``)."""
    return out.suffix.lower() in {".duckdb", ".db"}


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    Path(tmp).replace(path)


class PartsDir:
    """The folder of finished chunks of one sweep (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    def chunk_file(self, chunk: int) -> Path:
        return self.path / f"chunk-{chunk:07d}.npz"

    # ----------------------------------------------------------------- manifest
    def read_manifest(self) -> dict[str, Any] | None:
        try:
            text = self.manifest_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data: dict[str, Any] = json.loads(text)
        except json.JSONDecodeError:
            return None
        return data

    def open(self, manifest: Mapping[str, Any]) -> None:
        """Create the folder with ``manifest``, or check an existing one matches it."""
        found = self.read_manifest() if self.path.is_dir() else None
        if found is None:
            self.path.mkdir(parents=True, exist_ok=True)
            # chunks without a manifest cannot be matched to a sweep: never reuse them
            for p in self.path.glob("chunk-*.npz"):
                p.unlink()
            self.clean_temporary()
            _atomic_write_text(self.manifest_path, json.dumps(dict(manifest), indent=1))
            return
        if found.get("token") != manifest.get("token"):
            diffs = sorted(
                k
                for k in set(found) | set(manifest)
                if k != "token" and found.get(k) != manifest.get(k)
            )
            raise InputError(
                f"{self.path}: holds the chunks of a different sweep (differs in: "
                f"{', '.join(diffs) or 'settings'}). Run again with the same settings to finish "
                "it, or pass --overwrite to discard it."
            )
        self.clean_temporary()

    def clean_temporary(self) -> None:
        """Remove files left by writes that were interrupted."""
        for p in self.path.glob(".tmp-*"):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        for p in self.path.glob(".manifest.json.tmp-*"):
            p.unlink(missing_ok=True)

    def done(self) -> set[int]:
        """The chunks already finished."""
        out: set[int] = set()
        if not self.path.is_dir():
            return out
        for p in self.path.glob("chunk-*.npz"):
            with contextlib.suppress(ValueError):
                out.add(int(p.name[len("chunk-") : -len(".npz")]))
        return out

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    # ----------------------------------------------------------------- chunks
    def write_chunk(self, result: ChunkResult) -> None:
        """Write a chunk atomically (temporary file, flushed, then renamed)."""
        target = self.chunk_file(result.chunk)
        if target.is_file():
            return
        arrays: dict[str, np.ndarray[Any, Any]] = {n: getattr(result, n) for n in _ARRAYS}
        for n in _STATS:
            arrays[f"stats_{n}"] = getattr(result.stats, n)
            arrays[f"pstats_{n}"] = getattr(result.param_stats, n)
        if result.probabilities is not None:
            arrays["probabilities"] = result.probabilities
        if result.parameters is not None:
            arrays["parameters"] = result.parameters
        arrays["meta"] = np.array(
            [result.chunk, result.variant, result.first_draw, result.stats.n], dtype=np.int64
        )
        fd, name = tempfile.mkstemp(dir=self.path, prefix=".tmp-", suffix=".npz")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, allow_pickle=False, **arrays)
                fh.flush()
                os.fsync(fh.fileno())
            # a task of an earlier, killed run may have finished this chunk first; chunks are
            # deterministic, so replacing it changes nothing
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)

    def read_chunk(self, chunk: int) -> ChunkResult:
        from ncrealism.scenario.engine import BinnedStats, ChunkResult

        with np.load(self.chunk_file(chunk), allow_pickle=False) as z:
            meta = z["meta"]

            def stats(prefix: str) -> BinnedStats:
                return BinnedStats(int(meta[3]), *(z[f"{prefix}_{n}"] for n in _STATS))

            def opt(name: str) -> Any:
                return z[name] if name in z.files else None

            return ChunkResult(
                int(meta[0]),
                int(meta[1]),
                int(meta[2]),
                stats("stats"),
                stats("pstats"),
                opt("probabilities"),
                opt("parameters"),
                z["agreement"],
                z["durability"],
            )


# --------------------------------------------------------------------------------------------
# Final results
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _staging(out: Path) -> Iterator[Path]:
    """A temporary path beside ``out``, removed unless it was renamed to ``out``."""
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.is_dir():
        shutil.rmtree(tmp)
    elif tmp.exists():
        tmp.unlink()
    try:
        yield tmp
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()
        wal = tmp.with_name(tmp.name + ".wal")
        if wal.exists():
            wal.unlink()


def clean_stale_staging(out: Path) -> None:
    """Remove temporary results left beside ``out`` by a killed run."""
    for p in out.parent.glob(f".{out.name}.tmp-*"):
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def write_results(out: Path, tables: Mapping[str, pa.Table]) -> None:
    """Write ``tables`` to ``out`` (DuckDB file or Parquet folder), all or nothing."""
    import pyarrow.parquet as pq

    out.parent.mkdir(parents=True, exist_ok=True)
    with _staging(out) as tmp:
        if is_duckdb_path(out):
            import duckdb

            con = duckdb.connect(str(tmp))
            try:
                con.execute("SET threads = 1")
                for name in sorted(tables):
                    con.register("_staged", tables[name])
                    con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _staged')
                    con.unregister("_staged")
                con.execute("CHECKPOINT")
            finally:
                con.close()
        else:
            tmp.mkdir()
            for name in sorted(tables):
                pq.write_table(
                    tables[name],
                    tmp / f"{name}.parquet",
                    compression="zstd",
                    use_dictionary=True,
                    write_statistics=True,
                )
        if out.is_dir():
            shutil.rmtree(out)
        elif out.exists():
            out.unlink()
        tmp.rename(out)


def read_results(out: Path) -> dict[str, pl.DataFrame]:
    """Every table of a results database, as Polars frames (in stored row order)."""
    import polars as pl

    out = Path(out)
    if not out.exists():
        raise InputError(f"{out}: no results here (run `ncr scenario run` first)")
    if is_duckdb_path(out):
        import duckdb

        con = duckdb.connect(str(out), read_only=True)
        try:
            names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
            frames = {}
            for n in sorted(names):
                frames[n] = pl.from_arrow(con.sql(f'SELECT * FROM "{n}"').to_arrow_table())
        finally:
            con.close()
        return {k: v for k, v in frames.items() if isinstance(v, pl.DataFrame)}
    if not out.is_dir():
        raise InputError(f"{out}: not a DuckDB file (.duckdb/.db) or a folder of Parquet files")
    return {p.stem: pl.read_parquet(p) for p in sorted(out.glob("*.parquet"))}


def result_digest(out: Path) -> str:
    """sha256 over the content of every table (names, schemas, rows in stored order)."""
    import pyarrow as pa

    h = hashlib.sha256()
    for name, frame in read_results(out).items():
        table = frame.rechunk().to_arrow()
        buf = io.BytesIO()
        with pa.ipc.new_stream(buf, table.schema) as writer:
            writer.write_table(table)
        h.update(name.encode())
        h.update(buf.getvalue())
    return h.hexdigest()
