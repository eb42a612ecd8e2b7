"""Zone of agreement and Nash solution: closed forms, invariants, binding constraints."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncrealism.errors import InputError
from ncrealism.negotiation.bargaining import (
    BargainingProblem,
    CoupledReservation,
    Dimension,
    Forum,
    Party,
    Stance,
    acceptable_interval,
    contains,
    fearon_range,
    find_zone,
    nash_solution,
)

DIMS = (Dimension("a"), Dimension("b"), Dimension("c"))


def two_party(a: float, b: float, w_a: float, w_b: float) -> BargainingProblem:
    """A (ideal 1, red line a) against B (ideal 0, red line b) on one dimension."""
    return BargainingProblem(
        (Dimension("x"),),
        (
            Party("A", w_a, {"x": Stance(1.0, a, 1.0)}),
            Party("B", w_b, {"x": Stance(0.0, b, 1.0)}),
        ),
    )


# ------------------------------------------------------------------ closed forms


def test_fearon_range_is_the_zone() -> None:
    # Fearon (1995, pp. 387-388): every x in [p - c_A, p + c_B] beats war for both.
    p, ca, cb = 0.6, 0.15, 0.1
    lo, hi = fearon_range(p, ca, cb)
    zone = find_zone(two_party(lo, hi, 1.0, 1.0))
    assert zone.exists
    assert zone.interval("x").lower == pytest.approx(p - ca)
    assert zone.interval("x").upper == pytest.approx(p + cb)
    assert zone.margin == pytest.approx((ca + cb) / 2)


@pytest.mark.parametrize(("w_a", "w_b"), [(1.0, 1.0), (3.0, 1.0), (0.2, 5.0)])
def test_nash_solution_splits_the_surplus_by_weight(w_a: float, w_b: float) -> None:
    # max w_A ln(x - a) + w_B ln(b - x)  =>  x* = (w_A b + w_B a) / (w_A + w_B);
    # with equal weights the midpoint (Nash 1950, symmetry).
    a, b = 0.3, 0.7
    sol = nash_solution(two_party(a, b, w_a, w_b))
    assert sol is not None
    expected = (w_a * b + w_b * a) / (w_a + w_b)
    assert sol.point["x"] == pytest.approx(expected, abs=1e-6)
    assert sol.weights["A"] == pytest.approx(w_a / (w_a + w_b))


def test_acceptable_interval_is_symmetric_around_the_ideal() -> None:
    assert acceptable_interval(Stance(0.5, 0.2, 1.0)) == pytest.approx((0.2, 0.8))
    assert acceptable_interval(Stance(1.0, 0.4, 1.0)) == pytest.approx((0.4, 1.0))
    # Zero salience: indifferent, the whole scale is acceptable.
    assert acceptable_interval(Stance(1.0, 0.9, 0.0)) == (0.0, 1.0)


def test_logrolling_gives_each_party_its_salient_dimension() -> None:
    # A cares about a, B about b: each wins the dimension it cares more about.
    prob = BargainingProblem(
        DIMS[:2],
        (
            Party("A", 1.0, {"a": Stance(1.0, 0.0, 1.0), "b": Stance(1.0, 0.0, 0.1)}),
            Party("B", 1.0, {"a": Stance(0.0, 1.0, 0.1), "b": Stance(0.0, 1.0, 1.0)}),
        ),
    )
    sol = nash_solution(prob)
    assert sol is not None
    assert sol.point["a"] > 0.9
    assert sol.point["b"] < 0.1


# ------------------------------------------------------------------ binding constraints


def test_empty_zone_names_the_conflicting_red_lines() -> None:
    prob = BargainingProblem(
        DIMS,
        (
            Party(
                "US",
                2.0,
                {"a": Stance(0.0, 0.3, 1.0), "b": Stance(0.0, 0.9, 0.5), "c": Stance(0, 1, 1)},
            ),
            Party(
                "DPRK",
                1.0,
                {"a": Stance(1.0, 0.5, 1.0), "b": Stance(1.0, 0.2, 0.5), "c": Stance(1, 0, 1)},
            ),
        ),
    )
    zone = find_zone(prob)
    assert not zone.exists
    assert zone.margin == pytest.approx((0.3 - 0.5) / 2)
    assert [b.dimension for b in zone.binding] == ["a"]
    b = zone.binding[0]
    assert b.lower_parties == ("DPRK",)
    assert b.upper_parties == ("US",)
    assert b.gap == pytest.approx(0.2)
    assert "DPRK need at least 0.500" in b.describe()
    assert nash_solution(prob, zone) is None


def test_non_veto_party_is_outvoted_when_the_quota_allows() -> None:
    dims = (Dimension("x"),)
    parties = (
        Party("A", 4.0, {"x": Stance(1.0, 0.4, 1.0)}),
        Party("B", 4.0, {"x": Stance(0.0, 0.6, 1.0)}),
        Party("C", 1.0, {"x": Stance(0.0, 0.1, 1.0)}, veto=False),
    )
    unanimous = find_zone(BargainingProblem(dims, parties, Forum(1.0)))
    assert not unanimous.exists
    assert unanimous.binding[0].upper_parties == ("C",)
    # C holds 1/9 of the capability: a quota of 0.8 lets A and B agree without it.
    quota = find_zone(BargainingProblem(dims, parties, Forum(0.8)))
    assert quota.exists
    assert quota.coalition == ("A", "B")
    assert quota.power_share == pytest.approx(8 / 9)
    # A veto flag on C restores the block.
    vetoed = (*parties[:2], Party("C", 1.0, {"x": Stance(0.0, 0.1, 1.0)}, veto=True))
    assert not find_zone(BargainingProblem(dims, vetoed, Forum(0.8))).exists


def test_coupled_reservation_matches_a_brute_force_search() -> None:
    # B's red line on "a" falls as the assurance on "b" rises: r(v) = 0.9 - 0.6 v.
    def rule(v: float) -> float:
        return 0.9 - 0.6 * v

    prob = BargainingProblem(
        DIMS[:2],
        (
            Party("A", 1.0, {"a": Stance(0.0, 0.5, 1.0), "b": Stance(0.0, 0.6, 1.0)}),
            Party("B", 1.0, {"a": Stance(1.0, 1.0, 1.0), "b": Stance(1.0, 0.2, 1.0)}),
        ),
        couplings=(CoupledReservation("B", "a", "b", rule, "test rule"),),
    )
    zone = find_zone(prob)
    grid = np.linspace(0, 1, 100001)
    # margin(v) = min(v - 0.2, 0.6 - v, (0.5 - r(v)) / 2); the last two meet at v = 8/13,
    # where the margin is 0.6 - 8/13 = -1/65 (the zone is empty by a hair).
    brute = np.max(np.minimum(np.minimum(grid - 0.2, 0.6 - grid), (0.5 - rule(grid)) / 2))
    assert zone.margin == pytest.approx(-1 / 65, abs=1e-8)
    assert zone.margin >= float(brute) - 1e-12
    assert not zone.exists
    assert zone.binding[0].derived == "test rule"

    # Loosen A's red line on "a" to 0.6: now a zone exists.
    prob = BargainingProblem(
        DIMS[:2],
        (
            Party("A", 1.0, {"a": Stance(0.0, 0.6, 1.0), "b": Stance(0.0, 0.6, 1.0)}),
            prob.parties[1],
        ),
        couplings=prob.couplings,
    )
    zone = find_zone(prob)
    assert zone.exists
    sol = nash_solution(prob, zone)
    assert sol is not None
    assert contains(prob, zone, sol.point)
    assert sol.point["a"] >= rule(sol.point["b"]) - 1e-6


def test_validation_errors_are_input_errors() -> None:
    with pytest.raises(InputError, match="at least two parties"):
        BargainingProblem(DIMS[:1], (Party("A", 1, {"a": Stance(0, 0, 1)}),))
    with pytest.raises(InputError, match="must cover exactly"):
        BargainingProblem(
            DIMS[:2],
            (Party("A", 1, {"a": Stance(0, 0, 1)}), Party("B", 1, {"a": Stance(1, 1, 1)})),
        )
    with pytest.raises(InputError, match=r"in \[0, 1\]"):
        Stance(1.5, 0.2, 1.0)
    with pytest.raises(InputError, match="quota"):
        Forum(0.0)
    with pytest.raises(InputError, match="capability"):
        Party("A", -1.0, {})


# ------------------------------------------------------------------ invariants (hypothesis)

unit = st.floats(0.0, 1.0, allow_nan=False)
stance = st.builds(Stance, unit, unit, st.floats(0.05, 1.0))


@st.composite
def problems(draw: st.DrawFn) -> BargainingProblem:
    n = draw(st.integers(2, 5))
    k = draw(st.integers(1, 3))
    dims = DIMS[:k]
    parties = tuple(
        Party(
            f"P{i}",
            draw(st.floats(0.01, 10.0)),
            {d.name: draw(stance) for d in dims},
            veto=draw(st.booleans()) or i == 0,
        )
        for i in range(n)
    )
    quota = draw(st.sampled_from([1.0, 0.75, 0.5]))
    return BargainingProblem(dims, parties, Forum(quota))


def _summary(prob: BargainingProblem) -> tuple[object, ...]:
    zone = find_zone(prob)
    sol = nash_solution(prob, zone)
    intervals = tuple(
        (iv.dimension, round(iv.lower, 9), round(iv.upper, 9), iv.lower_parties, iv.upper_parties)
        for iv in zone.intervals
    )
    binding = tuple((b.dimension, b.lower_parties, b.upper_parties) for b in zone.binding)
    point = None if sol is None else tuple(sol.point[d] for d in prob.dimension_names)
    return zone.exists, round(zone.margin, 9), zone.coalition, intervals, binding, point


@settings(max_examples=40, deadline=None)
@given(problems(), st.randoms(use_true_random=False))
def test_permuting_parties_permutes_results(prob: BargainingProblem, rnd: object) -> None:
    order = list(range(len(prob.parties)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    a, b = _summary(prob), _summary(prob.permuted(order))
    assert a[:5] == b[:5]
    if a[5] is None:
        assert b[5] is None
    else:
        assert b[5] is not None
        np.testing.assert_allclose(a[5], b[5], atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(problems(), st.floats(1e-3, 1e3))
def test_scaling_all_capabilities_changes_nothing(prob: BargainingProblem, k: float) -> None:
    scaled = BargainingProblem(
        prob.dimensions,
        tuple(Party(p.name, p.capability * k, p.stances, p.veto) for p in prob.parties),
        prob.forum,
    )
    a, b = _summary(prob), _summary(scaled)
    assert a[:5] == b[:5]
    if a[5] is not None:
        assert b[5] is not None
        np.testing.assert_allclose(a[5], b[5], atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(problems(), st.integers(0, 2), unit, st.floats(0.01, 0.5))
def test_an_empty_zone_is_reported_with_its_binding_constraint(
    prob: BargainingProblem, dim_index: int, centre: float, gap: float
) -> None:
    # Two veto players whose red lines on one dimension conflict by ``gap``.
    d = prob.dimension_names[min(dim_index, len(prob.dimensions) - 1)]
    lo_line = min(1.0, centre + gap / 2)
    hi_line = max(0.0, centre - gap / 2)
    hawk = dict(prob.parties[0].stances)
    hawk[d] = Stance(1.0, lo_line, 1.0)  # accepts [lo_line, 1]
    dove = dict(prob.parties[1].stances)
    dove[d] = Stance(0.0, hi_line, 1.0)  # accepts [0, hi_line]
    parties = (
        Party("hawk", prob.parties[0].capability, hawk, veto=True),
        Party("dove", prob.parties[1].capability, dove, veto=True),
        *prob.parties[2:],
    )
    conflict = BargainingProblem(prob.dimensions, parties, prob.forum)
    zone = find_zone(conflict)
    assert not zone.exists
    assert zone.margin <= -(lo_line - hi_line) / 2 + 1e-12
    assert zone.binding, "an empty zone must name its binding constraint"
    for b in zone.binding:
        assert b.gap > 0
        assert b.lower_parties and b.upper_parties
    assert math.isfinite(zone.margin)
