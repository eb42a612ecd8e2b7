"""The built-in scenarios: valid, sourced, consistent with the profile and case files they
cite, and runnable on the real decision and negotiation layers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.negotiation.cases import build_case
from ncrealism.perception.profiles import profile_for
from ncrealism.scenario.builtins import builtin_scenarios, locate
from ncrealism.scenario.compare import compare_plans, variant_draws
from ncrealism.scenario.loader import load_scenario, resolve
from ncrealism.scenario.schema import Beta, Normal, Triangular

NAMES = sorted(builtin_scenarios())


@pytest.fixture
def history_env(history_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NCR_HISTORY_DIR", str(history_dir))
    return history_dir


def test_catalogue() -> None:
    assert {"dprk-baseline", "agreed-framework-1994", "six-party-2005"} <= set(NAMES)
    assert (
        sum(
            load_scenario(builtin_scenarios()[n]).spec.scenario.kind == "counterfactual"
            for n in NAMES
        )
        >= 3
    )
    assert locate("dprk-baseline") == builtin_scenarios()["dprk-baseline"]


@pytest.mark.parametrize("name", NAMES)
def test_each_has_a_rationale_and_sources(name: str) -> None:
    s = load_scenario(builtin_scenarios()[name]).spec
    assert s.scenario.name == name
    assert len(s.scenario.rationale.split()) >= 40
    assert len(s.scenario.sources) >= 2


def test_baseline_uncertainty_is_the_dprk_profile_prior() -> None:
    """Each uncertain parameter of dprk-baseline is N(profile value, profile prior sd),
    truncated to the parameter's bounds, as its rationale says."""
    from ncrealism.perception.filter import spec

    prof = profile_for("DPRK")
    assert prof is not None
    s = load_scenario(builtin_scenarios()["dprk-baseline"]).spec
    assert len(s.uncertainty) == 6
    for name, dist in s.uncertainty.items():
        assert isinstance(dist, Normal)
        coded = prof.defaults[name]
        assert dist.mean == coded.value and dist.sd == coded.sd, name
        assert (dist.lower, dist.upper) == (spec(name).lo, spec(name).hi), name
        assert all(name not in p.params for p in prof.periods), name  # constant over periods
    for other in ("dprk-china-halves", "dprk-credible-assurances", "dprk-succession-crisis-2003"):
        o = load_scenario(builtin_scenarios()[other]).spec
        assert o.uncertainty == s.uncertainty and o.run.seed == s.run.seed


@pytest.mark.parametrize("name", ["agreed-framework-1994", "six-party-2005"])
def test_negotiation_uncertainty_is_centred_on_the_case(name: str, source: DataSource) -> None:
    """Each uncertain case input is centred on the value the case (with data attached) uses:
    the mean of a normal or beta, the mode of a triangular; the filter's discount carries the
    DPRK profile's prior sd."""
    s = load_scenario(builtin_scenarios()[name]).spec
    case_id = s.negotiations[0].case
    values = build_case(case_id, source=source).values
    prof = profile_for("DPRK")
    assert prof is not None
    assert len(s.uncertainty) == 3
    for full, dist in s.uncertainty.items():
        key = full.removeprefix(f"negotiation.{case_id}.")
        value = values[key]
        if isinstance(dist, Normal):
            assert dist.mean == pytest.approx(value), key
            assert dist.sd == prof.defaults[key.removeprefix("filter.")].sd
        elif isinstance(dist, Beta):
            assert dist.a / (dist.a + dist.b) == pytest.approx(value), key
        else:
            assert isinstance(dist, Triangular) and dist.mode == pytest.approx(value), key


@pytest.mark.parametrize("name", NAMES)
def test_each_resolves_on_the_real_layers(name: str, source: DataSource, history_env: Path) -> None:
    plan = resolve(load_scenario(builtin_scenarios()[name]), source=source, draws=8)
    assert plan.model.name == "ncr-decision"
    assert plan.x.shape[0] == len(plan.year)
    import json

    versions = json.loads(plan.provenance["data_versions"])
    assert versions["context"]["file"] == "context_events_1990_2009.csv"
    assert "nmc7" in versions["datasets"]


def test_china_halves_against_the_baseline(source: DataSource, history_env: Path) -> None:
    """With common random numbers the two scenarios agree draw by draw before 2003; from 2003
    the allied-support input is 0.4-0.6 times the baseline's in every draw."""
    base = resolve(load_scenario(locate("dprk-baseline")), source=source, draws=200)
    cut = resolve(load_scenario(locate("dprk-china-halves")), source=source, draws=200)
    frame = compare_plans(base, cut)
    before = frame.filter(pl.col("year") < 2003)
    assert (before["diff_mean"] == 0).all()
    j = [f.name for f in cut.model.inputs].index("ally_support")
    vb = variant_draws(cut)
    assert vb.parameters is not None
    k = cut.param_names.index("shock.china_halves")
    factors = vb.parameters[:, k]
    assert factors.min() >= 0.4 and factors.max() <= 0.6
    from ncrealism.scenario.model import apply_shocks

    x = apply_shocks(cut.x, cut.shocks, {"shock.china_halves": factors}, cut.model.inputs)
    after = cut.year >= 2003
    np.testing.assert_allclose(x[:, after, j], factors[:, None] * cut.x[after, j][None, :])
    np.testing.assert_array_equal(
        x[:, ~after, j], np.broadcast_to(cut.x[~after, j], (200, (~after).sum()))
    )
