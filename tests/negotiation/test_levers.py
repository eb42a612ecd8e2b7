"""What would it take: the answer opens the zone, is the smallest, and has a sensitivity."""

from __future__ import annotations

import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.errors import InputError
from ncrealism.negotiation.bargaining import find_zone
from ncrealism.negotiation.cases import CaseModel, build_case
from ncrealism.negotiation.levers import LEVERS, _apply, lever_keys, what_would_it_take

from .test_cases import CAPS, StandInReader, fake_capabilities

XTOL = 1e-4


def margin_at(model: CaseModel, lever: str, delta: float) -> float:
    return find_zone(_apply(model, lever_keys(model, lever), delta).problem()).margin


@pytest.fixture(scope="module")
def blocked() -> CaseModel:
    """The 2005 case with synthetic capabilities and a stand-in filter, cleared of every block
    but the nuclear red line."""
    model = build_case(
        "six_party_2005",
        capabilities=fake_capabilities(CAPS),  # type: ignore[arg-type]
        reader=StandInReader(),
    )
    # Every party indifferent on inducements and sanctions relief; no possession floor.
    cleared = {
        k: 0.0
        for k in model.values
        if k.endswith(".salience") and (".economic_inducements." in k or ".sanctions_relief." in k)
    }
    # The DPRK takes the most assurance the US gives, so the assurance itself does not block.
    us_max = model.values["stance.US.security_assurance.reservation"]
    model = model.with_values(
        {
            **cleared,
            "survival.reservation_floor": 0.0,
            "stance.DPRK.security_assurance.reservation": us_max,
        }
    )
    zone = find_zone(model.problem())
    assert not zone.exists
    assert [b.dimension for b in zone.binding] == ["nuclear_status"]
    return model


def test_credibility_answer_opens_the_zone_and_is_the_smallest(blocked: CaseModel) -> None:
    ans = what_would_it_take(blocked, "credibility", xtol=XTOL, sensitivity=False)
    assert ans.delta is not None and ans.delta > 0
    assert margin_at(blocked, "credibility", ans.delta) >= -1e-9
    assert margin_at(blocked, "credibility", ans.delta - 2 * XTOL) < 0
    assert ans.value_after == pytest.approx(ans.value_before + ans.delta)
    assert ans.baseline < 0 <= ans.achieved + 1e-9
    assert "opens a zone of agreement" in ans.describe()


def test_sanctions_relief_is_a_negative_change(blocked: CaseModel) -> None:
    ans = what_would_it_take(blocked, "sanctions", xtol=XTOL, sensitivity=False)
    if ans.delta is not None:
        # Relief (less pressure) lowers the perceived threat, so it is the helpful direction.
        assert ans.delta < 0
        assert margin_at(blocked, "sanctions", ans.delta) >= -1e-9
    else:
        assert ans.binding_after


def test_inducements_cannot_move_a_nuclear_red_line(blocked: CaseModel) -> None:
    # Inducements enter only their own dimension: a block on nuclear status stays.
    ans = what_would_it_take(blocked, "inducements", sensitivity=False)
    assert ans.delta is None
    assert any(b.startswith("nuclear_status") for b in ans.binding_after)
    assert "No change" in ans.describe()


def test_sensitivity_has_the_expected_signs(blocked: CaseModel) -> None:
    ans = what_would_it_take(blocked, "credibility", xtol=XTOL, step=0.02)
    rows = {r[0]: r for r in ans.sensitivity}
    # A regime that tolerates more threat needs less credibility; a stronger deterrent effect
    # lowers its red line too.
    assert rows["survival.survival_threshold"][4] is not None
    assert rows["survival.survival_threshold"][4] < 0
    # The US red line on nuclear status is among the inputs that shape the answer.
    assert "stance.US.nuclear_status.reservation" in rows
    frame = ans.sensitivity_frame()
    assert frame.columns == ["input", "base", "delta_low", "delta_high", "derivative"]


def test_an_open_zone_needs_nothing(blocked: CaseModel) -> None:
    # Open the zone with the credibility answer (plus a margin), then ask again: nothing more
    # is needed.
    first = what_would_it_take(blocked, "credibility", xtol=XTOL, sensitivity=False)
    assert first.delta is not None
    opened = _apply(blocked, lever_keys(blocked, "credibility"), first.delta + 4 * XTOL)
    assert find_zone(opened.problem()).exists
    ans = what_would_it_take(opened, "patron_support", sensitivity=False)
    assert ans.delta == 0.0
    assert ans.describe().startswith("Nothing")


def test_probability_target_is_reached(source: DataSource) -> None:
    model = build_case("agreed_framework_1994", source=source)
    ans = what_would_it_take(
        model,
        "credibility",
        target="probability",
        threshold=0.05,
        draws=30,
        rounds=20,
        seed=7,
        sensitivity=False,
    )
    if ans.delta is None:
        assert ans.binding_after
    else:
        assert ans.achieved >= 0.05


def test_unknown_lever_and_bad_target() -> None:
    model = build_case(
        "agreed_framework_1994",
        capabilities=fake_capabilities(CAPS),  # type: ignore[arg-type]
        reader=StandInReader(),
    )
    with pytest.raises(InputError, match="unknown lever"):
        what_would_it_take(model, "bribes")
    with pytest.raises(InputError, match="target"):
        what_would_it_take(model, "credibility", target="peace")  # type: ignore[arg-type]
    assert set(LEVERS) == {"credibility", "inducements", "patron_support", "sanctions"}


def test_probability_target_finds_the_first_step(blocked: CaseModel) -> None:
    import numpy as np

    from ncrealism.negotiation.bargaining import contains, nash_solution
    from ncrealism.negotiation.levers import _solve

    need = what_would_it_take(blocked, "credibility", xtol=XTOL, sensitivity=False).delta
    assert need is not None
    upper = min(1.0, need + 0.05)
    opened = _apply(blocked, lever_keys(blocked, "credibility"), upper)
    zone = find_zone(opened.problem())
    sol = nash_solution(opened.problem(), zone)
    assert sol is not None
    dims = opened.problem().dimension_names
    draws = np.array([[sol.point[d] for d in dims]] * 10)

    def probability(delta: float) -> float:
        moved = _apply(blocked, lever_keys(blocked, "credibility"), delta).problem()
        z = find_zone(moved)
        return float(z.exists and contains(moved, z, dict(zip(dims, draws[0], strict=True))))

    delta, achieved, _ = _solve(blocked, "credibility", "probability", 0.5, draws, 20, XTOL)
    assert delta is not None and 0 < delta <= upper
    assert achieved >= 0.5
    assert probability(delta) == 1.0
    assert probability(delta - 2 * XTOL) == 0.0


def test_a_zone_blocked_twice_needs_two_levers(blocked: CaseModel) -> None:
    # A second block: the DPRK needs at least 0.55 of inducements, the US gives at most 0.5.
    model = blocked.with_values(
        {
            "stance.US.economic_inducements.ideal": 0.0,
            "stance.US.economic_inducements.reservation": 0.5,
            "stance.US.economic_inducements.salience": 0.3,
            "stance.DPRK.economic_inducements.ideal": 1.0,
            "stance.DPRK.economic_inducements.reservation": 0.55,
            "stance.DPRK.economic_inducements.salience": 0.7,
        }
    )
    zone = find_zone(model.problem())
    assert {b.dimension for b in zone.binding} == {"nuclear_status", "economic_inducements"}
    cred = what_would_it_take(model, "credibility", xtol=XTOL, sensitivity=False)
    assert cred.delta is None
    assert cred.clears == ("nuclear_status",)
    assert cred.clears_delta is not None and cred.clears_delta > 0
    moved = _apply(model, lever_keys(model, "credibility"), cred.clears_delta)
    # Cleared to the solver's tolerance on the lever.
    assert find_zone(moved.problem()).interval("nuclear_status").width >= -XTOL
    assert any(b.startswith("economic_inducements") for b in cred.binding_after)
    # Both levers together open it.
    past = _apply(model, lever_keys(model, "credibility"), cred.clears_delta + 2 * XTOL)
    both = _apply(past, lever_keys(past, "inducements"), 0.1)
    assert find_zone(both.problem()).exists
