"""The decision core: neutral = system layer alone, monotonicity, vectorisation, options."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncrealism.data.fetch import DataSource
from ncrealism.decision.inputs import DOMESTIC_COLUMNS, SYSTEM_COLUMNS
from ncrealism.decision.model import (
    FEATURES,
    choice_probabilities,
    design_matrix,
    posture_probabilities,
    sample_postures,
    utilities,
)
from ncrealism.decision.options import DEFAULT_OPTIONS, Option
from ncrealism.errors import InputError
from ncrealism.perception.filter import PARAM_NAMES, PARAMS, PerceptionFilter
from ncrealism.perception.profiles import load_profile
from ncrealism.system.capabilities import capabilities
from ncrealism.system.threat import threat_faced

IB = DEFAULT_OPTIONS.index("internal_balancing")
EB = DEFAULT_OPTIONS.index("external_balancing")
SR = PARAM_NAMES.index("self_reliance")
CODES = {"USSR": 365, "China": 710}


@st.composite
def xs(draw: st.DrawFn) -> np.ndarray:
    t = draw(st.floats(0.01, 0.98))
    a = draw(st.floats(0.0, 1.0 - t))
    r = draw(st.floats(0.001, 1.0 - t - a)) if 1.0 - t - a > 0.001 else 0.001
    vals = {
        "threat": t,
        "threat_misperceived": t,
        "ally_support": a,
        "relative_power": r,
        "nuclear_latency": draw(st.sampled_from([0.0, 1 / 3, 2 / 3, 1.0])),
        "sanctions": draw(st.floats(0.0, 0.99)),
        "inducements": draw(st.floats(0.0, 0.99)),
        "clarity": draw(st.floats(0.0, 1.0)),
        "regime_vulnerability": draw(st.floats(0.0, 1.0)),
    }
    return np.array([vals[f] for f in FEATURES])


@st.composite
def thetas(draw: st.DrawFn) -> np.ndarray:
    return np.array([draw(st.floats(p.lo, p.hi)) for p in PARAMS])


def test_neutral_filter_reads_the_system_layer_alone(
    dprk_inputs: pl.DataFrame, source: DataSource, context: pl.DataFrame
) -> None:
    """Neutral decisions equal those computed from the system layer's output directly."""
    neutral = PerceptionFilter.neutral()
    full = posture_probabilities(dprk_inputs, neutral)
    # 1. Domestic columns (and any scrambling of them) change nothing.
    rng = np.random.default_rng(7)
    scrambled = dprk_inputs.with_columns(
        pl.Series(c, rng.uniform(0, 1, dprk_inputs.height)) for c in DOMESTIC_COLUMNS
    )
    assert posture_probabilities(scrambled, neutral)["probability"].to_list() == (
        full["probability"].to_list()
    )
    only_system = dprk_inputs.select("ccode", "year", *SYSTEM_COLUMNS)
    assert posture_probabilities(only_system, neutral)["probability"].to_list() == pytest.approx(
        full["probability"].to_list(), abs=1e-12
    )
    # 2. Rebuild the structural columns from the system layer's functions, here, and compare.
    # Patron defection is a context shock: half of an ally's weight, phased in from the date
    # it recognised the adversary (the USSR on 30 Sep 1990, China in Aug 1992).
    recognised = {
        CODES[a]: t
        for a, t, ty in context.select("actor", "time", "type").iter_rows()
        if ty == "systemic_stimulus" and a in CODES
    }
    years = [1991, 1994, 2006]
    sub = dprk_inputs.filter(pl.col("year").is_in(years)).sort("year")
    tf = threat_faced(731, [y - 1 for y in years], source=source)
    # The default NMC release, as build_inputs reads.
    caps = capabilities(source=source).filter(pl.col("ccode") == 731)
    rebuilt = []
    for row in sub.iter_rows(named=True):
        y = row["year"]
        rows = tf.filter(pl.col("year") == y - 1)
        allied = pl.col("allied").fill_null(False)
        tau = rows.filter(~allied)["threat"].drop_nulls().sum()
        pacts = rows.filter(allied & (pl.col("alliance_level") == 3))
        c = caps.filter(pl.col("year") == y - 1)["cinc"][0]
        pool = c + tau + pacts["projected_power"].sum()
        support = 0.0
        for k, g in pacts.select("source_ccode", "projected_power").iter_rows():
            t = recognised.get(k)
            d = 0.0 if t is None else 0.5 * min(1.0, max(0.0, min(1.0, y + 1 - t)))
            support += g * (1 - d)
        rebuilt.append(
            {
                "ccode": 731,
                "year": y,
                "threat": tau / pool,
                "ally_support": support / pool,
                "relative_power": c / pool,
                "nuclear_latency": row["nuclear_latency"],
                "sanctions": row["sanctions"],
                "inducements": row["inducements"],
                "clarity": row["clarity"],
            }
        )
    p_rebuilt = posture_probabilities(pl.DataFrame(rebuilt), neutral)
    p_sub = posture_probabilities(sub, neutral)
    assert p_rebuilt["probability"].to_list() == pytest.approx(
        p_sub["probability"].to_list(), abs=1e-9
    )


def test_probabilities_are_deterministic_and_normalised(dprk_inputs: pl.DataFrame) -> None:
    f = load_profile("DPRK", 1994)
    a = posture_probabilities(dprk_inputs, f)
    b = posture_probabilities(dprk_inputs, f)
    assert a.equals(b)
    sums = a.group_by("year").agg(pl.col("probability").sum())["probability"]
    assert sums.to_numpy() == pytest.approx(1.0)
    draws = sample_postures(a, np.random.default_rng(3), n=4)
    assert draws.equals(sample_postures(a, np.random.default_rng(3), n=4))
    assert draws.height == 4 * 20
    with pytest.raises(InputError):
        sample_postures(a, None, n=1)  # type: ignore[arg-type]


def test_vectorised_core_matches_one_draw_at_a_time(dprk_inputs: pl.DataFrame) -> None:
    X = design_matrix(dprk_inputs, load_profile("DPRK", 2000))
    rng = np.random.default_rng(11)
    lo = np.array([p.lo for p in PARAMS])
    hi = np.array([p.hi for p in PARAMS])
    theta = lo + (hi - lo) * rng.uniform(size=(6, len(PARAMS)))
    u = utilities(X, theta)
    p = choice_probabilities(X, theta)
    assert u.shape == p.shape == (6, X.shape[0], len(DEFAULT_OPTIONS))
    for d in range(6):
        np.testing.assert_allclose(u[d], utilities(X, theta[d])[0], rtol=1e-12)
        np.testing.assert_allclose(p[d], choice_probabilities(X, theta[d])[0], rtol=1e-12)
    comps = utilities(X, theta, components=True)
    np.testing.assert_allclose(comps.sum(axis=0), u, rtol=1e-10, atol=1e-12)
    with pytest.raises(InputError):
        utilities(X[:, :3], theta)


@settings(max_examples=300, deadline=None)
@given(xs(), thetas(), st.floats(0.0, 1.0))
def test_more_threat_never_lowers_internal_balancing(
    x: np.ndarray, theta: np.ndarray, step: float
) -> None:
    t = FEATURES.index("threat")
    tm = FEATURES.index("threat_misperceived")
    x2 = x.copy()
    room = 0.99 - x[t]
    x2[t] = x2[tm] = x[t] + step * max(room, 0.0)
    u1 = utilities(x, theta)[0, 0, IB]
    u2 = utilities(x2, theta)[0, 0, IB]
    assert u2 >= u1 - 1e-9


@settings(max_examples=300, deadline=None)
@given(xs(), thetas(), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_more_self_reliance_never_raises_reliance_on_allies(
    x: np.ndarray, theta: np.ndarray, a: float, b: float
) -> None:
    lo, hi = sorted((a, b))
    th = np.stack([theta, theta])
    th[0, SR], th[1, SR] = lo, hi
    p = choice_probabilities(x, th)[:, 0, EB]
    u = utilities(x, th)[:, 0, EB]
    assert p[1] <= p[0] + 1e-12
    assert u[1] <= u[0] + 1e-12


def test_options_are_extensible(dprk_inputs: pl.DataFrame) -> None:
    hedging = Option(
        "hedging",
        "keep a latent capability without testing",
        lambda v: [(np.ones_like(v["threat"]), 0.25 * v["threat"])],
        lambda v: np.zeros_like(v["threat"]),
        lambda v: np.zeros_like(v["threat"]),
        autonomy=0.5,
    )
    six = DEFAULT_OPTIONS.with_option(hedging)
    assert six.names[-1] == "hedging" and len(six) == 6
    p = posture_probabilities(dprk_inputs, PerceptionFilter.neutral(), options=six)
    assert set(p["option"]) == set(six.names)
    assert p.group_by("year").agg(pl.col("probability").sum())["probability"].to_numpy() == (
        pytest.approx(1.0)
    )
    with pytest.raises(InputError):
        six.with_option(hedging).index("appeasement")


def test_generic_state_with_default_filter(source: DataSource) -> None:
    from ncrealism.decision.inputs import build_inputs

    df = build_inputs(740, (1995, 1996), source=source)
    p = posture_probabilities(df, load_profile("Japan", 1995))
    q = posture_probabilities(df, load_profile(200, 1995))  # no profile: neutral
    assert p.height == q.height == 10
    assert (q["filter"].str.contains("generic")).all()


def test_regime_vulnerability_is_required_only_when_read(dprk_inputs: pl.DataFrame) -> None:
    f = load_profile("DPRK", 1995)
    with pytest.raises(InputError, match="regime_vulnerability"):
        design_matrix(dprk_inputs.drop("regime_vulnerability"), f)
    design_matrix(dprk_inputs.drop("regime_vulnerability"), f.with_cluster_off("state_society"))
