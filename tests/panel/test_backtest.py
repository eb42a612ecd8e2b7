"""The rolling-origin grid: same bytes on one core and on 1 or 2 Dask workers; resumable;
paired bootstrap properties."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ncrealism.panel import backtest as bt
from ncrealism.panel.backtest import (
    Fold,
    StateSums,
    paired_differences,
    run_backtest,
    state_sums,
)
from ncrealism.panel.build import PanelFrame
from ncrealism.panel.models import outcome_matrix

TINY = (Fold("1970-1979", 1969, 1970, 1979), Fold("1980-1989", 1979, 1980, 1989))
MODELS = ("base_rate", "structural")


def _bytes(result: bt.BacktestResult) -> str:
    return json.dumps(result.to_json(), sort_keys=True)


@pytest.fixture(scope="module")
def in_process(synthetic_panel: PanelFrame) -> bt.BacktestResult:
    return run_backtest(synthetic_panel, folds=TINY, models=MODELS, n_boot=50)


def test_same_bytes_with_one_and_two_dask_workers(
    synthetic_panel: PanelFrame, in_process: bt.BacktestResult
) -> None:
    # Thread workers keep the test quick (no process start-up); the tasks and their
    # scheduling are the same as with worker processes (benchmarks/bench_panel.py runs those).
    pytest.importorskip("distributed")
    kw = {"folds": TINY, "models": MODELS, "n_boot": 50, "scheduler": "local", "processes": False}
    one = run_backtest(synthetic_panel, workers=1, **kw)  # type: ignore[arg-type]
    two = run_backtest(synthetic_panel, workers=2, **kw)  # type: ignore[arg-type]
    assert _bytes(one) == _bytes(two) == _bytes(in_process)


def test_resumes_from_the_store(
    synthetic_panel: PanelFrame,
    in_process: bt.BacktestResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = run_backtest(synthetic_panel, folds=TINY, models=MODELS, n_boot=50, store=tmp_path)
    assert len(list(tmp_path.glob("*.pkl"))) == len(TINY) * len(MODELS) + len(TINY) * len(bt.SCORED)

    def boom(*args: object) -> None:
        raise AssertionError("a stored task was run again")

    monkeypatch.setattr(bt, "fit_task", boom)
    monkeypatch.setattr(bt, "score_task", boom)
    again = run_backtest(synthetic_panel, folds=TINY, models=MODELS, n_boot=50, store=tmp_path)
    assert _bytes(again) == _bytes(first) == _bytes(in_process)


def test_cache_keeps_finished_tasks_for_a_later_run(
    synthetic_panel: PanelFrame,
    in_process: bt.BacktestResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ncrealism.data.fetch import DataSource

    source = DataSource(mirror=None, cache_root=tmp_path / "cache", allow_download=False)
    kw = {"folds": TINY, "models": MODELS, "n_boot": 50, "cache": True, "source": source}
    first = run_backtest(synthetic_panel, **kw)  # type: ignore[arg-type]
    kept = sorted(p.name for p in (tmp_path / "cache").rglob("*.pkl"))
    assert len(kept) == len(TINY) * len(MODELS) + len(TINY) * len(bt.SCORED)

    def boom(*args: object) -> None:
        raise AssertionError("a cached task was run again")

    monkeypatch.setattr(bt, "fit_task", boom)
    monkeypatch.setattr(bt, "score_task", boom)
    store = tmp_path / "store"
    again = run_backtest(synthetic_panel, store=store, **kw)  # type: ignore[arg-type]
    assert _bytes(again) == _bytes(first) == _bytes(in_process)
    assert sorted(p.name for p in store.glob("*.pkl")) == kept  # the run's own store too
    monkeypatch.setenv("NCR_NO_CACHE", "1")  # the cache off: computed afresh
    with pytest.raises(AssertionError, match="run again"):
        run_backtest(synthetic_panel, **kw)  # type: ignore[arg-type]


def test_results_cover_the_grid(in_process: bt.BacktestResult) -> None:
    s = in_process.scores
    assert s.height == (len(TINY) + 1) * len(bt.SCORED) * len(MODELS)
    assert set(s["fold"]) == {"1970-1979", "1980-1989", "all"}
    # the pooled row counts add up the folds'
    n = s.filter((s["outcome"] == "all") & (s["model"] == "base_rate"))
    by_fold = dict(zip(n["fold"], n["n"], strict=True))
    assert by_fold["all"] == by_fold["1970-1979"] + by_fold["1980-1989"] == 240
    d = in_process.differences
    assert set(zip(d["model"], d["comparison"], strict=True)) == {("structural", "base_rate")}


def test_paired_bootstrap_properties() -> None:
    rng = np.random.default_rng(0)
    n = 60
    y = outcome_matrix(["none"] * 40 + ["internal"] * 20)
    good = np.where(y > 0, 0.7, 0.1)
    bad = np.full((n, 4), 0.25)
    codes = np.repeat(np.arange(12), 5).astype(np.int64)
    sums = state_sums({"neoclassical": good, "structural": bad}, y, codes, "all")
    assert sums.counts.sum() == n
    diffs = paired_differences(sums, rng, 200)
    ll = next(d for d in diffs if d["metric"] == "log_loss")
    # every row: ln(0.25) - ln(0.7) < 0, so the difference is that constant, without spread
    assert ll["difference"] == pytest.approx(np.log(0.25) - np.log(0.7))
    assert ll["lower"] == pytest.approx(ll["difference"])
    assert ll["share_better"] == 1.0
    # the same model against itself differs by exactly 0
    same = state_sums({"neoclassical": bad, "structural": bad}, y, codes, "all")
    zero = paired_differences(same, rng, 50)
    assert all(d["difference"] == 0.0 and d["upper"] == 0.0 for d in zero)


def test_state_sums_combine_adds_states() -> None:
    a = StateSums(np.array([1, 2]), np.array([2.0, 3.0]), {"m": {"log_loss": np.array([1.0, 2.0])}})
    b = StateSums(np.array([2, 5]), np.array([1.0, 4.0]), {"m": {"log_loss": np.array([0.5, 3.0])}})
    c = StateSums.combine([a, b])
    assert c.states.tolist() == [1, 2, 5]
    assert c.counts.tolist() == [2.0, 4.0, 4.0]
    assert c.sums["m"]["log_loss"].tolist() == [1.0, 2.5, 3.0]
