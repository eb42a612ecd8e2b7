"""Calibration ("revealed perception"): fitting filter parameters to an observed record.

The observed record is a yearly file in the schema of the training record
(:func:`ncrealism.data.records.read_yearly_record`); its ``dominant_posture`` is the choice
to explain. Only the outcome of the *training* years is read; predictions for any year use
only inputs (:func:`ncrealism.decision.inputs.build_inputs`), never that year's or a later
year's outcome.

Estimator. The prior is a filter (or a function giving the filter of each year, e.g. a
profile with periods). For the chosen free parameters F, a common shift delta is estimated
and added to the prior value of every year, so that differences between periods coded from
the literature are kept. delta maximises the penalised log-likelihood (maximum a posteriori
with a Gaussian prior centred on the literature's values):

    l_pen(delta) = sum_{t in train} log P(y_t | X_t, theta_t + delta)
                   - 1/2 sum_{f in F} (delta_f / sd_f)^2

with sd_f the prior standard deviation of each parameter (from the profile, else the default
of its :class:`~ncrealism.perception.filter.ParamSpec`), under box constraints keeping every
year's value within its bounds (L-BFGS-B). Uncertainty: a Laplace approximation (the inverse
Hessian of -l_pen at the optimum, by central finite differences: the posterior spread, which is
close to the prior's where the record says little; not given, and said so, for a parameter at
which -l_pen has a kink or is not convex, see :func:`laplace_uncertainty`) or a
non-parametric bootstrap over training years (``method="bootstrap"``, with an explicit
generator: the sampling spread of the penalised estimator, which is small wherever the prior
dominates the record).

Comparison with structural realism. The neutral filter with only its precision fitted by
maximum likelihood on the same years is the baseline. ``lr_stat`` = 2 (l(delta_hat) -
l_neutral) with the unpenalised log-likelihood at the estimate; it is referred to a
chi-square with |F| - 1 degrees of freedom (precision is free in both). The test is
approximate: the two models are nested only when every parameter outside F sits at its
neutral value, and a penalised estimate does not maximise the likelihood. AIC values are
reported beside it.

Frames returned
---------------
``CalibrationResult.estimates`` (one row per free parameter):

============  =======  ====================================================================
column        dtype    meaning (unit)
============  =======  ====================================================================
param         Utf8     parameter name
cluster       Utf8     its cluster (``choice rule`` for precision)
prior_mean    Float64  prior value, averaged over the training years (parameter's unit)
prior_sd      Float64  prior standard deviation
estimate      Float64  calibrated value, averaged over the training years
shift         Float64  delta, the common shift added to the prior value
std_error     Float64  standard error of delta (Laplace or bootstrap); NaN, never 0, where
                       the Laplace approximation does not apply (see ``se_note``)
ci_low        Float64  95% interval of the estimate (normal, or bootstrap percentiles),
ci_high       Float64  clipped to the parameter's bounds; NaN with ``std_error``
at_bound      Boolean  the estimate sits on a bound in some training year
se_note       Utf8     null, or why no Laplace standard error is given (``n/a: ...``, see
                       :func:`laplace_uncertainty`)
============  =======  ====================================================================

:func:`score` (one row): ``n`` (Int64 years), ``log_loss`` (Float64, mean -ln max(p, 1e-15) of
the observed posture, nats), ``accuracy`` (Float64, share of years whose most probable posture
is the observed one; a tie shares the credit), ``brier`` (Float64, mean multi-class Brier
score, [0, 2]): the scores of :mod:`ncrealism.scoring`. The calibration likelihood uses the same
floored log-probability (:func:`ncrealism.scoring.log_probability`).

:func:`calibration_report` (one row per filter): ``filter`` (Utf8), ``train_log_loss``,
``test_log_loss``, ``test_accuracy``, ``test_brier`` (Float64), ``n_train``, ``n_test``
(Int64).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from numpy.typing import NDArray

from ncrealism.decision.model import (
    FilterLike,
    design_matrix,
    filters_by_year,
    thetas_by_year,
    year_probabilities,
)
from ncrealism.decision.options import DEFAULT_OPTIONS, OptionSet
from ncrealism.errors import InputError
from ncrealism.perception.filter import PARAM_NAMES, PerceptionFilter, spec
from ncrealism.scoring import accuracy, brier, log_loss, log_probability, one_hot_indices

__all__ = [
    "DEFAULT_FREE",
    "KINK",
    "NOT_CONCAVE",
    "CalibrationResult",
    "calibrate",
    "calibration_report",
    "laplace_uncertainty",
    "observed_choices",
    "score",
]

Array = NDArray[np.float64]

#: Parameters fitted by default: one or two per cluster, plus the precision.
DEFAULT_FREE: tuple[str, ...] = (
    "threat_sensitivity",
    "reference_point",
    "self_reliance",
    "assurance_discount",
    "capitulation_aversion",
    "vulnerability_weight",
    "survival_priority",
    "precision",
)


_ESTIMATE_SCHEMA = {
    "param": pl.Utf8,
    "cluster": pl.Utf8,
    "prior_mean": pl.Float64,
    "prior_sd": pl.Float64,
    "estimate": pl.Float64,
    "shift": pl.Float64,
    "std_error": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "at_bound": pl.Boolean,
    "se_note": pl.Utf8,
}


def observed_choices(
    record: pl.DataFrame, years: Sequence[int], options: OptionSet = DEFAULT_OPTIONS
) -> NDArray[np.int64]:
    """Option index of ``dominant_posture`` in each of ``years`` (all must be in the record)."""
    rec = record.select("year", "dominant_posture")
    have = dict(zip(rec["year"].to_list(), rec["dominant_posture"].to_list(), strict=True))
    missing = [y for y in years if y not in have]
    if missing:
        raise InputError(f"the record has no year(s) {missing[:5]}")
    return np.array([options.index(str(have[y])) for y in years], dtype=np.int64)


def _rows(inputs: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    have = set(inputs["year"].to_list())
    missing = [y for y in years if y not in have]
    if missing:
        raise InputError(f"the inputs frame has no year(s) {missing[:5]}")
    return inputs.filter(pl.col("year").is_in(list(years))).sort("year")


@dataclass(frozen=True)
class _Problem:
    X: Array
    base: Array  # (years, params): prior theta of each year
    y: NDArray[np.int64]
    free: tuple[int, ...]
    sd: Array
    lo: Array
    hi: Array
    options: OptionSet

    def thetas(self, delta: Array) -> Array:
        th = self.base.copy()
        th[:, list(self.free)] += delta[None, :]
        return th

    def loglik(self, delta: Array) -> float:
        _, p = year_probabilities(self.X, self.thetas(delta), options=self.options)
        return float(log_probability(p, self.y).sum())

    def objective(self, delta: Array) -> float:
        return -self.loglik(delta) + 0.5 * float(np.sum((delta / self.sd) ** 2))


def _problem(
    inputs: pl.DataFrame,
    record: pl.DataFrame,
    years: Sequence[int],
    prior: FilterLike,
    free: Sequence[str],
    options: OptionSet,
) -> tuple[_Problem, list[PerceptionFilter]]:
    rows = _rows(inputs, years)
    yrs = rows["year"].to_list()
    filters = filters_by_year(prior, yrs)
    X = design_matrix(rows, prior)
    base = thetas_by_year(filters)
    idx = tuple(PARAM_NAMES.index(f) for f in free)
    sd = np.array([np.mean([f.prior(n).sd for f in filters]) for n in free])
    lo = np.array(
        [spec(n).lo - base[:, PARAM_NAMES.index(n)].min() for n in free], dtype=np.float64
    )
    hi = np.array(
        [spec(n).hi - base[:, PARAM_NAMES.index(n)].max() for n in free], dtype=np.float64
    )
    y = observed_choices(record, yrs, options)
    return _Problem(X, base, y, idx, sd, lo, hi, options), filters


def _fit(pb: _Problem, start: Array | None = None) -> Array:
    from scipy.optimize import minimize

    x0 = np.zeros(len(pb.free)) if start is None else start
    x0 = np.clip(x0, pb.lo, pb.hi)
    res = minimize(
        pb.objective,
        x0,
        method="L-BFGS-B",
        bounds=list(zip(pb.lo, pb.hi, strict=True)),
        options={"maxiter": 500},
    )
    return np.asarray(res.x, dtype=np.float64)


def _hessian(f: Callable[[Array], float], x: Array, step: float = 1e-4) -> Array:
    """Central finite-difference Hessian of ``f`` at ``x`` (relative step ``step``)."""
    n = x.size
    h = step * np.maximum(1.0, np.abs(x))
    H = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h[i]
            ej[j] = h[j]
            fpp = f(x + ei + ej)
            fpm = f(x + ei - ej)
            fmp = f(x - ei + ej)
            fmm = f(x - ei - ej)
            H[i, j] = H[j, i] = (fpp - fpm - fmp + fmm) / (4.0 * h[i] * h[j])
    return H


def _hessian_diagonal(f: Callable[[Array], float], x: Array, step: float) -> Array:
    """The diagonal of :func:`_hessian` (same stencil), at a fraction of its cost."""
    h = step * np.maximum(1.0, np.abs(x))
    fx = f(x)
    out = np.empty(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 2.0 * h[i]
        out[i] = (f(x + e) - 2.0 * fx + f(x - e)) / (4.0 * h[i] * h[i])
    return out


#: Why a Laplace standard error is not given (``se_note`` of the estimates).
KINK = "n/a: log-posterior not twice differentiable at the estimate"
NOT_CONCAVE = "n/a: log-posterior not concave at the estimate"


def laplace_uncertainty(
    f: Callable[[Array], float], x: Array
) -> tuple[Array, Array, tuple[str | None, ...]]:
    """Laplace covariance and standard errors of the minimiser ``x`` of ``f`` (= -log posterior).

    The Laplace approximation [TierneyKadane1986] needs ``f`` twice differentiable with a
    positive-definite Hessian at ``x``. Neither is assumed: the Hessian is taken by central
    differences at two steps (relative 1e-4 and 1e-3); a parameter whose curvature differs
    between them by more than 5% has a kink at ``x`` (the prospect value |x|^a with a < 1 has
    one at the reference point, Kahneman & Tversky 1979), and the curvature of a kink grows
    without bound as the step shrinks, so no finite standard error describes it. Of the
    remaining parameters, while their Hessian is not positive definite, the one loading most on
    the eigenvector of the smallest eigenvalue is set aside (the posterior is not concave
    there). Those parameters get NaN (never 0) and a reason; the others get the square roots of
    the diagonal of the inverse of their Hessian block, i.e. with the set-aside parameters held
    at their estimates. Returns ``(cov, se, reasons)`` with NaN rows and columns in ``cov``
    and ``reasons[k]`` None where the standard error is given.
    """
    n = x.size
    fine = _hessian(f, x, 1e-4)
    coarse = _hessian_diagonal(f, x, 1e-3)
    reasons: list[str | None] = [None] * n
    for k in range(n):
        a, b = fine[k, k], coarse[k]
        if not (np.isfinite(a) and np.isfinite(b)) or abs(a - b) > 0.05 * max(abs(a), abs(b)):
            reasons[k] = KINK
    while True:
        keep = [k for k in range(n) if reasons[k] is None]
        if not keep:
            break
        block = fine[np.ix_(keep, keep)]
        w, v = np.linalg.eigh(block)
        if w[0] > 1e-8 * max(1.0, float(np.abs(w).max())):
            break
        reasons[keep[int(np.argmax(np.abs(v[:, 0])))]] = NOT_CONCAVE
    cov = np.full((n, n), np.nan)
    keep = [k for k in range(n) if reasons[k] is None]
    if keep:
        cov[np.ix_(keep, keep)] = np.linalg.inv(fine[np.ix_(keep, keep)])
    se = np.sqrt(np.diag(cov))
    return cov, se, tuple(reasons)


@dataclass(frozen=True)
class CalibrationResult:
    """Estimates, uncertainty and fit of a calibration (see the module docstring).

    ``covariance``: of the shift delta (Laplace or bootstrap); with Laplace, NaN in the rows
    and columns of the parameters whose ``se_note`` says why no standard error is given.
    """

    estimates: pl.DataFrame
    free: tuple[str, ...]
    shift: tuple[float, ...]
    covariance: Array
    method: str
    train_years: tuple[int, ...]
    loglik: float
    loglik_penalised: float
    loglik_prior: float
    loglik_neutral: float
    neutral_precision: float
    lr_stat: float
    lr_df: int
    lr_pvalue: float
    aic: float
    aic_neutral: float
    prior: FilterLike = field(repr=False)
    notes: tuple[str, ...] = ()

    def filter_for(self, year: int) -> PerceptionFilter:
        """The calibrated filter of ``year``: the prior's filter plus the estimated shift."""
        base = filters_by_year(self.prior, [year])[0]
        values = dict(base.values)
        for n, d in zip(self.free, self.shift, strict=True):
            s = spec(n)
            values[n] = float(min(s.hi, max(s.lo, values[n] + d)))
        return dataclasses.replace(
            base, values=values, label=f"{base.label} (calibrated)", origin="calibrated"
        )

    @property
    def filters(self) -> Callable[[int], PerceptionFilter]:
        """The calibrated filters as a function of the year."""
        return self.filter_for

    def neutral_filter(self) -> PerceptionFilter:
        """The neutral filter with the precision fitted on the training years."""
        return PerceptionFilter.neutral().replace(precision=self.neutral_precision)

    def summary(self) -> str:
        lines = [
            f"calibration on {len(self.train_years)} years "
            f"({min(self.train_years)}-{max(self.train_years)}), uncertainty: {self.method}",
            f"log-likelihood: calibrated {self.loglik:.3f}, prior {self.loglik_prior:.3f}, "
            f"neutral (precision fitted = {self.neutral_precision:.3f}) {self.loglik_neutral:.3f}",
            f"LR = {self.lr_stat:.3f} on {self.lr_df} df, p = {self.lr_pvalue:.4f} "
            f"(approximate); AIC calibrated {self.aic:.2f}, neutral {self.aic_neutral:.2f}",
        ]
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def _neutral_fit(X: Array, y: NDArray[np.int64], options: OptionSet) -> tuple[float, float]:
    from scipy.optimize import minimize_scalar

    base = PerceptionFilter.neutral().to_theta()
    j = PARAM_NAMES.index("precision")
    p_spec = spec("precision")

    def nll(lam: float) -> float:
        th = np.tile(base, (X.shape[0], 1))
        th[:, j] = lam
        _, p = year_probabilities(X, th, options=options)
        return -float(log_probability(p, y).sum())

    res = minimize_scalar(nll, bounds=(p_spec.lo, p_spec.hi), method="bounded")
    return float(res.x), -float(res.fun)


def calibrate(
    inputs: pl.DataFrame,
    record: pl.DataFrame,
    train_years: Sequence[int] | tuple[int, int],
    prior: FilterLike,
    *,
    free: Sequence[str] = DEFAULT_FREE,
    method: str = "laplace",
    n_boot: int = 200,
    rng: np.random.Generator | None = None,
    options: OptionSet = DEFAULT_OPTIONS,
) -> CalibrationResult:
    """Fit the ``free`` parameters of ``prior`` to the record's postures in ``train_years``.

    ``inputs``: :func:`~ncrealism.decision.inputs.build_inputs` output covering the training
    years; ``record``: :func:`~ncrealism.data.records.read_yearly_record` output (only its
    training rows are read); ``train_years``: an inclusive ``(first, last)`` pair or a list;
    ``method``: ``"laplace"`` or ``"bootstrap"`` (then ``rng`` is required: a
    :class:`numpy.random.Generator`).
    """
    if isinstance(train_years, tuple) and len(train_years) == 2:
        years = list(range(int(train_years[0]), int(train_years[1]) + 1))
    else:
        years = sorted({int(y) for y in train_years})
    if len(years) < 2:
        raise InputError("calibration needs at least two training years")
    free = tuple(free)
    bad = [f for f in free if f not in PARAM_NAMES]
    if bad or len(set(free)) != len(free) or not free:
        raise InputError(f"free parameters must be distinct names of {list(PARAM_NAMES)}: {bad}")
    if method not in ("laplace", "bootstrap"):
        raise InputError(f"method must be 'laplace' or 'bootstrap', not '{method}'")
    if method == "bootstrap" and not isinstance(rng, np.random.Generator):
        raise InputError("method='bootstrap' needs rng=numpy.random.default_rng(seed)")
    # Only the training rows of the record are ever read.
    record = record.filter(pl.col("year").is_in(years))
    pb, _ = _problem(inputs, record, years, prior, free, options)
    delta = _fit(pb)
    notes: list[str] = []
    if method == "laplace":
        cov, se, reasons = laplace_uncertainty(pb.objective, delta)
        lo_ci = delta - 1.96 * se
        hi_ci = delta + 1.96 * se
        missing = [n for n, r in zip(free, reasons, strict=True) if r is not None]
        if missing:
            notes.append(
                f"no Laplace standard error for {', '.join(missing)} (n/a): "
                + "; ".join(
                    sorted({f"{r.removeprefix('n/a: ')}" for r in reasons if r is not None})
                )
                + "; the other standard errors hold them at their estimates; "
                "a bootstrap over the training years gives an interval for every parameter"
            )
    else:
        assert rng is not None
        reasons = (None,) * len(free)
        n = len(years)
        draws = np.empty((n_boot, len(free)))
        for b in range(n_boot):
            pick = rng.integers(0, n, size=n)
            sub = dataclasses.replace(pb, X=pb.X[pick], base=pb.base[pick], y=pb.y[pick])
            draws[b] = _fit(sub)
        cov = np.cov(draws, rowvar=False).reshape(len(free), len(free))
        se = draws.std(axis=0, ddof=1)
        lo_ci = np.percentile(draws, 2.5, axis=0)
        hi_ci = np.percentile(draws, 97.5, axis=0)
    ll = pb.loglik(delta)
    ll_pen = -pb.objective(delta)
    ll_prior = pb.loglik(np.zeros(len(free)))
    lam0, ll0 = _neutral_fit(pb.X, pb.y, options)
    from scipy.stats import chi2

    df = len([f for f in free if f != "precision"])
    lr = 2.0 * (ll - ll0)
    pval = float(chi2.sf(lr, df)) if df > 0 else float("nan")
    base_mean = pb.base.mean(axis=0)
    rows = []
    for k, name in enumerate(free):
        j = PARAM_NAMES.index(name)
        vals = pb.base[:, j] + delta[k]
        s_n = spec(name)
        cl = s_n.cluster
        rows.append(
            {
                "param": name,
                "cluster": cl if cl is not None else "choice rule",
                "prior_mean": float(base_mean[j]),
                "prior_sd": float(pb.sd[k]),
                "estimate": float(vals.mean()),
                "shift": float(delta[k]),
                "std_error": float(se[k]),
                "ci_low": float(max(s_n.lo, base_mean[j] + lo_ci[k]))
                if np.isfinite(se[k])
                else float("nan"),
                "ci_high": float(min(s_n.hi, base_mean[j] + hi_ci[k]))
                if np.isfinite(se[k])
                else float("nan"),
                "at_bound": bool(
                    np.isclose(delta[k], pb.lo[k], atol=1e-6)
                    or np.isclose(delta[k], pb.hi[k], atol=1e-6)
                ),
                "se_note": reasons[k],
            }
        )
    if any(r["at_bound"] for r in rows):
        notes.append("some estimates sit on a bound; their standard errors are unreliable")
    return CalibrationResult(
        estimates=pl.DataFrame(rows, schema=_ESTIMATE_SCHEMA),
        free=free,
        shift=tuple(float(d) for d in delta),
        covariance=np.asarray(cov, dtype=np.float64),
        method=method,
        train_years=tuple(years),
        loglik=ll,
        loglik_penalised=ll_pen,
        loglik_prior=ll_prior,
        loglik_neutral=ll0,
        neutral_precision=lam0,
        lr_stat=lr,
        lr_df=df,
        lr_pvalue=pval,
        aic=2 * len(free) - 2 * ll,
        aic_neutral=2 * 1 - 2 * ll0,
        prior=prior,
        notes=tuple(notes),
    )


def score(
    inputs: pl.DataFrame,
    record: pl.DataFrame,
    years: Sequence[int],
    filt: FilterLike,
    *,
    options: OptionSet = DEFAULT_OPTIONS,
) -> pl.DataFrame:
    """Log loss, accuracy and Brier score of ``filt`` on ``years`` of the record (one row)."""
    rows = _rows(inputs, years)
    yrs = rows["year"].to_list()
    X = design_matrix(rows, filt)
    _, p = year_probabilities(X, thetas_by_year(filters_by_year(filt, yrs)), options=options)
    y = observed_choices(record, yrs, options)
    onehot = one_hot_indices(y, p.shape[1])
    return pl.DataFrame(
        {
            "n": [len(y)],
            "log_loss": [log_loss(p, onehot)],
            "accuracy": [accuracy(p, onehot)],
            "brier": [brier(p, onehot)],
        },
        schema={"n": pl.Int64, "log_loss": pl.Float64, "accuracy": pl.Float64, "brier": pl.Float64},
    )


def calibration_report(
    inputs: pl.DataFrame,
    record: pl.DataFrame,
    train_years: Sequence[int] | tuple[int, int],
    test_years: Sequence[int] | tuple[int, int],
    prior: FilterLike,
    *,
    free: Sequence[str] = DEFAULT_FREE,
    options: OptionSet = DEFAULT_OPTIONS,
) -> tuple[pl.DataFrame, CalibrationResult]:
    """Calibrate on ``train_years`` and score on ``test_years``: the calibrated filter, the
    uncalibrated prior, the neutral filter (default precision) and the neutral filter with its
    precision fitted on the training years, side by side (columns in the module docstring)."""

    def span(v: Sequence[int] | tuple[int, int]) -> list[int]:
        if isinstance(v, tuple) and len(v) == 2:
            return list(range(int(v[0]), int(v[1]) + 1))
        return sorted({int(y) for y in v})

    train, test = span(train_years), span(test_years)
    overlap = sorted(set(train) & set(test))
    if overlap:
        raise InputError(f"training and test years overlap: {overlap[:5]}")
    res = calibrate(inputs, record, train, prior, free=free, options=options)
    entries: list[tuple[str, FilterLike]] = [
        ("calibrated profile", res.filters),
        ("profile (uncalibrated prior)", prior),
        ("neutral (structural realism)", PerceptionFilter.neutral()),
        ("neutral, precision fitted", res.neutral_filter()),
    ]
    out = []
    for name, f in entries:
        a = score(inputs, record, train, f, options=options).row(0, named=True)
        b = score(inputs, record, test, f, options=options).row(0, named=True)
        out.append(
            {
                "filter": name,
                "train_log_loss": a["log_loss"],
                "test_log_loss": b["log_loss"],
                "test_accuracy": b["accuracy"],
                "test_brier": b["brier"],
                "n_train": a["n"],
                "n_test": b["n"],
            }
        )
    return pl.DataFrame(out), res
