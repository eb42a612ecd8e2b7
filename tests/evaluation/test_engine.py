"""The rolling-origin engine and the baselines, on a synthetic record of unseen years."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from evaluation_helpers import POSTURES, ShockModel, synthetic

from ncrealism.errors import InputError
from ncrealism.evaluation import metrics as M
from ncrealism.evaluation.engine import parse_span, run_backtest
from ncrealism.evaluation.models import BaseRate, Model, Persistence, Uniform

OUTCOME_COLUMNS = ("dominant_posture", "posture_confidence", "missile_tests", "nuclear_tests")


def _models() -> list[Model]:
    return [ShockModel(), Persistence(), BaseRate(), Uniform()]


def _permute_outcomes(record: pl.DataFrame, years: list[int], seed: int) -> pl.DataFrame:
    """Permute the outcome columns among the rows of ``years`` (other rows untouched)."""
    rng = np.random.default_rng(seed)
    sel = record.filter(pl.col("year").is_in(years)).sort("year")
    order = rng.permutation(sel.height)
    # make sure the permutation moves something
    while sel.height > 1 and (order == np.arange(sel.height)).all():
        order = rng.permutation(sel.height)
    shuffled = sel.select(OUTCOME_COLUMNS)[order.tolist()].with_columns(sel["year"])
    rest = record.filter(~pl.col("year").is_in(years))
    return pl.concat([rest, shuffled.select(record.columns)]).sort("year")


def _forecasts(bt_pred: pl.DataFrame) -> pl.DataFrame:
    return bt_pred.select("model", "year", "option", "probability").sort("model", "year", "option")


def test_baselines_by_hand() -> None:
    record = pl.DataFrame(
        {
            "year": [2031, 2032, 2033, 2034, 2035],
            "dominant_posture": [
                "engagement",
                "engagement",
                "brinkmanship",
                "brinkmanship",
                "engagement",
            ],
        }
    )
    inputs = pl.DataFrame({"year": list(range(2031, 2037))})
    fit_inputs = inputs.filter(pl.col("year") <= 2035)
    test_inputs = inputs.filter(pl.col("year") == 2036)
    k = len(POSTURES)

    def probs(model: Model) -> dict[str, float]:
        fc = model.fit(fit_inputs, record, POSTURES).predict(test_inputs)
        return dict(zip(fc["option"].to_list(), fc["probability"].to_list(), strict=True))

    assert probs(Uniform()) == pytest.approx(dict.fromkeys(POSTURES, 1 / k))
    # engagement 3, brinkmanship 2 of 5, Laplace: (c + 1)/(5 + 5)
    base = probs(BaseRate())
    assert base["engagement"] == pytest.approx(4 / 10)
    assert base["brinkmanship"] == pytest.approx(3 / 10)
    assert base["accommodation"] == pytest.approx(1 / 10)
    raw = probs(BaseRate(alpha=0.0))
    assert raw["engagement"] == pytest.approx(3 / 5)
    assert raw["internal_balancing"] == 0.0
    # 4 transitions, 2 repeats (e->e, b->b); last posture engagement; stay = (2+1)/(4+2)
    per = probs(Persistence())
    assert per["engagement"] == pytest.approx(3 / 6)
    assert per["brinkmanship"] == pytest.approx((1 - 3 / 6) / (k - 1))


def test_expanding_origin_calibrates_on_all_earlier_years(synthetic_case) -> None:  # type: ignore[no-untyped-def]
    record, inputs = synthetic_case
    bt = run_backtest(
        _models(), inputs, record, options=POSTURES, train=(2031, 2044), test=range(2045, 2055)
    )
    fits = bt.predictions.select("year", "fit_start", "fit_end").unique().sort("year")
    assert fits["fit_start"].to_list() == [2031] * 10
    assert fits["fit_end"].to_list() == [y - 1 for y in range(2045, 2055)]
    assert bt.test_years == tuple(range(2045, 2055))
    # each forecast year is a probability vector over the options, for every model
    sums = bt.predictions.group_by("model", "year").agg(pl.col("probability").sum())
    assert sums.height == 4 * 10
    assert sums["probability"].to_numpy() == pytest.approx(np.ones(40))


def test_fixed_span_calibrates_once(synthetic_case) -> None:  # type: ignore[no-untyped-def]
    record, inputs = synthetic_case
    bt = run_backtest(
        _models(),
        inputs,
        record,
        options=POSTURES,
        train=(2031, 2044),
        test=range(2045, 2055),
        scheme="fixed",
    )
    assert set(bt.predictions["fit_end"].to_list()) == {2044}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scrambled_outcomes_fixed_span(seed: int) -> None:
    """Permuting the test years' outcome columns leaves every test-year forecast unchanged."""
    record, inputs = synthetic(seed)
    test = list(range(2045, 2055))
    kw = {"options": POSTURES, "train": (2031, 2044), "test": test, "scheme": "fixed"}
    base = run_backtest(_models(), inputs, record, **kw)  # type: ignore[arg-type]
    scrambled_record = _permute_outcomes(record, test, seed)
    assert not scrambled_record.equals(record)
    scrambled = run_backtest(_models(), inputs, scrambled_record, **kw)  # type: ignore[arg-type]
    assert _forecasts(base.predictions).equals(_forecasts(scrambled.predictions))
    # ... while the scores, which do read the outcomes, see the scrambled record
    assert not base.record.equals(scrambled.record)


@pytest.mark.parametrize("seed", [0, 1])
def test_scrambled_outcomes_rolling_origin(seed: int) -> None:
    """The forecast for year t does not change when the outcomes of t and later are permuted."""
    record, inputs = synthetic(seed)
    test = list(range(2045, 2055))
    kw = {"options": POSTURES, "train": (2031, 2044), "test": test}
    base = _forecasts(run_backtest(_models(), inputs, record, **kw).predictions)  # type: ignore[arg-type]
    for t in (2045, 2049, 2053):
        future = [y for y in test if y >= t]
        scrambled_record = _permute_outcomes(record, future, seed + t)
        scrambled = _forecasts(
            run_backtest(_models(), inputs, scrambled_record, **kw).predictions  # type: ignore[arg-type]
        )
        assert base.filter(pl.col("year") == t).equals(scrambled.filter(pl.col("year") == t))


def test_scrambling_training_outcomes_does_change_forecasts() -> None:
    """The scrambled-outcome tests can fail: the models do read the training outcomes."""
    record, inputs = synthetic(0)
    kw = {"options": POSTURES, "train": (2031, 2044), "test": range(2045, 2055), "scheme": "fixed"}
    base = run_backtest([ShockModel(), Persistence()], inputs, record, **kw)  # type: ignore[arg-type]
    scrambled_record = _permute_outcomes(record, list(range(2031, 2045)), 11)
    scrambled = run_backtest([ShockModel(), Persistence()], inputs, scrambled_record, **kw)  # type: ignore[arg-type]
    assert not _forecasts(base.predictions).equals(_forecasts(scrambled.predictions))


def test_scores_equal_direct_metric_calls(synthetic_case) -> None:  # type: ignore[no-untyped-def]
    record, inputs = synthetic_case
    bt = run_backtest(
        _models(), inputs, record, options=POSTURES, train=(2031, 2044), test=range(2045, 2055)
    )
    scores = bt.scores()
    assert scores["model"].to_list() == ["shock", "persistence", "base rate", "uniform"]
    rec = record.filter(pl.col("year") >= 2045).sort("year")
    t = M.one_hot(rec["dominant_posture"].to_list(), POSTURES)
    p = bt.probabilities("shock")
    row = scores.row(0, named=True)
    assert row["n_years"] == 10
    assert row["accuracy"] == pytest.approx(M.accuracy(p, t))
    assert row["log_loss"] == pytest.approx(M.log_loss(p, t))
    assert row["brier"] == pytest.approx(M.brier(p, t))
    assert row["ece"] == pytest.approx(M.expected_calibration_error(p, t))
    rho = M.spearman(p[:, 0], rec["missile_tests"].to_numpy()).rho
    assert row["spearman_missile_tests"] == pytest.approx(rho)
    # the uniform forecast has log loss ln K and Brier 1 - 1/K, whatever happened
    uni = scores.row(3, named=True)
    assert uni["log_loss"] == pytest.approx(np.log(len(POSTURES)))
    assert uni["brier"] == pytest.approx(1 - 1 / len(POSTURES))
    assert np.isnan(uni["spearman_missile_tests"])  # a constant forecast has no rank order


def test_high_confidence_and_partial_credit(synthetic_case) -> None:  # type: ignore[no-untyped-def]
    record, inputs = synthetic_case
    bt = run_backtest(
        _models(), inputs, record, options=POSTURES, train=(2031, 2044), test=range(2045, 2055)
    )
    rec = record.filter(pl.col("year") >= 2045).sort("year")
    n_high = int((rec["posture_confidence"] == "high").sum())
    hi = bt.scores(high_confidence_only=True)
    assert hi["n_years"].to_list() == [n_high] * 4
    keep = (rec["posture_confidence"] == "high").to_numpy()
    p = bt.probabilities("shock")[keep]
    t = M.one_hot(rec.filter(pl.Series(keep))["dominant_posture"].to_list(), POSTURES)
    assert hi.row(0, named=True)["brier"] == pytest.approx(M.brier(p, t))
    credit = M.ConfidenceCredit()
    soft = bt.scores(credit=credit)
    ts = M.soft_targets(
        rec["dominant_posture"].to_list(), rec["posture_confidence"].to_list(), POSTURES, credit
    )
    assert soft.row(0, named=True)["accuracy"] == pytest.approx(
        M.accuracy(bt.probabilities("shock"), ts)
    )


def test_per_year_and_confusion(synthetic_case) -> None:  # type: ignore[no-untyped-def]
    record, inputs = synthetic_case
    bt = run_backtest(
        _models(), inputs, record, options=POSTURES, train=(2031, 2044), test=range(2045, 2055)
    )
    py = bt.per_year()
    assert py.height == 4 * 10
    rec = record.filter(pl.col("year") >= 2045).sort("year")
    shock = py.filter(pl.col("model") == "shock").sort("year")
    assert shock["recorded"].to_list() == rec["dominant_posture"].to_list()
    assert shock["credit"].to_list() == [
        float(a == b) for a, b in zip(shock["predicted"], shock["recorded"], strict=True)
    ]
    cm = bt.confusion("shock")
    assert cm["recorded"].to_list() == list(POSTURES)
    assert float(cm.select(list(POSTURES)).sum_horizontal().sum()) == 10
    hits = sum(float(cm[o][i]) for i, o in enumerate(POSTURES))
    assert hits == pytest.approx(float(shock["credit"].sum()))
    # the modal forecasts match scikit-learn's confusion matrix (no ties in this model)
    from sklearn.metrics import confusion_matrix

    expected = confusion_matrix(
        shock["recorded"].to_list(), shock["predicted"].to_list(), labels=list(POSTURES)
    )
    assert (cm.select(list(POSTURES)).to_numpy() == expected).all()
    # the uniform forecast ties every option: each year spreads 1/K over its row
    uni = py.filter(pl.col("model") == "uniform")
    assert set(uni["predicted"].to_list()) == {"(all tied)"}
    assert uni["credit"].to_list() == pytest.approx([1 / len(POSTURES)] * 10)
    ucm = bt.confusion("uniform").select(list(POSTURES)).to_numpy()
    counts = [rec["dominant_posture"].to_list().count(o) for o in POSTURES]
    assert ucm.sum(axis=1) == pytest.approx(counts)


def test_bad_records_and_spans(synthetic_case) -> None:  # type: ignore[no-untyped-def]
    record, inputs = synthetic_case
    kw = {"options": POSTURES, "train": (2031, 2044), "test": range(2045, 2055)}
    dup = pl.concat([record, record.head(1)])
    with pytest.raises(InputError, match="year 2031 appears more than once"):
        run_backtest(_models(), inputs, dup, **kw)  # type: ignore[arg-type]
    odd = record.with_columns(
        pl.when(pl.col("year") == 2040)
        .then(pl.lit("appeasement"))
        .otherwise(pl.col("dominant_posture"))
        .alias("dominant_posture")
    )
    with pytest.raises(InputError, match="unknown postures \\['appeasement'\\]"):
        run_backtest(_models(), inputs, odd, **kw)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="after the training span"):
        run_backtest(
            _models(), inputs, record, options=POSTURES, train=(2031, 2046), test=range(2045, 2050)
        )
    with pytest.raises(InputError, match="not in the record"):
        run_backtest(
            _models(), inputs, record, options=POSTURES, train=(2031, 2044), test=range(2050, 2060)
        )
    with pytest.raises(InputError, match="inputs do not cover years \\[2031\\]"):
        run_backtest(_models(), inputs.filter(pl.col("year") > 2031), record, **kw)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="unique"):
        run_backtest([Uniform(), Uniform()], inputs, record, **kw)  # type: ignore[arg-type]


def test_parse_span() -> None:
    assert parse_span("1990:2004") == (1990, 2004)
    assert parse_span("2005") == (2005, 2005)
    for bad in ("2004:1990", "1990-2004", "a:b", "1:2:3"):
        with pytest.raises(InputError):
            parse_span(bad)


def test_balanced_accuracy_with_the_weakest_partial_credit(synthetic_case) -> None:  # type: ignore[no-untyped-def]
    """With low = 1/K a low-confidence target is flat; its recorded class still counts."""
    record, inputs = synthetic_case
    bt = run_backtest(
        [ShockModel()], inputs, record, options=POSTURES, train=(2031, 2044), test=range(2045, 2055)
    )
    k = len(POSTURES)
    flat = M.ConfidenceCredit(high=1.0, medium=1.0, low=1 / k)
    rec = record.filter(pl.col("year") >= 2045).sort("year")
    recorded = np.array([POSTURES.index(p) for p in rec["dominant_posture"]], dtype=np.int64)
    targets = bt.targets(flat)
    expected = M.balanced_accuracy(bt.probabilities("shock"), targets, recorded)
    assert bt.scores(credit=flat)["balanced_accuracy"][0] == pytest.approx(expected)
    # per recorded class k: Σ_i T_ik W_ik / Σ_i T_ik, by hand
    w = M.modal_weights(bt.probabilities("shock"))
    by_hand = np.mean(
        [(targets[:, c] * w[:, c]).sum() / targets[:, c].sum() for c in np.unique(recorded)]
    )
    assert expected == pytest.approx(by_hand)
