"""The dynamic decision: quantal response from the status quo, with parameter uncertainty.

The static model (:mod:`ncrealism.decision.model`) chooses a posture each year as if the slate
were clean. A state does not: the status quo is its reference point (prospect theory, Kahneman &
Tversky 1979; in international politics Levy 1992, 1997, "Prospect theory, rational choice and
international relations", *International Studies Quarterly* 41:87-112), and changing course has a
cost that domestic institutions set (Ripsman, Taliaferro & Lobell 2016, ch. 3: a centralised
executive with few veto players changes course rarely and abruptly; a leadership change resets
the commitments of the predecessor).

Utility of option k in period t, given last period's posture ``s`` (the status quo):

    V_tk = beta z_tk + kappa_t 1[k = s] + alpha_k + sum_c gamma_ck e_tc + sum_j delta_jk x_tj

* ``z_tk``: the filter's quantal-response log-probabilities, centred within the period,
  ``log P_k - mean_j log P_j`` with P from :func:`ncrealism.decision.model.posture_probabilities`
  (the perception-filtered utilities times the filter's precision, up to a constant). ``beta``
  weighs the theory: ``beta = 1``, every other term 0, is the static model as coded.
* ``kappa_t = kappa (1 - succession_t)``: the switching cost (inertia), cut by a leadership
  change (``succession``, the context-event channel of
  :func:`ncrealism.decision.inputs.build_inputs`: 1 just after a new leader, decaying over about
  three years). kappa -> infinity reproduces persistence; the model nests it.
* ``alpha_k``: the option's base propensity (what neither theory nor inertia explain).
* ``e_tc``: log(1 + count) of the state's own acts of category c in the previous period (the
  event record): the finer-grained status quo (which acts it was already taking).
* ``x_tj``: raw system inputs with free effects, used only by the structural-realism variant
  (:func:`structural_spec`), which replaces the filter by the neutral one.

P(k | s) = softmax_k V_tk: a conditional logit (McFadden 1974) whose utilities are linear in the
parameter vector theta; each model is a *design* (one column of V per parameter).

Estimation. Gaussian priors on every parameter (:class:`Prior`, means at theory or neutral
values, standard deviations small enough to regularise 5-20 yearly observations), maximum a
posteriori by Newton's method (:func:`scipy.optimize.minimize`, ``trust-exact``, exact gradient
and Hessian of the logit), and the Laplace approximation of the posterior: theta ~ N(MAP,
H^-1), H the Hessian of the negative log posterior at the MAP (Tierney & Kadane 1986, *JASA*
81:82-86; MacKay 2003, ch. 27). Predictive probabilities average the softmax over ``n_draws``
draws from that normal, taken with an explicit :class:`numpy.random.Generator`; a floor of
:data:`PROB_FLOOR` keeps every probability strictly inside (0, 1).

Horizons. A forecast h periods ahead chains the transition matrix T_ij = P(k = j | s = i) of the
inputs known at the origin (inputs are held at their last known value; h = 2 integrates over the
unknown posture of the intermediate period), draw by draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ncrealism.errors import InputError
from ncrealism.scoring import softmax

__all__ = [
    "PROB_FLOOR",
    "DynamicFit",
    "DynamicSpec",
    "Prior",
    "chain",
    "design",
    "fit_dynamic",
    "inertia_prior_mean",
    "predictive",
]

Array = NDArray[np.float64]

#: Floor on every forecast probability (then renormalised): never exactly 0 or 1.
PROB_FLOOR: float = 1e-4


def inertia_prior_mean(centralisation: float) -> float:
    """Prior mean of the switching cost kappa from the filter's decision centralisation z.

    kappa_0 = 2 z (log-odds units): the neutral z = 1/2 gives 1 (a status-quo posture is e times
    as likely as an otherwise equal alternative); a Suryong system (z = 0.9 in the DPRK profile)
    1.8. Convention of this library, set before any fitting (Ripsman, Taliaferro & Lobell 2016,
    ch. 3; Tsebelis 2002: fewer veto players, fewer but more abrupt changes of course).
    """
    return 2.0 * float(centralisation)


@dataclass(frozen=True)
class Prior:
    """Gaussian prior of the dynamic model (means and standard deviations, log-odds units).

    ``beta``: weight of the theory (mean 1: the filter as coded); ``kappa``: switching cost
    (mean from :func:`inertia_prior_mean`); ``alpha_sd``: base propensities (mean 0);
    ``gamma_sd``: effects of last period's acts (mean 0); ``delta_sd``: free effects of the
    system inputs (structural realism only, mean 0).
    """

    beta_mean: float = 1.0
    beta_sd: float = 0.5
    kappa_mean: float = 1.0
    kappa_sd: float = 1.0
    alpha_sd: float = 0.5
    gamma_sd: float = 0.3
    delta_sd: float = 0.5


@dataclass(frozen=True)
class DynamicSpec:
    """Which terms the utility has (the design) and their prior.

    ``events``: names of the lagged event-count columns read (``e_tc``); ``system``: names of the
    raw system inputs with free effects (``x_tj``); ``theory``: whether the filter term
    ``beta z`` enters; ``inertia``: whether the status-quo term enters.
    """

    options: tuple[str, ...]
    prior: Prior = field(default_factory=Prior)
    theory: bool = True
    inertia: bool = True
    events: tuple[str, ...] = ()
    system: tuple[str, ...] = ()

    def names(self) -> list[str]:
        """Parameter names, in the order of theta."""
        out: list[str] = []
        if self.theory:
            out.append("beta")
        if self.inertia:
            out.append("kappa")
        out += [f"alpha[{k}]" for k in self.options]
        out += [f"gamma[{c}|{k}]" for c in self.events for k in self.options]
        out += [f"delta[{j}|{k}]" for j in self.system for k in self.options]
        return out

    def prior_moments(self) -> tuple[Array, Array]:
        """Prior means and standard deviations, in the order of :meth:`names`."""
        p = self.prior
        m: list[float] = []
        s: list[float] = []
        if self.theory:
            m.append(p.beta_mean)
            s.append(p.beta_sd)
        if self.inertia:
            m.append(p.kappa_mean)
            s.append(p.kappa_sd)
        k = len(self.options)
        m += [0.0] * k
        s += [p.alpha_sd] * k
        m += [0.0] * (k * len(self.events))
        s += [p.gamma_sd] * (k * len(self.events))
        m += [0.0] * (k * len(self.system))
        s += [p.delta_sd] * (k * len(self.system))
        return np.array(m, dtype=np.float64), np.array(s, dtype=np.float64)


def design(
    spec: DynamicSpec,
    z: Array,
    status_quo: NDArray[np.int64],
    *,
    reset: Array | None = None,
    events: Array | None = None,
    system: Array | None = None,
) -> Array:
    """The design tensor D of shape ``(periods, options, params)``: V = D @ theta.

    ``z``: ``(periods, options)`` centred log-probabilities of the filter (ignored unless
    ``spec.theory``); ``status_quo``: last period's posture index per period (-1: unknown, no
    status-quo term); ``reset``: succession exposure in [0, 1] per period (0 if None);
    ``events``: ``(periods, len(spec.events))`` lagged log-counts; ``system``:
    ``(periods, len(spec.system))`` raw system inputs.
    """
    z = np.asarray(z, dtype=np.float64)
    n, k = z.shape
    if k != len(spec.options):
        raise InputError(f"z has {k} options, the spec {len(spec.options)}")
    cols: list[Array] = []
    if spec.theory:
        cols.append(z)
    if spec.inertia:
        sq = np.asarray(status_quo, dtype=np.int64)
        if sq.shape != (n,):
            raise InputError("status_quo needs one posture index per period")
        onehot = np.zeros((n, k))
        known = sq >= 0
        onehot[np.flatnonzero(known), sq[known]] = 1.0
        r = np.zeros(n) if reset is None else np.clip(np.asarray(reset, dtype=np.float64), 0, 1)
        cols.append(onehot * (1.0 - r)[:, None])
    eye = np.eye(k)
    cols += [np.broadcast_to(eye[j], (n, k)) for j in range(k)]
    blocks = (("events", events, len(spec.events)), ("system", system, len(spec.system)))
    for name, block, width in blocks:
        if width == 0:
            continue
        if block is None:
            raise InputError(f"the spec reads {name} columns but none were given")
        b = np.asarray(block, dtype=np.float64)
        if b.shape != (n, width):
            raise InputError(f"{name} must have shape ({n}, {width}), got {b.shape}")
        for c in range(width):
            cols += [b[:, c : c + 1] * eye[j][None, :] for j in range(k)]
    return np.ascontiguousarray(np.stack(cols, axis=-1))


def _logpost(
    theta: Array, D: Array, y: NDArray[np.int64], mean: Array, sd: Array
) -> tuple[float, Array, Array]:
    """Negative log posterior, its gradient and Hessian (conditional logit + Gaussian prior)."""
    v = D @ theta  # (n, k)
    p = softmax(v)
    n = len(y)
    rows = np.arange(n)
    lse = v.max(axis=1) + np.log(np.exp(v - v.max(axis=1, keepdims=True)).sum(axis=1))
    nll = float(-(v[rows, y] - lse).sum())
    dbar = np.einsum("nk,nkp->np", p, D)
    grad = -(D[rows, y] - dbar).sum(axis=0)
    dc = D - dbar[:, None, :]
    hess = np.einsum("nk,nkp,nkq->pq", p, dc, dc)
    prec = 1.0 / sd**2
    r = theta - mean
    return (
        nll + 0.5 * float(np.sum(prec * r**2)),
        grad + prec * r,
        hess + np.diag(prec),
    )


@dataclass(frozen=True)
class DynamicFit:
    """MAP estimate, Laplace covariance and fit of a dynamic model (see the module docstring)."""

    spec: DynamicSpec
    names: tuple[str, ...]
    theta: Array
    covariance: Array
    prior_mean: Array
    prior_sd: Array
    n_obs: int
    loglik: float
    converged: bool

    def std_errors(self) -> Array:
        """Posterior standard deviations (Laplace)."""
        return np.sqrt(np.clip(np.diag(self.covariance), 0.0, None))

    def value(self, name: str) -> float:
        """The MAP value of parameter ``name``."""
        return float(self.theta[self.names.index(name)])

    def draws(self, rng: np.random.Generator, n: int) -> Array:
        """``n`` parameter draws from the Laplace posterior, shape ``(n, params)``."""
        if not isinstance(rng, np.random.Generator):
            raise InputError("draws need a numpy.random.Generator (e.g. default_rng(0))")
        chol = np.linalg.cholesky(self.covariance)
        e = rng.standard_normal((n, len(self.theta)))
        return np.asarray(self.theta[None, :] + e @ chol.T, dtype=np.float64)


def fit_dynamic(spec: DynamicSpec, D: Array, y: Sequence[int] | NDArray[np.int64]) -> DynamicFit:
    """MAP and Laplace posterior of the dynamic model on design ``D`` and choices ``y``."""
    from scipy.optimize import minimize

    yy = np.asarray(y, dtype=np.int64)
    if D.ndim != 3 or D.shape[0] != len(yy):
        raise InputError(f"design {D.shape} and {len(yy)} choices do not match")
    names = tuple(spec.names())
    if D.shape[2] != len(names):
        raise InputError(f"design has {D.shape[2]} columns, the spec {len(names)} parameters")
    mean, sd = spec.prior_moments()
    if len(yy) == 0:
        cov = np.diag(sd**2)
        return DynamicFit(spec, names, mean.copy(), cov, mean, sd, 0, 0.0, True)

    def f(t: Array) -> float:
        return _logpost(t, D, yy, mean, sd)[0]

    def g(t: Array) -> Array:
        return _logpost(t, D, yy, mean, sd)[1]

    def h(t: Array) -> Array:
        return _logpost(t, D, yy, mean, sd)[2]

    res = minimize(f, mean.copy(), jac=g, hess=h, method="trust-exact", options={"gtol": 1e-8})
    theta = np.asarray(res.x, dtype=np.float64)
    H = h(theta)
    inv = np.linalg.inv(H)
    cov = np.asarray(0.5 * (inv + inv.T), dtype=np.float64)
    v = D @ theta
    lse = v.max(axis=1) + np.log(np.exp(v - v.max(axis=1, keepdims=True)).sum(axis=1))
    ll = float((v[np.arange(len(yy)), yy] - lse).sum())
    return DynamicFit(spec, names, theta, cov, mean, sd, len(yy), ll, bool(res.success))


def _floor(p: Array) -> Array:
    q = np.maximum(p, 0.0) + PROB_FLOOR
    return np.asarray(q / q.sum(axis=-1, keepdims=True), dtype=np.float64)


def chain(transition: Array, start: Array, horizon: int) -> Array:
    """Distribution after ``horizon`` steps of a (draws ×) K × K transition matrix.

    ``transition[..., i, j]`` = P(next = j | now = i); ``start``: (draws ×) K distribution of the
    posture at the origin (one-hot when it is recorded).
    """
    if horizon < 1:
        raise InputError(f"horizon must be at least 1, got {horizon}")
    p = np.asarray(start, dtype=np.float64)
    for _ in range(horizon):
        p = np.einsum("...i,...ij->...j", p, transition)
    return np.asarray(p, dtype=np.float64)


def predictive(
    fit: DynamicFit,
    D_by_status: Array,
    start: Array,
    *,
    horizon: int = 1,
    rng: np.random.Generator,
    n_draws: int = 1000,
) -> Array:
    """Posterior-predictive forecast ``horizon`` periods ahead (K probabilities in (0, 1)).

    ``D_by_status``: ``(K, options, params)``, the design of the forecast period for each
    possible status quo i (row i of the transition matrix); ``start``: the distribution of the
    posture at the origin. Averages over ``n_draws`` Laplace draws (``rng``).
    """
    th = fit.draws(rng, n_draws)
    v = np.einsum("ikp,dp->dik", D_by_status, th)
    T = softmax(v)
    p = chain(T, np.broadcast_to(start, (n_draws, len(start))), horizon)
    return _floor(p.mean(axis=0))
