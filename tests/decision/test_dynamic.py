"""The dynamic decision model: hand computations and properties (no data files needed)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.decision.dynamic import (
    PROB_FLOOR,
    DynamicFit,
    DynamicSpec,
    Prior,
    _logpost,
    chain,
    design,
    fit_dynamic,
    inertia_prior_mean,
    predictive,
)
from ncrealism.decision.inputs import context_channels
from ncrealism.errors import InputError

OPTS = ("a", "b", "c", "d", "e")
K = len(OPTS)


def _fixed_fit(spec: DynamicSpec, theta: list[float], sd: float = 1e-9) -> DynamicFit:
    """A fit with the given parameters and (almost) no posterior spread."""
    mean, psd = spec.prior_moments()
    n = len(theta)
    return DynamicFit(
        spec,
        tuple(spec.names()),
        np.array(theta),
        np.eye(n) * sd**2,
        mean,
        psd,
        0,
        0.0,
        True,
    )


def _status_rows(z: np.ndarray | None = None) -> tuple[DynamicSpec, np.ndarray]:
    spec = DynamicSpec(OPTS, theory=True, inertia=True)
    zz = np.zeros((K, K)) if z is None else np.repeat(z[None, :], K, axis=0)
    return spec, design(spec, zz, np.arange(K))


def test_inertia_by_hand() -> None:
    """kappa = ln 4, nothing else: P(stay) = 4 / (4 + 4) = 1/2, each other option 1/8."""
    spec, D = _status_rows()
    fit = _fixed_fit(spec, [0.0, math.log(4.0)] + [0.0] * K)
    start = np.eye(K)[2]
    p = predictive(fit, D, start, horizon=1, rng=np.random.default_rng(0), n_draws=10)
    expected = np.full(K, 1 / 8)
    expected[2] = 1 / 2
    assert p == pytest.approx((expected + PROB_FLOOR) / (1 + K * PROB_FLOOR), abs=1e-9)


def test_large_inertia_reproduces_persistence_but_never_certainty() -> None:
    spec, D = _status_rows(z=np.array([3.0, -1.0, 0.5, 0.0, -2.5]))
    fit = _fixed_fit(spec, [1.0, 60.0] + [0.0] * K)
    for s in range(K):
        p = predictive(fit, D, np.eye(K)[s], rng=np.random.default_rng(1), n_draws=20)
        assert int(np.argmax(p)) == s
        assert 0.999 < p[s] < 1.0
        assert np.all(p > 0.0)
        assert p.sum() == pytest.approx(1.0)


def test_leadership_change_removes_the_status_quo_term() -> None:
    spec = DynamicSpec(OPTS, theory=False, inertia=True)
    D = design(spec, np.zeros((2, K)), np.array([1, 1]), reset=np.array([0.0, 1.0]))
    col = spec.names().index("kappa")
    assert D[0, :, col].tolist() == [0, 1, 0, 0, 0]
    assert D[1, :, col].tolist() == [0, 0, 0, 0, 0]


def test_two_step_chain_by_hand() -> None:
    T = np.array([[0.5, 0.5], [0.2, 0.8]])
    # after one step from state 0: (0.5, 0.5); after two: 0.5*(0.5,0.5) + 0.5*(0.2,0.8)
    assert chain(T, np.array([1.0, 0.0]), 2) == pytest.approx([0.35, 0.65])
    with pytest.raises(InputError):
        chain(T, np.array([1.0, 0.0]), 0)


def test_predictive_is_a_probability_vector_strictly_inside_0_1() -> None:
    rng = np.random.default_rng(3)
    spec = DynamicSpec(OPTS, events=("lag_x",))
    z = rng.normal(size=(K, K))
    D = design(spec, z, np.arange(K), events=np.full((K, 1), math.log1p(4)))
    theta = rng.normal(scale=3.0, size=len(spec.names()))
    fit = _fixed_fit(spec, list(theta), sd=0.5)
    for h in (1, 2, 3):
        p = predictive(fit, D, np.eye(K)[0], horizon=h, rng=np.random.default_rng(4), n_draws=50)
        assert p.sum() == pytest.approx(1.0)
        assert np.all((p > 0) & (p < 1))
    again = predictive(fit, D, np.eye(K)[0], horizon=2, rng=np.random.default_rng(4), n_draws=50)
    same = predictive(fit, D, np.eye(K)[0], horizon=2, rng=np.random.default_rng(4), n_draws=50)
    assert again.tobytes() == same.tobytes()


def test_without_data_the_posterior_is_the_prior() -> None:
    spec = DynamicSpec(OPTS, prior=Prior(kappa_mean=1.8, kappa_sd=0.7))
    fit = fit_dynamic(spec, np.zeros((0, K, len(spec.names()))), [])
    mean, sd = spec.prior_moments()
    assert fit.theta == pytest.approx(mean)
    assert fit.covariance == pytest.approx(np.diag(sd**2))
    assert fit.value("kappa") == 1.8


def test_gradient_and_hessian_match_finite_differences() -> None:
    rng = np.random.default_rng(7)
    spec = DynamicSpec(OPTS, system=("x",))
    n = 12
    D = design(spec, rng.normal(size=(n, K)), rng.integers(0, K, n), system=rng.normal(size=(n, 1)))
    y = rng.integers(0, K, n)
    mean, sd = spec.prior_moments()
    th = rng.normal(size=len(mean))
    _, g, hess = _logpost(th, D, y, mean, sd)
    eps = 1e-5
    num_g = np.array(
        [
            (_logpost(th + eps * e, D, y, mean, sd)[0] - _logpost(th - eps * e, D, y, mean, sd)[0])
            / (2 * eps)
            for e in np.eye(len(th))
        ]
    )
    assert g == pytest.approx(num_g, rel=1e-5, abs=1e-6)
    num_hess = np.array(
        [
            (_logpost(th + eps * e, D, y, mean, sd)[1] - _logpost(th - eps * e, D, y, mean, sd)[1])
            / (2 * eps)
            for e in np.eye(len(th))
        ]
    )
    assert np.allclose(hess, num_hess, rtol=1e-4, atol=1e-5)


def test_map_learns_inertia_from_a_persistent_record() -> None:
    """A record that never switches pushes kappa above its prior mean; one that always
    switches pushes it below (the data decide how much inertia there is)."""
    spec = DynamicSpec(OPTS, theory=False, prior=Prior(kappa_mean=1.0))
    n = 30
    stay = np.array([i % K for i in range(n)])
    sq_stay = stay.copy()
    switch_prev = np.roll(stay, 1)
    D_stay = design(spec, np.zeros((n, K)), sq_stay)
    D_switch = design(spec, np.zeros((n, K)), switch_prev)
    k_stay = fit_dynamic(spec, D_stay, stay).value("kappa")
    k_switch = fit_dynamic(spec, D_switch, stay).value("kappa")
    assert k_stay > 1.0 > k_switch


def test_inertia_prior_follows_centralisation() -> None:
    assert inertia_prior_mean(0.5) == 1.0
    assert inertia_prior_mean(0.9) > inertia_prior_mean(0.5)


def test_ex_ante_context_ignores_events_dated_in_the_year() -> None:
    """An event of mid-2006 enters 2007's row, never 2006's, when forecasting ex ante."""
    ctx = pl.DataFrame(
        {"time": [2006.5], "type": ["sanction"], "actor": [None]},
        schema={"time": pl.Float64, "type": pl.Utf8, "actor": pl.Utf8},
    )
    ante = context_channels(ctx, 731, [2006, 2007], ex_ante=True)
    cond = context_channels(ctx, 731, [2006, 2007])
    assert ante["sanctions"].to_list()[0] == 0.0
    # exposure of 2007 to an event at 2006.5 with tau = 2: 2 (e^-0.25 - e^-0.75)
    e2007 = 2.0 * (math.exp(-0.25) - math.exp(-0.75))
    assert ante["sanctions"].to_list()[1] == pytest.approx(e2007)
    assert cond["sanctions"].to_list()[0] == pytest.approx(2.0 * (1.0 - math.exp(-0.25)))


def _fit_for(spec: DynamicSpec, kappa: float) -> DynamicFit:
    names = spec.names()
    theta = [0.4 if n == "beta" else kappa if n == "kappa" else 0.1 * (i % 3) for i, n in
             enumerate(names)]  # fmt: skip
    return _fixed_fit(spec, theta, sd=0.1)


@pytest.mark.parametrize("year", [1994, 2006])
def test_dynamic_anatomy_adds_up_with_inertia_as_a_layer(
    dprk_inputs: pl.DataFrame, year: int
) -> None:
    from ncrealism.decision.anatomy import DYNAMIC_LAYERS, dynamic_anatomy
    from ncrealism.decision.options import DEFAULT_OPTIONS
    from ncrealism.perception.profiles import load_profile

    spec = DynamicSpec(tuple(DEFAULT_OPTIONS.names), events=("lag_missile_test",))
    fit = _fit_for(spec, 1.5)
    row = dprk_inputs.filter(pl.col("year") == year)
    an = dynamic_anatomy(row, load_profile("DPRK", year), fit, "engagement", events=[math.log1p(2)])
    assert an.dynamic is not None
    p_map = dict(zip(an.dynamic["options"], an.dynamic["p_map"], strict=True))
    assert sum(p_map.values()) == pytest.approx(1.0)
    for option, p in p_map.items():
        rows = an.shapley.filter(pl.col("option") == option)
        assert rows["layer"].to_list() == list(DYNAMIC_LAYERS)
        # efficiency: the layers add up to the log-odds of the dynamic decision
        total = float(rows["contribution"].sum())
        assert total == pytest.approx(math.log(p / (1 - p)) - math.log(1 / 4), abs=1e-9)
    # the status quo term favours the status quo and only it
    inertia = dict(
        an.shapley.filter(pl.col("layer") == "inertia").select("option", "contribution").iter_rows()
    )
    assert inertia["engagement"] > 0
    assert all(v < 0 for k, v in inertia.items() if k != "engagement")


def test_dynamic_anatomy_without_inertia_gives_it_nothing(dprk_inputs: pl.DataFrame) -> None:
    """kappa = 0: inertia is a dummy player, and its Shapley value is exactly 0."""
    from ncrealism.decision.anatomy import dynamic_anatomy
    from ncrealism.decision.options import DEFAULT_OPTIONS
    from ncrealism.perception.profiles import load_profile

    spec = DynamicSpec(tuple(DEFAULT_OPTIONS.names))
    row = dprk_inputs.filter(pl.col("year") == 2003)
    an = dynamic_anatomy(row, load_profile("DPRK", 2003), _fit_for(spec, 0.0), "brinkmanship")
    inertia = an.shapley.filter(pl.col("layer") == "inertia")["contribution"].to_numpy()
    assert np.abs(inertia).max() < 1e-12


def test_cli_explain_dynamic(
    history_dir: Path, source: DataSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ncr explain --record`` shows the dynamic decision with last year's posture as the
    status quo, and its layers add up to the total printed."""
    import typer
    from typer.testing import CliRunner

    from ncrealism.cli.explain import explain

    monkeypatch.setattr(DataSource, "from_env", classmethod(lambda cls: source))
    app = typer.Typer()
    app.command()(explain)
    app.command("noop")(lambda: None)
    args = [
        "explain", "DPRK", "2007", "--format", "json",
        "--context", str(history_dir / "context_events_1990_2009.csv"),
        "--record", str(history_dir / "dprk_yearly_1990_2009.csv"),
        "--events", str(history_dir / "dprk_events_1990_2009.csv"),
    ]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["dynamic"]["status_quo"] == "internal_balancing"  # the recorded posture of 2006
    assert doc["dynamic"]["fit_years"] == [1990, 2006]
    focus = [r for r in doc["decomposition"] if r["option"] == doc["focus"]]
    assert [r["layer"] for r in focus][-2:] == ["inertia", "propensity"]
    p = dict(zip(doc["dynamic"]["options"], doc["dynamic"]["p_map"], strict=True))[doc["focus"]]
    total = sum(r["contribution"] for r in focus)
    assert total == pytest.approx(math.log(p / (1 - p)) - math.log(1 / 4), abs=1e-9)
