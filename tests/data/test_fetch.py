"""The fetcher: mirror first, then cache, then a verified download; bad files never kept."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ncrealism.data.fetch import DataSource, sha256_file
from ncrealism.data.registry import Dataset, FileSpec, Registry, load_registry
from ncrealism.errors import DataUnavailableError, HashMismatchError, InputError

PAYLOAD = b"stateabb,ccode,year\r\nUSA,2,1816\r\n"
SHA = hashlib.sha256(PAYLOAD).hexdigest()


def _nested_zip() -> bytes:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("inner/data.csv", PAYLOAD)
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("docs/readme.txt", b"hello")
        z.writestr("docs/inner.zip", inner.getvalue())
    return outer.getvalue()


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[str]:
    """A loopback HTTP server serving files written into ``tmp_path / 'www'``."""
    www = tmp_path / "www"
    www.mkdir()
    (www / "archive.zip").write_bytes(_nested_zip())
    (www / "data.csv").write_bytes(PAYLOAD)
    (www / "bad.csv").write_bytes(PAYLOAD + b"tampered\n")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a: object, **k: object) -> None:
            super().__init__(*a, directory=str(www), **k)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _registry(primary: FileSpec, alternate: FileSpec | None = None) -> Registry:
    ds = Dataset(
        name="toy",
        title="Toy",
        version="1",
        publisher="Nobody",
        landing_url="http://example.invalid",
        licence="none",
        citation="Toy data.",
        bibtex_key="toy",
        bibtex="@misc{toy}",
        primary=primary,
        alternate=alternate,
    )
    return Registry(version="test", datasets={"toy": ds})


def _spec(url: str, **kw: object) -> FileSpec:
    base: dict[str, object] = {
        "format": "csv",
        "url": url,
        "filename": "data.csv",
        "mirror_path": "toy/data.csv",
        "sha256": SHA,
    }
    base.update(kw)
    return FileSpec(**base)  # type: ignore[arg-type]


def test_download_nested_archive_member_verified(server: str, tmp_path: Path) -> None:
    reg = _registry(_spec(f"{server}/archive.zip", members=("inner.zip", "data.csv")))
    src = DataSource(mirror=None, cache_root=tmp_path / "cache", registry=reg)
    seen: list[int] = []
    src.progress = lambda name: lambda done, total: seen.append(done)
    r = src.resolve("toy")
    assert r.origin == "download" and r.variant == "primary"
    assert r.path.read_bytes() == PAYLOAD
    assert seen, "progress callback was called"
    # The second source finds it in the cache, without the network.
    again = DataSource(
        mirror=None, cache_root=tmp_path / "cache", registry=reg, allow_download=False
    )
    assert again.resolve("toy").origin == "cache"


def test_hash_mismatch_refused_and_nothing_cached(server: str, tmp_path: Path) -> None:
    reg = _registry(_spec(f"{server}/bad.csv"))
    src = DataSource(mirror=None, cache_root=tmp_path / "cache", registry=reg)
    with pytest.raises(HashMismatchError) as err:
        src._download_spec(reg["toy"], "primary", reg["toy"].primary)
    assert err.value.expected == SHA and err.value.found != SHA
    assert "Nothing was saved" in str(err.value)
    folder = tmp_path / "cache" / "test" / "toy" / "primary"
    assert not any(folder.iterdir()), "no file, not even a partial one, is left in the cache"


def test_corrupt_cache_file_is_replaced(server: str, tmp_path: Path) -> None:
    reg = _registry(_spec(f"{server}/data.csv"))
    src = DataSource(mirror=None, cache_root=tmp_path / "cache", registry=reg)
    p = src.cache_path("toy", "primary")
    p.parent.mkdir(parents=True)
    p.write_bytes(b"garbage")
    r = src.resolve("toy")
    assert r.origin == "download" and sha256_file(r.path) == SHA


def test_mirror_first_and_mismatch_refused(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "data.csv").write_bytes(PAYLOAD)
    reg = _registry(_spec("http://127.0.0.1:9/none"))
    src = DataSource(mirror=mirror, cache_root=tmp_path / "c", registry=reg, allow_download=False)
    r = src.resolve("toy")
    assert r.origin == "mirror" and src.used == [r]
    (mirror / "toy" / "data.csv").write_bytes(b"other")
    with pytest.raises(HashMismatchError, match="expected"):
        DataSource(mirror=mirror, cache_root=tmp_path / "c", registry=reg).resolve("toy")


def test_alternate_used_when_primary_unpinned(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "conv.csv").write_bytes(PAYLOAD)
    primary = _spec("http://127.0.0.1:9/none", sha256=None, mirror_path="toy/publisher.xls")
    alt = _spec(
        "http://127.0.0.1:9/none",
        filename="conv.csv",
        mirror_path="toy/conv.csv",
        kind="conversion",
    )
    reg = _registry(primary, alt)
    src = DataSource(mirror=mirror, cache_root=tmp_path / "c", registry=reg, allow_download=False)
    r = src.resolve("toy")
    assert r.variant == "alternate" and r.spec.kind == "conversion"
    assert "alternate (conversion)" in r.describe()


def test_offline_without_mirror_is_a_clear_error(tmp_path: Path) -> None:
    reg = _registry(_spec("http://127.0.0.1:9/none"))
    src = DataSource(mirror=None, cache_root=tmp_path / "c", registry=reg, allow_download=False)
    with pytest.raises(DataUnavailableError, match="NCR_DATA_MIRROR"):
        src.resolve("toy")
    with pytest.raises(InputError, match="unknown dataset"):
        src.resolve("nope")


def test_every_registered_dataset_verifies_from_the_mirror(source: DataSource) -> None:
    reg = load_registry()
    for name in reg.names():
        r = source.resolve(name)
        assert r.origin == "mirror"
        assert r.sha256 == (r.spec.sha256 or "")
    assert {r.dataset for r in source.used} >= set(reg.names())


@pytest.mark.network
def test_publisher_download_nmc6(tmp_path: Path) -> None:
    src = DataSource(mirror=None, cache_root=tmp_path)
    r = src.resolve("nmc6")
    assert r.origin == "download" and r.sha256 == r.spec.sha256


def test_memo_builds_once_per_source_and_key(mirror: Path, tmp_path: Path) -> None:
    calls: list[str] = []

    def build(name: str) -> int:
        calls.append(name)
        return len(calls)

    src = DataSource(mirror=mirror, cache_root=tmp_path, allow_download=False)
    assert src.memo(("count", 1), lambda: build("a")) == 1
    assert src.memo(("count", 1), lambda: build("b")) == 1  # not rebuilt
    assert src.memo(("count", 2), lambda: build("c")) == 2  # another argument, another entry
    other = DataSource(mirror=mirror, cache_root=tmp_path, allow_download=False)
    assert other.memo(("count", 1), lambda: build("d")) == 3  # memos are per source
    assert calls == ["a", "c", "d"]
    src.forget(lambda key: key == ("count", 1))
    assert src.memo(("count", 1), lambda: build("e")) == 4  # rebuilt after forget
    assert src.memo(("count", 2), lambda: build("f")) == 2  # the other entry was kept


def test_memoised_results_keep_their_provenance(mirror: Path, tmp_path: Path) -> None:
    from ncrealism.system.capabilities import capabilities

    src = DataSource(mirror=mirror, cache_root=tmp_path, allow_download=False)
    first = capabilities("6.0", source=src)
    used = [r.dataset for r in src.used]
    assert capabilities("6.0", source=src) is first
    assert [r.dataset for r in src.used] == used and {"nmc6", "cow_codes"} <= set(used)
