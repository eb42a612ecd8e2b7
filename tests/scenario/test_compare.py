"""Paired comparison of scenarios with common random numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from ncrealism.scenario.compare import compare_plans
from ncrealism.scenario.loader import load_scenario, resolve
from scenario.conftest import BASE
from scenario.synthetic import Everything


def _plan(path: Path):  # type: ignore[no-untyped-def]
    b = Everything()
    return resolve(load_scenario(path), backend=b, negotiation=b)


def test_identical_scenarios_differ_by_exactly_zero(write_scenario: Callable[..., Path]) -> None:
    a = _plan(write_scenario())
    b = _plan(write_scenario(BASE.replace('title = "A', 'title = "Another'), "b.toml"))
    frame = compare_plans(a, b)
    assert frame.height == 40 * 4
    assert (frame["diff_mean"] == 0).all() and (frame["diff_q95"] == 0).all()
    assert (frame["p_b_greater"] == 0).all()


def test_a_shock_changes_only_the_years_it_covers(write_scenario: Callable[..., Path]) -> None:
    """B adds a credible assurance from 2004 for state 731: with common random numbers every
    other state-year is identical draw by draw, and engagement (which rises with assurance
    credibility in the synthetic model) gains in every draw where the shock applies."""
    a = _plan(write_scenario())
    shock = """
[[shocks]]
id = "assure"
kind = "assurance_credibility"
from = 2004
states = [731]
value = { dist = "uniform", low = 0.8, high = 1.0 }
"""
    b = _plan(write_scenario(BASE.replace("[uncertainty]", shock + "\n[uncertainty]"), "b.toml"))
    frame = compare_plans(a, b)
    hit = (pl.col("ccode") == 731) & (pl.col("year") >= 2004)
    untouched = frame.filter(~hit)
    assert (untouched["diff_mean"] == 0).all() and (untouched["diff_q05"] == 0).all()
    eng = frame.filter(hit & (pl.col("label") == "engagement"))
    assert eng.height == 6
    assert (eng["p_b_greater"] == 1.0).all() and (eng["diff_q05"] > 0).all()
    # probabilities still sum to one: differences over postures sum to zero
    sums = frame.filter(hit).group_by("year").agg(pl.col("diff_mean").sum())
    np.testing.assert_allclose(sums["diff_mean"].to_numpy(), 0.0, atol=1e-12)
