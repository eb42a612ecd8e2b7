"""The panel built from the data mirror: known events appear, predictors are lagged."""

from __future__ import annotations

import polars as pl
import pytest

from ncrealism.errors import InputError
from ncrealism.panel.build import INTERVENING, STRUCTURAL, PanelFrame, build_panel_frame


def _row(pf: PanelFrame, ccode: int, year: int) -> dict[str, object]:
    return pf.data.filter((pl.col("ccode") == ccode) & (pl.col("year") == year)).row(0, named=True)


def test_dprk_1961_treaties_are_external_balancing(real_slice: PanelFrame) -> None:
    # July 1961: the DPRK signed mutual-defence treaties with the USSR and with China
    # (COW alliances 4.1); its largest threat (the US or the ROK) threatened both partners.
    row = _row(real_slice, 731, 1961)
    assert row["external_balancing"] == 1
    assert _row(real_slice, 731, 1960)["external_balancing"] == 0


def test_nuclear_steps_follow_the_status_file(real_slice: PanelFrame) -> None:
    # France went from pursuing to possessing nuclear weapons with its first test (1960);
    # China's first test was in 1964 (Bleek 2017; OWID status 3 from those years).
    assert _row(real_slice, 220, 1960)["nuclear_step"] == 1
    assert _row(real_slice, 710, 1964)["nuclear_step"] == 1
    assert _row(real_slice, 220, 1962)["nuclear_step"] == 0


def test_one_row_per_state_year_with_a_previous_year(real_slice: PanelFrame) -> None:
    df = real_slice.data
    assert df.select(pl.struct("ccode", "year").is_unique().all()).item()
    assert df["year"].min() == 1955 and df["year"].max() == 1965
    # states entering the system in a year have no previous year, hence no row: Ghana (452)
    # joined in 1957
    assert df.filter((pl.col("ccode") == 452) & (pl.col("year") == 1957)).height == 0
    assert df.filter((pl.col("ccode") == 452) & (pl.col("year") == 1958)).height == 1
    for col in (*STRUCTURAL, *INTERVENING):
        assert df.schema[col] == pl.Float64
    assert set(df["outcome"].drop_nulls()) <= {"none", "internal", "external", "nuclear"}


def test_predictors_are_measured_the_year_before(real_slice: PanelFrame) -> None:
    # polity2 of 1961 in the panel is Polity5's value for 1960, scaled by 1/10.
    from ncrealism.data.regime import load_polity

    pol = load_polity().filter((pl.col("ccode") == 731) & (pl.col("year") == 1960))
    assert _row(real_slice, 731, 1961)["polity2"] == pytest.approx(pol["polity2"][0] / 10)


def test_years_outside_the_outcome_coverage_are_refused() -> None:
    with pytest.raises(InputError, match="alliance data end"):
        build_panel_frame(first_year=1990, last_year=2015)
