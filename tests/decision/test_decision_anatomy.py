"""The anatomy of a decision: the Shapley shares add up, the chain reads from real data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from ncrealism.cli.explain import explain
from ncrealism.decision.anatomy import LAYERS, anatomy, shapley_values
from ncrealism.decision.model import choice_probabilities, design_matrix
from ncrealism.perception.filter import PerceptionFilter
from ncrealism.perception.profiles import load_profile


def _logodds(p: float) -> float:
    return math.log(p / (1 - p))


def test_shapley_values_of_a_known_game() -> None:
    # v(S) = sum of the members' weights + 1 if both a and b are in S: the pair's bonus is
    # split equally (Shapley 1953).
    w = {"a": 1.0, "b": 2.0, "c": 3.0}
    players = list(w)
    from itertools import combinations

    value = {}
    for r in range(4):
        for s in combinations(players, r):
            fs = frozenset(s)
            value[fs] = sum(w[p] for p in fs) + (1.0 if {"a", "b"} <= fs else 0.0)
    phi = shapley_values(value, players)
    assert phi == pytest.approx({"a": 1.5, "b": 2.5, "c": 3.0})


@pytest.mark.parametrize("year", [1994, 2006])
def test_shares_add_up_to_the_total(dprk_inputs: pl.DataFrame, year: int) -> None:
    row = dprk_inputs.filter(pl.col("year") == year)
    f = load_profile("DPRK", year)
    a = anatomy(row, f)
    p = choice_probabilities(design_matrix(row, f), f.to_theta())[0, 0]
    k = len(p)
    for j, name in enumerate(a.options["option"].to_list()):
        sh = a.shapley.filter(pl.col("option") == name)
        assert sh["layer"].to_list() == list(LAYERS)
        total = _logodds(float(p[j])) - math.log(1 / (k - 1))
        assert sh["contribution"].sum() == pytest.approx(total, abs=1e-9)
        shares = sh["share"].drop_nulls()
        if shares.len():
            assert shares.sum() == pytest.approx(1.0, abs=1e-9)
    assert a.options["p_filter"].to_numpy() == pytest.approx(p)
    comp = a.options.select("security", "survival", "resources", "autonomy", "capitulation")
    assert comp.sum_horizontal().to_numpy() == pytest.approx(a.options["utility"].to_numpy())
    assert a.focus == a.options["option"][int(np.argmax(p))]


def test_neutral_filter_has_only_the_system_layer(dprk_inputs: pl.DataFrame) -> None:
    a = anatomy(dprk_inputs.filter(pl.col("year") == 1994), PerceptionFilter.neutral())
    inter = a.shapley.filter(pl.col("layer") != "system")["contribution"]
    assert inter.abs().max() == 0.0
    assert a.perception["change"].abs().max() == 0.0


def test_renderers(dprk_inputs: pl.DataFrame) -> None:
    a = anatomy(
        dprk_inputs.filter(pl.col("year") == 2006),
        load_profile("DPRK", 2006),
        focus="internal_balancing",
        sources=["COW NMC v6.0"],
    )
    text = a.to_text()
    for head in ("Independent variable", "perception filter", "domestic incentives", "Share"):
        assert head in text
    assert "internal_balancing" in text and "COW NMC v6.0" in text
    assert json.loads(a.to_json())["focus"] == "internal_balancing"
    assert a.to_markdown().startswith("# Anatomy")
    assert "<table>" in a.to_html()


@pytest.mark.parametrize("year", ["1994", "2006"])
def test_cli_explain(history_dir: Path, year: str) -> None:
    app = typer.Typer()
    app.command()(explain)
    app.command("noop")(lambda: None)
    ctx = str(history_dir / "context_events_1990_2009.csv")
    res = CliRunner().invoke(app, ["explain", "DPRK", year, "--context", ctx])
    assert res.exit_code == 0, res.output
    assert f"DPRK (731), {year}" in res.output and "total" in res.output
    res = CliRunner().invoke(app, ["explain", "PRK", "--year", year, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["year"] == int(year)
