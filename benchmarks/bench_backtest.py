"""Time of the whole rolling-origin backtest: the dynamic models against the static calibration.

Usage::

    NCR_DATA_MIRROR=../shared/data uv run --all-extras python benchmarks/bench_backtest.py \\
        [--history ../shared/history] [--train 1990:1994] [--test 1995:2009]

Inputs (ex ante, with last year's event counts) are built once and not timed. Then, in the
same process:

* **dynamic** (this version's default backtest): every model of ``ncr backtest`` (NCR dynamic,
  its no-inertia ablation, structural realism, the statistical reference, persistence, base
  rate, uniform) fitted and forecast at every origin of the test span, one and two years ahead,
  with the posterior draws and the paired bootstrap;
* **static** (the model of earlier versions, ``--static``): the calibrated DPRK filter (eight
  parameters, MAP with a finite-difference Laplace approximation), its prior, structural realism
  and the four cluster ablations, fitted and forecast at every origin, one year ahead.

Target: the dynamic backtest in under 60 s on two cores. The ratio static / dynamic is printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

TARGET_SECONDS = 60.0


def main(argv: list[str] | None = None) -> int:
    import polars as pl

    from ncrealism.data.fetch import DataSource
    from ncrealism.data.records import (
        EVENT_CATEGORIES,
        read_context_events,
        read_event_record,
        read_yearly_record,
    )
    from ncrealism.evaluation.compare import paired_table
    from ncrealism.evaluation.dynamic import DYNAMIC_NCR, lagged_event_counts
    from ncrealism.evaluation.engine import parse_span, run_backtest
    from ncrealism.evaluation.models import BaseRate, Persistence, Uniform
    from ncrealism.evaluation.ncr import ex_ante_inputs, option_names, theory_models
    from ncrealism.evaluation.run import dynamic_models

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--history", type=Path, default=Path("../shared/history"))
    ap.add_argument("--train", default="1990:1994")
    ap.add_argument("--test", default="1995:2009")
    args = ap.parse_args(argv)
    train, test = parse_span(args.train), parse_span(args.test)
    h = args.history
    source = DataSource.from_env()
    record = read_yearly_record(h / "dprk_yearly_1990_2009.csv")
    ctx = read_context_events(h / "context_events_1990_2009.csv")
    ev = read_event_record(h / "dprk_events_1990_2009.csv")
    years = list(range(train[0], test[1] + 1))
    test_years = list(range(test[0], test[1] + 1))
    t0 = time.perf_counter()
    inputs = ex_ante_inputs(731, years, context=ctx, source=source)
    inputs = inputs.join(lagged_event_counts(ev, years, EVENT_CATEGORIES), on="year")
    t_inputs = time.perf_counter() - t0
    options = option_names()
    baselines = [Persistence(), BaseRate(), Uniform()]

    t0 = time.perf_counter()
    dyn = dynamic_models(731, "DPRK", seed=0).models + baselines
    runs = {
        hz: run_backtest(dyn, inputs, record, options=options, train=train, test=test_years,
                         horizon=hz)
        for hz in (1, 2)
    }  # fmt: skip
    names = [m for m in runs[1].models if not m.startswith("NCR")]
    cmp = pl.concat([paired_table(b, DYNAMIC_NCR, names, seed=0) for b in runs.values()])
    t_dynamic = time.perf_counter() - t0

    t0 = time.perf_counter()
    static = theory_models(731, years, context=ctx, source=source, ex_ante_context=True)
    old = run_backtest(
        static.models + baselines, static.inputs, record, options=options, train=train,
        test=test_years,
    )  # fmt: skip
    t_static = time.perf_counter() - t0

    ll = {r["model"]: r["log_loss"] for r in runs[1].scores().iter_rows(named=True)}
    ll_old = {r["model"]: r["log_loss"] for r in old.scores().iter_rows(named=True)}
    print(f"inputs (ex ante, {len(years)} years; not timed below): {t_inputs:.1f} s")
    print(f"{'backtest':<44} {'seconds':>8}  log loss of NCR (h=1)")
    print(
        f"{'dynamic: 7 models x 2 horizons x ' + str(len(test_years)) + ' origins':<44} "
        f"{t_dynamic:8.1f}  {ll[DYNAMIC_NCR]:.3f}"
    )
    print(
        f"{'static: 10 models x 1 horizon x ' + str(len(test_years)) + ' origins':<44} "
        f"{t_static:8.1f}  {ll_old['NCR (calibrated)']:.3f}"
    )
    print(f"static / dynamic time: {t_static / t_dynamic:.1f}x; paired rows: {cmp.height}")
    ok = t_dynamic < TARGET_SECONDS
    print(f"target: dynamic < {TARGET_SECONDS:.0f} s ... {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
