"""build_inputs: the system layer's reading, context shocks and domestic indicators by year."""

from __future__ import annotations

import math

import polars as pl
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.decision.inputs import (
    DEFECTION_LOSS,
    DOMESTIC_COLUMNS,
    SYSTEM_COLUMNS,
    build_inputs,
    exposure,
)
from ncrealism.system.threat import threat_faced


def test_frame_shape_and_lag(dprk_inputs: pl.DataFrame) -> None:
    df = dprk_inputs
    assert df["year"].to_list() == list(range(1990, 2010))
    assert (df["data_year"] == df["year"] - 1).all()
    for c in (*SYSTEM_COLUMNS, *DOMESTIC_COLUMNS):
        assert c in df.columns
    for c in ("threat", "ally_support", "relative_power", "sanctions", "clarity"):
        assert df[c].min() >= 0.0 and df[c].max() <= 1.0  # type: ignore[operator]


def test_structural_reading_is_the_system_layer(source: DataSource) -> None:
    """Without context, T + A + r = 1 and T is the system layer's threat over the pool."""
    df = build_inputs(731, [1994, 2003], source=source)
    tf = threat_faced(731, [1993, 2002], source=source)
    for row in df.iter_rows(named=True):
        assert row["threat"] + row["ally_support"] + row["relative_power"] == pytest.approx(1.0)
        rows = tf.filter(pl.col("year") == row["data_year"])
        hostile = rows.filter(~pl.col("allied").fill_null(False))["threat"].drop_nulls().sum()
        pacts = rows.filter(pl.col("allied").fill_null(False) & (pl.col("alliance_level") == 3))
        support = pacts["projected_power"].sum()
        pool = row["cinc"] + hostile + support
        assert row["threat"] == pytest.approx(hostile / pool)
        assert row["ally_support"] == pytest.approx(support / pool)
        assert sorted(row["allies"]) == sorted(pacts["source_ccode"].to_list())


def test_exposure() -> None:
    # A persistent event on 1 October: a quarter of that year, all of the next.
    assert exposure(1990.75, 1990, math.inf) == pytest.approx(0.25)
    assert exposure(1990.75, 1991, math.inf) == 1.0
    assert exposure(1990.75, 1989, math.inf) == 0.0
    # Decaying: the integral of exp(-u/tau) over the year after the event.
    assert exposure(1990.0, 1990, 2.0) == pytest.approx(2 * (1 - math.exp(-0.5)))
    assert exposure(1990.0, 1992, 2.0) == pytest.approx(2 * (math.exp(-1) - math.exp(-1.5)))


def test_context_shocks(dprk_inputs: pl.DataFrame, context: pl.DataFrame) -> None:
    df = dprk_inputs.sort("year")
    ussr = context.row(0, named=True)
    assert ussr["type"] == "systemic_stimulus" and ussr["actor"] == "USSR"
    # 1990: the USSR (a defence-pact ally in 1989) recognised Seoul on 30 September.
    allies_1990 = df.row(0, named=True)["allies"]
    assert 365 in allies_1990
    share = 1991 - ussr["time"]
    assert df["patron_defection"][0] == pytest.approx(DEFECTION_LOSS * share / len(allies_1990))
    # Sanctions first appear with KEDO's suspension (Nov 2002).
    assert df.filter(pl.col("year") < 2002)["sanctions"].max() == 0.0
    assert df.filter(pl.col("year") == 2002)["sanctions"][0] > 0.0
    # Kim Il Sung's death (8 July 1994) is a succession shock from 1994.
    assert df.filter(pl.col("year") == 1993)["succession"][0] == 0.0
    assert df.filter(pl.col("year") == 1994)["succession"][0] > 0.0
    assert df["unmapped_events"].sum() == 0


def test_domestic_indicators(dprk_inputs: pl.DataFrame) -> None:
    df = dprk_inputs.sort("year")
    # Maddison 2020 has no DPRK GDP before 1990: no data for the 1990 decision (data 1989).
    assert df["econ_shock"][0] is None
    # GDP per capita fell 13.6% from 1990 to 1992 (2455.8 to 2120.5): beyond the 10% threshold.
    assert df.filter(pl.col("year") == 1993)["econ_shock"][0] == 1.0
    assert df.filter(pl.col("year") == 1992)["econ_shock"][0] == pytest.approx(
        (1 - 2315.9589 / 2455.8186) / 0.10
    )
    assert (df["regime_transition"].drop_nulls() == 0.0).all()
    rv = df["regime_vulnerability"]
    assert rv.min() >= 0.0 and rv.max() <= 1.0  # type: ignore[operator]


def test_any_state_and_unseen_years(source: DataSource, context: pl.DataFrame) -> None:
    us = build_inputs(2, (1995, 1996), source=source)
    assert us.height == 2 and us["relative_power"][0] > 0.3
    late = build_inputs(731, (2019, 2020), source=source)
    assert late["carried"].all()
    extra = pl.concat(
        [
            context,
            pl.DataFrame(
                {
                    "date": [None],
                    "date_precision": ["year"],
                    "time": [2019.5],
                    "year": [2019],
                    "event": ["a shock of a new kind"],
                    "type": ["cyber_attack"],
                    "actor": ["US"],
                    "source_url": [None],
                    "confidence": ["high"],
                    "notes": [None],
                },
                schema=context.schema,
            ),
        ]
    )
    df = build_inputs(731, 2019, context=extra, source=source)
    assert df["unmapped_events"][0] == 1
