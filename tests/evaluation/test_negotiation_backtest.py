"""Negotiation backtest: information available at each episode's start only; scores."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from sklearn import metrics as skm

from ncrealism.errors import InputError
from ncrealism.evaluation import metrics as M
from ncrealism.evaluation.negotiation import (
    EX_ANTE_COLUMNS,
    NegotiationBaseRate,
    NegotiationForecaster,
    NegotiationPersistence,
    parse_date,
    probability_text,
    run_negotiation_backtest,
)

NEGOTIATIONS = "negotiations_1993_2009.csv"


@dataclass
class _Spy:
    """Records what it is shown; forecasts from the history's mean target and censored days."""

    name: str = "spy"
    seen: list[tuple[dict[str, Any], pl.DataFrame]] | None = None

    def fit(self, history: pl.DataFrame) -> NegotiationForecaster:
        spy = self

        class _F:
            def predict(self, episode: Mapping[str, Any]) -> tuple[float, float | None]:
                if spy.seen is not None:
                    spy.seen.append((dict(episode), history))
                p = float(history["agreed"].mean()) if history.height else 0.5  # type: ignore[arg-type]
                days = history["held_days"].drop_nulls()
                return min(max(p, 0.0), 1.0), float(days.sum()) if len(days) else None

        return _F()


def _synthetic() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "episode_id": ["E1", "E2", "E3", "E4", "E5"],
            "start_date": ["2031-01-05", "2031-01-07", "2032-03", "2033-06-01", "2034-02-02"],
            "end_date": ["2031-01-09", "2031-02-01", "2032-03", "2033-06-09", "2034-02-05"],
            "parties": ["A;B"] * 5,
            "outcome": ["agreement", "no agreement", "collapsed", "agreement", "agreement"],
            "agreement_date": ["2031-01-09", "", "", "2033-06-09", "2034-02-05"],
            "held_until": ["2033-07-01", "", "", "2033-09-01", "2034-03-01"],
            "held_days": ["903", "", "", "84", "24"],
        }
    )


def test_only_information_available_at_the_start() -> None:
    spy = _Spy(seen=[])
    run_negotiation_backtest([spy], _synthetic())
    assert spy.seen is not None
    by_id = {ep["episode_id"]: (ep, hist) for ep, hist in spy.seen}
    for ep, _ in spy.seen:
        assert set(ep) <= set(EX_ANTE_COLUMNS)  # no outcome, end date, agreement or durability
    # E2 starts 2031-01-07, before E1 ended (2031-01-09): nothing is known yet
    assert by_id["E2"][1].height == 0
    # at E3's start (2032-03-01) E1 and E2 are over; E1's agreement is still holding, so its
    # durability is censored at 2032-03-01 - 2031-01-09 = 417 days
    h3 = by_id["E3"][1]
    assert h3["episode_id"].to_list() == ["E1", "E2"]
    e1 = h3.filter(pl.col("episode_id") == "E1").row(0, named=True)
    assert e1["held_days"] == (dt.date(2032, 3, 1) - dt.date(2031, 1, 9)).days
    assert e1["held_censored"] is True
    # at E5's start (2034-02-02) E1 broke down (2033-07-01, 903 days) and E4 too (84 days)
    h5 = by_id["E5"][1].filter(pl.col("held_days").is_not_null())
    assert sorted(h5["held_days"].to_list()) == [84.0, 903.0]
    assert not h5["held_censored"].any()


def test_scrambled_outcomes_do_not_change_forecasts() -> None:
    """Permuting outcomes of episodes starting on/after an episode leaves its forecast alone."""
    rec = _synthetic()
    base = run_negotiation_backtest([_Spy(), NegotiationBaseRate()], rec).predictions
    outcome_cols = ["end_date", "outcome", "agreement_date", "held_until", "held_days"]
    later = rec.filter(pl.col("episode_id").is_in(["E3", "E4", "E5"]))
    rolled = later.select(outcome_cols)[[2, 0, 1]]
    scrambled = pl.concat(
        [
            rec.filter(~pl.col("episode_id").is_in(["E3", "E4", "E5"])),
            later.drop(outcome_cols).hstack(rolled).select(rec.columns),
        ]
    )
    again = run_negotiation_backtest([_Spy(), NegotiationBaseRate()], scrambled).predictions
    cols = ["model", "episode_id", "p_agreement", "predicted_held_days"]
    for eid in ("E1", "E2", "E3"):
        a = base.filter(pl.col("episode_id") == eid).select(cols)
        b = again.filter(pl.col("episode_id") == eid).select(cols)
        assert a.equals(b)


def test_scores_against_sklearn_and_scipy() -> None:
    rec = _synthetic()
    nb = run_negotiation_backtest([_Spy()], rec)
    d = nb.predictions
    y = d["agreed"].to_numpy()
    p = d["p_agreement"].to_numpy()
    row = nb.scores().row(0, named=True)
    assert row["brier"] == pytest.approx(skm.brier_score_loss(y, p))
    assert row["log_loss"] == pytest.approx(skm.log_loss(y, p, labels=[0, 1]))
    assert row["accuracy"] == pytest.approx(skm.accuracy_score(y, p >= 0.5))
    both = d.filter(pl.col("held_days").is_not_null() & pl.col("predicted_held_days").is_not_null())
    rc = M.spearman(both["predicted_held_days"].to_numpy(), both["held_days"].to_numpy())
    assert row["durability_n"] == rc.n == both.height
    # The spy gives no time ratio: both ranks are those of its days.
    for col in ("durability_rho", "durability_rho_days"):
        if np.isnan(rc.rho):
            assert np.isnan(row[col])
        else:
            assert row[col] == pytest.approx(rc.rho)


def test_a_model_without_covariate_has_no_durability_rank() -> None:
    # The base rate's time ratio is 1 for every episode: no rank, whatever its medians do.
    nb = run_negotiation_backtest([NegotiationBaseRate()], _synthetic())
    d = nb.predictions
    assert d["durability_ratio"].to_list() == [1.0] * d.height
    row = nb.scores().row(0, named=True)
    assert np.isnan(row["durability_rho"])


def test_persistence_carries_the_last_ended_episode_over() -> None:
    nb = run_negotiation_backtest([NegotiationPersistence()], _synthetic())
    got = dict(zip(nb.predictions["episode_id"], nb.predictions["p_agreement"], strict=True))
    # By hand: E1 and E2 start before anything ended (1/2); at E3 the latest ended episode is
    # E2 (no agreement: (0 + 1)/3); at E4 it is E3 (collapsed: 1/3); at E5, E4 (agreement: 2/3).
    assert got == pytest.approx({"E1": 0.5, "E2": 0.5, "E3": 1 / 3, "E4": 1 / 3, "E5": 2 / 3})
    assert nb.predictions["predicted_held_days"].null_count() == 5
    assert nb.scores()["durability_n"][0] == 0


def test_probabilities_never_read_as_certain() -> None:
    assert probability_text(0.0004) == "<0.001"
    assert probability_text(0.9996) == ">0.999"
    assert probability_text(0.0015) == "0.002"
    assert probability_text(0.5) == "0.500"
    assert probability_text(None) == "—"
    assert probability_text(2e-5, digits=4) == "<0.0001"


def test_partial_outcomes_get_partial_value() -> None:
    rec = _synthetic().with_columns(
        pl.when(pl.col("episode_id") == "E4")
        .then(pl.lit("partial"))
        .otherwise(pl.col("outcome"))
        .alias("outcome")
    )
    nb = run_negotiation_backtest([NegotiationBaseRate()], rec, partial_value=0.25)
    e4 = nb.predictions.filter(pl.col("episode_id") == "E4").row(0, named=True)
    assert e4["agreed"] == 0.25
    # a "partial" episode earns 0.25 for an agreement call and 0.75 for a no-agreement call;
    # a forecast of exactly 0.5 is a tie and earns half of each (the package's one tie rule)
    d = nb.predictions
    y, p = d["agreed"].to_numpy(), d["p_agreement"].to_numpy()
    credit = [
        yi if pi > 0.5 else (1 - yi if pi < 0.5 else 0.5) for yi, pi in zip(y, p, strict=True)
    ]
    assert 0.25 in credit or 0.75 in credit
    row = nb.scores().row(0, named=True)
    assert row["accuracy"] == pytest.approx(sum(credit) / len(credit))
    assert row["brier"] == pytest.approx(float(np.mean((p - y) ** 2)))


def test_base_rate_on_the_training_record(history_dir: Path) -> None:
    """Base-rate forecasts equal the counts of earlier finished episodes in the raw file."""
    from ncrealism.data.records import read_negotiation_record

    path = history_dir / NEGOTIATIONS
    nb = run_negotiation_backtest([NegotiationBaseRate()], read_negotiation_record(path))
    with path.open(encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    value = {"agreement": 1.0, "partial": 0.5, "no agreement": 0.0, "collapsed": 0.0}
    pred = {r["episode_id"]: r for r in nb.predictions.iter_rows(named=True)}
    assert len(pred) == len(raw)
    for r in raw:
        start = parse_date(r["start_date"])
        assert start is not None
        earlier = [
            q for q in raw if (parse_date(q["end_date"], last=True) or start) < start
        ]  # month-precision ends count at the end of the month
        expected = (sum(value[q["outcome"]] for q in earlier) + 1) / (len(earlier) + 2)
        got = pred[r["episode_id"]]
        assert got["n_history"] == len(earlier)
        assert got["p_agreement"] == pytest.approx(expected)
    first = min(raw, key=lambda q: q["start_date"])
    assert pred[first["episode_id"]]["p_agreement"] == 0.5  # nothing known: (0 + 1)/(0 + 2)


def test_bad_negotiation_records() -> None:
    rec = _synthetic()
    with pytest.raises(InputError, match="unknown outcome 'stalemate'"):
        bad = rec.with_columns(pl.lit("stalemate").alias("outcome"))
        run_negotiation_backtest([NegotiationBaseRate()], bad)
    with pytest.raises(InputError, match="appears twice"):
        run_negotiation_backtest([NegotiationBaseRate()], pl.concat([rec, rec.head(1)]))
    with pytest.raises(InputError, match="'31/01/2031' is not a date"):
        bad = rec.with_columns(pl.lit("31/01/2031").alias("start_date"))
        run_negotiation_backtest([NegotiationBaseRate()], bad)
    with pytest.raises(InputError, match="required column 'outcome'"):
        run_negotiation_backtest([NegotiationBaseRate()], rec.drop("outcome"))


def test_parse_date_precisions() -> None:
    assert parse_date("1998-03") == dt.date(1998, 3, 1)
    assert parse_date("1998-02", last=True) == dt.date(1998, 2, 28)
    assert parse_date("2000", last=True) == dt.date(2000, 12, 31)
    assert parse_date("") is None


# ------------------------------------------------------------------ the bargaining model


def _fake_cinc(codes: Any, years: Any) -> dict[tuple[int, int], float]:
    """Stand-in capabilities (CINC-like shares), defined for any year."""
    base = {2: 0.15, 731: 0.012, 732: 0.023, 710: 0.15, 365: 0.05, 740: 0.045}
    return {(c, y): base[c] * (1.0 + 0.01 * (y - 1990)) for c in codes for y in years}


def test_a_record_running_to_2024_backtests(source: Any) -> None:
    """Episodes after the last template and after COW NMC's last year run without error."""
    from ncrealism.evaluation.negotiation import BargainingModel
    from ncrealism.negotiation.forecast import InputUncertainty

    record = pl.DataFrame(
        {
            "episode_id": ["S1", "S2", "S3", "S4", "S5"],
            "start_date": ["2009-12-08", "2018-06-12", "2019-02-27", "2023-05", "2024-03-01"],
            "end_date": ["2009-12-10", "2018-06-12", "2019-02-28", "2023-05", "2024-03-02"],
            "parties": ["US;DPRK", "US;DPRK", "US;DPRK", "DPRK;Atlantis", SIX],
            "outcome": ["no agreement", "agreement", "collapsed", "no agreement", "partial"],
            "agreement_date": ["", "2018-06-12", "", "", ""],
            "held_until": ["", "2019-02-28", "", "", ""],
            "held_days": ["", "261", "", "", ""],
        }
    )
    bm = BargainingModel(
        source=source, uncertainty=InputUncertainty(draws=2), capabilities=_fake_cinc
    )
    bt = run_negotiation_backtest([bm, NegotiationBaseRate()], record)
    p = bt.predictions["p_agreement"].to_numpy()
    assert ((p > 0.0) & (p < 1.0)).all()
    got = bt.predictions.filter(pl.col("model") == "bargaining model")
    # A party no template codes: no model, and the note says so.
    note = got.filter(pl.col("episode_id") == "S4")["note"][0]
    assert "no coded template" in note
    assert got.filter(pl.col("episode_id") == "S5")["n_history"][0] == 4
    # With one earlier agreement (S2) that held 261 days, the episode without a model gets the
    # forecast of an agreement with the earlier mean index: within a factor of 20 of those days
    # (not the 0.7-day median of a zero log index).
    s4 = got.filter(pl.col("episode_id") == "S4").row(0, named=True)
    assert 261.0 / 20 < s4["predicted_held_days"] < 261.0 * 20


def test_an_episode_without_model_or_history_gets_the_one_year_index() -> None:
    from ncrealism.evaluation.negotiation import BargainingModel

    record = pl.DataFrame(
        {
            "episode_id": ["A1"],
            "start_date": ["2020-01-01"],
            "end_date": ["2020-01-02"],
            "parties": ["DPRK;Atlantis"],
            "outcome": ["agreement"],
            "agreement_date": ["2020-01-02"],
            "held_until": ["2020-06-01"],
            "held_days": ["151"],
        }
    )
    got = run_negotiation_backtest([BargainingModel()], record).predictions.row(0, named=True)
    # No coded template and no earlier agreement: the commitment model's own forecast for an
    # index of one year, an exponential with mean 365.25 days: median 365.25 ln 2.
    assert got["predicted_held_days"] == pytest.approx(365.25 * math.log(2.0), rel=1e-6)
    assert got["durability_ratio"] == pytest.approx(1.0)


SIX = "China;DPRK;Japan;ROK;Russia;US"


def test_negotiate_and_the_backtest_give_the_same_probability(
    history_dir: Path, source: Any
) -> None:
    """One model per episode: the shipped case and the record backtest agree."""
    from ncrealism.data.records import read_negotiation_record
    from ncrealism.evaluation.negotiation import BargainingModel, case_forecast
    from ncrealism.negotiation.cases import load_case
    from ncrealism.negotiation.forecast import InputUncertainty

    unc = InputUncertainty(draws=3)
    record = read_negotiation_record(history_dir / NEGOTIATIONS)
    upto = record.filter(pl.col("episode_id").is_in(record["episode_id"].head(5).to_list()))
    assert upto["episode_id"][-1] == "US-DPRK-1994-AF"
    bt = run_negotiation_backtest([BargainingModel(source=source, uncertainty=unc)], upto)
    row = bt.predictions.filter(pl.col("episode_id") == "US-DPRK-1994-AF").row(0, named=True)
    fc = case_forecast(load_case("agreed_framework_1994"), source=source, uncertainty=unc)
    assert fc["p_agreement"] == row["p_agreement"]
    assert (fc["p_low"], fc["p_high"]) == (row["p_low"], row["p_high"])
    assert fc["median_days"] == row["predicted_held_days"]
    assert fc["n_history"] == row["n_history"] == 4
    assert 0.0 < fc["p_low"] <= fc["p_agreement"] <= fc["p_high"] < 1.0


def test_the_docs_quote_the_agreed_framework_forecast(source: Any) -> None:
    """docs/negotiation.md's case table gives what `ncr negotiate agreed_framework_1994` says."""
    import re

    from ncrealism.evaluation.negotiation import case_forecast
    from ncrealism.negotiation.cases import load_case

    doc = (Path(__file__).resolve().parents[2] / "docs" / "negotiation.md").read_text("utf-8")
    row = next(line for line in doc.splitlines() if line.startswith("| `agreed_framework_1994`"))
    m = re.search(r"\*\*([0-9.]+)\*\* \(([0-9.]+) to ([0-9.]+)\)", row)
    assert m is not None, row
    fc = case_forecast(load_case("agreed_framework_1994"), source=source)
    assert [float(g) for g in m.groups()] == [
        round(fc[k], 3) for k in ("p_agreement", "p_low", "p_high")
    ]
    # The last column: the durability model's median days.
    assert row.rstrip(" |").rsplit("|", 1)[-1].strip() == f"{fc['median_days']:.0f}"


def test_agreements_still_holding_are_not_ranked() -> None:
    from ncrealism.evaluation.negotiation import NegotiationBacktest

    n = 4
    pred = pl.DataFrame(
        {
            "model": ["m"] * n,
            "episode_id": ["a", "b", "c", "d"],
            "agreed": [1.0] * n,
            "p_agreement": [0.6] * n,
            "held_days": [10.0, 20.0, 30.0, 1000.0],
            "held_censored": [False, False, False, True],
            "predicted_held_days": [100.0, 200.0, 300.0, 10.0],
            "durability_ratio": [1.0, 2.0, 3.0, 0.1],
            "durability_log_score": [-5.0, -6.0, -7.0, -0.5],
        }
    )
    row = NegotiationBacktest(pred, ("m",), 0.5).scores().row(0, named=True)
    # The three breakdowns are ranked as forecast (rho 1); the agreement still holding after
    # 1,000 days is a lower bound, not a duration, so it is left out of the rank (with it, the
    # ranks (2, 3, 4, 1) against (1, 2, 3, 4) would give rho = 1 - 6·12/(4·15) = -0.2) ...
    assert row["durability_n"] == 3
    assert row["durability_rho"] == pytest.approx(1.0)
    assert row["durability_rho_days"] == pytest.approx(1.0)
    # ... but it does enter the censored log score: -(-5 - 6 - 7 - 0.5)/4.
    assert row["durability_nll"] == pytest.approx(18.5 / 4)
