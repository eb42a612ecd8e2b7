"""One backtest from record files: load, validate, build inputs, run every model, score.

:func:`backtest_files` is what ``ncr backtest`` runs; the tutorial calls it too. It reads the
record files with the data layer's validating readers (:mod:`ncrealism.data.records`), builds
the model inputs for every year from the context file (outside shocks, test years included) and
the registered datasets, and backtests the theory-driven models (see :mod:`ncrealism.evaluation.
ncr`) next to the baselines of :mod:`ncrealism.evaluation.models` on the same years.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ncrealism.data.fetch import DataSource
from ncrealism.errors import InputError
from ncrealism.evaluation.engine import COUNT_COLUMNS, Backtest, Scheme, run_backtest
from ncrealism.evaluation.models import BaseRate, Model, Persistence, Uniform
from ncrealism.evaluation.negotiation import (
    NegotiationBacktest,
    NegotiationBaseRate,
    NegotiationModel,
    run_negotiation_backtest,
)
from ncrealism.evaluation.report import RunInfo

#: COW code of North Korea, the state the negotiation layer's record templates describe.
DPRK = 731

#: Event categories counted per year when an event record is given.
EVENT_COUNT_CATEGORIES: tuple[str, ...] = ("missile_test", "nuclear_development")

BASELINE_DESCRIPTIONS: dict[str, str] = {
    "persistence": "last training year's posture, held with the training persistence rate",
    "base rate": "training-year posture frequencies (Laplace-smoothed)",
    "uniform": "every posture equally likely",
}


@dataclass(frozen=True)
class BacktestRun:
    """A finished run: the posture backtest, the negotiation backtest (if a negotiation record
    was given), what the report needs to say about provenance, and the inputs frame the models
    read (one row per year; columns of :func:`ncrealism.decision.inputs.build_inputs`, or only
    ``year`` for a baselines-only run)."""

    backtest: Backtest
    negotiation: NegotiationBacktest | None
    info: RunInfo
    inputs: pl.DataFrame


def event_counts(events: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    """Per-year counts of the event record's categories in :data:`EVENT_COUNT_CATEGORIES`.

    Columns: ``year`` (Int64) and ``events_<category>`` (Int64, number of events that year).
    Years outside the event record's first-to-last year are null (not covered), not zero.
    """
    lo, hi = int(events["year"].min()), int(events["year"].max())  # type: ignore[arg-type]
    frame = pl.DataFrame({"year": list(years)}, schema={"year": pl.Int64})
    for cat in EVENT_COUNT_CATEGORIES:
        counts = (
            events.filter(pl.col("category") == cat)
            .group_by("year")
            .agg(pl.len().cast(pl.Int64).alias(f"events_{cat}"))
        )
        frame = frame.join(counts, on="year", how="left").with_columns(
            pl.when(pl.col("year").is_between(lo, hi))
            .then(pl.col(f"events_{cat}").fill_null(0))
            .otherwise(None)
            .alias(f"events_{cat}")
        )
    return frame


def backtest_files(
    record: Path,
    *,
    train: tuple[int, int],
    test: tuple[int, int],
    context: Path | None = None,
    negotiations: Path | None = None,
    events: Path | None = None,
    scheme: Scheme = "expanding",
    ccode: int = 731,
    profile: str = "DPRK",
    ablations: bool = True,
    seed: int = 0,
    source: DataSource | None = None,
    theory: bool = True,
    ex_ante_context: bool = False,
    command: str = "",
) -> BacktestRun:
    """Backtest the theory-driven models and the baselines on a record file.

    ``train``/``test`` are inclusive year spans. ``theory=False`` runs the baselines only (for
    a record of a state without a perception profile). ``ex_ante_context=True`` builds each
    year's inputs from the context events dated before that year only (by default the shocks of
    the year itself enter too). ``seed`` seeds any randomness of the calibration; the baselines
    use none.
    """
    from ncrealism.data.records import (
        read_context_events,
        read_event_record,
        read_negotiation_record,
        read_yearly_record,
    )

    source = source or DataSource.from_env()
    files: dict[str, Path] = {"record": Path(record)}
    yearly = read_yearly_record(record)
    test_years = list(range(test[0], test[1] + 1))
    counts: list[str] = [c for c in COUNT_COLUMNS if c in yearly.columns]
    if events is not None:
        files["events"] = Path(events)
        ev = read_event_record(events)
        extra = event_counts(ev, yearly["year"].to_list())
        yearly = yearly.join(extra, on="year", how="left")
        counts += [c for c in extra.columns if c != "year"]
    ctx = None
    if context is not None:
        files["context"] = Path(context)
        ctx = read_context_events(context)
    years = sorted({int(y) for y in yearly["year"].to_list() if y >= train[0]} | set(test_years))

    models: list[Model] = []
    descriptions: dict[str, str] = {}
    notes: list[str] = []
    settings: dict[str, object] = {"ccode": ccode, "profile": profile if theory else None}
    if theory:
        from ncrealism.evaluation.ncr import theory_models

        built = theory_models(
            ccode,
            years,
            profile=profile,
            context=ctx,
            source=source,
            seed=seed,
            ablations=ablations,
            ex_ante_context=ex_ante_context,
        )
        inputs = built.inputs
        models += built.models
        descriptions.update(built.descriptions)
        notes += built.notes
        settings.update(built.settings)
    else:
        inputs = pl.DataFrame({"year": years}, schema={"year": pl.Int64})
    baselines: list[Model] = [Persistence(), BaseRate(), Uniform()]
    models += baselines
    descriptions.update(BASELINE_DESCRIPTIONS)
    options = _options(theory, yearly)
    bt = run_backtest(
        models,
        inputs,
        yearly,
        options=options,
        train=train,
        test=test_years,
        scheme=scheme,
        counts=counts,
    )
    neg = None
    if negotiations is not None:
        files["negotiations"] = Path(negotiations)
        neg_models: list[NegotiationModel] = []
        if theory and ccode == DPRK:
            from ncrealism.evaluation.ncr import BargainingModel
            from ncrealism.negotiation.record_scoring import read_context

            neg_models.append(
                BargainingModel(
                    context=read_context(context) if context is not None else None,
                    source=source,
                )
            )
            descriptions["bargaining model"] = (
                "negotiation layer: the episode's model from information dated before its "
                "start (record template of its period), inputs drawn around their coded "
                "values; zone share, margin, Nash gains and (3+ parties) EUM distance mapped "
                "to P(agreement) by a Bayesian logit fitted on earlier episodes (prior at the "
                "base rate); days held by a Weibull model with the commitment model's "
                "expected days as covariate, fitted on earlier agreements"
            )
        elif theory:
            notes.append(
                "Negotiations: the bargaining model's record templates cover the DPRK's "
                "negotiations only; the base rate alone is scored for this state."
            )
        neg_models.append(NegotiationBaseRate())
        descriptions["base rate"] += (
            "; for negotiations, the share of earlier episodes that ended in agreement "
            "(Laplace-smoothed) and the median of a Weibull model of the days earlier "
            "agreements held (no covariate; those still holding censored)"
        )
        neg = run_negotiation_backtest(
            neg_models, read_negotiation_record(negotiations), where=str(negotiations)
        )
    info = RunInfo(
        command=command,
        seed=seed,
        files=files,
        source=source,
        settings=settings,
        descriptions=descriptions,
        notes=notes,
    )
    return BacktestRun(bt, neg, info, inputs)


def _options(theory: bool, yearly: pl.DataFrame) -> tuple[str, ...]:
    """The posture options: the decision layer's, else the record reader's."""
    from ncrealism.data.records import POSTURES

    options: tuple[str, ...] = POSTURES
    if theory:
        from ncrealism.evaluation.ncr import option_names

        options = option_names()
    unknown = sorted(set(yearly["dominant_posture"].to_list()) - set(options))
    if unknown:
        raise InputError(f"recorded postures {unknown} are not options {list(options)}")
    return options


def command_line(argv: Sequence[str]) -> str:
    """The command as typed, quoted for a shell (shown in the report)."""
    return " ".join(shlex.quote(a) for a in argv)
