"""The package's one set of scoring rules: hand computations, scikit-learn and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn import metrics as skm

from ncrealism import scoring as S
from ncrealism.errors import InputError

P = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.5, 0.4, 0.1]])
Y = np.array([0, 2, 2, 2])
T = S.one_hot_indices(Y, 3)


def test_hand_computed_scores() -> None:
    # modal a, b, c, a against a, c, c, c: hits in items 1 and 3
    assert S.accuracy(P, T) == pytest.approx(0.5)
    # recall(a) = 1, recall(c) = 1/3
    assert S.balanced_accuracy(P, T) == pytest.approx(2 / 3)
    assert S.log_loss(P, T) == pytest.approx(
        -(math.log(0.7) + math.log(0.3) + math.log(0.6) + math.log(0.1)) / 4
    )
    # .14 + .86 + .24 + 1.22
    assert S.brier(P, T) == pytest.approx(2.46 / 4)


def test_against_scikit_learn() -> None:
    rng = np.random.default_rng(7)
    p = rng.dirichlet(np.ones(4), size=60)
    y = rng.integers(0, 4, size=60)
    y[:4] = np.arange(4)  # every class recorded at least once
    t = S.one_hot_indices(y, 4)
    pred = p.argmax(axis=1)
    assert S.accuracy(p, t) == pytest.approx(skm.accuracy_score(y, pred))
    assert S.balanced_accuracy(p, t) == pytest.approx(skm.balanced_accuracy_score(y, pred))
    assert S.log_loss(p, t) == pytest.approx(skm.log_loss(y, p, labels=[0, 1, 2, 3]))
    # scikit-learn's binary Brier score is the one-column form, half the two-column one
    pb, yb = p[:, 0] / p[:, :2].sum(axis=1), (y == 0).astype(float)
    assert S.binary_brier(pb, yb) == pytest.approx(skm.brier_score_loss(yb, pb))
    assert S.binary_log_loss(pb, yb) == pytest.approx(skm.log_loss(yb, pb, labels=[0, 1]))


def test_one_floor_for_every_logarithm() -> None:
    # a zero forecast for the recorded outcome costs ln(1e15) nats, never infinity
    assert S.LOG_LOSS_EPS == 1e-15
    zero = np.array([[1.0, 0.0]])
    assert S.log_loss(zero, np.array([[0.0, 1.0]])) == pytest.approx(15 * math.log(10))
    assert S.binary_log_loss([1.0], [0.0]) == pytest.approx(15 * math.log(10))
    assert S.log_probability(zero, [1])[0] == pytest.approx(-15 * math.log(10))
    # the log-likelihood and the log loss agree: log loss = -mean log-probability
    assert S.log_loss(P, T) == pytest.approx(-S.log_probability(P, Y).mean())


def test_one_tie_rule() -> None:
    # the uniform forecast makes each of K options with weight 1/K, whatever happened
    u = np.full((3, 3), 1 / 3)
    assert S.accuracy(u, S.one_hot_indices([0, 1, 2], 3)) == pytest.approx(1 / 3)
    # a binary 0.5 earns half a hit; 0.6 makes the event, 0.4 the non-event
    assert S.binary_accuracy([0.5, 0.5], [1.0, 0.0]) == pytest.approx(0.5)
    assert S.binary_accuracy([0.6, 0.4], [1.0, 0.0]) == pytest.approx(1.0)
    # a partial outcome y earns y for an event call and 1 - y otherwise
    assert S.binary_accuracy([0.9, 0.1], [0.25, 0.25]) == pytest.approx((0.25 + 0.75) / 2)


def test_softmax_hand_values_and_stability() -> None:
    z = np.array([[0.0, math.log(3.0)], [1000.0, 1000.0]])
    out = S.softmax(z)
    assert out[0] == pytest.approx([0.25, 0.75])
    assert out[1] == pytest.approx([0.5, 0.5])
    assert z[1, 0] == 1000.0  # input untouched
    cols = S.softmax(np.array([[0.0, 0.0], [math.log(3.0), 0.0]]), axis=0)
    assert cols[:, 0] == pytest.approx([0.25, 0.75])


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 6), st.integers(2, 5)), elements=st.floats(-50, 50)
    )
)
def test_softmax_is_a_distribution_invariant_to_shifts(z: np.ndarray) -> None:
    p = S.softmax(z)
    assert np.allclose(p.sum(axis=-1), 1.0)
    assert np.all(p >= 0)
    assert np.allclose(S.softmax(z + 17.0), p)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.integers(2, 5), st.integers(0, 2**32 - 1))
def test_score_ranges(n: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(k), size=n)
    t = S.one_hot_indices(rng.integers(0, k, size=n), k)
    assert 0.0 <= S.accuracy(p, t) <= 1.0
    assert 0.0 <= S.balanced_accuracy(p, t) <= 1.0
    assert 0.0 <= S.brier(p, t) <= 2.0
    assert 0.0 <= S.log_loss(p, t) <= -math.log(S.LOG_LOSS_EPS)
    # a perfect forecast scores perfectly
    assert S.brier(t, t) == 0.0
    assert S.accuracy(t, t) == 1.0


@pytest.mark.parametrize(
    ("probs", "targets", "message"),
    [
        (np.ones((2, 2)), np.ones((2, 3)), "n × K"),
        (np.zeros((0, 2)), np.zeros((0, 2)), "nothing to score"),
        (np.array([[0.5, np.nan]]), np.array([[1.0, 0.0]]), "finite"),
        (np.array([[0.7, 0.7]]), np.array([[1.0, 0.0]]), "sum to 1.4"),
    ],
)
def test_bad_forecasts_are_input_errors(
    probs: np.ndarray, targets: np.ndarray, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        S.log_loss(probs, targets)


def test_bad_indices_and_binary_values() -> None:
    with pytest.raises(InputError, match=r"\[0, 2\]"):
        S.one_hot_indices([0, 3], 3)
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        S.log_probability(np.array([[0.5, 0.5]]), [2])
    with pytest.raises(InputError, match="forecast must lie in"):
        S.binary_brier([1.5], [1.0])


def test_every_layer_calls_the_one_module() -> None:
    from ncrealism.decision import model as decision_model
    from ncrealism.evaluation import metrics
    from ncrealism.scenario import model as scenario_model

    assert decision_model.softmax is S.softmax
    assert scenario_model.softmax is S.softmax
    for name in ("log_loss", "brier", "accuracy", "balanced_accuracy"):
        assert getattr(metrics, name) is getattr(S, name)
    assert metrics.LOG_LOSS_EPS == S.LOG_LOSS_EPS
