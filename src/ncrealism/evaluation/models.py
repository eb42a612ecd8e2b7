"""The model interface of the backtest engine, and the three naive baselines.

A :class:`Model` is fitted on the training years (their inputs and their recorded outcomes) and
returns a :class:`Forecaster`, which predicts the test years from their inputs only. Every
forecast is a long frame with one row per (year, option):

===========  =======  ===============================================================
column       dtype    meaning (unit)
===========  =======  ===============================================================
year         Int64    calendar year forecast
option       Utf8     posture name, one of the backtest's options
probability  Float64  forecast probability of the posture that year (unitless, sums to
                      1 over the options of a year)
===========  =======  ===============================================================

The baselines are the yardsticks of forecast evaluation (Murphy 1988, "Skill scores based on the
mean square error and their relationships to the correlation coefficient", Monthly Weather Review
116:2417-2424: skill is measured against climatology and persistence):

* :class:`Uniform`: ``1/K`` for every option (no information).
* :class:`BaseRate`: the training years' posture frequencies ("climatology"), with additive
  smoothing ``(count_k + α)/(n + Kα)``; ``α = 1`` is Laplace's rule of succession, ``α = 0``
  the raw frequencies.
* :class:`Persistence`: the posture of the last training year, with the probability that a posture
  persists estimated on the training record, ``s = (repeats + α)/(transitions + 2α)`` (repeats:
  consecutive training years with the same posture), the rest ``(1 - s)/(K - 1)`` on each other
  option. With the rolling origin the last training year is the year before the forecast year.
  A forecast ``h`` years ahead (a ``horizon`` column in the forecast frame) chains that
  transition matrix ``h`` times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import polars as pl

from ncrealism.errors import InputError

#: Record column holding the recorded posture of a year.
POSTURE = "dominant_posture"
#: Record column holding the coder's confidence in that posture (high/medium/low).
CONFIDENCE = "posture_confidence"


@runtime_checkable
class Forecaster(Protocol):
    """A fitted model: forecasts years from their inputs alone."""

    def predict(self, inputs: pl.DataFrame) -> pl.DataFrame:
        """Forecast every year in ``inputs`` (long frame documented in this module)."""
        ...


@runtime_checkable
class Model(Protocol):
    """Something that can be calibrated on training years and then forecast.

    ``fit`` receives the inputs of the training years and the record rows of those years only
    (never a test year's outcome); the engine guarantees this.
    """

    @property
    def name(self) -> str:
        """The model's name in tables and figures (unique within a backtest)."""
        ...

    def fit(self, inputs: pl.DataFrame, record: pl.DataFrame, options: Sequence[str]) -> Forecaster:
        """Calibrate on the training years; return a forecaster for later years."""
        ...


def constant_forecast(
    years: Sequence[int], options: Sequence[str], probs: Sequence[float]
) -> pl.DataFrame:
    """The same probability vector for every year, as a long forecast frame."""
    return pl.DataFrame(
        {
            "year": [y for y in years for _ in options],
            "option": [o for _ in years for o in options],
            "probability": [float(p) for _ in years for p in probs],
        },
        schema={"year": pl.Int64, "option": pl.Utf8, "probability": pl.Float64},
    )


def _years(inputs: pl.DataFrame) -> list[int]:
    if "year" not in inputs.columns:
        raise InputError(f"inputs need a 'year' column (found {inputs.columns})")
    return [int(y) for y in inputs["year"].to_list()]


def _postures(record: pl.DataFrame, options: Sequence[str]) -> list[str]:
    if POSTURE not in record.columns:
        raise InputError(f"the record needs a '{POSTURE}' column (found {record.columns})")
    ys = record.sort("year")[POSTURE].to_list()
    unknown = sorted({str(y) for y in ys} - set(options))
    if unknown:
        raise InputError(f"recorded postures {unknown} are not among the options {list(options)}")
    return [str(y) for y in ys]


@dataclass(frozen=True)
class _Constant:
    options: tuple[str, ...]
    probs: tuple[float, ...]

    def predict(self, inputs: pl.DataFrame) -> pl.DataFrame:
        return constant_forecast(_years(inputs), self.options, self.probs)


@dataclass(frozen=True)
class Uniform:
    """Every option equally likely, whatever the training years say."""

    name: str = "uniform"

    def fit(self, inputs: pl.DataFrame, record: pl.DataFrame, options: Sequence[str]) -> Forecaster:
        k = len(options)
        return _Constant(tuple(options), tuple(1.0 / k for _ in options))


@dataclass(frozen=True)
class BaseRate:
    """Training-year posture frequencies with additive smoothing ``alpha`` (>= 0)."""

    alpha: float = 1.0
    name: str = "base rate"

    def fit(self, inputs: pl.DataFrame, record: pl.DataFrame, options: Sequence[str]) -> Forecaster:
        if self.alpha < 0:
            raise InputError(f"alpha must be >= 0, got {self.alpha}")
        ys = _postures(record, options)
        k = len(options)
        denom = len(ys) + k * self.alpha
        if denom == 0:
            raise InputError("base rate with alpha=0 needs at least one training year")
        probs = tuple((ys.count(o) + self.alpha) / denom for o in options)
        return _Constant(tuple(options), probs)


@dataclass(frozen=True)
class _Persist:
    options: tuple[str, ...]
    last: str
    stay: float

    def predict(self, inputs: pl.DataFrame) -> pl.DataFrame:
        k = len(self.options)
        h = int(inputs["horizon"][0]) if "horizon" in inputs.columns and inputs.height else 1
        # h steps of the chain that stays with probability s and moves to each other option
        # with (1 - s)/(K - 1): P(same after h) = 1/K + (1 - 1/K) r^h, r = (sK - 1)/(K - 1).
        r = (self.stay * k - 1.0) / (k - 1)
        same = 1.0 / k + (1.0 - 1.0 / k) * r**h
        probs = [same if o == self.last else (1.0 - same) / (k - 1) for o in self.options]
        return constant_forecast(_years(inputs), self.options, probs)


@dataclass(frozen=True)
class Persistence:
    """The last training year's posture, held with a persistence rate estimated in training."""

    alpha: float = 1.0
    name: str = "persistence"

    def fit(self, inputs: pl.DataFrame, record: pl.DataFrame, options: Sequence[str]) -> Forecaster:
        if self.alpha < 0:
            raise InputError(f"alpha must be >= 0, got {self.alpha}")
        ys = _postures(record, options)
        if not ys:
            raise InputError("persistence needs at least one training year")
        years = [int(y) for y in record.sort("year")["year"].to_list()]
        pairs = [(ys[i], ys[i + 1]) for i in range(len(ys) - 1) if years[i + 1] == years[i] + 1]
        repeats = sum(a == b for a, b in pairs)
        denom = len(pairs) + 2 * self.alpha
        stay = (repeats + self.alpha) / denom if denom > 0 else 1.0
        return _Persist(tuple(options), ys[-1], stay)
