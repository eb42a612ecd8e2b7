"""Benchmark: the full COW directed dyad-year frame, 1816-2016, with every dyadic measure.

Builds :func:`ncrealism.system.threat.dyad_threat_frame` (about 1.9 million rows: relative
power, capital distance, Bueno de Mesquita's distance-discounted power, contiguity, alliance
flags, the S-score unweighted and weighted, and the balance-of-threat index) and compares it
with the same computation written as straightforward per-year pandas merges
(``_pandas_dyads_baseline.py``).

Each measurement runs in a fresh Python process so that its peak memory (maximum resident set
size) is its own:

* ``cold``: everything from the verified data files (mirror or cache): parsing the files,
  recomputing CINC, building the year × state arrays, computing the frame;
* ``warm``: the input tables already parsed in memory (as in a session that has read them
  once); CINC, the arrays and the frame are recomputed; best of ``--repeat`` runs;
* ``baseline``: the pandas version from the same parsed tables (untimed parsing), over all
  years (or ``--baseline-every K``: every K-th year, scaled up by the ratio of dyad-years,
  and reported as an estimate).

The speed-up is baseline / warm: both start from parsed tables. Before timing, the baseline
and the array version are compared on three years (max absolute difference per column).

Usage: ``NCR_DATA_MIRROR=../shared/data uv run python benchmarks/bench_dyads.py``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
YEARS = (1816, 2016)
CHECK_YEARS = (1900, 1962, 2012)
COMPARED = (
    "cinc1",
    "power_share",
    "power_ratio",
    "miles",
    "cinc1_projected",
    "conttype",
    "alliance_level",
    "s_unweighted",
    "s_weighted",
    "proximity",
    "offensive",
    "intentions",
    "threat",
)


def peak_mb() -> float:
    """Peak resident set size of this process (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clear_derived(source: Any) -> None:
    """Forget everything computed from the parsed tables, keeping the tables themselves."""
    source.forget(
        lambda key: isinstance(key, tuple) and key[0] in ("capabilities", "panel", "threat_inputs")
    )


def run_cold() -> dict[str, Any]:
    t0 = time.perf_counter()
    from ncrealism.system.threat import dyad_threat_frame

    t1 = time.perf_counter()
    c1 = time.process_time()
    df = dyad_threat_frame(YEARS)
    t2 = time.perf_counter()
    return {
        "rows": df.height,
        "columns": df.width,
        "seconds": t2 - t1,
        "cpu_seconds": time.process_time() - c1,
        "import_seconds": t1 - t0,
        "peak_mb": peak_mb(),
    }


def run_warm(repeat: int) -> dict[str, Any]:
    from ncrealism.data.fetch import DataSource
    from ncrealism.system.threat import dyad_threat_frame

    source = DataSource.from_env()
    df = dyad_threat_frame(YEARS, source=source)
    rows = df.height
    del df
    times, cpu = [], []
    for _ in range(repeat):
        clear_derived(source)
        t0 = time.perf_counter()
        c0 = time.process_time()
        df = dyad_threat_frame(YEARS, source=source)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        del df
    return {
        "rows": rows,
        "seconds": min(times),
        "all_seconds": times,
        "cpu_seconds": min(cpu),
        "peak_mb": peak_mb(),
    }


def pandas_tables() -> Any:
    """The baseline's inputs, read by the same loaders and converted to pandas (untimed)."""
    import polars as pl

    sys.path.insert(0, str(HERE))
    from _pandas_dyads_baseline import Tables

    from ncrealism.data.alliances import alliance_dyad_years
    from ncrealism.data.contiguity import load_contiguity_directed
    from ncrealism.data.distance import load_capdist_cow
    from ncrealism.data.nuclear import load_nuclear_status
    from ncrealism.data.unga import load_ideal_points
    from ncrealism.system.capabilities import capabilities

    caps = capabilities("6.0").select("ccode", "year", "cinc", "milex", "milper")
    ideal = load_ideal_points().select("ccode", "year", pl.col("idealpoint_all").alias("ideal"))
    ip = ideal["ideal"].drop_nulls()
    return Tables(
        states=caps.to_pandas(),
        alliances=alliance_dyad_years(False)
        .select(
            "ccode1", "ccode2", "year", "defense_pact", "neutrality", "nonaggression", "entente"
        )
        .with_columns(pl.col(pl.Int8).fill_null(0))
        .to_pandas(),
        contiguity=load_contiguity_directed().to_pandas(),
        capdist=load_capdist_cow()
        .select("ccode1", "ccode2", pl.col("midist").cast(pl.Float64).alias("miles"))
        .to_pandas(),
        nuclear=load_nuclear_status()
        .select("ccode", "year", pl.col("nuclear_possession").cast(pl.Float64).alias("nuclear"))
        .to_pandas(),
        ideal=ideal.to_pandas(),
        ideal_range=float(ip.max()) - float(ip.min()),  # type: ignore[arg-type]
    )


def check(tables: Any) -> dict[str, float]:
    """Max absolute difference, per column, between the baseline and the array version."""
    import numpy as np
    import polars as pl
    from _pandas_dyads_baseline import build

    from ncrealism.system.threat import dyad_threat_frame

    keys = ["ccode1", "ccode2", "year"]
    base = pl.from_pandas(build(tables, list(CHECK_YEARS)))
    fast = dyad_threat_frame(list(CHECK_YEARS))
    if base.height != fast.height:
        raise SystemExit(f"row counts differ: baseline {base.height}, arrays {fast.height}")
    j = fast.join(base, on=keys, suffix="_pd")
    out = {}
    for c in COMPARED:
        a = j[c].cast(pl.Float64).to_numpy()
        b = j[f"{c}_pd"].cast(pl.Float64).to_numpy()
        both = ~(np.isnan(a) | np.isnan(b))
        if (np.isnan(a) != np.isnan(b)).any():
            raise SystemExit(f"missing values differ in column {c}")
        out[c] = float(np.max(np.abs(a[both] - b[both]))) if both.any() else 0.0
    return out


def run_baseline(every: int) -> dict[str, Any]:
    from _pandas_dyads_baseline import build

    tables = pandas_tables()
    diffs = check(tables)
    all_years = list(range(YEARS[0], YEARS[1] + 1))
    years = all_years[::every]
    counts = tables.states.groupby("year").size()
    dyads = {int(y): int(n * (n - 1)) for y, n in counts.items()}
    t0 = time.perf_counter()
    c0 = time.process_time()
    df = build(tables, years)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    scale = sum(dyads[y] for y in all_years) / sum(dyads[y] for y in years)
    return {
        "rows": len(df),
        "years": len(years),
        "seconds": seconds,
        "seconds_all_years": seconds * scale,
        "cpu_seconds_all_years": cpu * scale,
        "estimated": every > 1,
        "peak_mb": peak_mb(),
        "max_abs_diff": diffs,
    }


def child(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--mode", mode, "--repeat", str(args.repeat)]
    cmd += ["--baseline-every", str(args.baseline_every)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["cold", "warm", "baseline"], default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-every", type=int, default=1)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    if args.mode == "cold":
        print(json.dumps(run_cold()))
        return
    if args.mode == "warm":
        print(json.dumps(run_warm(args.repeat)))
        return
    if args.mode == "baseline":
        print(json.dumps(run_baseline(args.baseline_every)))
        return

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; load average before the run: {load}"
    )
    cold = child("cold", args)
    print(
        f"cold (parse files + compute): {cold['seconds']:.2f} s wall, {cold['cpu_seconds']:.2f} s "
        f"CPU for {cold['rows']:,} rows x "
        f"{cold['columns']} columns; peak RSS {cold['peak_mb']:.0f} MiB "
        f"(imports {cold['import_seconds']:.2f} s, not counted)"
    )
    warm = child("warm", args)
    runs = ", ".join(f"{s:.2f}" for s in warm["all_seconds"])
    print(
        f"warm (tables in memory): best {warm['seconds']:.2f} s wall of [{runs}] s, "
        f"{warm['cpu_seconds']:.2f} s CPU; peak RSS {warm['peak_mb']:.0f} MiB"
    )
    if args.skip_baseline:
        return
    base = child("baseline", args)
    diffs = ", ".join(f"{k} {v:.1e}" for k, v in base["max_abs_diff"].items())
    print(f"check against the pandas version on {CHECK_YEARS}: max |diff| {diffs}")
    label = f"(estimated from every {args.baseline_every}-th year) " if base["estimated"] else ""
    print(
        f"pandas per-year merges: {base['seconds_all_years']:.1f} s wall, "
        f"{base['cpu_seconds_all_years']:.1f} s CPU for all years {label}"
        f"({base['years']} years run, {base['rows']:,} rows, {base['seconds']:.1f} s); "
        f"peak RSS {base['peak_mb']:.0f} MiB"
    )
    wall = base["seconds_all_years"] / warm["seconds"]
    cpu = base["cpu_seconds_all_years"] / warm["cpu_seconds"]
    print(f"speed-up (pandas / warm arrays): {wall:.0f}x wall time, {cpu:.0f}x CPU time")


if __name__ == "__main__":
    main()
