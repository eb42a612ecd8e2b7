"""How fast oversized plans are refused: a 4.1e9-variant grid and a 1e9-draw run.

Usage::

    NCR_DATA_MIRROR=../shared/data \\
        uv run --all-extras python benchmarks/bench_refusal.py [--repeat 5]

Each command runs as a user runs it, in a fresh process (``python -m ncrealism.cli.main`` ...),
so every time includes the interpreter's start and the imports. The baseline, in the same run,
is the cheapest command there is, ``ncr --help``: the difference between the two is the time
spent sizing the plan and refusing it. Both refusals must exit 2 naming the limit
(``--max-variants``, ``--max-draws``), and must take under 1 s in all.

1. ``ncr scenario run grid.toml``: the built-in ``dprk-baseline`` scenario with a
   ``[sweep.grid]`` of 6 parameters x 40 values = 40^6 = 4,096,000,000 variants (the plan's
   size is computed from the file; no variant is built).
2. ``ncr scenario run dprk-baseline --draws 1000000000`` (the default cap is 1e8 draws).

Best and median of ``--repeat`` runs; the machine's load average is printed with the results.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_PARAMS = (
    "threat_sensitivity",
    "self_reliance",
    "assurance_discount",
    "autonomy_value",
    "capitulation_aversion",
    "survival_priority",
)


def _grid_file(folder: Path) -> Path:
    """The built-in baseline scenario with a 6 x 40 grid in place of its uncertainty."""
    from ncrealism.scenario import loader

    base = (Path(loader.__file__).parent / "scenarios" / "dprk-baseline.toml").read_text(
        encoding="utf-8"
    )
    body = base[: base.index("[uncertainty]")] + base[base.index("[run]") :]
    rows = [f"{n} = [{', '.join(f'{0.3 + 0.01 * i:.2f}' for i in range(40))}]" for n in _PARAMS]
    path = folder / "grid.toml"
    path.write_text(body.replace("[run]", "[sweep.grid]\n" + "\n".join(rows) + "\n\n[run]"))
    return path


def _time(argv: list[str], expect: int, needle: str | None) -> float:
    cmd = [sys.executable, "-m", "ncrealism.cli.main", *argv]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if res.returncode != expect or (needle is not None and needle not in res.stderr):
        raise SystemExit(
            f"unexpected result of {' '.join(argv)}: exit {res.returncode}\n{res.stderr}"
        )
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        grid = _grid_file(folder)
        cases = [
            ("baseline: ncr --help", ["--help"], 0, None),
            (
                "4,096,000,000-variant grid",
                ["scenario", "run", str(grid), "--out", str(folder / "g.duckdb")],
                2,
                "--max-variants",
            ),
            (
                "--draws 1000000000",
                ["scenario", "run", "dprk-baseline", "--draws", "1000000000"],
                2,
                "--max-draws",
            ),
        ]
        times: dict[str, list[float]] = {label: [] for label, *_ in cases}
        for _ in range(args.repeat):  # interleaved, so that load changes hit every case alike
            for label, argv, expect, needle in cases:
                times[label].append(_time(argv, expect, needle))
    load = os.getloadavg()
    base = statistics.median(times[cases[0][0]])
    loads = " / ".join(f"{x:.1f}" for x in load)
    print(f"machine: {os.cpu_count()} CPUs, load average {loads} (1 / 5 / 15 min)")
    print(f"{'command':<30} {'best s':>8} {'median s':>9} {'minus baseline s':>17}  under 1 s")
    for label, *_ in cases:
        best, med = min(times[label]), statistics.median(times[label])
        extra = "" if label == cases[0][0] else f"{med - base:>17.3f}"
        ok = "" if label == cases[0][0] else ("yes" if med < 1.0 else "NO")
        print(f"{label:<30} {best:>8.3f} {med:>9.3f} {extra:>17}  {ok}")


if __name__ == "__main__":
    main()
