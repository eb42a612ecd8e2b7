"""Calibrated agreement probabilities and the durability model: independent expectations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ncrealism.errors import InputError
from ncrealism.negotiation.forecast import (
    FEATURE_SCALES,
    FEATURES,
    PRIOR_STRENGTHS,
    EpisodeFeatures,
    InputUncertainty,
    fit_agreement_logit,
    fit_weibull,
    weibull_derivatives,
    weibull_log_evidence,
    weibull_logpdf,
)

K = len(FEATURES)


def test_without_history_the_prior_says_one_half() -> None:
    fit = fit_agreement_logit(np.zeros((0, K)), np.zeros(0))
    p, lo, hi = fit.predict(np.array([0.1, math.log(4.0)]))
    # Prior: base rate (0 + 1)/(0 + 2) = 1/2, slopes centred on 0, so the mean is exactly 1/2
    # and the interval symmetric around it on the logit scale.
    assert p == pytest.approx(0.5)
    assert lo < 0.5 < hi
    assert math.log(lo / (1 - lo)) == pytest.approx(-math.log(hi / (1 - hi)))


def test_probabilities_stay_inside_the_unit_interval_on_separable_data() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, K))
    y = (x[:, 0] > 0).astype(float)  # perfectly separable on the margin feature
    fit = fit_agreement_logit(x, y)
    for row in (np.full(K, 50.0), np.full(K, -50.0), x[0]):
        p, lo, hi = fit.predict(row)
        # The interval holds the 5-95% quantiles of sigma(eta); the predictive mean, skewed
        # towards the bulk, may lie outside it far from the data, never at 0 or 1.
        assert 0.0 < p < 1.0 and 0.0 < lo <= hi < 1.0
    p, lo, hi = fit.predict(x[0])
    assert lo <= p <= hi
    # The fit uses the informative feature in the right direction.
    assert FEATURES[0] == "margin" and fit.mode[1 + 0] > 0


def test_uninformative_features_give_a_shrunk_base_rate() -> None:
    x = np.zeros((8, K))  # constant features carry no information
    y = np.array([1, 1, 1, 1, 1, 1, 0, 0], dtype=float)
    fit = fit_agreement_logit(x, y)
    p, _, _ = fit.predict(np.zeros(K))
    base = (6 + 1) / (8 + 2)
    # Between the sample share and the prior's centre, the Laplace-smoothed base rate 0.7.
    assert fit.base_rate == pytest.approx(base)
    assert min(0.75, base) - 0.05 <= p <= max(0.75, base) + 0.01


def test_weibull_log_density_matches_scipy() -> None:
    eta, sigma = math.log(400.0), 0.8
    t = np.array([10.0, 100.0, 1000.0, 3000.0])
    # Weibull AFT: T = exp(eta) * E^sigma, shape 1/sigma, scale exp(eta).
    ref = stats.weibull_min(c=1.0 / sigma, scale=math.exp(eta))
    got = weibull_logpdf(t, np.zeros(4, dtype=bool), np.full(4, eta), sigma)
    assert got == pytest.approx(ref.logpdf(t), rel=1e-10)
    cens = weibull_logpdf(t, np.ones(4, dtype=bool), np.full(4, eta), sigma)
    assert cens == pytest.approx(ref.logsf(t), rel=1e-10)


def test_weibull_fit_recovers_known_parameters_with_censoring() -> None:
    rng = np.random.default_rng(11)
    n, mu, beta, sigma = 600, math.log(500.0), 0.7, 0.6
    z = rng.normal(size=n)
    w = np.log(rng.exponential(size=n))  # standard minimum extreme-value variable
    t = np.exp(mu + beta * z + sigma * w)
    c = rng.uniform(50.0, 4000.0, size=n)  # independent censoring
    days, cens = np.minimum(t, c), t > c
    fit = fit_weibull(days, cens, z)
    assert fit.sigma == pytest.approx(sigma, rel=0.1)
    assert fit.beta == pytest.approx(beta, rel=0.15)
    # The linear predictor at z = 0 (the fit centres z internally) is the true mu.
    assert fit.eta(0.0) == pytest.approx(mu, abs=0.1)
    # Median of the fitted model at z = 0 near the true exp(mu)·(ln 2)^sigma.
    true_median = math.exp(mu) * math.log(2.0) ** sigma
    assert fit.median_days(0.0) == pytest.approx(true_median, rel=0.15)


def test_weibull_without_data_is_the_prior() -> None:
    fit = fit_weibull([], [])
    assert fit.n == 0 and fit.beta == 0.0
    assert fit.median_days(0.0) == pytest.approx(365.25 * math.log(2.0) ** fit.sigma, rel=1e-4)


def test_input_uncertainty_is_validated() -> None:
    with pytest.raises(InputError):
        InputUncertainty(position_sd=-0.1)
    with pytest.raises(InputError):
        InputUncertainty(draws=0)


def test_fixed_scales_keep_a_tight_history_from_blowing_up_the_interval() -> None:
    # Four earlier margins within 0.003 of each other (as at the record's first origins),
    # then an episode 0.1 away. By the sample's spread it lies ~40 standard deviations out; by
    # the fixed scale 0.25 (a step between anchors) it lies 0.4 steps out.
    x = np.array([[-0.128, 0.0], [-0.121, 0.0], [-0.122, 0.0], [-0.126, 0.0]])
    x[:, 1] = math.log(2.0)
    y = np.array([1.0, 1.0, 0.0, 1.0])
    new = np.array([-0.02, math.log(2.0)])
    _, lo_fixed, hi_fixed = fit_agreement_logit(x, y, scales=FEATURE_SCALES).predict(new)
    _, lo_sample, hi_sample = fit_agreement_logit(x, y).predict(new)
    # With the fixed scale the feature moves the linear predictor by at most
    # |slope| * 0.4 with a prior sd of 1 per step: the interval cannot span almost all of (0, 1).
    assert hi_fixed - lo_fixed < 0.8
    assert hi_sample - lo_sample > hi_fixed - lo_fixed
    with pytest.raises(InputError):
        fit_agreement_logit(x, y, scales=(0.25,))
    with pytest.raises(InputError):
        fit_agreement_logit(x, y, scales=(0.25, 0.0))


def test_time_ratio_is_one_at_the_reference_and_stretches_every_quantile() -> None:
    rng = np.random.default_rng(5)
    n = 300
    z = rng.integers(0, 2, size=n).astype(float)  # two groups
    w = np.log(rng.exponential(size=n))
    # Group 1 holds exp(-0.8) as long as group 0 (time ratio 0.449 between the groups).
    t = np.exp(math.log(600.0) - 0.8 * z + 0.7 * w)
    fit = fit_weibull(t, np.zeros(n, dtype=bool), z)
    # The reference is fixed, whatever the origin: an index of one year (365.25 days), with
    # the same ratio whatever the fit's own mean covariate.
    assert fit.time_ratio(math.log(365.25)) == pytest.approx(1.0, abs=1e-12)
    assert fit.time_ratio(math.log(365.25) + 1.0) == pytest.approx(math.exp(fit.beta))
    # The ratio between the groups is exp(beta): the model's medians differ by it.
    ratio = fit.time_ratio(1.0) / fit.time_ratio(0.0)
    assert ratio == pytest.approx(fit.median_days(1.0) / fit.median_days(0.0), rel=1e-12)
    assert ratio == pytest.approx(math.exp(-0.8), rel=0.2)
    # Without a covariate there is nothing to rank: ratio 1 everywhere.
    plain = fit_weibull([100.0, 300.0, 900.0], [False, False, True])
    assert plain.beta == 0.0 and plain.time_ratio(5.0) == 1.0


def test_features_read_the_number_of_parties_on_the_log_scale() -> None:
    f = EpisodeFeatures(
        episode="x",
        zone_share=0.0,
        margin=-0.1,
        nash_gain=0.0,
        eum_distance=0.0,
        expected_days=0.0,
        zone_exists=False,
        point_margin=-0.1,
        n_parties=6,
        commitment_days=1000.0,
    )
    assert f.vector() == pytest.approx([-0.1, math.log(6.0)])
    # The durability covariate is the commitment index in log days.
    assert f.durability_covariate == pytest.approx(math.log(1000.0))


def test_weibull_without_earlier_agreements_is_the_commitment_model() -> None:
    # No earlier agreement: the prior modes (mu at the centre, beta = 1, sigma = 1) make
    # eta = z whatever the centre, and a Weibull with sigma = 1 (exponential) has mean exp(eta)
    # and median exp(eta)·ln 2: the commitment index itself, in days.
    fit = fit_weibull([], [], [])
    z = math.log(1383.0)
    assert fit.beta == pytest.approx(1.0, abs=1e-6)
    assert fit.sigma == pytest.approx(1.0, abs=1e-6)
    assert fit.median_days(z) == pytest.approx(1383.0 * math.log(2.0), rel=1e-5)
    # The time ratio against an index of one year: the index in years.
    assert fit.time_ratio(z) == pytest.approx(1383.0 / 365.25, rel=1e-6)
    # Earlier agreements that share one covariate say nothing of the slope: it stays at its
    # prior 1, and an agreement with twice the index is expected to hold about twice as long.
    flat = fit_weibull([100.0, 300.0, 900.0], [False, False, True], [6.0, 6.0, 6.0])
    assert flat.beta == pytest.approx(1.0, abs=1e-4)
    ratio = flat.time_ratio(6.0 + math.log(2.0)) / flat.time_ratio(6.0)
    assert ratio == pytest.approx(2.0, rel=1e-4)


def test_weibull_derivatives_match_finite_differences() -> None:
    rng = np.random.default_rng(3)
    t = rng.exponential(500.0, size=25)
    c = rng.uniform(size=25) < 0.3
    zs = rng.normal(size=25)
    theta = np.array([6.0, 0.7, 0.2])
    value, grad, hess = weibull_derivatives(theta, t, c, zs)
    # The value is the log density written once (weibull_logpdf), summed and negated.
    eta = theta[0] + theta[1] * zs
    assert value == pytest.approx(-np.sum(weibull_logpdf(t, c, eta, math.exp(theta[2]))))
    h = 1e-6
    steps = np.eye(3) * h
    num_grad = [
        (weibull_derivatives(theta + e, t, c, zs)[0] - weibull_derivatives(theta - e, t, c, zs)[0])
        / (2 * h)
        for e in steps
    ]
    num_hess = [
        (weibull_derivatives(theta + e, t, c, zs)[1] - weibull_derivatives(theta - e, t, c, zs)[1])
        / (2 * h)
        for e in steps
    ]
    assert grad == pytest.approx(num_grad, rel=1e-6, abs=1e-6)
    assert hess == pytest.approx(np.array(num_hess), rel=1e-6, abs=1e-6)
    # Past the cap on e^w the value is some 5e21 nats and finite differences cannot resolve
    # it; by hand instead. Scale e^13.8 days, σ = 0.2: a breakdown after e^25.8 days has
    # w = 60, past the cap, so its e^w term is flat and only δ·(w − log σ) moves: −ℓ has
    # ∂/∂μ = δ/σ = 5 and ∂/∂log σ = w + δ = 61. One after 500 days has w2 = −38.0 and e^w2 ≈ 0:
    # ∂/∂μ = (1 − e^w2)/σ ≈ 5 and ∂/∂log σ = (1 − e^w2)·w2 + 1.
    far = np.array([math.log(1.0e6), 0.0, math.log(0.2)])
    t2 = np.array([1.0e6 * math.exp(12.0), 500.0])
    _, g2, _ = weibull_derivatives(far, t2, np.array([False, False]), np.zeros(2))
    w2 = (math.log(500.0) - math.log(1.0e6)) / 0.2
    e2 = math.exp(w2)
    assert g2 == pytest.approx([5.0 + (1 - e2) / 0.2, 0.0, 61.0 + (1 - e2) * w2 + 1.0])


def test_the_evidence_keeps_the_commitment_model_where_the_data_agree_with_it() -> None:
    # Days held drawn from the commitment model itself (exponential about the index, days
    # proportional to it): the earlier agreements are most probable under a strong prior on
    # those two claims, and the forecast keeps them: slope 1, shape 1, and an agreement with
    # exp(1.1) times the index is expected to hold exp(1.1) times as long.
    rng = np.random.default_rng(8)
    z = rng.choice([6.1, 6.5, 7.2], size=15)
    days = np.exp(z + np.log(rng.exponential(size=15)))
    fit = fit_weibull(days, np.zeros(15, dtype=bool), z)
    assert fit.prior_sd is not None and fit.prior_sd <= 0.3
    assert fit.beta == pytest.approx(1.0, abs=0.1)
    assert fit.sigma == pytest.approx(1.0, abs=0.1)
    assert fit.median_days(7.2) / fit.median_days(6.1) == pytest.approx(math.exp(1.1), rel=0.12)


def test_the_evidence_lets_the_data_overrule_a_wrong_commitment_model() -> None:
    # Days held unrelated to the index and far less dispersed than an exponential (true slope
    # 0, shape 0.5): a strong prior on the commitment model's claims makes them improbable, so
    # the evidence weakens it and the fit moves to the data.
    rng = np.random.default_rng(9)
    z = rng.choice([6.1, 6.5, 7.2], size=40)
    days = np.exp(6.5 + 0.5 * np.log(rng.exponential(size=40)))
    fit = fit_weibull(days, np.zeros(40, dtype=bool), z)
    assert fit.prior_sd is not None and fit.prior_sd >= 0.5
    assert abs(fit.beta) < 0.4
    assert 0.3 < fit.sigma < 0.7
    # Without a covariate there is no prior to weigh: none is chosen.
    assert fit_weibull([100.0, 300.0], [False, True]).prior_sd is None


@pytest.mark.parametrize(
    ("days", "censored", "z"),
    [
        ([400.0], [True], [7.0]),  # one agreement, still holding
        ([5000.0, 8000.0, 7000.0], [True, True, True], [6.0, 7.0, 8.0]),  # none has ended
        ([1.0, 1.0, 1.0], [False, False, False], [9.0, 9.0, 9.0]),  # a day, against years
        ([0.2, 3.0e6], [False, False], [5.0, 5.1]),  # below the 1-day floor; 8,000 years
    ],
)
def test_the_durability_fit_is_finite_on_extreme_records(
    days: list[float], censored: list[bool], z: list[float]
) -> None:
    fit = fit_weibull(days, censored, z)
    assert all(math.isfinite(v) for v in (fit.mu, fit.beta, fit.sigma))
    assert fit.prior_sd is not None
    median = fit.median_days(z[0])
    # Never outside what was recorded and what the index says, by more than a factor of 10.
    lo = min(max(1.0, min(days)), math.exp(min(z)))
    hi = max(max(days), math.exp(max(z)))
    assert lo / 10 < median < hi * 10
    if not any(censored):
        # Ended agreements: the median lies between the shortest and the index's own median
        # when the index is longer than every one of them, and never below the 1-day floor.
        floor = max(1.0, min(days))
        assert floor * 0.5 < median
        if math.exp(min(z)) > max(days):
            assert median < math.exp(z[0]) * math.log(2.0)
    else:
        # Agreements still holding past 5,000 days: the forecast median is not shorter than
        # the commitment model's would be with no data at all (the data only lengthen it).
        assert median >= fit_weibull([], [], []).median_days(z[0]) * 0.99


def test_without_data_the_strongest_prior_is_kept() -> None:
    fit = fit_weibull([], [], [])
    assert fit.prior_sd == PRIOR_STRENGTHS[0] == min(PRIOR_STRENGTHS)


def test_the_laplace_evidence_matches_quadrature() -> None:
    # Eight agreements, two censored. The marginal likelihood of the agreements under each prior
    # strength, computed by brute-force quadrature over (mu, beta, log sigma), against the
    # Laplace approximation the fit uses to choose the strength.
    days = np.array([60.0, 300.0, 70.0, 2900.0, 560.0, 330.0, 1500.0, 800.0])
    cens = np.array([False, False, False, False, False, False, True, True])
    z = np.array([7.2, 7.2, 7.2, 7.2, 6.1, 6.1, 7.25, 6.5])
    zs = z - z.mean()
    found: dict[float, tuple[float, float]] = {}
    for tau in (0.3, 1.0):
        sd = np.array([1.0, tau, tau])
        centre = np.array([z.mean(), 1.0, 0.0])
        axes = [np.linspace(m - 6 * s, m + 6 * s, 61) for m, s in zip(centre, sd, strict=True)]
        mu, beta, log_sigma = np.meshgrid(*axes, indexing="ij")
        eta = mu[..., None] + beta[..., None] * zs
        ll = weibull_logpdf(
            np.broadcast_to(days, eta.shape),
            np.broadcast_to(cens, eta.shape),
            eta,
            np.exp(log_sigma)[..., None],
        ).sum(axis=-1)
        log_prior = stats.norm.logpdf(mu, centre[0], sd[0])
        log_prior = (
            log_prior + stats.norm.logpdf(beta, 1.0, tau) + stats.norm.logpdf(log_sigma, 0.0, tau)
        )
        cell = np.prod([a[1] - a[0] for a in axes])
        joint = ll + log_prior
        log_quad = float(np.log(np.sum(np.exp(joint - joint.max())) * cell) + joint.max())
        laplace = weibull_log_evidence(days, cens, z, tau)
        assert laplace is not None
        # An approximation (the posterior is skewed with eight agreements): within 0.2 nats,
        # the error growing as the prior weakens.
        assert laplace == pytest.approx(log_quad, abs=0.2)
        found[tau] = (laplace, log_quad)
    # Both rank the two strengths alike, which is what the choice of strength needs.
    assert (found[0.3][0] > found[1.0][0]) == (found[0.3][1] > found[1.0][1])


def test_the_continuation_finds_the_strength_a_fresh_search_finds() -> None:
    # The fit reaches each weaker prior from the mode of the stronger one; maximising the
    # evidence with a fresh search at every strength must pick the same strength.
    rng = np.random.default_rng(21)
    for n in (3, 8, 20):
        z = rng.choice([6.1, 6.5, 7.2], size=n)
        days = np.exp(z - 0.7 + 1.3 * np.log(rng.exponential(size=n)))
        cens = rng.uniform(size=n) < 0.25
        fit = fit_weibull(days, cens, z)
        evidence = {tau: weibull_log_evidence(days, cens, z, tau) for tau in PRIOR_STRENGTHS}
        best = max((v, tau) for tau, v in evidence.items() if v is not None)[1]
        assert fit.prior_sd == pytest.approx(best)


def test_bad_durations_are_refused_by_name() -> None:
    with pytest.raises(InputError, match="2 duration"):
        fit_weibull([100.0, 200.0], [False], [6.0, 6.0])
    with pytest.raises(InputError, match="covariate"):
        fit_weibull([100.0, 200.0], [False, False], [6.0])
    with pytest.raises(InputError, match="finite and ≥ 0"):
        fit_weibull([100.0, -5.0], [False, False], [6.0, 6.0])
    with pytest.raises(InputError, match="finite and ≥ 0"):
        fit_weibull([math.nan], [False])
    with pytest.raises(InputError, match="not finite"):
        fit_weibull([100.0], [False], [math.inf])
