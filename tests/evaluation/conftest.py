"""Fixtures of the evaluation tests."""

from __future__ import annotations

import polars as pl
import pytest
from evaluation_helpers import synthetic


@pytest.fixture
def synthetic_case() -> tuple[pl.DataFrame, pl.DataFrame]:
    """A synthetic record of years 2031-2054 and its inputs (see ``evaluation_helpers``)."""
    return synthetic()
