"""Models of the panel's outcomes: base rate, structural and neoclassical realism, a reference.

Every model maps a state-year's predictors (measured the year before; :mod:`ncrealism.panel.build`)
to probabilities over :data:`~ncrealism.panel.outcomes.OUTCOMES`, fitted on training rows only.

* ``base_rate``: the training frequency of each outcome (add-one-half smoothed), the same for
  every row.
* ``structural`` (structural realism): a multinomial logit on the system-layer predictors
  :data:`~ncrealism.panel.build.STRUCTURAL`, with *partial pooling by state*.
* ``neoclassical`` (neoclassical realism): the same model on the structural predictors plus the
  intervening variables :data:`~ncrealism.panel.build.INTERVENING`.
* ``reference``: scikit-learn's L2-regularised multinomial logistic regression
  (``LogisticRegression``, C = 1) on all the same columns, without states: a model with no
  theory and no hierarchy.

The hierarchical multinomial logit (:class:`HierarchicalLogit`). For row ``i`` of state ``s``
and outcome ``k`` (``"none"`` is the reference, ``η_i0 = 0``)::

    η_ik = β_0k + x_i β_k + u_sk + Σ_r z_ir v_srk
    u_sk ~ N(0, τ_u²),  v_srk ~ N(0, τ_v²),  β ~ N(0, σ_β²)

``x`` are the predictors, standardised with the training means and standard deviations (a
missing value is set to the training median and flagged by a 0/1 indicator column), ``u`` a
state's random intercepts, ``v`` its random slopes on the predictors ``z`` (default the threat
and the allies' support, :data:`RANDOM_SLOPES`). The fit is the posterior mode (penalised
maximum likelihood, MAP), found by L-BFGS (scipy) with the analytic gradient, run to a
relative change of the objective below 1e-13 (so the estimates do not move with the last bits of
their inputs); intervals come from
the Laplace approximation: a normal posterior centred at the mode whose covariance is the
inverse Hessian of the negative log posterior (Tierney & Kadane 1986, *JASA* 81(393): 82-86).
The prior scales are fixed, not estimated: ``τ_u = 1`` and ``τ_v = 0.5`` on the logit scale
(a state's odds of a step may differ from the pooled odds by a factor of e² ≈ 7 at two standard
deviations) and ``σ_β = 2.5`` on standardised predictors (the weakly informative default of
Gelman, Jakulin, Pittau & Su 2008, *Annals of Applied Statistics* 2(4): 1360-1383); the
intercepts get σ = 10. The shrinkage toward the pooled coefficients is the partial pooling of
Gelman & Hill (2007, *Data Analysis Using Regression and Multilevel/Hierarchical Models*, ch.
12): a state with few years or few events keeps an estimate near the pooled one. A state absent
from the training rows gets ``u = v = 0``.

Probabilities are kept within [1e-6, 1 − 1e-6] (renormalised), so no forecast is certain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy import optimize, sparse

from ncrealism.errors import InputError
from ncrealism.panel.build import INTERVENING, STRUCTURAL
from ncrealism.panel.outcomes import OUTCOMES
from ncrealism.scoring import softmax

__all__ = [
    "MODELS",
    "RANDOM_SLOPES",
    "FittedHierarchical",
    "HierarchicalLogit",
    "Standardiser",
    "fit_predict",
    "outcome_matrix",
]

FloatArray = NDArray[np.float64]

#: The models compared, in the order of every table.
MODELS: tuple[str, ...] = ("base_rate", "structural", "neoclassical", "reference")

#: Predictors with a random slope by state.
RANDOM_SLOPES: tuple[str, ...] = ("log_threat", "log_ally_support")

_PROB_FLOOR = 1e-6


def outcome_matrix(outcomes: Sequence[str | None]) -> FloatArray:
    """One-hot matrix (n × 4) of outcomes in the order of :data:`OUTCOMES`."""
    index = {o: k for k, o in enumerate(OUTCOMES)}
    y = np.zeros((len(outcomes), len(OUTCOMES)))
    for i, o in enumerate(outcomes):
        if o not in index:
            raise InputError(f"unknown outcome {o!r} in row {i}; expected one of {OUTCOMES}")
        y[i, index[o]] = 1.0
    return y


def _floor(p: FloatArray) -> FloatArray:
    p = np.clip(p, _PROB_FLOOR, 1.0)
    out: FloatArray = p / p.sum(axis=1, keepdims=True)
    return out


@dataclass(frozen=True)
class Standardiser:
    """Training-set imputation and scaling of predictors (see the module docstring)."""

    names: tuple[str, ...]
    median: tuple[float, ...]
    mean: tuple[float, ...]
    sd: tuple[float, ...]
    indicators: tuple[str, ...]

    @classmethod
    def fit(cls, frame: pl.DataFrame, names: Sequence[str]) -> Standardiser:
        """Medians, means and standard deviations of ``names`` in ``frame`` (training rows)."""
        med, mean, sd, ind = [], [], [], []
        for n in names:
            col = frame[n].cast(pl.Float64)
            ok = col.drop_nulls().drop_nans()
            m = float(ok.median()) if ok.len() else 0.0  # type: ignore[arg-type]
            filled = col.fill_null(m).fill_nan(m).to_numpy()
            med.append(m)
            mean.append(float(filled.mean()) if filled.size else 0.0)
            s = float(filled.std()) if filled.size else 0.0
            sd.append(s if s > 1e-12 else 1.0)
            nmiss = col.len() - ok.len()
            if 0 < nmiss < col.len():
                ind.append(n)
        return cls(tuple(names), tuple(med), tuple(mean), tuple(sd), tuple(ind))

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of the design columns: the predictors, then ``missing_<name>`` indicators."""
        return (*self.names, *(f"missing_{n}" for n in self.indicators))

    def transform(self, frame: pl.DataFrame) -> FloatArray:
        """The design matrix (n × len(columns)) of ``frame``."""
        cols = []
        for n, m, mu, s in zip(self.names, self.median, self.mean, self.sd, strict=True):
            v = frame[n].cast(pl.Float64).fill_nan(None)
            cols.append((v.fill_null(m).to_numpy() - mu) / s)
        for n in self.indicators:
            cols.append(frame[n].cast(pl.Float64).fill_nan(None).is_null().to_numpy() * 1.0)
        if not cols:
            return np.zeros((frame.height, 0))
        return np.column_stack(cols).astype(np.float64)


@dataclass(frozen=True)
class HierarchicalLogit:
    """The hierarchical multinomial logit of the module docstring (its specification)."""

    features: tuple[str, ...]
    random_slopes: tuple[str, ...] = RANDOM_SLOPES
    intercept_sd: float = 1.0
    slope_sd: float = 0.5
    fixed_sd: float = 2.5
    constant_sd: float = 10.0
    max_iter: int = 3000

    def __post_init__(self) -> None:
        for name in ("intercept_sd", "slope_sd", "fixed_sd", "constant_sd"):
            if getattr(self, name) <= 0:
                raise InputError(f"HierarchicalLogit.{name} must be positive")
        bad = [r for r in self.random_slopes if r not in self.features]
        if bad:
            raise InputError(f"random slopes {bad} are not among the features")

    def fit(self, frame: pl.DataFrame) -> FittedHierarchical:
        """Fit on the rows of ``frame`` (``ccode``, ``outcome`` and the features)."""
        if frame.height == 0:
            raise InputError("no training rows to fit on")
        std = Standardiser.fit(frame, self.features)
        states = np.unique(frame["ccode"].to_numpy()).astype(np.int64)
        design = _Design(std, states, self.random_slopes)
        a = design.matrix(frame)
        y = outcome_matrix(frame["outcome"].to_list())
        prior_sd = design.prior_sd(self)
        theta, hess_fn = _map_fit(a, y, prior_sd, self.max_iter)
        return FittedHierarchical(self, design, theta, prior_sd, a, hess_fn)


@dataclass(frozen=True, eq=False)
class _Design:
    std: Standardiser
    states: NDArray[np.int64]
    slopes: tuple[str, ...]

    @property
    def n_fixed(self) -> int:
        return 1 + len(self.std.columns)

    @property
    def size(self) -> int:
        return self.n_fixed + self.states.size * (1 + len(self.slopes))

    def matrix(self, frame: pl.DataFrame) -> sparse.csr_matrix:
        x = self.std.transform(frame)
        n = frame.height
        codes = frame["ccode"].to_numpy().astype(np.int64)
        pos = np.searchsorted(self.states, codes)
        known = (pos < self.states.size) & (
            self.states[np.minimum(pos, self.states.size - 1)] == codes
        )
        blocks = [sparse.csr_matrix(np.column_stack([np.ones(n), x]))]
        ns = self.states.size
        rows = np.flatnonzero(known)
        onehot = sparse.csr_matrix((np.ones(rows.size), (rows, pos[known])), shape=(n, ns))
        blocks.append(onehot)
        names = self.std.columns
        for r in self.slopes:
            z = x[:, names.index(r)]
            blocks.append(sparse.csr_matrix((z[known], (rows, pos[known])), shape=(n, ns)))
        out: sparse.csr_matrix = sparse.hstack(blocks, format="csr")
        return out

    def prior_sd(self, spec: HierarchicalLogit) -> FloatArray:
        ns = self.states.size
        return np.concatenate(
            [
                [spec.constant_sd],
                np.full(len(self.std.columns), spec.fixed_sd),
                np.full(ns, spec.intercept_sd),
                np.full(ns * len(self.slopes), spec.slope_sd),
            ]
        )

    def index(self, what: str, ccode: int | None = None) -> int:
        """Row of the parameter matrix: ``"const"``, a design column, ``"u"`` or a slope."""
        if what == "const":
            return 0
        if ccode is None:
            return 1 + self.std.columns.index(what)
        pos = int(np.searchsorted(self.states, ccode))
        if pos >= self.states.size or self.states[pos] != ccode:
            raise InputError(f"state {ccode} has no training rows")
        ns = self.states.size
        if what == "u":
            return self.n_fixed + pos
        return self.n_fixed + ns * (1 + self.slopes.index(what)) + pos


def _map_fit(
    a: sparse.csr_matrix, y: FloatArray, prior_sd: FloatArray, max_iter: int
) -> tuple[FloatArray, object]:
    m = a.shape[1]
    k1 = y.shape[1] - 1
    prec = 1.0 / prior_sd**2
    at = a.T.tocsr()

    def objective(flat: FloatArray) -> tuple[float, FloatArray]:
        theta = flat.reshape(m, k1)
        eta = np.zeros((a.shape[0], k1 + 1))
        eta[:, 1:] = a @ theta
        top = eta.max(axis=1, keepdims=True)
        p = np.exp(eta - top)
        tot = p.sum(axis=1, keepdims=True)
        p /= tot
        ll = float(np.sum(eta * y) - np.sum(top + np.log(tot)))
        grad = -(at @ (y[:, 1:] - p[:, 1:])) + theta * prec[:, None]
        val = -ll + 0.5 * float(np.sum(theta**2 * prec[:, None]))
        return val, grad.ravel()

    # Start from the pooled base-rate logits (intercepts), everything else at 0.
    start = np.zeros((m, k1))
    freq = (y.sum(axis=0) + 0.5) / (y.shape[0] + 0.5 * y.shape[1])
    start[0] = np.log(freq[1:] / freq[0])
    res = optimize.minimize(
        objective,
        start.ravel(),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "gtol": 1e-7, "ftol": 1e-13},
    )
    theta = np.asarray(res.x, dtype=np.float64).reshape(m, k1)
    return theta, None


@dataclass(frozen=True, eq=False)
class FittedHierarchical:
    """A fitted :class:`HierarchicalLogit`: the posterior mode and the training design."""

    spec: HierarchicalLogit
    design: _Design
    theta: FloatArray
    prior_sd: FloatArray
    train_matrix: sparse.csr_matrix
    _unused: object = field(default=None, repr=False)

    def predict(self, frame: pl.DataFrame) -> FloatArray:
        """Outcome probabilities (n × 4, order of :data:`OUTCOMES`) for the rows of ``frame``."""
        a = self.design.matrix(frame)
        eta = np.zeros((frame.height, self.theta.shape[1] + 1))
        eta[:, 1:] = a @ self.theta
        return _floor(softmax(eta))

    def covariance(self) -> FloatArray:
        """Laplace covariance of the flattened parameters (row-major over (parameter, outcome)).

        The inverse Hessian of the negative log posterior at the mode (module docstring).
        """
        a = self.train_matrix
        m, k1 = self.theta.shape
        eta = np.zeros((a.shape[0], k1 + 1))
        eta[:, 1:] = a @ self.theta
        p = softmax(eta)[:, 1:]
        h = np.zeros((m * k1, m * k1))
        for k in range(k1):
            for j in range(k, k1):
                w = p[:, k] * ((1.0 if k == j else 0.0) - p[:, j])
                block = (a.T @ sparse.diags(w) @ a).toarray()
                h[k::k1, j::k1] = block
                if j != k:
                    h[j::k1, k::k1] = block.T
        h += np.diag(np.repeat(1.0 / self.prior_sd**2, k1))
        cov: FloatArray = np.linalg.inv(h)
        return cov

    def flat_index(self, what: str, outcome: str, ccode: int | None = None) -> int:
        """Position in the flattened parameters of a coefficient for ``outcome`` (not "none")."""
        k = OUTCOMES.index(outcome)
        if k == 0:
            raise InputError('"none" is the reference outcome and has no coefficients')
        return int(self.design.index(what, ccode) * self.theta.shape[1] + (k - 1))


def _reference_fit_predict(
    train: pl.DataFrame, test: pl.DataFrame, features: Sequence[str]
) -> FloatArray:
    from sklearn.linear_model import LogisticRegression

    std = Standardiser.fit(train, features)
    y = np.array([OUTCOMES.index(o) for o in train["outcome"].to_list()])
    clf = LogisticRegression(C=1.0, max_iter=2000)
    clf.fit(std.transform(train), y)
    proba = clf.predict_proba(std.transform(test))
    out = np.full((test.height, len(OUTCOMES)), 0.0)
    out[:, clf.classes_] = proba
    return _floor(out)


def fit_predict(model: str, train: pl.DataFrame, test: pl.DataFrame) -> FloatArray:
    """Fit ``model`` (one of :data:`MODELS`) on ``train`` and forecast the rows of ``test``.

    Linear algebra runs on one thread, so the result is the same bytes whatever the machine's
    load or the number of workers running fits side by side.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _fit_predict(model, train, test)


def _fit_predict(model: str, train: pl.DataFrame, test: pl.DataFrame) -> FloatArray:
    if model == "base_rate":
        y = outcome_matrix(train["outcome"].to_list())
        freq = (y.sum(axis=0) + 0.5) / (y.shape[0] + 0.5 * len(OUTCOMES))
        return _floor(np.tile(freq, (test.height, 1)))
    if model == "structural":
        return HierarchicalLogit(STRUCTURAL).fit(train).predict(test)
    if model == "neoclassical":
        return HierarchicalLogit((*STRUCTURAL, *INTERVENING)).fit(train).predict(test)
    if model == "reference":
        return _reference_fit_predict(train, test, (*STRUCTURAL, *INTERVENING))
    raise InputError(f"unknown model '{model}'; choose one of {list(MODELS)}")
