"""Obtaining verified dataset files: local mirror, then user cache, then the publisher.

Resolution order for a dataset (Pooch-style, after Uieda et al. 2020):

1. the local mirror folder named by ``NCR_DATA_MIRROR`` (layout of the project's shared data
   folder): the primary file if present, else the alternate;
2. the versioned user cache (``platformdirs.user_cache_dir("ncrealism")/<registry version>``, or
   ``NCR_CACHE_DIR``);
3. a download from the official URL, verified, then moved into the cache.

Downloads go through Pooch (Uieda et al. 2020, https://www.fatiando.org/pooch): streamed HTTP
with retries and a progress callback, into a private temporary folder beside the cache entry
(so two processes fetching the same file never see each other's partial download), then
extracted, verified and atomically renamed into place. Every file is checked against its
pinned sha256 before use. A mismatch is refused with the expected and found hashes and advice;
a bad download is deleted, never left in the cache.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from ncrealism.data.registry import Dataset, FileSpec, Registry, Variant, load_registry
from ncrealism.errors import (
    DataFileError,
    DataUnavailableError,
    HashMismatchError,
    os_error_message,
)

MIRROR_ENV = "NCR_DATA_MIRROR"
CACHE_ENV = "NCR_CACHE_DIR"
OFFLINE_ENV = "NCR_OFFLINE"

T = TypeVar("T")

#: Called with (bytes received so far, total bytes or None) during a download.
ProgressCallback = Callable[[int, int | None], None]


def sha256_file(path: Path) -> str:
    """The sha256 hex digest of a file, read in 1 MiB blocks.

    A file that cannot be read raises :class:`DataFileError` naming it.
    """
    h = hashlib.sha256()
    try:
        with Path(path).open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise DataFileError(path, os_error_message(exc, reading=True)) from None
    return h.hexdigest()


def _is_file(path: Path, where: str) -> bool:
    """``path.is_file()``, with a folder that may not be searched reported as an error."""
    try:
        return path.is_file()
    except OSError as exc:
        raise DataFileError(path, f"{os_error_message(exc, reading=True)} ({where})") from None


@dataclass(frozen=True)
class ResolvedFile:
    """A verified file and how it was obtained.

    ``variant`` is ``"primary"`` (the publisher's file) or ``"alternate"`` (a recorded
    conversion or derived copy); ``origin`` is ``"mirror"``, ``"cache"`` or ``"download"``.
    """

    dataset: str
    version: str
    variant: Variant
    spec: FileSpec
    path: Path
    sha256: str
    origin: str

    def describe(self) -> str:
        what = "publisher file" if self.variant == "primary" else f"alternate ({self.spec.kind})"
        return (
            f"{self.dataset} (version {self.version}): {what} {self.spec.filename} "
            f"from {self.origin}, sha256 {self.sha256[:12]}…"
        )


def _default_cache_root() -> Path:
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path(platformdirs.user_cache_dir("ncrealism"))


@dataclass
class DataSource:
    """Where datasets come from, and a record of what this run used.

    ``used`` lists every file resolved through this source, in order, so that a run can say
    which variant of each dataset it read (see ``ncr cite``).

    Parameters
    ----------
    mirror:
        A local mirror folder (layout of the shared data folder), or ``None``.
    cache_root:
        The root of the user cache; files live under ``<cache_root>/<registry version>/``.
    allow_download:
        Whether to download from the publishers when neither the mirror nor the cache has a
        verified file.
    progress:
        Optional callback factory: given a dataset name, returns a progress callback.
    """

    mirror: Path | None = None
    cache_root: Path = field(default_factory=_default_cache_root)
    allow_download: bool = True
    registry: Registry = field(default_factory=load_registry)
    progress: Callable[[str], ProgressCallback | None] | None = None
    used: list[ResolvedFile] = field(default_factory=list)
    _resolved: dict[str, ResolvedFile] = field(default_factory=dict, repr=False)
    _memo: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls) -> DataSource:
        """Build a source from ``NCR_DATA_MIRROR``, ``NCR_CACHE_DIR`` and ``NCR_OFFLINE``."""
        mirror = os.environ.get(MIRROR_ENV)
        offline = os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes"}
        return cls(mirror=Path(mirror) if mirror else None, allow_download=not offline)

    @property
    def cache_dir(self) -> Path:
        return self.cache_root / self.registry.version

    # ------------------------------------------------------------------ locating
    def cache_path(self, name: str, variant: Variant) -> Path:
        ds = self.registry[name]
        spec = ds.primary if variant == "primary" else ds.alternate
        assert spec is not None
        return self.cache_dir / name / variant / spec.filename

    def status(self, name: str) -> str:
        """``mirror``, ``cached`` or ``missing``, without hashing or downloading anything."""
        ds = self.registry[name]
        for variant, spec in ds.files():
            mirror = f"the mirror folder, {MIRROR_ENV}"
            if self.mirror is not None and _is_file(self.mirror / spec.mirror_path, mirror):
                return f"mirror ({variant})"
            if _is_file(self.cache_path(name, variant), f"the cache, {CACHE_ENV}"):
                return f"cached ({variant})"
        return "missing"

    def resolve(self, name: str) -> ResolvedFile:
        """Return a verified local file for dataset ``name``, fetching it if needed."""
        if name in self._resolved:
            return self._resolved[name]
        ds = self.registry[name]
        found = self._from_mirror(ds) or self._from_cache(ds) or self._download(ds)
        self._resolved[name] = found
        self.used.append(found)
        return found

    def path(self, name: str) -> Path:
        """Shorthand for ``resolve(name).path``."""
        return self.resolve(name).path

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """``build()``, computed once for the life of this source.

        Loaders and the tables derived from them are pure functions of their files, and a source
        resolves each dataset to one verified file, so a result can be reused for as long as the
        source lives. The first computation resolves the files it reads, so ``used`` names them
        whether later calls hit the memo or not. ``key`` must name the computation and every
        argument that changes its result.
        """
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]  # type: ignore[no-any-return]

    def forget(self, where: Callable[[Hashable], bool] | None = None) -> None:
        """Drop memoised results (those whose key satisfies ``where``, or all of them)."""
        for key in [k for k in self._memo if where is None or where(k)]:
            del self._memo[key]

    def _from_mirror(self, ds: Dataset) -> ResolvedFile | None:
        if self.mirror is None:
            return None
        for variant, spec in ds.files():
            p = self.mirror / spec.mirror_path
            if _is_file(p, f"the mirror folder, {MIRROR_ENV}={self.mirror}"):
                digest = sha256_file(p)
                if digest != spec.sha256:
                    raise HashMismatchError(
                        p,
                        ds.name,
                        str(spec.sha256),
                        digest,
                        f"The mirror folder ({MIRROR_ENV}={self.mirror}) holds a different file "
                        "from the one registered. Replace it with the publisher's file (see "
                        f"{spec.url}) or unset {MIRROR_ENV} to download it.",
                    )
                return ResolvedFile(ds.name, ds.version, variant, spec, p, digest, "mirror")
        return None

    def _from_cache(self, ds: Dataset) -> ResolvedFile | None:
        for variant, spec in ds.files():
            p = self.cache_path(ds.name, variant)
            if _is_file(p, f"the cache, {CACHE_ENV}={self.cache_root}"):
                digest = sha256_file(p)
                if digest == spec.sha256:
                    return ResolvedFile(ds.name, ds.version, variant, spec, p, digest, "cache")
                # A cached file that no longer verifies is removed, never used.
                try:
                    p.unlink()
                except OSError as exc:
                    raise DataFileError(
                        p,
                        f"this cached copy of '{ds.name}' no longer matches its pinned sha256 "
                        f"and cannot be removed ({os_error_message(exc, reading=False)}); "
                        f"delete it, or point {CACHE_ENV} at a writable folder",
                    ) from None
        return None

    def _download(self, ds: Dataset) -> ResolvedFile:
        where = f"{MIRROR_ENV}={self.mirror}" if self.mirror else f"{MIRROR_ENV} is not set"
        if not self.allow_download:
            raise DataUnavailableError(
                f"dataset '{ds.name}' is not in the mirror ({where}) or the cache "
                f"({self.cache_dir}) and downloads are off ({OFFLINE_ENV}). Point {MIRROR_ENV} "
                "at a folder holding the file, or allow downloads."
            )
        errors: list[str] = []
        for variant, spec in ds.files():
            try:
                return self._download_spec(ds, variant, spec)
            except (OSError, zipfile.BadZipFile) as exc:
                errors.append(f"{spec.url}: {exc}")
        raise DataUnavailableError(
            f"dataset '{ds.name}' could not be downloaded ({'; '.join(errors)}); it is not in the "
            f"mirror ({where}) or the cache ({self.cache_dir}). Check the connection, or set "
            f"{MIRROR_ENV} to a folder holding {ds.primary.mirror_path}."
        )

    def _download_spec(self, ds: Dataset, variant: Variant, spec: FileSpec) -> ResolvedFile:
        target = self.cache_path(ds.name, variant)
        target.parent.mkdir(parents=True, exist_ok=True)
        callback = self.progress(ds.name) if self.progress is not None else None
        with _temporary_folder(target.parent) as work:
            tmp = _pooch_get(spec.url, work, callback)
            if spec.archive_sha256 is not None:
                found = sha256_file(tmp)
                if found != spec.archive_sha256:
                    raise HashMismatchError(
                        spec.url, ds.name, spec.archive_sha256, found, _ADVICE_DOWNLOAD
                    )
            if spec.members:
                data = tmp.read_bytes()
                for member in spec.members:
                    data = _extract(data, member, spec.url)
                tmp = work / "extracted"
                tmp.write_bytes(data)
            digest = sha256_file(tmp)
            if digest != spec.sha256:
                raise HashMismatchError(
                    spec.url, ds.name, str(spec.sha256), digest, _ADVICE_DOWNLOAD
                )
            tmp.replace(target)  # same file system: an atomic rename into the cache
        return ResolvedFile(ds.name, ds.version, variant, spec, target, digest, "download")


_ADVICE_DOWNLOAD = (
    "The publisher's file differs from the registered one (a new release, or a damaged "
    "download). Nothing was saved to the cache. Retry; if it persists, use a mirror folder "
    f"holding the registered file ({MIRROR_ENV}) or report the change."
)


@contextlib.contextmanager
def _temporary_folder(folder: Path) -> Iterator[Path]:
    """A private folder inside ``folder``, removed with whatever is left in it."""
    path = Path(tempfile.mkdtemp(dir=folder, prefix=".part-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


#: Download attempts after the first failure (Pooch waits 1 s, then 2 s, ... between them).
RETRIES = 2


class _Progress:
    """The progress-bar object Pooch's HTTP downloader drives, calling a ProgressCallback."""

    def __init__(self, callback: ProgressCallback) -> None:
        self.callback = callback
        self.total: int | None = None
        self.done = 0

    def update(self, n: int) -> None:
        self.done += n
        total = self.total or None
        self.callback(min(self.done, total) if total else self.done, total)

    def reset(self) -> None:
        self.done = 0

    def close(self) -> None:
        pass


def _pooch_get(
    url: str, folder: Path, callback: ProgressCallback | None, timeout: float = 60
) -> Path:
    """Download ``url`` into ``folder`` with Pooch (streamed, retried, written atomically)."""
    import pooch

    downloader = pooch.HTTPDownloader(
        progressbar=_Progress(callback) if callback is not None else False,
        timeout=timeout,
        headers={"User-Agent": "ncrealism data fetcher"},
        chunk_size=1 << 16,
    )
    fetcher = pooch.create(
        path=folder,
        base_url="",
        registry={"download": None},  # verified by the caller, after extraction
        urls={"download": url},
        retry_if_failed=RETRIES,
    )
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # Pooch announces every download on its logger
    try:
        return Path(fetcher.fetch("download", downloader=downloader))
    finally:
        logger.setLevel(level)


def _extract(archive: bytes, member: str, url: str) -> bytes:
    """Return the bytes of ``member`` (a basename or pattern, at any depth) of a zip archive."""
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        hits = [n for n in names if fnmatch.fnmatch(Path(n).name, member) or n == member]
        if not hits:
            raise zipfile.BadZipFile(f"{url}: no member '{member}' in archive ({len(names)} files)")
        return zf.read(sorted(hits)[0])
