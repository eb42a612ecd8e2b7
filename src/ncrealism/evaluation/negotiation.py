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
* ``durability_rho``/``durability_n``: Spearman's rho of the durability forecast's rank against
  observed ``held_days`` over episodes with both whose agreement had broken down when the record
  was coded (an agreement still holding, ``held_censored``, enters only the censored log score;
  scipy; NaN when undefined). The rank is the
  forecast's **time ratio** (``durability_ratio``): how much longer (> 1) or shorter an
  agreement is expected to hold than one whose commitment index is one year, a reference fixed
  across origins (:meth:`ncrealism.negotiation.forecast.WeibullFit.time_ratio`). A model without
  a covariate gives every episode ratio 1 and has no rank (NaN); a model that gives no ratio
  (only the protocol's days) is ranked by its days. Forecasts made at different
  origins rest on different baselines (each origin refits the baseline on more, and
  longer-observed, agreements), so ranking their medians mixes the drift of the baseline with
  what the model says about the agreement; ``durability_rho_days`` is that rank correlation of
  the forecast median days, reported beside it.

:attr:`NegotiationBacktest.predictions` columns: ``model`` (Utf8), ``episode_id`` (Utf8),
``start_date`` (Date, first possible day), ``outcome`` (Utf8, recorded), ``agreed`` (Float64, target
y), ``p_agreement`` (Float64, forecast probability), ``p_low``/``p_high`` (Float64, its 90%
interval; null if the model gives none), ``held_days`` (Float64, observed days an agreement held;
null if none), ``held_censored`` (Boolean, the agreement was still holding when the record was
coded: no ``held_until``), ``predicted_held_days`` (Float64, median days; null when the model makes
no durability forecast), ``durability_ratio`` (Float64, the forecast's time ratio against an
index of one year, 1 without a covariate), ``durability_log_score`` (Float64, nats),
``n_history`` (Int64, earlier episodes the model was fitted on), ``note`` (Utf8). The naive
yardsticks are :class:`NegotiationBaseRate` and :class:`NegotiationPersistence`. A
theory-driven model plugs in through the :class:`NegotiationModel` protocol.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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


def probability_text(p: float | None, digits: int = 3) -> str:
    """A probability for a table: ``digits`` decimals, but never a rounded 0 or 1.

    A forecast is never exactly 0 or 1; below ``10^-digits`` it reads ``<0.001`` (for 3
    digits) and above ``1 − 10^-digits`` ``>0.999``, so rounding cannot make it look certain.
    ``None`` or NaN reads ``—``.
    """
    if p is None or not math.isfinite(p):
        return "—"
    tick = 10.0**-digits
    if p < tick:
        return f"<{tick:.{digits}f}"
    if p > 1.0 - tick:
        return f">{1.0 - tick:.{digits}f}"
    return f"{p:.{digits}f}"


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
    durability: Any

    def predict(self, episode: Mapping[str, Any]) -> tuple[float, float | None]:
        return self.p, self.durability.median_days(0.0)

    def detail(self, episode: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "durability": self.durability,
            "durability_covariate": 0.0,
            "durability_ratio": 1.0,
        }


def durations(history: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Days held and censoring flags of the earlier agreements in ``history``."""
    if not history.height:
        return np.zeros(0), np.zeros(0, dtype=bool)
    held = history.filter(pl.col("held_days").is_not_null())
    return (
        held["held_days"].to_numpy().astype(float),
        held["held_censored"].fill_null(False).to_numpy().astype(bool),
    )


@dataclass(frozen=True)
class NegotiationBaseRate:
    """Share of earlier episodes that ended in agreement (Laplace-smoothed,
    ``(Σ y + 1)/(n + 2)``) and, for durability, the Weibull model of the negotiation layer
    (:func:`ncrealism.negotiation.forecast.fit_weibull`) without covariate, fitted on earlier
    agreements with those still holding censored: its median is the forecast.
    """

    name: str = "base rate"

    def fit(self, history: pl.DataFrame) -> NegotiationForecaster:
        from ncrealism.negotiation.forecast import fit_weibull

        y = history["agreed"].to_numpy() if history.height else np.zeros(0)
        p = (float(y.sum()) + 1.0) / (len(y) + 2.0)
        days, cens = durations(history)
        return _Const(p, fit_weibull(days, cens))


@dataclass(frozen=True)
class _Last:
    p: float

    def predict(self, episode: Mapping[str, Any]) -> tuple[float, float | None]:
        return self.p, None


@dataclass(frozen=True)
class NegotiationPersistence:
    """The last episode's outcome carries over: ``(y_last + 1)/3``, the Laplace-smoothed share
    of agreement in the latest episode that ended before the start (the one with the latest
    start among them), ½ without one, so 2/3 after an agreement, ½ after a partial outcome,
    1/3 after a failure. No durability forecast.
    """

    name: str = "persistence"

    def fit(self, history: pl.DataFrame) -> NegotiationForecaster:
        if not history.height:
            return _Last(0.5)
        return _Last((float(history["agreed"][-1]) + 1.0) / 3.0)


def prepare_record(record: pl.DataFrame, partial_value: float, where: str) -> pl.DataFrame:
    """The record typed and sorted by start: ``start``, ``end`` (Date), ``agreed`` (target),
    ``agreement_date``, ``held_until`` (Date), ``held_days`` (Float64), ex-ante columns."""
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


def history_before(prepared: pl.DataFrame, start: dt.date) -> pl.DataFrame:
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
        (Float64, Spearman, of the time ratio), ``durability_p`` (Float64, two-sided),
        ``durability_n`` (Int64), ``durability_rho_days`` (Float64, Spearman, of the median
        days), ``durability_nll`` (Float64, nats per agreement).
        """
        out = []
        for m in self.models:
            d = self.predictions.filter(pl.col("model") == m)
            p = d["p_agreement"].to_numpy()
            y = d["agreed"].to_numpy()
            acc = binary_accuracy(p, y)
            brier = binary_brier(p, y)
            ll = binary_log_loss(p, y)
            # Agreements still holding when the record was coded have no breakdown to rank:
            # they enter the censored log score only.
            held = d.filter(pl.col("held_days").is_not_null() & ~pl.col("held_censored"))
            both = held.filter(pl.col("predicted_held_days").is_not_null())
            rc_days = M.spearman(
                both["predicted_held_days"].to_numpy(), both["held_days"].to_numpy()
            )
            # A model that gives no time ratio (only the protocol's days) is ranked by its days.
            ranked = held.with_columns(
                rank=pl.coalesce("durability_ratio", "predicted_held_days")
            ).filter(pl.col("rank").is_not_null())
            rc = M.spearman(ranked["rank"].to_numpy(), ranked["held_days"].to_numpy())
            ls = d["durability_log_score"].drop_nulls().to_numpy()
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
                    "durability_rho_days": rc_days.rho,
                    "durability_nll": float(-np.mean(ls)) if len(ls) else math.nan,
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
                "durability_rho_days": pl.Float64,
                "durability_nll": pl.Float64,
            },
        )

    def reliability(self, bins: int = 5) -> pl.DataFrame:
        """Reliability of P(agreement): per model and probability bin of width ``1/bins``.

        Columns: ``model`` (Utf8), ``bin`` (Utf8, ``[lo, hi)``), ``n`` (Int64, episodes),
        ``mean_p`` (Float64, mean forecast), ``observed`` (Float64, mean target).
        """
        rows = []
        for m in self.models:
            d = self.predictions.filter(pl.col("model") == m)
            p = d["p_agreement"].to_numpy()
            y = d["agreed"].to_numpy()
            idx = np.minimum((p * bins).astype(int), bins - 1)
            for b in range(bins):
                sel = idx == b
                if not sel.any():
                    continue
                rows.append(
                    {
                        "model": m,
                        "bin": f"[{b / bins:.1f}, {(b + 1) / bins:.1f})",
                        "n": int(sel.sum()),
                        "mean_p": float(p[sel].mean()),
                        "observed": float(y[sel].mean()),
                    }
                )
        return pl.DataFrame(
            rows,
            schema={
                "model": pl.Utf8,
                "bin": pl.Utf8,
                "n": pl.Int64,
                "mean_p": pl.Float64,
                "observed": pl.Float64,
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
            "the forecast's time ratio (how much longer or shorter than an agreement whose "
            "commitment index is one year the model expects it to hold, a reference fixed "
            "across origins; 1 for a model without covariate, which then has no rank) against "
            "observed days an agreement "
            "held; durability_rho_days the same for the forecast median days, whose baseline "
            "each origin refits.",
            self.scores(),
            "Reliability of P(agreement): episodes per forecast bin, mean forecast and observed "
            "share of agreement (partial counted as above).",
            self.reliability(),
            "Per episode: p_low/p_high the 90% interval of P(agreement) (probabilities below "
            "0.001 or above 0.999 read <0.001 and >0.999: none is exactly 0 or 1); "
            "durability_ratio the forecast's time ratio; durability_log_score the censored "
            "log-likelihood of the recorded days held (nats, higher is better; durability_nll "
            "in the scores is its negative mean over agreements).",
            self.predictions.with_columns(
                pl.col(c).map_elements(probability_text, return_dtype=pl.Utf8)
                for c in ("p_agreement", "p_low", "p_high")
            ).select(
                "model",
                "episode_id",
                "start_date",
                "outcome",
                "p_agreement",
                "p_low",
                "p_high",
                "held_days",
                "predicted_held_days",
                "durability_ratio",
                "durability_log_score",
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
    prepared = prepare_record(record, partial_value, where)
    rows = []
    for r in prepared.iter_rows(named=True):
        start: dt.date = r["start"]
        if first_year is not None and start.year < first_year:
            continue
        history = history_before(prepared, start)
        episode = {c: r[c] for c in EX_ANTE_COLUMNS if c in r}
        # Coded with days held but no end: still holding when the record was coded.
        still_holding = r["held_days"] is not None and r["held_until"] is None
        for model in models:
            fitted = model.fit(history)
            p, days = fitted.predict(episode)
            if not (isinstance(p, float | int) and 0.0 <= float(p) <= 1.0):
                raise InputError(f"model '{model.name}' gave P(agreement) = {p} for {episode}")
            if days is not None and not (math.isfinite(days) and days >= 0):
                raise InputError(f"model '{model.name}' gave held days {days}")
            detail = getattr(fitted, "detail", None)
            info: dict[str, Any] = detail(episode) if callable(detail) else {}
            score = None
            surv = info.get("durability")
            if surv is not None and r["held_days"] is not None:
                score = surv.log_score(
                    float(r["held_days"]),
                    float(info.get("durability_covariate", 0.0)),
                    censored=still_holding,
                )
            rows.append(
                {
                    "model": model.name,
                    "episode_id": r["episode_id"],
                    "start_date": start,
                    "outcome": r["outcome"],
                    "agreed": r["agreed"],
                    "p_agreement": float(p),
                    "p_low": info.get("p_low"),
                    "p_high": info.get("p_high"),
                    "held_days": r["held_days"],
                    "held_censored": still_holding,
                    "predicted_held_days": None if days is None else float(days),
                    "durability_ratio": info.get("durability_ratio"),
                    "durability_log_score": score,
                    "n_history": history.height,
                    "note": info.get("note"),
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
            "p_low": pl.Float64,
            "p_high": pl.Float64,
            "held_days": pl.Float64,
            "held_censored": pl.Boolean,
            "predicted_held_days": pl.Float64,
            "durability_ratio": pl.Float64,
            "durability_log_score": pl.Float64,
            "n_history": pl.Int64,
            "note": pl.Utf8,
        },
    )
    return NegotiationBacktest(predictions, tuple(names), partial_value)


# --------------------------------------------------------------------------------------------
# The negotiation layer's model of an episode
# --------------------------------------------------------------------------------------------


@dataclass
class _BargainingState:
    status: dict[int, int] | None = None
    templates: dict[str, Any] | None = None
    features: dict[str, Any] = field(default_factory=dict)


def _parties(raw: Any) -> list[str]:
    items = raw if isinstance(raw, list | tuple) else str(raw or "").split(";")
    return [str(p).strip() for p in items if str(p).strip()]


@dataclass(frozen=True)
class _BargainingForecaster:
    model: BargainingModel
    logit: Any
    durability: Any
    n_history: int

    def detail(self, episode: Mapping[str, Any]) -> dict[str, Any]:
        """P(agreement) with its 90% interval, the features, the durability model."""
        f = self.model.features(episode)
        if f is None:
            p, lo, hi = self.logit.predict(self.logit.center)
            # No index: an agreement with the earlier agreements' mean index (the fit's
            # centre, an index of one year where there is none).
            z = self.durability.center
            note: str | None = "no coded template covers this episode's parties or date: base rate"
        else:
            p, lo, hi = self.logit.predict(f.vector())
            z = f.durability_covariate
            status = "; ".join(sorted(set(f.eum_status.values())))
            note = f"EUM: {status}" if status else None
        return {
            "p_agreement": p,
            "p_low": lo,
            "p_high": hi,
            "features": f,
            "durability": self.durability,
            "durability_covariate": z,
            "durability_ratio": self.durability.time_ratio(z),
            "median_days": self.durability.median_days(z),
            "n_history": self.n_history,
            "note": note,
        }

    def predict(self, episode: Mapping[str, Any]) -> tuple[float, float | None]:
        d = self.detail(episode)
        return float(d["p_agreement"]), float(d["median_days"])


@dataclass(frozen=True)
class BargainingModel:
    """The negotiation layer's model of an episode, calibrated on earlier episodes.

    Each episode's model is built from information dated before its start
    (:func:`ncrealism.negotiation.record_scoring.episode_model`: the record template of its
    period, capabilities of the year before, sanctions and inducements dated before the start);
    its features (:func:`ncrealism.negotiation.forecast.episode_features`: share of drawn
    inputs with a zone of agreement, mean zone margin, Nash gains, distance of the EUM forecast
    from the zone in multilateral talks) are mapped to P(agreement) by the Bayesian logit of
    :func:`ncrealism.negotiation.forecast.fit_agreement_logit`, fitted on the episodes that
    ended before the start, and the days an agreement holds by the Weibull model of
    :func:`ncrealism.negotiation.forecast.fit_weibull` with the commitment model's expected
    days as covariate. ``context``: context events as read by
    :func:`ncrealism.negotiation.record_scoring.read_context` (``None``: none);
    ``capabilities``: a stand-in for the system layer's CINC (tests), else COW NMC v7.0
    extended past its last year; ``on_episode``: called after each episode's features are
    computed (progress bars).
    """

    context: pl.DataFrame | None = None
    source: Any = None
    uncertainty: Any = None
    seed: int = 0
    capabilities: Any = None
    nmc_version: Any = None
    on_episode: Any = None
    name: str = "bargaining model"
    state: _BargainingState = field(default_factory=_BargainingState, repr=False, compare=False)

    def features(self, episode: Mapping[str, Any]) -> Any:
        """The features of one episode (ex-ante columns only), computed once per episode."""
        from ncrealism.negotiation.cases import load_case
        from ncrealism.negotiation.forecast import episode_features
        from ncrealism.negotiation.record_scoring import (
            RecordRules,
            episode_model,
            nuclear_status,
            template_parties,
        )

        eid = str(episode.get("episode_id"))
        start = parse_date(episode.get("start_date"), where=f"episode {eid}")
        if start is None:
            raise InputError(f"episode {eid}: no start date")
        key = f"{eid}@{start.isoformat()}@{';'.join(_parties(episode.get('parties')))}"
        if key in self.state.features:
            return self.state.features[key]
        rules = RecordRules()
        if self.state.status is None:
            self.state.status = nuclear_status(self.source)
        if self.state.templates is None:
            self.state.templates = {name: load_case(name) for _, name in rules.templates}
        context = (
            self.context
            if self.context is not None
            else pl.DataFrame(schema={"type": pl.Utf8, "latest": pl.Date})
        )
        parties = _parties(episode.get("parties"))
        first = min(when for when, _ in rules.templates)
        if start < first or (
            len(template_parties(self.state.templates[rules.template_for(start)], parties)) < 2
        ):
            # No coded template covers this episode: no model, the logit's base rate speaks.
            self.state.features[key] = None
            return None
        model, _ = episode_model(
            eid,
            start,
            parties,
            context,
            self.state.status,
            rules=rules,
            source=self.source,
            templates=self.state.templates,
            capabilities=self.capabilities,
            nmc_version=self.nmc_version,
        )
        f = episode_features(model, uncertainty=self.uncertainty, seed=self.seed, episode=eid)
        self.state.features[key] = f
        if self.on_episode is not None:
            self.on_episode()
        return f

    def fit(self, history: pl.DataFrame) -> NegotiationForecaster:
        """Fit the agreement logit and the durability model on ``history`` (earlier episodes)."""
        from ncrealism.negotiation.forecast import (
            FEATURE_SCALES,
            FEATURES,
            fit_agreement_logit,
            fit_weibull,
        )

        rows = list(history.iter_rows(named=True))
        pairs = [(r, self.features(r)) for r in rows]
        pairs = [(r, f) for r, f in pairs if f is not None]
        x = np.array([f.vector() for _, f in pairs]).reshape(len(pairs), len(FEATURES))
        y = np.array([float(r["agreed"]) for r, _ in pairs])
        logit = fit_agreement_logit(x, y, scales=FEATURE_SCALES)
        held = [
            (float(r["held_days"]), bool(r["held_censored"]), f.durability_covariate)
            for r, f in pairs
            if r["held_days"] is not None
        ]
        surv = fit_weibull(
            [h[0] for h in held],
            [h[1] for h in held],
            [h[2] for h in held],
        )
        return _BargainingForecaster(self, logit, surv, history.height)


def case_history(case: Any, partial_value: float = 0.5) -> pl.DataFrame:
    """The earlier episodes embedded in an episode case file, as the backtest sees them at the
    case's start (:func:`history_before`)."""
    rows = [h.model_dump() for h in case.history]
    schema = {
        "episode_id": pl.Utf8,
        "framework": pl.Utf8,
        "start_date": pl.Utf8,
        "end_date": pl.Utf8,
        "parties": pl.Utf8,
        "outcome": pl.Utf8,
        "agreement_date": pl.Utf8,
        "held_until": pl.Utf8,
        "held_days": pl.Int64,
    }
    frame = pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema)
    if not frame.height:
        prepared = pl.DataFrame(
            schema={
                "episode_id": pl.Utf8,
                "start_date": pl.Utf8,
                "parties": pl.Utf8,
                "framework": pl.Utf8,
                "start": pl.Date,
                "end": pl.Date,
                "outcome": pl.Utf8,
                "agreed": pl.Float64,
                "agreement_date": pl.Date,
                "held_until": pl.Date,
                "held_days": pl.Float64,
            }
        )
    else:
        prepared = prepare_record(frame, partial_value, f"case {case.id}, history")
    return history_before(prepared, case.start_date)


def case_forecast(
    case: Any,
    *,
    source: Any = None,
    uncertainty: Any = None,
    seed: int = 0,
    partial_value: float = 0.5,
    nmc_version: Any = None,
    on_episode: Any = None,
    model: BargainingModel | None = None,
) -> dict[str, Any]:
    """P(agreement) with its 90% interval and the durability forecast of a case file.

    An episode case (``case.template`` set) is forecast by the record backtest's own model
    (:class:`BargainingModel` without context events, fitted on the case's ``history``), so the
    two agree for the same episode; a self-contained case by the same features and fit, its
    model built from the file alone. ``model``: a :class:`BargainingModel` to reuse (its
    per-episode features are then computed once across cases, and its settings apply);
    ``on_episode`` is called after each episode's features are computed. Keys:
    ``p_agreement``, ``p_low``, ``p_high``,
    ``median_days`` (days), ``durability_ratio`` (the time ratio), ``features``, ``n_history``,
    ``note``, ``hindsight``.
    """
    from ncrealism.negotiation.cases import build_case
    from ncrealism.negotiation.forecast import episode_features

    bm = model or BargainingModel(
        source=source,
        uncertainty=uncertainty,
        seed=seed,
        nmc_version=nmc_version,
        on_episode=on_episode,
    )
    fitted = bm.fit(case_history(case, partial_value))
    assert isinstance(fitted, _BargainingForecaster)
    if case.template:
        row = {
            "episode_id": case.episodes[0],
            "start_date": case.start_date,
            "parties": [p.name for p in case.parties],
        }
        out = fitted.detail(row)
    else:
        f = episode_features(
            build_case(case, source=source, nmc_version=nmc_version),
            uncertainty=uncertainty,
            seed=seed,
            episode=case.id,
        )
        p, lo, hi = fitted.logit.predict(f.vector())
        status = "; ".join(sorted(set(f.eum_status.values())))
        out = {
            "p_agreement": p,
            "p_low": lo,
            "p_high": hi,
            "features": f,
            "durability": fitted.durability,
            "durability_covariate": f.durability_covariate,
            "durability_ratio": fitted.durability.time_ratio(f.durability_covariate),
            "median_days": fitted.durability.median_days(f.durability_covariate),
            "n_history": fitted.n_history,
            "note": f"EUM: {status}" if status else None,
        }
    out["hindsight"] = bool(case.hindsight)
    return out
