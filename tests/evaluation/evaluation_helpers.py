"""Helpers of the evaluation tests: a synthetic yearly record and a small input-driven model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from ncrealism.evaluation.models import Forecaster, constant_forecast

POSTURES = (
    "internal_balancing",
    "engagement",
    "brinkmanship",
    "accommodation",
    "external_balancing",
)


@dataclass(frozen=True)
class _ShockForecaster:
    options: tuple[str, ...]
    table: dict[int, tuple[float, ...]]

    def predict(self, inputs: pl.DataFrame) -> pl.DataFrame:
        frames = [
            constant_forecast([int(y)], self.options, self.table[int(s)])
            for y, s in zip(inputs["year"], inputs["shock"], strict=True)
        ]
        return pl.concat(frames)


@dataclass(frozen=True)
class ShockModel:
    """Test-only model: posture frequencies in training years with the same ``shock`` input.

    It reads both the inputs and the training outcomes, so its forecasts change when training
    outcomes change, which makes the scrambled-outcome test meaningful.
    """

    name: str = "shock"

    def fit(self, inputs: pl.DataFrame, record: pl.DataFrame, options: Sequence[str]) -> Forecaster:
        joined = inputs.join(record, on="year")
        table: dict[int, tuple[float, ...]] = {}
        for s in (0, 1):
            ys = joined.filter(pl.col("shock") == s)["dominant_posture"].to_list()
            n = len(ys) + len(options)
            table[s] = tuple((ys.count(o) + 1) / n for o in options)
        return _ShockForecaster(tuple(options), table)


def synthetic(seed: int = 0, start: int = 2031, n: int = 24) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A record for years the package has never seen, and its inputs (a 0/1 shock).

    After a shock the posture is internal balancing with probability 0.7, else engagement or
    accommodation; the counts follow the posture.
    """
    rng = np.random.default_rng(seed)
    years = list(range(start, start + n))
    shock = rng.integers(0, 2, size=n)
    postures, missiles, nukes, conf = [], [], [], []
    for s in shock:
        if s == 1 and rng.random() < 0.7:
            p = "internal_balancing"
        else:
            p = str(rng.choice(["engagement", "accommodation", "brinkmanship"]))
        postures.append(p)
        missiles.append(int(rng.poisson(6 if p == "internal_balancing" else 1)))
        nukes.append(int(rng.random() < (0.5 if p == "internal_balancing" else 0.05)))
        conf.append(str(rng.choice(["high", "medium", "low"])))
    record = pl.DataFrame(
        {
            "year": years,
            "nuclear_tests": nukes,
            "missile_tests": missiles,
            "dominant_posture": postures,
            "posture_confidence": conf,
        },
        schema_overrides={"year": pl.Int64, "nuclear_tests": pl.Int64, "missile_tests": pl.Int64},
    )
    inputs = pl.DataFrame({"year": years, "shock": shock.astype(np.int64)})
    return record, inputs
