"""``ncr backtest`` end to end on the training record and on a record of unseen years."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import typer
from evaluation_helpers import synthetic
from typer.testing import CliRunner

from ncrealism.cli.backtest import backtest
from ncrealism.data.fetch import DataSource
from ncrealism.errors import NcrError

YEARLY = "dprk_yearly_1990_2009.csv"
CONTEXT = "context_events_1990_2009.csv"
EVENTS = "dprk_events_1990_2009.csv"
NEGOTIATIONS = "negotiations_1993_2009.csv"


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("backtest")(backtest)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps "backtest" a sub-command
        pass

    return app


def _invoke(args: list[str]) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(_app(), ["backtest", *args])
    return result.exit_code, result.output, result.exception


def test_baselines_on_a_record_of_unseen_years(tmp_path: Path) -> None:
    record, _ = synthetic(3)
    path = tmp_path / "yearly_2031_2054.csv"
    record.write_csv(path)
    code, output, exc = _invoke(
        [
            "--record", str(path), "--train", "2031:2044", "--test", "2045:2054",
            "--out", str(tmp_path / "out"), "--no-theory", "--format", "csv",
        ]
    )  # fmt: skip
    assert code == 0, (output, exc)
    res = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert [r["model"] for r in res["scores"]["all_years"]] == [
        "persistence",
        "base rate",
        "uniform",
    ]
    assert res["settings"]["test_years"] == list(range(2045, 2055))
    # the summary printed is the run's score table
    printed = pl.read_csv(output.split("wrote ")[0].encode()).filter(pl.col("h") == 1)
    assert printed["model"].to_list() == ["persistence", "base rate", "uniform"]
    assert printed["brier"].to_list() == pytest.approx(
        [r["brier"] for r in res["scores"]["all_years"]]
    )


def test_baselines_on_the_training_record(tmp_path: Path, history_dir: Path) -> None:
    code, output, exc = _invoke(
        [
            "--record", str(history_dir / YEARLY), "--events", str(history_dir / EVENTS),
            "--negotiations", str(history_dir / NEGOTIATIONS),
            "--train", "1990:2004", "--test", "2005:2009", "--out", str(tmp_path),
            "--no-theory", "--quiet",
        ]
    )  # fmt: skip
    assert code == 0, (output, exc)
    res = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert set(res["files"]) == {"record", "events", "negotiations"}
    assert "spearman_events_missile_test" in res["scores"]["all_years"][0]
    episodes = pl.DataFrame(res["negotiation"]["episodes"])
    assert set(episodes["model"]) == {"base rate", "persistence"}
    assert (episodes["model"].value_counts()["count"] == 31).all()
    assert (tmp_path / "report.md").is_file() and (tmp_path / "report.html").is_file()


def test_bad_input_is_reported(tmp_path: Path, history_dir: Path) -> None:
    bad = tmp_path / "bad.csv"
    text = (
        (history_dir / YEARLY)
        .read_text(encoding="utf-8")
        .replace("2003,0,0,0,3,1,0,8,brinkmanship", "2003,0,0,0,3,1,0,8,appeasement")
    )
    bad.write_text(text, encoding="utf-8")
    _, _, exc = _invoke(
        ["--record", str(bad), "--train", "1990:2004", "--test", "2005:2009",
         "--out", str(tmp_path / "o"), "--no-theory"]
    )  # fmt: skip
    assert isinstance(exc, NcrError) and exc.exit_code == 2
    assert "row 15" in str(exc) and "dominant_posture" in str(exc) and "appeasement" in str(exc)
    _, _, exc = _invoke(
        ["--record", str(history_dir / YEARLY), "--train", "1990-2004", "--test", "2005:2009",
         "--out", str(tmp_path / "o"), "--no-theory"]
    )  # fmt: skip
    assert isinstance(exc, NcrError) and "FIRST:LAST" in str(exc)
    _, _, exc = _invoke(
        ["--record", str(tmp_path / "missing.csv"), "--train", "1990:2004",
         "--test", "2005:2009", "--out", str(tmp_path / "o")]
    )  # fmt: skip
    assert isinstance(exc, NcrError) and "no such file" in str(exc)


def test_ncr_against_the_four_baselines_from_one_command(
    tmp_path: Path, history_dir: Path, source: DataSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Acceptance: on the training record, one command yields NCR vs the baselines."""
    monkeypatch.setattr(DataSource, "from_env", classmethod(lambda cls: source))
    code, output, exc = _invoke(
        [
            "--record", str(history_dir / YEARLY), "--context", str(history_dir / CONTEXT),
            "--train", "1990:2004", "--test", "2005:2009", "--out", str(tmp_path),
            "--scheme", "fixed",
        ]
    )  # fmt: skip
    assert code == 0, (output, exc)
    res = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    models = [r["model"] for r in res["scores"]["all_years"]]
    for m in (
        "NCR (dynamic)",
        "structural realism (dynamic)",
        "statistical reference",
        "persistence",
        "base rate",
        "uniform",
    ):
        assert m in models
    assert "NCR without inertia" in models
    assert res["settings"]["scheme"] == "fixed"
    assert res["forecast_type"] == "ex ante"
    assert set(res["log_loss"]) == set(models)
    assert {d["name"] for d in res["datasets"]} >= {"nmc7", "alliance_dyad", "contdird"}
    assert all(len(d["sha256"]) == 64 for d in res["datasets"])
    # every test year was forecast by the calibration on the training span
    assert {p["fit_end"] for p in res["predictions"]} == {2004}
    assert {p["fit_start"] for p in res["predictions"]} == {1990}
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    ncr = next(r for r in res["scores"]["all_years"] if r["model"] == "NCR (dynamic)")
    assert f"| NCR (dynamic) | 5 | {ncr['accuracy']:.3f} |" in md
    assert "Paired comparison" in md and "Forecast type: ex ante." in md
    assert "NCR (dynamic)" in output  # the summary table is printed
    # Every other model, the NCR variants included, is compared with NCR (dynamic).
    paired = res["paired_comparison"]
    assert {r["baseline"] for r in paired} == set(models) - {"NCR (dynamic)"}
    assert {r["model"] for r in paired} == {"NCR (dynamic)"}
    for r in paired:
        assert r["diff"] == pytest.approx(r["baseline_loss"] - r["model_loss"])
        ll = res["log_loss"]
        assert r["diff"] == pytest.approx(ll[r["baseline"]] - ll[r["model"]])
        assert r["ci_low"] <= r["diff"] <= r["ci_high"]
    paired_md = md.split("Paired comparison", 1)[1]
    assert "NCR without inertia" in paired_md.split("\n#", 1)[0]


def _synthetic_events(years: range, seed: int) -> pl.DataFrame:
    """An event record in the shared schema: a few dated events of every category per year."""
    from ncrealism.data.records import EVENT_CATEGORIES

    rng = np.random.default_rng(seed)
    rows = []
    for y in years:
        for cat in EVENT_CATEGORIES:
            for _ in range(int(rng.poisson(1.0))):
                m, d = int(rng.integers(1, 13)), int(rng.integers(1, 29))
                rows.append((f"{y}-{m:02d}-{d:02d}", "day", y, f"synthetic {cat}", cat))
    return pl.DataFrame(
        rows, schema=["date", "date_precision", "year", "event", "category"], orient="row"
    )


def test_dynamic_models_on_a_record_through_2024(
    tmp_path: Path, source: DataSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record of 2012-2024 with its events runs unchanged, one and two years ahead, ex ante:
    capabilities past the data's last year are extended, the rest carried forward."""
    monkeypatch.setattr(DataSource, "from_env", classmethod(lambda cls: source))
    record, _ = synthetic(2, start=2012, n=13)
    path = tmp_path / "yearly_2012_2024.csv"
    record.write_csv(path)
    events = tmp_path / "events_2012_2024.csv"
    _synthetic_events(range(2012, 2025), 5).write_csv(events)
    code, output, exc = _invoke(
        [
            "--record", str(path), "--events", str(events), "--train", "2012:2016",
            "--test", "2017:2024", "--out", str(tmp_path / "out"), "--quiet",
        ]
    )  # fmt: skip
    assert code == 0, (output, exc)
    res = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    models = [r["model"] for r in res["scores"]["all_years"]]
    assert models[0] == "NCR (dynamic)" and "structural realism (dynamic)" in models
    assert res["settings"]["test_years"] == list(range(2017, 2025))
    assert res["forecast_type"] == "ex ante"
    assert set(res["horizons"]) == {"1", "2"}
    for h in ("1", "2"):
        p = [r["probability"] for r in res["horizons"][h]["predictions"]]
        assert len(p) == len(models) * 8 * 5
        assert min(p) > 0.0 and max(p) < 1.0
    assert all(np.isfinite(v) for v in res["log_loss"].values())
    assert {r["baseline"] for r in res["paired_comparison"]} >= {"persistence", "uniform"}


def test_duplicate_years_and_bad_dates_are_reported(tmp_path: Path, history_dir: Path) -> None:
    lines = (history_dir / YEARLY).read_text(encoding="utf-8").splitlines()
    dup = tmp_path / "dup.csv"
    dup.write_text("\n".join([*lines, lines[5]]) + "\n", encoding="utf-8")
    _, _, exc = _invoke(
        ["--record", str(dup), "--train", "1990:2004", "--test", "2005:2009",
         "--out", str(tmp_path / "o"), "--no-theory"]
    )  # fmt: skip
    assert isinstance(exc, NcrError) and exc.exit_code == 2
    assert "duplicate year 1994" in str(exc) and "row 22" in str(exc)
    events = (history_dir / EVENTS).read_text(encoding="utf-8").splitlines()
    events[3] = events[3].replace("1990-06-01,month", "1990-13-01,day", 1)
    bad = tmp_path / "events.csv"
    bad.write_text("\n".join(events) + "\n", encoding="utf-8")
    _, _, exc = _invoke(
        ["--record", str(history_dir / YEARLY), "--events", str(bad), "--train", "1990:2004",
         "--test", "2005:2009", "--out", str(tmp_path / "o"), "--no-theory"]
    )  # fmt: skip
    assert isinstance(exc, NcrError) and exc.exit_code == 2
    assert "events.csv, row 4, field 'date'" in str(exc)
