"""Fixtures of the decision tests: the DPRK inputs and record, built once per session."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.data.records import read_context_events, read_yearly_record
from ncrealism.decision.inputs import build_inputs


@pytest.fixture(scope="session")
def context(history_dir: Path) -> pl.DataFrame:
    return read_context_events(history_dir / "context_events_1990_2009.csv")


@pytest.fixture(scope="session")
def record(history_dir: Path) -> pl.DataFrame:
    return read_yearly_record(history_dir / "dprk_yearly_1990_2009.csv")


@pytest.fixture(scope="session")
def dprk_inputs(source: DataSource, context: pl.DataFrame) -> pl.DataFrame:
    return build_inputs(731, (1990, 2009), context=context, source=source)
