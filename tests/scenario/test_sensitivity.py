"""Sobol indices against the analytic values of an additive model; the tornado diagram."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ncrealism.errors import InputError
from ncrealism.scenario.distributions import inverse_cdf
from ncrealism.scenario.loader import load_scenario, resolve
from ncrealism.scenario.sensitivity import output_spec, sobol_indices, tornado, tornado_plot
from scenario.conftest import BASE
from scenario.synthetic import Everything, LinearCase

LINEAR = (
    BASE
    + """
[[negotiations]]
case = "linear"
"""
)
LINEAR = LINEAR.replace(
    "[run]",
    '"negotiation.linear.x" = { dist = "uniform", low = 0, high = 1 }\n'
    '"negotiation.linear.y" = { dist = "uniform", low = 0, high = 1 }\n\n[run]',
)


def _plan(path: Path):  # type: ignore[no-untyped-def]
    b = Everything()
    return resolve(load_scenario(path), backend=b, negotiation=b)


def test_sobol_indices_of_an_additive_model(write_scenario: Callable[..., Path]) -> None:
    """Y = a·x + b·y with x, y ~ U(0, 1) independent (LinearCase): Var(Y) = (a² + b²)/12 and
    S1_x = ST_x = a²/(a² + b²), S1_y = ST_y = b²/(a² + b²) (Sobol' 1993); every other
    uncertain parameter has index 0."""
    plan = _plan(write_scenario(LINEAR))
    case = LinearCase()
    a2, b2 = case.a**2, case.b**2
    frame = sobol_indices(plan, "agreement:linear", n=1024, seed=3)
    got = {r["parameter"]: r for r in frame.iter_rows(named=True)}
    for name, want in (
        ("negotiation.linear.x", a2 / (a2 + b2)),
        ("negotiation.linear.y", b2 / (a2 + b2)),
    ):
        assert got[name]["S1"] == pytest.approx(want, abs=0.04)
        assert got[name]["ST"] == pytest.approx(want, abs=0.04)
    for name in ("beta.brinkmanship.threat", "alpha.engagement", "shock.patron_cut"):
        assert abs(got[name]["S1"]) < 0.02 and abs(got[name]["ST"]) < 0.02
    assert frame["parameter"][0] == "negotiation.linear.y"  # sorted by total index
    # same seed, same indices
    again = sobol_indices(plan, "agreement:linear", n=1024, seed=3)
    assert again.equals(frame)


def test_posture_output_and_tornado(write_scenario: Callable[..., Path], tmp_path: Path) -> None:
    plan = _plan(write_scenario())
    frame = sobol_indices(plan, "posture:brinkmanship", n=256, seed=1)
    assert set(frame["parameter"]) == {
        "beta.brinkmanship.threat",
        "alpha.engagement",
        "shock.patron_cut",
    }
    assert frame["ST"].max() > 0.3
    torn = tornado(plan, "posture:brinkmanship")
    top = torn.row(0, named=True)
    # the brinkmanship weight on threat moves P(brinkmanship) most; raising it raises P
    assert top["parameter"] == "beta.brinkmanship.threat"
    assert top["output_high"] > top["base"] > top["output_low"]
    spec = output_spec(plan, "posture:brinkmanship")
    med = np.array([[float(inverse_cdf(p.dist, np.array([0.5]))[0]) for p in plan.params]])
    assert top["base"] == pytest.approx(float(spec.fn(med)[0]), rel=1e-12)
    png = tornado_plot(torn, tmp_path / "t.png", title=spec.name, unit=spec.unit)
    assert png.stat().st_size > 1000 and png.read_bytes()[:4] == b"\x89PNG"


def test_bad_outputs_are_input_errors(write_scenario: Callable[..., Path]) -> None:
    plan = _plan(write_scenario())
    with pytest.raises(InputError, match="did you mean 'brinkmanship'"):
        sobol_indices(plan, "posture:brinkmansip", n=64)
    with pytest.raises(InputError, match="power of 2"):
        sobol_indices(plan, "posture:brinkmanship", n=100)
    with pytest.raises(InputError, match="no negotiation case"):
        sobol_indices(plan, "agreement:linear", n=64)
    with pytest.raises(InputError, match="outside the scenario's years"):
        tornado(plan, "posture:engagement", year=1980)
