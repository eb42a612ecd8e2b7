"""Option utilities and choice probabilities: the decision layer's vectorised core.

The core works on arrays so that one call evaluates many years under many parameter draws:

* :func:`design_matrix` turns an inputs frame (:func:`ncrealism.decision.inputs.build_inputs`)
  into ``X`` of shape ``(years, features)`` with the columns :data:`FEATURES`; the filter's
  per-adversary misperception map enters here (``threat_misperceived``).
* :func:`utilities` maps ``X`` and parameter vectors ``theta`` of shape ``(draws, params)``
  (order :data:`ncrealism.perception.filter.PARAM_NAMES`) to utilities of shape
  ``(draws, years, options)``;
* :func:`choice_probabilities` applies the multinomial logit (quantal response, McKelvey &
  Palfrey 1995; McFadden 1974): P_k = exp(lambda_eff U_k) / sum_j exp(lambda_eff U_j), with
  lambda_eff the filter's precision after decision centralisation (the softmax of
  :mod:`ncrealism.scoring`);
* :func:`log_likelihood` sums the floored log-probabilities of observed choices
  (:func:`ncrealism.scoring.log_probability`, floor ``1e-15``).

The utility of option k (sources in :mod:`ncrealism.decision.options` and
``docs/decision.md``):

    U_k = 2 / (W + 1) * ( W [ sum_o pi_o v(x_o - rho) + V g_k ] + R_k + a aut_k - c cap_k )

(the factor 2 / (W + 1) keeps the overall scale of utility, which belongs to the precision,
while W = 1 + survival priority shifts weight toward security and regime survival).

Nothing here draws random numbers: probabilities are deterministic; sampling a posture is done
only by :func:`sample_postures` with an explicit :class:`numpy.random.Generator`.

:func:`posture_probabilities` returns the tidy frame (one row per year and option):

===========  =======  ==============================================================
column       dtype    meaning (unit)
===========  =======  ==============================================================
ccode        Int64    COW code of the state
year         Int64    year of the decision
option       Utf8     option name
utility      Float64  U_k (utility units: share of threat removed, 0-1 scale)
probability  Float64  choice probability (0-1; sums to 1 within a year)
filter       Utf8     label of the filter used that year
===========  =======  ==============================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray

from ncrealism.decision.options import DEFAULT_OPTIONS, OptionSet
from ncrealism.errors import InputError
from ncrealism.perception.filter import PARAM_NAMES, PerceptionFilter
from ncrealism.perception.functions import (
    STRUCTURAL_KEYS,
    misperceived_share,
    perceive,
    prospect_value,
)
from ncrealism.scoring import log_probability, softmax

__all__ = [
    "FEATURES",
    "FilterLike",
    "choice_probabilities",
    "design_matrix",
    "filters_by_year",
    "log_likelihood",
    "posture_probabilities",
    "sample_postures",
    "softmax",
    "utilities",
]

Array = NDArray[np.float64]
#: Columns of the design matrix X (all 0-1).
FEATURES: tuple[str, ...] = STRUCTURAL_KEYS
#: A filter for every year, or a function giving the filter of a year (e.g. a profile with
#: periods: ``filters_for("DPRK")``).
FilterLike = PerceptionFilter | Callable[[int], PerceptionFilter]


def filters_by_year(filt: FilterLike, years: Sequence[int]) -> list[PerceptionFilter]:
    """The filter of each year."""
    if isinstance(filt, PerceptionFilter):
        return [filt] * len(years)
    out = [filt(int(y)) for y in years]
    for y, f in zip(years, out, strict=True):
        if not isinstance(f, PerceptionFilter):
            raise InputError(f"the filter function returned {type(f).__name__} for {y}")
    return out


def _row_misperceived(sources: object, threat: float, factors: Mapping[int, float]) -> float:
    if not factors or sources is None:
        return threat
    items = list(sources)  # type: ignore[call-overload]
    if not items:
        return threat
    shares = np.array([float(s["share"]) for s in items])
    m = np.array([float(factors.get(int(s["ccode"]), 1.0)) for s in items])
    return float(misperceived_share(shares, m))


def design_matrix(inputs: pl.DataFrame, filt: FilterLike | None = None) -> Array:
    """X of shape ``(years, len(FEATURES))`` from an inputs frame, in the frame's row order.

    ``threat_misperceived`` applies the filter's misperception map to ``threat_sources`` (equal
    to ``threat`` under the neutral filter or when the frame has no ``threat_sources``).
    ``regime_vulnerability`` may be absent (or null) only for filters that do not read it
    (``vulnerability_weight`` = 0); it then counts as 0.
    """
    need = [c for c in FEATURES if c not in ("threat_misperceived", "regime_vulnerability")]
    missing = [c for c in need if c not in inputs.columns]
    if missing:
        raise InputError(f"inputs frame lacks column(s) {missing}; build it with build_inputs")
    n = inputs.height
    years = inputs["year"].to_list() if "year" in inputs.columns else list(range(n))
    filters = filters_by_year(filt if filt is not None else PerceptionFilter.neutral(), years)
    X = np.empty((n, len(FEATURES)), dtype=np.float64)
    for j, c in enumerate(FEATURES):
        if c in ("threat_misperceived", "regime_vulnerability"):
            continue
        col = inputs[c].cast(pl.Float64)
        if col.null_count():
            i = int(col.is_null().arg_true()[0])
            raise InputError(f"inputs column '{c}' is null in year {years[i]}")
        X[:, j] = col.to_numpy()
    t = FEATURES.index("threat")
    tm = FEATURES.index("threat_misperceived")
    has_sources = "threat_sources" in inputs.columns
    srcs = inputs["threat_sources"].to_list() if has_sources else [None] * n
    for i in range(n):
        X[i, tm] = _row_misperceived(srcs[i], X[i, t], filters[i].misperception)
    rv = FEATURES.index("regime_vulnerability")
    if "regime_vulnerability" in inputs.columns:
        X[:, rv] = inputs["regime_vulnerability"].cast(pl.Float64).fill_null(0.0).to_numpy()
    else:
        needs = [y for y, f in zip(years, filters, strict=True) if f["vulnerability_weight"] > 0]
        if needs:
            raise InputError(
                "the filter weighs regime vulnerability but the inputs frame has no "
                f"'regime_vulnerability' column (years {needs[:3]}...)"
            )
        X[:, rv] = 0.0
    return X


#: Parameter draws evaluated together (keeps the work arrays in cache for large batches).
_CHUNK = 4096


def _theta2d(theta: ArrayLike) -> Array:
    th = np.asarray(theta, dtype=np.float64)
    if th.ndim == 1:
        th = th[None, :]
    if th.ndim != 2 or th.shape[1] != len(PARAM_NAMES):
        raise InputError(
            f"theta must have shape (draws, {len(PARAM_NAMES)}) in PARAM_NAMES order, "
            f"got {np.shape(theta)}"
        )
    return th


def _x2d(X: ArrayLike) -> Array:
    x = np.asarray(X, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != len(FEATURES):
        raise InputError(f"X must have shape (years, {len(FEATURES)}), got {np.shape(X)}")
    return x


def _environment(X: ArrayLike, theta: ArrayLike) -> dict[str, Array]:
    x = _x2d(X)
    th = _theta2d(theta)
    x_by_year = x.T[:, None, :]
    structural = {k: x_by_year[i] for i, k in enumerate(FEATURES)}  # shape (1, years)
    params = {k: th[:, i][:, None] for i, k in enumerate(PARAM_NAMES)}  # shape (draws, 1)
    env = perceive(structural, params)
    shape = (th.shape[0], x.shape[0])
    return {k: np.broadcast_to(v, shape) for k, v in env.items()}


def _utilities(env: Mapping[str, Array], options: OptionSet, components: bool) -> Array:
    shape = env["threat"].shape
    k = len(options)
    rho = env["reference_point"]
    lam = env["loss_aversion"]
    alpha = env["risk_curvature"]
    w = env["survival_weight"]
    norm = 2.0 / (w + 1.0)
    out = np.empty((5, *shape, k) if components else (*shape, k))
    for j, opt in enumerate(options):
        val = np.zeros(shape)
        for prob, outcome in opt.security(env):
            val += prob * prospect_value(outcome - rho, lam, alpha)
        surv = env["vulnerability"] * opt.survival(env)
        res = opt.resources(env)
        aut = env["autonomy_value"] * opt.autonomy
        cap = -env["capitulation_aversion"] * opt.capitulation
        if components:
            out[0, ..., j] = norm * w * val
            out[1, ..., j] = norm * w * surv
            out[2, ..., j] = norm * res
            out[3, ..., j] = norm * aut
            out[4, ..., j] = norm * cap
        else:
            out[..., j] = norm * (w * (val + surv) + res + aut + cap)
    return out


def utilities(
    X: ArrayLike,
    theta: ArrayLike,
    *,
    options: OptionSet = DEFAULT_OPTIONS,
    components: bool = False,
) -> Array:
    """Utilities U of shape ``(draws, years, options)`` (see the module docstring).

    ``X``: ``(years, features)`` or ``(features,)``; ``theta``: ``(draws, params)`` or
    ``(params,)``. With ``components=True`` returns an array of shape
    ``(5, draws, years, options)`` holding the weighted and normalised contributions of the
    security value (after prospect valuation), the survival term, the resources, the autonomy
    term and the capitulation term; they sum to ``U``.
    """
    th = _theta2d(theta)
    x = _x2d(X)
    if th.shape[0] <= _CHUNK:
        return _utilities(_environment(x, th), options, components)
    parts = [
        _utilities(_environment(x, th[i : i + _CHUNK]), options, components)
        for i in range(0, th.shape[0], _CHUNK)
    ]
    return np.concatenate(parts, axis=1 if components else 0)


def environment_utilities(env: Mapping[str, Array], options: OptionSet = DEFAULT_OPTIONS) -> Array:
    """Utilities ``(..., options)`` from a perceived environment of any common shape.

    ``env`` is the output of :func:`ncrealism.perception.functions.perceive`, broadcast to one
    shape (e.g. draws × years when inputs differ by draw, as in scenario sweeps); the formula is
    that of :func:`utilities`.
    """
    return _utilities(env, options, False)


def survival_weight(X: ArrayLike, theta: ArrayLike) -> Array:
    """W = 1 + survival priority, shape ``(draws, years)``."""
    return _environment(X, theta)["survival_weight"]


def choice_probabilities(
    X: ArrayLike, theta: ArrayLike, *, options: OptionSet = DEFAULT_OPTIONS
) -> Array:
    """Quantal-response probabilities of shape ``(draws, years, options)``."""
    th = _theta2d(theta)
    x = _x2d(X)
    out = np.empty((th.shape[0], x.shape[0], len(options)))
    for i in range(0, th.shape[0], _CHUNK):
        env = _environment(x, th[i : i + _CHUNK])
        u = _utilities(env, options, False)
        out[i : i + _CHUNK] = softmax(env["precision"][..., None] * u)
    return out


def log_likelihood(
    X: ArrayLike,
    theta: ArrayLike,
    chosen: ArrayLike,
    *,
    options: OptionSet = DEFAULT_OPTIONS,
) -> Array:
    """Log-likelihood of the observed choices (option indices), one value per draw."""
    p = choice_probabilities(X, theta, options=options)
    idx = np.asarray(chosen, dtype=np.int64)
    if idx.shape != (p.shape[1],):
        raise InputError(f"chosen must list one option index per year ({p.shape[1]})")
    return np.asarray(log_probability(p, idx[None, :]).sum(axis=1), dtype=np.float64)


def thetas_by_year(filters: Sequence[PerceptionFilter]) -> Array:
    """Stack the parameter vectors of per-year filters: shape ``(years, params)``."""
    return np.stack([f.to_theta() for f in filters])


def year_probabilities(
    X: ArrayLike, thetas: ArrayLike, *, options: OptionSet = DEFAULT_OPTIONS
) -> tuple[Array, Array]:
    """Utilities and probabilities when each year has its own parameter vector.

    ``thetas`` has shape ``(years, params)``; returns two arrays of shape
    ``(years, options)``.
    """
    x = _x2d(X)
    th = np.asarray(thetas, dtype=np.float64)
    if th.shape != (x.shape[0], len(PARAM_NAMES)):
        raise InputError(f"thetas must have shape ({x.shape[0]}, {len(PARAM_NAMES)})")
    # Evaluate every year under every distinct parameter vector, then pick the diagonal.
    uniq, inverse = np.unique(th, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    env = _environment(x, uniq)
    u_all = _utilities(env, options, False)
    lam_all = env["precision"]
    rows = np.arange(x.shape[0])
    u = u_all[inverse, rows]
    lam = lam_all[inverse, rows]
    return u, softmax(lam[:, None] * u)


def posture_probabilities(
    inputs: pl.DataFrame, filt: FilterLike, *, options: OptionSet = DEFAULT_OPTIONS
) -> pl.DataFrame:
    """Choice probabilities per year and option (columns in the module docstring)."""
    years = inputs["year"].to_list()
    filters = filters_by_year(filt, years)
    X = design_matrix(inputs, filt)
    u, p = year_probabilities(X, thetas_by_year(filters), options=options)
    ccode = inputs["ccode"].to_list() if "ccode" in inputs.columns else [None] * len(years)
    k = len(options)
    return pl.DataFrame(
        {
            "ccode": np.repeat(np.array(ccode, dtype=object), k).tolist(),
            "year": np.repeat(np.array(years), k).tolist(),
            "option": list(options.names) * len(years),
            "utility": u.reshape(-1).tolist(),
            "probability": p.reshape(-1).tolist(),
            "filter": np.repeat(np.array([f.label for f in filters], dtype=object), k).tolist(),
        },
        schema={
            "ccode": pl.Int64,
            "year": pl.Int64,
            "option": pl.Utf8,
            "utility": pl.Float64,
            "probability": pl.Float64,
            "filter": pl.Utf8,
        },
    )


def sample_postures(
    probabilities: pl.DataFrame, rng: np.random.Generator, *, n: int = 1
) -> pl.DataFrame:
    """Draw postures from a :func:`posture_probabilities` frame with an explicit generator.

    Returns ``draw`` (Int64, 0..n-1), ``year`` (Int64), ``option`` (Utf8).
    """
    if not isinstance(rng, np.random.Generator):
        raise InputError("sample_postures needs a numpy.random.Generator (e.g. default_rng(1))")
    rows: list[tuple[int, int, str]] = []
    for (year,), grp in probabilities.sort("year").group_by(["year"], maintain_order=True):
        opts = grp["option"].to_list()
        p = grp["probability"].to_numpy()
        picks = rng.choice(len(opts), size=n, p=p / p.sum())
        rows.extend((d, int(str(year)), opts[int(i)]) for d, i in enumerate(picks))
    return pl.DataFrame(
        rows, schema={"draw": pl.Int64, "year": pl.Int64, "option": pl.Utf8}, orient="row"
    ).sort("draw", "year")
