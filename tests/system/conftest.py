"""Fixtures of the system-layer tests: raw publisher rows read with the csv module, an
independent path to the numbers the library computes from."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts (universal newlines, so CR-only files read too)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def nmc_rows(mirror: Path) -> list[dict[str, str]]:
    """The NMC v6.0 publisher CSV as strings, straight from the mirror."""
    return read_csv(mirror / "cow-nmc" / "NMC-60-abridged.csv")


@pytest.fixture(scope="session")
def raw_cinc(nmc_rows: list[dict[str, str]]) -> dict[tuple[int, int], float]:
    """COW's published CINC keyed by (ccode, year)."""
    return {(int(r["ccode"]), int(r["year"])): float(r["cinc"]) for r in nmc_rows}
