"""Dyadic measures: the S-score kernels against the formula, and the dyad-year frames against
the data layer's joins (an independent path to the same COW files)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ncrealism.data.fetch import DataSource
from ncrealism.data.frames import add_alliances, add_contiguity, add_distance, create_dyadyears
from ncrealism.errors import InputError
from ncrealism.system.dyads import (
    AllianceWeights,
    LossOfStrength,
    alliance_augmented_power,
    boulding_gradient,
    chance_corrected_matrix,
    dyad_power,
    dyad_years,
    loss_of_strength,
    s_score,
    s_score_matrix,
)

YEARS = [1914, 1962, 1994, 2012]


def _portfolio(n: int) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.int8, (n, n), elements=st.integers(0, 3))


def _symmetric(a: np.ndarray) -> np.ndarray:
    a = np.maximum(a, a.T)
    np.fill_diagonal(a, 3)
    return a


def _brute_s(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    n = a.shape[0]
    return np.array(
        [
            [1 - 2 * np.sum(w * np.abs(a[i] - a[j])) / (3 * w.sum()) for j in range(n)]
            for i in range(n)
        ]
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 9).flatmap(lambda n: st.tuples(_portfolio(n), st.just(n))), st.randoms())
def test_s_score_properties(drawn: tuple[np.ndarray, int], rnd: object) -> None:
    raw, n = drawn
    a = _symmetric(raw)
    w = np.linspace(0.1, 1.0, n)
    s = s_score_matrix(a, w)
    assert np.allclose(s, _brute_s(a, w), atol=1e-12)
    assert np.allclose(s, s.T)
    assert np.allclose(np.diag(s), 1.0)  # a state's S with itself is 1
    assert (s >= -1 - 1e-12).all() and (s <= 1 + 1e-12).all()
    perm = np.arange(n)
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    sp = s_score_matrix(a[np.ix_(perm, perm)], w[perm])
    assert np.allclose(sp, s[np.ix_(perm, perm)], atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 8).flatmap(_portfolio))
def test_chance_corrected_against_the_formula(raw: np.ndarray) -> None:
    a = _symmetric(raw)
    n = a.shape[0]
    w = np.ones(n)
    p = np.array([[np.mean(a[i] == v) for v in range(4)] for i in range(n)])
    m = np.abs(np.arange(4)[:, None] - np.arange(4)[None, :]) / 3
    d_obs = (1 - _brute_s(a, w)) / 2
    for kind in ("kappa", "pi"):
        got = chance_corrected_matrix(a, kind=kind)
        for i in range(n):
            for j in range(n):
                if kind == "kappa":
                    d_exp = p[i] @ m @ p[j]
                else:
                    q = (p[i] + p[j]) / 2
                    d_exp = q @ m @ q
                want = math.nan if d_exp <= 1e-15 else 1 - d_obs[i, j] / d_exp
                if math.isnan(want):
                    assert math.isnan(got[i, j])
                else:
                    assert got[i, j] == pytest.approx(want, abs=1e-9)
                    assert got[i, j] <= 1 + 1e-12
        assert np.allclose(got, got.T, equal_nan=True)


@pytest.fixture(scope="module")
def frame(source: DataSource) -> pl.DataFrame:
    return dyad_years(YEARS, source=source)


def test_dyad_years_are_the_data_layer_dyad_years(source: DataSource, frame: pl.DataFrame) -> None:
    ref = create_dyadyears(True, years=YEARS, source=source).data
    keys = ["ccode1", "ccode2", "year"]
    assert frame.height == ref.height
    assert frame.select(keys).sort(keys).equals(ref.select(keys).sort(keys))


def test_alliances_contiguity_distance_match_the_joins(
    source: DataSource, frame: pl.DataFrame
) -> None:
    ref = add_distance(
        add_contiguity(
            add_alliances(create_dyadyears(True, years=YEARS, source=source), source=source),
            source=source,
        ),
        source=source,
    ).data
    j = frame.join(ref, on=["ccode1", "ccode2", "year"], suffix="_ref")
    assert j.height == frame.height
    for flag in ("defense_pact", "neutrality", "nonaggression", "entente"):
        assert (j[flag] == (j[f"{flag}_ref"] == 1)).all(), flag
    assert (j["conttype"].cast(pl.Int64) == j["conttype_ref"]).all()
    km = j.filter(pl.col("capdist") > 100)
    # capdist gives kilometres and miles for each pair, each rounded to whole units: if our
    # miles belong to the same pair as the joined kilometres, the ratio is the same everywhere.
    ratio = (km["capdist"] / km["miles"]).to_numpy()
    assert np.all(np.abs(ratio / np.median(ratio) - 1) < 0.01)
    assert j.filter(pl.col("capdist").is_null())["miles"].null_count() == j["capdist"].null_count()


def test_directed_symmetry(frame: pl.DataFrame) -> None:
    rev = frame.select(
        pl.col("ccode2").alias("ccode1"),
        pl.col("ccode1").alias("ccode2"),
        "year",
        *[
            pl.col(c).alias(f"{c}_rev")
            for c in (
                "power_share",
                "power_ratio",
                "miles",
                "s_unweighted",
                "s_weighted",
                "kappa",
                "pi",
                "alliance_level",
                "cinc1_projected",
            )
        ],
    )
    j = frame.join(rev, on=["ccode1", "ccode2", "year"])
    assert j.height == frame.height
    assert np.allclose(j["power_share"] + j["power_share_rev"], 1.0)
    assert np.allclose(j["power_ratio"] * j["power_ratio_rev"], 1.0)
    for c in ("miles", "s_unweighted", "s_weighted", "kappa", "pi", "alliance_level"):
        a, b = j[c].to_numpy(), j[f"{c}_rev"].to_numpy()
        assert np.allclose(a, b, equal_nan=True), c
    # Projection is directional: 1's power at 2 is the reverse row's 2's power at 1.
    assert np.allclose(j["cinc2_projected"], j["cinc1_projected_rev"], equal_nan=True)


def test_s_score_of_allies_and_strangers(frame: pl.DataFrame) -> None:
    y1994 = frame.filter(pl.col("year") == 1994)
    prk_chn = y1994.filter((pl.col("ccode1") == 731) & (pl.col("ccode2") == 710)).row(0, named=True)
    assert prk_chn["defense_pact"]
    assert -1 <= y1994["s_unweighted"].min() <= y1994["s_unweighted"].max() <= 1  # type: ignore[operator]
    # Two states with identical portfolios other than each other score above one that differs.
    assert prk_chn["s_unweighted"] > y1994["s_unweighted"].median()  # type: ignore[operator]


def test_loss_of_strength_formula(source: DataSource) -> None:
    df = loss_of_strength([1900, 1994], source=source).drop_nulls(["miles"])
    mpd = np.where(df["year"].to_numpy() < 1919, 250.0, 500.0)
    expo = np.log10(df["miles"].to_numpy() / mpd + 10 - math.e)
    assert np.allclose(df["cinc1_projected"], df["cinc1"].to_numpy() ** expo)
    assert np.allclose(df["miles_per_day"], mpd)
    # Farther is weaker, for the same state and year.
    us = df.filter((pl.col("ccode1") == 2) & (pl.col("year") == 1994)).sort("miles")
    assert (us["cinc1_projected"].diff().drop_nulls() <= 1e-15).all()
    single = loss_of_strength([1994], params=LossOfStrength(eras=((1816, 250.0),)), source=source)
    assert (single["miles_per_day"] == 250.0).all()
    with pytest.raises(InputError):
        LossOfStrength(eras=((1946, 500.0), (1816, 250.0)))


def test_boulding_gradient(source: DataSource) -> None:
    df = boulding_gradient([1994], slope_per_1000mi=0.02, source=source).drop_nulls("miles")
    want = np.maximum(0.0, df["cinc1"].to_numpy() - 0.02 * df["miles"].to_numpy() / 1000)
    assert np.allclose(df["cinc1_linear"], want)


def test_dyad_power_is_symmetric_and_bounded(
    source: DataSource, raw_cinc: dict[tuple[int, int], float]
) -> None:
    df = dyad_power([2016], directed=False, source=source)
    assert (df["ccode1"] < df["ccode2"]).all()
    assert df["power_share"].is_between(0, 1).all()
    n = sum(1 for _, y in raw_cinc if y == 2016)  # states in the system in 2016 (raw NMC)
    assert df.height == n * (n - 1) // 2


def test_alliance_augmented_power_by_hand(source: DataSource, frame: pl.DataFrame) -> None:
    w = AllianceWeights()
    aug = alliance_augmented_power([1994], weights=w, source=source)
    prk = aug.filter(pl.col("ccode") == 731).row(0, named=True)
    partners = frame.filter(
        (pl.col("year") == 1994) & (pl.col("ccode1") == 731) & (pl.col("alliance_level") > 0)
    )
    by_type = {3: 1.0, 2: 2 / 3, 1: 1 / 3}
    pairs = zip(partners["alliance_level"], partners["cinc2"], strict=True)
    expected = sum(by_type[lvl] * c for lvl, c in pairs)
    assert prk["allied_cinc"] == pytest.approx(expected, rel=1e-12)
    assert prk["augmented_cinc"] == pytest.approx(prk["cinc"] + expected, rel=1e-12)
    assert prk["n_allies"] == partners.height
    with pytest.raises(InputError):
        AllianceWeights(defense_pact=1.5)


def test_alliances_after_2012_are_carried_or_unknown(source: DataSource) -> None:
    carried = s_score([2012, 2014], variants=["s_unweighted"], source=source)
    a = carried.filter(pl.col("year") == 2014)
    b = carried.filter(pl.col("year") == 2012)
    assert a["alliance_carried"].all()
    assert not b["alliance_carried"].any()
    assert a["s_unweighted"].null_count() == 0
    # Carried forward: the 2012 flags of every dyad present in both years.
    keys = ["ccode1", "ccode2"]
    j = a.join(b, on=keys, suffix="_2012")
    assert (j["alliance_level"] == j["alliance_level_2012"]).all()
    unknown = s_score([2014], variants=["s_unweighted"], carry_forward=False, source=source)
    assert unknown["s_unweighted"].null_count() == unknown.height
    assert unknown["defense_pact"].null_count() == unknown.height


@pytest.mark.parametrize("carry_forward", [True, False])
def test_both_alliance_routes_give_the_same_values(source: DataSource, carry_forward: bool) -> None:
    """data.add_alliances and system.dyad_years agree on every flag, with one rule for the
    years after 2012 (carried from 2012, or null) and for the publisher's blank entente flag
    (Iran-Turkey, alliance 122, 1926-1936: null on both routes)."""
    years = [1930, 2012, 2013, 2016]
    data = add_alliances(
        create_dyadyears(True, years=years, source=source),
        carry_forward=carry_forward,
        source=source,
    ).data
    system = dyad_years(
        years, measures=("alliances",), version="6.0", carry_forward=carry_forward, source=source
    )
    keys = ["ccode1", "ccode2", "year"]
    j = system.join(data, on=keys, how="inner", suffix="_data")
    assert j.height == system.height == data.height
    for flag in ("defense_pact", "neutrality", "nonaggression", "entente"):
        a = j[flag].cast(pl.Int8)
        b = j[f"{flag}_data"].cast(pl.Int8)
        assert a.null_count() == b.null_count(), flag
        assert (a.is_null() == b.is_null()).all(), flag
        assert (a == b).fill_null(True).all(), flag
    blank = j.filter(
        (pl.col("year") == 1930) & (pl.col("ccode1") == 630) & (pl.col("ccode2") == 640)
    )
    assert blank["entente"].null_count() == 1 and blank["neutrality"][0] is True
    later = j.filter(pl.col("year") > 2012)
    if carry_forward:
        assert later["defense_pact"].null_count() == 0 and later["defense_pact"].any()
    else:
        assert later["defense_pact"].null_count() == later.height
