"""``ncr data`` and the command line's error handling."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ncrealism.cli.main import main
from ncrealism.data.registry import load_registry


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_verify_reports_every_dataset(mirror: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["data", "verify", "--format", "csv"], capsys)
    n = len(load_registry().names())
    assert code == 0
    assert f"{n} of {n} datasets verified" in out
    assert out.count(",true,") == n


def test_list_and_cite(mirror: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["data", "list", "--format", "json"], capsys)
    assert code == 0 and '"nmc6"' in out and "mirror" in out
    code, out, _ = run(["data", "cite", "nmc6", "--style", "bibtex"], capsys)
    assert code == 0 and out.startswith("@incollection{singer1972capability")


def test_unknown_dataset_exits_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["data", "cite", "no_such_dataset"], capsys)
    assert code == 2
    assert "unknown dataset 'no_such_dataset'" in err and "Traceback" not in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(["data", "list", "--format", "xml"], capsys)
    assert code == 2


def test_console_script_help_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ncrealism.cli.main", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "data" in proc.stdout


def test_root_quiet_silences_notes_but_not_errors(
    mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["-q", "data", "verify", "nmc6", "--format", "csv"], capsys)
    assert code == 0 and "nmc6" in out and err == ""
    code, _, err = run(["-q", "data", "cite", "no_such_dataset"], capsys)
    assert code == 2 and "unknown dataset" in err


def test_verify_fails_with_exit_1_on_a_bad_mirror_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "cow-nmc" / "NMC-60-abridged.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text("not the publisher's file\n")
    monkeypatch.setenv("NCR_DATA_MIRROR", str(tmp_path))
    code, out, _ = run(["data", "verify", "nmc6", "--format", "csv"], capsys)
    assert code == 1
    assert "0 of 1 datasets verified" in out and "sha256 mismatch" in out
