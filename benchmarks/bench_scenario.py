"""Throughput of scenario evaluation, and the speed-up of a sweep on 2 Dask workers.

Usage::

    NCR_DATA_MIRROR=../shared/data NCR_HISTORY_DIR=../shared/history \\
        uv run --all-extras python benchmarks/bench_scenario.py [--serial-seconds 30]

Inputs are those of the built-in ``dprk-baseline`` scenario (DPRK 1990-2009: 20 state-years,
the DPRK profile with its periods, six uncertain parameters), read from the data mirror.

1. Decision layer, one core (numerical threads limited to one): posture probabilities for D
   draws x 20 state-years in one call, in state-year-draws per second (median of repeats):

   * ``fast path``: one input matrix and one parameter vector per draw (the decision layer's
     own ``choice_probabilities``);
   * ``general path``: inputs differ by draw (an uncertain shock) and parameters by year (the
     profile's periods);
   * ``chunk``: a whole chunk as a sweep evaluates it: drawing the parameters, applying an
     uncertain shock, the model, and the mergeable summaries (mean, M2, histogram).

   Target: at least 1,000,000 state-year-draws per second per core for the decision layer.

2. Sweep: the scenario with an uncertain shock, with enough draws for about
   ``--serial-seconds`` of serial work; run serially in this process, then on a
   ``distributed.LocalCluster`` with 2 single-threaded worker processes
   (:func:`ncrealism.scenario.sweep.local_cluster`). The cluster is started and warmed up
   (one small sweep loads the modules on the workers, as resolving the scenario did in this
   process) before the timer; that time is reported separately. Both runs write to a local
   folder; the results are checked to be identical (sha256 of every table). Target: speed-up
   >= 1.7. Run on an otherwise idle machine: another process on one of the two cores halves
   the workers' speed.
"""

# Thread limits must be set before NumPy is imported, hence the late imports.
# ruff: noqa: E402
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

DECISION_TARGET = 1_000_000.0
SPEEDUP_TARGET = 1.7

SHOCK = """
[[shocks]]
id = "china_cut"
kind = "patron_support"
from = 2003
value = { dist = "uniform", low = 0.4, high = 0.6 }
"""


def _plan(draws: int, chunk_size: int):  # type: ignore[no-untyped-def]
    from ncrealism.data.fetch import DataSource
    from ncrealism.scenario.builtins import locate
    from ncrealism.scenario.loader import loads_scenario, resolve

    if not os.environ.get("NCR_DATA_MIRROR") or not os.environ.get("NCR_HISTORY_DIR"):
        sys.exit("set NCR_DATA_MIRROR (the shared data folder) and NCR_HISTORY_DIR (history)")
    text = locate("dprk-baseline").read_text(encoding="utf-8")
    text = text.replace("[uncertainty]", SHOCK + "\n[uncertainty]")
    loaded = loads_scenario(text, path=Path(os.environ["NCR_HISTORY_DIR"]) / "bench.toml")
    return resolve(loaded, source=DataSource.from_env(), draws=draws, chunk_size=chunk_size)


def _rate(fn, n: int, repeats: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return n / statistics.median(times)


def decision_throughput(repeats: int) -> dict[str, float]:
    from ncrealism.scenario.engine import evaluate_chunk

    plan = _plan(draws=5000, chunk_size=5000)
    model = plan.model
    rng = np.random.default_rng(1)
    n_rows = plan.x.shape[0]
    out: dict[str, float] = {}
    print(f"decision layer: {n_rows} state-years, {len(model.params)} parameters, one core")
    for d in (1000, 5000, 20000):
        theta1 = np.repeat(plan.theta_base[:1][None], d, axis=0)  # [D, 1, P]
        theta1[:, 0, 0] = rng.uniform(0.5, 2.0, d)
        x1 = plan.x[None]
        fast = _rate(lambda x=x1, t=theta1: model.probabilities(x, t), d * n_rows, repeats)
        x_d = np.repeat(plan.x[None], d, axis=0)
        x_d[:, :, 2] *= rng.uniform(0.4, 0.6, d)[:, None]
        theta_rows = np.repeat(
            np.broadcast_to(plan.theta_base, (n_rows, plan.theta_base.shape[1]))[None], d, 0
        ).copy()
        theta_rows[:, :, 0] = theta1[:, :, 0]
        general = _rate(lambda x=x_d, t=theta_rows: model.probabilities(x, t), d * n_rows, repeats)
        chunk_plan = replace(plan, draws=d, chunk_size=d)
        chunk = _rate(lambda p=chunk_plan: evaluate_chunk(p, 0), d * n_rows, repeats)
        print(
            f"  D = {d:>6}: fast path {fast:>12,.0f}   general path {general:>12,.0f}   "
            f"chunk {chunk:>12,.0f}  state-year-draws/s"
        )
        out[f"fast_{d}"], out[f"general_{d}"], out[f"chunk_{d}"] = fast, general, chunk
    best = max(v for k, v in out.items() if not k.startswith("chunk"))
    ok = "meets" if best >= DECISION_TARGET else "MISSES"
    print(f"  best decision-layer rate {best:,.0f}/s: {ok} the target {DECISION_TARGET:,.0f}/s")
    return out


def sweep_speedup(serial_seconds: float, chunk_size: int) -> dict[str, float]:
    from ncrealism.scenario.engine import evaluate_chunk
    from ncrealism.scenario.store import result_digest
    from ncrealism.scenario.sweep import local_cluster, run_sweep

    probe = _plan(draws=chunk_size, chunk_size=chunk_size)
    evaluate_chunk(probe, 0)
    t = time.perf_counter()
    for _ in range(3):
        evaluate_chunk(probe, 0)
    per_chunk = (time.perf_counter() - t) / 3
    n_chunks = max(4, round(serial_seconds / per_chunk))
    plan = _plan(draws=n_chunks * chunk_size, chunk_size=chunk_size)
    n_syd = plan.draws * plan.x.shape[0]
    print(
        f"\nsweep: {plan.draws:,} draws x {plan.x.shape[0]} state-years = {n_syd:,} "
        f"state-year-draws in {plan.n_chunks} chunks of {chunk_size}"
    )
    work = Path(tempfile.mkdtemp(prefix="ncr-bench-"))
    try:
        t = time.perf_counter()
        run_sweep(plan, work / "serial", progress=False)
        t_serial = time.perf_counter() - t
        print(f"  serial (this process):   {t_serial:7.1f} s  ({n_syd / t_serial:,.0f}/s)")
        t = time.perf_counter()
        with local_cluster(2) as cluster:
            t_start = time.perf_counter() - t
            # warm-up, as for the serial run (this process already imported and ran the
            # model while resolving the scenario): one small sweep loads the modules on the
            # workers; it is timed with the start-up, not with the sweep
            t = time.perf_counter()
            warm = _plan(draws=4 * 1024, chunk_size=1024)
            run_sweep(warm, work / "warm", scheduler=cluster.scheduler_address, progress=False)
            t_start += time.perf_counter() - t
            t = time.perf_counter()
            report = run_sweep(
                plan, work / "dask", scheduler=cluster.scheduler_address, progress=False
            )
            t_dask = time.perf_counter() - t
        print(
            f"  2 Dask workers:          {t_dask:7.1f} s  ({n_syd / t_dask:,.0f}/s; cluster "
            f"start-up and warm-up {t_start:.1f} s not counted; {report.workers} workers)"
        )
        same = result_digest(work / "serial") == result_digest(work / "dask")
        speedup = t_serial / t_dask
        ok = "meets" if speedup >= SPEEDUP_TARGET else "MISSES"
        print(
            f"  speed-up {speedup:.2f}x: {ok} the target {SPEEDUP_TARGET}x; identical "
            f"results: {same}"
        )
        if not same:
            sys.exit("results differ between the serial and the Dask sweep")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"serial_s": t_serial, "dask_s": t_dask, "speedup": speedup}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--serial-seconds", type=float, default=30.0)
    ap.add_argument("--chunk-size", type=int, default=40000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--skip-sweep", action="store_true")
    args = ap.parse_args()
    decision_throughput(args.repeats)
    if not args.skip_sweep:
        sweep_speedup(args.serial_seconds, args.chunk_size)


if __name__ == "__main__":
    main()
