"""Horizons, the paired comparison, lagged event counts and the statistical reference."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import pytest
from evaluation_helpers import POSTURES, synthetic

from ncrealism.evaluation.compare import paired_bootstrap, paired_table
from ncrealism.evaluation.dynamic import StatisticalReference, horizon_of, lagged_event_counts
from ncrealism.evaluation.engine import run_backtest
from ncrealism.evaluation.models import Forecaster, Persistence, Uniform, constant_forecast


@dataclass(frozen=True)
class _Spy:
    """Records what the engine hands a model: training years, forecast rows."""

    seen: list[tuple[list[int], int, int, int]] = field(default_factory=list)
    name: str = "spy"

    def fit(self, inputs: pl.DataFrame, record: pl.DataFrame, options: Sequence[str]) -> Forecaster:
        spy = self
        fit_years = [int(y) for y in record["year"].to_list()]

        class _F:
            def predict(self, rows: pl.DataFrame) -> pl.DataFrame:
                y = int(rows["year"][0])
                spy.seen.append((fit_years, y, int(rows["marker"][0]), horizon_of(rows)))
                k = len(options)
                return constant_forecast([y], options, [1.0 / k] * k)

        return _F()


def test_two_steps_ahead_reads_only_the_origin() -> None:
    record, _ = synthetic(1, start=2031, n=10)
    inputs = pl.DataFrame({"year": list(range(2031, 2041)), "marker": list(range(2031, 2041))})
    spy = _Spy()
    run_backtest(
        [spy], inputs, record, options=POSTURES, train=(2031, 2034), test=range(2035, 2041),
        horizon=2,
    )  # fmt: skip
    for fit_years, year, marker, h in spy.seen:
        assert h == 2
        assert max(fit_years) == year - 2  # calibrated on years up to t - 2
        assert marker == year - 1  # inputs of the origin t - 1, not of t


def test_persistence_two_steps_ahead_by_hand() -> None:
    """Stay rate s = 3/5 (Laplace: 2 repeats of 3 pairs): after two steps
    P(same) = s^2 + 4 ((1 - s)/4)^2 = 0.36 + 0.04 = 0.40."""
    rec = pl.DataFrame(
        {"year": [1, 2, 3, 4], "dominant_posture": ["engagement"] * 3 + ["brinkmanship"]}
    )
    f = Persistence().fit(rec.select("year"), rec, POSTURES)
    row = pl.DataFrame({"year": [6], "horizon": [2]})
    fc = f.predict(row)
    p = dict(zip(fc["option"].to_list(), fc["probability"].to_list(), strict=True))
    assert p["brinkmanship"] == pytest.approx(0.40)
    assert sum(p.values()) == pytest.approx(1.0)


def test_paired_bootstrap_constant_difference_and_seed() -> None:
    mean, lo, hi, share = paired_bootstrap([0.2] * 7, np.random.default_rng(0))
    assert (mean, lo, hi, share) == pytest.approx((0.2, 0.2, 0.2, 1.0))
    a = paired_bootstrap([0.3, -0.1, 0.2, 0.0], np.random.default_rng(5))
    b = paired_bootstrap([0.3, -0.1, 0.2, 0.0], np.random.default_rng(5))
    assert a == b
    assert a[1] <= a[0] <= a[2]


def test_paired_table_against_uniform() -> None:
    record, inputs = synthetic(0)
    bt = run_backtest(
        [Persistence(), Uniform()], inputs, record, options=POSTURES, train=(2031, 2044),
        test=range(2045, 2055),
    )  # fmt: skip
    tab = paired_table(bt, "persistence", ["uniform"], seed=1)
    row = tab.row(0, named=True)
    assert row["baseline_loss"] == pytest.approx(np.log(5))
    assert row["diff"] == pytest.approx(row["baseline_loss"] - row["model_loss"])
    assert row["ci_low"] <= row["diff"] <= row["ci_high"]


def test_lagged_event_counts_by_hand() -> None:
    ev = pl.DataFrame(
        {
            "year": [2000, 2000, 2001, 2003],
            "category": ["missile_test", "missile_test", "agreement", "missile_test"],
        }
    )
    lag = lagged_event_counts(ev, [2000, 2001, 2002, 2004, 2005], ["missile_test", "agreement"])
    assert lag["lag_missile_test"].to_list() == [None, 2, 0, 1, None]
    assert lag["lag_agreement"].to_list() == [None, 0, 1, 0, None]


def test_statistical_reference_never_gives_0_or_1() -> None:
    record, _ = synthetic(4, start=2031, n=12)
    inputs = pl.DataFrame(
        {
            "year": list(range(2031, 2043)),
            **{c: np.linspace(0, 1, 12) for c in ("threat", "ally_support", "relative_power")},
            **{c: np.zeros(12) for c in ("nuclear_latency", "sanctions", "inducements")},
        }
    )
    fit_rec = record.filter(pl.col("year") < 2041)
    f = StatisticalReference().fit(inputs.filter(pl.col("year") < 2041), fit_rec, POSTURES)
    for h in (1, 2):
        row = inputs.filter(pl.col("year") == 2041).with_columns(pl.lit(h).alias("horizon"))
        p = f.predict(row)["probability"].to_numpy()
        assert p.sum() == pytest.approx(1.0)
        assert np.all((p > 0) & (p < 1))


def test_quarterly_panel_by_hand() -> None:
    import datetime as dt

    from ncrealism.evaluation.counts import quarterly_panel

    ev = pl.DataFrame(
        {
            "date": [dt.date(2000, 1, 5), dt.date(2000, 3, 31), dt.date(2000, 11, 2),
                     dt.date(2001, 5, 1)],
            "date_precision": ["day", "day", "month", "day"],
            "year": [2000, 2000, 2000, 2001],
            "category": ["missile_test", "missile_test", "nuclear_development",
                         "negotiation_engagement"],
            "subtype": [None, None, "nuclear_test", "bilateral_round"],
        }
    )  # fmt: skip
    panel = quarterly_panel(ev, [2000, 2001])
    assert panel["missile_tests"].to_list() == [2, 0, 0, 0, 0, 0, 0, 0]
    assert panel["nuclear_tests"].to_list() == [0, 0, 0, 1, 0, 0, 0, 0]
    assert panel["talks"].to_list() == [0, 0, 0, 0, 0, 1, 0, 0]


def test_count_forecasts_follow_the_posture() -> None:
    """Counts rise only in years of one posture: the posture-driven model forecasts more when
    the posture forecast puts its weight there, and every forecast is a proper distribution."""
    from ncrealism.evaluation.counts import NCR_COUNTS, count_backtest

    years = list(range(2000, 2016))
    post = ["internal_balancing" if y % 3 == 0 else "engagement" for y in years]
    rows = []
    for y, p in zip(years, post, strict=True):
        for q in range(1, 5):
            rows.append((y, q, 3 if p == "internal_balancing" else 0, 0, 0, 0))
    panel = pl.DataFrame(
        rows,
        schema=["year", "quarter", "missile_tests", "nuclear_tests", "provocations", "talks"],
        orient="row",
    )
    record = pl.DataFrame({"year": years, "dominant_posture": post})

    def forecast(weight_ib: float) -> pl.DataFrame:
        given = {"internal_balancing": weight_ib, "engagement": 1.0 - weight_ib}
        probs = [given.get(o, 0.0) for o in POSTURES]
        return pl.DataFrame({"year": [2015] * 5, "option": list(POSTURES), "probability": probs})

    means = {}
    for w in (0.9, 0.1):
        res = count_backtest(
            panel, record, forecast(w), POSTURES, train_start=2000, test_years=[2015], n_draws=50
        )
        ncr = res.filter((pl.col("model") == NCR_COUNTS) & (pl.col("series") == "missile_tests"))
        means[w] = float(ncr["mean"].mean())
        assert res["log_score"].min() >= 0 and res["rps"].min() >= 0
    assert means[0.9] > 2 * means[0.1]
