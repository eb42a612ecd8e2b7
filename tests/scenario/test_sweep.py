"""Sweeps: storage with provenance, resume after SIGKILL, determinism with 1, 2 or 4 Dask
workers, and the LocalCluster path (the same code path as a remote scheduler)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ncrealism.errors import InputError
from ncrealism.scenario.compare import variant_draws
from ncrealism.scenario.engine import Plan, evaluate_chunk
from ncrealism.scenario.loader import load_scenario, resolve
from ncrealism.scenario.store import PartsDir, read_results, result_digest
from ncrealism.scenario.sweep import parts_path, run_sweep
from scenario.conftest import BASE
from scenario.synthetic import Everything

TESTS = Path(__file__).resolve().parents[1]
GRID = BASE + '\n[sweep]\ngrid = { "shock.patron_cut" = [0.3, 0.7] }\n'


def _plan(path: Path) -> Plan:
    b = Everything()
    return resolve(load_scenario(path), backend=b, negotiation=b)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.parquet"))}


def test_results_have_provenance_on_every_row(
    write_scenario: Callable[..., Path], tmp_path: Path
) -> None:
    plan = _plan(write_scenario(GRID))
    out = tmp_path / "r.duckdb"
    report = run_sweep(plan, out, keep_draws=True, progress=False)
    assert report.computed == plan.n_chunks == 12 and not parts_path(out).exists()
    tables = read_results(out)
    assert set(tables) == {
        "summary",
        "variants",
        "runs",
        "posture_draws",
        "parameter_draws",
        "negotiation_draws",
    }
    versions = json.loads(plan.provenance["data_versions"])
    assert versions["registry"]  # the installed registry version is recorded
    assert tables["negotiation_draws"].height == 0  # no negotiation case in this scenario
    for name, t in tables.items():
        if name == "runs" or t.height == 0:
            continue
        for col in ("scenario_hash", "data_versions", "package_version", "seed"):
            assert t[col].null_count() == 0, (name, col)
        assert set(t["scenario_hash"]) == {plan.scenario_hash}
        assert set(t["seed"]) == {plan.seed}
        assert ("chunk" in t.columns) or ("chunks" in t.columns)
    draws = tables["posture_draws"]
    # 2 variants x 240 draws x 40 state-years
    assert draws.height == 2 * 240 * 40
    # every chunk id appears, and a draw's chunk is the block it belongs to
    chunk = draws.select((pl.col("variant") * 6 + pl.col("draw") // 40).alias("c"), "chunk")
    assert (chunk["c"] == chunk["chunk"].cast(pl.Int32)).all()
    # summaries agree with the draws they summarise
    s = tables["summary"].filter(
        (pl.col("quantity") == "posture_probability")
        & (pl.col("variant") == 1)
        & (pl.col("ccode") == 732)
        & (pl.col("year") == 2005)
        & (pl.col("label") == "brinkmanship")
    )
    col = draws.filter(
        (pl.col("variant") == 1) & (pl.col("ccode") == 732) & (pl.col("year") == 2005)
    )["p_brinkmanship"].to_numpy()
    assert s["n"][0] == 240
    assert s["mean"][0] == pytest.approx(col.mean(), rel=1e-12)
    assert s["sd"][0] == pytest.approx(col.std(ddof=1), rel=1e-9)
    # quantiles read from a 1000-bin histogram: the inverse empirical CDF within a bin width
    for q in (0.05, 0.5, 0.95):
        exact = np.quantile(col, q, method="inverted_cdf")
        assert abs(s[f"q{round(100 * q):02d}"][0] - exact) <= 1e-3
    # the parameters' summaries
    ps = tables["summary"].filter(
        (pl.col("quantity") == "parameter")
        & (pl.col("label") == "alpha.engagement")
        & (pl.col("variant") == 0)
    )
    pv = (
        tables["parameter_draws"]
        .filter((pl.col("parameter") == "alpha.engagement") & (pl.col("variant") == 0))["value"]
        .to_numpy()
    )
    # histogram on the triangular's support [-0.5, 0.6]: within one bin width
    exact = np.quantile(pv, 0.25, method="inverted_cdf")
    assert abs(ps["q25"][0] - exact) <= 1.1 / 1000 + 1e-12
    assert ps["mean"][0] == pytest.approx(pv.mean(), rel=1e-12)
    # the grid variant fixes the shock's value; the other parameters are the same draws
    p = tables["parameter_draws"]
    cut = p.filter(pl.col("parameter") == "shock.patron_cut")
    assert set(cut.filter(pl.col("variant") == 0)["value"]) == {0.3}
    beta = p.filter(pl.col("parameter") == "beta.brinkmanship.threat").sort("variant", "draw")
    v0 = beta.filter(pl.col("variant") == 0)["value"].to_numpy()
    v1 = beta.filter(pl.col("variant") == 1)["value"].to_numpy()
    np.testing.assert_array_equal(v0, v1)
    # rerunning the same sweep changes nothing
    again = run_sweep(plan, out, keep_draws=True, progress=False)
    assert again.already_complete and again.computed == 0


def test_chunks_are_one_vectorised_evaluation(write_scenario: Callable[..., Path]) -> None:
    from dataclasses import replace

    from scenario.synthetic import Counting

    plan = _plan(write_scenario())
    calls: list[int] = []
    counted = replace(plan, model=Counting(plan.model, calls))  # type: ignore[arg-type]
    r = evaluate_chunk(counted, 2, keep_draws=True)
    assert r.probabilities is not None and r.parameters is not None
    assert calls == [40] and r.probabilities.shape == (40, 40, 4)
    # the same numbers as evaluating draw by draw
    single = []
    for d in range(r.parameters.shape[0]):
        from ncrealism.scenario.engine import evaluate_values

        single.append(evaluate_values(plan, r.parameters[d : d + 1]).probabilities[0])
    np.testing.assert_allclose(np.stack(single), r.probabilities, rtol=1e-12, atol=1e-15)


def test_draws_do_not_depend_on_order_or_on_other_parameters(
    write_scenario: Callable[..., Path],
) -> None:
    plan = _plan(write_scenario())
    a = [evaluate_chunk(plan, c, True).parameters for c in range(plan.n_chunks)]
    b = [evaluate_chunk(plan, c, True).parameters for c in reversed(range(plan.n_chunks))][::-1]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    # adding a parameter leaves the draws of the others unchanged (streams named by parameter)
    more = _plan(
        write_scenario(
            BASE.replace(
                "[run]", '"alpha.accommodation" = { dist = "uniform", low = -1, high = 1 }\n\n[run]'
            ),
            "more.toml",
        )
    )
    names = plan.param_names
    va, vb = variant_draws(plan), variant_draws(more)
    assert va.parameters is not None and vb.parameters is not None
    for k, name in enumerate(names):
        np.testing.assert_array_equal(
            va.parameters[:, k], vb.parameters[:, more.param_names.index(name)]
        )


def test_refuses_a_different_sweep_and_overwrites_on_request(
    write_scenario: Callable[..., Path], tmp_path: Path
) -> None:
    out = tmp_path / "r"
    run_sweep(_plan(write_scenario()), out, progress=False)
    other = _plan(write_scenario(BASE.replace("from = 2000", "from = 2001"), "b.toml"))
    with pytest.raises(InputError, match="different sweep"):
        run_sweep(other, out, progress=False)
    run_sweep(other, out, progress=False, overwrite=True)
    assert read_results(out)["runs"]["scenario_hash"][0] == other.scenario_hash
    # chunks of a different sweep left in the parts folder are refused too
    parts = PartsDir(parts_path(tmp_path / "x"))
    parts.open({"token": "abc", "seed": 1})
    with pytest.raises(InputError, match="different sweep"):
        run_sweep(other, tmp_path / "x", progress=False)


def test_interrupted_writes_are_cleaned_and_missing_chunks_computed(
    write_scenario: Callable[..., Path], tmp_path: Path
) -> None:
    plan = _plan(write_scenario(GRID))
    ref = tmp_path / "ref"
    run_sweep(plan, ref, keep_draws=True, progress=False)
    out = tmp_path / "out"
    from ncrealism.scenario.sweep import manifest

    parts = PartsDir(parts_path(out))
    parts.open(manifest(plan, keep_draws=True))
    for c in (0, 3, 7):
        parts.write_chunk(evaluate_chunk(plan, c, keep_draws=True))
    # a chunk whose write was interrupted: a temporary folder with a partial file
    junk = parts.path / ".tmp-killed"
    junk.mkdir()
    (junk / "probabilities.npy").write_bytes(b"\x93NUMPY partial")
    report = run_sweep(plan, out, keep_draws=True, progress=False)
    assert report.reused == 3 and report.computed == plan.n_chunks - 3
    assert _files(out) == _files(ref)


def test_duckdb_resume_after_a_kill_during_the_final_write(
    write_scenario: Callable[..., Path], tmp_path: Path
) -> None:
    from ncrealism.scenario.sweep import manifest

    plan = _plan(write_scenario(GRID))
    ref = tmp_path / "ref.duckdb"
    run_sweep(plan, ref, keep_draws=True, progress=False)
    out = tmp_path / "out.duckdb"
    parts = PartsDir(parts_path(out))
    parts.open(manifest(plan, keep_draws=True))
    for c in range(plan.n_chunks):
        parts.write_chunk(evaluate_chunk(plan, c, keep_draws=True))
    stale = tmp_path / ".out.duckdb.tmp-99999"  # a final write cut short
    stale.write_bytes(b"DUCK partial")
    report = run_sweep(plan, out, keep_draws=True, progress=False)
    assert report.computed == 0 and report.reused == plan.n_chunks
    assert not stale.exists() and not parts.path.exists()
    assert result_digest(out) == result_digest(ref)
    # the DuckDB tables hold the same rows as the Parquet files of the same sweep
    pq_out = tmp_path / "pq"
    run_sweep(plan, pq_out, keep_draws=True, progress=False)
    db, pq = read_results(out), read_results(pq_out)
    for name in ("summary", "posture_draws"):
        assert db[name].cast(pq[name].schema).equals(pq[name]), name


_SCRIPT = """\
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from scenario.synthetic import Everything
from ncrealism.scenario.loader import load_scenario, resolve
from ncrealism.scenario.sweep import run_sweep

b = Everything()
plan = resolve(load_scenario(sys.argv[1]), backend=b, negotiation=b)
pause = float(sys.argv[3])
run_sweep(plan, Path(sys.argv[2]), keep_draws=True, progress=False,
          on_chunk=lambda c, done, total: time.sleep(pause))
"""


def test_sigkill_and_resume_give_identical_results(
    write_scenario: Callable[..., Path], tmp_path: Path
) -> None:
    scen = write_scenario(GRID)
    script = tmp_path / "sweep_script.py"
    script.write_text(_SCRIPT.format(tests=str(TESTS)), encoding="utf-8")
    full, killed = tmp_path / "full", tmp_path / "killed"
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, str(script), str(scen), str(killed), "0.2"], env=env)
    run_sweep(_plan(scen), full, keep_draws=True, progress=False)  # uninterrupted, meanwhile
    parts = PartsDir(parts_path(killed))
    deadline = time.monotonic() + 60
    while len(parts.done()) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    n_done = len(parts.done())
    assert 3 <= n_done < 12, n_done  # killed mid-sweep
    assert not killed.exists()  # no half-written results
    subprocess.run([sys.executable, str(script), str(scen), str(killed), "0"], check=True, env=env)
    assert not parts.path.exists()
    assert _files(killed) == _files(full) and len(_files(full)) == 6


def test_same_results_with_1_2_4_workers_on_a_local_cluster(
    write_scenario: Callable[..., Path], tmp_path: Path
) -> None:
    """Every sweep goes through the scheduler's address, as with a remote cluster. Two workers
    are separate processes (this machine has two cores); one and four workers run as threads
    of one process (processes=False) to keep the suite fast: the scheduler, the scatter of the
    plan and the tasks are the same."""
    from ncrealism.scenario.sweep import local_cluster

    plan = _plan(write_scenario(GRID))
    serial = tmp_path / "serial"
    run_sweep(plan, serial, keep_draws=True, progress=False)
    expected = _files(serial)
    for n in (1, 2, 4):
        out = tmp_path / f"w{n}"
        with local_cluster(n, processes=(n == 2)) as cluster:
            report = run_sweep(
                plan, out, scheduler=cluster.scheduler_address, keep_draws=True, progress=False
            )
        assert report.workers == n and report.dashboard is not None
        assert report.computed == plan.n_chunks
        assert _files(out) == expected, n
