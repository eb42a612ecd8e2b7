"""The report section and the dashboard view of a panel backtest, from a results document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ncrealism.app.tabs.panel import comparison_tables
from ncrealism.errors import InputError
from ncrealism.report.html import Section, Table, Text, render_markdown
from ncrealism.report.panel import findings, load_results, panel_section, winners


def _doc() -> dict[str, Any]:
    """A hand-made results document: two folds, two outcomes, three models."""
    scores = []
    ll = {
        ("A", "base_rate"): 0.50,
        ("A", "structural"): 0.45,
        ("A", "neoclassical"): 0.40,
        ("B", "base_rate"): 0.30,
        ("B", "structural"): 0.35,
        ("B", "neoclassical"): 0.36,
    }
    for (fold, model), v in ll.items():
        for outcome in ("all", "internal"):
            scores.append(
                {
                    "fold": fold,
                    "outcome": outcome,
                    "model": model,
                    "n": 10,
                    "events": 10,
                    "log_loss": v,
                    "brier": v / 2,
                    "ece": 0.01,
                    "mean_forecast": None,
                    "observed_rate": None,
                }
            )
    diffs = [
        {
            "fold": "A",
            "outcome": "all",
            "model": "neoclassical",
            "comparison": "structural",
            "metric": "log_loss",
            "difference": -0.05,
            "lower": -0.08,
            "upper": -0.02,
            "share_better": 1.0,
        },
        {
            "fold": "B",
            "outcome": "all",
            "model": "neoclassical",
            "comparison": "structural",
            "metric": "log_loss",
            "difference": 0.01,
            "lower": -0.01,
            "upper": 0.03,
            "share_better": 0.2,
        },
    ]
    info = {
        "panel_years": [1817, 2012],
        "state_years": 20,
        "states": 2,
        "nmc_version": "7.0",
        "folds": [{"label": "A", "train_last": 1945, "test_first": 1946, "test_last": 1970}],
        "n_boot": 99,
        "seed": 1,
    }
    return {"info": info, "scores": scores, "differences": diffs, "base_rates": []}


def test_winners_pick_the_lowest_score() -> None:
    w = winners(_doc())
    rows = {(r["fold"], r["outcome"]): r for r in w.iter_rows(named=True)}
    assert rows[("A", "all")]["winner"] == "neoclassical" and rows[("A", "all")]["best"] == 0.40
    assert rows[("B", "all")]["winner"] == "base_rate"
    assert rows[("B", "all")]["base_rate"] == 0.30


def test_findings_state_the_numbers() -> None:
    text = findings(_doc())
    assert text[0] == (
        "In the test era A, the lowest log loss of the four-outcome forecast is the "
        "neoclassical model's (0.4000; base rate 0.5000)."
    )
    assert "better in 1 of 2 era × outcome cells: A all (-0.0500 [-0.0800, -0.0200])" in text[2]
    assert text[3] == "Worse in 0 cells; no clear difference in 1."


def test_section_renders(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(_doc()), encoding="utf-8")
    sec = panel_section(path)
    assert isinstance(sec, Section)
    assert any(isinstance(b, Table) for b in sec.blocks)
    assert any(isinstance(b, Text) and "neoclassical" in b.text for b in sec.blocks)
    md = render_markdown("Panel", [sec])
    assert "0.4000" in md


def test_bad_results_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"info": {}}', encoding="utf-8")
    with pytest.raises(InputError, match=r"x\.json.*scores"):
        load_results(bad)


def test_dashboard_tables() -> None:
    scores, diffs = comparison_tables(_doc(), "all", "log_loss")
    assert scores.columns == ["fold", "base_rate", "structural", "neoclassical"]
    assert scores.row(0) == ("A", 0.50, 0.45, 0.40)
    assert diffs.height == 2 and diffs["difference"].to_list() == [-0.05, 0.01]
