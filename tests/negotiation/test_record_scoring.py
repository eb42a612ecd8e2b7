"""Scoring on the negotiation record: reading it, no look-ahead, scores recomputed."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError
from ncrealism.negotiation.record_scoring import (
    CONTEXT_FILE,
    NEGOTIATIONS_FILE,
    TEMPLATES,
    RecordRules,
    episode_model,
    nuclear_status,
    read_context,
    read_negotiations,
    score_record,
)


def raw_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_read_negotiations_matches_the_raw_file(history_dir: Path) -> None:
    path = history_dir / NEGOTIATIONS_FILE
    raw = raw_rows(path)
    frame = read_negotiations(path)
    assert frame.height == len(raw)
    assert frame["episode_id"].to_list() == [r["episode_id"] for r in raw]
    for r, start in zip(raw, frame["start_date"].to_list(), strict=True):
        parts = r["start_date"].split("-")
        # Month-precision dates read as the first day of the month.
        assert start == dt.date(
            int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) > 2 else 1
        )
    held = [int(r["held_days"]) if r["held_days"] else None for r in raw]
    assert frame["held_days"].to_list() == held


def test_bad_rows_name_the_row_and_the_field(tmp_path: Path, history_dir: Path) -> None:
    text = (history_dir / NEGOTIATIONS_FILE).read_text(encoding="utf-8").splitlines()
    header, first, second = text[0], text[1], text[2]
    bad = tmp_path / "neg.csv"
    bad.write_text("\n".join([header, first, second.replace(",agreement,", ",maybe,", 1)]))
    with pytest.raises(DataFileError) as info:
        read_negotiations(bad)
    assert info.value.row == 3 and info.value.field == "outcome"
    bad.write_text("\n".join([header, first.replace("1993-06-02", "June 1993", 1)]))
    with pytest.raises(DataFileError) as info:
        read_negotiations(bad)
    assert info.value.row == 2 and info.value.field == "start_date"


def test_coarse_context_dates_count_only_once_surely_past(history_dir: Path) -> None:
    ctx = read_context(history_dir / CONTEXT_FILE)
    raw = raw_rows(history_dir / CONTEXT_FILE)
    assert ctx.height == len(raw)
    bda = ctx.filter(pl.col("date") == "2005-09")
    assert bda["latest"].to_list() == [dt.date(2005, 9, 30)]
    famine = ctx.filter(pl.col("date") == "1995")
    assert famine["latest"].to_list() == [dt.date(1995, 12, 31)]


def test_an_episode_model_never_sees_the_future(history_dir: Path, source: DataSource) -> None:
    ctx = read_context(history_dir / CONTEXT_FILE)
    status = nuclear_status(source)
    start = dt.date(2005, 7, 26)
    parties = ["China", "DPRK", "Japan", "ROK", "Russia", "US"]
    base, info = episode_model("6PT-4", start, parties, ctx, status, source=source)
    future = pl.DataFrame(
        {
            "date": ["2005-07-27", "2030"],
            "event": ["a later sanction", "a later inducement"],
            "type": ["sanction", "inducement"],
            "actor": ["UNSC", "US"],
            "latest": [dt.date(2005, 7, 27), dt.date(2030, 12, 31)],
        }
    )
    later, _ = episode_model(
        "6PT-4", start, parties, pl.concat([ctx, future], how="diagonal"), status, source=source
    )
    assert later.values == base.values
    past = future.with_columns(pl.lit(dt.date(2005, 7, 1)).alias("latest")).head(1)
    _earlier, info2 = episode_model(
        "6PT-4", start, parties, pl.concat([ctx, past], how="diagonal"), status, source=source
    )
    step = RecordRules().sanction_step
    assert info2["sanctions_pressure"] == pytest.approx(min(1.0, info["sanctions_pressure"] + step))
    # The DPRK possessed weapons from 2006 (nuclear_status dataset): not yet in 2005's model.
    assert info["dprk_possessing"] is False
    assert base.values["survival.reservation_floor"] == 0.0


def test_score_record_summary_is_recomputed_from_its_frame(
    history_dir: Path, source: DataSource
) -> None:
    score = score_record(history_dir, source=source)
    frame = score.episodes
    raw = raw_rows(history_dir / NEGOTIATIONS_FILE)
    assert frame.height == len(raw) == score.summary["n_episodes"]
    assert frame["outcome"].to_list() == [r["outcome"] for r in raw]
    pred = frame["zone_exists"].to_list()
    obs = [r["outcome"] == "agreement" for r in raw]
    assert score.summary["accuracy"] == pytest.approx(
        sum(p == o for p, o in zip(pred, obs, strict=True)) / len(obs)
    )
    assert score.summary["tp"] + score.summary["fn"] == sum(obs)
    # No zone, nothing to hold.
    assert (frame.filter(~pl.col("zone_exists"))["expected_days"] == 0.0).all()
    assert (frame.filter(pl.col("zone_exists"))["expected_days"] > 0.0).all()
    held = frame.filter(pl.col("held_days").is_not_null())
    assert score.summary["n_durability"] == held.height == sum(1 for r in raw if r["held_days"])
    from scipy.stats import spearmanr

    rho = spearmanr(held["expected_days"].to_list(), held["held_days"].to_list()).statistic
    assert score.summary["spearman_rho"] == pytest.approx(float(rho))
    # Each episode uses the last template that started on or before it.
    for start, template in frame.select("start_date", "template").iter_rows():
        started = [(w, n) for w, n in TEMPLATES if w <= start]
        assert template == started[-1][1]
    assert "Spearman" in score.to_markdown()


def test_commitment_index_shrinks_with_every_party_that_must_keep_its_word(
    history_dir: Path, source: DataSource
) -> None:
    from ncrealism.negotiation.commitment import DAYS_PER_YEAR
    from ncrealism.negotiation.forecast import commitment_index

    ctx = read_context(history_dir / CONTEXT_FILE)
    status = nuclear_status(source)
    start = dt.date(2005, 7, 26)
    six = ["China", "DPRK", "Japan", "ROK", "Russia", "US"]
    index = {
        n: commitment_index(episode_model("x", start, six[:n], ctx, status, source=source)[0])
        for n in (2, 4, 6)
    }
    # The agreement holds while every party's slack does (a product of survival curves): each
    # added party can only shorten it.
    assert index[6] < index[4] < index[2]
    # Each party's slack 0.125 (REFERENCE_SLACK), volatility sigma <= 0.1 and a drift of
    # capability trends under 0.02 a year: without drift P(T > 1 year) = 2·Phi(0.125/0.1) - 1
    # = 0.789 (reflection principle), so two parties hold past a year with probability about
    # 0.789**2 = 0.62 and the expected days exceed 0.5 year; the index is truncated at the
    # 20-year horizon.
    assert 0.5 * DAYS_PER_YEAR < index[2] <= 20.0 * DAYS_PER_YEAR
