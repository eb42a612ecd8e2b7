"""Durability: the first-passage survival law, Powell's condition, and monotonicity."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ncrealism.errors import InputError
from ncrealism.negotiation.commitment import (
    DAYS_PER_YEAR,
    PartyCommitment,
    durability,
    powell_breaks,
    powell_threshold,
    survival_probability,
)


def test_survival_matches_a_simulated_wiener_process() -> None:
    # Euler simulation of S(t) = S0 - mu t + sigma W(t), absorbed at 0 (seeded).
    s0, mu, sigma = 0.3, 0.05, 0.2
    rng = np.random.default_rng(20240601)
    n, dt, years = 4000, 1 / 730, 4
    x = np.full(n, s0)
    alive = np.ones(n, dtype=bool)
    simulated = []
    for k in range(years * 730):
        x[alive] += -mu * dt + sigma * math.sqrt(dt) * rng.standard_normal(int(alive.sum()))
        alive &= x > 0
        if (k + 1) % 730 == 0:
            simulated.append(alive.mean())
    exact = survival_probability(np.arange(1, years + 1), s0, mu, sigma)
    # Discrete monitoring overstates survival slightly; 4,000 paths give a ~0.008 sd.
    np.testing.assert_allclose(simulated, exact, atol=0.035)


def test_mean_first_passage_time_is_slack_over_drift() -> None:
    # Inverse-Gaussian mean: E[T] = S0 / mu for a drift towards the boundary.
    s0, mu = 0.2, 0.05
    dur = durability(
        [PartyCommitment("A", s0, shift=mu, credibility=0.0, reversibility=1.0)],
        volatility=0.05,
        horizon_years=400.0,
        steps=40000,
    )
    assert dur.expected_days == pytest.approx(s0 / mu * DAYS_PER_YEAR, rel=2e-3)


def test_escape_probability_with_drift_away_from_the_boundary() -> None:
    # With drift away (mu < 0), P(never hit) = 1 - exp(-2 |mu| S0 / sigma^2).
    s0, mu, sigma = 0.1, -0.02, 0.1
    far = survival_probability([1e5], s0, mu, sigma)[0]
    assert far == pytest.approx(1 - math.exp(-2 * abs(mu) * s0 / sigma**2), abs=1e-6)


def test_deterministic_erosion_without_shocks() -> None:
    curve = survival_probability([0.5, 1.9, 2.1, 5.0], slack=0.2, drift=0.1, volatility=0.0)
    np.testing.assert_array_equal(curve, [1.0, 1.0, 0.0, 0.0])
    assert survival_probability([50.0], 0.2, -0.1, 0.0)[0] == 1.0


def test_credible_irreversible_commitments_last_longer() -> None:
    base = PartyCommitment("A", 0.1, shift=0.0, credibility=0.3, reversibility=0.8)
    more_credible = PartyCommitment("A", 0.1, shift=0.0, credibility=0.9, reversibility=0.8)
    irreversible = PartyCommitment("A", 0.1, shift=0.0, credibility=0.3, reversibility=0.0)
    rising = PartyCommitment("A", 0.1, shift=0.05, credibility=0.3, reversibility=0.8)
    days = {
        name: durability([p]).expected_days
        for name, p in {
            "base": base,
            "credible": more_credible,
            "irreversible": irreversible,
            "rising": rising,
        }.items()
    }
    assert days["credible"] > days["base"]
    assert days["irreversible"] > days["base"]
    assert days["rising"] < days["base"]


def test_an_agreement_is_as_weak_as_its_parties_combined() -> None:
    a = PartyCommitment("A", 0.1, credibility=0.2, reversibility=0.9)
    b = PartyCommitment("B", 0.3, credibility=0.8, reversibility=0.2)
    both = durability([a, b])
    np.testing.assert_allclose(both.survival, both.by_party["A"] * both.by_party["B"])
    assert both.weakest == "A"
    assert both.expected_days <= durability([a]).expected_days
    frame = both.to_frame()
    assert frame.columns == ["years", "days", "survival", "survival_A", "survival_B"]
    assert both.parties_frame()["party"].to_list() == ["A", "B"]


def test_powell_condition() -> None:
    # delta (p' - p) > (1 - delta)(1 - p + c): THEORY section 5.5.
    p, delta, c = 0.3, 0.9, 0.05
    threshold = (1 - delta) * (1 - p + c) / delta
    assert powell_threshold(p, delta, c) == pytest.approx(threshold)
    assert powell_breaks(p, p + threshold + 1e-6, delta, c)
    assert not powell_breaks(p, p + threshold - 1e-6, delta, c)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(InputError, match="slack"):
        PartyCommitment("A", 1.5)
    with pytest.raises(InputError, match="credibility"):
        PartyCommitment("A", 0.1, credibility=-0.1)
    with pytest.raises(InputError, match="repeat"):
        durability([PartyCommitment("A", 0.1), PartyCommitment("A", 0.2)])
    with pytest.raises(InputError, match="delta"):
        powell_threshold(0.5, 1.0, 0.1)
