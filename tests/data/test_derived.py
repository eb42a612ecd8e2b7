"""The derived-data cache: a result is found again only when nothing it depends on changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ncrealism.data.derived import derived_key, fetch_derived, restore_derived, store_derived
from ncrealism.data.fetch import DataSource


@pytest.fixture
def src(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DataSource:
    monkeypatch.delenv("NCR_NO_CACHE", raising=False)
    return DataSource(mirror=None, cache_root=tmp_path / "cache", allow_download=False)


def test_key_follows_files_and_parameters(src: DataSource, tmp_path: Path) -> None:
    rec = tmp_path / "record.csv"
    rec.write_text("year,posture\n1994,engagement\n", encoding="utf-8")
    k1 = derived_key("r", src, files={"record": rec}, params={"seed": 0})
    assert k1 == derived_key("r", src, files={"record": rec}, params={"seed": 0})
    assert k1 != derived_key("r", src, files={"record": rec}, params={"seed": 1})
    assert k1 != derived_key("q", src, files={"record": rec}, params={"seed": 0})
    rec.write_text("year,posture\n1994,brinkmanship\n", encoding="utf-8")
    assert k1 != derived_key("r", src, files={"record": rec}, params={"seed": 0})


def test_store_fetch_restore(
    src: DataSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    (run / "figures").mkdir(parents=True)
    (run / "report.html").write_text("<p>r</p>", encoding="utf-8")
    (run / "figures" / "a.png").write_bytes(b"\x89PNG")
    key = derived_key("r", src, params={"x": 1})
    assert fetch_derived("r", key, src) is None
    files = [run / "report.html", run / "figures" / "a.png"]
    assert store_derived("r", key, src, run, files, {"html": "report.html"}) is not None
    hit = fetch_derived("r", key, src)
    assert hit is not None and hit[1] == {"html": "report.html"}
    out = tmp_path / "again"
    written = restore_derived(hit[0], out)
    assert sorted(p.relative_to(out).as_posix() for p in written) == [
        "figures/a.png",
        "report.html",
    ]
    assert (out / "figures" / "a.png").read_bytes() == b"\x89PNG"
    monkeypatch.setenv("NCR_NO_CACHE", "1")
    assert fetch_derived("r", key, src) is None


def test_cached_frame_parses_a_file_once_and_gives_it_back_unchanged(
    src: DataSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import polars as pl

    from ncrealism.data.derived import cached_frame

    book = tmp_path / "book.txt"
    book.write_text("1990,0.5\n1991,\n", encoding="utf-8")
    parsed: list[Path] = []

    def read(path: Path) -> pl.DataFrame:
        parsed.append(path)
        rows = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()]
        return pl.DataFrame(
            {
                "year": [int(y) for y, _ in rows],
                "value": [float(v) if v else None for _, v in rows],
                "name": ["a", None],
            },
            schema={"year": pl.Int32, "value": pl.Float64, "name": pl.Utf8},
        )

    first = cached_frame("book", book, src, read)
    again = cached_frame("book", book, src, read)
    assert len(parsed) == 1  # the second call read the stored copy
    assert again.schema == first.schema and again.equals(first)
    assert again["value"].null_count() == 1 and again["name"].to_list() == ["a", None]
    book.write_text("1990,0.25\n1991,\n", encoding="utf-8")  # another file: parsed afresh
    assert cached_frame("book", book, src, read)["value"][0] == 0.25
    assert len(parsed) == 2
    monkeypatch.setenv("NCR_NO_CACHE", "1")  # the cache off: parsed every time
    cached_frame("book", book, src, read)
    assert len(parsed) == 3


def test_key_follows_the_installed_libraries(
    src: DataSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ncrealism.data.derived as derived

    installed = derived.library_versions()
    # Every requirement of the package is listed, with its installed version.
    assert installed["numpy"] is not None and installed["polars"] is not None
    before = derived_key("k", src)
    upgraded = {**installed, "numpy": "0.0.1"}
    monkeypatch.setattr(derived, "library_versions", lambda: upgraded)
    assert derived_key("k", src) != before
    monkeypatch.setattr(derived, "library_versions", lambda: dict(installed))
    assert derived_key("k", src) == before
