"""``ncr panel``: help with examples, compare reads results.json, errors exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ncrealism.cli.main import main
from ncrealism.panel.backtest import Fold, run_backtest
from ncrealism.panel.build import PanelFrame


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("cmd", ["build", "backtest", "compare", "fit", "dprk"])
def test_every_command_has_an_example(cmd: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["panel", cmd, "--help"], capsys)
    assert code == 0
    assert f"Example: ncr panel {cmd}" in out.replace("\n", " ").replace("  ", " ")


def test_compare_reads_results(
    synthetic_panel: PanelFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    res = run_backtest(
        synthetic_panel,
        folds=(Fold("1980-1989", 1979, 1980, 1989),),
        models=("base_rate", "structural"),
        n_boot=20,
    )
    path = tmp_path / "results.json"
    path.write_text(json.dumps(res.to_json()), encoding="utf-8")
    code, out, _ = run(
        [
            "panel",
            "compare",
            "--results",
            str(path),
            "--model",
            "structural",
            "--comparison",
            "base_rate",
            "-f",
            "csv",
        ],
        capsys,
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "fold,outcome,difference,lower,upper,share_better"
    assert len(lines) == 1 + 2 * 5  # the fold and the pooled 'all', five scored outcomes
    code, _, err = run(
        ["panel", "compare", "--results", str(path), "--model", "neoclassical"], capsys
    )
    assert code == 2 and "no comparison" in err


def test_missing_or_bad_results_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["panel", "compare", "--results", str(tmp_path / "none.json")], capsys)
    assert code == 2 and "no such file" in err and "Traceback" not in err
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    code, _, err = run(["panel", "compare", "--results", str(bad)], capsys)
    assert code == 2 and "bad.json" in err
