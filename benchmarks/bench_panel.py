"""The panel backtest grid on Dask beside a single-process run of the same grid.

Usage::

    NCR_DATA_MIRROR=../shared/data uv run --all-extras python benchmarks/bench_panel.py \\
        [--workers 2] [--n-boot 999]

1. Builds the panel from the mirror (every COW state-year 1817-2012; timed separately).
2. Runs the whole grid (3 era folds × 4 models fitted, 3 folds × 5 outcomes scored, pooled and
   regional bootstraps) in this process, then on a ``distributed.LocalCluster`` of
   ``--workers`` single-threaded worker processes. The cluster is started (and its workers
   import ncrealism) before the timer; that time is reported separately. No task store is
   used, so both runs compute everything.
3. Checks that the two runs give the same ``results.json`` bytes (sha256) and prints the
   times and the ratio. Target for the whole ``ncr panel backtest`` on 2 cores: under 5 min
   (issue 15; aim: 60 s). Run on an otherwise idle machine: the ratio compares the two runs
   made here, not numbers from elsewhere.
"""

# ruff: noqa: E402
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import hashlib
import json
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--n-boot", type=int, default=999)
    args = parser.parse_args()

    from ncrealism.data.fetch import DataSource
    from ncrealism.panel.backtest import run_backtest
    from ncrealism.panel.build import build_panel_frame

    t0 = time.perf_counter()
    panel = build_panel_frame(source=DataSource.from_env())
    t_build = time.perf_counter() - t0
    print(f"panel: {panel.data.height} state-years, NMC v{panel.version}, built in {t_build:.1f} s")

    t0 = time.perf_counter()
    serial = run_backtest(panel, n_boot=args.n_boot)
    t_serial = time.perf_counter() - t0

    from distributed import Client

    from ncrealism.scenario.sweep import local_cluster

    t0 = time.perf_counter()
    cluster = local_cluster(args.workers)
    client = Client(cluster)  # type: ignore[no-untyped-call]
    client.run(lambda: __import__("ncrealism.panel.backtest"))
    t_start = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        dask_run = run_backtest(panel, n_boot=args.n_boot, scheduler=cluster.scheduler_address)
        t_dask = time.perf_counter() - t0
    finally:
        client.close()  # type: ignore[no-untyped-call]
        cluster.close()  # type: ignore[no-untyped-call]

    def digest(r: object) -> str:
        doc = r.to_json()  # type: ignore[attr-defined]
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]

    same = digest(serial) == digest(dask_run)
    print(f"single process : {t_serial:7.1f} s  (results {digest(serial)})")
    print(
        f"Dask, {args.workers} workers: {t_dask:7.1f} s  (results {digest(dask_run)}; "
        f"cluster start {t_start:.1f} s)"
    )
    print(f"speed-up       : {t_serial / t_dask:7.2f}x   identical results: {same}")
    print(
        f"whole command estimate (build + cluster start + Dask grid): "
        f"{t_build + t_start + t_dask:.1f} s"
    )
    if not same:
        raise SystemExit("the Dask and single-process results differ")


if __name__ == "__main__":
    main()
