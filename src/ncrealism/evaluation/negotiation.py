"""Negotiation backtest: will an episode end in agreement, and how long will the agreement hold?

For every episode of a negotiation record (schema of the shared history's
``negotiations_*.csv``), each model is calibrated on the episodes that had *ended before the
episode started*, and sees only what was known at the start:

* the episode's ex-ante columns (:data:`EX_ANTE_COLUMNS`: framework, phase, start date, place,
  parties, demands and offers), never its end date, outcome, agreement or durability;
* for earlier episodes, their outcomes, with durability censored at the start date: an agreement
  still holding then enters with ``held_days`` = days from its signature to the start date and
  ``held_censored = True`` (its later fate was not yet known).

Targets: ``outcome`` ``agreement`` counts 1, ``no agreement`` and ``collapsed`` 0, and ``partial``
counts ``partial_value`` (default 0.5, a convention: a partial outcome is half an agreement).
Scores per model:

* ``accuracy``: the call "agreement" when ``P > 0.5`` and "no agreement" when ``P < 0.5``; a
  call earns the target ``y`` if it says agreement and ``1 - y`` otherwise, and ``P = 0.5`` (a
  tie) earns half, averaged over episodes (:func:`ncrealism.scoring.binary_accuracy`, the
  package's one tie rule);
* ``brier``: binary Brier (1950) score ``mean (P - y)²`` in [0, 1]
  (:func:`ncrealism.scoring.binary_brier`);
* ``log_loss``: binary cross-entropy ``-mean[y ln P + (1 - y) ln(1 - P)]`` in nats, probabilities
  floored at ``1e-15`` (:func:`ncrealism.scoring.binary_log_loss`);
* ``durability_rho``/``durability_n``: Spearman's rho of forecast against observed ``held_days``
  over episodes with both (scipy; NaN when undefined).

:attr:`NegotiationBacktest.predictions` columns: ``model`` (Utf8), ``episode_id`` (Utf8),
``start_date`` (Date, first possible day), ``outcome`` (Utf8, recorded), ``agreed`` (Float64,
target y), ``p_agreement`` (Float64, forecast probability), ``held_days`` (Float64, observed days
an agreement held; null if none), ``predicted_held_days`` (Float64, days; null when the model
makes no durability forecast), ``n_history`` (Int64, earlier episodes the model was fitted on).

The naive yardstick is :class:`NegotiationBaseRate`. A theory-driven model plugs in through
the :class:`NegotiationModel` protocol.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import polars as pl

from ncrealism.data.dates import parse_date as parse_date  # re-exported for callers
from ncrealism.errors import InputError
from ncrealism.evaluation import metrics as M
from ncrealism.scoring import binary_accuracy, binary_brier, binary_log_loss

#: Columns a model may read about the episode it forecasts (known at its start).
EX_ANTE_COLUMNS: tuple[str, ...] = (
    "episode_id",
    "framework",
    "round_phase",
    "start_date",
    "location",
    "parties",
    "dprk_demands",
    "dprk_offers",
    "others_demands",
)

#: Recorded outcomes and the share of an agreement each counts for (``partial`` is set by the run).
OUTCOMES: tuple[str, ...] = ("agreement", "partial", "no agreement", "collapsed")


@runtime_checkable
class NegotiationForecaster(Protocol):
    """A fitted negotiation model."""

    def predict(self, episode: Mapping[str, Any]) -> tuple[float, float | None]:
        """Forecast ``(P(agreement), expected held days or None)`` from ex-ante columns."""
        ...


@runtime_checkable
class NegotiationModel(Protocol):
    """Calibrated on earlier episodes (outcomes known, durability censored at the start)."""

    @property
    def name(self) -> str:
        """The model's name in tables and figures (unique within a backtest)."""
        ...

    def fit(self, history: pl.DataFrame) -> NegotiationForecaster:
        """``history``: earlier episodes with ``agreed``, ``held_days``, ``held_censored``."""
        ...


@dataclass(frozen=True)
class _Const:
    p: float
    days: float | None

    def predict(self, episode: Mapping[str, Any]) -> tuple[float, float | None]:
        return self.p, self.days


@dataclass(frozen=True)
class NegotiationBaseRate:
    """Share of earlier episodes that ended in agreement (Laplace-smoothed,
    ``(Σ y + 1)/(n + 2)``) and the median ``held_days`` of earlier agreements (censored values
    count at their lower bound, so the median is biased low while agreements are still holding).
    """

    name: str = "base rate"

    def fit(self, history: pl.DataFrame) -> NegotiationForecaster:
        y = history["agreed"].to_numpy() if history.height else np.zeros(0)
        p = (float(y.sum()) + 1.0) / (len(y) + 2.0)
        held = history["held_days"].drop_nulls().to_numpy() if history.height else np.zeros(0)
        days = float(np.median(held)) if len(held) else None
        return _Const(p, days)


def _prepare(record: pl.DataFrame, partial_value: float, where: str) -> pl.DataFrame:
    need = ("episode_id", "start_date", "end_date", "outcome")
    for c in need:
        if c not in record.columns:
            raise InputError(f"{where}: required column '{c}' is absent (found {record.columns})")
    if not 0.0 <= partial_value <= 1.0:
        raise InputError(f"partial_value must be in [0, 1], got {partial_value}")
    ids = record["episode_id"].cast(pl.Utf8)
    if ids.is_duplicated().any():
        raise InputError(f"{where}: episode '{ids.filter(ids.is_duplicated())[0]}' appears twice")
    value = {"agreement": 1.0, "partial": partial_value, "no agreement": 0.0, "collapsed": 0.0}

    def column(name: str) -> list[Any]:
        return record[name].to_list() if name in record.columns else [None] * record.height

    starts, ends, signed, until, agreed, held = [], [], [], [], [], []
    for i, (eid, o, a, b, c, d, h) in enumerate(
        zip(
            ids,
            column("outcome"),
            column("start_date"),
            column("end_date"),
            column("agreement_date"),
            column("held_until"),
            column("held_days"),
            strict=True,
        )
    ):
        label = f"{where}, episode {eid} (item {i + 1})"
        outcome = str(o).strip() if o is not None else ""
        if outcome not in value:
            raise InputError(f"{label}: unknown outcome '{outcome}'; expected one of {OUTCOMES}")
        start = parse_date(a, where=f"{label}, field 'start_date'")
        if start is None:
            raise InputError(f"{label}: 'start_date' is empty")
        starts.append(start)
        ends.append(parse_date(b, last=True, where=f"{label}, field 'end_date'") or start)
        signed.append(parse_date(c, where=f"{label}, field 'agreement_date'"))
        until.append(parse_date(d, where=f"{label}, field 'held_until'"))
        agreed.append(value[outcome])
        held.append(None if h is None or str(h).strip() == "" else float(h))
    keep = [c for c in EX_ANTE_COLUMNS if c in record.columns and c != "episode_id"]
    return (
        record.select(keep)
        .with_columns(
            episode_id=ids,
            start=pl.Series(starts, dtype=pl.Date),
            end=pl.Series(ends, dtype=pl.Date),
            outcome=record["outcome"].cast(pl.Utf8).str.strip_chars(),
            agreed=pl.Series(agreed, dtype=pl.Float64),
            agreement_date=pl.Series(signed, dtype=pl.Date),
            held_until=pl.Series(until, dtype=pl.Date),
            held_days=pl.Series(held, dtype=pl.Float64),
        )
        .sort("start", "episode_id")
    )


def _history(prepared: pl.DataFrame, start: dt.date) -> pl.DataFrame:
    """Episodes that ended before ``start``, durability censored at ``start``.

    Columns: the ex-ante columns, ``outcome`` (Utf8), ``agreed`` (Float64, target),
    ``held_days`` (Float64, days held as known at ``start``; null without an agreement) and
    ``held_censored`` (Boolean, the agreement was still holding at ``start``).
    """
    known = (pl.lit(start, dtype=pl.Date) - pl.col("agreement_date")).dt.total_days()
    censored = (
        pl.col("agreement_date").is_not_null()
        & pl.col("held_days").is_not_null()
        & (
            pl.col("held_until").is_null()
            | (pl.col("held_until") >= pl.lit(start, dtype=pl.Date))
            | (pl.col("held_days") > known)
        )
    )
    keep = [c for c in EX_ANTE_COLUMNS if c in prepared.columns]
    return (
        prepared.filter(pl.col("end") < pl.lit(start, dtype=pl.Date))
        .with_columns(
            held_censored=censored.fill_null(False),
            held_days=pl.when(censored)
            .then(pl.min_horizontal(pl.col("held_days"), known.cast(pl.Float64)))
            .otherwise(pl.col("held_days")),
        )
        .select(*keep, "outcome", "agreed", "held_days", "held_censored")
    )


@dataclass(frozen=True)
class NegotiationBacktest:
    """Forecasts for every episode (columns in the module docstring) and their scores."""

    predictions: pl.DataFrame
    models: tuple[str, ...]
    partial_value: float

    def settings(self) -> dict[str, Any]:
        return {"models": list(self.models), "partial_value": self.partial_value}

    def scores(self) -> pl.DataFrame:
        """One row per model.

        Columns: ``model`` (Utf8), ``n_episodes`` (Int64), ``accuracy`` (Float64, share),
        ``brier`` (Float64, [0, 1]), ``log_loss`` (Float64, nats), ``durability_rho``
        (Float64, Spearman), ``durability_p`` (Float64, two-sided), ``durability_n`` (Int64).
        """
        out = []
        for m in self.models:
            d = self.predictions.filter(pl.col("model") == m)
            p = d["p_agreement"].to_numpy()
            y = d["agreed"].to_numpy()
            acc = binary_accuracy(p, y)
            brier = binary_brier(p, y)
            ll = binary_log_loss(p, y)
            both = d.filter(
                pl.col("held_days").is_not_null() & pl.col("predicted_held_days").is_not_null()
            )
            rc = M.spearman(both["predicted_held_days"].to_numpy(), both["held_days"].to_numpy())
            out.append(
                {
                    "model": m,
                    "n_episodes": d.height,
                    "accuracy": acc,
                    "brier": brier,
                    "log_loss": ll,
                    "durability_rho": rc.rho,
                    "durability_p": rc.p_value,
                    "durability_n": rc.n,
                }
            )
        return pl.DataFrame(
            out,
            schema={
                "model": pl.Utf8,
                "n_episodes": pl.Int64,
                "accuracy": pl.Float64,
                "brier": pl.Float64,
                "log_loss": pl.Float64,
                "durability_rho": pl.Float64,
                "durability_p": pl.Float64,
                "durability_n": pl.Int64,
            },
        )

    def report_blocks(self) -> list[str | pl.DataFrame]:
        """Paragraphs and tables for the report's negotiation section."""
        return [
            "Each episode is forecast by models calibrated on the episodes that had ended before "
            "it started, with durability censored at its start date. Agreement target: "
            f"agreement 1, partial {self.partial_value:g}, no agreement or collapse 0. Brier is "
            "binary ([0, 1]); log loss in nats (a forecast of exactly 0 or 1 that misses costs "
            f"ln(1/{M.LOG_LOSS_EPS:g}) = {-math.log(M.LOG_LOSS_EPS):.1f} nats, so a deterministic "
            "model's log loss mostly counts its misses); durability_rho is Spearman's rho of "
            "forecast against observed days an agreement held.",
            self.scores(),
            self.predictions.select(
                "model",
                "episode_id",
                "start_date",
                "outcome",
                "p_agreement",
                "held_days",
                "predicted_held_days",
                "n_history",
            ),
        ]


def run_negotiation_backtest(
    models: Sequence[NegotiationModel],
    record: pl.DataFrame,
    *,
    partial_value: float = 0.5,
    first_year: int | None = None,
    where: str = "negotiation record",
) -> NegotiationBacktest:
    """Forecast every episode (from ``first_year`` on, if given) from what was known at its start.

    ``record`` has the columns of the shared history's negotiation file (dates as text or
    ``Date``); ``where`` names it in error messages.
    """
    if not models:
        raise InputError("no negotiation models to backtest")
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise InputError(f"negotiation model names must be unique, got {names}")
    prepared = _prepare(record, partial_value, where)
    rows = []
    for r in prepared.iter_rows(named=True):
        start: dt.date = r["start"]
        if first_year is not None and start.year < first_year:
            continue
        history = _history(prepared, start)
        episode = {c: r[c] for c in EX_ANTE_COLUMNS if c in r}
        for model in models:
            p, days = model.fit(history).predict(episode)
            if not (isinstance(p, float | int) and 0.0 <= float(p) <= 1.0):
                raise InputError(f"model '{model.name}' gave P(agreement) = {p} for {episode}")
            if days is not None and not (math.isfinite(days) and days >= 0):
                raise InputError(f"model '{model.name}' gave held days {days}")
            rows.append(
                {
                    "model": model.name,
                    "episode_id": r["episode_id"],
                    "start_date": start,
                    "outcome": r["outcome"],
                    "agreed": r["agreed"],
                    "p_agreement": float(p),
                    "held_days": r["held_days"],
                    "predicted_held_days": None if days is None else float(days),
                    "n_history": history.height,
                }
            )
    if not rows:
        raise InputError(f"{where}: no episode to forecast")
    predictions = pl.DataFrame(
        rows,
        schema={
            "model": pl.Utf8,
            "episode_id": pl.Utf8,
            "start_date": pl.Date,
            "outcome": pl.Utf8,
            "agreed": pl.Float64,
            "p_agreement": pl.Float64,
            "held_days": pl.Float64,
            "predicted_held_days": pl.Float64,
            "n_history": pl.Int64,
        },
    )
    return NegotiationBacktest(predictions, tuple(names), partial_value)
