"""The rolling-origin grid: same bytes on one core and on 1 or 2 Dask workers; resumable;
paired bootstrap properties."""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.errors import InputError
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
#: Tasks of a run: one fit per fold and model, one score per fold and scored quantity.
N_TASKS = len(TINY) * len(MODELS) + len(TINY) * len(bt.SCORED)


def _bytes(result: bt.BacktestResult) -> str:
    return json.dumps(result.to_json(), sort_keys=True)


@pytest.fixture(scope="module")
def in_process(synthetic_panel: PanelFrame) -> bt.BacktestResult:
    return run_backtest(synthetic_panel, folds=TINY, models=MODELS, n_boot=50)


@pytest.fixture
def cache_source(tmp_path: Path) -> DataSource:
    """A data source whose cache (derived results included) is ``tmp_path/cache``."""
    return DataSource(mirror=None, cache_root=tmp_path / "cache", allow_download=False)


def test_same_bytes_with_one_and_two_dask_workers(
    synthetic_panel: PanelFrame, in_process: bt.BacktestResult
) -> None:
    # Thread workers keep the test quick (no process start-up); the tasks and their
    # scheduling are the same as with worker processes (test_backtest_processes.py runs those).
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
    assert len(list(tmp_path.glob("*.pkl"))) == N_TASKS

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
    cache_source: DataSource,
) -> None:
    kw = {"folds": TINY, "models": MODELS, "n_boot": 50, "cache": True, "source": cache_source}
    first = run_backtest(synthetic_panel, **kw)  # type: ignore[arg-type]
    kept = sorted(p.name for p in Path(cache_source.cache_root).rglob("*.pkl"))
    assert len(kept) == N_TASKS

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


def test_a_cached_run_on_fewer_folds_gives_the_bytes_of_an_uncached_one(
    synthetic_panel: PanelFrame,
    tmp_path: Path,
    cache_source: DataSource,
) -> None:
    # A score task's bootstrap is seeded by the fold's position in ``folds``: the second fold
    # of one grid is the first of the other, so a cached score of the one must not be read
    # by the other. Output never depends on what the cache holds.

    kw = {"models": MODELS, "n_boot": 50, "source": cache_source}
    run_backtest(synthetic_panel, folds=TINY, cache=True, **kw)  # type: ignore[arg-type]
    cached = run_backtest(synthetic_panel, folds=TINY[1:], cache=True, **kw)  # type: ignore[arg-type]
    fresh = run_backtest(synthetic_panel, folds=TINY[1:], cache=False, **kw)  # type: ignore[arg-type]
    assert _bytes(cached) == _bytes(fresh)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"workers": 0}, "workers 0"),
        ({"workers": 0, "scheduler": None}, "workers 0"),
        ({"n_boot": 0}, "n_boot"),
        ({"seed": -1}, "seed -1"),
        ({"models": ()}, "one or more distinct models"),
        ({"models": ("base_rate", "base_rate")}, "one or more distinct models"),
        ({"models": ("oracle",)}, "unknown model"),
        ({"folds": ()}, "at least one fold"),
        ({"folds": (TINY[0], TINY[0])}, "its own label"),
        ({"folds": (Fold("late", 1975, 1970, 1979),)}, "fold late: needs train_last"),
    ],
)
def test_arguments_are_checked_before_any_finished_task_is_read(
    synthetic_panel: PanelFrame,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, object],
    message: str,
) -> None:
    # A store or cache holding the whole grid must not hide a bad argument: the check comes
    # before the panel is hashed or any task file is looked at.
    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("a task file was looked up before the arguments were checked")

    monkeypatch.setattr(bt, "panel_digest", boom)
    monkeypatch.setattr(bt, "_run_tasks", boom)
    kw: dict[str, object] = {"folds": TINY, "models": MODELS, "scheduler": "local", **change}
    with pytest.raises(InputError, match=message):
        run_backtest(synthetic_panel, **kw)  # type: ignore[arg-type]


def test_a_damaged_task_file_is_computed_again(
    synthetic_panel: PanelFrame,
    in_process: bt.BacktestResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cache_source: DataSource,
) -> None:
    kw = {"folds": TINY, "models": MODELS, "n_boot": 50, "source": cache_source}
    store = tmp_path / "store"
    run_backtest(synthetic_panel, cache=True, store=store, **kw)  # type: ignore[arg-type]
    cached = sorted(Path(cache_source.cache_root).rglob("*.pkl"))
    stored = sorted(store.glob("*.pkl"))
    assert len(cached) == len(stored) == N_TASKS
    runs: list[str] = []

    def counted(fn: Callable[..., object]) -> Callable[..., object]:
        def run(*args: object) -> object:
            runs.append(fn.__name__)
            return fn(*args)

        return run

    monkeypatch.setattr(bt, "fit_task", counted(bt.fit_task))
    monkeypatch.setattr(bt, "score_task", counted(bt.score_task))
    # in the cache: garbage, half a file, a pickle of something that is not a task (with its
    # checksum), and one byte changed in a fit's forecasts (still a valid pickle: it would
    # load as other numbers)
    cached[0].write_bytes(b"not a pickle at all")
    cached[1].write_bytes(cached[1].read_bytes()[: cached[1].stat().st_size // 2])
    bad_task = pickle.dumps("a string, not a task")
    cached[2].write_bytes(hashlib.sha256(bad_task).digest() + bad_task)
    fit = next(p for p in cached[3:] if isinstance(pickle.loads(p.read_bytes()[32:]), np.ndarray))
    flipped = bytearray(fit.read_bytes())
    flipped[len(flipped) // 2] ^= 0x01
    assert isinstance(pickle.loads(bytes(flipped[32:])), np.ndarray)
    fit.write_bytes(bytes(flipped))
    again = run_backtest(synthetic_panel, cache=True, **kw)  # type: ignore[arg-type]
    assert _bytes(again) == _bytes(in_process)
    assert len(runs) == 4  # the four damaged tasks, and only those
    assert [p.read_bytes() for p in cached] == [
        (store / p.name).read_bytes() for p in cached
    ]  # written over, whole
    # in the store, the cache off: computed again and written over too
    monkeypatch.setenv("NCR_NO_CACHE", "1")
    stored[-1].write_bytes(b"\x80\x05garbage")
    whole = stored[0].read_bytes()
    stored[0].write_bytes(whole[:10])
    runs.clear()
    again = run_backtest(synthetic_panel, cache=True, store=store, **kw)  # type: ignore[arg-type]
    assert _bytes(again) == _bytes(in_process)
    assert len(runs) == 2
    assert stored[0].read_bytes() == whole


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
