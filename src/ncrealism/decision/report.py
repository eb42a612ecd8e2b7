"""The calibration result table of ``docs/decision.md``, regenerated from the data.

The table in the documentation is produced by :func:`calibration_markdown` and nothing else:
``python -m ncrealism.decision.report HISTORY_DIR docs/decision.md`` rewrites the block
between the markers ``<!-- calibration-table:start -->`` and ``<!-- calibration-table:end -->``,
and a test checks that the block in the file equals a fresh computation.

The experiment: the DPRK (COW 731), inputs from :func:`~ncrealism.decision.inputs.build_inputs`
with the context events of the training record, the shipped DPRK profile as prior, calibration
on 1990-2004 (:data:`~ncrealism.decision.calibrate.DEFAULT_FREE`, Laplace uncertainty), scores
on 2005-2009.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from ncrealism.data.fetch import DataSource
from ncrealism.decision.calibrate import CalibrationResult, calibration_report
from ncrealism.perception.filter import spec

__all__ = ["END", "START", "calibration_markdown", "dprk_experiment", "replace_block"]

START = "<!-- calibration-table:start -->"
END = "<!-- calibration-table:end -->"
TRAIN = (1990, 2004)
TEST = (2005, 2009)
YEARLY = "dprk_yearly_1990_2009.csv"
CONTEXT = "context_events_1990_2009.csv"


def dprk_experiment(
    history_dir: Path | str, *, source: DataSource | None = None
) -> tuple[pl.DataFrame, CalibrationResult]:
    """Run the documented experiment on the record in ``history_dir``."""
    from ncrealism.data.records import read_context_events, read_yearly_record
    from ncrealism.decision.inputs import build_inputs
    from ncrealism.perception.profiles import filters_for

    h = Path(history_dir)
    rec = read_yearly_record(h / YEARLY)
    ctx = read_context_events(h / CONTEXT)
    inputs = build_inputs(731, (TRAIN[0], TEST[1]), context=ctx, source=source)
    return calibration_report(inputs, rec, TRAIN, TEST, filters_for("DPRK"))


def calibration_markdown(table: pl.DataFrame, res: CalibrationResult) -> str:
    """The documented block: the score table, the likelihood-ratio line and the estimates."""
    floor = spec("precision").lo
    at_floor = (
        ", its lower bound: every posture equally likely"
        if res.neutral_precision <= floor + 1e-4  # the bounded search's tolerance is 1e-5
        else ""
    )
    lines = [
        START,
        f"Calibrated on {TRAIN[0]}-{TRAIN[1]} ({len(res.train_years)} years), scored on "
        f"{TEST[0]}-{TEST[1]} of the training record.",
        "",
        "| filter | train log loss | test log loss | test accuracy | test Brier "
        "| n train | n test |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in table.iter_rows(named=True):
        lines.append(
            f"| {r['filter']} | {r['train_log_loss']:.3f} | {r['test_log_loss']:.3f} | "
            f"{r['test_accuracy']:.3f} | {r['test_brier']:.3f} | {r['n_train']} | "
            f"{r['n_test']} |"
        )
    lines += [
        "",
        f"Training log-likelihood: calibrated {res.loglik:.3f}, uncalibrated profile "
        f"{res.loglik_prior:.3f}, neutral with fitted precision ({res.neutral_precision:.3f}"
        f"{at_floor}) {res.loglik_neutral:.3f}. Likelihood ratio {res.lr_stat:.3f} on "
        f"{res.lr_df} df, p = {res.lr_pvalue:.3f} (approximate); AIC {res.aic:.2f} against "
        f"{res.aic_neutral:.2f} for the neutral filter.",
        "",
        "| parameter | cluster | prior | prior sd | estimate | std. error (shift) | 95% interval |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in res.estimates.iter_rows(named=True):
        given = r["se_note"] is None
        se = f"{r['std_error']:.3f}" if given else "n/a"
        ci = f"{r['ci_low']:.3f} to {r['ci_high']:.3f}" if given else "n/a"
        lines.append(
            f"| {r['param']} | {r['cluster']} | {r['prior_mean']:.3f} | {r['prior_sd']:.3f} | "
            f"{r['estimate']:.3f} | {se} | {ci} |"
        )
    if res.notes:
        lines += ["", *(f"Note: {n}." for n in res.notes)]
    lines.append(END)
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    """Replace the marked block of ``text`` with ``block`` (which carries the markers)."""
    if START not in text or END not in text:
        raise ValueError(f"markers {START} / {END} not found")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return head + block + tail


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        sys.stderr.write("usage: python -m ncrealism.decision.report HISTORY_DIR DOC.md\n")
        return 2
    table, res = dprk_experiment(args[0], source=DataSource.from_env())
    doc = Path(args[1])
    doc.write_text(
        replace_block(doc.read_text(encoding="utf-8"), calibration_markdown(table, res)),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
