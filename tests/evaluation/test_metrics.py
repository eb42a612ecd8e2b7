"""Scoring rules against hand computations, scikit-learn and scipy, plus invariants."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import calibration as skcal
from sklearn import metrics as skm

from ncrealism.errors import InputError
from ncrealism.evaluation import metrics as M

OPTIONS = ("a", "b", "c")

# A worked example, small enough to score by hand.
P = np.array(
    [
        [0.7, 0.2, 0.1],  # modal a
        [0.1, 0.6, 0.3],  # modal b
        [0.2, 0.2, 0.6],  # modal c
        [0.5, 0.4, 0.1],  # modal a
    ]
)
Y = ["a", "c", "c", "c"]


def test_accuracy_by_hand() -> None:
    # modal a, b, c, a against a, c, c, c: hits in years 1 and 3 -> 2/4
    assert M.accuracy(P, M.one_hot(Y, OPTIONS)) == pytest.approx(0.5)


def test_balanced_accuracy_by_hand() -> None:
    # recall(a) = 1/1, recall(c) = 1/3 (only year 3 of years 2-4); mean = (1 + 1/3)/2 = 2/3
    assert M.balanced_accuracy(P, M.one_hot(Y, OPTIONS)) == pytest.approx(2 / 3)


def test_log_loss_by_hand() -> None:
    # -(ln .7 + ln .3 + ln .6 + ln .1)/4
    expected = -(math.log(0.7) + math.log(0.3) + math.log(0.6) + math.log(0.1)) / 4
    assert M.log_loss(P, M.one_hot(Y, OPTIONS)) == pytest.approx(expected)
    assert expected == pytest.approx(1.0935, abs=1e-4)


def test_brier_by_hand() -> None:
    # year 1: .3² + .2² + .1² = .14; year 2: .1² + .6² + .7² = .86;
    # year 3: .2² + .2² + .4² = .24; year 4: .5² + .4² + .9² = 1.22; mean 2.46/4
    assert M.brier(P, M.one_hot(Y, OPTIONS)) == pytest.approx(2.46 / 4)


def test_reliability_and_ece_by_hand() -> None:
    # top confidences .7 (hit), .6 (miss), .6 (hit), .5 (miss):
    # bin (.6,.7]: n 1, conf .7, acc 1; bin (.5,.6]: n 2, conf .6, acc .5; bin (.4,.5]: n 1, conf
    # .5, acc 0. ECE = (1·|1-.7| + 2·|.5-.6| + 1·|0-.5|)/4 = 1.0/4
    t = M.one_hot(Y, OPTIONS)
    table = M.reliability_table(P, t, n_bins=10)
    assert table.height == 10
    filled = table.filter(table["n"] > 0)
    assert filled["bin"].to_list() == [5, 6, 7]
    assert filled["n"].to_list() == [1, 2, 1]
    assert filled["mean_confidence"].to_list() == pytest.approx([0.5, 0.6, 0.7])
    assert filled["accuracy"].to_list() == pytest.approx([0.0, 0.5, 1.0])
    assert M.expected_calibration_error(P, t, n_bins=10) == pytest.approx(0.25)


def test_confusion_by_hand() -> None:
    predicted = [OPTIONS[i] for i in M.modal_index(P)]
    cm = M.confusion_matrix(Y, predicted, OPTIONS)
    # rows recorded, columns predicted: a->a once; c->b once, c->c once, c->a once
    assert cm.tolist() == [[1, 0, 0], [0, 0, 0], [1, 1, 1]]


def test_ties_share_the_credit() -> None:
    p = np.array([[0.4, 0.4, 0.2], [1 / 3, 1 / 3, 1 / 3]])
    t = M.one_hot(["b", "c"], OPTIONS)
    # year 1: modal set {a, b}, recorded b -> 1/2; year 2: all tied -> 1/3
    assert M.credit(p, t).tolist() == pytest.approx([0.5, 1 / 3])
    assert M.accuracy(p, t) == pytest.approx((0.5 + 1 / 3) / 2)
    # recall(b) = 1/2, recall(c) = 1/3
    assert M.balanced_accuracy(p, t) == pytest.approx((0.5 + 1 / 3) / 2)
    # a uniform forecast earns 1/K whatever happened
    k = 5
    u = np.full((4, k), 1 / k)
    assert M.accuracy(u, np.eye(k)[[0, 3, 3, 1]]) == pytest.approx(1 / k)


# ----------------------------------------------------------------- scikit-learn agreement
def _random_case(seed: int, n: int = 40, k: int = 5) -> tuple[np.ndarray, list[str], list[str]]:
    rng = np.random.default_rng(seed)
    options = [f"o{i}" for i in range(k)]
    p = rng.dirichlet(np.ones(k), size=n)
    y = [options[i] for i in rng.integers(0, k, size=n)]
    return p, y, options


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_sklearn(seed: int) -> None:
    p, y, options = _random_case(seed)
    t = M.one_hot(y, options)
    pred = [options[i] for i in M.modal_index(p)]
    assert M.accuracy(p, t) == pytest.approx(skm.accuracy_score(y, pred))
    assert M.balanced_accuracy(p, t) == pytest.approx(skm.balanced_accuracy_score(y, pred))
    assert M.log_loss(p, t) == pytest.approx(skm.log_loss(y, p, labels=options))
    assert M.brier(p, t) == pytest.approx(
        skm.brier_score_loss(y, p, labels=options, scale_by_half=False)
    )
    assert (
        M.confusion_matrix(y, pred, options) == skm.confusion_matrix(y, pred, labels=options)
    ).all()


def test_balanced_accuracy_matches_sklearn_when_a_class_is_never_recorded() -> None:
    p, _, options = _random_case(5, n=30)
    rng = np.random.default_rng(7)
    y = [options[i] for i in rng.integers(0, 3, size=30)]  # o3, o4 never recorded
    pred = [options[i] for i in M.modal_index(p)]
    with pytest.warns(UserWarning):  # sklearn warns about predicted-only classes
        expected = skm.balanced_accuracy_score(y, pred)
    assert M.balanced_accuracy(p, M.one_hot(y, options)) == pytest.approx(expected)


@pytest.mark.parametrize("seed", [3, 4])
def test_reliability_matches_sklearn_calibration_curve(seed: int) -> None:
    p, y, options = _random_case(seed, n=200, k=3)
    t = M.one_hot(y, options)
    m = M.modal_index(p)
    conf = p[np.arange(len(m)), m]
    correct = t[np.arange(len(m)), m]  # no ties in continuous random forecasts
    prob_true, prob_pred = skcal.calibration_curve(correct, conf, n_bins=10, strategy="uniform")
    table = M.reliability_table(p, t, n_bins=10).filter(pl.col("n") > 0)
    assert table["accuracy"].to_numpy() == pytest.approx(prob_true)
    assert table["mean_confidence"].to_numpy() == pytest.approx(prob_pred)
    counts = table["n"].to_numpy()
    expected_ece = float(np.sum(counts * np.abs(prob_true - prob_pred)) / counts.sum())
    assert M.expected_calibration_error(p, t) == pytest.approx(expected_ece)


# ----------------------------------------------------------------- partial credit
def test_soft_targets_by_hand() -> None:
    credit = M.ConfidenceCredit(high=1.0, medium=0.8, low=0.6)
    t = M.soft_targets(["c", "a"], ["low", "high"], OPTIONS, credit)
    # low: .6 on c, (1 - .6)/2 = .2 on each other option; high: one-hot
    np.testing.assert_allclose(t, [[0.2, 0.2, 0.6], [1.0, 0.0, 0.0]])


def test_partial_credit_scores_by_hand() -> None:
    credit = M.ConfidenceCredit(high=1.0, medium=0.8, low=0.6)
    t = M.soft_targets(Y, ["high", "low", "medium", "low"], OPTIONS, credit)
    # modal a, b, c, a. credit earned: 1 (hit, high), .2 (b in a low year for c),
    # .8 (hit, medium), .2 (a in a low year for c) -> mean 2.2/4
    assert M.accuracy(P, t) == pytest.approx(2.2 / 4)
    # cross-entropy of year 2: -(.2 ln .1 + .2 ln .6 + .6 ln .3)
    y2 = -(0.2 * math.log(0.1) + 0.2 * math.log(0.6) + 0.6 * math.log(0.3))
    assert M.log_loss(P[1:2], t[1:2]) == pytest.approx(y2)
    # Brier of year 2: (.1-.2)² + (.6-.2)² + (.3-.6)² = .01 + .16 + .09
    assert M.brier(P[1:2], t[1:2]) == pytest.approx(0.26)


def test_neutral_credit_is_one_hot() -> None:
    neutral = M.ConfidenceCredit(high=1.0, medium=1.0, low=1.0)
    t = M.soft_targets(Y, ["low", "low", "medium", "high"], OPTIONS, neutral)
    assert (t == M.one_hot(Y, OPTIONS)).all()


def test_credit_bounds_and_unknown_confidence() -> None:
    with pytest.raises(InputError, match="partial-credit"):
        M.soft_targets(Y, ["low"] * 4, OPTIONS, M.ConfidenceCredit(low=0.1))
    with pytest.raises(InputError, match="partial-credit"):
        M.soft_targets(Y, ["low"] * 4, OPTIONS, M.ConfidenceCredit(medium=0.5, low=0.9))
    with pytest.raises(InputError, match="unknown posture confidence 'sure'"):
        M.soft_targets(Y, ["sure"] * 4, OPTIONS, M.ConfidenceCredit())


# ----------------------------------------------------------------- spearman
def test_spearman_by_hand_and_scipy() -> None:
    x = [0.1, 0.4, 0.2, 0.9, 0.5]
    y = [0.0, 2.0, 1.0, 8.0, 7.0]
    # ranks x: 1,3,2,5,4; ranks y: 1,3,2,5,4 -> rho = 1
    assert M.spearman(x, y).rho == pytest.approx(1.0)
    y2 = [8.0, 2.0, 7.0, 0.0, 1.0]
    # ranks y2: 5,3,4,1,2; d = x-y2 ranks: -4,0,-2,4,2; Σd² = 40; rho = 1 - 6·40/(5·24) = -1
    assert M.spearman(x, y2).rho == pytest.approx(-1.0)
    y3 = [1.0, 1.0, 3.0, 2.0, 0.0]
    # ranks x: 1,3,2,5,4; ranks y3 (ties averaged): 2.5,2.5,5,4,1 -> Pearson of the ranks
    rx = np.array([1, 3, 2, 5, 4], dtype=float)
    ry = np.array([2.5, 2.5, 5, 4, 1])
    by_hand = float(np.corrcoef(rx, ry)[0, 1])
    assert M.spearman(x, y3).rho == pytest.approx(by_hand)
    assert M.spearman(x, y3).n == 5


def test_spearman_undefined_cases() -> None:
    assert math.isnan(M.spearman([1, 2, 3], [0, 0, 0]).rho)
    assert "constant" in M.spearman([1, 2, 3], [0, 0, 0]).note
    assert math.isnan(M.spearman([1, 2], [1, 2]).rho)
    r = M.spearman([1, 2, 3, float("nan")], [1, 2, 4, 9])
    assert r.n == 3 and r.rho == pytest.approx(1.0)


# ----------------------------------------------------------------- invariants and errors
probs_strategy = st.integers(min_value=1, max_value=30).flatmap(
    lambda n: st.tuples(
        st.lists(st.lists(st.floats(0.01, 1.0), min_size=4, max_size=4), min_size=n, max_size=n),
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
    )
)


@settings(max_examples=60, deadline=None)
@given(probs_strategy)
def test_score_ranges(case: tuple[list[list[float]], list[int]]) -> None:
    raw, idx = case
    p = np.array(raw)
    p = p / p.sum(axis=1, keepdims=True)
    options = ["w", "x", "y", "z"]
    t = M.one_hot([options[i] for i in idx], options)
    assert 0.0 <= M.accuracy(p, t) <= 1.0
    assert 0.0 <= M.balanced_accuracy(p, t) <= 1.0
    assert M.log_loss(p, t) >= 0.0
    assert 0.0 <= M.brier(p, t) <= 2.0
    assert 0.0 <= M.expected_calibration_error(p, t) <= 1.0
    # a perfect forecast scores perfectly
    assert M.brier(t, t) == 0.0
    assert M.accuracy(t, t) == 1.0
    assert M.log_loss(t, t) == pytest.approx(0.0, abs=1e-12)


def test_bad_forecasts_are_refused() -> None:
    t = M.one_hot(Y, OPTIONS)
    with pytest.raises(InputError, match="sum to"):
        M.brier(P * 0.5, t)
    with pytest.raises(InputError, match="n × K"):
        M.brier(P[:, :2], t)
    with pytest.raises(InputError, match="not one of the options"):
        M.one_hot(["a", "zz"], OPTIONS)
    with pytest.raises(InputError, match="distinct"):
        M.one_hot(["a"], ("a", "a"))
