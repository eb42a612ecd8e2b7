"""Inverse CDFs of the scenario distributions, checked against scipy.stats."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from ncrealism.scenario.distributions import inverse_cdf, support
from ncrealism.scenario.schema import Beta, Fixed, Normal, Triangular, Uniform

U = np.linspace(0.001, 0.999, 101)


@pytest.mark.parametrize(
    ("dist", "frozen"),
    [
        (Normal(dist="normal", mean=1.0, sd=2.0), stats.norm(1.0, 2.0)),
        (Uniform(dist="uniform", low=-1.0, high=3.0), stats.uniform(-1.0, 4.0)),
        (Beta(dist="beta", a=2.0, b=5.0), stats.beta(2.0, 5.0)),
        (Beta(dist="beta", a=0.5, b=0.5, low=2.0, high=4.0), stats.beta(0.5, 0.5, 2.0, 2.0)),
        (
            Triangular(dist="triangular", low=0.0, mode=0.3, high=2.0),
            stats.triang(0.15, 0.0, 2.0),
        ),
        (
            Normal(dist="normal", mean=0.5, sd=0.3, lower=0.0, upper=1.0),
            stats.truncnorm(-0.5 / 0.3, 0.5 / 0.3, 0.5, 0.3),
        ),
    ],
)
def test_inverse_cdf_matches_scipy(dist: object, frozen: object) -> None:
    got = inverse_cdf(dist, U)  # type: ignore[arg-type]
    want = frozen.ppf(U)  # type: ignore[attr-defined]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_fixed() -> None:
    assert np.all(inverse_cdf(Fixed(value=2.5), U) == 2.5)
    assert support(Fixed(value=2.5)) == (2.5, 2.5)


@given(
    st.floats(-5, 5),
    st.floats(0.01, 3),
    st.floats(-5, 5),
    st.floats(0.05, 5),
)
def test_truncated_normal_stays_in_bounds(mean: float, sd: float, lo: float, width: float) -> None:
    d = Normal(dist="normal", mean=mean, sd=sd, lower=lo, upper=lo + width)
    x = inverse_cdf(d, np.linspace(1e-9, 1 - 1e-9, 257))
    assert np.all(x >= lo) and np.all(x <= lo + width)
    assert np.all(np.diff(x) >= -1e-12)  # monotone


def test_sample_moments_from_a_generator() -> None:
    rng = np.random.default_rng(1)
    x = inverse_cdf(Beta(dist="beta", a=2.0, b=3.0), rng.random(200_000))
    # mean a/(a+b) = 0.4, variance ab/((a+b)^2 (a+b+1)) = 0.04
    assert abs(x.mean() - 0.4) < 0.002
    assert abs(x.var() - 0.04) < 0.001
