"""Benchmark: the full COW directed dyad-year frame, 1816-2016, with every dyadic measure.

Builds :func:`ncrealism.system.threat.dyad_threat_frame` (NMC v6.0, 1,912,350 rows: relative
power, capital distance, Bueno de Mesquita's distance-discounted power, contiguity, alliance
flags, the S-score unweighted and weighted, and the balance-of-threat index) and compares it,
in the same run, with the best plain alternative: the same frame built by a competent
vectorised pandas pipeline (``_pandas_dyads_competent.py``: whole-frame merges, column
arithmetic, S-scores by dense BLAS products per year, no N³ merge). Every measurement runs with
one BLAS thread.

Each measurement runs in a fresh Python process so that its peak memory (maximum resident set
size) is its own:

* ``cold``: everything from the verified data files (mirror or cache): parsing the files,
  recomputing CINC, building the year × state arrays, computing the frame;
* ``warm``: the input tables already parsed in memory (as in a session that has read them
  once); CINC, the arrays and the frame are recomputed; best of ``--repeat`` runs;
* ``pandas``: the competent pandas pipeline from the same parsed tables (parsing and the
  conversion to pandas untimed, CINC given), best of ``--repeat`` runs.

The speed-up is pandas / warm (both start from parsed tables), in wall and in CPU time: on a
shared machine the CPU-time ratio is the steadier of the two. Before timing, the pandas frame
and the library's are compared on every row (max absolute difference per column).

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
VERSION = "6.0"
BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
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
    df = dyad_threat_frame(YEARS, version=VERSION)
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
    df = dyad_threat_frame(YEARS, version=VERSION, source=source)
    rows = df.height
    del df
    times, cpu = [], []
    for _ in range(repeat):
        clear_derived(source)
        t0 = time.perf_counter()
        c0 = time.process_time()
        df = dyad_threat_frame(YEARS, version=VERSION, source=source)
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
    from _pandas_dyads_competent import Tables

    from ncrealism.data.alliances import alliance_dyad_years
    from ncrealism.data.contiguity import load_contiguity_directed
    from ncrealism.data.distance import load_capdist_cow
    from ncrealism.data.nuclear import load_nuclear_status
    from ncrealism.data.unga import load_ideal_points
    from ncrealism.system.capabilities import capabilities

    caps = capabilities(VERSION).select("ccode", "year", "cinc", "milex", "milper")
    caps = caps.filter(pl.col("year").is_between(*YEARS))
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
        contiguity=load_contiguity_directed()
        .select("ccode1", "ccode2", "year", "conttype")
        .to_pandas(),
        capdist=load_capdist_cow()
        .select("ccode1", "ccode2", pl.col("midist").cast(pl.Float64).alias("miles"))
        .to_pandas(),
        nuclear=load_nuclear_status()
        .select("ccode", "year", pl.col("nuclear_possession").cast(pl.Float64).alias("nuclear"))
        .to_pandas(),
        ideal=ideal.to_pandas(),
        ideal_range=float(ip.max()) - float(ip.min()),  # type: ignore[arg-type]
    )


def check(base: Any) -> dict[str, float]:
    """Max absolute difference, per column, between the pandas frame and the library's."""
    import numpy as np
    import polars as pl

    from ncrealism.system.threat import dyad_threat_frame

    keys = ["ccode1", "ccode2", "year"]
    fast = dyad_threat_frame(YEARS, version=VERSION)
    pdf = pl.from_pandas(base[keys + list(COMPARED)])
    if pdf.height != fast.height:
        raise SystemExit(f"row counts differ: pandas {pdf.height}, ncrealism {fast.height}")
    if not pdf.select(keys).equals(fast.select(keys)):
        raise SystemExit("the two frames list different dyad-years (or in another order)")
    out = {}
    for c in COMPARED:
        a = fast[c].cast(pl.Float64).fill_null(np.nan).to_numpy()
        b = pdf[c].cast(pl.Float64).fill_null(np.nan).to_numpy()
        if (np.isnan(a) != np.isnan(b)).any():
            raise SystemExit(f"missing values differ in column {c}")
        both = ~np.isnan(a)
        out[c] = float(np.max(np.abs(a[both] - b[both]))) if both.any() else 0.0
    return out


def run_pandas(repeat: int) -> dict[str, Any]:
    from _pandas_dyads_competent import build

    tables = pandas_tables()
    df = build(tables)
    diffs = check(df)
    rows = len(df)
    del df
    times, cpu = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        c0 = time.process_time()
        df = build(tables)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        del df
    return {
        "rows": rows,
        "seconds": min(times),
        "all_seconds": times,
        "cpu_seconds": min(cpu),
        "peak_mb": peak_mb(),
        "max_abs_diff": diffs,
    }


def child(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--mode", mode, "--repeat", str(args.repeat)]
    # one BLAS thread: the pandas pipeline's matrix products would otherwise spin threads on a
    # shared machine, and the library's frame uses none
    env = {**os.environ, **{v: "1" for v in BLAS_THREADS}}
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["cold", "warm", "pandas"], default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    if args.mode == "cold":
        print(json.dumps(run_cold()))
        return
    if args.mode == "warm":
        print(json.dumps(run_warm(args.repeat)))
        return
    if args.mode == "pandas":
        print(json.dumps(run_pandas(args.repeat)))
        return

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; NMC v{VERSION}, {YEARS[0]}-{YEARS[1]}; "
        f"load average before the run: {load}"
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
    base = child("pandas", args)
    diffs = ", ".join(f"{k} {v:.1e}" for k, v in base["max_abs_diff"].items())
    print(f"check, competent pandas vs ncrealism, all {base['rows']:,} rows: max |diff| {diffs}")
    runs = ", ".join(f"{s:.2f}" for s in base["all_seconds"])
    print(
        f"competent pandas (whole-frame merges, BLAS S-scores): best {base['seconds']:.2f} s "
        f"wall of [{runs}] s, {base['cpu_seconds']:.2f} s CPU; peak RSS {base['peak_mb']:.0f} MiB"
    )
    wall = base["seconds"] / warm["seconds"]
    cpu = base["cpu_seconds"] / warm["cpu_seconds"]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"speed-up (competent pandas / ncrealism warm): {wall:.1f}x wall time, {cpu:.1f}x CPU "
        f"time; load average after the run: {load}"
    )


if __name__ == "__main__":
    main()
