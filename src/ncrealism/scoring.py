"""Scoring rules and the softmax: each formula written once, used by every layer.

This module sits below every layer of the package (it imports NumPy and the project's errors
only): the decision model, its calibration, the yearly and negotiation backtests and the
scenario models all call it instead of keeping a copy.

A forecast is a probability vector ``p`` over ``K`` options in a fixed order; the recorded
outcome is a target vector ``t`` over the same options (one-hot, or a *soft label* whose rows sum
to 1). The scores take an ``n × K`` forecast matrix ``P`` and a target matrix ``T`` of the same
shape. A binary forecast (probability ``p`` of an event, outcome ``y`` in [0, 1]) is the ``K = 2``
case with rows ``(1 - p, p)`` and ``(1 - y, y)`` (:func:`binary`), so the binary scores are the
same functions and the same conventions.

Conventions (the only ones in the package):

* **Log-loss floor.** Every logarithm of a forecast probability is taken of ``max(p, ε)`` with
  ``ε =`` :data:`LOG_LOSS_EPS` ``= 1e-15`` (scikit-learn's historical default). A forecast of 0
  for the recorded outcome therefore costs ``ln(1e15) ≈ 34.54`` nats instead of infinity, and a
  log-likelihood term is never below ``ln(1e-15)``.
* **Ties.** The *modal set* of a forecast holds every option within :data:`TIE_TOLERANCE`
  (``1e-12``) of its largest probability. A forecast with several modal options makes each of
  them with weight ``W_ik = 1/|modal set|`` (the expected credit under a random tie-break);
  otherwise ``W_ik = 1`` on its modal option. For a binary forecast this means ``p = 0.5``
  earns half a hit whatever happened.

Definitions (``n`` items, ``K`` options):

* **accuracy** of the modal forecast: ``(1/n) Σ_i Σ_k W_ik T_ik`` (with soft labels, the expected
  share of hits).
* **balanced accuracy** (Brodersen, Ong, Stephan & Buhmann 2010, "The balanced accuracy and its
  posterior distribution", ICPR, p. 3122): the mean over recorded classes of per-class recall
  ``recall_k = Σ_i T_ik W_ik / Σ_i T_ik``, over the classes that are the recorded outcome
  (largest target) of at least one item; scikit-learn's ``balanced_accuracy_score`` when there
  are no ties.
* **log loss** (Good 1952, "Rational decisions", JRSS B 14:107-114): the mean cross-entropy
  ``-(1/n) Σ_i Σ_k T_ik ln max(P_ik, ε)`` in nats.
* **Brier score**, multi-category form of Brier (1950, "Verification of forecasts expressed in
  terms of probability", Monthly Weather Review 78(1):1-3, eq. 1):
  ``(1/n) Σ_i Σ_k (P_ik - T_ik)²``, range [0, 2]. For a binary forecast (:func:`binary_brier`)
  the usual one-column form ``(1/n) Σ_i (p_i - y_i)²`` in [0, 1] is half of it.
* **softmax** (the quantal-response / multinomial-logit rule, McFadden 1974, "Conditional logit
  analysis of qualitative choice behavior", eq. 9; McKelvey & Palfrey 1995):
  ``σ(z)_k = exp(z_k - max z) / Σ_j exp(z_j - max z)``.

All probabilities are unitless; log losses and log-likelihoods are in nats.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ncrealism.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = [
    "LOG_LOSS_EPS",
    "TIE_TOLERANCE",
    "accuracy",
    "balanced_accuracy",
    "binary",
    "binary_accuracy",
    "binary_brier",
    "binary_log_loss",
    "brier",
    "check_forecasts",
    "credit",
    "log_loss",
    "log_probability",
    "modal_index",
    "modal_weights",
    "one_hot_indices",
    "softmax",
]

#: Floor applied to every forecast probability inside a logarithm (module docstring).
LOG_LOSS_EPS: float = 1e-15

#: Probabilities within this distance of a forecast's maximum belong to its modal set.
TIE_TOLERANCE: float = 1e-12


def softmax(z: npt.ArrayLike, axis: int = -1) -> FloatArray:
    """``exp(z) / Σ exp(z)`` along ``axis``, computed stably (the maximum is subtracted first).

    Returns a new float64 array of the shape of ``z``; ``z`` itself is not modified.
    """
    a = np.asarray(z, dtype=np.float64)
    out: FloatArray = a - a.max(axis=axis, keepdims=True)
    np.exp(out, out=out)
    out /= out.sum(axis=axis, keepdims=True)
    return out


def log_probability(probs: npt.ArrayLike, chosen: npt.ArrayLike) -> FloatArray:
    """``ln max(P[..., c], ε)``: the floored log-probability of the chosen option.

    ``probs`` has options on its last axis (any leading shape, e.g. draws × years × options);
    ``chosen`` holds one option index per item and broadcasts against ``probs`` without its
    last axis (e.g. one index per year). Sum the result for a log-likelihood.
    """
    p = np.asarray(probs, dtype=np.float64)
    idx = np.asarray(chosen, dtype=np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= p.shape[-1]):
        raise InputError(f"chosen option indices must lie in [0, {p.shape[-1] - 1}]")
    idx = np.broadcast_to(idx, p.shape[:-1])
    picked = np.take_along_axis(p, idx[..., None], axis=-1)[..., 0]
    return np.asarray(np.log(np.maximum(picked, LOG_LOSS_EPS)), dtype=np.float64)


def one_hot_indices(chosen: npt.ArrayLike, k: int) -> FloatArray:
    """The ``n × k`` one-hot target matrix of option indices."""
    idx = np.asarray(chosen, dtype=np.int64)
    if idx.ndim != 1:
        raise InputError("chosen must be a one-dimensional array of option indices")
    if idx.size and (idx.min() < 0 or idx.max() >= k):
        raise InputError(f"chosen option indices must lie in [0, {k - 1}]")
    t = np.zeros((idx.size, k), dtype=np.float64)
    t[np.arange(idx.size), idx] = 1.0
    return t


def check_forecasts(probs: FloatArray, targets: FloatArray) -> None:
    """Raise :class:`InputError` unless ``probs`` and ``targets`` are matching ``n × K``
    matrices (``n >= 1``) of finite, non-negative forecasts whose rows sum to 1 (±1e-6)."""
    if probs.ndim != 2 or probs.shape != targets.shape:
        raise InputError(
            f"forecasts {probs.shape} and targets {targets.shape} must both be n × K matrices"
        )
    if probs.shape[0] == 0:
        raise InputError("nothing to score: no forecast items")
    if not np.all(np.isfinite(probs)) or np.any(probs < 0):
        raise InputError("forecast probabilities must be finite and non-negative")
    if not np.all(np.isfinite(targets)) or np.any(targets < 0):
        raise InputError("targets must be finite and non-negative")
    sums = probs.sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-6):
        bad = int(np.argmax(np.abs(sums - 1.0)))
        raise InputError(f"forecast probabilities of item {bad + 1} sum to {sums[bad]:.6f}, not 1")


def _pair(probs: npt.ArrayLike, targets: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    p = np.asarray(probs, dtype=np.float64)
    t = np.asarray(targets, dtype=np.float64)
    check_forecasts(p, t)
    return p, t


def modal_index(probs: npt.ArrayLike) -> IntArray:
    """Index of the first modal option of each row (in option order)."""
    return np.asarray(np.argmax(np.asarray(probs, dtype=np.float64), axis=1), dtype=np.int64)


def modal_weights(probs: npt.ArrayLike) -> FloatArray:
    """``W``: ``1/|modal set|`` on each modal option of a row, 0 elsewhere (rows sum to 1)."""
    p = np.asarray(probs, dtype=np.float64)
    mask = p >= p.max(axis=1, keepdims=True) - TIE_TOLERANCE
    return np.asarray(mask / mask.sum(axis=1, keepdims=True), dtype=np.float64)


def credit(probs: npt.ArrayLike, targets: npt.ArrayLike) -> FloatArray:
    """Per-item credit of the modal forecast, ``Σ_k W_ik T_ik`` (1 hit, 0 miss, shares if tied)."""
    t = np.asarray(targets, dtype=np.float64)
    return np.asarray(np.sum(modal_weights(probs) * t, axis=1), dtype=np.float64)


def accuracy(probs: npt.ArrayLike, targets: npt.ArrayLike) -> float:
    """Share of items whose modal forecast is the recorded outcome (ties share the credit)."""
    p, t = _pair(probs, targets)
    return float(np.mean(credit(p, t)))


def balanced_accuracy(
    probs: npt.ArrayLike, targets: npt.ArrayLike, recorded: npt.ArrayLike | None = None
) -> float:
    """Mean per-class recall of the modal forecast over the recorded classes.

    ``recorded`` are the indices of each item's recorded outcome; by default the first argmax of
    each target row (correct for one-hot and for partial-credit targets).
    """
    p, t = _pair(probs, targets)
    w = modal_weights(p)
    rec = modal_index(t) if recorded is None else np.asarray(recorded, dtype=np.int64)
    recalls = [(t[:, k] * w[:, k]).sum() / t[:, k].sum() for k in np.unique(rec)]
    return float(np.mean(recalls))


def log_loss(probs: npt.ArrayLike, targets: npt.ArrayLike) -> float:
    """Mean cross-entropy ``-(1/n) Σ_i Σ_k T_ik ln max(P_ik, ε)`` in nats (module docstring)."""
    p, t = _pair(probs, targets)
    return float(-np.mean(np.sum(t * np.log(np.maximum(p, LOG_LOSS_EPS)), axis=1)))


def brier(probs: npt.ArrayLike, targets: npt.ArrayLike) -> float:
    """Multi-category Brier (1950) score: mean over items of ``Σ_k (p_k - t_k)²``; in [0, 2]."""
    p, t = _pair(probs, targets)
    return float(np.mean(np.sum((p - t) ** 2, axis=1)))


def binary(p: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Two-column forecast and target matrices ``(1 - p, p)`` and ``(1 - y, y)``.

    ``p`` is the forecast probability of the event and ``y`` its outcome (1 happened, 0 not, or
    a share in between for partial outcomes); both one-dimensional, values in [0, 1].
    """
    pa = np.asarray(p, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if pa.ndim != 1 or pa.shape != ya.shape:
        raise InputError(f"binary forecasts {pa.shape} and outcomes {ya.shape} must match")
    for name, a in (("forecast", pa), ("outcome", ya)):
        if not np.all(np.isfinite(a)) or np.any(a < 0) or np.any(a > 1):
            raise InputError(f"every binary {name} must lie in [0, 1]")
    return np.column_stack([1.0 - pa, pa]), np.column_stack([1.0 - ya, ya])


def binary_accuracy(p: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """:func:`accuracy` of binary forecasts (``p = 0.5`` earns half a hit)."""
    return accuracy(*binary(p, y))


def binary_log_loss(p: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Binary cross-entropy ``-mean[y ln max(p, ε) + (1 - y) ln max(1 - p, ε)]`` in nats."""
    return log_loss(*binary(p, y))


def binary_brier(p: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Binary Brier score ``mean (p - y)²`` in [0, 1] (half the two-column :func:`brier`)."""
    return 0.5 * brier(*binary(p, y))
