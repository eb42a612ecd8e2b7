"""Bounded work: grids are counted, not built; sizes are refused before work; one run at a time
writes an --out; years past the data are named; a state without data names the file."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ncrealism.errors import InputError
from ncrealism.scenario.engine import Plan, sweep_memory
from ncrealism.scenario.limits import Limits
from ncrealism.scenario.loader import DataCoverageWarning, load_scenario, resolve
from ncrealism.scenario.sweep import lock_path, out_lock, run_sweep
from scenario.conftest import BASE
from scenario.synthetic import Everything


def _plan(path: Path, **kw: Any) -> Plan:
    b = Everything()
    return resolve(load_scenario(path), backend=b, negotiation=b, **kw)


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    p = tmp_path / "s.toml"
    p.write_text(BASE, encoding="utf-8")
    return _plan(p)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lengths=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data())
def test_variant_index_is_the_row_major_grid_point(
    lengths: list[int], data: st.DataObject, plan: Plan
) -> None:
    """The i-th variant built from its index equals the i-th point of the cartesian product."""
    grid = tuple(
        (f"p{k}", tuple(float(10 * k + v) for v in range(n))) for k, n in enumerate(lengths)
    )
    p = dataclasses.replace(plan, grid=grid)
    points = [
        dict(zip([g[0] for g in grid], c, strict=True))
        for c in itertools.product(*(g[1] for g in grid))
    ]
    assert p.n_variants == len(points)
    i = data.draw(st.integers(0, len(points) - 1))
    assert p.variant(i) == points[i]
    assert list(p.iter_variants()) == points


def test_a_4e9_variant_grid_is_counted_not_built(plan: Plan) -> None:
    values = tuple(0.3 + 0.01 * i for i in range(40))
    grid = tuple((f"p{k}", values) for k in range(6))
    p = dataclasses.replace(plan, grid=grid)
    tracemalloc.start()
    try:
        n = p.n_variants
        last = p.variant(n - 1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n == 40**6 == 4_096_000_000
    assert last == {f"p{k}": values[-1] for k in range(6)}
    assert peak < 1_000_000  # bytes: nothing proportional to the grid
    with pytest.raises(InputError, match="max_variants"):
        Limits().check_size(n, p.draws)


def test_limits_can_be_raised(plan: Plan) -> None:
    Limits(max_variants=5_000_000_000).check_size(4_096_000_000, 10)
    Limits(max_draws=10**9).check_size(1, 10**9)
    with pytest.raises(InputError, match="--max-draws"):
        Limits().check_size(1, 10**9)


def test_memory_estimate_refuses_kept_draws_that_cannot_fit(plan: Plan) -> None:
    big = dataclasses.replace(plan, draws=100_000_000)
    small = sweep_memory(plan, keep_draws=True)
    huge = sweep_memory(big, keep_draws=True)
    # kept draws: draws x (state-years x options + parameters) float64 values at least
    n_values = plan.x.shape[0] * len(plan.model.options) + len(plan.params)
    assert huge >= 8 * 100_000_000 * n_values
    assert small < 2**30
    Limits().check_memory(small)
    with pytest.raises(InputError, match="--max-memory"):
        Limits().check_memory(huge)


def test_peak_memory_of_a_sweep_stays_under_its_estimate(plan: Plan, tmp_path: Path) -> None:
    """An accepted plan's evaluation and merge use no more than the estimate says."""
    from ncrealism.scenario.engine import evaluate_chunk
    from ncrealism.scenario.results import VariantDraws

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        VariantDraws.merge(0, (evaluate_chunk(plan, c, True) for c in range(plan.n_blocks)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= sweep_memory(plan, keep_draws=True)


def test_second_run_on_the_same_out_refuses_or_waits(plan: Plan, tmp_path: Path) -> None:
    out = tmp_path / "results"  # a folder of Parquet files
    with out_lock(out):
        with pytest.raises(InputError, match="another sweep") as info:
            run_sweep(plan, out, progress=False, wait=False)
        assert str(lock_path(out)) in str(info.value)
        assert not out.exists()

    # a waiting run starts when the first ends, then finds its results and reuses them
    started = threading.Event()
    reports = []

    def slow(chunk: int, done: int, total: int) -> None:
        started.set()
        time.sleep(0.05)

    def first() -> None:
        reports.append(run_sweep(plan, out, progress=False, on_chunk=slow))

    t = threading.Thread(target=first)
    t.start()
    assert started.wait(30)
    second = run_sweep(plan, out, progress=False, wait=True)
    t.join()
    assert reports[0].computed == plan.n_chunks
    assert second.already_complete and second.computed == 0


class _CarriedBackend(Everything):
    """The synthetic inputs, with every year after 2016 a copy of 2016 (data that end)."""

    def inputs(self, states: Sequence[int], first: int, last: int, source: Any, **kw: Any) -> Any:
        frame = super().inputs(states, first, last, source, **kw)
        x = frame.x.copy()
        for s in states:
            rows = np.flatnonzero((frame.ccode == s) & (frame.year > 2016))
            if rows.size:
                base = np.flatnonzero((frame.ccode == s) & (frame.year == 2016))
                x[rows] = x[base[0]] if base.size else x[rows[0]]
        return dataclasses.replace(frame, x=x)


def test_years_past_the_data_are_named(tmp_path: Path) -> None:
    p = tmp_path / "future.toml"
    text = BASE.replace("years = [1990, 2009]", "years = [2010, 2040]")
    p.write_text(text.replace("from = 2000", "from = 2020"), encoding="utf-8")
    b = _CarriedBackend()
    with pytest.warns(DataCoverageWarning, match=r"scope\.years.*2017–2040") as rec:
        resolve(load_scenario(p), backend=b, negotiation=b)
    assert str(p) in str(rec[0].message)


def test_years_within_the_data_do_not_warn(
    tmp_path: Path, recwarn: pytest.WarningsRecorder
) -> None:
    p = tmp_path / "s.toml"
    p.write_text(BASE, encoding="utf-8")
    b = _CarriedBackend()
    resolve(load_scenario(p), backend=b, negotiation=b)
    assert not [w for w in recwarn if issubclass(w.category, DataCoverageWarning)]


class _NoDataBackend(Everything):
    def inputs(self, states: Sequence[int], *a: Any, **kw: Any) -> Any:
        raise InputError(f"state {states[-1]} has no capabilities (COW NMC v7.0)")


def test_a_state_without_data_names_the_file_and_key(tmp_path: Path) -> None:
    p = tmp_path / "s.toml"
    p.write_text(BASE, encoding="utf-8")
    b = _NoDataBackend()
    with pytest.raises(InputError) as info:
        resolve(load_scenario(p), backend=b, negotiation=b)
    assert str(p) in str(info.value) and "scope.states" in str(info.value)


def test_cli_caps_hold_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_data_reads: None
) -> None:
    from ncrealism.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(
            [
                "scenario",
                "run",
                "dprk-baseline",
                "--draws",
                "1000000000",
                "--out",
                str(tmp_path / "x.duckdb"),
            ]
        )
    assert exc.value.code == 2
    assert "--max-draws" in capsys.readouterr().err


def test_the_documented_limits_are_the_code_s() -> None:
    from ncrealism.scenario.limits import DRAWS_CEILING

    text = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text("utf-8")
    lim = Limits()
    assert f"| grid variants | {lim.max_variants:,} | `--max-variants` |" in text
    assert f"| {lim.max_draws:,} | `--max-draws` |" in text
    assert f"| {lim.max_memory_gib:g} GiB | `--max-memory` |" in text
    assert f"never exceed {DRAWS_CEILING:,}" in text
    assert f"({40**6:,}\nvariants)" in text or f"({40**6:,} variants)" in text
