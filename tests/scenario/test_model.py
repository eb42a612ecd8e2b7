"""Posture models and shocks: the decision layer adapter, LinearLogit, shock algebra."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncrealism.decision.model import FEATURES, choice_probabilities
from ncrealism.perception.filter import PARAMS
from ncrealism.scenario.decision import DecisionModel, general_probabilities
from ncrealism.scenario.model import InputInfo, LinearLogit, ShockPlan, apply_shocks, combine

RNG = np.random.default_rng(20261128)


def _theta(d: int) -> np.ndarray:
    lo = np.array([p.lo for p in PARAMS])
    hi = np.minimum([p.hi for p in PARAMS], 10.0)
    return lo + (hi - lo) * RNG.random((d, len(PARAMS)))


def test_general_path_equals_the_decision_layer() -> None:
    x = RNG.random((12, len(FEATURES)))
    theta = _theta(7)
    want = choice_probabilities(x, theta)
    got = general_probabilities(x[None], theta[:, None, :])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    assert DecisionModel().probabilities(x[None], theta[:, None, :]).shape == (7, 12, 5)


def test_per_draw_inputs_and_per_row_parameters_equal_draw_by_draw_calls() -> None:
    x = RNG.random((5, 9, len(FEATURES)))  # inputs differ between draws
    theta = np.repeat(_theta(5)[:, None, :], 9, axis=1)
    theta[:, 4:, 0] += 0.5  # parameters differ between rows (a profile's periods)
    got = DecisionModel().probabilities(x, theta)
    for d in range(5):
        for n in range(9):
            want = choice_probabilities(x[d, n], theta[d, n])
            np.testing.assert_allclose(got[d, n], want[0, 0], rtol=1e-12, atol=1e-14)


def test_linear_logit_is_mcfadden_logit() -> None:
    m = LinearLogit(options=("a", "b", "c"), inputs=(InputInfo("x"), InputInfo("y")))
    names = [p.name for p in m.params]
    assert names == [
        "alpha.b",
        "beta.b.x",
        "beta.b.y",
        "alpha.c",
        "beta.c.x",
        "beta.c.y",
        "tau",
    ]
    theta = np.array([[0.5, 1.0, -2.0, -0.3, 0.2, 0.7, 2.0]])
    x = np.array([[[0.3, 0.9]]])
    p = m.probabilities(x, theta[:, None, :])[0, 0]
    u = np.array([0.0, 0.5 + 0.3 - 1.8, -0.3 + 0.06 + 0.63]) / 2.0
    np.testing.assert_allclose(p, np.exp(u) / np.exp(u).sum(), rtol=1e-12)


def test_shocks_apply_per_draw_from_their_year_and_are_clipped() -> None:
    inputs = (InputInfo("a", 0.0, 1.0), InputInfo("b", 0.0, 1.0))
    x = np.array([[0.2, 0.5], [0.4, 0.5], [0.6, 0.5]])
    rows = np.array([False, True, True])
    v = np.array([0.5, 3.0])
    out = apply_shocks(x, [ShockPlan("s", 0, rows, "scale", "p")], {"p": v}, inputs)
    np.testing.assert_allclose(out[:, 0, 0], [0.2, 0.2])
    np.testing.assert_allclose(out[0, 1:, 0], [0.2, 0.3])
    np.testing.assert_allclose(out[1, 1:, 0], [1.0, 1.0])  # 1.2, 1.8 clipped to 1
    np.testing.assert_array_equal(out[:, :, 1], 0.5)
    u = apply_shocks(x, [ShockPlan("s", 1, rows, "union", "p")], {"p": np.array([0.5])}, inputs)
    np.testing.assert_allclose(u[0, :, 1], [0.5, 0.75, 0.75])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.01, 1.0), min_size=4, max_size=4),
    st.floats(0.1, 5.0),
    st.lists(st.floats(0.25, 4.0), min_size=2, max_size=2),
)
def test_own_capability_recomputes_the_pool_shares(
    caps: list[float], f: float, mis: list[float]
) -> None:
    """Pool: the state (caps[0]), one ally (caps[1]) and two adversaries (caps[2:]) with
    misperception factors; shares computed directly before and after scaling the state."""
    names = [f.name for f in (InputInfo(n) for n in FEATURES)]

    def shares(own: float) -> np.ndarray:
        c = np.array([own, *caps[1:]])
        pool = c.sum()
        t = c[2:] / pool
        m = np.array(mis)
        row = np.zeros(len(FEATURES))
        row[names.index("relative_power")] = own / pool
        row[names.index("ally_support")] = c[1] / pool
        row[names.index("threat")] = t.sum()
        row[names.index("threat_misperceived")] = (m * t).sum() / (1 + ((m - 1) * t).sum())
        return row

    before, after = shares(caps[0]), shares(caps[0] * f)
    infos = tuple(InputInfo(n, 0.0, 1.0) for n in FEATURES)
    out = apply_shocks(
        before[None, :],
        [ShockPlan("cap", names.index("relative_power"), np.array([True]), "own_capability", "f")],
        {"f": np.array([f])},
        infos,
    )
    np.testing.assert_allclose(out[0, 0], after, rtol=1e-9, atol=1e-12)


def test_combine_rejects_unknown_ops() -> None:
    assert combine("add", np.array([1.0]), np.array([2.0]))[0] == 3.0
    with pytest.raises(ValueError, match="unknown shock op"):
        combine("multiply", np.array([1.0]), np.array([2.0]))
