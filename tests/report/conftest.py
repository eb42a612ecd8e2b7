"""Fixtures of the report tests: the DPRK report built once per session on the mirror."""

from __future__ import annotations

from pathlib import Path

import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.report.dprk import ReportResult, build_dprk_report

YEARLY = "dprk_yearly_1990_2009.csv"
CONTEXT = "context_events_1990_2009.csv"
NEGOTIATIONS = "negotiations_1993_2009.csv"


@pytest.fixture(scope="session")
def dprk_report(
    source: DataSource, history_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> ReportResult:
    """The full report (record, context and negotiations given). For speed the backtest runs
    without ablations and each negotiation forecast with 50 Monte Carlo draws."""
    return build_dprk_report(
        tmp_path_factory.mktemp("dprk-report"),
        record=history_dir / YEARLY,
        context=history_dir / CONTEXT,
        negotiations=history_dir / NEGOTIATIONS,
        source=source,
        seed=0,
        quiet=True,
        draws=50,
        ablations=False,
    )
