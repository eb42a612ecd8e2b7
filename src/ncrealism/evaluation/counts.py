"""Quarterly event counts: forecasts driven by the posture forecast, scored against baselines.

Resolution. The event record dates 165 events over 1990-2009, every one to the day or the
month, about two a quarter: a quarter holds enough events for a count to say something, and no
event's quarter is uncertain (a month-precision date fixes its quarter), while a monthly panel
would be four-fifths zeros and a yearly one has only twenty rows. Events dated to a year only
(allowed by the schema) are put in its first quarter and counted in ``year_only``.

Series (:data:`SERIES`): ``missile_tests`` (category ``missile_test``), ``nuclear_tests``
(``nuclear_development`` with subtype ``nuclear_test``), ``provocations``
(``military_provocation``) and ``talks`` (``negotiation_engagement``: rounds, envoys, summits).

Model (the same chain). The count of series c in quarter q of year t is Poisson with

    log mu_{c,q}(k) = a_c + b_c log(1 + n_{c,q-1}) + w_{c,k}

given the year's posture k: the posture the decision model forecasts shapes what the state does
quarter by quarter, and last quarter's count carries the short-run momentum. Fitted on the
training quarters with the *recorded* posture of each year (a Gaussian prior: a ~ N(0, 2),
b ~ N(0, 0.5), w ~ N(0, 1); MAP by Newton's method and a Laplace posterior, as in
:mod:`ncrealism.decision.dynamic`), the forecast of a quarter of year t mixes over postures
with the NCR forecast of t: P(n) = sum_k P_NCR(k) E_theta[Poisson(n; mu(k))], averaged over
posterior draws. A year's posture forecast is therefore consistent with its count forecasts.

Baselines on the same quarters: **count momentum** (the same Poisson model without the
posture term: the statistical reference), **climatology** (Poisson with the training mean,
(sum + 1/2)/(quarters + 1)) and **persistence** (Poisson with last quarter's count + 1/4).

Scores (:func:`count_scores`, one row per series and model): ``log_score`` (mean -ln P(observed
count), nats, lower is better; Gneiting & Raftery 2007) and ``rps`` (ranked probability score
of the count distribution, sum over n of (F(n) - 1[y <= n])^2, lower is better).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from ncrealism.errors import InputError

__all__ = [
    "COUNT_MODELS",
    "SERIES",
    "count_backtest",
    "count_scores",
    "quarterly_panel",
]

Array = NDArray[np.float64]

#: Count series: name -> (event category, subtype or None for every subtype).
SERIES: dict[str, tuple[str, str | None]] = {
    "missile_tests": ("missile_test", None),
    "nuclear_tests": ("nuclear_development", "nuclear_test"),
    "provocations": ("military_provocation", None),
    "talks": ("negotiation_engagement", None),
}
NCR_COUNTS = "NCR posture-driven counts"
MOMENTUM = "count momentum"
CLIMATOLOGY = "climatology"
PERSISTENCE = "persistence"
#: Count models, in the order of the tables.
COUNT_MODELS: tuple[str, ...] = (NCR_COUNTS, MOMENTUM, CLIMATOLOGY, PERSISTENCE)
#: Largest count scored (probability mass above it is lumped into it).
N_MAX = 60


def quarterly_panel(events: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    """One row per (year, quarter) of ``years``: ``year``, ``quarter`` (Int64, 1-4) and one
    Int64 count column per series of :data:`SERIES`, plus ``year_only`` (events dated to the
    year only, put in Q1)."""
    need = {"date", "year", "category"}
    if not need <= set(events.columns):
        raise InputError(f"the event record lacks {sorted(need - set(events.columns))}")
    ev = events.with_columns(
        ((pl.col("date").dt.month() - 1) // 3 + 1).cast(pl.Int64).alias("quarter"),
        (
            pl.col("date_precision").eq("year")
            if "date_precision" in events.columns
            else pl.lit(False)
        ).alias("_year_only"),
    )
    frame = pl.DataFrame(
        {"year": [y for y in years for _ in range(4)], "quarter": [1, 2, 3, 4] * len(years)},
        schema={"year": pl.Int64, "quarter": pl.Int64},
    )
    for name, (cat, sub) in SERIES.items():
        sel = ev.filter(pl.col("category") == cat)
        if sub is not None:
            sel = sel.filter(pl.col("subtype") == sub)
        counts = sel.group_by("year", "quarter").agg(pl.len().cast(pl.Int64).alias(name))
        frame = frame.join(counts, on=["year", "quarter"], how="left")
    yo = ev.filter(pl.col("_year_only")).group_by("year").agg(pl.len().alias("year_only"))
    frame = frame.join(yo, on="year", how="left")
    return frame.fill_null(0).sort("year", "quarter")


def _poisson_logpmf(n: Array, mu: Array) -> Array:
    from scipy.special import gammaln

    return np.asarray(n * np.log(mu) - mu - gammaln(n + 1.0), dtype=np.float64)


@dataclass(frozen=True)
class _PoissonFit:
    theta: Array
    cov: Array


def _fit_poisson(X: Array, y: Array, mean: Array, sd: Array) -> _PoissonFit:
    """MAP and Laplace covariance of a Poisson log-linear model with a Gaussian prior."""
    from scipy.optimize import minimize

    prec = 1.0 / sd**2

    def parts(t: Array) -> tuple[float, Array, Array]:
        eta = np.clip(X @ t, -30.0, 30.0)
        mu = np.exp(eta)
        r = t - mean
        f = float(np.sum(mu - y * eta) + 0.5 * np.sum(prec * r**2))
        g = X.T @ (mu - y) + prec * r
        h = (X * mu[:, None]).T @ X + np.diag(prec)
        return f, g, h

    res = minimize(
        lambda t: parts(t)[0],
        mean.copy(),
        jac=lambda t: parts(t)[1],
        hess=lambda t: parts(t)[2],
        method="trust-exact",
    )
    theta = np.asarray(res.x, dtype=np.float64)
    inv = np.linalg.inv(parts(theta)[2])
    return _PoissonFit(theta, np.asarray(0.5 * (inv + inv.T), dtype=np.float64))


def _design(lag: Array, posture: Array | None) -> Array:
    cols = [np.ones_like(lag), np.log1p(lag)]
    x = np.column_stack(cols)
    if posture is not None:
        x = np.hstack([x, posture])
    return np.asarray(x, dtype=np.float64)


def _prior(k: int, with_posture: bool) -> tuple[Array, Array]:
    mean = [0.0, 0.0] + ([0.0] * k if with_posture else [])
    sd = [2.0, 0.5] + ([1.0] * k if with_posture else [])
    return np.array(mean), np.array(sd)


def _pmf_mixture(
    fit: _PoissonFit, lag: float, weights: Array | None, rng: np.random.Generator, n_draws: int
) -> Array:
    """Predictive pmf over 0..N_MAX (mass above N_MAX lumped into N_MAX)."""
    chol = np.linalg.cholesky(fit.cov)
    th = fit.theta[None, :] + rng.standard_normal((n_draws, len(fit.theta))) @ chol.T
    ns = np.arange(N_MAX + 1, dtype=np.float64)
    if weights is None:
        x = _design(np.array([lag]), None)[0]
        mus = np.exp(np.clip(th @ x, -30, 30))
        pmf = np.exp(_poisson_logpmf(ns[None, :], mus[:, None])).mean(axis=0)
    else:
        k = len(weights)
        pmf = np.zeros(N_MAX + 1)
        for j in range(k):
            onehot = np.zeros((1, k))
            onehot[0, j] = 1.0
            x = _design(np.array([lag]), onehot)[0]
            mus = np.exp(np.clip(th @ x, -30, 30))
            pmf += weights[j] * np.exp(_poisson_logpmf(ns[None, :], mus[:, None])).mean(axis=0)
    pmf[-1] += max(0.0, 1.0 - pmf.sum())
    return np.asarray(pmf / pmf.sum(), dtype=np.float64)


def _poisson_pmf(mu: float) -> Array:
    ns = np.arange(N_MAX + 1, dtype=np.float64)
    pmf = np.exp(_poisson_logpmf(ns, np.full_like(ns, mu)))
    pmf[-1] += max(0.0, 1.0 - pmf.sum())
    return np.asarray(pmf / pmf.sum(), dtype=np.float64)


def count_backtest(
    panel: pl.DataFrame,
    record: pl.DataFrame,
    posture_forecasts: pl.DataFrame,
    options: Sequence[str],
    *,
    train_start: int,
    test_years: Sequence[int],
    seed: int = 0,
    n_draws: int = 400,
) -> pl.DataFrame:
    """Quarter-ahead count forecasts for every quarter of ``test_years``.

    ``panel``: :func:`quarterly_panel` (must cover ``train_start`` - 1 to the last test
    year); ``record``: the yearly record (``dominant_posture`` of the training years);
    ``posture_forecasts``: the NCR forecast of each test year (``year``, ``option``,
    ``probability``; one year ahead). The models of each test year are fitted on the quarters
    of the record years from ``train_start`` to the year before.

    Returns one row per (model, series, year, quarter): ``observed`` (Int64), ``mean`` (Float64,
    forecast mean count), ``log_score`` (Float64, nats) and ``rps`` (Float64).
    """
    opts = list(options)
    k = len(opts)
    postures = {int(y): str(p) for y, p in record.select("year", "dominant_posture").iter_rows()}
    panel = panel.sort("year", "quarter")
    pyears = panel["year"].to_numpy()
    pq = panel["quarter"].to_numpy()
    rows: list[dict[str, Any]] = []
    for t in sorted(int(y) for y in test_years):
        fc = posture_forecasts.filter(pl.col("year") == t)
        if fc.height != k:
            raise InputError(f"no posture forecast of {t} for the count model")
        weights = np.array(
            [float(fc.filter(pl.col("option") == o)["probability"][0]) for o in opts]
        )
        train_years = [y for y in range(train_start, t) if y in postures]
        for s_i, name in enumerate(SERIES):
            counts = panel[name].to_numpy().astype(np.float64)
            lag_all = np.concatenate([[np.nan], counts[:-1]])
            tr = np.isin(pyears, train_years) & np.isfinite(lag_all)
            y_tr = counts[tr]
            lag_tr = lag_all[tr]
            post_tr = np.zeros((int(tr.sum()), k))
            for i, yy in enumerate(pyears[tr]):
                post_tr[i, opts.index(postures[int(yy)])] = 1.0
            m1, s1 = _prior(k, True)
            fit_ncr = _fit_poisson(_design(lag_tr, post_tr), y_tr, m1, s1)
            m0, s0 = _prior(k, False)
            fit_mom = _fit_poisson(_design(lag_tr, None), y_tr, m0, s0)
            clim = (float(y_tr.sum()) + 0.5) / (len(y_tr) + 1.0)
            for q in range(1, 5):
                idx = np.flatnonzero((pyears == t) & (pq == q))
                if idx.size != 1 or not np.isfinite(lag_all[idx[0]]):
                    raise InputError(f"the quarterly panel does not cover {t} Q{q} and before")
                i = int(idx[0])
                lag = float(lag_all[i])
                obs = int(counts[i])
                rng = np.random.default_rng([seed, s_i, t, q])
                pmfs = {
                    NCR_COUNTS: _pmf_mixture(fit_ncr, lag, weights, rng, n_draws),
                    MOMENTUM: _pmf_mixture(fit_mom, lag, None, rng, n_draws),
                    CLIMATOLOGY: _poisson_pmf(clim),
                    PERSISTENCE: _poisson_pmf(lag + 0.25),
                }
                for model, pmf in pmfs.items():
                    cdf = np.cumsum(pmf)
                    ob = min(obs, N_MAX)
                    step = (np.arange(N_MAX + 1) >= ob).astype(np.float64)
                    rows.append(
                        {
                            "model": model,
                            "series": name,
                            "year": t,
                            "quarter": q,
                            "observed": obs,
                            "mean": float(np.dot(np.arange(N_MAX + 1), pmf)),
                            "log_score": -math.log(max(float(pmf[ob]), 1e-300)),
                            "rps": float(np.sum((cdf - step) ** 2)),
                        }
                    )
    return pl.DataFrame(
        rows,
        schema={
            "model": pl.Utf8,
            "series": pl.Utf8,
            "year": pl.Int64,
            "quarter": pl.Int64,
            "observed": pl.Int64,
            "mean": pl.Float64,
            "log_score": pl.Float64,
            "rps": pl.Float64,
        },
    )


def count_scores(forecasts: pl.DataFrame) -> pl.DataFrame:
    """Mean scores per series and model (and ``all`` series), from :func:`count_backtest`.

    Columns: ``series`` (Utf8), ``model`` (Utf8), ``quarters`` (Int64), ``log_score`` and
    ``rps`` (Float64, means; lower is better), ``observed_mean`` and ``forecast_mean``
    (Float64, events per quarter).
    """
    order = {m: i for i, m in enumerate(COUNT_MODELS)}
    per = forecasts.group_by("series", "model").agg(
        pl.len().cast(pl.Int64).alias("quarters"),
        pl.col("log_score").mean(),
        pl.col("rps").mean(),
        pl.col("observed").cast(pl.Float64).mean().alias("observed_mean"),
        pl.col("mean").mean().alias("forecast_mean"),
    )
    total = (
        forecasts.group_by("model")
        .agg(
            pl.len().cast(pl.Int64).alias("quarters"),
            pl.col("log_score").mean(),
            pl.col("rps").mean(),
            pl.col("observed").cast(pl.Float64).mean().alias("observed_mean"),
            pl.col("mean").mean().alias("forecast_mean"),
        )
        .with_columns(pl.lit("all").alias("series"))
        .select(per.columns)
    )
    series_order = {s: i for i, s in enumerate([*SERIES, "all"])}
    return (
        pl.concat([per, total])
        .with_columns(
            pl.col("series").replace_strict(series_order, return_dtype=pl.Int64).alias("_s"),
            pl.col("model").replace_strict(order, return_dtype=pl.Int64).alias("_m"),
        )
        .sort("_s", "_m")
        .drop("_s", "_m")
    )
