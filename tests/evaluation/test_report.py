"""The report writer: results.json, report.md/html and figures, all from the run."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from evaluation_helpers import POSTURES, ShockModel, synthetic

from ncrealism.evaluation.engine import Backtest, run_backtest
from ncrealism.evaluation.models import BaseRate, Persistence, Uniform
from ncrealism.evaluation.negotiation import NegotiationBaseRate, run_negotiation_backtest
from ncrealism.evaluation.report import RunInfo, md_table, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _backtest(seed: int = 0) -> tuple[Backtest, pl.DataFrame]:
    record, inputs = synthetic(seed)
    bt = run_backtest(
        [ShockModel(), Persistence(), BaseRate(), Uniform()],
        inputs,
        record,
        options=POSTURES,
        train=(2031, 2044),
        test=range(2045, 2055),
    )
    return bt, record


def _negotiations() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "episode_id": ["E1", "E2", "E3", "E4"],
            "start_date": ["2031-01-05", "2032-03", "2033-06-01", "2034-02-02"],
            "end_date": ["2031-01-09", "2032-03", "2033-06-09", "2034-02-05"],
            "outcome": ["agreement", "no agreement", "partial", "agreement"],
            "agreement_date": ["2031-01-09", "", "2033-06-09", "2034-02-05"],
            "held_until": ["2033-01-01", "", "2033-09-01", "2034-03-01"],
            "held_days": ["723", "", "84", "27"],
        }
    )


def test_write_report(tmp_path: Path) -> None:
    bt, record = _backtest()
    record_file = tmp_path / "record.csv"
    record.write_csv(record_file)
    neg = run_negotiation_backtest([NegotiationBaseRate()], _negotiations())
    run = RunInfo(
        command="ncr backtest --record record.csv",
        seed=None,
        files={"record": record_file},
        descriptions={"shock": "test model"},
    )
    files = write_report(tmp_path / "out", bt, run, negotiation=neg)
    res = json.loads(files.results_json.read_text(encoding="utf-8"))
    # provenance: versions, seed, file hashes computed from the files themselves
    assert res["versions"]["ncrealism"]
    assert res["seed"] is None
    digest = hashlib.sha256(record_file.read_bytes()).hexdigest()
    assert res["files"]["record"]["sha256"] == digest
    assert res["settings"]["test_years"] == list(range(2045, 2055))
    # the scores in the JSON are the run's
    scores = bt.scores()
    for row, js in zip(scores.iter_rows(named=True), res["scores"]["all_years"], strict=True):
        assert js["model"] == row["model"]
        assert js["brier"] == pytest.approx(row["brier"])
        if row["spearman_missile_tests"] != row["spearman_missile_tests"]:  # NaN -> null
            assert js["spearman_missile_tests"] is None
    assert len(res["per_year"]) == 4 * 10
    assert res["negotiation"]["scores"][0]["n_episodes"] == 4
    # the markdown shows the same table, formatted from the run
    md = files.report_md.read_text(encoding="utf-8")
    assert md_table(scores) in md
    assert f"{scores['log_loss'][0]:.3f}" in md
    assert "![Reliability diagram](reliability.png)" in md
    assert "## Negotiations" in md
    page = files.report_html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<img src="per_year.png"' in page
    for fig in files.figures:
        assert fig.read_bytes()[:8] == PNG_MAGIC
        assert fig.stat().st_size > 10_000


def test_report_numbers_follow_the_record(tmp_path: Path) -> None:
    """Scoring a different record changes the report: nothing in it is typed in."""
    bt_a, _ = _backtest(0)
    bt_b, _ = _backtest(1)
    md_a = write_report(tmp_path / "a", bt_a, RunInfo()).report_md.read_text(encoding="utf-8")
    md_b = write_report(tmp_path / "b", bt_b, RunInfo()).report_md.read_text(encoding="utf-8")
    assert md_table(bt_a.scores()) in md_a
    assert md_table(bt_b.scores()) in md_b
    assert md_table(bt_a.scores()) not in md_b
