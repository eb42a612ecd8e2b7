"""From a bargaining model to a calibrated probability of agreement and a durability forecast.

Three steps, each fitted only on episodes that ended before the one forecast (rolling origin).

Uncertainty in the coded inputs (:func:`episode_features`)
    Coded positions, red lines and saliences are readings of public statements, not
    measurements. Each draw perturbs every coded ideal and reservation point by
    ``N(0, position_sd)`` (clipped to [0, 1]), every salience by a factor
    ``exp(N(0, salience_sd))`` and the sanctions pressure and offer credibility by
    ``N(0, position_sd)``; the zone of agreement (:func:`ncrealism.negotiation.bargaining.
    find_zone`) is recomputed for each draw. Draws come from ``numpy.random.SeedSequence([seed,
    crc32(episode)])``, so an episode's draws are the same whatever else is computed.

    Quantities (model quantities, not fitted): ``zone_share`` (share of draws with a zone),
    ``margin`` (mean zone margin over draws, issue-scale units; < 0: red lines conflict),
    ``nash_gain`` (mean salience-weighted gain over red lines at the asymmetric Nash solution
    of the coded model, 0 without a zone; Nash 1950), ``eum_distance`` (distance of the
    expected-utility forecast from the zone, issue-scale units, for talks of three or more
    parties whose every dimension converged; 0 otherwise) and ``n_parties`` (the parties the
    episode's model codes). The expected-utility model of Bueno de Mesquita (1994) is a model
    of group decision: with two actors each challenge is a duel that ends with one side
    adopting the other's position (capitulation), which says nothing about where a bilateral
    bargain lands, so bilateral talks use the bargaining model alone; where the EUM cycles or
    an actor capitulates, its status is reported, not a point forecast.

    The logit reads two of them (:data:`FEATURES`), chosen from the theory before scoring and
    kept few because the record is short (a feature costs more in variance than a weak
    signal earns with some twenty earlier episodes):

    * ``margin``: how far the coded red lines are from overlapping (Fearon 1995: a bargaining
      range exists when the parties' reservation values overlap; the further they are apart,
      the larger the concession a deal needs). It carries what ``zone_share`` says (the share
      of draws with ``margin ≥ 0``) on a continuous scale, and ``nash_gain`` is 0 wherever no
      zone exists, so neither is added;
    * ``log_parties``: ``ln`` of the number of parties. Every party is a veto player of its
      own commitments: the win-set of the status quo can only shrink as veto players are
      added (Tsebelis 2002, *Veto Players*, ch. 1), and a multilateral deal must satisfy
      every red line at once.

Durability covariate (:func:`commitment_index`)
    The **commitment index**: the commitment model's expected days held
    (:func:`ncrealism.negotiation.commitment.durability`) by a reference agreement that leaves
    every party of the episode the same slack, :data:`REFERENCE_SLACK` (0.125, half the 0.25
    step between the issue scales' anchors), with each party's coded credibility and
    reversibility of what it received, its capability trend as the drift, and the survival
    party's credibility read at the mean of the parties' ideal points on the assurance dimension.
    It is the commitment problem as coded (Fearon 1995, pp. 401-409; Powell 2006): an agreement
    holds only while every party's slack does, ``S(t) = Π_i S_i(t)``, so each party that must keep
    its word, each less credible or more reversible commitment and each adverse power shift
    shortens it. Unlike the expected days at the Nash agreement (``expected_days``, 0 where the
    coded model has no zone, as for most recorded agreements), it exists for every episode; how
    deep inside a zone an agreement would land does not enter it.

Mapping to a probability (:func:`fit_agreement_logit`)
    A Bayesian logistic regression of the outcome (agreement 1, partial ½, otherwise 0) on the
    features of earlier episodes, centred on their mean and divided by a **fixed** scale
    (:data:`FEATURE_SCALES`: a step between the issue scales' anchors for the margin, bilateral
    to six-party talks for the number of parties). Dividing by the sample's standard deviation
    instead would, at the first origins, blow up a feature whose few earlier values happen to
    lie close together (a 0.003 spread of margins turned a 0.1 difference into 35 standard
    deviations and the 90% interval into (0, 1)). Prior ``β₀ ~ N(logit(base rate), 1.5²)``,
    ``β_k ~ N(0, 1)`` (Gelman et al. 2008, weakly informative priors for logistic regression:
    with few episodes the forecast stays near the base rate), fitted at its posterior mode
    (L-BFGS) with the Laplace approximation of the posterior (the inverse Hessian). The
    forecast is the probit-approximated predictive mean ``σ(μ/√(1 + π s²/8))`` (MacKay 1992),
    ``μ``/``s`` the mean and standard deviation of the linear predictor, so it is never 0 or 1;
    the interval is ``σ(μ ± 1.645 s)`` (90%).

Durability (:func:`fit_weibull`, :func:`weibull_logpdf`)
    A Weibull accelerated-failure-time model of the days an agreement held (Kalbfleisch &
    Prentice 2002, ch. 2): ``log T = μ + β·(z − z̄) + σ·W``, W the standard minimum extreme-value
    variable, ``z`` the log of the commitment index (days), ``z̄`` its mean over the earlier
    agreements. Agreements still holding at the forecast's origin enter as right-censored. The
    index is a forecast in days and the prior is centred on it: at the centre (``μ = z̄``,
    ``β = 1``, ``σ = 1``) the forecast is the commitment model's own, an exponential whose mean
    is the index. Its level rests on a convention (:data:`REFERENCE_SLACK`), so it is only
    weakly anchored, ``μ ~ N(z̄, 1)``; its two claims, days held proportional to the index and
    exponential about it, are weighed by the evidence, ``β − 1``, ``log σ ~ N(0, τ²)`` with
    ``τ`` the one of
    :data:`PRIOR_STRENGTHS` under which the earlier agreements are most probable (MacKay 1992;
    :func:`fit_weibull`). Posterior mode by Newton's method with the exact Hessian
    (:func:`weibull_derivatives`). The forecast is the median ``exp(μ + β (z − z̄))·(ln 2)^σ``;
    the proper score is the negative censored log-likelihood of the observed days
    (:func:`weibull_logpdf`, written once here). Its rank is the **time ratio**
    ``exp(β (z − ln 365.25))`` (:meth:`WeibullFit.time_ratio`): how much longer (> 1) or
    shorter than an agreement whose commitment index is one year this one is expected to hold,
    a reference fixed across origins. Medians forecast at different origins also move with the
    baseline ``μ``, which each origin refits on more (and longer-observed) agreements; the time
    ratio compares agreements by what the model says about them, not by when they were
    forecast.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ncrealism.errors import InputError

if TYPE_CHECKING:
    from ncrealism.negotiation.cases import CaseModel

__all__ = [
    "BASELINE_PRIOR_DAYS",
    "DAY_FLOOR",
    "FEATURES",
    "FEATURE_SCALES",
    "LEVEL_PRIOR_SD",
    "PRIOR_STRENGTHS",
    "REFERENCE_DAYS",
    "REFERENCE_SLACK",
    "W_CAP",
    "AgreementLogit",
    "EpisodeFeatures",
    "InputUncertainty",
    "WeibullFit",
    "commitment_index",
    "episode_features",
    "fit_agreement_logit",
    "fit_weibull",
    "weibull_derivatives",
    "weibull_log_evidence",
    "weibull_logpdf",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Feature names of the agreement logit, in order.
FEATURES: tuple[str, ...] = ("margin", "log_parties")
#: Fixed scale of each feature (module docstring): one step between the issue scales' anchors
#: (0.25) for ``margin``; bilateral to six-party talks (``ln 3``) for ``log_parties``.
FEATURE_SCALES: tuple[float, ...] = (0.25, math.log(3.0))
#: Slack left to every party by the reference agreement of the commitment index.
REFERENCE_SLACK: float = 0.125
#: Reference of the durability time ratio: an agreement whose commitment index is one year.
REFERENCE_DAYS: float = 365.25
#: Centre of the no-covariate durability model's prior on its median scale: a year (days).
BASELINE_PRIOR_DAYS: float = 365.25
#: Days held are floored at one day (a breakdown on the day of signature counts as one day).
DAY_FLOOR: float = 1.0
#: ``e^w`` of the Weibull likelihood is capped at ``e^50`` (a survival probability of
#: ``exp(−5·10²¹)``, zero for any purpose), so that an absurd fit stays finite.
W_CAP: float = 50.0
#: Prior standard deviation of the durability model's level ``μ − z̄`` (log days): the index's
#: level rests on a convention (:data:`REFERENCE_SLACK`), so it is only weakly anchored.
LEVEL_PRIOR_SD: float = 1.0
#: Strengths ``τ`` of the durability model's prior on the commitment model's claims (prior
#: standard deviation of ``β − 1`` and ``log σ``), from nearly the claims as they stand (0.01)
#: to a weak prior (3), 25 steps evenly spaced in ``log τ``; the evidence of the earlier
#: agreements chooses among them (:func:`fit_weibull`).
PRIOR_STRENGTHS: tuple[float, ...] = tuple(float(v) for v in np.geomspace(0.01, 3.0, 25))
#: Two-sided 90% normal quantile for the reported intervals.
Z90 = 1.6448536269514722


@dataclass(frozen=True)
class InputUncertainty:
    """Spread of the coded inputs in the draws (conventions, fixed before scoring).

    Attributes:
        position_sd: standard deviation of ideal and reservation points, sanctions pressure
            and offer credibility (issue-scale units); 0.05, a fifth of the 0.25 step between
            the scales' anchors. Bounds [0, 0.5]; 0 switches draws off.
        salience_sd: standard deviation of the log of each salience; 0.2 (saliences known to
            about ±20%). Bounds [0, 1].
        draws: number of draws; ≥ 1.
    """

    position_sd: float = 0.05
    salience_sd: float = 0.2
    draws: int = 40

    def __post_init__(self) -> None:
        if not (0.0 <= self.position_sd <= 0.5):
            raise InputError(f"position_sd is {self.position_sd}; it must be in [0, 0.5]")
        if not (0.0 <= self.salience_sd <= 1.0):
            raise InputError(f"salience_sd is {self.salience_sd}; it must be in [0, 1]")
        if self.draws < 1:
            raise InputError(f"draws is {self.draws}; it must be at least 1")


@dataclass(frozen=True)
class EpisodeFeatures:
    """What the bargaining model says about one episode (module docstring).

    ``expected_days``: the commitment model's expected days held at the coded model's Nash
    solution (0 without a zone); ``commitment_days``: the commitment index (days, every episode;
    :func:`commitment_index`); ``eum_status``: the EUM status per dimension (``"bilateral:
    not run"`` for two parties); ``eum_point``: its forecast where meaningful (else None).
    """

    episode: str
    zone_share: float
    margin: float
    nash_gain: float
    eum_distance: float
    expected_days: float
    zone_exists: bool
    point_margin: float
    n_parties: int = 2
    commitment_days: float = 0.0
    eum_status: Mapping[str, str] = field(default_factory=dict)
    eum_point: Mapping[str, float] | None = None

    def vector(self) -> FloatArray:
        """The logit's inputs, in the order of :data:`FEATURES`."""
        return np.array([getattr(self, f) for f in FEATURES], dtype=float)

    @property
    def log_parties(self) -> float:
        """``ln`` of the number of parties (module docstring)."""
        return math.log(max(1, self.n_parties))

    @property
    def durability_covariate(self) -> float:
        """The durability model's covariate: ``ln`` of the commitment index (docstring)."""
        return math.log(max(1.0, self.commitment_days))


def _draw_changes(
    model: CaseModel, rng: np.random.Generator, unc: InputUncertainty
) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, v in model.values.items():
        if key.startswith("stance.") and key.endswith((".ideal", ".reservation")):
            out[key] = float(np.clip(v + rng.normal(0.0, unc.position_sd), 0.0, 1.0))
        elif key.startswith("stance.") and key.endswith(".salience"):
            out[key] = float(np.clip(v * math.exp(rng.normal(0.0, unc.salience_sd)), 0.0, 1.0))
        elif key in ("survival.sanctions_pressure", "survival.offer_credibility"):
            out[key] = float(np.clip(v + rng.normal(0.0, unc.position_sd), 0.0, 1.0))
    return out


def _eum_distance(problem: Any, zone: Any) -> tuple[float, dict[str, str], dict[str, float] | None]:
    """Distance of the EUM forecast from the zone where the EUM is meaningful (docstring)."""
    from ncrealism.negotiation.cases import eum_forecast

    if len(problem.parties) < 3:
        return 0.0, {d: "bilateral: not run" for d in problem.dimension_names}, None
    fc = eum_forecast(problem, zone=zone)
    status = dict(fc.status)
    runs = fc.runs
    for d, res in runs.items():
        # An actor that took a capitulation offer adopted another's position outright.
        if any(o.kind == "capitulation" for st in res.rounds for o in st.offers):
            status[d] = f"{status[d]}, with capitulation"
    meaningful = all(s in ("converged", "consensus") for s in status.values())
    if not meaningful or not zone.exists:
        return 0.0, status, dict(fc.point) if meaningful else None
    dist = 0.0
    for d, x in fc.point.items():
        iv = zone.interval(d)
        dist = max(dist, iv.lower - x, x - iv.upper, 0.0)
    return float(dist), status, dict(fc.point)


def _expected_days(model: CaseModel, commitments: Any) -> float:
    """The commitment model's expected days held (:func:`ncrealism.negotiation.commitment.
    durability`) for ``commitments``, with the case's volatility and horizon."""
    from ncrealism.negotiation.commitment import durability

    c = model.case.commitment
    return float(
        durability(
            commitments, volatility=c.volatility.value, horizon_years=c.horizon_years.value
        ).expected_days
    )


def commitment_index(model: CaseModel, problem: Any = None) -> float:
    """The commitment index of ``model`` (days): the commitment model's expected days held by an
    agreement that leaves every party :data:`REFERENCE_SLACK` (module docstring); ``problem``:
    ``model.problem()`` where the caller already has it."""
    problem = model.problem() if problem is None else problem
    names = [p.name for p in problem.parties]
    dim = model.case.survival.assurance_dimension if model.case.survival is not None else ""
    ideals = [p.stances[dim].ideal for p in problem.parties if dim and dim in p.stances]
    assurance = float(np.mean(ideals)) if ideals else 0.0
    return _expected_days(
        model, model.commitments_at(names, {n: REFERENCE_SLACK for n in names}, assurance)
    )


def episode_features(
    model: CaseModel,
    *,
    uncertainty: InputUncertainty | None = None,
    seed: int = 0,
    episode: str | None = None,
) -> EpisodeFeatures:
    """The model quantities of one episode, with inputs drawn as in the module docstring."""
    from ncrealism.negotiation.bargaining import find_zone, nash_solution

    unc = uncertainty or InputUncertainty()
    name = episode or model.case.episodes[0]
    problem = model.problem()
    zone = find_zone(problem)
    nash = nash_solution(problem, zone)
    gain = 0.0
    days = 0.0
    if nash is not None:
        gain = float(np.mean(list(nash.gains.values())))
        days = _expected_days(model, model.commitments(nash))
    commitment_days = commitment_index(model, problem)
    rng = np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))
    margins = np.empty(unc.draws)
    for i in range(unc.draws):
        drawn = model.with_values(_draw_changes(model, rng, unc)).problem()
        margins[i] = find_zone(drawn).margin
    eum_distance, status, point = _eum_distance(problem, zone)
    return EpisodeFeatures(
        episode=name,
        zone_share=float(np.mean(margins >= 0.0)),
        margin=float(np.mean(margins)),
        nash_gain=gain,
        eum_distance=eum_distance,
        expected_days=days,
        zone_exists=bool(zone.exists),
        point_margin=float(zone.margin),
        n_parties=len(problem.parties),
        commitment_days=commitment_days,
        eum_status=status,
        eum_point=point,
    )


# --------------------------------------------------------------------------------------------
# Agreement: Bayesian logit, Laplace approximation
# --------------------------------------------------------------------------------------------


def _sigmoid(x: FloatArray | float) -> Any:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))


@dataclass(frozen=True)
class AgreementLogit:
    """A fitted agreement logit (module docstring): standardisation, posterior mode and
    covariance, prior centre. ``n`` is the number of episodes it was fitted on."""

    center: FloatArray
    scale: FloatArray
    mode: FloatArray
    covariance: FloatArray
    base_rate: float
    n: int

    def predict(self, x: FloatArray) -> tuple[float, float, float]:
        """``(P, low, high)``: predictive mean and 90% interval, all strictly inside (0, 1)."""
        z = np.concatenate([[1.0], (np.asarray(x, dtype=float) - self.center) / self.scale])
        mu = float(z @ self.mode)
        s = float(math.sqrt(max(0.0, z @ self.covariance @ z)))
        p = float(_sigmoid(mu / math.sqrt(1.0 + math.pi * s * s / 8.0)))
        lo = float(_sigmoid(mu - Z90 * s))
        hi = float(_sigmoid(mu + Z90 * s))
        eps = 1e-6
        return (
            min(1.0 - eps, max(eps, p)),
            min(1.0 - eps, max(eps, lo)),
            min(1.0 - eps, max(eps, hi)),
        )


def fit_agreement_logit(
    x: FloatArray,
    y: FloatArray,
    *,
    intercept_sd: float = 1.5,
    slope_sd: float = 1.0,
    scales: Sequence[float] | None = None,
) -> AgreementLogit:
    """Posterior mode and Laplace covariance of the agreement logit (module docstring).

    ``x``: (n × k) features of earlier episodes; ``y``: targets in [0, 1] (partial outcomes as
    fractions); ``scales``: the fixed scale of each feature (``None``: the sample's standard
    deviation, 1 where it is 0). With n = 0 the prior alone: base rate ½.
    """
    from scipy.optimize import minimize

    x = np.asarray(x, dtype=float).reshape(len(y), -1) if len(y) else np.zeros((0, len(FEATURES)))
    y = np.asarray(y, dtype=float)
    k = x.shape[1]
    n = len(y)
    base = (float(y.sum()) + 1.0) / (n + 2.0)
    if n:
        center = x.mean(axis=0)
        scale = x.std(axis=0)
    else:
        center = np.zeros(k)
        scale = np.ones(k)
    scale = np.where(scale > 1e-9, scale, 1.0)
    if scales is not None:
        if len(scales) != k or not all(math.isfinite(v) and v > 0 for v in scales):
            raise InputError(f"scales must be {k} positive numbers, got {list(scales)}")
        scale = np.asarray(scales, dtype=float)
    z = np.column_stack([np.ones(n), (x - center) / scale]) if n else np.zeros((0, k + 1))
    prior_mean = np.concatenate([[math.log(base / (1.0 - base))], np.zeros(k)])
    prior_prec = np.concatenate([[1.0 / intercept_sd**2], np.full(k, 1.0 / slope_sd**2)])

    def objective(b: FloatArray) -> tuple[float, FloatArray]:
        eta = z @ b
        # -log-likelihood of fractional targets: sum softplus(eta) - y*eta
        nll = float(np.sum(np.logaddexp(0.0, eta) - y * eta))
        grad = z.T @ (_sigmoid(eta) - y)
        d = b - prior_mean
        return nll + 0.5 * float(d @ (prior_prec * d)), grad + prior_prec * d

    res = minimize(objective, prior_mean.copy(), jac=True, method="L-BFGS-B")
    mode = np.asarray(res.x, dtype=float)
    p = _sigmoid(z @ mode)
    hess = (z.T * (p * (1.0 - p))) @ z + np.diag(prior_prec)
    cov = np.linalg.inv(hess)
    return AgreementLogit(center, scale, mode, cov, base, n)


# --------------------------------------------------------------------------------------------
# Durability: Weibull AFT with censoring
# --------------------------------------------------------------------------------------------


def weibull_logpdf(
    days: FloatArray, censored: FloatArray | BoolArray, eta: FloatArray, sigma: float
) -> Any:
    """Log-likelihood of each duration under the Weibull AFT model (module docstring).

    ``log f(t) = w − e^w − log(σ t)`` for an observed breakdown, ``log S(t) = −e^w`` for a
    censored one, with ``w = (log t − η)/σ`` (t in days, floored at :data:`DAY_FLOOR`;
    ``e^w`` capped at ``e^``:data:`W_CAP`).
    """
    t = np.maximum(np.asarray(days, dtype=float), DAY_FLOOR)
    c = np.asarray(censored, dtype=bool)
    w = (np.log(t) - np.asarray(eta, dtype=float)) / sigma
    ew = np.exp(np.minimum(w, W_CAP))
    return np.where(c, -ew, w - ew - np.log(sigma * t))


@dataclass(frozen=True)
class WeibullFit:
    """A fitted durability model: ``η = μ + β·(z − center)``, shape ``σ``.

    ``mu`` (log days), ``beta`` (log days per log day of the index; 0 without a covariate),
    ``sigma`` (dimensionless: 1 is an exponential), ``center`` (the earlier agreements' mean
    log index, log days), ``n``/``n_events`` (earlier agreements, and those that had ended),
    ``prior_sd``: the standard deviation τ of the prior on the commitment model's claims (the
    smaller, the stronger), chosen by the evidence of the earlier agreements
    (:func:`fit_weibull`); ``None`` without a covariate.
    """

    mu: float
    beta: float
    sigma: float
    center: float
    n: int
    n_events: int
    prior_sd: float | None = None

    def eta(self, z: float) -> float:
        """The linear predictor (log days) for covariate ``z`` (log days)."""
        return self.mu + self.beta * (z - self.center)

    def time_ratio(self, z: float) -> float:
        """``exp(β·(z − ln 365.25))``: the factor by which covariate ``z`` stretches every
        quantile of the days held, relative to an agreement whose commitment index is one year
        (:data:`REFERENCE_DAYS`), a reference fixed across origins; 1 without a covariate."""
        return float(math.exp(self.beta * (z - math.log(REFERENCE_DAYS))))

    def median_days(self, z: float) -> float:
        """Median days held for covariate ``z`` (days)."""
        return float(math.exp(self.eta(z)) * math.log(2.0) ** self.sigma)

    def log_score(self, days: float, z: float, censored: bool = False) -> float:
        """Censored log-likelihood of ``days`` (nats; higher is better)."""
        return float(
            weibull_logpdf(
                np.array([days]), np.array([censored]), np.array([self.eta(z)]), self.sigma
            )[0]
        )


def weibull_derivatives(
    theta: FloatArray, days: FloatArray, censored: FloatArray | BoolArray, zs: FloatArray
) -> tuple[float, FloatArray, FloatArray]:
    """Negative log-likelihood (nats) of ``θ = (μ, β, log σ)`` with its gradient and Hessian;
    ``zs`` the covariate (log days), centred or not.

    The value is :func:`weibull_logpdf` summed; with ``w = (log t − η)/σ``, ``η = μ + β·zs``
    and ``δ`` = 1 for an observed breakdown, ``∂ℓ/∂w = δ − e^w``, ``∂w/∂η = −1/σ``,
    ``∂w/∂log σ = −w``, and ``∂ℓ/∂log σ`` carries the ``−δ`` of ``−log σ``. Beyond the cap
    :data:`W_CAP` the ``e^w`` term is flat in ``w``, and so are its derivatives.
    """
    zs = np.asarray(zs, dtype=float)
    mu, beta, log_sigma = (float(v) for v in theta)
    sigma = math.exp(log_sigma)
    t = np.maximum(np.asarray(days, dtype=float), DAY_FLOOR)
    c = np.asarray(censored, dtype=bool)
    d = (~c).astype(float)
    eta = mu + beta * zs
    value = -float(np.sum(weibull_logpdf(t, c, eta, sigma)))
    w = (np.log(t) - eta) / sigma
    ew = np.where(w < W_CAP, np.exp(np.minimum(w, W_CAP)), 0.0)  # d(e^w)/dw, 0 past the cap
    g = d - ew  # ∂ℓ/∂w
    a = ew / sigma**2  # −∂²ℓ/∂η²
    b = (d - ew - w * ew) / sigma  # ∂²ℓ/∂η ∂log σ
    q = w * w * ew - w * (d - ew)  # −∂²ℓ/∂(log σ)²
    (
        s_g,
        s_gz,
        s_gw,
        s_a,
        s_az,
        s_azz,
        s_b,
        s_bz,
        s_q,
    ) = np.stack([g, g * zs, g * w + d, a, a * zs, a * zs * zs, b, b * zs, q]).sum(axis=1)
    # of the negative log-likelihood
    grad = np.array([s_g / sigma, s_gz / sigma, s_gw])
    hess = np.array([[s_a, s_az, -s_b], [s_az, s_azz, -s_bz], [-s_b, -s_bz, s_q]])
    return value, grad, hess


@dataclass(frozen=True)
class _Mode:
    """A posterior mode: ``theta``, the negative log posterior there without constants
    (``value``), the Cholesky factor of its Hessian (``None`` where it is not positive
    definite) and whether Newton's method converged."""

    theta: FloatArray
    value: float
    chol: FloatArray | None
    converged: bool


def _cholesky(matrix: FloatArray) -> FloatArray | None:
    if not np.all(np.isfinite(matrix)):
        return None
    try:
        return np.asarray(np.linalg.cholesky(matrix), dtype=float)
    except np.linalg.LinAlgError:
        return None


def _weibull_mode(
    t: FloatArray,
    c: BoolArray,
    zs: FloatArray,
    prior_mean: FloatArray,
    prior_sd: FloatArray,
    starts: Sequence[FloatArray],
    fallbacks: Sequence[FloatArray] = (),
) -> _Mode:
    """Posterior mode of ``θ = (μ, β, log σ)`` under independent normal priors.

    Newton's method with the exact Hessian (:func:`weibull_derivatives`), shifted towards the
    gradient where it is not positive definite (Levenberg 1944) and with a backtracking line
    search (Nocedal & Wright 2006, ch. 3), stopped when the Newton decrement vanishes (Boyd &
    Vandenberghe 2004, §9.5); from each of ``starts``, keeping the best converged mode, and
    from each of ``fallbacks`` too if none converged (the best mode if none did).
    """
    prec = 1.0 / prior_sd**2
    eye = np.eye(3)

    def value_at(theta: FloatArray) -> float:
        dev = theta - prior_mean
        eta = theta[0] + theta[1] * zs
        ll = float(np.sum(weibull_logpdf(t, c, eta, math.exp(theta[2])))) if len(t) else 0.0
        return -ll + 0.5 * float(dev @ (prec * dev))

    def derivatives(theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        _, grad, hess = weibull_derivatives(theta, t, c, zs)
        return grad + prec * (theta - prior_mean), hess + np.diag(prec)

    def newton(theta: FloatArray) -> _Mode:
        value = value_at(theta)
        converged = False
        for _ in range(100):
            grad, hess = derivatives(theta)
            chol = None
            shift = 0.0
            for _ in range(200):  # the shift doubles: positive definite long before 200
                chol = _cholesky(hess + shift * eye)
                if chol is not None or not np.all(np.isfinite(hess)):
                    break
                shift = max(2.0 * shift, 1e-6 * float(np.max(np.abs(np.diag(hess)))) + 1e-9)
            if chol is None or not np.all(np.isfinite(grad)):
                break
            step = -np.linalg.solve(chol.T, np.linalg.solve(chol, grad))
            decrement = -float(grad @ step)
            if decrement < 1e-14:
                # The Newton decrement vanishes: at the mode, if the Hessian needed no shift
                # (a shifted one shrinks the step and the decrement with it).
                converged = shift == 0.0
                break
            size = 1.0
            while size > 1e-12:
                trial = theta + size * step
                tv = value_at(trial)
                if math.isfinite(tv) and tv <= value - 1e-4 * size * decrement:
                    break
                size /= 2.0
            else:
                # No decrease along the step: at the mode to rounding, if the decrement is
                # already tiny against the value.
                converged = shift == 0.0 and decrement < 1e-9 * max(1.0, abs(value))
                break
            theta, value = trial, tv
        _, hess = derivatives(theta)
        return _Mode(theta, value, _cholesky(hess), converged)

    # Trial steps may overflow (σ → 0 or ∞): such values are non-finite and rejected.
    with np.errstate(all="ignore"):
        modes = [newton(np.asarray(x0, dtype=float)) for x0 in starts]
        if fallbacks and not any(m.converged for m in modes):
            modes += [newton(np.asarray(x0, dtype=float)) for x0 in fallbacks]
    converged = [m for m in modes if m.converged]
    return min(converged or modes, key=lambda m: m.value)


def _starts(t: FloatArray, centre: FloatArray) -> list[FloatArray]:
    """The prior's centre, and the data's where there are data: the log-likelihood is steep
    where ``e^w`` is large, so a start far from the data can stop short of the mode."""
    out = [centre.copy()]
    if len(t):
        out.append(
            np.array([float(np.mean(np.log(np.maximum(t, DAY_FLOOR)))), centre[1], centre[2]])
        )
    return out


def _log_evidence(mode: _Mode, tau: float) -> float | None:
    """Laplace approximation of the log marginal likelihood (see :func:`fit_weibull`), ``None``
    where the mode is not a converged maximum."""
    if not mode.converged or mode.chol is None:
        return None
    log_det = 2.0 * float(np.sum(np.log(np.diag(mode.chol))))
    out = -mode.value - 0.5 * log_det - math.log(LEVEL_PRIOR_SD) - 2.0 * math.log(tau)
    return out if math.isfinite(out) else None


def weibull_log_evidence(
    days: Sequence[float] | FloatArray,
    censored: Sequence[bool] | FloatArray,
    z: Sequence[float] | FloatArray,
    tau: float,
) -> float | None:
    """The Laplace-approximated log marginal likelihood of the agreements under the prior of
    strength ``tau`` (:func:`fit_weibull`), ``log ∫ L(θ) N(θ; centre, diag(1, τ², τ²)) dθ``
    (nats): ``−U(θ̂) − ½ log det H − log s_μ − 2 log τ`` (``s_μ`` =
    :data:`LEVEL_PRIOR_SD`), the ``(2π)^{3/2}`` of the Gaussian integral
    cancelling the prior's normaliser; ``None`` where no maximum was found."""
    t, c, zs, prior_mean = _durability_data(days, censored, z)
    mode = _weibull_mode(
        t, c, zs, prior_mean, np.array([LEVEL_PRIOR_SD, tau, tau]), _starts(t, prior_mean)
    )
    return _log_evidence(mode, tau)


def _durations(
    days: Sequence[float] | FloatArray, censored: Sequence[bool] | FloatArray | BoolArray
) -> tuple[FloatArray, BoolArray]:
    """Days held and censoring flags, checked: as many flags as durations, every duration a
    finite number of days ≥ 0."""
    t = np.asarray(days, dtype=float).reshape(-1)
    c = np.asarray(censored, dtype=bool).reshape(-1)
    if len(c) != len(t):
        raise InputError(f"durability: {len(t)} duration(s) but {len(c)} censoring flag(s)")
    bad = ~np.isfinite(t) | (t < 0)
    if np.any(bad):
        raise InputError(
            f"durability: days held must be finite and ≥ 0, got {t[bad].tolist()} "
            f"(agreement(s) {np.flatnonzero(bad).tolist()})"
        )
    return t, c


def _durability_data(
    days: Sequence[float] | FloatArray,
    censored: Sequence[bool] | FloatArray | BoolArray,
    z: Sequence[float] | FloatArray,
) -> tuple[FloatArray, BoolArray, FloatArray, FloatArray]:
    """Days, censoring flags, the covariate centred on its mean, and the prior's centre."""
    t, c = _durations(days, censored)
    zz = np.asarray(z, dtype=float).reshape(-1)
    if len(zz) != len(t):
        raise InputError(f"durability: {len(t)} agreement(s) but {len(zz)} covariate value(s)")
    if not np.all(np.isfinite(zz)):
        raise InputError(f"durability: a covariate (log commitment index) is not finite: {zz}")
    # Without earlier agreements their mean index is undefined: the reference, one year.
    center = float(zz.mean()) if len(t) else math.log(REFERENCE_DAYS)
    return t, c, zz - center, np.array([center, 1.0, 0.0])


def fit_weibull(
    days: Sequence[float] | FloatArray,
    censored: Sequence[bool] | FloatArray,
    z: Sequence[float] | FloatArray | None = None,
) -> WeibullFit:
    """Posterior mode of the Weibull AFT model (module docstring).

    ``z=None``: no covariate, ``μ ~ N(log 365.25, 2²)`` (a year, give or take a factor of 50),
    ``log σ ~ N(0, 1)``. Otherwise ``z`` is a forecast of ``log`` days (the commitment index)
    and the prior is centred on it: the level ``μ − mean z ~ N(0, 1)`` (:data:`LEVEL_PRIOR_SD`;
    the index's level rests on a convention), and the commitment model's two claims, that days
    held are proportional to the index and exponential about it, ``β − 1`` and ``log σ`` each
    ``~ N(0, τ²)``. At the centre ``η = z`` and σ = 1. The strength ``τ`` is the one of
    :data:`PRIOR_STRENGTHS` under which the earlier agreements are most probable: the largest
    Laplace approximation of the marginal likelihood, ``−U(θ̂) − ½ log det H − 2 log τ`` up to
    a constant (:func:`weibull_log_evidence`), with ``U`` the negative log of likelihood ×
    prior without the prior's normaliser and ``H`` its Hessian at the mode (MacKay
    1992, "Bayesian interpolation", the evidence framework). Ties (as without data, where every
    ``τ`` gives the prior) go to the strongest prior. Where the earlier ``z`` do not vary, the
    data say nothing of the slope and it stays at its prior 1.
    """
    if z is None:
        t, c = _durations(days, censored)
        n, n_events = len(t), int(np.sum(~c))
        zs = np.zeros(n)
        centre = np.array([math.log(BASELINE_PRIOR_DAYS), 0.0, 0.0])
        base = _weibull_mode(t, c, zs, centre, np.array([2.0, 1.0, 1.0]), _starts(t, centre))
        if not base.converged:
            raise InputError(f"no durability fit on {n} agreement(s): Newton did not converge")
        return WeibullFit(
            mu=float(base.theta[0]),
            beta=0.0,
            sigma=math.exp(float(base.theta[2])),
            center=0.0,
            n=n,
            n_events=n_events,
        )
    t, c, zs, prior_mean = _durability_data(days, censored, z)
    n, n_events, center = len(t), int(np.sum(~c)), float(prior_mean[0])
    best: tuple[float, FloatArray, float] | None = None
    # The strongest prior from the prior's centre and the data's; each weaker one from the
    # mode of the one before (the mode moves continuously with τ), and from the centres again
    # should that not converge.
    centres = _starts(t, prior_mean)
    starts = centres
    for tau in PRIOR_STRENGTHS:
        prior_sd = np.array([LEVEL_PRIOR_SD, tau, tau])
        fallbacks = () if starts is centres else centres
        mode = _weibull_mode(t, c, zs, prior_mean, prior_sd, starts, fallbacks)
        starts = [mode.theta]
        log_evidence = _log_evidence(mode, tau)
        if log_evidence is not None and (best is None or log_evidence > best[0] + 1e-9):
            best = (log_evidence, mode.theta, tau)
    if best is None:
        raise InputError(
            f"no durability fit on {n} agreement(s): no converged maximum of the posterior "
            f"for any prior strength"
        )
    _, theta, tau = best
    return WeibullFit(
        mu=float(theta[0]),
        beta=float(theta[1]),
        sigma=math.exp(float(theta[2])),
        center=center,
        n=n,
        n_events=n_events,
        prior_sd=tau,
    )
