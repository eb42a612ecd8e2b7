"""The derived-data cache: results computed from data files, kept on disk between runs.

A result is stored under ``<cache root>/derived/<kind>/<key>/`` (the cache root is
``NCR_CACHE_DIR`` or the user cache, as for downloaded files; see
:class:`ncrealism.data.fetch.DataSource`). Its key (:func:`derived_key`) is the sha256 of
everything the result depends on:

* the sha256 of every input file given (records, context events, ...);
* the parameters of the computation (JSON);
* the data registry (``data/registry.toml``, part of the package digest below: it pins the
  sha256 of every dataset file, and files are verified against it when read, so the registry
  stands for the data files themselves) and the mirror in use;
* the package version and a digest of the package's own source files, so a change of code
  never serves a result computed by older code;
* the installed versions of the libraries the package requires (:func:`library_versions`:
  NumPy, SciPy, Polars, scikit-learn, the workbook and R-data parsers, ...), so an upgrade
  never serves a result computed or parsed by the libraries it replaced.

A result whose inputs changed in any way is therefore simply not found, never stale. Nothing
is kept in memory between calls (no module-level state). ``NCR_NO_CACHE=1`` turns the cache
off (every run computes afresh).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ncrealism.data.fetch import DataSource

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "NO_CACHE_ENV",
    "cached_frame",
    "clear_derived",
    "derived_key",
    "derived_usage",
    "enabled",
    "fetch_derived",
    "library_versions",
    "package_digest",
    "restore_derived",
    "store_derived",
    "task_folder",
]

NO_CACHE_ENV = "NCR_NO_CACHE"
_COMPLETE = ".complete.json"


def package_digest() -> str:
    """sha256 over the package version and the bytes of its Python, TOML and CSV files."""
    from importlib import metadata

    import ncrealism

    try:
        version = metadata.version("ncrealism")
    except metadata.PackageNotFoundError:
        version = ""
    root = Path(ncrealism.__file__).parent
    h = hashlib.sha256(version.encode())
    for p in sorted(root.rglob("*")):
        if p.suffix in {".py", ".toml", ".csv"} and p.is_file():
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def library_versions() -> dict[str, str | None]:
    """The installed version of every distribution the package requires, extras included
    (``None`` for one that is not installed), by lower-case name."""
    from importlib import metadata

    try:
        requires = metadata.requires("ncrealism") or []
    except metadata.PackageNotFoundError:
        return {}
    names = sorted({re.split(r"[\s;<>=!~\[(]", r, maxsplit=1)[0].lower() for r in requires})
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def derived_key(
    kind: str,
    source: DataSource,
    *,
    files: Mapping[str, Path | None] | None = None,
    params: Mapping[str, Any] | None = None,
) -> str:
    """The cache key of a result (module docstring): a sha256 in hex."""
    payload = {
        "kind": kind,
        "package": package_digest(),  # includes data/registry.toml and its pinned sha256s
        "libraries": library_versions(),
        "registry": source.registry.version,
        "mirror": str(source.mirror) if source.mirror else None,
        "files": {
            k: (None if p is None else _file_sha256(Path(p)))
            for k, p in sorted((files or {}).items())
        },
        "params": params or {},
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _root(source: DataSource) -> Path:
    return Path(source.cache_root) / "derived"


def enabled() -> bool:
    """False when ``NCR_NO_CACHE`` is set to a true value."""
    return os.environ.get(NO_CACHE_ENV, "").strip().lower() not in {"1", "true", "yes"}


def fetch_derived(kind: str, key: str, source: DataSource) -> tuple[Path, dict[str, Any]] | None:
    """The folder and metadata of a stored result, or ``None`` (absent, incomplete, disabled)."""
    if not enabled():
        return None
    folder = _root(source) / kind / key
    marker = folder / _COMPLETE
    if not marker.is_file():
        return None
    try:
        meta: dict[str, Any] = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return folder, meta


def store_derived(
    kind: str,
    key: str,
    source: DataSource,
    base: Path,
    files: Iterable[Path],
    meta: Mapping[str, Any],
) -> Path | None:
    """Copy ``files`` (under ``base``) into the cache with ``meta``; returns the folder.

    The copy is written to a temporary folder and renamed into place, so a reader never sees
    a half-written result. Failing to write (read-only cache, full disk) is not an error:
    the result is simply not cached (``None``).
    """
    if not enabled():
        return None
    root = _root(source) / kind
    final = root / key
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:12]}-", dir=root))
        for f in files:
            rel = Path(f).resolve().relative_to(Path(base).resolve())
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, tmp / rel)
        (tmp / _COMPLETE).write_text(json.dumps(dict(meta), default=str), encoding="utf-8")
        if final.exists():
            shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
    except OSError:
        return None
    return final


def task_folder(kind: str, key: str, source: DataSource) -> Path | None:
    """The cache folder of a result made of independent tasks, kept one file per task.

    Unlike :func:`store_derived` (one whole result, renamed into place), tasks are added as
    they finish, each written under a temporary name and renamed, so readers see whole files
    only; ``key`` (:func:`derived_key`) still names everything the tasks depend on. ``None``
    when the cache is off (``NCR_NO_CACHE``).
    """
    if not enabled():
        return None
    return _root(source) / kind / key


def cached_frame(
    kind: str,
    path: Path,
    source: DataSource,
    read: Callable[[Path], pl.DataFrame],
    *,
    sha256: str | None = None,
) -> pl.DataFrame:
    """``read(path)``, kept in the cache as Parquet and read back from there next time.

    For the readers of formats that take seconds to parse (xlsx workbooks, R data files) in
    every process that needs them; Parquet keeps every column's type, its nulls and the row
    order, so the frame read back equals the parsed one. The key (:func:`derived_key`) holds
    the sha256 of the file, so another file is parsed afresh (and its errors raised) and a
    stored frame is never stale; ``sha256``: the file's digest where the caller has just
    verified it (a registry file), else the file is hashed here. A cache that cannot be written
    or read is no error.
    """
    import polars as pl

    key = (
        derived_key(kind, source, files={"file": path})
        if sha256 is None
        else derived_key(kind, source, params={"file_sha256": sha256})
    )
    hit = fetch_derived(kind, key, source)
    if hit is not None:
        try:
            return pl.read_parquet(hit[0] / "frame.parquet")
        except (OSError, pl.exceptions.PolarsError):
            pass  # damaged or removed under us: parse the file again
    frame = read(path)
    if enabled():
        with tempfile.TemporaryDirectory() as tmp:
            stored = Path(tmp) / "frame.parquet"
            try:
                frame.write_parquet(stored)
            except OSError:
                return frame
            store_derived(kind, key, source, Path(tmp), [stored], {"rows": frame.height})
    return frame


def derived_usage(source: DataSource) -> list[dict[str, Any]]:
    """What the derived-data cache holds, one row per kind of result: ``kind``, ``results``
    (stored results or task folders), ``files`` and ``bytes``. Every code change, library
    upgrade or new input adds results under new keys and none is removed by itself:
    :func:`clear_derived` empties the cache."""
    root = _root(source)
    rows: list[dict[str, Any]] = []
    if not root.is_dir():
        return rows
    for kind in sorted(p for p in root.iterdir() if p.is_dir()):
        files = [f for f in kind.rglob("*") if f.is_file()]
        rows.append(
            {
                "kind": kind.name,
                "results": sum(1 for p in kind.iterdir() if p.is_dir()),
                "files": len(files),
                "bytes": sum(f.stat().st_size for f in files),
            }
        )
    return rows


def clear_derived(source: DataSource) -> tuple[int, int]:
    """Remove every derived result of the cache (downloaded data files are kept); returns
    the number of files and bytes removed. A run writing at the same time loses nothing but
    the chance to reuse its result: results are renamed into place whole, and a missing one is
    computed again."""
    usage = derived_usage(source)
    root = _root(source)
    if root.is_dir():
        shutil.rmtree(root, ignore_errors=True)
    return sum(r["files"] for r in usage), sum(r["bytes"] for r in usage)


def restore_derived(folder: Path, out: Path) -> list[Path]:
    """Copy a stored result's files into ``out``; returns the paths written."""
    written: list[Path] = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != _COMPLETE:
            dest = out / p.relative_to(folder)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, dest)
            written.append(dest)
    return written
