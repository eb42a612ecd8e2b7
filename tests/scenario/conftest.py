"""Fixtures of the scenario tests: a synthetic backend and scenario files in tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from scenario.synthetic import Everything

BASE = """\
[scenario]
name = "synthetic-test"
title = "A synthetic scenario for tests"
kind = "test"

[scope]
states = [731, 732]
years = [1990, 2009]

[perception]
profile = "juche"

[[shocks]]
id = "patron_cut"
kind = "patron_support"
from = 2000
value = { dist = "uniform", low = 0.3, high = 0.7 }

[uncertainty]
"beta.brinkmanship.threat" = { dist = "normal", mean = 1.5, sd = 0.3 }
"alpha.engagement" = { dist = "triangular", low = -0.5, mode = 0.2, high = 0.6 }

[run]
draws = 240
seed = 11
chunk_size = 40
"""


@pytest.fixture
def backend() -> Everything:
    return Everything()


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str = BASE, name: str = "s.toml") -> Path:
        p = tmp_path / name
        p.write_text(textwrap.dedent(text), encoding="utf-8")
        return p

    return write
