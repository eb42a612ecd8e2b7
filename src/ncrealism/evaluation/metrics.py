"""Scoring rules for probabilistic posture forecasts, and rank correlation for counts.

A forecast for one year is a probability vector ``p`` over the ``K`` options (postures) in a
fixed order; the recorded outcome is a target vector ``t`` over the same options. Without partial
credit ``t`` is one-hot on the recorded posture; with partial credit (:class:`ConfidenceCredit`)
it is a *soft label* that puts most of its mass on the recorded posture and spreads the rest over
the other options according to the coder's confidence. Every score below is written for a general
target matrix ``T`` (``n`` years × ``K`` options, rows summing to 1) so that the same code serves
both cases; with one-hot targets each reduces to its textbook definition, which the tests check
against scikit-learn.

Definitions (``n`` years, ``K`` options, ``P`` forecasts, ``T`` targets). Accuracy, balanced
accuracy, log loss and the Brier score are those of :mod:`ncrealism.scoring` (written once there,
re-exported here with its floor :data:`LOG_LOSS_EPS` and tie rule). The *modal set* of a
forecast is the set of options within ``1e-12`` of the largest probability; a forecast with
several modal options (a tie, e.g. the uniform forecast) makes each of them with weight
``W_ik = 1/|modal set|`` (expected credit under a random tie-break), otherwise ``W_ik = 1`` for
the modal option:

* **accuracy** of the modal posture: ``(1/n) Σ_i Σ_k W_ik T_ik`` (share of years whose modal
  forecast is the recorded posture; with soft labels the expected share).
* **balanced accuracy** (Brodersen et al. 2010, "The balanced accuracy and its posterior
  distribution", ICPR): the mean over recorded classes of per-class recall,
  ``recall_k = Σ_i T_ik W_ik / Σ_i T_ik``, averaged over the classes that are the recorded
  posture of at least one year (scikit-learn's ``balanced_accuracy_score`` when there are no
  ties).
* **log loss** (Good 1952, "Rational decisions", JRSS B 14:107-114): the mean cross-entropy
  ``-(1/n) Σ_i Σ_k T_ik ln max(P_ik, ε)`` in nats, with ``ε = 1e-15`` so that a zero forecast
  for the recorded posture costs ``ln(1e15) ≈ 34.5`` nats instead of infinity.
* **Brier score**, multi-category form of Brier (1950, "Verification of forecasts expressed in
  terms of probability", Monthly Weather Review 78(1):1-3, eq. 1):
  ``(1/n) Σ_i Σ_k (P_ik - T_ik)²``, range [0, 2] (not halved; scikit-learn's
  ``brier_score_loss`` with ``scale_by_half=False``).
* **expected calibration error** (Naeini, Cooper & Hauskrecht 2015, AAAI; Guo et al. 2017,
  "On calibration of modern neural networks", ICML, eq. 3), top-label form: the confidence of a
  forecast is ``c_i = max_k P_ik`` and its correctness ``a_i = Σ_k W_ik T_ik``; confidences are put
  into ``M`` equal-width bins ``B_1 = [0, 1/M], B_b = ((b-1)/M, b/M]`` (right-closed, as
  scikit-learn's ``calibration_curve``) and ``ECE = Σ_b (|B_b|/n) |mean_{B_b} a - mean_{B_b} c|``.
* **Spearman's rank correlation** (Spearman 1904) of two series, computed by
  :func:`scipy.stats.spearmanr` (average ranks for ties); undefined (NaN) when either series is
  constant or has fewer than three values.

All probabilities are unitless; log loss is in nats.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from ncrealism.errors import InputError
from ncrealism.scoring import (
    LOG_LOSS_EPS,
    TIE_TOLERANCE,
    accuracy,
    balanced_accuracy,
    brier,
    check_forecasts,
    credit,
    log_loss,
    modal_index,
    modal_weights,
)

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "CONFIDENCE_LEVELS",
    "LOG_LOSS_EPS",
    "TIE_TOLERANCE",
    "ConfidenceCredit",
    "RankCorrelation",
    "accuracy",
    "balanced_accuracy",
    "brier",
    "confusion_matrix",
    "credit",
    "expected_calibration_error",
    "log_loss",
    "modal_index",
    "modal_weights",
    "one_hot",
    "reliability_table",
    "soft_targets",
    "spearman",
]

#: The recorded confidence levels of the yearly record (``posture_confidence``).
CONFIDENCE_LEVELS: tuple[str, ...] = ("high", "medium", "low")


@dataclass(frozen=True)
class ConfidenceCredit:
    """Partial credit: how much of a year's target mass the recorded posture gets.

    A year coded with confidence ``c`` gets the target ``t_k = w_c`` on the recorded posture and
    ``(1 - w_c)/(K - 1)`` on each other option, so a forecast that picks another posture in a
    low-confidence year still earns ``(1 - w_low)/(K - 1)`` of a hit. This is a scoring
    convention, not an estimate: the weights say how far the analyst's coding is trusted. The
    record's README asks for exactly this treatment of mixed (low/medium) years.

    Bounds: ``1/K <= low <= medium <= high <= 1`` (checked in :meth:`targets`, where ``K`` is
    known). Neutral value (no partial credit): ``high = medium = low = 1``.
    """

    high: float = 1.0
    medium: float = 0.8
    low: float = 0.6

    def weight(self, confidence: str) -> float:
        """The mass on the recorded posture for a year coded with ``confidence``."""
        if confidence == "high":
            return self.high
        if confidence == "medium":
            return self.medium
        if confidence == "low":
            return self.low
        raise InputError(
            f"unknown posture confidence '{confidence}'; expected one of {CONFIDENCE_LEVELS}"
        )

    def check(self, k: int) -> None:
        """Raise :class:`InputError` unless ``1/k <= low <= medium <= high <= 1``."""
        if not (1.0 / k - 1e-12 <= self.low <= self.medium <= self.high <= 1.0):
            raise InputError(
                f"partial-credit weights must satisfy 1/K={1.0 / k:.3f} <= low <= medium <= high "
                f"<= 1; got high={self.high}, medium={self.medium}, low={self.low}"
            )


def _index(options: Sequence[str]) -> dict[str, int]:
    if len(set(options)) != len(options) or len(options) < 2:
        raise InputError(f"options must be at least two distinct names, got {list(options)}")
    return {o: i for i, o in enumerate(options)}


def one_hot(outcomes: Sequence[str], options: Sequence[str]) -> FloatArray:
    """The ``n × K`` one-hot target matrix of recorded outcomes (unknown outcome → InputError)."""
    idx = _index(options)
    t = np.zeros((len(outcomes), len(options)), dtype=np.float64)
    for i, y in enumerate(outcomes):
        if y not in idx:
            raise InputError(f"outcome '{y}' (item {i + 1}) is not one of the options {options}")
        t[i, idx[y]] = 1.0
    return t


def soft_targets(
    outcomes: Sequence[str],
    confidence: Sequence[str],
    options: Sequence[str],
    credit: ConfidenceCredit,
) -> FloatArray:
    """The ``n × K`` partial-credit target matrix (see :class:`ConfidenceCredit`)."""
    if len(outcomes) != len(confidence):
        raise InputError("outcomes and confidence must have the same length")
    k = len(options)
    credit.check(k)
    t = one_hot(outcomes, options)
    w = np.array([credit.weight(c) for c in confidence], dtype=np.float64)
    return t * w[:, None] + (1.0 - t) * ((1.0 - w) / (k - 1))[:, None]


def _check(probs: FloatArray, targets: FloatArray) -> None:
    check_forecasts(probs, targets)


def reliability_table(probs: FloatArray, targets: FloatArray, n_bins: int = 10) -> pl.DataFrame:
    """Top-label reliability diagram data in ``n_bins`` equal-width, right-closed bins.

    Columns: ``bin`` (Int64, 1-based), ``lower``/``upper`` (Float64, confidence bounds of the
    bin, probability), ``n`` (Int64, forecasts in the bin), ``mean_confidence`` (Float64, mean top
    probability; null if empty), ``accuracy`` (Float64, mean credit of the modal forecast;
    null if empty), ``gap`` (Float64, ``accuracy - mean_confidence``; null if empty).
    """
    _check(probs, targets)
    if n_bins < 1:
        raise InputError(f"n_bins must be at least 1, got {n_bins}")
    conf = probs.max(axis=1)
    correct = credit(probs, targets)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # right-closed bins: index b holds (edges[b], edges[b+1]]; 0 falls in the first bin
    which = np.clip(np.searchsorted(edges[1:-1], conf, side="left"), 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        sel = which == b
        n = int(sel.sum())
        mc = float(conf[sel].mean()) if n else None
        acc = float(correct[sel].mean()) if n else None
        rows.append(
            {
                "bin": b + 1,
                "lower": float(edges[b]),
                "upper": float(edges[b + 1]),
                "n": n,
                "mean_confidence": mc,
                "accuracy": acc,
                "gap": None if mc is None or acc is None else acc - mc,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "bin": pl.Int64,
            "lower": pl.Float64,
            "upper": pl.Float64,
            "n": pl.Int64,
            "mean_confidence": pl.Float64,
            "accuracy": pl.Float64,
            "gap": pl.Float64,
        },
    )


def expected_calibration_error(probs: FloatArray, targets: FloatArray, n_bins: int = 10) -> float:
    """Top-label ECE (Naeini et al. 2015; Guo et al. 2017, eq. 3) with equal-width bins."""
    table = reliability_table(probs, targets, n_bins).filter(pl.col("n") > 0)
    n = int(table["n"].sum())
    gaps = (table["gap"].abs() * table["n"]).sum()
    return float(gaps) / n


def confusion_matrix(
    recorded: Sequence[str], predicted: Sequence[str], options: Sequence[str]
) -> npt.NDArray[np.int64]:
    """``K × K`` counts: rows are recorded postures, columns predicted ones, in option order."""
    idx = _index(options)
    if len(recorded) != len(predicted):
        raise InputError("recorded and predicted must have the same length")
    cm = np.zeros((len(options), len(options)), dtype=np.int64)
    for r, p in zip(recorded, predicted, strict=True):
        for name in (r, p):
            if name not in idx:
                raise InputError(f"'{name}' is not one of the options {list(options)}")
        cm[idx[r], idx[p]] += 1
    return cm


@dataclass(frozen=True)
class RankCorrelation:
    """Spearman's rho between two series, its two-sided p-value and the number of pairs.

    ``rho`` and ``p_value`` are NaN when the correlation is undefined; ``note`` says why.
    """

    rho: float
    p_value: float
    n: int
    note: str = ""


def spearman(x: Sequence[float] | FloatArray, y: Sequence[float] | FloatArray) -> RankCorrelation:
    """Spearman's rank correlation via :func:`scipy.stats.spearmanr` (average ranks for ties).

    Pairs where either value is missing (NaN) are dropped first.
    """
    from scipy.stats import spearmanr

    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if xa.shape != ya.shape or xa.ndim != 1:
        raise InputError("spearman needs two one-dimensional series of the same length")
    keep = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[keep], ya[keep]
    n = len(xa)
    if n < 3:
        return RankCorrelation(math.nan, math.nan, n, f"undefined: {n} pairs (need at least 3)")
    if np.all(xa == xa[0]) or np.all(ya == ya[0]):
        return RankCorrelation(math.nan, math.nan, n, "undefined: one series is constant")
    res = spearmanr(xa, ya)
    return RankCorrelation(float(res.statistic), float(res.pvalue), n)
