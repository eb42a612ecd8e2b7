"""The decision layer's models in the backtest: NCR, structural realism, ablations.

Acceptance: the scrambled-outcome test on the training record with the calibrated NCR model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.data.records import read_context_events, read_yearly_record
from ncrealism.decision.calibrate import DEFAULT_FREE, calibrate
from ncrealism.decision.inputs import build_inputs
from ncrealism.decision.model import posture_probabilities
from ncrealism.evaluation.engine import run_backtest
from ncrealism.evaluation.ncr import (
    NCR,
    STRUCTURAL,
    CalibratedFilter,
    ablation_name,
    option_names,
    profile_prior,
    theory_models,
)
from ncrealism.perception.filter import CLUSTERS
from ncrealism.perception.profiles import load_profile

YEARLY = "dprk_yearly_1990_2009.csv"
CONTEXT = "context_events_1990_2009.csv"
OUTCOMES = (
    "nuclear_tests",
    "missile_tests",
    "missile_test_events",
    "csis_missile_events",
    "in_talks",
    "agreements",
    "provocations",
    "dominant_posture",
    "justification",
    "in_talks_basis",
    "missile_count_confidence",
    "posture_confidence",
)


@pytest.fixture(scope="module")
def case(history_dir: Path, source: DataSource) -> tuple[pl.DataFrame, pl.DataFrame]:
    record = read_yearly_record(history_dir / YEARLY)
    ctx = read_context_events(history_dir / CONTEXT)
    inputs = build_inputs(731, range(1990, 2010), context=ctx, source=source)
    return record, inputs


def _forecasts(df: pl.DataFrame) -> pl.DataFrame:
    return df.select("model", "year", "option", "probability").sort("model", "year", "option")


def _models() -> list[CalibratedFilter]:
    tm_prior, _ = profile_prior("DPRK")
    from ncrealism.evaluation.ncr import _FitCache
    from ncrealism.perception.filter import PerceptionFilter

    cache = _FitCache()
    return [
        CalibratedFilter(NCR, tm_prior, DEFAULT_FREE, key="ncr", cache=cache),
        CalibratedFilter(STRUCTURAL, PerceptionFilter.neutral(), ("precision",), key="n"),
        CalibratedFilter(
            ablation_name("strategic_culture"),
            tm_prior,
            DEFAULT_FREE,
            cluster_off="strategic_culture",
            key="ncr",
            cache=cache,
        ),
    ]


def test_scrambled_outcomes_ncr(case: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    """Acceptance: permuting the test years' outcome columns leaves the forecasts unchanged."""
    record, inputs = case
    test = list(range(2005, 2010))
    kw = {"options": option_names(), "train": (1990, 2004), "test": test, "scheme": "fixed"}
    base = run_backtest(_models(), inputs, record, **kw)  # type: ignore[arg-type]
    rng = np.random.default_rng(20090525)
    sel = record.filter(pl.col("year").is_in(test)).sort("year")
    order = rng.permutation(sel.height)
    assert (order != np.arange(sel.height)).any()
    shuffled = sel.select(OUTCOMES)[order.tolist()].with_columns(sel["year"]).select(record.columns)
    scrambled_record = pl.concat([record.filter(~pl.col("year").is_in(test)), shuffled])
    assert not scrambled_record.sort("year").equals(record.sort("year"))
    again = run_backtest(_models(), inputs, scrambled_record, **kw)  # type: ignore[arg-type]
    assert _forecasts(base.predictions).equals(_forecasts(again.predictions))
    # the scores do change: they read the (scrambled) outcomes
    assert not base.per_year()["recorded"].equals(again.per_year()["recorded"])


def test_ncr_model_is_the_decision_layer(case: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    """The wrapped forecasts are those of calibrate + posture_probabilities, called directly."""
    record, inputs = case
    train = list(range(1990, 2005))
    fit_in = inputs.filter(pl.col("year").is_in(train))
    fit_rec = record.filter(pl.col("year").is_in(train))
    test_in = inputs.filter(pl.col("year") >= 2005)
    models = _models()
    prior = lambda y: load_profile("DPRK", y)  # noqa: E731
    res = calibrate(fit_in, fit_rec, train, prior)
    direct = posture_probabilities(test_in, res.filters).select("year", "option", "probability")
    got = models[0].fit(fit_in, fit_rec, option_names()).predict(test_in)
    assert got.sort("year", "option").equals(direct.sort("year", "option"))
    # the ablation switches the cluster off in the calibrated filter of each year
    abl = models[2].fit(fit_in, fit_rec, option_names()).predict(test_in)
    expected = posture_probabilities(
        test_in, lambda y: res.filter_for(y).with_cluster_off("strategic_culture")
    ).select("year", "option", "probability")
    assert abl.sort("year", "option").equals(expected.sort("year", "option"))
    assert not abl.sort("year", "option").equals(got.sort("year", "option"))
    # structural realism: the neutral filter, only the precision calibrated
    sr = models[1].fit(fit_in, fit_rec, option_names()).predict(test_in)
    from ncrealism.perception.filter import PerceptionFilter

    res0 = calibrate(fit_in, fit_rec, train, PerceptionFilter.neutral(), free=("precision",))
    assert res0.filter_for(2005).differences().keys() <= {"precision"}
    direct0 = posture_probabilities(test_in, res0.filters).select("year", "option", "probability")
    assert sr.sort("year", "option").equals(direct0.sort("year", "option"))


def test_theory_models_inventory(history_dir: Path, source: DataSource) -> None:
    ctx = read_context_events(history_dir / CONTEXT)
    tm = theory_models(731, [2004, 2005], context=ctx, source=source)
    names = [m.name for m in tm.models]
    assert names[:3] == [NCR, "NCR prior (uncalibrated)", STRUCTURAL]
    assert names[3:] == [ablation_name(c) for c in CLUSTERS]
    assert set(tm.descriptions) == set(names)
    assert tm.inputs["year"].to_list() == [2004, 2005]
    no_abl = theory_models(731, [2005], context=ctx, source=source, ablations=False)
    assert len(no_abl.models) == 3


def test_bargaining_model_reproduces_the_negotiation_layer(
    history_dir: Path, source: DataSource
) -> None:
    """Wrapped in the negotiation backtest, the bargaining model's features are the layer's own
    answers for each episode, and its probabilities stay strictly inside (0, 1)."""
    from ncrealism.data.records import read_negotiation_record
    from ncrealism.evaluation.ncr import BargainingModel
    from ncrealism.evaluation.negotiation import run_negotiation_backtest
    from ncrealism.negotiation.forecast import InputUncertainty
    from ncrealism.negotiation.record_scoring import read_context, score_record

    own = score_record(history_dir, source=source).episodes
    record = read_negotiation_record(history_dir / "negotiations_1993_2009.csv").head(8)
    bm = BargainingModel(
        read_context(history_dir / CONTEXT), source=source, uncertainty=InputUncertainty(draws=3)
    )
    nb = run_negotiation_backtest([bm], record)
    p = nb.predictions["p_agreement"].to_numpy()
    assert ((p > 0.0) & (p < 1.0)).all()
    for row in record.iter_rows(named=True):
        f = bm.features(row)
        ref = own.filter(pl.col("episode_id") == row["episode_id"]).row(0, named=True)
        assert f.zone_exists == ref["zone_exists"]
        assert f.point_margin == pytest.approx(ref["margin"], abs=1e-12)
        assert f.expected_days == pytest.approx(ref["expected_days"], rel=1e-9)


def test_ex_ante_inputs_ignore_the_year_s_own_shocks(
    case: tuple[pl.DataFrame, pl.DataFrame], history_dir: Path, source: DataSource
) -> None:
    import datetime as dt

    from ncrealism.evaluation.ncr import ex_ante_inputs

    _, same_year = case
    ctx = read_context_events(history_dir / CONTEXT)
    strict = ex_ante_inputs(731, [2006, 2009], context=ctx, source=source)
    # the row of 2006 is the same whatever happens from 1 January 2006 on
    before = ctx.filter(pl.col("date") < dt.date(2006, 1, 1))
    again = ex_ante_inputs(731, [2006], context=before, source=source)
    assert strict.filter(pl.col("year") == 2006).equals(again)
    # UNSC 1695 and 1718 (2006) enter the default inputs of 2006, not the ex-ante ones
    assert ctx.filter((pl.col("year") == 2006) & (pl.col("type") == "sanction")).height == 2
    default_2006 = same_year.filter(pl.col("year") == 2006)["sanctions"][0]
    assert strict.filter(pl.col("year") == 2006)["sanctions"][0] < default_2006
