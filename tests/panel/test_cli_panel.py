"""``ncr panel``: help with examples, compare reads results.json, errors exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ncrealism.panel.backtest import Fold, run_backtest
from ncrealism.panel.build import PanelFrame

#: The ``ncr_main`` fixture (tests/conftest.py): argv -> (exit code, stdout, stderr).
NcrMain = Callable[[list[str]], tuple[int, str, str]]


@pytest.mark.parametrize("cmd", ["build", "backtest", "compare", "fit", "dprk"])
def test_every_command_has_an_example(cmd: str, ncr_main: NcrMain) -> None:
    code, out, _ = ncr_main(["panel", cmd, "--help"])
    assert code == 0
    assert f"Example: ncr panel {cmd}" in out.replace("\n", " ").replace("  ", " ")


def test_compare_reads_results(
    synthetic_panel: PanelFrame, tmp_path: Path, ncr_main: NcrMain
) -> None:
    res = run_backtest(
        synthetic_panel,
        folds=(Fold("1980-1989", 1979, 1980, 1989),),
        models=("base_rate", "structural"),
        n_boot=20,
    )
    path = tmp_path / "results.json"
    path.write_text(json.dumps(res.to_json()), encoding="utf-8")
    code, out, _ = ncr_main(
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
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "fold,outcome,difference,lower,upper,share_better"
    assert len(lines) == 1 + 2 * 5  # the fold and the pooled 'all', five scored outcomes
    code, _, err = ncr_main(["panel", "compare", "--results", str(path), "--model", "neoclassical"])
    assert code == 2 and "no comparison" in err


def test_missing_or_bad_results_exit_2(tmp_path: Path, ncr_main: NcrMain) -> None:
    code, _, err = ncr_main(["panel", "compare", "--results", str(tmp_path / "none.json")])
    assert code == 2 and "no such file" in err and "Traceback" not in err
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    code, _, err = ncr_main(["panel", "compare", "--results", str(bad)])
    assert code == 2 and "bad.json" in err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--workers", "0"], "--workers 0"),
        (["--n-boot", "0"], "--n-boot 0"),
        (["--seed", "-1"], "--seed -1"),
    ],
)
def test_backtest_bad_option_exits_2_before_any_cache_read(
    option: list[str],
    message: str,
    tmp_path: Path,
    ncr_main: NcrMain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ncrealism.cli.panel as cli_panel

    def boom(*args: object) -> bool:
        raise AssertionError("the cache was read before the options were checked")

    monkeypatch.setattr(cli_panel, "_restore_backtest", boom)
    code, _, err = ncr_main(["panel", "backtest", "--out", str(tmp_path / "out"), *option])
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_backtest_output_is_restored_from_the_derived_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `ncr panel backtest` keeps in the cache comes back byte for byte, table included,
    under the same options only (a stand-in output folder: no backtest is run here)."""
    import polars as pl

    from ncrealism.cli._output import Format
    from ncrealism.cli.panel import _restore_backtest, _store_backtest
    from ncrealism.data.fetch import DataSource

    source = DataSource(mirror=None, cache_root=tmp_path / "cache", allow_download=False)
    first = tmp_path / "first"
    (first / "tasks").mkdir(parents=True)
    files = {
        "results.json": b'{"scores": []}\n',
        "predictions.parquet": b"PAR1 stand-in",
        "scores.png": b"\x89PNG stand-in",
        "tasks/abc.pkl": b"pickle stand-in",
    }
    for name, data in files.items():
        (first / name).write_bytes(data)
    table = pl.DataFrame(
        {"fold": ["1946-1970"], "model": ["structural"], "n": [2131], "log_loss": [0.1 + 0.2]}
    )
    params = {"version": "7.0", "n_boot": 999, "seed": 2009}
    again = tmp_path / "again"
    assert not _restore_backtest(again, source, params, Format.csv, 0.0)  # nothing kept yet
    _store_backtest(first, source, params, table, "COW state-years", [first / "scores.png"])
    capsys.readouterr()
    assert not _restore_backtest(again, source, {**params, "seed": 1}, Format.csv, 0.0)
    assert _restore_backtest(again, source, params, Format.csv, 0.0)
    for name, data in files.items():
        assert (again / name).read_bytes() == data
    printed = capsys.readouterr()
    assert pl.read_csv(printed.out.encode()).equals(table)  # 0.30000000000000004 kept exactly
    assert "restored from the derived-data cache" in printed.err
