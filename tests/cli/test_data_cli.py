"""``ncr data`` and the command line's error handling."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ncrealism.data.registry import load_registry

#: The ``ncr_main`` fixture (tests/conftest.py): argv -> (exit code, stdout, stderr).
NcrMain = Callable[[list[str]], tuple[int, str, str]]


def test_verify_reports_every_dataset(mirror: Path, ncr_main: NcrMain) -> None:
    code, out, _ = ncr_main(["data", "verify", "--format", "csv"])
    n = len(load_registry().names())
    assert code == 0
    assert f"{n} of {n} datasets verified" in out
    assert out.count(",true,") == n


def test_list_and_cite(mirror: Path, ncr_main: NcrMain) -> None:
    code, out, _ = ncr_main(["data", "list", "--format", "json"])
    assert code == 0 and '"nmc6"' in out and "mirror" in out
    code, out, _ = ncr_main(["data", "cite", "nmc6", "--style", "bibtex"])
    assert code == 0 and out.startswith("@incollection{singer1972capability")


def test_unknown_dataset_exits_2_without_traceback(ncr_main: NcrMain) -> None:
    code, _, err = ncr_main(["data", "cite", "no_such_dataset"])
    assert code == 2
    assert "unknown dataset 'no_such_dataset'" in err and "Traceback" not in err


def test_usage_error_exits_2(ncr_main: NcrMain) -> None:
    code, _, _ = ncr_main(["data", "list", "--format", "xml"])
    assert code == 2


def test_console_script_help_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ncrealism.cli.main", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "data" in proc.stdout


def test_root_quiet_silences_notes_but_not_errors(mirror: Path, ncr_main: NcrMain) -> None:
    code, out, err = ncr_main(["-q", "data", "verify", "nmc6", "--format", "csv"])
    assert code == 0 and "nmc6" in out and err == ""
    code, _, err = ncr_main(["-q", "data", "cite", "no_such_dataset"])
    assert code == 2 and "unknown dataset" in err


def test_verify_fails_with_exit_1_on_a_bad_mirror_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ncr_main: NcrMain
) -> None:
    bad = tmp_path / "cow-nmc" / "NMC-60-abridged.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text("not the publisher's file\n")
    monkeypatch.setenv("NCR_DATA_MIRROR", str(tmp_path))
    code, out, _ = ncr_main(["data", "verify", "nmc6", "--format", "csv"])
    assert code == 1
    assert "0 of 1 datasets verified" in out and "sha256 mismatch" in out


def test_clean_empties_the_derived_cache_and_keeps_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ncr_main: NcrMain
) -> None:
    from ncrealism.data.derived import store_derived
    from ncrealism.data.fetch import DataSource

    monkeypatch.setenv("NCR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NCR_NO_CACHE", raising=False)
    source = DataSource.from_env()
    made = tmp_path / "made"
    made.mkdir()
    (made / "a.json").write_text("x" * 1000, encoding="utf-8")
    assert store_derived("report", "k1", source, made, [made / "a.json"], {}) is not None
    download = source.cache_dir / "kept.csv"
    download.parent.mkdir(parents=True, exist_ok=True)
    download.write_text("year\n1994\n", encoding="utf-8")
    code, out, _ = ncr_main(["data", "clean", "--dry-run", "-f", "csv"])
    rows = out.strip().splitlines()
    assert code == 0 and rows[0] == "kind,results,files,bytes"
    kind, results, files, size = rows[1].split(",")
    # One result: the file and the completion marker beside it.
    assert (kind, results, files) == ("report", "1", "2") and int(size) > 1000
    assert (tmp_path / "cache" / "derived").is_dir()
    code, _, err = ncr_main(["data", "clean"])
    assert code == 0 and "removed 2 files" in err
    assert not (tmp_path / "cache" / "derived").exists() and download.is_file()
