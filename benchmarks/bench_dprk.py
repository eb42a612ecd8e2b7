"""The main command, cold then warm: ``ncr dprk --history ../shared/history --out ncr-report``.

Usage::

    NCR_DATA_MIRROR=../shared/data uv run python benchmarks/bench_dprk.py [--history DIR]

Runs the README's main command twice as a user would, each in a fresh process (``ncr`` on
the command line, so imports count), with one fresh derived-data cache (``NCR_CACHE_DIR`` in
a temporary folder; the data files come from the mirror both times):

1. cold: an empty derived-data cache, so everything is computed;
2. warm: the same command again, which finds the report of the first run in the cache
   (:mod:`ncrealism.data.derived`, keyed by the sha256 of the record files, the options, the
   data registry and the package's source).

Prints both wall-clock times, the ratio (target: warm at least 3x faster than cold) and
checks that the two runs wrote byte-identical ``summary.json`` and ``report.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _ncr() -> list[str]:
    exe = shutil.which("ncr")
    return [exe] if exe else [sys.executable, "-m", "ncrealism.cli.main"]


def _run(history: Path, out: Path, env: dict[str, str]) -> float:
    cmd = [*_ncr(), "-q", "dprk", "--history", str(history), "--out", str(out)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    return elapsed


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=Path, default=REPO.parent / "shared" / "history")
    args = parser.parse_args()
    if not os.environ.get("NCR_DATA_MIRROR"):
        sys.exit("set NCR_DATA_MIRROR to the data mirror (e.g. ../shared/data)")
    with tempfile.TemporaryDirectory(prefix="bench-dprk-") as tmp:
        env = dict(os.environ, NCR_CACHE_DIR=str(Path(tmp) / "cache"))
        env.pop("NCR_NO_CACHE", None)
        cold_out, warm_out = Path(tmp) / "cold", Path(tmp) / "warm"
        cold = _run(args.history, cold_out, env)
        warm = _run(args.history, warm_out, env)
        same = all(
            _digest(cold_out / name) == _digest(warm_out / name)
            for name in ("summary.json", "report.md")
        )
    print("ncr dprk --history ../shared/history --out ncr-report, each in a fresh process")
    print(f"  cold (empty derived-data cache): {cold:6.1f} s")
    print(f"  warm (second run, same inputs):  {warm:6.1f} s")
    print(f"  warm is {cold / warm:.1f}x faster (target: >= 3x)")
    print(f"  summary.json and report.md identical: {'yes' if same else 'NO'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
