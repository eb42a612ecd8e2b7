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

    Features (model quantities, not fitted): ``zone_share`` (share of draws with a zone),
    ``margin`` (mean zone margin over draws, issue-scale units; < 0: red lines conflict),
    ``nash_gain`` (mean salience-weighted gain over red lines at the asymmetric Nash solution
    of the coded model, 0 without a zone; Nash 1950) and ``eum_distance`` (distance of the
    expected-utility forecast from the zone, issue-scale units, for talks of three or more
    parties whose every dimension converged; 0 otherwise). The expected-utility model of Bueno
    de Mesquita (1994) is a model of group decision: with two actors each challenge is a duel
    that ends with one side adopting the other's position (capitulation), which says nothing
    about where a bilateral bargain lands, so bilateral talks use the bargaining model alone;
    where the EUM cycles or an actor capitulates, its status is reported, not a point forecast.

Mapping to a probability (:func:`fit_agreement_logit`)
    A Bayesian logistic regression of the outcome (agreement 1, partial ½, otherwise 0) on the
    standardised features of earlier episodes, with prior ``β₀ ~ N(logit(base rate), 1.5²)``,
    ``β_k ~ N(0, 1)`` (Gelman et al. 2008, weakly informative priors for logistic regression:
    with few episodes the forecast stays near the base rate), fitted at its posterior mode
    (L-BFGS) with the Laplace approximation of the posterior (the inverse Hessian). The
    forecast is the probit-approximated predictive mean ``σ(μ/√(1 + π s²/8))`` (MacKay 1992),
    ``μ``/``s`` the mean and standard deviation of the linear predictor, so it is never 0 or 1;
    the interval is ``σ(μ ± 1.645 s)`` (90%).

Durability (:func:`fit_weibull`, :func:`weibull_logpdf`)
    A Weibull accelerated-failure-time model of the days an agreement held (Kalbfleisch &
    Prentice 2002, ch. 2): ``log T = μ + β·z + σ·W``, W the standard minimum extreme-value
    variable, with ``z`` the standardised ``log(1 + expected days)`` of the first-passage model
    of commitment problems (:func:`ncrealism.negotiation.commitment.durability`: drift from
    anticipated power shifts, volatility damped by credible, irreversible commitments).
    Agreements still holding at the forecast's origin enter as right-censored. Priors
    ``μ ~ N(log 365.25, 2²)``, ``β ~ N(0, 1)``, ``log σ ~ N(0, 1)``; posterior mode by L-BFGS.
    The forecast is the median ``exp(μ + β z)·(ln 2)^σ``; the proper score is the negative
    censored log-likelihood of the observed days (:func:`weibull_logpdf`, written once here).
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
    "FEATURES",
    "AgreementLogit",
    "EpisodeFeatures",
    "InputUncertainty",
    "WeibullFit",
    "episode_features",
    "fit_agreement_logit",
    "fit_weibull",
    "weibull_logpdf",
]

FloatArray = NDArray[np.float64]

#: Feature names of the agreement logit, in order.
FEATURES: tuple[str, ...] = ("zone_share", "margin", "nash_gain", "eum_distance")
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
    solution (0 without a zone); ``eum_status``: the EUM status per dimension (``"bilateral:
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
    eum_status: Mapping[str, str] = field(default_factory=dict)
    eum_point: Mapping[str, float] | None = None

    def vector(self) -> FloatArray:
        return np.array([getattr(self, f) for f in FEATURES], dtype=float)

    @property
    def durability_covariate(self) -> float:
        """``log(1 + expected days)`` of the commitment model."""
        return math.log1p(max(0.0, self.expected_days))


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


def episode_features(
    model: CaseModel,
    *,
    uncertainty: InputUncertainty | None = None,
    seed: int = 0,
    episode: str | None = None,
) -> EpisodeFeatures:
    """The model quantities of one episode, with inputs drawn as in the module docstring."""
    from ncrealism.negotiation.bargaining import find_zone, nash_solution
    from ncrealism.negotiation.commitment import durability

    unc = uncertainty or InputUncertainty()
    name = episode or model.case.episodes[0]
    problem = model.problem()
    zone = find_zone(problem)
    nash = nash_solution(problem, zone)
    gain = 0.0
    days = 0.0
    if nash is not None:
        gain = float(np.mean(list(nash.gains.values())))
        c = model.case.commitment
        days = float(
            durability(
                model.commitments(nash),
                volatility=c.volatility.value,
                horizon_years=c.horizon_years.value,
            ).expected_days
        )
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
) -> AgreementLogit:
    """Posterior mode and Laplace covariance of the agreement logit (module docstring).

    ``x``: (n × k) features of earlier episodes; ``y``: targets in [0, 1] (partial outcomes as
    fractions). With n = 0 the prior alone: base rate ½.
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


def weibull_logpdf(days: FloatArray, censored: FloatArray, eta: FloatArray, sigma: float) -> Any:
    """Log-likelihood of each duration under the Weibull AFT model (module docstring).

    ``log f(t) = w − e^w − log(σ t)`` for an observed breakdown, ``log S(t) = −e^w`` for a
    censored one, with ``w = (log t − η)/σ`` (t in days, floored at 1 day).
    """
    t = np.maximum(np.asarray(days, dtype=float), 1.0)
    c = np.asarray(censored, dtype=bool)
    w = (np.log(t) - np.asarray(eta, dtype=float)) / sigma
    ew = np.exp(np.minimum(w, 50.0))
    return np.where(c, -ew, w - ew - np.log(sigma * t))


@dataclass(frozen=True)
class WeibullFit:
    """A fitted durability model: ``η = μ + β·(z − center)/scale``, shape ``σ``."""

    mu: float
    beta: float
    sigma: float
    center: float
    scale: float
    n: int
    n_events: int

    def eta(self, z: float) -> float:
        return self.mu + self.beta * (z - self.center) / self.scale

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


def fit_weibull(
    days: Sequence[float] | FloatArray,
    censored: Sequence[bool] | FloatArray,
    z: Sequence[float] | FloatArray | None = None,
) -> WeibullFit:
    """Posterior mode of the Weibull AFT model (module docstring); ``z=None``: no covariate."""
    from scipy.optimize import minimize

    t = np.asarray(days, dtype=float)
    c = np.asarray(censored, dtype=bool)
    n = len(t)
    if z is None or n == 0:
        zz = np.zeros(n)
        center, scale, free_beta = 0.0, 1.0, False
    else:
        zz = np.asarray(z, dtype=float)
        center = float(zz.mean())
        sd = float(zz.std())
        scale = sd if sd > 1e-9 else 1.0
        free_beta = sd > 1e-9
    zs = (zz - center) / scale
    mu0 = math.log(365.25)

    def objective(theta: FloatArray) -> float:
        mu, beta, log_sigma = theta
        b = beta if free_beta else 0.0
        sigma = math.exp(log_sigma)
        ll = float(np.sum(weibull_logpdf(t, c, mu + b * zs, sigma))) if n else 0.0
        prior = ((mu - mu0) / 2.0) ** 2 / 2.0 + beta**2 / 2.0 + log_sigma**2 / 2.0
        return float(-ll + prior)

    res = minimize(objective, np.array([mu0, 0.0, 0.0]), method="L-BFGS-B")
    mu, beta, log_sigma = (float(v) for v in res.x)
    return WeibullFit(
        mu=mu,
        beta=beta if free_beta else 0.0,
        sigma=math.exp(log_sigma),
        center=center,
        scale=scale,
        n=n,
        n_events=int(np.sum(~c)) if n else 0,
    )
