"""The dynamic decision model and its strong baselines as backtest models.

Models (every one scored on the same periods, fitted on the record years before the origin):

* **NCR (dynamic)**: :mod:`ncrealism.decision.dynamic` with the state's perception profile as
  the filter (the theory term ``beta z``), the status quo (switching cost kappa, cut by a
  leadership change), base propensities and, when an event record is given, last year's acts.
* **NCR without inertia**: the same without the status-quo term (an ablation, refitted).
* **structural realism (dynamic)**: the same dynamic model with the *neutral* filter (no
  intervening variable) and, in addition, free effects of the raw system inputs
  (:data:`SYSTEM_INPUTS`, one coefficient per input and posture): the balance of power and the
  outside shocks may move each posture in whatever direction the record says.
* **statistical reference**: a multinomial logit with no theory (scikit-learn
  ``LogisticRegression``, L2 penalty C = 1 on standardised inputs, Newton-Cholesky solver) on
  the same raw system inputs, the lagged posture (one-hot) and last year's event log-counts;
  classes absent from the training years get Laplace-smoothed mass:
  p = (n p_fit + 1) / (n + K).

Inputs frame. The engine hands every model the year-keyed frame of
:func:`ncrealism.decision.inputs.build_inputs` plus, when an event record is given, one column
``lag_<category>`` per event category: the number of the state's events of that category in the
year before (Int64; null where the event record does not cover that year, read as 0 and noted).
For a forecast h periods ahead the engine passes the row of the origin year (the inputs known
when the forecast is made) with a ``horizon`` column; the status quo is the last recorded
posture before the origin.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from ncrealism._defaults import DEFAULT_NMC_VERSION
from ncrealism.decision.dynamic import (
    DynamicFit,
    DynamicSpec,
    Prior,
    chain,
    design,
    fit_dynamic,
    inertia_prior_mean,
    predictive,
)
from ncrealism.decision.model import FilterLike, filters_by_year, posture_probabilities
from ncrealism.errors import InputError
from ncrealism.evaluation.models import POSTURE, Forecaster

__all__ = [
    "DYNAMIC_NCR",
    "NCR_NO_INERTIA",
    "STATISTICAL",
    "STRUCTURAL_DYNAMIC",
    "SYSTEM_INPUTS",
    "DynamicModel",
    "StatisticalReference",
    "event_columns",
    "explain_dynamic",
    "horizon_of",
    "lagged_event_counts",
]

DYNAMIC_NCR = "NCR (dynamic)"
NCR_NO_INERTIA = "NCR without inertia"
STRUCTURAL_DYNAMIC = "structural realism (dynamic)"
STATISTICAL = "statistical reference"

#: Raw system inputs with free effects in structural realism and the statistical reference.
SYSTEM_INPUTS: tuple[str, ...] = (
    "threat",
    "ally_support",
    "relative_power",
    "nuclear_latency",
    "sanctions",
    "inducements",
)

Array = NDArray[np.float64]


def lagged_event_counts(
    events: pl.DataFrame, years: Sequence[int], categories: Sequence[str]
) -> pl.DataFrame:
    """Per year t, the number of events of each category dated in year t - 1.

    Columns: ``year`` (Int64) and ``lag_<category>`` (Int64). Null where t - 1 lies outside the
    event record's first-to-last year (not covered: not the same as no event).
    """
    lo, hi = int(events["year"].min()), int(events["year"].max())  # type: ignore[arg-type]
    frame = pl.DataFrame({"year": [int(y) for y in years]}, schema={"year": pl.Int64})
    for cat in categories:
        counts = (
            events.filter(pl.col("category") == cat)
            .group_by("year")
            .agg(pl.len().cast(pl.Int64).alias("_n"))
            .with_columns((pl.col("year") + 1).alias("year"))
        )
        frame = (
            frame.join(counts, on="year", how="left")
            .with_columns(
                pl.when((pl.col("year") - 1).is_between(lo, hi))
                .then(pl.col("_n").fill_null(0))
                .otherwise(None)
                .alias(f"lag_{cat}")
            )
            .drop("_n")
        )
    return frame


def event_columns(inputs: pl.DataFrame) -> tuple[str, ...]:
    """The ``lag_<category>`` columns of an inputs frame."""
    return tuple(c for c in inputs.columns if c.startswith("lag_"))


def horizon_of(inputs: pl.DataFrame) -> int:
    """The forecast horizon the engine wrote into a forecast frame (1 if absent)."""
    if "horizon" not in inputs.columns:
        return 1
    hs = {int(h) for h in inputs["horizon"].to_list()}
    if len(hs) != 1:
        raise InputError(f"a forecast frame mixes horizons {sorted(hs)}")
    return hs.pop()


def _log_counts(inputs: pl.DataFrame, cols: Sequence[str]) -> Array:
    if not cols:
        return np.zeros((inputs.height, 0))
    m = inputs.select([pl.col(c).cast(pl.Float64).fill_null(0.0) for c in cols]).to_numpy()
    return np.asarray(np.log1p(m), dtype=np.float64)


def _system(inputs: pl.DataFrame, cols: Sequence[str]) -> Array:
    if not cols:
        return np.zeros((inputs.height, 0))
    return np.asarray(
        inputs.select([pl.col(c).cast(pl.Float64).fill_null(0.0) for c in cols]).to_numpy(),
        dtype=np.float64,
    )


def _origin_years(inputs: pl.DataFrame) -> list[int]:
    """The year whose information each row carries (``origin`` for a forecast row)."""
    col = "origin" if "origin" in inputs.columns else "year"
    return [int(y) for y in inputs[col].to_list()]


@dataclass
class _ZCache:
    """The theory term z of each inputs row, computed once per model and run (keyed by the
    row's origin year and the hash of its values)."""

    rows: dict[tuple[int, int], Array] = field(default_factory=dict)


def _centred_logp(
    inputs: pl.DataFrame, filt: FilterLike, options: Sequence[str], cache: _ZCache
) -> Array:
    """z: the filter's quantal-response log-probabilities, centred within each row.

    The filter is that of the row's origin year (for a forecast, the year the forecast is made:
    a later period of the profile, e.g. a leader's death, is not yet known).
    """
    years = _origin_years(inputs)
    values = inputs.drop([c for c in ("year", "horizon", "origin") if c in inputs.columns])
    keys = list(zip(years, [int(h) for h in values.hash_rows().to_list()], strict=True))
    missing = [i for i, k in enumerate(keys) if k not in cache.rows]
    if missing:
        rows = inputs[missing].with_columns(
            pl.Series("year", [years[i] for i in missing], dtype=pl.Int64)
        )
        probs = posture_probabilities(rows, filt)
        wide = probs.pivot(
            on="option", index="year", values="probability", aggregate_function="first"
        )
        by_year = {int(y): i for i, y in enumerate(wide["year"].to_list())}
        mat = wide.select(list(options)).to_numpy().astype(np.float64)
        for i in missing:
            lp = np.log(np.clip(mat[by_year[years[i]]], 1e-300, None))
            cache.rows[keys[i]] = lp - lp.mean()
    return np.stack([cache.rows[k] for k in keys])


def _status_quo(
    years: Sequence[int], record: pl.DataFrame, options: Sequence[str]
) -> NDArray[np.int64]:
    """Index of the recorded posture of year t - 1 for each year t (-1 when not recorded)."""
    have = dict(
        zip(
            [int(y) for y in record["year"].to_list()],
            [str(p) for p in record[POSTURE].to_list()],
            strict=True,
        )
    )
    return np.array(
        [options.index(have[y - 1]) if (y - 1) in have else -1 for y in years], dtype=np.int64
    )


@dataclass(frozen=True)
class _Training:
    """The training years of a fit: inputs rows and record, sorted by year."""

    rows: pl.DataFrame  # the inputs rows of the record's years
    years: list[int]
    y: NDArray[np.int64]  # option index of the recorded posture of each year
    status_quo: NDArray[np.int64]  # option index of the posture of the year before (-1: none)
    last: int  # option index of the last recorded posture


def _training(
    name: str, inputs: pl.DataFrame, record: pl.DataFrame, options: Sequence[str]
) -> _Training:
    """The inputs rows and recorded choices that model ``name`` is fitted on."""
    rec = record.sort("year")
    years = [int(y) for y in rec["year"].to_list()]
    rows = inputs.filter(pl.col("year").is_in(years)).sort("year")
    if rows.height != len(years):
        raise InputError(f"model '{name}': inputs do not cover the training years")
    opts = list(options)
    postures = [str(p) for p in rec[POSTURE].to_list()]
    y = np.array([opts.index(p) for p in postures], dtype=np.int64)
    return _Training(rows, years, y, _status_quo(years, rec, opts), opts.index(postures[-1]))


def _forecast_frame(
    inputs: pl.DataFrame,
    options: Sequence[str],
    last: int,
    step: Callable[[pl.DataFrame, int, Array, int], Array],
) -> pl.DataFrame:
    """Forecasts of every inputs row (``year``, ``option``, ``probability``; the frame of
    :class:`~ncrealism.evaluation.models.Forecaster`): ``step(row, year, start, h)`` gives the
    probabilities ``h`` years ahead (:func:`horizon_of`) from ``start``, the last recorded
    posture before the origin as a one-hot vector."""
    h = horizon_of(inputs)
    rows = []
    for i in range(inputs.height):
        row = inputs.slice(i, 1)
        year = int(row["year"][0])
        start = np.zeros(len(options))
        start[last] = 1.0
        p = step(row, year, start, h)
        rows += [(year, o, float(v)) for o, v in zip(options, p, strict=True)]
    return pl.DataFrame(
        rows,
        schema={"year": pl.Int64, "option": pl.Utf8, "probability": pl.Float64},
        orient="row",
    )


def _rng(seed: int, name: str, year: int, horizon: int) -> np.random.Generator:
    """A generator per (model, forecast year, horizon): same seed, same bytes, in any order."""
    return np.random.default_rng([seed, zlib.crc32(name.encode()), year, horizon])


def _reset(inputs: pl.DataFrame) -> Array:
    if "succession" not in inputs.columns:
        return np.zeros(inputs.height)
    return np.asarray(
        inputs["succession"].cast(pl.Float64).fill_null(0.0).to_numpy(), dtype=np.float64
    )


@dataclass(frozen=True)
class _DynamicForecaster:
    model: DynamicModel
    fit: DynamicFit
    last: int  # index of the last recorded posture before the origin
    options: tuple[str, ...]

    def predict(self, inputs: pl.DataFrame) -> pl.DataFrame:
        k = len(self.options)

        def step(row: pl.DataFrame, year: int, start: Array, h: int) -> Array:
            D = self.model.design_for(row, np.arange(k, dtype=np.int64), self.options)
            return predictive(
                self.fit,
                D,
                start,
                horizon=h,
                rng=_rng(self.model.seed, self.model.name, year, h),
                n_draws=self.model.n_draws,
            )

        return _forecast_frame(inputs, self.options, self.last, step)


@dataclass(frozen=True)
class DynamicModel:
    """A dynamic decision model (:mod:`ncrealism.decision.dynamic`) as a backtest model.

    ``filt``: the filter whose quantal-response log-probabilities are the theory term (the
    neutral filter for structural realism); ``theory``/``inertia``: which terms enter;
    ``system``: raw inputs with free effects; ``use_events``: read the ``lag_*`` columns;
    ``prior``: priors other than kappa's mean, which comes from the filter's centralisation
    (:func:`~ncrealism.decision.dynamic.inertia_prior_mean`) averaged over the training years.
    """

    name: str
    filt: FilterLike
    theory: bool = True
    inertia: bool = True
    system: tuple[str, ...] = ()
    use_events: bool = True
    prior: Prior = field(default_factory=Prior)
    seed: int = 0
    n_draws: int = 1000
    cache: _ZCache = field(default_factory=_ZCache, repr=False, compare=False)

    def spec(self, inputs: pl.DataFrame, options: Sequence[str]) -> DynamicSpec:
        """The design of this model for an inputs frame's columns."""
        years = _origin_years(inputs)
        cent = float(np.mean([f["centralisation"] for f in filters_by_year(self.filt, years)]))
        prior = Prior(
            beta_mean=self.prior.beta_mean,
            beta_sd=self.prior.beta_sd,
            kappa_mean=inertia_prior_mean(cent),
            kappa_sd=self.prior.kappa_sd,
            alpha_sd=self.prior.alpha_sd,
            gamma_sd=self.prior.gamma_sd,
            delta_sd=self.prior.delta_sd,
        )
        return DynamicSpec(
            options=tuple(options),
            prior=prior,
            theory=self.theory,
            inertia=self.inertia,
            events=event_columns(inputs) if self.use_events else (),
            system=self.system,
        )

    def design_for(
        self, inputs: pl.DataFrame, status_quo: NDArray[np.int64], options: Sequence[str]
    ) -> Array:
        """Design tensor of the rows of ``inputs`` (one status quo per row; for a forecast, one
        row repeated for every possible status quo)."""
        spec = self.spec(inputs, options)
        rows = inputs
        if inputs.height == 1 and len(status_quo) > 1:
            rows = pl.concat([inputs] * len(status_quo))
        z = _centred_logp(inputs, self.filt, options, self.cache) if self.theory else None
        if z is not None and rows.height != inputs.height:
            z = np.repeat(z, rows.height, axis=0)
        if z is None:
            z = np.zeros((rows.height, len(options)))
        return design(
            spec,
            z,
            status_quo,
            reset=_reset(rows),
            events=_log_counts(rows, spec.events),
            system=_system(rows, spec.system),
        )

    def fit_record(
        self, inputs: pl.DataFrame, record: pl.DataFrame, options: Sequence[str]
    ) -> DynamicFit:
        """MAP + Laplace fit on the record years (inputs rows of the same years)."""
        tr = _training(self.name, inputs, record, options)
        opts = list(options)
        D = self.design_for(tr.rows, tr.status_quo, opts)
        return fit_dynamic(self.spec(tr.rows, opts), D, tr.y)

    def fit(self, inputs: pl.DataFrame, record: pl.DataFrame, options: Sequence[str]) -> Forecaster:
        res = self.fit_record(inputs, record, options)
        last = str(record.sort("year")[POSTURE].to_list()[-1])
        return _DynamicForecaster(self, res, list(options).index(last), tuple(options))


# ------------------------------------------------------------------ statistical reference
def _features(
    inputs: pl.DataFrame, status_quo: NDArray[np.int64], k: int, events: Sequence[str]
) -> Array:
    sq = np.zeros((inputs.height, k))
    known = status_quo >= 0
    sq[np.flatnonzero(known), status_quo[known]] = 1.0
    return np.hstack([_system(inputs, SYSTEM_INPUTS), sq, _log_counts(inputs, events)])


@dataclass(frozen=True)
class _StatForecaster:
    predict_matrix: Callable[[Array], Array]
    last: int
    options: tuple[str, ...]
    events: tuple[str, ...]

    def predict(self, inputs: pl.DataFrame) -> pl.DataFrame:
        k = len(self.options)

        def step(row: pl.DataFrame, year: int, start: Array, h: int) -> Array:
            rep = pl.concat([row] * k)
            T = self.predict_matrix(_features(rep, np.arange(k, dtype=np.int64), k, self.events))
            return chain(T, start, h)

        return _forecast_frame(inputs, self.options, self.last, step)


@dataclass(frozen=True)
class StatisticalReference:
    """Regularised multinomial logit (scikit-learn), no theory (see the module docstring)."""

    name: str = STATISTICAL
    C: float = 1.0

    def fit(self, inputs: pl.DataFrame, record: pl.DataFrame, options: Sequence[str]) -> Forecaster:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        opts = list(options)
        k = len(opts)
        tr = _training(self.name, inputs, record, opts)
        y, last = tr.y, tr.last
        events = event_columns(inputs)
        X = _features(tr.rows, tr.status_quo, k, events)
        n = len(y)
        classes = np.unique(y)
        if len(classes) < 2:
            const = np.full(k, 1.0 / (n + k))
            const[classes[0]] = (n + 1.0) / (n + k)

            def constant(F: Array) -> Array:
                return np.asarray(np.tile(const, (F.shape[0], 1)), dtype=np.float64)

            return _StatForecaster(constant, last, tuple(opts), events)
        clf = make_pipeline(
            StandardScaler(), LogisticRegression(C=self.C, solver="newton-cholesky", max_iter=500)
        )
        clf.fit(X, y)

        def matrix(F: Array) -> Array:
            p = np.zeros((F.shape[0], k))
            p[:, classes] = clf.predict_proba(F)
            return np.asarray((n * p + 1.0) / (n + k), dtype=np.float64)

        return _StatForecaster(matrix, last, tuple(opts), events)


def describe_fit(fit: DynamicFit) -> list[dict[str, Any]]:
    """One row per parameter: name, prior mean and sd, MAP, posterior sd (Laplace)."""
    se = fit.std_errors()
    return [
        {
            "param": n,
            "prior_mean": float(m),
            "prior_sd": float(s),
            "map": float(t),
            "posterior_sd": float(e),
        }
        for n, m, s, t, e in zip(
            fit.names, fit.prior_mean, fit.prior_sd, fit.theta, se, strict=True
        )
    ]


def explain_dynamic(
    ccode: int,
    year: int,
    record: pl.DataFrame,
    *,
    filt: FilterLike,
    context: pl.DataFrame | None = None,
    events: pl.DataFrame | None = None,
    source: Any = None,
    nmc_version: str | None = None,
    seed: int = 0,
    focus: str | None = None,
    sources: Sequence[str] = (),
) -> Any:
    """The anatomy of the dynamic decision of ``year`` (for ``ncr explain`` and the dashboard).

    Fits the dynamic NCR model (:class:`DynamicModel` with filter ``filt``) on the record years
    before ``year``, from ex-ante inputs (data of the year before, context events dated before
    each year starts; last year's event counts when ``events``, an event record, is given), and
    returns :func:`ncrealism.decision.anatomy.dynamic_anatomy` of ``year`` with last year's
    recorded posture as the status quo (an :class:`~ncrealism.decision.anatomy.Anatomy` whose
    ``dynamic`` field holds the status quo, the switching cost and the probabilities).
    """
    from ncrealism.data.records import EVENT_CATEGORIES
    from ncrealism.decision.anatomy import dynamic_anatomy
    from ncrealism.decision.inputs import build_inputs
    from ncrealism.decision.options import DEFAULT_OPTIONS

    rec = record.filter(pl.col("year") < year).sort("year")
    if rec.height < 2:
        raise InputError(f"the record needs at least two years before {year} to fit the model")
    first = int(rec["year"][0])
    years = list(range(first, year + 1))
    inputs = build_inputs(
        ccode,
        years,
        context=context,
        source=source,
        ex_ante=True,
        nmc_version=nmc_version or DEFAULT_NMC_VERSION,
    )
    if events is not None:
        inputs = inputs.join(lagged_event_counts(events, years, EVENT_CATEGORIES), on="year")
    options = tuple(DEFAULT_OPTIONS.names)
    model = DynamicModel(DYNAMIC_NCR, filt, seed=seed)
    fit = model.fit_record(inputs, rec, options)
    row = inputs.filter(pl.col("year") == year)
    last = rec.filter(pl.col("year") == year - 1)
    status = str(last[POSTURE][0]) if last.height else None
    if status is not None:
        pred = model.fit(inputs, rec, options).predict(row)
        predictive_p = [
            float(pred.filter(pl.col("option") == o)["probability"][0]) for o in options
        ]
    else:
        predictive_p = None
    year_filter = filters_by_year(filt, [year])[0]
    return dynamic_anatomy(
        row,
        year_filter,
        fit,
        status,
        events=list(_log_counts(row, fit.spec.events)[0]) if fit.spec.events else None,
        predictive=predictive_p,
        focus=focus,
        sources=sources,
        fit_years=(first, year - 1),
    )
