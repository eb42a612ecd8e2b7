"""System structure: CON, effective poles, poles and power transition, checked against the raw
files and against properties of the formulas."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncrealism.data.fetch import DataSource
from ncrealism.errors import InputError
from ncrealism.system.structure import (
    concentration,
    concentration_index,
    effective_poles,
    n_poles,
    power_transition,
    structure,
)

positive = st.floats(min_value=1e-6, max_value=1.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(positive, min_size=2, max_size=12), st.floats(0.01, 100.0), st.randoms())
def test_con_is_bounded_and_invariant(values: list[float], scale: float, rnd: object) -> None:
    con = concentration_index(values)
    assert 0.0 <= con <= 1.0 + 1e-12
    # CON is a square root, so rounding of Σs² near 1/N shows up around 1e-8.
    assert concentration_index([v * scale for v in values]) == pytest.approx(con, abs=1e-6)
    perm = list(values)
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    assert concentration_index(perm) == pytest.approx(con, abs=1e-6)


def test_con_extremes() -> None:
    assert concentration_index([0.2] * 5) == pytest.approx(0.0, abs=1e-6)
    assert concentration_index([1.0, 0.0, 0.0]) == pytest.approx(1.0)
    assert math.isnan(concentration_index([0.3]))
    # Two states with shares 3/4 and 1/4: Σs² = 5/8, N = 2 → CON = sqrt((5/8 − 1/2)/(1/2)).
    assert concentration_index([3.0, 1.0]) == pytest.approx(math.sqrt(0.25))


def _raw_majors(mirror: Path, year: int) -> set[int]:
    with (mirror / "cow-states" / "majors2016.csv").open(newline="") as fh:
        return {
            int(r["ccode"])
            for r in csv.DictReader(fh)
            if int(r["styear"]) <= year <= int(r["endyear"])
        }


@pytest.mark.parametrize("year", [1870, 1913, 1950, 1991, 2016])
def test_structure_of_major_powers_matches_the_raw_files(
    source: DataSource, mirror: Path, raw_cinc: dict[tuple[int, int], float], year: int
) -> None:
    majors = _raw_majors(mirror, year)
    x = np.array([raw_cinc[(c, year)] for c in majors])
    s = x / x.sum()
    hhi = float(np.sum(s**2))
    n = len(majors)
    df = structure([year], version="6.0", source=source)  # raw_cinc: the v6.0 publisher CSV
    row = df.row(0, named=True)
    assert row["n_states"] == n
    assert row["hhi"] == pytest.approx(hhi, abs=1e-6)
    assert row["con"] == pytest.approx(math.sqrt((hhi - 1 / n) / (1 - 1 / n)), abs=1e-6)
    assert row["effective_poles"] == pytest.approx(1 / hhi, rel=1e-6)
    expected_poles = sum(raw_cinc[(c, year)] >= 0.10 for c in majors)
    assert row["n_poles"] == expected_poles


def test_effective_poles_lie_between_one_and_n(source: DataSource) -> None:
    df = effective_poles((1816, 2016), source=source)
    assert df.height == 201
    assert (df["effective_poles"] >= 1 - 1e-12).all()
    assert (df["effective_poles"] <= df["n_states"] + 1e-9).all()


def test_concentration_over_any_set(source: DataSource) -> None:
    df = concentration((1990, 2000), states=["USA", "China", "Russia"], source=source)
    assert (df["n_states"] == 3).all()
    assert df["con"].is_between(0, 1).all()


def test_n_poles_threshold_is_monotone(source: DataSource) -> None:
    low = n_poles((1946, 2016), threshold=0.05, source=source)
    high = n_poles((1946, 2016), threshold=0.20, source=source)
    assert (low["n_poles"] >= high["n_poles"]).all()
    lists = low["poles"].str.split(",").list.len()
    assert (lists == low["n_poles"]).all()
    with pytest.raises(InputError):
        n_poles([1990], threshold=0.0, source=source)


def test_power_transition_matches_the_raw_cinc(
    source: DataSource, raw_cinc: dict[tuple[int, int], float]
) -> None:
    df = power_transition("USA", "China", (1950, 2016), version="6.0", source=source)
    years = df["year"].to_list()
    ahead = {y: raw_cinc[(710, y)] > raw_cinc[(2, y)] for y in years}
    changes = [y for y in years[1:] if ahead[y] != ahead[y - 1]]
    assert df.filter(pl.col("overtaking"))["year"].to_list() == changes
    assert changes, "China overtakes the United States in CINC within 1950-2016 in the raw data"
    r = df.filter(pl.col("year") == 1994).row(0, named=True)
    assert r["ratio"] == pytest.approx(raw_cinc[(2, 1994)] / raw_cinc[(710, 1994)], rel=1e-6)
    growth = 100 * (raw_cinc[(2, 1994)] / raw_cinc[(2, 1993)] - 1)
    assert r["growth_a"] == pytest.approx(growth, rel=1e-5)
    assert ((df["parity_ratio"] >= 0.8) == df["at_parity"]).all()
    back = power_transition(710, 2, (1950, 2016), version="6.0", source=source)
    assert np.allclose(back["ratio"].to_numpy() * df["ratio"].to_numpy(), 1.0)


def test_power_transition_rejects_bad_input(source: DataSource) -> None:
    with pytest.raises(InputError, match="two different"):
        power_transition(2, "USA", (1990, 1995), source=source)
    with pytest.raises(InputError, match="unknown COW code"):
        power_transition(2, 999, (1990, 1995), source=source)
    with pytest.raises(InputError, match="never both"):
        power_transition(732, 300, (1990, 1995), source=source)
    with pytest.raises(InputError, match="outside the data"):
        concentration((1700, 1800), source=source)
