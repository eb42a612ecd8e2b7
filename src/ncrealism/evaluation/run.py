"""One backtest from record files: load, validate, build inputs, run every model, score.

:func:`backtest_files` is what ``ncr backtest`` runs; the tutorial calls it too. It reads the
record files with the data layer's validating readers (:mod:`ncrealism.data.records`), builds
the model inputs of every year ex ante (data of the year before, context events dated before the
year starts; ``conditional=True`` adds the year's own shocks) with last year's event counts, and
backtests the dynamic models (:mod:`ncrealism.evaluation.dynamic`) next to the baselines of
:mod:`ncrealism.evaluation.models` on the same years, one and two years ahead, with a paired
bootstrap comparison (:mod:`ncrealism.evaluation.compare`).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ncrealism.data.fetch import DataSource
from ncrealism.errors import InputError
from ncrealism.evaluation.dynamic import DYNAMIC_NCR
from ncrealism.evaluation.engine import COUNT_COLUMNS, Backtest, Scheme, run_backtest
from ncrealism.evaluation.models import BaseRate, Model, Persistence, Uniform
from ncrealism.evaluation.negotiation import (
    NegotiationBacktest,
    NegotiationBaseRate,
    NegotiationModel,
    NegotiationPersistence,
    run_negotiation_backtest,
)
from ncrealism.evaluation.report import RunInfo

#: Forecast horizons of a backtest (years ahead).
HORIZONS: tuple[int, ...] = (1, 2)

#: COW code of North Korea, the state the negotiation layer's record templates describe.
DPRK = 731

#: Event categories counted per year when an event record is given.
EVENT_COUNT_CATEGORIES: tuple[str, ...] = ("missile_test", "nuclear_development")

BASELINE_DESCRIPTIONS: dict[str, str] = {
    "persistence": "last recorded posture, held with the training persistence rate (Laplace-"
    "smoothed, never 0 or 1); chained for two years ahead",
    "base rate": "training-year posture frequencies (Laplace-smoothed)",
    "uniform": "every posture equally likely",
}


@dataclass(frozen=True)
class BacktestRun:
    """A finished run: the posture backtest, the negotiation backtest (if a negotiation record
    was given), what the report needs to say about provenance, and the inputs frame the models
    read (one row per year; columns of :func:`ncrealism.decision.inputs.build_inputs` plus the
    ``lag_*`` event counts, or only ``year`` for a baselines-only run), the backtest of every
    horizon (years ahead -> :class:`Backtest`; ``backtest`` is the first), the paired bootstrap
    comparison of NCR with every other model, the baselines then the NCR variants such as
    ``NCR without inertia`` (:func:`ncrealism.evaluation.compare.paired_table`, every
    horizon), the NCR posterior fitted on every record year before the last test
    year (parameter table) and, with an event record, the quarterly count forecasts
    (:func:`ncrealism.evaluation.counts.count_backtest`; scores by
    :func:`~ncrealism.evaluation.counts.count_scores`)."""

    backtest: Backtest
    negotiation: NegotiationBacktest | None
    info: RunInfo
    inputs: pl.DataFrame
    horizons: dict[int, Backtest] = field(default_factory=dict)
    comparison: pl.DataFrame | None = None
    posterior: dict[str, object] = field(default_factory=dict)
    counts: pl.DataFrame | None = None


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
    conditional: bool = False,
    horizons: Sequence[int] = HORIZONS,
    static: bool = False,
    nmc_version: str | None = None,
    command: str = "",
) -> BacktestRun:
    """Backtest the dynamic NCR model and its baselines on a record file.

    ``train``/``test`` are inclusive year spans. Forecasts are *ex ante* by default: the inputs
    of year ``t`` read data of ``t - 1`` and the context events dated before 1 January of ``t``
    (:func:`ncrealism.evaluation.ncr.ex_ante_inputs`). ``conditional=True`` also reads the
    shocks dated during ``t`` (forecasts conditional on them; labelled so in every output).
    ``horizons``: years ahead (1 and 2 by default; the first is the main backtest).
    ``theory=False`` runs the baselines only (for a record of a state without a perception
    profile). ``static=True`` adds the static calibrated filter of earlier versions (slow).
    ``ablations``: add the dynamic model without its status-quo term (and, with ``static``,
    the static cluster ablations). ``seed`` seeds the posterior draws and the paired
    bootstrap. ``nmc_version``: COW NMC version of the capabilities (default: the inputs'
    default).
    """
    from ncrealism.data.records import (
        EVENT_CATEGORIES,
        read_context_events,
        read_event_record,
        read_negotiation_record,
        read_yearly_record,
    )
    from ncrealism.evaluation.compare import paired_table

    source = source or DataSource.from_env()
    files: dict[str, Path] = {"record": Path(record)}
    yearly = read_yearly_record(record)
    test_years = list(range(test[0], test[1] + 1))
    hs = sorted({int(h) for h in horizons})
    if not hs or hs[0] < 1:
        raise InputError(f"horizons must be positive whole years, got {list(horizons)}")
    if scheme == "fixed":
        hs = [1]  # one calibration, every test year forecast from the same origin
    counts: list[str] = [c for c in COUNT_COLUMNS if c in yearly.columns]
    ev = None
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
    label = "conditional" if conditional else "ex ante"
    settings: dict[str, object] = {
        "ccode": ccode,
        "profile": profile if theory else None,
        "forecast_type": label,
        "ex_ante_context": not conditional,
        "horizons": hs,
    }
    posterior: dict[str, object] = {}
    if theory:
        from ncrealism.evaluation.dynamic import lagged_event_counts
        from ncrealism.evaluation.ncr import ex_ante_inputs

        kw: dict[str, object] = {} if nmc_version is None else {"nmc_version": nmc_version}
        if conditional:
            from ncrealism.decision.inputs import build_inputs

            inputs = build_inputs(ccode, years, context=ctx, source=source, **kw)  # type: ignore[arg-type]
        else:
            inputs = ex_ante_inputs(ccode, years, context=ctx, source=source, **kw)  # type: ignore[arg-type]
        if ev is not None:
            lagged = lagged_event_counts(ev, years, EVENT_CATEGORIES)
            inputs = inputs.join(lagged, on="year", how="left")
            uncovered = lagged.filter(pl.any_horizontal(pl.exclude("year").is_null()))
            if uncovered.height:
                notes.append(
                    "Event record: no coverage of the year before "
                    f"{', '.join(map(str, uncovered['year'].to_list()))}; last year's acts read "
                    "as none there."
                )
        dyn = dynamic_models(ccode, profile, seed=seed, ablations=ablations)
        models += dyn.models
        descriptions.update(dyn.descriptions)
        notes += dyn.notes
        if static:
            from ncrealism.evaluation.ncr import theory_models

            built = theory_models(
                ccode,
                years,
                profile=profile,
                context=ctx,
                source=source,
                seed=seed,
                ablations=ablations,
                ex_ante_context=not conditional,
            )
            models += built.models
            descriptions.update(built.descriptions)
            settings["static_free_parameters"] = built.settings["free_parameters"]
    else:
        inputs = pl.DataFrame({"year": years}, schema={"year": pl.Int64})
    baselines: list[Model] = [Persistence(), BaseRate(), Uniform()]
    models += baselines
    descriptions.update(BASELINE_DESCRIPTIONS)
    notes.append(
        f"Forecast type: {label}. "
        + (
            "Conditional forecasts: each year's inputs include the context shocks dated during "
            "that year, some of which react to the year's own behaviour."
            if conditional
            else "Each year's inputs read the data of the year before and only the context "
            "events dated before 1 January of the year forecast."
        )
    )
    options = _options(theory, yearly)
    runs: dict[int, Backtest] = {}
    for h in hs:
        runs[h] = run_backtest(
            models,
            inputs,
            yearly,
            options=options,
            train=train,
            test=test_years,
            scheme=scheme,
            counts=counts,
            horizon=h,
        )
    bt = runs[hs[0]]
    # Every other model against NCR: the baselines first (their generators keep the stream
    # numbers they always had), then the NCR variants (ablations, the static filter).
    others = [m for m in bt.models if m != DYNAMIC_NCR]
    compared = [m for m in others if not m.startswith("NCR")] + [
        m for m in others if m.startswith("NCR")
    ]
    comparison = (
        pl.concat([paired_table(runs[h], DYNAMIC_NCR, compared, seed=seed) for h in hs])
        if theory
        else None
    )
    if theory:
        ncr = next(m for m in models if m.name == DYNAMIC_NCR)
        last = max(test_years) - 1
        fit_rec = yearly.filter((pl.col("year") >= train[0]) & (pl.col("year") <= last))
        fit = ncr.fit_record(inputs, fit_rec, options)  # type: ignore[attr-defined]
        from ncrealism.evaluation.dynamic import describe_fit

        posterior = {
            "model": DYNAMIC_NCR,
            "fit_years": [train[0], last],
            "n_obs": fit.n_obs,
            "parameters": describe_fit(fit),
        }
    count_fc = None
    if theory and ev is not None and scheme == "expanding":
        from ncrealism.evaluation.counts import count_backtest, quarterly_panel

        lo = min(int(ev["year"].min()), train[0] - 1)  # type: ignore[arg-type]
        panel = quarterly_panel(ev, list(range(lo, max(test_years) + 1)))
        ncr_fc = bt.predictions.filter(pl.col("model") == DYNAMIC_NCR)
        count_fc = count_backtest(
            panel, yearly, ncr_fc, options, train_start=train[0], test_years=test_years, seed=seed
        )
        notes.append(
            "Event counts: quarterly panel of the event record (missile tests, nuclear tests, "
            "provocations, talks), one quarter ahead; NCR's counts mix over the posture "
            "forecast of the year (ncrealism.evaluation.counts)."
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
                    seed=seed,
                    nmc_version=nmc_version,
                )
            )
            descriptions["bargaining model"] = (
                "negotiation layer: the episode's model from information dated before its "
                "start (record template of its period), inputs drawn around their coded "
                "values; the mean zone margin and the log number of parties mapped to "
                "P(agreement) by a Bayesian logit fitted on earlier episodes (prior at the "
                "base rate); days held by a Weibull model on the commitment index (the "
                "commitment model's expected days at a reference slack), fitted on earlier "
                "agreements with a prior centred on the commitment model whose strength their "
                "evidence chooses (ranked by its time ratio against an index of one year)"
            )
        elif theory:
            notes.append(
                "Negotiations: the bargaining model's record templates cover the DPRK's "
                "negotiations only; the base rate alone is scored for this state."
            )
        neg_models.append(NegotiationBaseRate())
        neg_models.append(NegotiationPersistence())
        descriptions.setdefault("persistence", "")
        descriptions["persistence"] += (
            ("; " if descriptions["persistence"] else "")
            + "for negotiations, the last episode's outcome, Laplace-smoothed as one "
            "observation ((y + 1)/3); no durability forecast"
        )
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
    return BacktestRun(bt, neg, info, inputs, runs, comparison, posterior, count_fc)


def dynamic_models(
    ccode: int, profile: str = "DPRK", *, seed: int = 0, ablations: bool = True
) -> DynamicModels:
    """The dynamic NCR model, its ablation, structural realism and the statistical reference."""
    from ncrealism.evaluation.dynamic import (
        NCR_NO_INERTIA,
        STATISTICAL,
        STRUCTURAL_DYNAMIC,
        SYSTEM_INPUTS,
        DynamicModel,
        StatisticalReference,
    )
    from ncrealism.evaluation.ncr import profile_prior
    from ncrealism.perception.filter import PerceptionFilter

    prior, about = profile_prior(profile)
    models: list[Model] = [
        DynamicModel(DYNAMIC_NCR, prior, seed=seed),
        DynamicModel(
            STRUCTURAL_DYNAMIC,
            PerceptionFilter.neutral(ccode=ccode),
            system=SYSTEM_INPUTS,
            seed=seed,
        ),
        StatisticalReference(),
    ]
    descriptions = {
        DYNAMIC_NCR: f"{about} read through the quantal-response utilities, plus the status quo "
        "(switching cost set by the institutions, cut by a leadership change), base "
        "propensities and last year's acts; Gaussian priors, MAP and Laplace posterior, "
        "forecasts averaged over posterior draws",
        STRUCTURAL_DYNAMIC: "the same dynamic model with the neutral filter (no intervening "
        f"variable) and free effects of the system inputs ({', '.join(SYSTEM_INPUTS)})",
        STATISTICAL: "regularised multinomial logit (scikit-learn, C = 1, standardised inputs) "
        "on the same system inputs, last year's posture and last year's acts; no theory",
    }
    if ablations:
        models.insert(1, DynamicModel(NCR_NO_INERTIA, prior, inertia=False, seed=seed))
        descriptions[NCR_NO_INERTIA] = "NCR (dynamic) without the status-quo term, refitted"
    notes = [
        "Dynamic models: ncrealism.decision.dynamic (conditional logit on the filter's "
        "quantal-response log-probabilities, the status quo and last year's acts; MAP by "
        f"Newton's method, Laplace posterior, seed {seed}).",
    ]
    return DynamicModels(models, descriptions, notes)


@dataclass(frozen=True)
class DynamicModels:
    """The dynamic models of a backtest with their descriptions and notes."""

    models: list[Model]
    descriptions: dict[str, str]
    notes: list[str]


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
