"""The perception filter: bounds, neutrality, clusters and what each cluster changed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncrealism.errors import InputError
from ncrealism.perception.filter import CLUSTERS, PARAM_NAMES, PARAMS, PerceptionFilter, spec
from ncrealism.perception.functions import (
    STRUCTURAL_KEYS,
    assurance_credibility,
    balancing_effectiveness,
    misperceived_share,
    neutral_quantities,
    perceive,
    perceived_ally_support,
    perceived_threat,
    prospect_value,
    residual_threat,
)
from ncrealism.perception.trace import cumulative_filters, trace

unit = st.floats(0.0, 1.0)
inner = st.floats(0.01, 0.99)


def _structural(draw: st.DrawFn) -> dict[str, float]:
    t = draw(inner)
    a = draw(st.floats(0.0, 1.0 - t))
    return {
        "threat": t,
        "threat_misperceived": t,
        "ally_support": a,
        "relative_power": draw(st.floats(0.001, 0.99)),
        "nuclear_latency": draw(unit),
        "sanctions": draw(unit),
        "inducements": draw(unit),
        "clarity": draw(unit),
        "regime_vulnerability": draw(unit),
    }


structurals = st.composite(_structural)


@st.composite
def filters(draw: st.DrawFn) -> PerceptionFilter:
    values = {p.name: draw(st.floats(p.lo, p.hi)) for p in PARAMS}
    return PerceptionFilter(values=values, label="random")


def test_neutral_filter_is_neutral() -> None:
    f = PerceptionFilter.neutral()
    assert f.is_neutral
    assert f.differences() == {}
    np.testing.assert_array_equal(f.to_theta(), [p.neutral for p in PARAMS])
    assert f.with_theta(f.to_theta()).values == f.values
    with pytest.raises(TypeError):
        f.values["precision"] = 1.0  # type: ignore[index]


def test_bounds_are_enforced() -> None:
    with pytest.raises(InputError, match="self_reliance"):
        PerceptionFilter(values={"self_reliance": 1.5})
    with pytest.raises(InputError, match="unknown"):
        PerceptionFilter(values={"juche": 1.0})
    with pytest.raises(InputError, match="misperception"):
        PerceptionFilter(misperception={2: 10.0})
    with pytest.raises(InputError):
        PerceptionFilter.neutral().replace(precision=-1.0)
    with pytest.raises(InputError, match="unknown cluster"):
        PerceptionFilter.neutral().with_cluster_off("ideology")


def test_with_cluster_off_resets_only_that_cluster() -> None:
    values = {p.name: p.hi for p in PARAMS}
    f = PerceptionFilter(values=values, misperception={2: 2.0})
    for cl in (*CLUSTERS, "precision"):
        g = f.with_cluster_off(cl)
        for p in PARAMS:
            owner = p.cluster if p.cluster is not None else "precision"
            assert g[p.name] == (p.neutral if owner == cl else p.hi), (cl, p.name)
        assert g.misperception == ({} if cl == "leader_images" else {2: 2.0})
    assert f.with_clusters_off([*CLUSTERS, "precision"]).is_neutral


@settings(max_examples=200, deadline=None)
@given(structurals())
def test_neutral_filter_passes_the_environment_through(s: dict[str, float]) -> None:
    q = neutral_quantities(s)
    assert q["threat"] == pytest.approx(s["threat"])
    assert q["ally_support"] == pytest.approx(s["ally_support"])
    assert q["relative_power"] == pytest.approx(s["relative_power"])
    # Credibility under the neutral filter is the structural one of Powell's reading.
    r, i = s["relative_power"], s["inducements"]
    assert q["credibility"] == pytest.approx(r + (1 - r) * i)
    assert q["ability"] == 1.0 and q["vulnerability"] == 0.0 and q["survival_weight"] == 1.0
    assert q["precision"] == pytest.approx(spec("precision").neutral)


@settings(max_examples=200, deadline=None)
@given(inner, inner, unit, st.floats(0.25, 4.0), st.floats(0.0, 0.3))
def test_perceived_threat_is_monotone(t: float, dt: float, c: float, s: float, _: float) -> None:
    t2 = min(0.999, t + dt * (1 - t))
    lo = perceived_threat(t, t, c, s)
    hi = perceived_threat(t2, t2, c, s)
    assert hi >= lo - 1e-12
    assert 0.0 <= lo <= 1.0
    # More sensitivity never lowers the perceived threat.
    assert perceived_threat(t, t, c, min(4.0, s * 1.5)) >= lo - 1e-12


def test_clear_restrictive_environment_leaves_no_room() -> None:
    # Clarity 1: the leader's sensitivity cannot move the threat (RTL 2016, ch. 2).
    assert perceived_threat(0.4, 0.4, 1.0, 3.0) == pytest.approx(0.4)
    assert perceived_threat(0.4, 0.4, 0.0, 3.0) > 0.4


def test_misperceived_share() -> None:
    shares = np.array([0.3, 0.1])
    assert misperceived_share(shares, np.ones(2)) == pytest.approx(0.4)
    # Doubling the first adversary's capabilities: (0.6 + 0.1) / (1 + 0.3).
    assert misperceived_share(shares, np.array([2.0, 1.0])) == pytest.approx(0.7 / 1.3)


def test_mechanisms_at_known_points() -> None:
    assert perceived_ally_support(0.5, 0.6) == pytest.approx(0.2)
    assert assurance_credibility(0.1, 0.0, 0.5) == pytest.approx(0.05)
    assert assurance_credibility(0.1, 0.0, 0.0, offered=1.0) == pytest.approx(1.0)
    assert residual_threat(0.5, 0.4, 0.5) == pytest.approx(0.4)
    assert balancing_effectiveness(1.0, 1.0, 0.0) == pytest.approx(0.5)
    # Prospect value with Tversky & Kahneman's (1992) estimates: a loss weighs 2.25 times
    # a gain of the same size.
    g = prospect_value(0.2, 2.25, 0.88)
    lo = prospect_value(-0.2, 2.25, 0.88)
    assert -lo / g == pytest.approx(2.25)
    assert prospect_value(np.array([-0.3, 0.3]), 1.0, 1.0) == pytest.approx([-0.3, 0.3])


@settings(max_examples=100, deadline=None)
@given(structurals(), filters())
def test_trace_records_each_cluster(s: dict[str, float], f: PerceptionFilter) -> None:
    arr = {k: np.array([v]) for k, v in s.items()}
    tr = trace(arr, f, years=[2000])
    steps = cumulative_filters(f)
    assert [n for n, _ in steps] == ["structural", *CLUSTERS, "precision"]
    full = perceive(arr, f.values)
    for q in ("threat", "ally_support", "credibility", "ability", "precision"):
        last = tr.filter(tr["quantity"] == q)["after"].to_list()[-1]
        assert last == pytest.approx(float(np.asarray(full[q]).reshape(-1)[0]))
    neutral_tr = trace(arr, PerceptionFilter.neutral(), years=[2000])
    assert neutral_tr["change"].abs().max() == 0.0
    off = trace(arr, f.with_cluster_off("strategic_culture"), years=[2000])
    assert off.filter(off["cluster"] == "strategic_culture")["change"].abs().max() == 0.0


def test_parameter_table_is_complete() -> None:
    assert len(PARAM_NAMES) == len(set(PARAM_NAMES)) == len(PARAMS)
    for p in PARAMS:
        assert p.lo <= p.neutral <= p.hi and p.default_sd > 0 and p.source
    assert set(STRUCTURAL_KEYS) >= {"threat", "ally_support", "relative_power"}
