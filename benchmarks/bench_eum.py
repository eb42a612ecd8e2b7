"""Per-round time of the array EUM against the nested-loop baseline, and a check they agree.

Usage: ``uv run python benchmarks/bench_eum.py [--sizes 10 50 ...] [--loop-max 100]``

Input: the 10 EC car-emissions actors (read from the reference directory, as in the tests:
``$NCR_ANCHORS_DIR`` or ``<repo>/../shared/anchors/eum``) repeated to n actors, with no
position jitter by default. Copies then share positions exactly; the model skips pairs at the
same position, and exact ties are resolved identically by both versions, so their moves can
be compared exactly. A tiny jitter (``--jitter 1e-6`` shifts actor k by 1e-6·frac(k·0.618...))
does the opposite of what one might hope: two copies 1e-7 apart have expected utilities that
differ by less than rounding error, so each version's rounding decides who gives way and the
comparison fails for reasons that have nothing to do with the algorithm.

Numerical threads are limited to one. The loop baseline is O(n³) per round in Python, so it
runs only up to ``--loop-max`` actors and for ``--loop-rounds`` rounds.
"""

# Thread limits must be set before NumPy is imported, hence the late imports.
# ruff: noqa: E402
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from ncrealism.negotiation.eum import ActorTable, EUMOptions, iter_rounds, read_actors_csv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eum_loop_reference import loop_rounds

TARGETS_MS = {200: 20.0, 500: 500.0}
GOLDEN = 0.6180339887498949


def anchors_dir() -> Path:
    env = os.environ.get("NCR_ANCHORS_DIR")
    if env:
        base = Path(env)
        return base / "eum" if (base / "eum").is_dir() else base
    return Path(__file__).resolve().parents[1].parent / "shared" / "anchors" / "eum"


def actors(n: int, jitter: float) -> ActorTable:
    path = anchors_dir() / "ec_emissions_actors.csv"
    if not path.is_file():
        sys.exit(f"EC actors not found at {path}; set NCR_ANCHORS_DIR to the reference directory")
    ec = read_actors_csv(path)
    idx = np.arange(n) % ec.n
    shift = jitter * ((np.arange(n) * GOLDEN) % 1.0)
    return ActorTable.from_arrays(
        [f"{ec.names[i]}#{k // ec.n}" for k, i in enumerate(idx)],
        ec.capability[idx],
        ec.position[idx] + shift,
        ec.salience[idx],
    )


def time_array(
    table: ActorTable, opts: EUMOptions, rounds: int, repeat: int
) -> tuple[float, float]:
    """Best-of-``repeat`` wall and CPU seconds per round over rounds 1..``rounds``.

    On a shared machine the CPU time is the steadier figure (a process may get a fraction of a
    core, which stretches wall time but not CPU time)."""
    best, best_cpu = np.inf, np.inf
    for _ in range(repeat):
        gen = iter_rounds(table, opts, rounds=rounds)
        next(gen)  # round 0 (input)
        t0 = time.perf_counter()
        c0 = time.process_time()
        for _ in gen:
            pass
        best = min(best, (time.perf_counter() - t0) / rounds)
        best_cpu = min(best_cpu, (time.process_time() - c0) / rounds)
    return float(best), float(best_cpu)


def compare(table: ActorTable, opts: EUMOptions, rounds: int) -> tuple[float, float, bool, float]:
    """Run the loop baseline; return (max |Δx|, max |Δr|, same moves, loop seconds/round)."""
    t0 = time.perf_counter()
    loop = loop_rounds(
        table.capability.tolist(), table.position.tolist(), table.salience.tolist(), opts, rounds
    )
    loop_s = (time.perf_counter() - t0) / rounds
    arr = list(iter_rounds(table, opts, rounds=rounds))[1:]
    dx = max(
        float(np.max(np.abs(a.positions - np.array(b.positions))))
        for a, b in zip(arr, loop, strict=True)
    )
    dr = max(float(np.max(np.abs(a.r - np.array(b.r)))) for a, b in zip(arr, loop, strict=True))
    same = True
    for a, b in zip(arr, loop, strict=True):
        mine = [(o.actor_index, o.kind, o.counterpart_index) for o in a.offers]
        theirs = [(i, kind, j) for i, kind, j, *_ in b.offers]
        if mine != theirs:
            same = False
            continue
        for o, m in zip(a.offers, b.offers, strict=True):
            if max(abs(o.e_ij - m[3]), abs(o.e_ji - m[4]), abs(o.new_position - m[5])) > 1e-9:
                same = False
    return dx, dr, same, loop_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 100, 200, 500])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (array version)")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many timings")
    parser.add_argument("--loop-max", type=int, default=200, help="largest n for the loop")
    parser.add_argument("--loop-rounds", type=int, default=2, help="rounds for the loop")
    parser.add_argument("--jitter", type=float, default=0.0, help="position jitter scale")
    args = parser.parse_args()

    ok = True
    for label, opts in (("replication()", EUMOptions.replication()), ("paper", EUMOptions())):
        print(
            f"\nEUMOptions: {label}; array timed over {args.rounds} rounds (best of "
            f"{args.repeat}), loop over {args.loop_rounds} rounds, loop only for "
            f"n <= {args.loop_max}; position jitter {args.jitter:g}"
        )
        header = (
            f"{'n':>5} {'array ms/round':>15} {'CPU ms/round':>13} {'loop ms/round':>14} "
            f"{'loop/array':>11} "
            f"{'max|dx|':>9} {'max|dr|':>9} {'same moves':>10}"
        )
        print(header)
        print("-" * len(header))
        for n in args.sizes:
            table = actors(n, jitter=args.jitter)
            arr_s, arr_cpu = time_array(table, opts, args.rounds, args.repeat)
            if n <= args.loop_max:
                dx, dr, same, loop_s = compare(table, opts, args.loop_rounds)
                agree = same and dx <= 1e-9 and dr <= 1e-9
                ok &= agree
                print(
                    f"{n:>5} {arr_s * 1e3:>15.2f} {arr_cpu * 1e3:>13.2f} {loop_s * 1e3:>14.1f} "
                    f"{loop_s / arr_s:>11.0f} {dx:>9.1e} {dr:>9.1e} "
                    f"{'yes' if agree else 'NO':>10}"
                )
            else:
                print(
                    f"{n:>5} {arr_s * 1e3:>15.2f} {arr_cpu * 1e3:>13.2f} {'(not run)':>14} "
                    f"{'':>11} {'':>9} "
                    f"{'':>9} {'':>10}"
                )
            if n in TARGETS_MS:
                met = arr_cpu * 1e3 < TARGETS_MS[n]
                ok &= met
                print(
                    f"      target for n={n}: < {TARGETS_MS[n]:g} ms CPU per round: "
                    f"{'met' if met else 'MISSED'}"
                )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nload average after the run: {load}")
    print("all checks passed" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
