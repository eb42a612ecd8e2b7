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
